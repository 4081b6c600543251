"""PostgreSQL search at scale (articles/search.py): only the newest matches
are ranked, counts beyond them are estimates and say so, and a statement
timeout degrades a pathological query to a message instead of an error.

The bounds are shrunk (monkeypatch) so that a handful of articles exercises
the paths a big archive takes; speed itself is measured by
bench/search_bench.py, never asserted here."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from articles import search
from articles.models import Article
from articles.search import _about, search_articles
from articles.tests.factories import make_article, make_category

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the bounded ranking is PostgreSQL's"
    ),
]


def days_ago(n):
    return timezone.now() - datetime.timedelta(days=n)


def ids(results):
    return [a.pk for a in results.items]


def analyze():
    """Fresh statistics: estimates scale the sample by the table's row count
    as the planner knows it (left over from other tests otherwise)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_searchdocument")


@pytest.fixture
def six_desert_stories():
    """Six matches, newest first; the oldest is by far the best match."""
    section = make_category(name="Desert")
    newest = [
        make_article(section=section, headline=f"Story {i}", body="<p>A desert road.</p>",
                     publish_at=days_ago(i))
        for i in range(1, 6)
    ]  # fmt: skip
    best = make_article(
        section=section,
        headline="Desert desert desert",
        dek="The desert",
        body="<p>Desert.</p>",
        publish_at=days_ago(400),
    )
    analyze()
    return newest, best


def test_every_match_ranked_and_counted_exactly_under_the_cap(six_desert_stories):
    newest, best = six_desert_stories
    results = search_articles("desert")
    assert results.total == 6 and not results.estimated and results.ranked is None
    assert ids(results)[0] == best.pk  # relevance wins when all are ranked


def test_only_the_newest_candidates_are_ranked_beyond_the_cap(monkeypatch, six_desert_stories):
    newest, best = six_desert_stories
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 3)
    results = search_articles("desert")
    assert set(ids(results)) == {a.pk for a in newest[:3]}
    assert best.pk not in ids(results)
    assert results.ranked == 3
    # Fewer matches than the GIN probe takes: it counted them all, exactly.
    assert not results.estimated
    assert results.total == 6
    assert sum(f.count for f in results.year_facets) == 6
    assert {f.value: f.count for f in results.year_facets} == {
        a.publish_at.year: sum(b.publish_at.year == a.publish_at.year for b in [*newest, best])
        for a in [*newest, best]
    }
    assert results.num_pages == 1  # pages stop at the ranked candidates


def test_beyond_the_probe_counts_are_estimated_from_the_sample(monkeypatch, six_desert_stories):
    newest, best = six_desert_stories
    monkeypatch.setattr(search, "GIN_PROBE", 4)  # the probe overflows
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 3)
    monkeypatch.setattr(search, "_pg_common", lambda *args: False)  # the probe is tried
    results = search_articles("desert")
    assert results.estimated and results.ranked == 3
    # A tiny table is sampled whole: the estimate is the true count.
    assert results.total == 6
    assert sum(f.count for f in results.year_facets) == 6


def test_common_words_walk_the_newest_articles(monkeypatch, six_desert_stories):
    newest, best = six_desert_stories
    # The GIN probe overflows: the newest articles are tested one by one.
    monkeypatch.setattr(search, "GIN_PROBE", 2)
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 3)
    results = search_articles("desert")
    assert set(ids(results)) == {a.pk for a in newest[:3]}
    assert results.estimated and results.total == 6


def test_words_the_statistics_call_common_skip_the_probe(monkeypatch, six_desert_stories):
    """The column's statistics (six of six documents have "desert") say
    the word is common: no GIN probe, the newest articles are tested."""
    from django.test.utils import CaptureQueriesContext

    newest, best = six_desert_stories
    monkeypatch.setattr(search, "GIN_PROBE", 2)  # common: expected in more than 4
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 3)
    with CaptureQueriesContext(connection) as ctx:
        results = search_articles("desert")
    assert any("pg_stats" in q["sql"] for q in ctx.captured_queries)
    assert not any("WITH found AS" in q["sql"] for q in ctx.captured_queries)
    assert set(ids(results)) == {a.pk for a in newest[:3]}
    assert results.estimated and results.total == 6
    # Words expected in fewer documents than the probe's double ask the index.
    monkeypatch.setattr(search, "GIN_PROBE", 100)
    with CaptureQueriesContext(connection) as ctx:
        search_articles("desert")
    assert any("WITH found AS" in q["sql"] for q in ctx.captured_queries)


