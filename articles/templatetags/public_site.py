"""Template helpers for the public site: photos whose rights still hold,
social images, JSON-LD, and dates in the article's language."""

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import translation

register = template.Library()

SOCIAL_SPEC = "social"


def shown_media(asset):
    """``asset`` when it may be shown publicly, None once its rights expired."""
    if asset is None or asset.rights_expired:
        return None
    return asset


def social_image(asset) -> dict:
    """URL and size of the social-card crop when it exists (from prefetched
    renditions; never created during a page view), else the original."""
    cache = getattr(asset, "_prefetched_objects_cache", {})
    for rendition in cache.get("renditions", ()):
        if rendition.spec == SOCIAL_SPEC:
            return {"url": rendition.url, "width": rendition.width, "height": rendition.height}
    return {"url": asset.file.url, "width": asset.width, "height": asset.height}


@register.filter
def public_media(asset):
    return shown_media(asset)


@register.simple_tag
def news_article_jsonld(article):
    from articles.jsonld import news_article, to_script

    return to_script(news_article(article))


@register.simple_tag
def social_image_url(asset):
    from articles.jsonld import _absolute

    return _absolute(social_image(asset)["url"])


@register.simple_tag
def local_date(value, fmt, language):
    """``value|date:fmt`` with month and day names in ``language``."""
    if value is None:
        return ""
    if language == translation.get_language():
        # Already active: switching to it and back would change nothing, and
        # costs more than the formatting (a teaser list calls this per item).
        return date_filter(value, fmt)
    with translation.override(language):
        return date_filter(value, fmt)
