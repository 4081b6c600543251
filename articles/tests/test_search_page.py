"""What the search page says about estimated counts, a capped ranking and a
query the database stopped (articles/search.py decides; the page must say so)."""

import pytest

from articles import views
from articles.search import Facet, SearchResults
from articles.tests.factories import make_article, make_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def results(monkeypatch):
    """Make the search module answer with the given SearchResults."""

    def answer(**fields):
        monkeypatch.setattr(
            views, "search_articles", lambda query, **kw: SearchResults(query=query, **fields)
        )

    return answer


def test_estimates_and_the_ranking_cap_are_labelled(client, results):
    section = make_category(name="Gulf")
    article = make_article(section=section)
    results(
        items=[article], total=21000, estimated=True, ranked=200,
        section_facets=[Facet(section, 8800)], year_facets=[Facet(2014, 3100)],
    )  # fmt: skip
    page = client.get("/search/", {"q": "oil"}).content.decode()
    assert "About 21000 articles match “oil”" in page
    assert "Gulf</a> (about 8800)" in page and "2014</a> (about 3100)" in page
    assert "the newest 200 matches" in page


def test_exact_counts_carry_no_about(client, results):
    section = make_category(name="Gulf")
    results(items=[make_article(section=section)], total=1, section_facets=[Facet(section, 1)])
    page = client.get("/search/", {"q": "oil"}).content.decode()
    assert "1 article match “oil”" in page and "Gulf</a> (1)" in page
    assert "About" not in page and "newest" not in page


def test_a_stopped_query_says_so_and_is_not_cached(client, results):
    results(timed_out=True)
    response = client.get("/search/", {"q": "the"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "took too long and was stopped" in page and "No articles match" not in page
    assert response["Cache-Control"] == "no-store"
    assert client.get("/search/", {"q": "the"}).get("X-Cache") != "hit"  # never stored


# --- the reporter, tag or section the query names -----------------------------------


def _topics(page: str) -> list[str]:
    import re

    return re.findall(r'<p class="search-topic"><a href="([^"]+)">([^<]+)</a>', page)


@pytest.fixture
def named_terms():
    from articles.tests.factories import make_author, make_tag

    mina = make_author(name="Mina Haddad", slug="mina-haddad")
    korea = make_tag(name="North Korea", slug="north-korea")
    business = make_category(name="Business", slug="business")
    for i in range(3):
        make_article(section=business, headline=f"Markets {i}", authors=[mina], tags=[korea])
    return mina, korea, business


def test_a_query_that_names_a_reporter_tag_or_section_links_to_its_page(
    client, settings, named_terms
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    for query in ("Mina Haddad", '"mina haddad"', "MINA  HADDAD"):
        page = client.get("/search/", {"q": query}).content.decode()
        assert _topics(page) == [("/author/mina-haddad/", "All 3 articles by Mina Haddad")]
    page = client.get("/search/", {"q": '"North Korea"'}).content.decode()
    assert _topics(page) == [("/tag/north-korea/", "All 3 articles tagged North Korea")]
    # A section's name is not in the articles' text: the link is the way there.
    page = client.get("/search/", {"q": "business"}).content.decode()
    assert _topics(page) == [("/business/", "All 3 articles in Business")]
    assert "No articles match" in page
    for query in ("Mina OR Haddad", "Mina -Haddad", "Mina Haddad markets", "Mina"):
        assert _topics(client.get("/search/", {"q": query}).content.decode()) == [], query


def test_a_term_with_no_public_article_is_not_offered(
    client, settings, django_capture_on_commit_callbacks
):
    from articles.models import Article
    from articles.tests.factories import make_author

    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    ghost = make_author(name="Omar Saleh", slug="omar-saleh")
    draft = make_article(
        headline="Omar Saleh draft", authors=[ghost], status=Article.Status.DRAFT, publish_at=None
    )
    assert _topics(client.get("/search/", {"q": "Omar Saleh"}).content.decode()) == []
    draft.status, draft.publish_at = Article.Status.PUBLISHED, draft.created_at
    with django_capture_on_commit_callbacks(execute=True):  # the counts follow the commit
        draft.save()
    page = client.get("/search/", {"q": "Omar Saleh"}).content.decode()
    assert _topics(page) == [("/author/omar-saleh/", "All 1 article by Omar Saleh")]


def test_a_long_query_looks_up_no_name(client, settings, named_terms, django_assert_num_queries):
    from articles import views

    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    words = [f"word{i}" for i in range(views.TOPIC_MAX_WORDS)]
    with django_assert_num_queries(1):  # looked up: no such slug
        assert views.search_topics(" ".join(words)) == []
    with django_assert_num_queries(0):
        assert views.search_topics(" ".join([*words, "mina"])) == []