def test_the_bound_takes_the_rarest_word_and_unknown_words_as_rare(six_desert_stories):
    """Six documents have "desert", five "road" (the newest five): together
    at most five, not the planner's product of shares; a word the
    statistics do not list is rare however large the table."""
    parsed = search.parse_query
    assert search._pg_common(parsed("desert road"), None, 4)
    assert not search._pg_common(parsed("desert road"), None, 5)
    assert search._pg_common(parsed('"desert road"'), None, 4)
    assert search._pg_common(parsed("camel OR road"), None, 4)  # OR adds
    assert not search._pg_common(parsed("desert zzzqqq"), None, 0)
    assert not search._pg_common(parsed("zzzqqq OR qqqzzz"), None, 0)


def test_an_arabic_word_with_and_before_its_article_is_as_common_as_without():
    # "والنفط" is "النفط" to the arabic configuration: read as the rare word
    # it is unchanged, it went to the GIN probe (810 ms at 1 000 000
    # articles, 30 ms as a common word).
    for i in range(6):
        make_article(headline=f"النفط {i}", language="ar", publish_at=days_ago(i + 1))
    analyze()
    parsed = search.parse_query
    for language in (None, "ar"):
        assert search._pg_common(parsed("النفط"), language, 4)
        assert search._pg_common(parsed("والنفط"), language, 4)
        assert not search._pg_common(parsed("والنفط"), language, 6)


def test_a_walk_that_meets_no_match_asks_the_index(monkeypatch):
    """Words the statistics call common but absent from the newest
    articles (common words that seldom go together): the older matches are
    still found, and counted exactly, instead of "no articles match"."""
    section = make_category(name="Desert")
    old = [
        make_article(section=section, headline=f"Desert well {i}", publish_at=days_ago(300 + i))
        for i in range(2)
    ]
    for i in range(5):
        make_article(section=section, headline=f"Camel market {i}", publish_at=days_ago(i))
    monkeypatch.setattr(search, "_pg_common", lambda *args: True)
    monkeypatch.setattr(search, "RECENT_WINDOW", 4)
    results = search_articles("desert")
    assert set(ids(results)) == {a.pk for a in old}
    assert results.total == 2 and not results.estimated


def test_few_matches_among_the_newest_merge_with_the_probe(monkeypatch, six_desert_stories):
    newest, best = six_desert_stories
    section = newest[0].section
    for i in range(3):  # the newest articles do not match
        make_article(section=section, headline=f"Camel {i}", publish_at=days_ago(0))
    analyze()
    monkeypatch.setattr(search, "GIN_PROBE", 2)
    monkeypatch.setattr(search, "RECENT_WINDOW", 4)
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 3)
    results = search_articles("desert")
    assert results.estimated and results.total == 6
    assert results.items and len(results.items) <= 3
    assert all("desert" in (a.headline + a.body).lower() for a in results.items)


def test_common_words_that_seldom_meet_are_all_counted_when_the_sample_says_few(monkeypatch):
    """A reporter's first and last names: each common, together in few
    articles, most of them older than the newest articles walked. The
    sample finds few in the whole archive, so the GIN probe counts them all
    and the newest of them are ranked (before, only those among the newest
    articles were: 14 of Mina Haddad's 1 270 at 100 000 articles)."""
    desk = make_category(name="Desk")
    theirs = [
        make_article(section=desk, headline=f"Report {i}", byline="Mina Haddad",
                     publish_at=days_ago(100 + i))
        for i in range(4)
    ]  # fmt: skip
    latest = make_article(
        section=desk, headline="Latest", byline="Mina Haddad", publish_at=days_ago(0)
    )
    theirs.insert(0, latest)
    for i in range(6):
        make_article(section=desk, headline=f"Note {i}", byline="Mina Khalil",
                     publish_at=days_ago(i + 1))  # fmt: skip
        make_article(section=desk, headline=f"Brief {i}", byline="Omar Haddad",
                     publish_at=days_ago(i + 1))  # fmt: skip
    analyze()
    monkeypatch.setattr(search, "_pg_common", lambda *args: True)  # both names are common
    monkeypatch.setattr(search, "RECENT_WINDOW", 4)  # holds one of theirs
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 3)
    monkeypatch.setattr(search, "GIN_PROBE", 10)
    results = search_articles("Mina Haddad")
    assert results.total == 5 and not results.estimated
    assert results.ranked == 3
    assert set(ids(results)) == {a.pk for a in theirs[:3]}
    # With an excluded word the index cannot narrow the probe: the walk.
    results = search_articles("Mina Haddad -zzzqqq")
    assert ids(results) == [theirs[0].pk] and results.estimated
    # When the sample finds more than the probe takes, the newest articles
    # are walked, as for any common words: the one among them is ranked.
    monkeypatch.setattr(search, "GIN_PROBE", 4)
    results = search_articles("Mina Haddad")
    assert ids(results) == [theirs[0].pk]
    assert results.estimated and results.total == 5  # the tiny table is sampled whole


