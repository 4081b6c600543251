"""The articles API's ``?q=`` ranked best first (``ordering=relevance``, the
default with ``q``): the search page's ranking over the articles the other
filters keep, paged by position; a named ordering still pages through every
match by date. On SQLite and PostgreSQL alike."""

import base64
import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from articles.models import Article
from articles.tests.factories import (
    make_article,
    make_author,
    make_category,
    make_tag,
    warm_search_statistics,
)
from articles.tests.test_api import EDITOR, WRITER, api_client, ids

pytestmark = pytest.mark.django_db

URL = "/api/v1/articles/"


def days_ago(n):
    return timezone.now() - datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def no_response_cache(settings):
    settings.API_RESPONSE_CACHE_SECONDS = 0


@pytest.fixture
def desert():
    """Two weak matches (the word once, in the body) and the best one (in
    its headline, dek and body), which is the oldest; one article that does
    not match."""
    section = make_category(slug="desert-news")
    weak = [
        make_article(
            section=section, headline=f"Report {i}", body="<p>A desert road.</p>",
            publish_at=days_ago(i),
        )
        for i in (1, 2)
    ]  # fmt: skip
    best = make_article(
        section=section,
        headline="Desert storms",
        dek="The desert wakes",
        body="<p>Desert sand.</p>",
        publish_at=days_ago(300),
    )
    make_article(section=section, headline="Harbour news", publish_at=days_ago(1))
    return weak, best


def test_q_ranks_best_first_unless_an_ordering_is_named(desert):
    weak, best = desert
    client = APIClient()
    ranked = [best.pk, weak[0].pk, weak[1].pk]
    assert ids(client.get(URL, {"q": "desert"})) == ranked
    assert ids(client.get(URL, {"q": "desert", "ordering": "relevance"})) == ranked
    # An unknown ordering is ignored: the default with q, relevance.
    assert ids(client.get(URL, {"q": "desert", "ordering": "password"})) == ranked
    # A named ordering pages through every match in its order, as before.
    by_date = client.get(URL, {"q": "desert", "ordering": "-published_at"})
    assert ids(by_date) == [weak[0].pk, weak[1].pk, best.pk]
    assert ids(client.get(URL, {"q": "desert", "ordering": "published_at"}))[0] == best.pk
    # Without q there is nothing to rank: relevance is ignored too.
    assert ids(client.get(URL, {"ordering": "relevance"})) == ids(client.get(URL))


def test_a_search_the_words_match_nowhere_or_cannot_parse_is_empty(desert):
    client = APIClient()
    for q in ("zzzqqq", '""', "-desert"):
        response = client.get(URL, {"q": q})
        assert ids(response) == [], q
        assert response.json()["next"] is None and response.json()["previous"] is None


def test_relevance_pages_by_position_without_repeats_or_gaps():
    section = make_category(slug="sands")
    for i in range(7):
        # From one mention of the word to seven: a different score each.
        make_article(
            section=section,
            headline=f"Item {i}",
            body="<p>" + "desert " * (i + 1) + "</p>",
            publish_at=days_ago(i + 1),
        )
    client = APIClient()
    whole = ids(client.get(URL, {"q": "desert", "page_size": 100}))
    assert len(whole) == 7
    pages = [client.get(URL, {"q": "desert", "page_size": 3}).json()]
    assert pages[0]["previous"] is None
    while pages[-1]["next"]:
        pages.append(client.get(pages[-1]["next"]).json())
    assert [len(page["results"]) for page in pages] == [3, 3, 1]
    assert [item["id"] for page in pages for item in page["results"]] == whole
    # Back from the second page: the first, at its own address (no cursor).
    previous = pages[1]["previous"]
    assert "cursor" not in parse_qs(urlsplit(previous).query)
    assert client.get(previous).json()["results"] == pages[0]["results"]
    assert client.get(pages[2]["previous"]).json()["results"] == pages[1]["results"]
    # The other parameters ride along.
    assert parse_qs(urlsplit(pages[0]["next"]).query)["page_size"] == ["3"]


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def test_a_cursor_that_is_not_a_ranking_position_is_refused(desert):
    client = APIClient()
    date_page = client.get(URL, {"page_size": 1}).json()
    date_cursor = parse_qs(urlsplit(date_page["next"]).query)["cursor"][0]
    for cursor in (
        "garbage!",
        _cursor("rank=-1"),
        _cursor("rank=1e3"),
        _cursor("rank=9999999"),
        _cursor("rank=3") + "x" * 60,
        date_cursor,  # a date list's cursor means nothing in a ranking
    ):
        response = client.get(URL, {"q": "desert", "cursor": cursor})
        assert response.status_code == 400, cursor
        assert response.json() == {"cursor": ["Invalid cursor."]}
    # And a ranking's cursor means nothing to a date list.
    ranked = client.get(URL, {"q": "desert", "page_size": 1}).json()
    rank_cursor = parse_qs(urlsplit(ranked["next"]).query)["cursor"][0]
    response = client.get(URL, {"q": "desert", "ordering": "-published_at", "cursor": rank_cursor})
    assert response.status_code == 400


def test_a_position_past_the_end_is_an_empty_page(desert):
    response = APIClient().get(URL, {"q": "desert", "cursor": _cursor("rank=40")})
    assert ids(response) == []
    assert response.json()["next"] is None
    assert response.json()["previous"] is not None


