"""Public articles per section, tag and author, kept in a table (``TermCount``).

The taxonomy API gives every category, author and tag its ``article_count``.
Counted for each page, that read every public article of the page's terms:
250-320 ms for a page of 50 tags at 1 000 000 articles, whatever changed.
Here a page is its rows, plus a recount of the terms that changed since the
last read. The rules are those of ``articles.archive_months``:

- A write raises the ``version`` of every term it may change the count of:
  the terms an article has after the write (``mark_articles``, which
  ``articles.search.reindex_articles`` calls, so every save, link change and
  bulk path that reindexes also marks), and the ones it leaves
  (``mark_terms``: the old section, a removed tag or byline, a deleted
  article's terms), from the signals below.
- The marks are written once the writer's transaction has committed, in one
  statement (``INSERT ... ON CONFLICT``, which also makes missing rows).
  Written inside it, they held the terms' rows until the commit: two editors
  saving articles with a tag in common waited for each other, and
  deadlocked (36 of 240 concurrent saves did). After the commit a reader
  may, for the moment between the commit and the mark, serve the count from
  before it; a recount made from before the commit can never be kept once
  the mark is written (the version it read is gone). A process that dies in
  that moment leaves the terms unmarked until their next change or
  ``rebuild_term_counts``.
- A reader recounts the rows whose ``counted_version`` lags or whose
  ``valid_until`` (the next scheduled publication or rights expiry among the
  term's published articles) has passed, in one aggregate for the whole page,
  and writes them back in one UPDATE that keeps only the rows no writer
  raised meanwhile. On PostgreSQL it skips rows a writer (or ``rebuild``)
  holds instead of waiting.

Queries for a page: one for its rows; after a change, two more (the
recount and the write-back), and two for terms without a row yet (insert
and read again).
"""

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models import DateTimeField as DateTimeOutput
from django.db.models.functions import Cast
from django.utils import timezone

from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    Category,
    Tag,
    TermCount,
    public_figures,
    public_until,
)

Kind = TermCount.Kind

# How each kind's articles are found: the link table, its article column and
# its term column (for the writers' marks).
_LINKS = {
    Kind.SECTION: (Article._meta.db_table, "id", "section_id"),
    Kind.TAG: (Article.tags.through._meta.db_table, "article_id", "tag_id"),
    Kind.AUTHOR: (ArticleAuthor._meta.db_table, "article_id", "author_id"),
}

_MODEL_OF = {Kind.SECTION: Category, Kind.TAG: Tag, Kind.AUTHOR: Author}
_KIND_OF = {model: kind for kind, model in _MODEL_OF.items()}

# Articles per marking statement (the IN list's parameters).
MARK_CHUNK = 2000


# --- writers ---------------------------------------------------------------------------


def mark_articles(ids: Iterable[int], *, extra: Iterable[tuple[str, int]] = ()) -> None:
    """Raise the version of every section, tag and author these articles
    have, and of the ``(kind, term id)`` pairs in ``extra`` (terms they
    left), creating missing rows: once the writer's transaction commits
    (``transaction.on_commit``), or at once outside a transaction. The
    articles' terms are read when the marks are written, so after the
    commit: a caller that is about to remove links (a delete, a clear)
    passes what it removes in ``extra`` (``terms_of``)."""
    ids = {int(pk) for pk in ids}
    extra = {(str(kind), int(term)) for kind, term in extra if term is not None}
    if not ids and not extra:
        return
    if not connection.in_atomic_block:
        _write(ids, extra)
        return
    # One pending set per connection (so per thread), written by the first
    # callback that runs; the others find it empty. Marks of a transaction
    # that rolled back stay in it and are written with the next ones: a
    # needless recount, never a missed one.
    pending_ids, pending_extra = _pending()
    pending_ids |= ids
    pending_extra |= extra
    transaction.on_commit(_flush, robust=True)


def mark_terms(kind: str, ids: Iterable[int | None]) -> None:
    """Raise the version of these terms of one ``kind`` (see ``mark_articles``)."""
    mark_articles([], extra=[(kind, pk) for pk in ids])


def terms_of(ids: Iterable[int]) -> set[tuple[str, int]]:
    """The ``(kind, term id)`` pairs these articles have now (one query)."""
    ids = sorted({int(pk) for pk in ids})
    if not ids:
        return set()
    selects, params = _link_selects(ids)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ".join(selects), params)
        return {(kind, int(term)) for kind, term in cursor.fetchall()}


def _pending() -> tuple[set, set]:
    if not hasattr(connection, "_term_count_marks"):
        connection._term_count_marks = (set(), set())
    return connection._term_count_marks


