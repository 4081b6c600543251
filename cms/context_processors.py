from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

NAV_CACHE_SECONDS = 3600
# The addresses every page's layout links to (templates/base.html), by the
# name templates use: {{ SITE_URLS.rss }}.
SITE_URL_NAMES = {
    "home": "articles:home",
    "search": "articles:search",
    "archive": "articles:archive",
    "rss": "articles:rss",
    "atom": "articles:atom",
    "sitemap": "articles:sitemap_index",
}


@lru_cache(maxsize=8)
def _site_urls(script_prefix: str, urlconf: str) -> dict[str, str]:
    """``SITE_URL_NAMES`` reversed once per script prefix and URLconf: they
    take no argument, so they never change while the process runs, and
    ``{% url %}`` reversed each of them on every page (about 0.1 ms a call,
    nine calls in the layout)."""
    return {key: reverse(name, urlconf=urlconf) for key, name in SITE_URL_NAMES.items()}


def _top_level_sections():
    from articles.models import Category
    from cms.caching import current_generation

    # Keyed by the public-page generation, which every content save bumps, so
    # a renamed or added section shows at once; otherwise no query per page.
    return cache.get_or_set(
        f"nav-sections:{current_generation()}",
        lambda: list(Category.objects.filter(parent__isnull=True)),
        NAV_CACHE_SECONDS,
    )


def site(request):
    """Site name, tagline, the layout's links and the section navigation for
    every template.

    The navigation is lazy (pages that do not render it cost nothing) and
    cached until the next content change.
    """
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_TAGLINE": settings.SITE_TAGLINE,
        "SITE_URLS": _site_urls(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF),
        "NAV_SECTIONS": SimpleLazyObject(_top_level_sections),
    }
