from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from articles.models import Article, Author, Category, Tag
from articles.pagination import paginate_keyset

SECTION_PAGE_SIZE = 20
HOME_ITEMS_PER_SECTION = 5


def _visible_articles(request):
    """Public articles for readers; staff who may edit also see unpublished
    ones (they are shown a banner and the response is never cached)."""
    if request.user.is_authenticated and request.user.has_perm("articles.change_article"):
        return Article.objects.all()
    return Article.objects.public()


@require_safe
def home(request):
    """The lead story, then the latest articles of each top-level section
    (sub-sections included)."""
    categories = list(Category.objects.all())
    public = Article.objects.public().for_listing()
    lead = public.first()
    blocks = []
    for section in (c for c in categories if c.parent_id is None):
        # One query per top-level section: the count grows with the
        # navigation, never with the archive.
        ids = [section.pk, *(c.pk for c in categories if c.parent_id == section.pk)]
        items = [a for a in public.filter(section_id__in=ids)[:HOME_ITEMS_PER_SECTION + 1]
                 if lead is None or a.pk != lead.pk][:HOME_ITEMS_PER_SECTION]
        if items:
            blocks.append((section, items))
    return render(request, "articles/home.html", {"lead": lead, "blocks": blocks})


@require_safe
def section_detail(request, slug):
    section = get_object_or_404(Category.objects.select_related("parent"), slug=slug)
    children = list(section.children.all())
    page = _listing_page(request, Article.objects.public().in_sections(section))
    return render(
        request,
        "articles/category_detail.html",
        {"section": section, "children": children, "page": page},
    )


@require_safe
def article_detail(request, section, pk, slug):
    article = get_object_or_404(_visible_articles(request).for_detail(), pk=pk)
    if section != article.section.slug or slug != article.slug:
        return redirect(article, permanent=True)
    response = render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "section": article.section,
            "preview": not article.is_public,
            "site_url": settings.SITE_URL,
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


def _listing_page(request, queryset):
    return paginate_keyset(
        queryset.for_listing(),
        before=request.GET.get("before"),
        after=request.GET.get("after"),
        per_page=SECTION_PAGE_SIZE,
    )


@require_safe
def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    page = _listing_page(request, Article.objects.public().filter(tags=tag))
    return render(request, "articles/tag_detail.html", {"tag": tag, "page": page})


@require_safe
def author_detail(request, slug):
    author = get_object_or_404(Author.objects.select_related("photo"), slug=slug)
    page = _listing_page(request, Article.objects.public().filter(authors=author))
    return render(request, "articles/author_detail.html", {"author": author, "page": page})
