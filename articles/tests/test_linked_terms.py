"""Lists of a tag's or an author's articles (ArticleQuerySet.linked_to): the
tag page, the author page, the API's ?tag= and ?author=, and the related
articles of an article page. On PostgreSQL a term with few articles is read
from its links, a big one by walking the date index; both must list the
same articles, newest first, page after page, and only public ones."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import models
from articles.models import Article, ArticleAuthor
from articles.tests.factories import make_article, make_author, make_category, make_tag

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")

BRANCHES = {
    # (SMALL_TERM_MIN, SMALL_TERM_FACTOR): every term is small / every term is big.
    "links": (10_000, 0),
    "walk": (0, 0),
}


@pytest.fixture(params=sorted(BRANCHES))
def branch(request, monkeypatch, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    settings.API_RESPONSE_CACHE_SECONDS = 0
    least, factor = BRANCHES[request.param]
    monkeypatch.setattr(models, "SMALL_TERM_MIN", least)
    monkeypatch.setattr(models, "SMALL_TERM_FACTOR", factor)
    return request.param


def _old_and_rare(tag, author, n=23):
    """``n`` public articles with ``tag`` and ``author``, years old, among
    newer articles without them; and a draft and an expired one with both."""
    base = timezone.now() - timedelta(days=3000)
    mine = []
    for i in range(n):
        article = make_article(tags=[tag], publish_at=base + timedelta(days=i))
        ArticleAuthor.objects.create(article=article, author=author, position=0)
        mine.append(article)
    for i in range(5):
        make_article(publish_at=timezone.now() - timedelta(days=i + 1))
    hidden = [
        make_article(tags=[tag], status=Article.Status.DRAFT, publish_at=None),
        make_article(
            tags=[tag],
            publish_at=base - timedelta(days=10),
            expires_at=base - timedelta(days=5),
        ),
    ]
    for article in hidden:
        ArticleAuthor.objects.create(article=article, author=author, position=0)
    return mine[::-1]  # newest first


def _walk_pages(client, url):
    seen, cursor = [], None
    for _ in range(5):
        response = client.get(url, {"before": cursor} if cursor else {})
        assert response.status_code == 200
        page = response.context["page"]
        seen += [article.pk for article in page.items]
        cursor = page.next_cursor
        if not cursor:
            return seen
    raise AssertionError("more pages than articles")


def test_the_tag_and_author_pages_list_a_rare_terms_old_articles(client, branch):
    tag, author = make_tag(slug="rare"), make_author(slug="guest")
    expected = [a.pk for a in _old_and_rare(tag, author)]
    assert _walk_pages(client, "/tag/rare/") == expected
    assert _walk_pages(client, "/author/guest/") == expected


def test_the_api_filters_list_a_rare_terms_old_articles(client, branch):
    tag, author = make_tag(slug="rare"), make_author(slug="guest")
    expected = [a.pk for a in _old_and_rare(tag, author)]
    for query in ({"tag": "rare"}, {"author": "guest"}):
        response = client.get("/api/v1/articles/", {**query, "page_size": 50})
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == expected, query
    assert client.get("/api/v1/articles/", {"tag": "nothing"}).json()["results"] == []


def test_the_related_articles_of_an_article_with_a_rare_tag(client, branch):
    tag, author = make_tag(slug="rare"), make_author(slug="guest")
    newest_first = _old_and_rare(tag, author)
    elsewhere = make_category()
    article = make_article(tags=[tag], section=elsewhere)
    response = client.get(article.get_absolute_url())
    # Nothing else in its section: the related articles are its tag's newest.
    assert [a.pk for a in response.context["related"]] == [a.pk for a in newest_first][:4]


@postgres_only
@pytest.mark.parametrize("branch", ["links", "walk"], indirect=True)
def test_a_small_term_is_read_from_its_links(client, branch):
    tag, author = make_tag(slug="rare"), make_author(slug="guest")
    _old_and_rare(tag, author, n=3)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/tag/rare/").status_code == 200
    listing = [
        q["sql"] for q in queries.captured_queries if '"articles_article"."headline"' in q["sql"]
    ]
    assert len(listing) == 1
    from_links = "unnest(" in listing[0]
    assert from_links == (branch == "links"), listing[0]
    # The bound: at least SMALL_TERM_MIN per article shown.
    bound_query = next(q["sql"] for q in queries.captured_queries if "bound AS (" in q["sql"])
    assert "reltuples" in bound_query


def _link_dates(article):
    """The sort times the article's tag and author links carry (migration
    articles.0019, PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sorted_at FROM articles_article_tags WHERE article_id = %s "
            "UNION ALL SELECT sorted_at FROM articles_articleauthor WHERE article_id = %s",
            [article.pk, article.pk],
        )
        return [row[0] for row in cursor.fetchall()]


