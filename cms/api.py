"""The API's URLs: one router under /api/v1/ with explicit basenames, the
OpenAPI schema at /api/schema/ and its docs at /api/docs/ (served from
drf-spectacular-sidecar, no CDN)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from articles.api import ArticleViewSet, AuthorViewSet, CategoryViewSet, TagViewSet
from cms.http import json_not_found
from media_assets.api import MediaViewSet

router = DefaultRouter()
router.register("articles", ArticleViewSet, basename="article")
router.register("media", MediaViewSet, basename="media")
router.register("categories", CategoryViewSet, basename="category")
router.register("authors", AuthorViewSet, basename="author")
router.register("tags", TagViewSet, basename="tag")

urlpatterns = [
    path("api/v1/", include((router.urls, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Anything else under /api/ is a JSON 404, never the site's HTML page.
    re_path(r"^api(?:/[\s\S]*)?$", json_not_found),
]


# Django's slug with allow_unicode, as drf-spectacular writes its pattern.
UNICODE_SLUG_PATTERN = r"^[-\w]+$"
UNICODE_SLUG_WORDS = "Letters of any script, digits, hyphens and underscores."


def unicode_slugs(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS): slugs may
    be in any script (an Arabic headline's slug is Arabic), but a schema's
    ``pattern`` is an ECMA-262 regular expression, whose ``\\w`` is ASCII
    only, so ``^[-\\w]+$`` called every Arabic slug invalid (schemathesis:
    "does not match"). The pattern is dropped and said in words."""
    for component in result.get("components", {}).get("schemas", {}).values():
        for prop in component.get("properties", {}).values():
            if prop.get("pattern") == UNICODE_SLUG_PATTERN:
                del prop["pattern"]
                described = prop.get("description", "")
                prop["description"] = f"{described} {UNICODE_SLUG_WORDS}".strip()
    return result
