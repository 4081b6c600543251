"""The public site: home, sections, articles, date archives, tags, authors,
search and robots.txt. Feeds live in feeds.py and sitemaps in sitemaps.py.

Every list starts from ``Article.objects.public()``; only the article page
lets staff who may edit see unpublished work (never cached)."""

import calendar
import datetime
from collections import OrderedDict
from functools import wraps

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, Value, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from articles import term_counts
from articles.archive_months import month_bounds, public_months
from articles.middleware import find_redirect
from articles.models import (
    TEASER_PICTURE_SPEC,
    Article,
    Author,
    Category,
    Tag,
    category_tree,
    listing_prefetches,
    teaser_renditions,
)
from articles.pagination import paginate_keyset
from articles.search import parse_query, search_articles
from cms.caching import cache_public_page
from media_assets.models import Rendition
from media_assets.renditions import picture_specs

SECTION_PAGE_SIZE = 20
HOME_ITEMS_PER_SECTION = 5
RELATED_ITEMS = 4
SEARCH_MAX_QUERY_LENGTH = 200
SEARCH_MAX_TERMS = 8
FIRST_ARCHIVE_YEAR = 1900
LEGACY_QUERY_PARAMS = ("p", "page_id", "cat", "tag", "author", "m")


def _visible_articles(request):
    """Public articles for readers; staff who may edit also see unpublished
    ones (they are shown a banner and the response is never cached)."""
    if request.user.is_authenticated and request.user.has_perm("articles.change_article"):
        return Article.objects.all()
    return Article.objects.public()


def _listing_page(request, queryset):
    return paginate_keyset(
        queryset.for_teasers(),
        before=request.GET.get("before"),
        after=request.GET.get("after"),
        per_page=SECTION_PAGE_SIZE,
    )


