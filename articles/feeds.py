"""RSS 2.0 and Atom feeds, site-wide and per section, with Media RSS
(``media:content`` with ``media:description`` and ``media:credit``) for lead
photos whose rights have not expired.

Queries: items + their authors (site-wide); plus the section and its
sub-section ids for a section feed. Nothing per item.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from articles.models import Article, Category
from articles.templatetags.public_site import shown_media

FEED_ITEMS = 30
MEDIA_RSS_NS = "http://search.yahoo.com/mrss/"


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


class _MediaRssMixin:
    """Adds the Media RSS namespace and one ``media:content`` per item."""

    def _add_media(self, handler, item):
        media = item.get("media")
        if not media:
            return
        attrs = {"url": media["url"], "medium": "image"}
        if media.get("type"):
            attrs["type"] = media["type"]
        if media.get("width"):
            attrs["width"] = str(media["width"])
            attrs["height"] = str(media["height"])
        handler.startElement("media:content", attrs)
        if media.get("description"):
            handler.addQuickElement(
                "media:description", media["description"], {"type": "plain"}
            )
        if media.get("credit"):
            handler.addQuickElement("media:credit", media["credit"], {"role": "author"})
        if media.get("copyright"):
            handler.addQuickElement("media:copyright", media["copyright"])
        handler.endElement("media:content")


class MediaRssFeed(_MediaRssMixin, Rss201rev2Feed):
    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:media": MEDIA_RSS_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        self._add_media(handler, item)


class MediaAtomFeed(_MediaRssMixin, Atom1Feed):
    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:media": MEDIA_RSS_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        self._add_media(handler, item)


class LatestArticlesFeed:
    """The newest public articles; ``feed_type`` chosen by the subclass."""

    feed_type = MediaRssFeed

    def title(self, obj):
        return f"{settings.SITE_NAME}: {obj.name}" if obj else settings.SITE_NAME

    def description(self, obj):
        if obj and obj.description:
            return obj.description
        return settings.SITE_TAGLINE

    subtitle = description

    def link(self, obj):
        return absolute(obj.get_absolute_url() if obj else reverse("articles:home"))

    def feed_url(self, obj):
        if obj is None:
            return absolute(reverse(f"articles:{self.url_name}"))
        return absolute(reverse(f"articles:section_{self.url_name}", kwargs={"slug": obj.slug}))

    def author_name(self):
        # Atom needs an author on the feed when an entry has none.
        return settings.SITE_NAME

    def items(self, obj):
        queryset = Article.objects.public()
        if obj is not None:
            queryset = queryset.in_sections(obj)
        # The enclosure is the original: no renditions to prefetch.
        return list(
            queryset.for_listing(pictures=False).order_by("-publish_at", "-id")[:FEED_ITEMS]
        )

    def item_title(self, item):
        return item.headline

    def item_description(self, item):
        return item.seo_description or item.dek

    def item_link(self, item):
        return absolute(item.get_absolute_url())

    def item_guid(self, item):
        # Stable across slug and section changes.
        return absolute(item.get_short_url())

    def item_guid_is_permalink(self, item):
        return False

    def item_pubdate(self, item):
        return item.publish_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.display_byline or None

    def item_categories(self, item):
        return [item.section.name]

    def item_extra_kwargs(self, item):
        asset = shown_media(item.lead_media)
        if asset is None or not asset.file:
            return {}
        return {
            "media": {
                "url": absolute(asset.file.url) if asset.file.url.startswith("/")
                else asset.file.url,
                "type": asset.mime_type,
                "width": asset.width,
                "height": asset.height,
                "description": item.effective_lead_caption,
                "credit": asset.credit,
                "copyright": asset.copyright,
            }
        }


class RssFeed(LatestArticlesFeed, Feed):
    feed_type = MediaRssFeed
    url_name = "rss"

    def get_object(self, request, slug=None):
        return None if slug is None else get_object_or_404(Category, slug=slug)


class AtomFeed(RssFeed):
    feed_type = MediaAtomFeed
    url_name = "atom"