@postgres_only
def test_links_carry_their_articles_sort_time_on_every_write_path():
    tag, other = make_tag(), make_tag()
    author = make_author()
    article = make_article(tags=[tag])
    ArticleAuthor.objects.create(article=article, author=author, position=0)
    assert _link_dates(article) == [article.publish_at] * 2
    # A save that moves the date, QuerySet.update(), and a link added later.
    article.publish_at -= timedelta(days=400)
    article.save()
    assert _link_dates(article) == [article.publish_at] * 2
    moved = article.publish_at - timedelta(days=1)
    Article.objects.filter(pk=article.pk).update(publish_at=moved)
    article.tags.add(other)
    Article.tags.through.objects.bulk_create(
        [Article.tags.through(article=article, tag=make_tag())]
    )
    assert _link_dates(article) == [moved] * 4
    # A draft with no date yet: its creation time, until it has one.
    draft = make_article(tags=[tag], status=Article.Status.DRAFT, publish_at=None)
    assert _link_dates(draft) == [draft.created_at]
    draft.publish_at = draft.created_at + timedelta(days=1)
    draft.save()
    assert _link_dates(draft) == [draft.publish_at]


@postgres_only
@pytest.mark.parametrize("branch", ["walk"], indirect=True)
def test_a_big_terms_walk_follows_its_articles_dates(client, branch):
    """The walk starts at the newest of the term's articles that the links
    date: an old article moved to the top, a new article given the tag and
    one just published are listed first; a term with no public article
    lists none."""
    tag, author = make_tag(slug="rare"), make_author(slug="guest")
    old = _old_and_rare(tag, author, n=5)
    expected = [a.pk for a in old]
    assert _walk_pages(client, "/tag/rare/") == expected
    moved = old[-1]
    Article.objects.filter(pk=moved.pk).update(publish_at=timezone.now() - timedelta(hours=1))
    expected = [moved.pk, *expected[:-1]]
    assert _walk_pages(client, "/tag/rare/") == expected
    newest = Article.objects.public().exclude(tags=tag).order_by("-publish_at").first()
    newest.tags.add(tag)
    ArticleAuthor.objects.create(article=newest, author=author, position=0)
    expected = [moved.pk, newest.pk, *expected[1:]]
    assert _walk_pages(client, "/tag/rare/") == expected
    assert _walk_pages(client, "/author/guest/") == expected
    draft = Article.objects.get(status=Article.Status.DRAFT, tags=tag)
    draft.status, draft.publish_at = Article.Status.PUBLISHED, timezone.now()
    draft.save()
    assert _walk_pages(client, "/tag/rare/")[0] == draft.pk
    make_tag(slug="unused")
    scheduled = make_tag(slug="scheduled")
    make_article(tags=[scheduled], publish_at=timezone.now() + timedelta(days=1))
    assert _walk_pages(client, "/tag/unused/") == []
    assert _walk_pages(client, "/tag/scheduled/") == []


@postgres_only
@pytest.mark.parametrize("branch", ["walk"], indirect=True)
def test_the_walks_start_applies_to_public_lists_only(branch):
    """Staff lists of a term (the API with unpublished articles) hold its
    drafts and scheduled articles: no start at the newest published one."""
    tag, author = make_tag(slug="rare"), make_author(slug="guest")
    _old_and_rare(tag, author, n=3)
    scheduled = make_article(tags=[tag], publish_at=timezone.now() + timedelta(days=2))
    everything = Article.objects.linked_to("tags", [tag.pk]).order_by("-publish_at", "-id")
    assert scheduled in everything
    assert Article.objects.get(status=Article.Status.DRAFT, tags=tag) in everything
    bound = '"articles_article"."publish_at" <='
    assert bound not in str(everything.query)
    public = Article.objects.public().linked_to("tags", [tag.pk])
    assert scheduled not in public
    # public()'s own condition, and the walk's start; and its end.
    assert str(public.query).count(bound) == 2
    assert str(public.query).count('"articles_article"."publish_at" >=') == 1


