"""Keyset pagination for public listings.

Page-number pagination needs ``COUNT(*)`` and ``OFFSET``, both of which get
slower the deeper a reader goes into a million-article archive. A keyset page
asks the index for "the next N rows older than this one", which costs the same
on page 1 and page 50 000.
"""

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet


@dataclass
class KeysetPage:
    items: list
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.previous_cursor)


def encode_cursor(published: datetime, pk: int) -> str:
    raw = f"{published.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str | None) -> tuple[datetime, int] | None:
    """Return (publish_at, id) or None for a missing or malformed cursor."""
    if not value or len(value) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        stamp, pk = raw.split("|")
        published = datetime.fromisoformat(stamp)
        if published.tzinfo is None:
            return None
        return published, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def paginate_keyset(
    queryset: QuerySet, *, before: str | None, after: str | None, per_page: int
) -> KeysetPage:
    """One page of ``queryset`` (ordered newest first by publish_at, id).

    ``before`` shows the page of items older than that cursor, ``after`` the
    page of items newer than it; neither means the first page.
    """
    newer_than = decode_cursor(after)
    older_than = decode_cursor(before)
    if newer_than:
        stamp, pk = newer_than
        rows = list(
            queryset.walk_from(stamp, pk, older=False)
            .filter(Q(publish_at__gt=stamp) | Q(publish_at=stamp, pk__gt=pk))
            .order_by("publish_at", "pk")[: per_page + 1]
        )
        has_more_newer = len(rows) > per_page
        items = list(reversed(rows[:per_page]))
        has_more_older = True
    else:
        if older_than:
            stamp, pk = older_than
            queryset = queryset.walk_from(stamp, pk).filter(
                Q(publish_at__lt=stamp) | Q(publish_at=stamp, pk__lt=pk)
            )
        rows = list(queryset.order_by("-publish_at", "-pk")[: per_page + 1])
        items = rows[:per_page]
        has_more_older = len(rows) > per_page
        has_more_newer = older_than is not None
    next_cursor = (
        encode_cursor(items[-1].publish_at, items[-1].pk) if items and has_more_older else None
    )
    previous_cursor = (
        encode_cursor(items[0].publish_at, items[0].pk) if items and has_more_newer else None
    )
    return KeysetPage(items=items, next_cursor=next_cursor, previous_cursor=previous_cursor)
