from django.conf import settings
from django.utils.functional import SimpleLazyObject


def _top_level_sections():
    from articles.models import Category

    return list(Category.objects.filter(parent__isnull=True))


def site(request):
    """Site name, tagline and the section navigation for every template.

    The navigation is lazy: pages that do not render it cost no query.
    """
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_TAGLINE": settings.SITE_TAGLINE,
        "NAV_SECTIONS": SimpleLazyObject(_top_level_sections),
    }