def test_the_apis_ranked_pages_end_at_the_ranked_candidates(
    client, monkeypatch, settings, six_desert_stories
):
    newest, best = six_desert_stories
    settings.API_RESPONSE_CACHE_SECONDS = 0
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 3)
    first = client.get("/api/v1/articles/", {"q": "desert", "page_size": 2}).json()
    second = client.get(first["next"]).json()
    assert second["next"] is None
    ranked = [item["id"] for page in (first, second) for item in page["results"]]
    assert sorted(ranked) == sorted(a.pk for a in newest[:3])
    # By date, the API still pages through every match.
    by_date = client.get(
        "/api/v1/articles/", {"q": "desert", "ordering": "-published_at", "page_size": 10}
    )
    assert len(by_date.json()["results"]) == 6


def test_section_filter_beyond_the_cap_counts_exactly_when_it_can(monkeypatch):
    desert, sea = make_category(name="Desert"), make_category(name="Sea")
    for i in range(4):
        make_article(section=sea, headline=f"Desert shore {i}", publish_at=days_ago(i))
    inland = make_article(section=desert, headline="Desert well", publish_at=days_ago(30))
    analyze()
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 3)
    results = search_articles("desert", section=desert)
    assert ids(results) == [inland.pk]
    assert results.total == 1 and not results.estimated
    # The section facet ignores the section filter: still every match.
    assert sum(f.count for f in results.section_facets) == 5


def test_a_small_section_is_counted_exactly_by_walking_it(monkeypatch):
    desert, sea = make_category(name="Desert"), make_category(name="Sea")
    for i in range(6):
        make_article(section=sea, headline=f"Desert shore {i}", publish_at=days_ago(i))
    inland = [
        make_article(section=desert, headline=f"Desert well {i}", publish_at=days_ago(30 + i))
        for i in range(3)
    ]
    make_article(section=desert, headline="Camel market", publish_at=days_ago(40))
    analyze()
    # The probe overflows, so the section's matches come from walking it:
    # it holds fewer articles than a window, so they are all its matches.
    monkeypatch.setattr(search, "GIN_PROBE", 2)
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 2)
    monkeypatch.setattr(search, "RECENT_WINDOW", 50)
    results = search_articles("desert", section=desert)
    assert results.total == 3 and not results.estimated
    assert results.ranked == 2  # pages stop at the ranked candidates
    assert set(ids(results)) == {a.pk for a in inland[:2]}


def test_queryset_search_keeps_every_match_beyond_the_cap(monkeypatch, six_desert_stories):
    # The API pages through .search() by date and the admin filters on it:
    # the search page's candidate cap must not hide matches there.
    newest, best = six_desert_stories
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 3)
    found = list(Article.objects.public().search("desert"))
    assert {a.pk for a in found} == {a.pk for a in [*newest, best]}
    assert found[0] == best  # best first


@pytest.mark.parametrize(
    ("n", "shown"),
    [(0, 0), (7, 7), (99, 99), (123, 120), (87_266, 87_000), (9_951, 10_000)],
)
def test_estimates_are_rounded_to_two_significant_figures(n, shown):
    assert _about(n) == shown


def test_search_in_a_callers_transaction_leaves_its_settings_alone():
    make_article(headline="Desert")
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        before = cursor.fetchone()[0]
        search_articles("desert")
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == before
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"


# --- statement timeout (needs real transactions: the search opens its own) ---------


def _slow_candidates(*args, **kwargs):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(2)")
    return [], True, None


@pytest.mark.django_db(transaction=True)
def test_a_query_that_runs_too_long_is_cancelled_with_a_clear_result(monkeypatch, settings):
    make_article(headline="Desert")
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        before = cursor.fetchone()[0]
    settings.SEARCH_STATEMENT_TIMEOUT_MS = 50
    monkeypatch.setattr(search, "_pg_candidates", _slow_candidates)
    results = search_articles("desert")
    assert results.timed_out
    assert results.total == 0 and results.items == []
    # The timeout lived in the search's own transaction only.
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == before
        cursor.execute("SELECT pg_sleep(0.1)")  # not cancelled


@pytest.mark.django_db(transaction=True)
def test_search_page_survives_a_timeout(client, monkeypatch, settings):
    settings.SEARCH_STATEMENT_TIMEOUT_MS = 50
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    monkeypatch.setattr(search, "_pg_candidates", _slow_candidates)
    response = client.get("/search/", {"q": "desert"})
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_search_in_its_own_transaction_finds_with_the_index(settings):
    """The production path (autocommit: the search opens its transaction)."""
    settings.SEARCH_STATEMENT_TIMEOUT_MS = 1000
    article = make_article(headline="Desert caravan")
    results = search_articles("caravan")
    assert ids(results) == [article.pk] and results.total == 1 and not results.timed_out


