"""The anonymous API response cache (cms.caching.cache_api_response): who is
served from it, who never is, what still runs on a hit, and invalidation."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from articles.models import Article
from articles.tests.factories import make_article, make_category, make_tag
from articles.tests.test_api import EDITOR, api_client, ids
from media_assets.tests.factories import make_media

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/articles/?expand=authors,section,tags,lead_media&page_size=5",
        "/api/v1/articles/{article}/",
        "/api/v1/categories/",
        "/api/v1/tags/{tag}/",
        "/api/v1/media/{media}/",
    ],
)
def test_anonymous_reads_are_served_from_the_cache_without_queries(
    url, django_assert_num_queries
):
    tag = make_tag()
    media = make_media(with_file=True)
    article = make_article(tags=[tag], lead_media=media)
    url = url.format(article=article.pk, tag=tag.pk, media=media.media_id)
    client = APIClient()
    first = client.get(url)
    assert first.status_code == 200 and first["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second["X-Cache"] == "hit"
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert second["Cache-Control"] == first["Cache-Control"]


def test_the_article_etag_keeps_its_version_on_a_hit():
    article = make_article()
    client = APIClient()
    client.get(f"/api/v1/articles/{article.pk}/")
    hit = client.get(f"/api/v1/articles/{article.pk}/")
    assert hit["X-Cache"] == "hit" and hit["ETag"].startswith(f'"v{article.version}-')


def test_each_shape_and_filter_has_its_own_entry():
    section = make_category(slug="s")
    make_article(section=section, headline="In s")
    make_article(headline="Elsewhere")
    client = APIClient()
    everything = client.get("/api/v1/articles/")
    only_s = client.get("/api/v1/articles/", {"section": "s"})
    headlines = client.get("/api/v1/articles/", {"fields": "headline"})
    assert len(everything.json()["results"]) == 2
    assert [a["headline"] for a in only_s.json()["results"]] == ["In s"]
    assert set(headlines.json()["results"][0]) == {"headline"}
    assert client.get("/api/v1/articles/", {"section": "s"})["X-Cache"] == "hit"


def test_a_caller_with_a_token_is_never_served_nor_stored():
    make_article(headline="Public")
    draft = make_article(headline="Draft", status=Article.Status.DRAFT, publish_at=None)
    anonymous = APIClient()
    assert ids(anonymous.get("/api/v1/articles/")) != []
    editor = api_client(*EDITOR)
    seen = editor.get("/api/v1/articles/")
    assert "X-Cache" not in seen
    assert draft.pk in ids(seen)  # not the anonymous copy
    assert seen["Cache-Control"] == "private, no-store"
    # What the editor saw was not stored for anyone else.
    assert draft.pk not in ids(anonymous.get("/api/v1/articles/"))


def test_a_caller_with_a_session_cookie_skips_the_cache(client, django_user_model):
    make_article()
    APIClient().get("/api/v1/articles/")
    user = django_user_model.objects.create_user("reader", password="pw")
    client.force_login(user)
    response = client.get("/api/v1/articles/")
    assert response.status_code == 200 and "X-Cache" not in response


def test_throttling_and_parameter_checks_still_run_on_hits(settings, steady_clock):
    settings.API_THROTTLE_RATES = {"anon": "3/minute", "user": "100/minute"}
    client = APIClient()
    codes = [client.get("/api/v1/tags/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    settings.API_THROTTLE_RATES = {"anon": "100/minute", "user": "100/minute"}
    refused = client.get("/api/v1/tags/", {"nonsense": "1"})
    assert refused.status_code == 400 and "X-Cache" not in refused


def test_committed_changes_are_seen_at_once(commit):
    article = make_article(headline="Before")
    client = APIClient()
    client.get(f"/api/v1/articles/{article.pk}/")
    article.headline = "After"
    commit(article.save)
    response = client.get(f"/api/v1/articles/{article.pk}/")
    assert response["X-Cache"] == "miss" and response.json()["headline"] == "After"
    article.status = Article.Status.WITHDRAWN
    commit(article.save)
    assert client.get(f"/api/v1/articles/{article.pk}/").status_code == 404


def test_a_photo_caption_change_reaches_expanded_lists(commit):
    photo = make_media(with_file=True, caption="Old caption")
    make_article(lead_media=photo)
    client = APIClient()
    url = "/api/v1/articles/?expand=lead_media"
    assert client.get(url).json()["results"][0]["lead_media"]["caption"] == "Old caption"
    photo.caption = "New caption"
    commit(photo.save)
    assert client.get(url).json()["results"][0]["lead_media"]["caption"] == "New caption"


def test_a_scheduled_article_appears_when_its_time_comes(later):
    make_article(headline="Now")
    scheduled = make_article(
        headline="Later", publish_at=timezone.now() + datetime.timedelta(seconds=90)
    )
    client = APIClient()
    assert scheduled.pk not in ids(client.get("/api/v1/articles/"))
    assert client.get("/api/v1/articles/")["X-Cache"] == "hit"
    later(91)
    response = client.get("/api/v1/articles/")
    assert response["X-Cache"] == "miss" and scheduled.pk in ids(response)


def test_the_cache_can_be_turned_off(settings):
    settings.API_RESPONSE_CACHE_SECONDS = 0
    make_article()
    client = APIClient()
    client.get("/api/v1/articles/")
    assert "X-Cache" not in client.get("/api/v1/articles/")


def test_an_indented_rendering_is_a_separate_entry():
    make_article()
    client = APIClient()
    compact = client.get("/api/v1/articles/")
    indented = client.get("/api/v1/articles/", HTTP_ACCEPT="application/json; indent=4")
    assert indented["X-Cache"] == "miss"
    assert b"\n    " in indented.content and b"\n    " not in compact.content
    again = client.get("/api/v1/articles/", HTTP_ACCEPT="application/json; indent=4")
    assert again["X-Cache"] == "hit" and again.content == indented.content


def test_a_hit_answers_conditional_requests_with_the_stored_validators():
    article = make_article()
    client = APIClient()
    url = f"/api/v1/articles/{article.pk}/"
    first = client.get(url)
    assert client.get(url)["X-Cache"] == "hit"
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_api_requests_make_no_page_cache_lookup(monkeypatch):
    """No page is ever cached under /api/ (the API has its own cache): the
    page cache's lookup there was a wasted round trip per request."""
    from cms import caching

    looked_up = []
    lookup = caching._lookup
    monkeypatch.setattr(caching, "_lookup", lambda key: looked_up.append(key) or lookup(key))
    client = APIClient()
    for _ in range(2):
        assert client.get("/api/v1/tags/").status_code == 200
    assert looked_up and all(key.startswith("api:") for key in looked_up)
    client.get("/")  # a page is still looked up
    assert any(key.startswith("public-pages:") for key in looked_up)
