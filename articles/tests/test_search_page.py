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
