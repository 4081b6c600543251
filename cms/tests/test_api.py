"""API glue: schema and docs, the token command, JSON errors, throttling,
CORS and the conditional-GET middleware."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cms.http import AnonRateThrottle

pytestmark = pytest.mark.django_db


def test_schema_is_openapi_3_and_documents_every_resource_and_status():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for resource in ("articles", "media", "categories", "authors", "tags"):
        assert f"/api/v1/{resource}/" in schema["paths"]
    detail = schema["paths"]["/api/v1/articles/{id}/"]
    assert {"200", "304", "400", "404", "429"} <= set(detail["get"]["responses"])
    assert {"403", "409", "412"} <= set(detail["patch"]["responses"])
    media_create = schema["paths"]["/api/v1/media/"]["post"]
    assert {"201", "400", "409"} <= set(media_create["responses"])
    params = {p["name"] for p in schema["paths"]["/api/v1/articles/"]["get"]["parameters"]}
    assert {
        "section", "category", "tag", "author", "language", "published_after",
        "published_before", "year", "month", "legacy_id", "slug", "q", "ordering",
        "cursor", "page_size", "fields", "expand",
    } <= params  # fmt: skip


def test_schema_documents_if_match_and_412_on_every_detail_write():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]
    for path in (
        "/api/v1/articles/{id}/",
        "/api/v1/media/{media_id}/",
        "/api/v1/categories/{id}/",
        "/api/v1/authors/{id}/",
        "/api/v1/tags/{id}/",
    ):
        for method in ("patch", "delete"):
            operation = paths[path][method]
            assert "412" in operation["responses"], (path, method)
            headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
            assert headers == {"If-Match"}, (path, method)


def test_docs_are_served_without_a_cdn():
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html


def test_unknown_api_address_is_a_json_404():
    response = APIClient().get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_create_api_token_prints_a_working_token(capsys):
    get_user_model().objects.create_user("ed", password="x")
    call_command("create_api_token", "ed")
    key = capsys.readouterr().out.strip()
    assert Token.objects.get(user__username="ed").key == key
    call_command("create_api_token", "ed")
    assert capsys.readouterr().out.strip() == key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/articles/")["Cache-Control"] == "private, no-store"
    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody")


def test_bad_token_is_401_json():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/articles/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


def test_anonymous_throttle_gives_429(settings, steady_clock):
    settings.API_THROTTLE_RATES = {"anon": "3/minute", "user": "100/minute"}
    client = APIClient()
    codes = [client.get("/api/v1/tags/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "Retry-After" in client.get("/api/v1/tags/")


def test_throttle_window_ends_and_retry_after_says_when(settings):
    from unittest import mock

    settings.API_THROTTLE_RATES = {"anon": "2/minute", "user": "100/minute"}
    client = APIClient()
    start = 1_800_000_000.0 + 15  # 15 s into a minute
    clock = mock.patch.object(AnonRateThrottle, "timer", return_value=start)
    with clock:
        codes = [client.get("/api/v1/tags/").status_code for _ in range(3)]
        refused = client.get("/api/v1/tags/")
    assert codes == [200, 200, 429]
    assert refused["Retry-After"] == "45"  # the rest of the minute
    with mock.patch.object(AnonRateThrottle, "timer", return_value=start + 45):
        assert client.get("/api/v1/tags/").status_code == 200  # a new window


def test_throttle_keeps_a_counter_not_a_history(rf, settings):
    """One small integer per caller and window (an atomic increment), not
    DRF's list of every request time, rewritten whole on each request."""
    from django.contrib.auth.models import AnonymousUser
    from rest_framework.request import Request

    settings.API_THROTTLE_RATES = {"anon": "1000/minute", "user": "1000/minute"}
    request = Request(rf.get("/api/v1/tags/"))
    request.user = AnonymousUser()
    for _ in range(5):
        throttle = AnonRateThrottle()
        assert throttle.allow_request(request, None)
    window = int(throttle.now // 60)
    assert throttle.cache.get(f"{throttle.key}:{window}") == 5
    assert throttle.cache.get(throttle.key) is None  # no history list


def test_throttle_lets_requests_through_when_the_cache_is_unreachable(settings):
    from unittest import mock

    settings.API_THROTTLE_RATES = {"anon": "1/minute", "user": "1/minute"}
    client = APIClient()
    unreachable = ValueError("cache unavailable")
    with (
        mock.patch("django.core.cache.cache.add", return_value=False),
        mock.patch("django.core.cache.cache.incr", side_effect=unreachable),
        # Redis's one-round-trip counter (cms.cache_backends), when configured.
        mock.patch("django.core.cache.cache.count", side_effect=unreachable, create=True),
    ):
        codes = [client.get("/api/v1/tags/").status_code for _ in range(3)]
    assert codes == [200, 200, 200]


def test_anonymous_callers_are_held_to_the_anonymous_rate_only(settings, steady_clock):
    settings.API_THROTTLE_RATES = {"anon": "5/minute", "user": "2/minute"}
    client = APIClient()
    codes = [client.get("/api/v1/tags/").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]


def test_authenticated_callers_are_held_to_the_user_rate(settings, steady_clock):
    settings.API_THROTTLE_RATES = {"anon": "1/minute", "user": "3/minute"}
    user = get_user_model().objects.create_user("reader", password="x")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    codes = [client.get("/api/v1/tags/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_cors_allows_configured_origins_only(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://front.example"]
    client = APIClient()
    allowed = client.get("/api/v1/tags/", HTTP_ORIGIN="https://front.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://front.example"
    refused = client.get("/api/v1/tags/", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in refused


def test_last_modified_only_moves_forward_for_a_url(django_capture_on_commit_callbacks):
    from articles.tests.factories import make_tag

    tag = make_tag(name="One")
    client = APIClient()
    first = client.get(f"/api/v1/tags/{tag.pk}/")
    tag.name = "Two"
    with django_capture_on_commit_callbacks(execute=True):  # as a committed edit
        tag.save()
    second = client.get(f"/api/v1/tags/{tag.pk}/")
    assert second["ETag"] != first["ETag"]
    from django.utils.http import parse_http_date

    assert parse_http_date(second["Last-Modified"]) > parse_http_date(first["Last-Modified"])
    assert (
        client.get(
            f"/api/v1/tags/{tag.pk}/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
        ).status_code
        == 200
    )


def test_session_writes_need_the_csrf_token():
    from django.contrib.auth.models import Permission

    user = get_user_model().objects.create_user("tagger", password="x")
    user.user_permissions.add(Permission.objects.get(codename="add_tag"))
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    refused = client.post("/api/v1/tags/", {"name": "A", "slug": "a"}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    allowed = client.post(
        "/api/v1/tags/",
        {"name": "A", "slug": "a"},
        format="json",
        HTTP_X_CSRFTOKEN=_mask_cipher_secret(secret),
    )
    assert allowed.status_code == 201


def test_schema_lets_slugs_be_in_any_script():
    """A schema pattern is ECMA-262, whose \\w is ASCII only: the slugs'
    ``^[-\\w]+$`` refused the Arabic slugs the API returns."""
    from articles.tests.factories import make_article

    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schemas = response.json()["components"]["schemas"]
    slugs = {
        name: c["properties"]["slug"]
        for name, c in schemas.items()
        if "slug" in c.get("properties", {})
    }
    assert {"Article", "Author", "Category", "Tag", "ArticleWriteRequest"} <= set(slugs)
    for name, slug in slugs.items():
        assert "pattern" not in slug, name
        assert "any script" in slug["description"], name
    article = make_article(headline="موسكو تقدم دعماً اقتصادياً لبيونغ يانغ", language="ar")
    listed = APIClient().get(f"/api/v1/articles/{article.pk}/").json()
    assert listed["slug"] == article.slug and not listed["slug"].isascii()
