from django.conf import settings
from django.utils.functional import SimpleLazyObject

from articles.urlbuild import build_url

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


def _top_level_sections():
    from articles.models import category_tree

    # From the category tree kept per content generation, which every content
    # save starts anew, so a renamed or added section shows at once;
    # otherwise no query per page, and no round trip to the shared cache
    # while this worker knows the generation.
    return [category for category in category_tree() if category.parent_id is None]


def site(request):
    """Site name, tagline, the layout's links and the section navigation for
    every template.

    The navigation is lazy (pages that do not render it cost nothing) and
    cached until the next content change.
    """
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_TAGLINE": settings.SITE_TAGLINE,
        # articles.urlbuild reverses each once per process (and script
        # prefix); {% url %} reversed all nine of the layout on every page.
        "SITE_URLS": {key: build_url(name) for key, name in SITE_URL_NAMES.items()},
        "NAV_SECTIONS": SimpleLazyObject(_top_level_sections),
    }
