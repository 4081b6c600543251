"""Filters of the media API (one FilterSet, DESIGN.md §5)."""

import django_filters
from django.db.models import Q

from media_assets import usage
from media_assets.models import MediaAsset

# Search strings are matched with plain LIKE (no regex for untrusted input),
# and capped so that a 60 000-character string is refused at once.
MAX_SEARCH_LENGTH = 200


class MediaFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=MAX_SEARCH_LENGTH,
        help_text="Words in the title, caption or credit, or a Media ID.",
    )
    credit = django_filters.CharFilter(
        field_name="credit", lookup_expr="icontains", max_length=MAX_SEARCH_LENGTH
    )
    agency = django_filters.CharFilter(
        field_name="agency", lookup_expr="iexact", max_length=MAX_SEARCH_LENGTH
    )
    photographer = django_filters.CharFilter(
        field_name="photographer", lookup_expr="icontains", max_length=MAX_SEARCH_LENGTH
    )
    is_file_photo = django_filters.BooleanFilter(field_name="is_file_photo")
    uploaded_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="ISO 8601 date-time."
    )
    uploaded_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text="ISO 8601 date-time."
    )
    unused = django_filters.BooleanFilter(
        method="filter_unused", help_text="true: used nowhere; false: used somewhere."
    )
    ordering = django_filters.CharFilter(
        method="filter_noop",
        max_length=40,
        help_text="created_at, -created_at (default), media_id or -media_id; "
        "other values are ignored.",
    )

    class Meta:
        model = MediaAsset
        fields = []

    def filter_q(self, queryset, name, value):
        words = value.split()[:10]
        for word in words:
            match = (
                Q(title__icontains=word) | Q(caption__icontains=word) | Q(credit__icontains=word)
            )
            if word.isdigit() and len(word) < 19:
                match |= Q(media_id=int(word))
            queryset = queryset.filter(match)
        return queryset

    def filter_unused(self, queryset, name, value):
        # The usage registry knows every relation and body-figure finder.
        return usage.filter_unused(queryset) if value else usage.filter_used(queryset)

    def filter_noop(self, queryset, name, value):
        # The cursor paginator applies the ordering (cms.http.CursorPagination).
        return queryset
