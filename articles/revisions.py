"""Revisions: the relations snapshot each one keeps, and a field-by-field
diff between two historical rows.

Revisions themselves are written by django-simple-history on every
``Article.save()`` (see ``Article.history``). Authors, tags and categories
are not columns of the article, so a revision keeps them in its
``relations`` snapshot (``ArticleRevisionBase``):

* ``snapshot_on_save`` (a ``pre_create_historical_record`` receiver) copies
  the relations as stored when the revision is written. That is right for
  every save that leaves them alone (workflow transitions, API and import
  saves without relation changes).
* Relations are written *after* the row is saved (the services'
  ``_apply_relations``, the admin's inlines in ``save_related``, importers),
  so whoever writes them calls ``record_relations`` afterwards to store the
  relations as saved on the revision(s) just recorded. There is deliberately
  no ``m2m_changed`` receiver: a relation change that is not part of an
  article save records no revision of its own, and rewriting an older
  revision with it would credit the change to whoever saved that one; the
  next save snapshots it instead.
* The WordPress import's bulk path writes new articles' revisions itself
  (prepared INSERTs, not ``save()``), with the snapshot ``snapshots_of``
  builds from the relations it is about to store, so no UPDATE follows.

The diff is plain data that the admin template escapes.
"""

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from articles.html import paragraphs
from articles.models import Article, ArticleAuthor, Author, Category, Tag
from media_assets.models import MediaAsset

# The relations a revision keeps, in the order the diff shows them.
RELATIONS = ("authors", "categories", "tags")

# The fields shown in a diff, in the order of the article form.
DIFF_FIELDS = (
    "headline", "slug", "dek", "body", "byline", "section_id", "lead_media_id",
    "lead_caption", "status", "publish_at", "expires_at", "language", "seo_title",
    "seo_description", "translation_of_id", "legacy_source", "legacy_id", "legacy_url",
)  # fmt: skip

_WORD_RE = re.compile(r"\s+|[^\s]+")


@dataclass
class Segment:
    """A run of text in a changed paragraph: kind is equal, insert or delete."""

    kind: str
    text: str


@dataclass
class ParagraphChange:
    """kind: equal, insert, delete or change (then ``segments`` is filled)."""

    kind: str
    old: str = ""
    new: str = ""
    segments: list[Segment] = field(default_factory=list)


@dataclass
class FieldChange:
    """``added``/``removed`` (names) are filled for relations only; for the
    authors ``reordered`` says the byline order of the kept ones changed."""

    name: str
    label: str
    old: str
    new: str
    paragraphs: list[ParagraphChange] | None = None
    added: list[str] | None = None
    removed: list[str] | None = None
    reordered: bool = False


# --- the relations snapshot ------------------------------------------------------


def relations_snapshot(article_ids: Iterable[int]) -> dict[int, dict]:
    """The authors (byline order), further categories and tags of each
    article as stored now, as ``{"id", "name"}`` lists; three queries."""
    ids = list(article_ids)
    snapshots = {pk: {name: [] for name in RELATIONS} for pk in ids}
    authors = (
        ArticleAuthor.objects.filter(article_id__in=ids)
        .order_by("article_id", "position", "id")
        .values_list("article_id", "author_id", "author__name")
    )
    for article_id, pk, name in authors:
        snapshots[article_id]["authors"].append({"id": pk, "name": name})
    for key, through, target in (
        ("categories", Article.categories.through, "category"),
        ("tags", Article.tags.through, "tag"),
    ):
        rows = (
            through.objects.filter(article_id__in=ids)
            .order_by(f"{target}__name", f"{target}_id")
            .values_list("article_id", f"{target}_id", f"{target}__name")
        )
        for article_id, pk, name in rows:
            snapshots[article_id][key].append({"id": pk, "name": name})
    return snapshots


