"""NewsArticle structured data (schema.org JSON-LD) for the article page.

Only real schema.org types and properties are used; the photo appears only
while its rights last (``shown_media``)."""

import json

from django.conf import settings
from django.utils.safestring import mark_safe

from articles.templatetags.public_site import shown_media, social_image

# Escapes that keep a JSON document from closing the <script> element.
_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


def image_object(article) -> dict | None:
    """The lead photo as an ImageObject with caption, credit, copyright and
    creator; None when there is no photo to show."""
    asset = shown_media(article.lead_media)
    if asset is None or not asset.file:
        return None
    image = social_image(asset)
    data = {
        "@type": "ImageObject",
        "url": _absolute(image["url"]),
        "contentUrl": _absolute(image["url"]),
        "identifier": str(asset.media_id),
    }
    if image.get("width"):
        data["width"] = image["width"]
        data["height"] = image["height"]
    caption = article.effective_lead_caption
    if caption:
        data["caption"] = caption
    if asset.credit:
        data["creditText"] = asset.credit
    if asset.copyright:
        data["copyrightNotice"] = asset.copyright
    if asset.photographer:
        data["creator"] = {"@type": "Person", "name": asset.photographer}
    elif asset.agency:
        data["creator"] = {"@type": "Organization", "name": asset.agency}
    return data


def publisher() -> dict:
    return {"@type": "NewsMediaOrganization", "name": settings.SITE_NAME, "url": settings.SITE_URL}


def news_article(article) -> dict:
    """The NewsArticle for ``article`` (fetched with for_detail())."""
    url = _absolute(article.get_absolute_url())
    authors = [
        {"@type": "Person", "name": author.name, "url": _absolute(author.get_absolute_url())}
        for author in article.ordered_authors
    ]
    if not authors and article.byline:
        authors = [{"@type": "Person", "name": article.byline}]
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "inLanguage": article.language,
        "articleSection": article.section.name,
        "publisher": publisher(),
        "author": authors or [publisher()],
        "wordCount": article.word_count,
        "isAccessibleForFree": True,
    }
    description = article.seo_description or article.dek
    if description:
        data["description"] = description
    if article.publish_at:
        data["datePublished"] = article.publish_at.isoformat()
    data["dateModified"] = article.updated_at.isoformat()
    keywords = [tag.name for tag in article.tags.all()]
    if keywords:
        data["keywords"] = keywords
    image = image_object(article)
    if image:
        data["image"] = image
    return data


def to_script(data: dict) -> str:
    """``data`` as a ``<script type="application/ld+json">`` element."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(  # noqa: S308 - <, > and & are escaped above, nothing else can end the script
        '<script type="application/ld+json">' + payload.translate(_SCRIPT_ESCAPES) + "</script>"
    )