def _two_spells(tag, author):
    """A term's public articles in two spells years apart, newest first,
    with untagged articles before, between and after them."""
    now = timezone.now()
    spells = []
    for start in (now - timedelta(days=10), now - timedelta(days=3000)):
        make_article(publish_at=start + timedelta(days=1))
        for i in range(4):
            article = make_article(tags=[tag], publish_at=start - timedelta(hours=i))
            ArticleAuthor.objects.create(article=article, author=author, position=0)
            spells.append(article.pk)
        make_article(publish_at=start - timedelta(days=1))
    return spells


def _nearest(relation, term, stamp, pk):
    """The time at which walk_from restarts an older-first walk of ``term``
    past the keyset position (``stamp``, ``pk``)."""
    from articles.models import nearest_link_past

    bound = nearest_link_past(relation, [term], stamp, pk)
    return Article.objects.annotate(bound=bound).values_list("bound", flat=True)[:1].get()


def _listings(queries):
    return [
        q["sql"] for q in queries.captured_queries if '"articles_article"."headline"' in q["sql"]
    ]


@postgres_only
@pytest.mark.parametrize("branch", ["walk"], indirect=True)
def test_a_big_terms_pages_restart_the_walk_past_their_cursor(client, branch, monkeypatch):
    """Each page after a cursor starts the walk at the term's nearest article
    past it, both ways, on the site and in the API; the pages hold every
    article of both spells once, in order."""
    from articles import views

    monkeypatch.setattr(views, "SECTION_PAGE_SIZE", 3)
    tag, author = make_tag(slug="games"), make_author(slug="returns")
    expected = _two_spells(tag, author)
    for url in ("/tag/games/", "/author/returns/"):
        with CaptureQueriesContext(connection) as queries:
            assert _walk_pages(client, url) == expected
        listings = _listings(queries)
        assert len(listings) == 3
        assert "LATERAL" not in listings[0]
        assert all("LATERAL" in sql and "MAX(" in sql for sql in listings[1:])
        # Back from the last page with the "newer" cursors.
        response = client.get(url, {"before": client.get(url).context["page"].next_cursor})
        page = response.context["page"]
        cursor, seen = page.next_cursor, []
        page = client.get(url, {"before": cursor}).context["page"]
        with CaptureQueriesContext(connection) as queries:
            while page.previous_cursor:
                page = client.get(url, {"after": page.previous_cursor}).context["page"]
                seen = [a.pk for a in page.items] + seen
        assert seen == expected[:6]
        assert all("LATERAL" in sql and "MIN(" in sql for sql in _listings(queries))

    # Past the recent spell's last article (or, for the API, its time), the
    # walk restarts at the old spell's newest: the years between are skipped.
    recent_last, old_first = (Article.objects.get(pk=pk) for pk in expected[3:5])
    for relation, term in (("tags", tag.pk), ("authors", author.pk)):
        for pk in (recent_last.pk, None):
            assert _nearest(relation, term, recent_last.publish_at, pk) == old_first.publish_at
    # Ties: an article of the term at the cursor's time, with a smaller id.
    tied = make_article(tags=[tag], publish_at=recent_last.publish_at)
    ArticleAuthor.objects.create(article=tied, author=author, position=0)
    assert tied.pk > recent_last.pk
    assert _nearest("tags", tag.pk, tied.publish_at, tied.pk) == tied.publish_at
    assert _nearest("tags", tag.pk, tied.publish_at, None) == old_first.publish_at
    tied.delete()

    for query in ({"tag": "games"}, {"author": "returns"}):
        url, seen, backwards = "/api/v1/articles/", [], []
        params = {**query, "page_size": 3}
        with CaptureQueriesContext(connection) as queries:
            while url:
                body = client.get(url, params).json()
                seen += [row["id"] for row in body["results"]]
                url, params, last = body["next"], {}, body
        assert seen == expected, query
        assert sum("LATERAL" in sql for sql in _listings(queries)) == 2
        url = last["previous"]
        while url:
            body = client.get(url).json()
            backwards = [row["id"] for row in body["results"]] + backwards
            url = body["previous"]
        assert backwards == expected[:6], query
        # Oldest first: the walk starts at the term's oldest article.
        url, params, seen = "/api/v1/articles/", {**query, "page_size": 3}, []
        params["ordering"] = "published_at"
        while url:
            body = client.get(url, params).json()
            seen += [row["id"] for row in body["results"]]
            url, params = body["next"], {}
        assert seen == expected[::-1], query