def snapshots_of(relations: dict) -> dict:
    """The snapshots ``relations_snapshot`` will read once the given relations
    are stored, for writers that insert revisions and relations together
    (the WordPress import). ``relations`` maps any key to ``{"authors": ids
    in byline order, "categories": ids, "tags": ids}``; the result maps the
    same keys to snapshots. Names, and the database's order of the names
    (its collation, as ``relations_snapshot`` sorts), cost one query per
    relation, whatever the number of articles."""
    wanted = {name: set() for name in RELATIONS}
    for ids in relations.values():
        for name in RELATIONS:
            wanted[name].update(ids[name])
    authors = dict(Author.objects.filter(pk__in=wanted["authors"]).values_list("pk", "name"))
    ranked = {}
    for name, model in (("categories", Category), ("tags", Tag)):
        rows = model.objects.filter(pk__in=wanted[name]).order_by("name", "pk")
        ranked[name] = {pk: (rank, name_) for rank, (pk, name_) in
                        enumerate(rows.values_list("pk", "name"))}  # fmt: skip
    snapshots = {}
    for key, ids in relations.items():
        snapshot = {"authors": [{"id": pk, "name": authors[pk]} for pk in ids["authors"]]}
        for name in ("categories", "tags"):
            names = ranked[name]
            snapshot[name] = [
                {"id": pk, "name": names[pk][1]} for pk in sorted(ids[name], key=names.__getitem__)
            ]
        snapshots[key] = {name: snapshot[name] for name in RELATIONS}
    return snapshots


def record_relations(article_ids: Iterable[int], *, since_version: int | None = None) -> None:
    """Store the relations as saved now on the latest revision of each
    article, or, with ``since_version`` (one article), on each of its
    revisions above that version: the admin records up to two revisions in
    one request (the edit, then a workflow button) before its inlines save
    the authors, and both belong to that same form."""
    ids = list(article_ids)
    history = Article.history.model.objects
    # (revision, article) pairs, in one query.
    if since_version is None:
        revisions = list(
            history.filter(id__in=ids)
            .order_by()
            .values("id")
            .annotate(last=Max("history_id"))
            .values_list("last", "id")
        )
    else:
        revisions = list(
            history.filter(id__in=ids, version__gt=since_version).values_list("history_id", "id")
        )
    if not revisions:
        return
    snapshots = relations_snapshot(ids)
    # One parametrised UPDATE run for every revision: bulk_update() would
    # build a CASE expression with a branch per row, which made this step a
    # third of the WordPress import's time.
    model = Article.history.model
    field = model._meta.get_field("relations")
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(field.column)
    key = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {column} = %s WHERE {key} = %s",  # noqa: S608 - quoted names
            [
                (field.get_db_prep_save(snapshots[article_id], connection), history_id)
                for history_id, article_id in revisions
            ],
        )


def snapshot_on_save(sender, instance, history_instance, **kwargs):
    """pre_create_historical_record: the relations as stored when the
    revision is written. A new article has none yet (its creator records
    them once set) and a deleted one has lost them, so both stay null; nor
    is it taken when the writer is about to change them and record them
    (``record_relations``) itself (``_relations_follow``, the services)."""
    if history_instance.history_type == "~" and not getattr(instance, "_relations_follow", False):
        history_instance.relations = relations_snapshot([instance.pk])[instance.pk]


def connect_signals():
    from simple_history.signals import pre_create_historical_record

    pre_create_historical_record.connect(
        snapshot_on_save, sender=Article.history.model, dispatch_uid="article-revision-relations"
    )


# --- the diff --------------------------------------------------------------------