@pytest.mark.django_db(transaction=True)
def test_rebuild_in_parallel_gives_the_same_index_and_its_gin(monkeypatch):
    from django.core.management import call_command

    for i in range(7):
        make_article(headline=f"Desert caravan {i}", body=f"<p>Oasis number {i}.</p>")
    with connection.cursor() as cursor:
        cursor.execute("SELECT article_id, vector::text FROM articles_searchdocument")
        before = dict(cursor.fetchall())
    monkeypatch.setattr(search, "PARALLEL_SLICE", 2)  # several tasks for two processes
    call_command("rebuild_search_index", jobs=2, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT article_id, vector::text FROM articles_searchdocument")
        assert dict(cursor.fetchall()) == before
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'search_document_vector_gin'"
        )
        assert cursor.fetchone()[0].endswith("USING gin (vector)")
    assert search_articles("oasis").total == 7


# --- the API's ?q= runs under the same limits ------------------------------------


def _slow_probe(*args, **kwargs):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(2)")
    return []


@pytest.mark.parametrize(
    ("ordering", "slow", "stand_in"),
    [
        ("-published_at", "_pg_probe", _slow_probe),  # every match, by date
        ("relevance", "_pg_candidates", _slow_candidates),  # ranked (the default with q)
    ],
)
@pytest.mark.django_db(transaction=True)
def test_api_search_that_runs_too_long_answers_503_and_lifts_its_limit(
    client, monkeypatch, settings, ordering, slow, stand_in
):
    from media_assets.tests.test_search_pg import assert_search_stopped

    article = make_article(headline="Desert caravan")
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        before = cursor.fetchone()[0]
    settings.SEARCH_STATEMENT_TIMEOUT_MS = 50
    settings.API_RESPONSE_CACHE_SECONDS = 60  # a 503 must not be stored
    monkeypatch.setattr(search, slow, stand_in)

    params = {"q": "caravan", "ordering": ordering}
    assert_search_stopped(client.get("/api/v1/articles/", params))
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == before
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"
        cursor.execute("SELECT pg_sleep(0.1)")  # not cancelled

    monkeypatch.undo()
    response = client.get("/api/v1/articles/", params)
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [article.pk]


@pytest.mark.parametrize("probe", [500, 1], ids=["probe-finds-all", "date-walk"])
@pytest.mark.django_db(transaction=True)
def test_api_search_in_its_own_transaction_finds_and_pages(client, monkeypatch, settings, probe):
    """The production path: autocommit, so the API's search opens its own
    transaction with the limits; both the probe's path (few matches) and
    the walk by date (more than the probe holds) answer, page by page."""
    settings.SEARCH_STATEMENT_TIMEOUT_MS = 1000
    settings.API_RESPONSE_CACHE_SECONDS = 0
    monkeypatch.setattr(search, "FILTER_PROBE", probe)
    caravans = [
        make_article(headline=f"Desert caravan {i}", publish_at=days_ago(i)) for i in range(1, 4)
    ]
    make_article(headline="Harbour report", publish_at=days_ago(1))

    by_date = {"ordering": "-published_at"}  # every match (filter_queryset), not the ranking
    first = client.get("/api/v1/articles/", {"q": "caravan", "page_size": 2, **by_date}).json()
    assert [item["id"] for item in first["results"]] == [caravans[0].pk, caravans[1].pk]
    second = client.get(first["next"]).json()
    assert [item["id"] for item in second["results"]] == [caravans[2].pk]
    nowhere = client.get("/api/v1/articles/", {"q": "zzzqqq", **by_date})
    assert nowhere.status_code == 200 and nowhere.json()["results"] == []


def _planner_rows(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        return cursor.fetchone()[0]


@pytest.mark.parametrize("build", ["index_unindexed", "rebuild_index"])
def test_a_bulk_index_build_gives_the_planner_statistics_first(build):
    """A bulk build (generate_archive, rebuild_search_index) first ANALYZEs
    the tables a document's text comes from: on a freshly loaded database the
    planner took the tag table for a few rows and scanned it whole for each
    article (search._analyze_sources)."""
    from articles.models import SearchDocument, Tag
    from articles.tests.factories import make_tag

    # More tags than the planner last counted (an ANALYZE persists across
    # rolled-back tests), so that its figure is stale until the build.
    stale = max(0, int(_planner_rows("articles_tag")))
    article = make_article(tags=[make_tag() for _ in range(stale + 3)])
    SearchDocument.objects.filter(article=article).delete()
    tags = Tag.objects.count()
    assert _planner_rows("articles_tag") != tags  # not analyzed since the tags were made
    getattr(search, build)()
    assert _planner_rows("articles_tag") == tags
    assert _planner_rows("articles_article_tags") == Article.tags.through.objects.count()
    assert SearchDocument.objects.filter(article=article).exists()
