"""The bench's own views (bench/urls.py): the bare view and the two floors
that bench/run.py measures beside the site's pages. They must serve what
their names say, and only public articles, or the floors' ratios would
measure something else."""

import pytest

from articles.tests.factories import make_article

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.urls")]


@pytest.fixture(autouse=True)
def _bench_templates(settings):
    # bench/settings.py adds bench/templates; the test settings do not.
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "DIRS": [*settings.TEMPLATES[0]["DIRS"], settings.BASE_DIR / "bench" / "templates"],
        }
    ]


def test_the_floor_page_is_the_site_layout_with_the_headline(client):
    article = make_article(headline="Floors and ceilings")
    response = client.get(f"/bench/floor/{article.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Floors and ceilings</h1>" in html
    assert 'class="site-header"' in html  # base.html, navigation and all
    assert response.templates[0].name == "bench/floor.html"


def test_the_api_floor_goes_through_drf(client):
    article = make_article(headline="Floors and ceilings")
    response = client.get(f"/bench/api-floor/{article.pk}/")
    assert response.status_code == 200
    assert response.json() == {"id": article.pk, "headline": "Floors and ceilings"}
    assert response["Content-Type"] == "application/json"


def test_the_floors_refuse_an_article_readers_may_not_see(client):
    draft = make_article(status="draft")
    assert client.get(f"/bench/floor/{draft.pk}/").status_code == 404
    assert client.get(f"/bench/api-floor/{draft.pk}/").status_code == 404


def test_the_bare_view_does_nothing_but_answer(client):
    response = client.get("/bench/bare/")
    assert response.status_code == 200
    assert response.content == b"ok"
