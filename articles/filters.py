"""Filters of the articles API: one FilterSet per resource (DESIGN.md §5).

Every filter narrows a queryset the view already limited to what the user may
see, so no filter can widen visibility. Text is matched with plain
(i)contains/exact lookups: no regex lookups on untrusted input.
"""

import django_filters
from django import forms
from django.db.models import Q

from articles.models import LANGUAGES, Article, Author, Category, Tag

# A search string is capped so that a 60 000-character one is refused at
# once (400) instead of becoming a slow LIKE.
MAX_SEARCH_LENGTH = 200
MAX_SLUG_LENGTH = 200


def _slug_filter(**kwargs):
    return django_filters.CharFilter(max_length=MAX_SLUG_LENGTH, **kwargs)


class IntegerFilter(django_filters.NumberFilter):
    # Whole numbers only: a NumberFilter would accept "1e999".
    field_class = forms.IntegerField


# The orderings the articles API names (ArticleViewSet.orderings). With a
# search (?q=) any other value, or none, ranks best first
# (ranks_by_relevance).
ARTICLE_ORDERINGS = (
    "-published_at", "published_at", "-updated_at", "updated_at", "headline", "-headline",
)  # fmt: skip


def ranks_by_relevance(params) -> bool:
    """Whether an articles list is a search ranked best first: ``q`` is given
    and no other ordering is named. The view then ranks the matches itself
    (articles.search.ranked_ids) and ``q`` filters nothing here."""
    return bool((params.get("q") or "").strip()) and params.get("ordering") not in ARTICLE_ORDERINGS


def _noop(queryset, name, value):
    # The cursor paginator applies the ordering (cms.http.CursorPagination).
    return queryset


class ArticleFilter(django_filters.FilterSet):
    section = _slug_filter(
        method="filter_section", help_text="Section slug; sub-sections are included."
    )
    category = _slug_filter(
        method="filter_category", help_text="Category slug, as section or further category."
    )
    tag = _slug_filter(method="filter_tag", help_text="Tag slug.")
    author = _slug_filter(method="filter_author", help_text="Author slug.")
    language = django_filters.ChoiceFilter(choices=LANGUAGES)
    published_after = django_filters.IsoDateTimeFilter(
        field_name="publish_at", lookup_expr="gte", help_text="ISO 8601 date or date-time."
    )
    published_before = django_filters.IsoDateTimeFilter(
        field_name="publish_at", lookup_expr="lt", help_text="ISO 8601 date or date-time."
    )
    year = IntegerFilter(
        field_name="publish_at",
        lookup_expr="year",
        min_value=1,
        max_value=9999,
    )
    month = IntegerFilter(
        field_name="publish_at",
        lookup_expr="month",
        min_value=1,
        max_value=12,
    )
    legacy_id = django_filters.CharFilter(field_name="legacy_id", max_length=64)
    slug = _slug_filter(field_name="slug")
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=MAX_SEARCH_LENGTH,
        help_text="Full-text search, as on the search page: words (all must match), "
        '"quoted phrases", OR, -excluded. Best first unless `ordering` names another order.',
    )
    status = django_filters.ChoiceFilter(
        choices=Article.Status.choices,
        help_text="Staff only in effect: readers see published articles only.",
    )
    ordering = django_filters.CharFilter(
        method=_noop,
        max_length=40,
        help_text="-published_at (the default without q), published_at, -updated_at, "
        "updated_at, headline or -headline; relevance (the default with q) ranks a "
        "search best first; other values are ignored.",
    )

    class Meta:
        model = Article
        fields = []

    def filter_section(self, queryset, name, value):
        section = Category.objects.filter(slug=value).first()
        return queryset.in_sections(section) if section else queryset.none()

    def filter_category(self, queryset, name, value):
        in_category = Article.categories.through.objects.filter(category__slug=value)
        return queryset.filter(Q(section__slug=value) | Q(pk__in=in_category.values("article_id")))

    def filter_tag(self, queryset, name, value):
        return queryset.linked_to("tags", Tag.objects.filter(slug=value).values("pk"))

    def filter_author(self, queryset, name, value):
        return queryset.linked_to("authors", Author.objects.filter(slug=value).values("pk"))

    def filter_q(self, queryset, name, value):
        # Full-text search (articles.search): the same index and syntax as
        # the search page; the view's queryset already applied public().
        # Ranked best first, the view applies the search itself.
        if self.request is not None and ranks_by_relevance(self.request.GET):
            return queryset
        return queryset.search(value)


class CategoryFilter(django_filters.FilterSet):
    parent = _slug_filter(
        method="filter_parent", help_text="Parent slug; `none` for top-level sections."
    )
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=MAX_SEARCH_LENGTH
    )
    slug = _slug_filter(field_name="slug")

    class Meta:
        model = Category
        fields = []

    def filter_parent(self, queryset, name, value):
        if value == "none":
            return queryset.filter(parent__isnull=True)
        return queryset.filter(parent__slug=value)


class AuthorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=MAX_SEARCH_LENGTH
    )
    slug = _slug_filter(field_name="slug")

    class Meta:
        model = Author
        fields = []


class TagFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=MAX_SEARCH_LENGTH
    )
    slug = _slug_filter(field_name="slug")

    class Meta:
        model = Tag
        fields = []
