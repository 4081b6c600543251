"""Sitemaps for search engines.

- ``/sitemap.xml``: an index of the sections sitemap and one sitemap per
  month of articles, with the month's last change as ``lastmod``; a month
  of more than ``MONTH_PAGE_URLS`` articles has one sitemap per that many
  (from the month's count, kept by articles.archive_months).
- ``/sitemaps/articles-<yyyy>-<m>.xml``: that month's public articles with
  the image extension (lead photo location and caption, rights permitting),
  oldest first; ``/sitemaps/articles-<yyyy>-<m>-<n>.xml``: its n-th page
  (n ≥ 2) of a big month. A page costs the same however big the month (one
  query of at most ``MONTH_PAGE_URLS`` rows) and stays far below the
  protocol's 50 000 URLs.
- ``/sitemaps/sections.xml``: home, archive and every section page.
- ``/sitemap-news.xml``: Google News, the articles of the last two days.

Each is one or two queries, whatever the archive's size.
"""

import datetime
import math

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from articles.archive_months import month_bounds, public_months
from articles.models import Article, Category
from cms.caching import cache_public_page
from media_assets.models import MediaAsset

NEWS_WINDOW = datetime.timedelta(days=2)
NEWS_MAX_URLS = 1000  # Google News reads at most 1 000 URLs per sitemap.
# URLs per page of a month's sitemap: a full page takes 164-171 ms at
# 1 000 000 articles, where a whole month (6 474 articles) took 204 ms and a
# bigger month would take longer. The page past it (OFFSET 5 000 within the
# month's index range) 66-77 ms.
MONTH_PAGE_URLS = 5000
CONTENT_TYPE = "application/xml; charset=utf-8"


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


# What a <url> shows (templates/articles/sitemap_urlset.xml): the address,
# the dates, the news fields, and the lead photo's file and caption, unless
# its rights expired (``photo_shown``, annotated by _entries).
ROW_FIELDS = (
    "pk",
    "slug",
    "section__slug",
    "updated_at",
    "publish_at",
    "language",
    "headline",
    "lead_caption",
    "lead_media__file",
    "lead_media__caption",
    "photo_shown",
)


def _entries(queryset) -> list[dict]:
    """The <url> entries of ``queryset``'s articles, as plain rows: a month's
    sitemap lists thousands, and building three model instances for each
    (article, section, photo) and formatting dates in the template cost
    most of its time (522 ms for 6 400 at 1 000 000 articles). What each
    shows comes from the rules the model instances use: the article's
    ``address``, ``MediaAsset.objects.public()`` for the photo's rights and
    ``lead_caption_of``."""
    storage = MediaAsset._meta.get_field("file").storage
    shown = MediaAsset.objects.public().filter(pk=OuterRef("lead_media_id"))
    entries = []
    for row in queryset.annotate(photo_shown=Exists(shown)).values(*ROW_FIELDS):
        url = Article.address(row["section__slug"], row["pk"], row["slug"])
        image = None
        if row["lead_media__file"] and row["photo_shown"]:
            caption = Article.lead_caption_of(row["lead_caption"], row["lead_media__caption"])
            image = {"loc": _absolute(storage.url(row["lead_media__file"])), "caption": caption}
        entries.append(
            {
                "loc": _absolute(url),
                "lastmod": timezone.localtime(row["updated_at"]).isoformat(),
                "published": timezone.localtime(row["publish_at"]).isoformat(),
                "language": row["language"],
                "headline": row["headline"],
                "image": image,
            }
        )
    return entries


@require_safe
@cache_public_page
def sitemap_index(request):
    """The months that have public articles, with their last change
    (articles.archive_months: one query, plus a recount of changed months)."""
    sitemaps = [
        {"loc": _absolute(_month_url(month.date, page)), "lastmod": month.lastmod}
        for month in public_months()
        for page in range(1, math.ceil(month.count / MONTH_PAGE_URLS) + 1)
    ]
    sitemaps.insert(0, {"loc": _absolute(reverse("articles:sitemap_sections")), "lastmod": None})
    return render(
        request, "articles/sitemap_index.xml", {"sitemaps": sitemaps}, content_type=CONTENT_TYPE
    )


def _month_url(date: datetime.date, page: int) -> str:
    kwargs = {"year": date.year, "month": date.month}
    if page == 1:
        return reverse("articles:sitemap_month", kwargs=kwargs)
    return reverse("articles:sitemap_month_page", kwargs={**kwargs, "page": page})


@require_safe
@cache_public_page
def month_sitemap(request, year, month, page=None):
    """A month's public articles, oldest first, ``MONTH_PAGE_URLS`` a page.
    The first page has the month's plain address (``page`` None); a page
    past the month's articles is a 404."""
    if not 1 <= month <= 12 or not 1900 <= year <= 9999 or page is not None and page < 2:
        raise Http404("No such month.")
    first = ((page or 1) - 1) * MONTH_PAGE_URLS
    start, end = month_bounds(datetime.date(year, month, 1))
    entries = _entries(
        Article.objects.public()
        .filter(publish_at__gte=start, publish_at__lt=end)
        .order_by("publish_at", "id")[first : first + MONTH_PAGE_URLS]
    )
    if not entries:
        raise Http404("Nothing was published that month.")
    return render(
        request,
        "articles/sitemap_urlset.xml",
        {"entries": entries, "news": False},
        content_type=CONTENT_TYPE,
    )


@require_safe
@cache_public_page
def sections_sitemap(request):
    pages = [{"loc": _absolute(reverse("articles:home")), "changefreq": "hourly"}]
    pages.append({"loc": _absolute(reverse("articles:archive")), "changefreq": "daily"})
    pages += [
        {"loc": _absolute(category.get_absolute_url()), "changefreq": "hourly"}
        for category in Category.objects.only("slug")
    ]
    return render(
        request, "articles/sitemap_pages.xml", {"pages": pages}, content_type=CONTENT_TYPE
    )


@require_safe
@cache_public_page
def news_sitemap(request):
    """Google News: public articles published in the last two days."""
    since = timezone.now() - NEWS_WINDOW
    entries = _entries(
        Article.objects.public()
        .filter(publish_at__gte=since)
        .order_by("-publish_at", "-id")[:NEWS_MAX_URLS]
    )
    return render(
        request,
        "articles/sitemap_urlset.xml",
        {
            "entries": entries,
            "news": True,
            "publication": settings.SITE_NAME,
            # A urlset needs one <url>: on a quiet weekend that is the home page.
            "home": _absolute(reverse("articles:home")),
        },
        content_type=CONTENT_TYPE,
    )