def _words_diff(old: str, new: str) -> list[Segment]:
    a, b = _WORD_RE.findall(old), _WORD_RE.findall(new)
    segments = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(Segment("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("delete", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment("insert", "".join(b[j1:j2])))
    return segments


def body_diff(old_html: str, new_html: str) -> list[ParagraphChange]:
    """Paragraph by paragraph; a changed paragraph carries a word-level diff."""
    a, b = paragraphs(old_html), paragraphs(new_html)
    changes = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            changes.extend(ParagraphChange("equal", old=p, new=p) for p in a[i1:i2])
        elif op == "delete":
            changes.extend(ParagraphChange("delete", old=p) for p in a[i1:i2])
        elif op == "insert":
            changes.extend(ParagraphChange("insert", new=p) for p in b[j1:j2])
        else:
            olds, news = a[i1:i2], b[j1:j2]
            for k in range(max(len(olds), len(news))):
                o = olds[k] if k < len(olds) else ""
                n = news[k] if k < len(news) else ""
                if o and n:
                    changes.append(ParagraphChange("change", o, n, _words_diff(o, n)))
                elif o:
                    changes.append(ParagraphChange("delete", old=o))
                else:
                    changes.append(ParagraphChange("insert", new=n))
    return changes


def _labels(revisions) -> dict[str, dict]:
    """Names for the related rows the revisions point at, in one query per
    model; a row deleted since shows as "#id (deleted)"."""
    ids = {"section_id": set(), "lead_media_id": set(), "translation_of_id": set()}
    for rev in revisions:
        for name, found in ids.items():
            if getattr(rev, name) is not None:
                found.add(getattr(rev, name))
    return {
        "section_id": dict(
            Category.objects.filter(pk__in=ids["section_id"]).values_list("pk", "name")
        ),
        "lead_media_id": {
            pk: f"Media ID {media_id or pk}"
            for pk, media_id in MediaAsset.objects.filter(pk__in=ids["lead_media_id"]).values_list(
                "pk", "media_id"
            )
        },
        "translation_of_id": dict(
            Article.objects.filter(pk__in=ids["translation_of_id"]).values_list("pk", "headline")
        ),
    }


def _display(rev, name: str, labels: dict) -> str:
    value = getattr(rev, name)
    if value is None or value == "":
        return ""
    if name in labels:
        return labels[name].get(value, f"#{value} (deleted)")
    if name == "status":
        return Article.Status(value).label
    if name == "language":
        return rev.get_language_display()
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).strftime("%d %b %Y %H:%M")
    return str(value)


def revision_diff(old, new) -> list[FieldChange]:
    """The fields that differ between two revisions of one article."""
    labels = _labels([old, new])
    changes = []
    for name in DIFF_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before == after:
            continue
        label = Article._meta.get_field(name.removesuffix("_id")).verbose_name
        change = FieldChange(
            name, label.capitalize(), _display(old, name, labels), _display(new, name, labels)
        )
        if name == "body":
            change.old, change.new = "", ""
            change.paragraphs = body_diff(before, after)
        changes.append(change)
    return changes + relation_diff(old, new)


def relation_diff(old, new) -> list[FieldChange]:
    """Authors, categories and tags added or removed between two revisions
    (and a new byline order); nothing when either revision has no snapshot."""
    if old.relations is None or new.relations is None:
        return []
    changes = []
    for name in RELATIONS:
        before, after = old.relations.get(name, []), new.relations.get(name, [])
        before_ids, after_ids = [i["id"] for i in before], [i["id"] for i in after]
        added = [i["name"] for i in after if i["id"] not in before_ids]
        removed = [i["name"] for i in before if i["id"] not in after_ids]
        # Only the authors' order means something (the byline).
        kept_before = [pk for pk in before_ids if pk in after_ids]
        kept_after = [pk for pk in after_ids if pk in before_ids]
        reordered = name == "authors" and kept_before != kept_after
        if not (added or removed or reordered):
            continue
        label = Article._meta.get_field(name).verbose_name.capitalize()
        changes.append(
            FieldChange(
                name,
                label,
                ", ".join(i["name"] for i in before),
                ", ".join(i["name"] for i in after),
                added=added,
                removed=removed,
                reordered=reordered,
            )
        )
    return changes