def _flush() -> None:
    pending_ids, pending_extra = _pending()
    ids, extra = set(pending_ids), set(pending_extra)
    pending_ids.clear()
    pending_extra.clear()
    _write(ids, extra)


def _write(ids: set[int], extra: set[tuple[str, int]]) -> None:
    """One statement per ``MARK_CHUNK`` articles. Rows are taken in (kind,
    term id) order, so that two writers that mark the same terms at once
    take their locks in the same order."""
    if not ids and not extra:
        return
    ids, extra = sorted(ids), sorted(extra)
    chunks = [ids[start : start + MARK_CHUNK] for start in range(0, len(ids), MARK_CHUNK)]
    for number, chunk in enumerate(chunks or [[]]):
        _upsert(chunk, extra if number == 0 else [])


def _link_selects(article_ids: list[int]) -> tuple[list[str], list]:
    selects, params = [], []
    marks = ", ".join(["%s"] * len(article_ids))
    for kind, (table, article_column, term_column) in _LINKS.items():
        selects.append(
            f"SELECT CAST(%s AS varchar(8)) AS kind, {term_column} AS term_id "  # noqa: S608
            f"FROM {table} "
            f"WHERE {article_column} IN ({marks}) AND {term_column} IS NOT NULL"
        )
        params += [str(kind), *article_ids]
    return selects, params


