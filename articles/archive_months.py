"""Public articles per month, kept in a table (``ArchiveMonth``).

The archive index (``/archive/``, ``/archive/<year>/``) and the sitemap index
list every month with its count or its last change. Counted over the whole
archive that was one aggregate of every public article: 0.4 s at 1 000 000
articles, paid again after every content change. Here it is a dozen rows a
year, plus a recount of the few months that changed: each an index-only
aggregate of one month's articles, whatever the archive's size.

How the rows stay right:

- A write to an article raises the ``version`` of its month, and of the month
  it left (``mark_changed``, called by the save and delete signals; bulk
  writers call it themselves), once the writer's transaction has committed.
  Until then a reader may count the month as it was; a count made before
  the commit cannot be kept after the mark, which raises the version it
  read. A process that dies between its commit and the mark leaves the
  month as it was until its next change or ``rebuild_archive_months``.
- A reader recounts a row whose ``counted_version`` lags its ``version``, or
  whose ``valid_until`` has passed: the month's next scheduled publication or
  rights expiry, since ``public()`` changes with time alone. It writes the
  figures back only if no writer raised the version meanwhile, and never
  waits for a writer's lock (it skips the write instead), so a reader never
  stores figures older than a change and never blocks on an editor's save.
  (A rebuild, below, does wait: it must count after the writers commit.)
- Rows of another time zone (``TIME_ZONE`` was changed) are rebuilt.

Queries: one for the rows, plus two per month that changed (its recount and
the write-back), or, past ``MAX_RECOUNTS`` changed months, a ``rebuild`` (one
aggregate of the archive) and the rows again.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, Max
from django.db.models.functions import TruncMonth
from django.utils import timezone

from articles.models import ArchiveMonth, Article, public_figures, public_q, public_until

# A read recounts at most this many changed months one by one (two queries
# each); more (after a bulk import, or the migration that made the table),
# and it recounts the archive in one aggregate (``rebuild``).
MAX_RECOUNTS = 24


@dataclass(frozen=True)
class Month:
    date: datetime.date  # the first day
    count: int
    lastmod: datetime.datetime | None


def month_of(moment: datetime.datetime) -> datetime.date:
    """The first day of ``moment``'s month in the current time zone."""
    return timezone.localtime(moment).date().replace(day=1)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime(month.year, month.month, 1))
    after = month.replace(year=month.year + 1, month=1) if month.month == 12 else (
        month.replace(month=month.month + 1)
    )  # fmt: skip
    return start, timezone.make_aware(datetime.datetime(after.year, after.month, 1))


def mark_changed(moments: Iterable[datetime.datetime | None]) -> None:
    """The months of these publication times hold changed articles: their
    rows are recounted on the next read. Written once the writer's
    transaction commits (``transaction.on_commit``), or at once outside a
    transaction: a mark inside it would hold the month's row until the
    commit, and every editor saving an article of the same month (this
    month, for most) would wait for the others' transactions to end."""
    months = {month_of(moment) for moment in moments if moment is not None}
    if not months:
        return
    if not connection.in_atomic_block:
        _write(months)
        return
    # One pending set per connection (so per thread), written by the first
    # callback that runs; the others find it empty. Marks of a transaction
    # that rolled back stay in it and are written with the next ones: a
    # needless recount, never a missed one.
    _pending().update(months)
    transaction.on_commit(_flush, robust=True)


def _pending() -> set[datetime.date]:
    if not hasattr(connection, "_archive_month_marks"):
        connection._archive_month_marks = set()
    return connection._archive_month_marks


def _flush() -> None:
    pending = _pending()
    months = set(pending)
    pending.clear()
    if months:
        _write(months)


def _write(months: set[datetime.date]) -> None:
    """One UPDATE when the rows exist."""
    bumped = ArchiveMonth.objects.filter(month__in=months).update(version=F("version") + 1)
    if bumped == len(months):
        return
    # A month seen for the first time. Created, then raised: a reader that
    # counted the row between a concurrent writer's insert and its raise
    # cannot keep the count (its write-back needs the version it read).
    tzname = timezone.get_current_timezone_name()
    ArchiveMonth.objects.bulk_create(
        [ArchiveMonth(month=month, tzname=tzname) for month in months], ignore_conflicts=True
    )
    ArchiveMonth.objects.filter(month__in=months).update(version=F("version") + 1)