@postgres_only
@pytest.mark.parametrize("branch", ["walk"], indirect=True)
def test_an_editors_api_list_of_a_big_term_walks_its_sort_times(branch):
    """Editors see a term's drafts and scheduled articles too, sorted by
    publication or (a draft) creation time: their walk is bounded by the
    links' sort times on that key, page after page, both ways."""
    from articles.tests.test_api import EDITOR, api_client

    tag, author = make_tag(slug="games"), make_author(slug="returns")
    expected = _two_spells(tag, author)
    draft = make_article(tags=[tag], status=Article.Status.DRAFT, publish_at=None)
    scheduled = make_article(tags=[tag], publish_at=timezone.now() + timedelta(days=2))
    expected = [scheduled.pk, draft.pk, *expected]
    editor = api_client(*EDITOR)
    url, params, seen = "/api/v1/articles/", {"tag": "games", "page_size": 3}, []
    with CaptureQueriesContext(connection) as queries:
        while url:
            body = editor.get(url, params).json()
            seen += [row["id"] for row in body["results"]]
            url, params, last = body["next"], {}, body
    assert seen == expected
    listings = _listings(queries)
    sort_key = 'COALESCE("articles_article"."publish_at", "articles_article"."created_at")'
    assert f"{sort_key} >=" in listings[0] and f"{sort_key} <=" in listings[0]
    assert sum("LATERAL" in sql for sql in listings) == len(listings) - 1  # every cursor page
    url, backwards = last["previous"], []
    while url:
        body = editor.get(url).json()
        backwards = [row["id"] for row in body["results"]] + backwards
        url = body["previous"]
    assert backwards == expected[:9]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_migration_dates_the_links_written_before_it(monkeypatch):
    """Migration 0019 on an archive: the links already written get their
    articles' sort times, batch by batch, outside one long transaction."""
    import importlib

    from django.db.migrations.executor import MigrationExecutor

    migration = importlib.import_module("articles.migrations.0019_link_dates")
    monkeypatch.setattr(migration, "FILL_BATCH", 2)  # several batches
    tag, author = make_tag(), make_author()
    articles = [make_article(tags=[tag]) for _ in range(3)]
    articles.append(make_article(tags=[tag], status=Article.Status.DRAFT, publish_at=None))
    for article in articles:
        ArticleAuthor.objects.create(article=article, author=author, position=0)
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("articles", "0018_tag_links_by_tag_index")])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM information_schema.columns WHERE column_name = 'sorted_at'"
            )
            assert cursor.fetchone()[0] == 0
        executor = MigrationExecutor(connection)
        executor.migrate([("articles", "0019_link_dates")])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    for article in articles:
        assert _link_dates(article) == [article.publish_at or article.created_at] * 2


@postgres_only
@pytest.mark.parametrize("branch", ["walk"], indirect=True)
def test_a_big_terms_api_list_refuses_a_cursor_with_a_bad_position(client, branch):
    """A forged cursor whose position is no time is the API's 400, as for any
    list, not a database error in the walk's restart."""
    import base64
    from urllib.parse import urlencode

    tag, author = make_tag(slug="games"), make_author(slug="returns")
    _two_spells(tag, author)
    for position in ("abc", "2017-13-45 00:00:00+00:00"):
        cursor = base64.b64encode(urlencode({"p": position}).encode()).decode()
        response = client.get("/api/v1/articles/", {"tag": "games", "cursor": cursor})
        assert response.status_code == 400, (position, response.content)
