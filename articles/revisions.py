"""Reading revisions: a field-by-field diff between two historical rows.

Revisions themselves are written by django-simple-history on every
``Article.save()`` (see ``Article.history``). This module only compares them;
the result is plain data that the admin template escapes.
"""

import difflib
import re
from dataclasses import dataclass, field

from django.utils import timezone

from articles.html import paragraphs
from articles.models import Article, Category
from media_assets.models import MediaAsset

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
    name: str
    label: str
    old: str
    new: str
    paragraphs: list[ParagraphChange] | None = None


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
    return changes