def rebuild(*, force: bool = True) -> int:
    """Every month counted afresh from the articles, in one aggregate over
    the archive: after a bulk load (which sends no signal), a change of
    ``TIME_ZONE``, or when more months changed than a read recounts one by
    one. ``force=False`` (a reader's call) stops when another reader has
    just done it. Returns the number of months."""
    tzname = timezone.get_current_timezone_name()
    with transaction.atomic():
        # Marks being written wait for the count (and raise the versions it
        # stores, so a write it missed is recounted); a month a writer adds
        # meanwhile keeps the writer's row (ignore_conflicts), uncounted, so
        # it is recounted.
        list(ArchiveMonth.objects.select_for_update().only("pk"))
        now = timezone.now()
        if not force:
            # Readers that found the months stale together queue here: once
            # the first has counted, the rest find fresh rows and stop.
            rows = _rows(None)
            if rows and not _needs_rebuild(rows, now, tzname):
                return len(rows)
        by_month = (
            Article.objects.filter(status=Article.Status.PUBLISHED, publish_at__isnull=False)
            .order_by()
            .annotate(month=TruncMonth("publish_at"))
            .values("month")
            .annotate(**_figures(now))
        )
        rows = []
        for figures in by_month:
            row = ArchiveMonth(month=timezone.localtime(figures["month"]).date(), tzname=tzname)
            _fill(row, figures)
            row.counted_version = row.version
            rows.append(row)
        ArchiveMonth.objects.all().delete()
        ArchiveMonth.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def _rows(year: int | None) -> list[ArchiveMonth]:
    rows = ArchiveMonth.objects.order_by("-month")
    if year is not None:
        rows = rows.filter(
            month__gte=datetime.date(year, 1, 1), month__lt=datetime.date(year + 1, 1, 1)
        )
    return list(rows)


def _stale(rows: list[ArchiveMonth], now: datetime.datetime) -> list[ArchiveMonth]:
    return [
        row
        for row in rows
        if row.counted_version != row.version or (row.valid_until and row.valid_until <= now)
    ]


def _needs_rebuild(rows: list[ArchiveMonth], now: datetime.datetime, tzname: str) -> bool:
    return len(_stale(rows, now)) > MAX_RECOUNTS or any(row.tzname != tzname for row in rows)


def public_months(*, year: int | None = None) -> list[Month]:
    """The months that hold public articles, newest first (of ``year`` only,
    when given)."""
    rows = _rows(year)
    now = timezone.now()
    tzname = timezone.get_current_timezone_name()
    if _needs_rebuild(rows, now, tzname):
        rebuild(force=False)
        rows = _rows(year)
    for row in _stale(rows, now):
        _recount(row, now)
    return [Month(row.month, row.count, row.lastmod) for row in rows if row.count]


def _figures(now: datetime.datetime) -> dict:
    """The aggregates of one month's published articles (see ``_fill``)."""
    public = public_q(now)
    return {**public_figures(now), "lastmod": Max("updated_at", filter=public)}


def _fill(row: ArchiveMonth, figures: dict) -> None:
    row.count, row.lastmod = figures["count"], figures["lastmod"]
    row.valid_until = public_until(figures)


def _recount(row: ArchiveMonth, now: datetime.datetime) -> None:
    """Recount ``row`` (in place) and store the figures unless a writer has
    raised its version or holds its lock."""
    start, end = month_bounds(row.month)
    # Every published article of the month, through the index on (status,
    # publish_at) that carries expires_at and updated_at: read from the index
    # alone on PostgreSQL.
    _fill(
        row,
        Article.objects.filter(
            status=Article.Status.PUBLISHED, publish_at__gte=start, publish_at__lt=end
        ).aggregate(**_figures(now)),
    )
    current = ArchiveMonth.objects.filter(pk=row.pk, version=row.version)
    if connection.features.has_select_for_update_skip_locked:
        # A writer's transaction holds the row: skip, it will be recounted.
        current = ArchiveMonth.objects.filter(
            pk__in=current.select_for_update(skip_locked=True).values("pk")
        )
    # FOR UPDATE needs a transaction, even in a subquery (no savepoint: one
    # statement, and a request's reads run outside any transaction).
    with transaction.atomic(savepoint=False):
        current.update(
            count=row.count,
            lastmod=row.lastmod,
            valid_until=row.valid_until,
            counted_version=row.version,
        )
    row.counted_version = row.version


# --- signals ---------------------------------------------------------------------


def _on_article_save(sender, instance, raw=False, **kwargs):
    # The month it left: noted by articles.signals.remember_old_address.
    old = instance.__dict__.pop("_old_publish_at", None)
    mark_changed([instance.publish_at, old])


def _on_article_delete(sender, instance, **kwargs):
    mark_changed([instance.publish_at])


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    post_save.connect(_on_article_save, sender=Article, dispatch_uid="archive-months-save")
    post_delete.connect(_on_article_delete, sender=Article, dispatch_uid="archive-months-delete")
