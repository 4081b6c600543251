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
    bound_query = next(q["sql"] for q in queries.captured_queries if "WITH bound" in q["sql"])
    assert "reltuples" in bound_query