def _legacy_query_redirect(view):
    """Old WordPress links (/?p=123, /?page_id=7) land on the home page with
    a query string; they are looked up before the cached home page is served."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if any(name in request.GET for name in LEGACY_QUERY_PARAMS):
            response = find_redirect(request)
            if response is not None:
                return response
        return view(request, *args, **kwargs)

    return wrapper


@require_safe
@_legacy_query_redirect
@cache_public_page
def home(request):
    """The lead story, then the latest articles of each top-level section
    (sub-sections included)."""
    categories = category_tree()
    # Rows only; the teasers' authors and pictures are prefetched once below
    # for the lead and every block together.
    public = Article.objects.public().select_related("section", "lead_media")
    lead = public.first()
    blocks = []
    for section in (c for c in categories if c.parent_id is None):
        # One query per top-level section: the count grows with the
        # navigation, never with the archive.
        ids = [section.pk, *(c.pk for c in categories if c.parent_id == section.pk)]
        items = [
            a
            for a in public.filter(section_id__in=ids)[: HOME_ITEMS_PER_SECTION + 1]
            if lead is None or a.pk != lead.pk
        ][:HOME_ITEMS_PER_SECTION]
        if items:
            blocks.append((section, items))
    shown = [article for _, items in blocks for article in items]
    prefetch_related_objects(
        [lead, *shown] if lead else shown,
        *listing_prefetches(authors=False),  # teasers show no byline
    )
    return render(request, "articles/home.html", {"lead": lead, "blocks": blocks})


@require_safe
@cache_public_page
def section_detail(request, slug):
    # The section, its parents and children from the tree kept per content
    # generation: no query for them (category_tree).
    categories = category_tree()
    section = next((c for c in categories if c.slug == slug), None)
    if section is None:
        raise Http404("No such section.")
    children = [c for c in categories if c.parent_id == section.pk]
    page = _listing_page(request, Article.objects.public().in_sections(section))
    return render(
        request,
        "articles/category_detail.html",
        {
            "section": section,
            "children": children,
            "page": page,
            "feed_rss": reverse("articles:section_rss", kwargs={"slug": section.slug}),
            "feed_atom": reverse("articles:section_atom", kwargs={"slug": section.slug}),
        },
    )


def _related(article, limit=RELATED_ITEMS):
    """Public articles sharing the section or a tag, newest first (the tags
    come from for_detail()'s prefetch).

    On PostgreSQL one statement picks their ids
    (ArticleQuerySet.newest_sharing): the newest few of each kind, each by
    its own index, merged. A query that walked "section OR tag" through a
    join and a DISTINCT sorted every article of the section (16 ms, 53 ms at
    worst, at 100 000 articles), and a rare old tag tested one article at a
    time on a walk of the date index read most of the archive (686 ms at
    1 000 000 articles for a tag of 29 articles). Other databases (SQLite)
    take the OR through the join, which SQLite serves from its indexes
    (1.4 ms at 5 000 articles; an EXISTS there made it test every public
    article, 10 ms). Then one query for the teasers; without tags, that
    query alone (the section's newest, article_section_pub_idx).
    """
    newest = ("-publish_at", "-id")
    public = Article.objects.public().exclude(pk=article.pk)
    tag_ids = [tag.pk for tag in article.tags.all()]
    if not tag_ids:
        chosen = public.filter(section_id=article.section_id)
    elif connection.vendor == "postgresql":
        chosen = Article.objects.with_ids(public.newest_sharing(article.section_id, tag_ids, limit))
    else:
        chosen = public.filter(Q(section_id=article.section_id) | Q(tags__in=tag_ids)).distinct()
    # Their pictures come with the lead photo's (_prefetch_pictures).
    return list(chosen.for_teasers(pictures=False).order_by(*newest)[:limit])


def _prefetch_pictures(article, related):
    """The lead photo's renditions (every spec: its picture, the social card)
    and the related teasers' (the teaser's specs) in one query."""
    renditions = Rendition.objects.filter(
        Q(asset_id=article.lead_media_id) | Q(spec__in=picture_specs(TEASER_PICTURE_SPEC))
    )
    prefetch_related_objects(
        [a.lead_media for a in (article, *related) if a.lead_media is not None],
        Prefetch("renditions", queryset=renditions),
    )


def _translations(article):
    """Public language versions of ``article`` (itself excluded) for hreflang.

    No query for an article outside any translation group (most of them):
    ``article`` comes with ``has_translations`` (see article_detail)."""
    if article.translation_of_id is None and not article.has_translations:
        return []
    root = article.translation_of_id or article.pk
    # The OR is resolved on its own (primary key + translation_of index):
    # beside public()'s conditions SQLite walked every public article instead.
    family = Article.objects.filter(Q(pk=root) | Q(translation_of_id=root)).values("pk")
    return list(
        Article.objects.public()
        .filter(pk__in=family)
        .exclude(pk=article.pk)
        .select_related("section")
        .only("pk", "slug", "language", "section__slug")
    )


@require_safe
@cache_public_page
def article_detail(request, section, pk, slug):
    # The lead photo's renditions come with the related teasers' (one query).
    # Whether other articles translate this one rides along in the same query,
    # so that an article outside any translation group (most of them) costs
    # no hreflang query.
    article = get_object_or_404(
        _visible_articles(request)
        .for_detail(lead_renditions=False)
        .annotate(has_translations=Exists(Article.objects.filter(translation_of=OuterRef("pk")))),
        pk=pk,
    )
    if section != article.section.slug and slug != article.slug:
        # Neither part matches: an unrelated old address that happens to have
        # a number in the middle (/2015/03/story/). The redirect fallback
        # looks it up instead of guessing article 3.
        raise Http404("No such article.")
    if section != article.section.slug or slug != article.slug:
        return redirect(article, permanent=True)
    related = _related(article)
    _prefetch_pictures(article, related)
    response = render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "section": article.section,
            "preview": not article.is_public,
            "site_url": settings.SITE_URL,
            "related": related,
            "translations": _translations(article),
        },
    )
    if not article.is_public:
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def short_link(request, pk):
    """/a/<id>/ → the canonical address (301)."""
    article = _visible_articles(request).select_related("section").filter(pk=pk).first()
    if article is None:
        raise Http404("No such article.")
    return redirect(article, permanent=True)


@require_safe
@cache_public_page
def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    tagged = Article.objects.public().linked_to("tags", [tag.pk])
    page = _listing_page(request, tagged)
    return render(request, "articles/tag_detail.html", {"tag": tag, "page": page})


@require_safe
@cache_public_page
def author_detail(request, slug):
    author = get_object_or_404(Author.objects.select_related("photo"), slug=slug)
    page = _listing_page(request, Article.objects.public().linked_to("authors", [author.pk]))
    return render(request, "articles/author_detail.html", {"author": author, "page": page})


# --- date archives -------------------------------------------------------------


def _check_year(year):
    if not FIRST_ARCHIVE_YEAR <= year <= timezone.now().year:
        raise Http404("No archive for that year.")


@require_safe
@cache_public_page
def archive_index(request):
    """Every year with its total, and its months with theirs."""
    years = OrderedDict()
    for month in public_months():
        entry = years.setdefault(
            month.date.year, {"year": month.date.year, "count": 0, "months": []}
        )
        entry["count"] += month.count
        entry["months"].append({"date": month.date, "count": month.count})
    return render(request, "articles/archive_index.html", {"years": list(years.values())})


@require_safe
@cache_public_page
def archive_year(request, year):
    _check_year(year)
    months = [{"date": month.date, "count": month.count} for month in public_months(year=year)]
    if not months:
        raise Http404("Nothing was published that year.")
    return render(
        request,
        "articles/archive_year.html",
        {"year": year, "months": months, "total": sum(m["count"] for m in months)},
    )


@require_safe
@cache_public_page
def archive_month(request, year, month):
    _check_year(year)
    if not 1 <= month <= 12:
        raise Http404("No such month.")
    start, end = month_bounds(datetime.date(year, month, 1))
    page = _listing_page(
        request, Article.objects.public().filter(publish_at__gte=start, publish_at__lt=end)
    )
    if not page.items and not (request.GET.get("before") or request.GET.get("after")):
        raise Http404("Nothing was published that month.")
    return render(
        request,
        "articles/archive_month.html",
        {
            "year": year,
            "month": month,
            "month_date": start.date(),
            "month_name": calendar.month_name[month],
            "page": page,
        },
    )


# --- search ----------------------------------------------------------------------


def search_terms(raw: str) -> list[str]:
    """The words of a query, length-capped so that hostile input stays cheap."""
    return raw[:SEARCH_MAX_QUERY_LENGTH].split()[:SEARCH_MAX_TERMS]


# The terms whose own page a search may point to (search_topics), as
# term_counts names their kinds, with how the link reads.
TOPICS = {"authors": (Author, "by"), "tags": (Tag, "tagged"), "section": (Category, "in")}
TOPIC_MAX_WORDS = 6


def search_topics(query: str) -> list[dict]:
    """The reporter, tag or section whose name ``query`` is ("Mina Haddad",
    "north korea", quoted or not), with its number of public articles, for a
    link to its own page. On a big archive the search ranks only the newest
    matches of common words (a name in 18 000 articles: the newest 20 at
    1 000 000), and that page lists every article, newest first. A term
    without public articles is not shown. Queries: one for the names (by
    slug: unique indexes), one per kind found for the counts."""
    parsed = parse_query(query)
    if parsed.excluded or any(len(clause) != 1 for clause in parsed.clauses):
        return []  # words and phrases only: no OR, no minus
    if len(parsed.words) > TOPIC_MAX_WORDS:
        return []  # no name is that long: a long (or hostile) query costs no lookup
    slug = slugify(" ".join(parsed.words), allow_unicode=True)
    if not slug:
        return []
    first, *others = (
        model.objects.filter(slug=slug)
        .annotate(kind=Value(kind))
        .order_by()
        .values_list("kind", "pk", "name")
        for kind, (model, _) in TOPICS.items()
    )
    # In one call: chained, the union failed on Django 6.1 ("ORDER BY not
    # allowed in subqueries of compound statements").
    found = first.union(*others, all=True)
    topics = []
    for kind, pk, name in found:
        model, label = TOPICS[kind]
        count = term_counts.public_counts(kind, [pk]).get(pk, 0)
        if count:
            url = model(pk=pk, name=name, slug=slug).get_absolute_url()
            topics.append({"url": url, "count": count, "label": f"{label} {name}"})
    return topics


@require_safe
@cache_public_page
def search(request):
    """Full-text search (articles.search.search_articles): ranked results
    with snippets, facets by section and year, optional filters."""
    query = request.GET.get("q", "")[:SEARCH_MAX_QUERY_LENGTH].strip()
    section = None
    if request.GET.get("section"):
        section = Category.objects.filter(slug=request.GET["section"][:120]).first()
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and len(year) == 4 else None
    page = request.GET.get("page", "")
    language = request.GET.get("language", "")[:8] or None
    results = search_articles(
        query,
        section=section,
        year=year,
        language=language,
        page=int(page) if page.isdigit() and len(page) < 5 else 1,
    )
    # The teasers' pictures: one query for the page (search_articles() leaves
    # them out, as not every caller shows pictures).
    prefetch_related_objects(results.items, teaser_renditions())
    response = render(
        request,
        "articles/search.html",
        {
            "query": query,
            "results": results,
            "page": results if query else None,  # the results' items, as on other lists
            "section": section,
            "year": year,
            "topics": search_topics(query) if query and not results.timed_out else [],
        },
    )
    response["X-Robots-Tag"] = "noindex"
    if results.timed_out:
        # A database that was busy for a moment must not be remembered as
        # "took too long" for every reader of this query (cms.caching).
        response["Cache-Control"] = "no-store"
    return response


# --- robots.txt --------------------------------------------------------------------


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        "Disallow: /preview/",
        "",
        f"Sitemap: {settings.SITE_URL}{reverse('articles:sitemap_index')}",
        f"Sitemap: {settings.SITE_URL}{reverse('articles:sitemap_news')}",
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response
