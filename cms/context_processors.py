from django.conf import settings
from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

NAV_CACHE_SECONDS = 3600


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
    """Site name, tagline and the section navigation for every template.

    The navigation is lazy (pages that do not render it cost nothing) and
    cached until the next content change.
    """
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_TAGLINE": settings.SITE_TAGLINE,
        "NAV_SECTIONS": SimpleLazyObject(_top_level_sections),
    }