def test_relevance_combines_with_the_other_filters():
    gulf = make_category(slug="gulf-region")
    qatar = make_category(slug="qatar-desk", parent=gulf)
    levant = make_category(slug="levant-desk")
    tag, author = make_tag(slug="sand"), make_author(slug="dune-writer")
    in_child = make_article(
        section=qatar, headline="Desert heat", tags=[tag], authors=[author], language="en"
    )
    in_parent = make_article(section=gulf, headline="Desert wells", language="ar")
    # In another section, but filed under the Gulf as a further category.
    filed = make_article(section=levant, headline="Desert road", categories=[gulf])
    old = make_article(
        section=levant,
        headline="Desert archive",
        publish_at=datetime.datetime(2009, 5, 1, 12, tzinfo=datetime.UTC),
    )
    make_article(section=gulf, headline="Harbour works")
    client = APIClient()

    def found(**params):
        ranked = ids(client.get(URL, {"q": "desert", **params}))
        # The same matches as the list by date, which filters every match.
        by_date = ids(client.get(URL, {"q": "desert", "ordering": "-published_at", **params}))
        assert sorted(ranked) == sorted(by_date), params
        return set(ranked)

    assert found() == {in_child.pk, in_parent.pk, filed.pk, old.pk}
    assert found(section="gulf-region") == {in_child.pk, in_parent.pk}
    assert found(section="qatar-desk") == {in_child.pk}
    # The category as the section itself (a join) or as a further category.
    assert found(category="gulf-region") == {in_parent.pk, filed.pk}
    assert found(tag="sand") == {in_child.pk}
    assert found(author="dune-writer") == {in_child.pk}
    assert found(language="ar") == {in_parent.pk}
    assert found(year=2009) == {old.pk}
    assert found(published_before="2010-01-01") == {old.pk}


def test_anonymous_ranking_shows_only_public_matches():
    section = make_category(slug="dunes")
    public = make_article(section=section, headline="Desert public")
    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    hidden = [
        make_article(section=section, headline="Desert draft", status=Article.Status.DRAFT,
                     publish_at=None),
        make_article(section=section, headline="Desert withdrawn",
                     status=Article.Status.WITHDRAWN),
        make_article(section=section, headline="Desert scheduled", publish_at=now + hour),
        make_article(section=section, headline="Desert expired", publish_at=now - 2 * hour,
                     expires_at=now - hour),
    ]  # fmt: skip
    assert ids(APIClient().get(URL, {"q": "desert"})) == [public.pk]
    # An editor ranks every match, the draft (no publication time) included.
    editor = api_client(*EDITOR)
    assert set(ids(editor.get(URL, {"q": "desert"}))) == {public.pk, *(a.pk for a in hidden)}


def test_a_writer_ranks_her_own_draft_but_not_anothers():
    writer, other = api_client(*WRITER), api_client(*WRITER)
    mine = make_article(
        headline="Desert notes", status=Article.Status.DRAFT, publish_at=None,
        created_by=writer.user,
    )  # fmt: skip
    make_article(
        headline="Desert secrets", status=Article.Status.DRAFT, publish_at=None,
        created_by=other.user,
    )  # fmt: skip
    public = make_article(headline="Desert public")
    assert set(ids(writer.get(URL, {"q": "desert"}))) == {mine.pk, public.pk}
    assert ids(APIClient().get(URL, {"q": "desert"})) == [public.pk]


def _queries(client, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, params).status_code == 200
    return len(ctx.captured_queries)


def test_the_ranked_list_costs_the_same_queries_however_many_match():
    section = make_category(slug="oases")
    tags = [make_tag(slug=f"oasis-{i}") for i in range(3)]
    authors = [make_author(slug=f"oasis-writer-{i}") for i in range(2)]

    def add(n):
        for i in range(n):
            make_article(
                section=section, headline=f"Desert oasis {i}", tags=tags, authors=authors,
                categories=[section],
            )  # fmt: skip

    client = APIClient()
    params = {"q": "desert", "expand": "authors,section,categories,tags", "page_size": 50}
    add(2)
    warm_search_statistics()
    _queries(client, params)  # warm: the section menu, the statistics
    few = _queries(client, params)
    add(40)
    warm_search_statistics()
    _queries(client, params)
    assert _queries(client, params) == few
    assert len(ids(client.get(URL, params))) == 42


def test_a_draft_is_ranked_by_its_words_like_any_article():
    # No publication time: its recency is its creation's, not nothing (a
    # NULL score sorted last on SQLite, the drafts then in id order).
    strong = make_article(headline="Desert storms", dek="The desert", body="<p>Desert.</p>")
    strong_draft = make_article(
        headline="Desert desert", dek="Desert", status=Article.Status.DRAFT, publish_at=None
    )
    weak_draft = make_article(
        headline="Notes", body="<p>A desert road.</p>", status=Article.Status.DRAFT,
        publish_at=None,
    )  # fmt: skip
    editor = api_client(*EDITOR)
    found = ids(editor.get(URL, {"q": "desert"}))
    assert found.index(strong.pk) < found.index(weak_draft.pk)
    assert found.index(strong_draft.pk) < found.index(weak_draft.pk)