def _upsert(article_ids: list[int], pairs: list[tuple[str, int]]) -> None:
    selects, params = _link_selects(article_ids) if article_ids else ([], [])
    for kind, term in pairs:
        selects.append("SELECT CAST(%s AS varchar(8)) AS kind, CAST(%s AS bigint) AS term_id")
        params += [kind, term]
    table = TermCount._meta.db_table
    # UNION (not UNION ALL): ON CONFLICT may touch a row once per statement.
    # "WHERE true": SQLite's parser needs a WHERE before ON CONFLICT.
    sql = (
        f"INSERT INTO {table} (kind, term_id, count, version, counted_version) "  # noqa: S608
        f"SELECT kind, term_id, 0, 1, 0 FROM ({' UNION '.join(selects)}) AS marked "
        "WHERE true ORDER BY kind, term_id "
        f"ON CONFLICT (kind, term_id) DO UPDATE SET version = {table}.version + 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def rebuild() -> int:
    """Every section, tag and author counted afresh, one aggregate per kind:
    after a bulk load that marked nothing (``generate_archive``), or a raw
    write. Every term gets a row, 0 for those with no public article.
    Returns the number of rows."""
    now = timezone.now()
    with transaction.atomic():
        # Marks written meanwhile wait for these locks, then raise the new
        # rows: a needless recount, never a missed change.
        list(TermCount.objects.select_for_update().only("pk"))
        rows = []
        for kind in Kind:
            published = Article.objects.filter(
                status=Article.Status.PUBLISHED, **{f"{kind}__isnull": False}
            )
            counted = set()
            for figures in published.order_by().values(kind).annotate(**public_figures(now)):
                row = TermCount(kind=kind, term_id=figures[kind], counted_version=1)
                _fill(row, figures)
                rows.append(row)
                counted.add(row.term_id)
            terms = _MODEL_OF[kind].objects.values_list("pk", flat=True).iterator()
            rows += [TermCount(kind=kind, term_id=pk, counted_version=1)
                     for pk in terms if pk not in counted]  # fmt: skip
        TermCount.objects.all().delete()
        # A row a reader or a mark made meanwhile (a term that had none) is
        # kept as it is: uncounted, so it is counted when read.
        TermCount.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


# --- readers ---------------------------------------------------------------------------


def public_counts(kind: str, ids: Iterable[int]) -> dict[int, int]:
    """How many public articles each of the ``kind`` terms ``ids`` has."""
    ids = {int(pk) for pk in ids}
    if not ids:
        return {}
    rows = {row.term_id: row for row in TermCount.objects.filter(kind=kind, term_id__in=ids)}
    if missing := ids - rows.keys():
        # Not counted yet, or never linked: made as writers make them
        # (uncounted), then read again for the version a writer may have
        # raised meanwhile.
        TermCount.objects.bulk_create(
            [TermCount(kind=kind, term_id=pk) for pk in missing], ignore_conflicts=True
        )
        rows.update(
            (row.term_id, row) for row in TermCount.objects.filter(kind=kind, term_id__in=missing)
        )
    now = timezone.now()
    stale = [
        row
        for row in rows.values()
        if row.counted_version != row.version or (row.valid_until and row.valid_until <= now)
    ]
    if stale:
        _recount(kind, stale, now)
    return {pk: row.count for pk, row in rows.items()}


def _fill(row: TermCount, figures: dict) -> None:
    row.count = figures["count"]
    row.valid_until = public_until(figures)


def _recount(kind: str, rows: list[TermCount], now) -> None:
    """Recount ``rows`` (in place) in one aggregate, and store the figures of
    the rows no writer has raised or holds since they were read."""
    by_term = {row.term_id: row for row in rows}
    figures = (
        Article.objects.filter(status=Article.Status.PUBLISHED, **{f"{kind}__in": list(by_term)})
        .order_by()
        .values(kind)
        .annotate(**public_figures(now))
    )
    found = {figure[kind]: figure for figure in figures}
    nothing = {"count": 0, "next_publication": None, "next_expiry": None}
    for pk, row in by_term.items():
        _fill(row, found.get(pk, nothing))

    def typed(value, output):
        # A NULL is cast: PostgreSQL takes a CASE of untyped NULLs for text.
        # (Not the others: SQLite's cast to a datetime drops microseconds.)
        return Cast(Value(None), output) if value is None else Value(value, output_field=output)

    def per_row(value, output):
        return Case(
            *[When(pk=row.pk, then=typed(value(row), output)) for row in rows],
            output_field=output,
        )

    current = TermCount.objects.filter(
        Q.create([Q(pk=row.pk, version=row.version) for row in rows], connector=Q.OR)
    )
    if connection.features.has_select_for_update_skip_locked:
        # A writer's transaction holds the row: skip it, it will be recounted.
        current = TermCount.objects.filter(
            pk__in=current.select_for_update(skip_locked=True).values("pk")
        )
    # FOR UPDATE needs a transaction, even in a subquery (no savepoint: one
    # statement, and a request's reads run outside any transaction).
    with transaction.atomic(savepoint=False):
        current.update(
            count=per_row(lambda row: row.count, IntegerField()),
            valid_until=per_row(lambda row: row.valid_until, DateTimeOutput()),
            counted_version=per_row(lambda row: row.version, IntegerField()),
        )
    for row in rows:
        row.counted_version = row.version


# --- signals: the terms an article leaves ------------------------------------------------
# (The terms it has are marked by reindex_articles, on every path.)


def _on_article_save(sender, instance, raw=False, created=False, **kwargs):
    # The section it left: noted by articles.signals.remember_old_address.
    old = instance.__dict__.pop("_old_section_id", None)
    if not raw and old is not None and old != instance.section_id:
        mark_terms(Kind.SECTION, [old])


def _on_article_delete(sender, instance, **kwargs):
    # Read before the cascade removes its tags and bylines.
    mark_articles([], extra=terms_of([instance.pk]))


def _on_tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if reverse:  # tag.articles.add/remove/clear(): the tag itself
        if action in {"post_add", "post_remove", "post_clear"}:
            mark_terms(Kind.TAG, [instance.pk])
    elif action == "post_remove":
        mark_terms(Kind.TAG, pk_set or [])
    elif action == "pre_clear":
        mark_terms(Kind.TAG, [tag for kind, tag in terms_of([instance.pk]) if kind == Kind.TAG])


def _on_byline_change(sender, instance, raw=False, **kwargs):
    if not raw:
        mark_terms(Kind.AUTHOR, [instance.author_id, instance.__dict__.pop("_old_author_id", None)])


def _remember_old_author(sender, instance, raw=False, **kwargs):
    if not raw and instance.pk is not None:
        instance._old_author_id = (
            ArticleAuthor.objects.filter(pk=instance.pk).values_list("author_id", flat=True).first()
        )


def _on_term_delete(sender, instance, **kwargs):
    TermCount.objects.filter(kind=_KIND_OF[sender], term_id=instance.pk).delete()


def connect_signals() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

    post_save.connect(_on_article_save, sender=Article, dispatch_uid="term-counts-save")
    pre_delete.connect(_on_article_delete, sender=Article, dispatch_uid="term-counts-delete")
    m2m_changed.connect(
        _on_tags_changed, sender=Article.tags.through, dispatch_uid="term-counts-tags"
    )
    pre_save.connect(_remember_old_author, sender=ArticleAuthor, dispatch_uid="term-counts-old")
    for signal in (post_save, post_delete):
        signal.connect(
            _on_byline_change,
            sender=ArticleAuthor,
            dispatch_uid=f"term-counts-byline-{signal is post_save}",
        )
    for model in _KIND_OF:
        post_delete.connect(
            _on_term_delete, sender=model, dispatch_uid=f"term-counts-gone-{model.__name__}"
        )
