"""Articles as NDJSON: one JSON object per line, each article with its
section (and the section's parents), categories, tags, authors and media
(lead photo and body figures) inline, so that every line stands alone.

``export_articles(out, since=…)`` streams (``.iterator()`` in chunks, one
prefetch per chunk), so memory does not grow with the archive.
``import_articles(lines)`` reads such a file into a database: sections,
tags, authors and media are matched by slug / Media ID (created when
missing); articles by (legacy_source, legacy_id) when they have one, else by
(slug, headline, publish time). An article that is already there is left
as it is (counted "unchanged"): this is a restore/migration path, not a
sync. Each article is written in its own transaction (savepoint) and a bad
line is reported with its number; a second import creates nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from django.db import transaction
from django.utils.dateparse import parse_datetime

from articles.models import Article, ArticleAuthor, Author, Category, Tag
from media_assets.models import MediaAsset

FORMAT_VERSION = 1
CHUNK = 500
MEDIA_FIELDS = (
    "media_id", "title", "caption", "credit", "agency", "photographer", "copyright",
    "is_file_photo", "alt_text", "keywords", "focal_x", "focal_y", "source_url",
    "original_filename", "mime_type", "width", "height", "file_size", "sha256",
)  # fmt: skip
ARTICLE_FIELDS = (
    "headline", "slug", "dek", "body", "byline", "language", "lead_caption", "status",
    "seo_title", "seo_description", "legacy_source", "legacy_id", "legacy_url",
)  # fmt: skip
DATE_FIELDS = ("publish_at", "expires_at", "first_published_at", "created_at", "updated_at")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _media(asset: MediaAsset | None) -> dict[str, Any] | None:
    if asset is None:
        return None
    data = {name: getattr(asset, name) for name in MEDIA_FIELDS}
    data["date_taken"] = _iso(asset.date_taken)
    data["rights_expire_at"] = _iso(asset.rights_expire_at)
    data["file"] = asset.file.name or ""
    return data


def _category(category: Category) -> dict[str, Any]:
    chain = []
    node = category
    while node is not None:  # section_parent is select_related two levels deep
        chain.append(
            {"slug": node.slug, "name": node.name, "description": node.description,
             "position": node.position}
        )  # fmt: skip
        node = node.parent
    return {**chain[0], "parents": chain[1:][::-1]}


def article_record(article: Article, figures: dict[int, MediaAsset]) -> dict[str, Any]:
    data: dict[str, Any] = {"format": FORMAT_VERSION, "id": article.pk}
    data.update({name: getattr(article, name) for name in ARTICLE_FIELDS})
    data.update({name: _iso(getattr(article, name)) for name in DATE_FIELDS})
    data["url"] = article.get_absolute_url()
    data["section"] = _category(article.section)
    data["categories"] = [_category(c) for c in article.categories.all()]
    data["tags"] = [{"slug": t.slug, "name": t.name} for t in article.tags.all()]
    data["authors"] = [
        {"slug": link.author.slug, "name": link.author.name, "bio": link.author.bio}
        for link in article.article_authors.all()
    ]
    data["lead_media"] = _media(article.lead_media)
    data["figures"] = [_media(figures[m]) for m in _figure_ids(article.body) if m in figures]
    return data


def _figure_ids(body: str) -> list[int]:
    from articles.importers.wordpress import _FIGURE_ID_RE

    return list(dict.fromkeys(int(m.group(2)) for m in _FIGURE_ID_RE.finditer(body or "")))


def iter_export(*, since: datetime | None = None) -> Iterator[dict[str, Any]]:
    """Every article (all statuses: an export is a backup), oldest id first;
    ``since`` keeps those updated at or after it."""
    queryset = (
        Article.objects.select_related("section__parent__parent", "lead_media")
        .prefetch_related("tags", "categories__parent__parent", "article_authors__author")
        .order_by("pk")
    )
    if since is not None:
        queryset = queryset.filter(updated_at__gte=since)
    chunk: list[Article] = []
    for article in queryset.iterator(chunk_size=CHUNK):
        chunk.append(article)
        if len(chunk) >= CHUNK:
            yield from _records(chunk)
            chunk = []
    yield from _records(chunk)


def _records(chunk: list[Article]) -> Iterator[dict[str, Any]]:
    wanted = {m for article in chunk for m in _figure_ids(article.body)}
    figures = {a.media_id: a for a in MediaAsset.objects.filter(media_id__in=wanted)}
    for article in chunk:
        yield article_record(article, figures)


def export_articles(out: IO[str], *, since: datetime | None = None) -> int:
    """Write one JSON line per article to ``out``; return how many."""
    n = 0
    for record in iter_export(since=since):
        out.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        n += 1
    return n


# --- import ------------------------------------------------------------------------------------


@dataclass
class NdjsonReport:
    created: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def import_articles(lines: Iterable[str], *, dry_run: bool = False) -> NdjsonReport:
    """Create or update the articles of an NDJSON export (see module doc)."""
    report = NdjsonReport()
    with transaction.atomic():
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                with transaction.atomic():
                    outcome = _import_one(json.loads(line))
            except Exception as exc:  # the line's own problem, reported with its number
                report.errors.append(f"Line {number}: {type(exc).__name__}: {exc}")
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _get_category(data: dict[str, Any]) -> Category:
    parent = None
    for node in [*data.get("parents", []), data]:
        category, _ = Category.objects.get_or_create(
            slug=node["slug"],
            defaults={"name": node["name"], "description": node.get("description", ""),
                      "position": node.get("position", 0), "parent": parent},
        )  # fmt: skip
        parent = category
    return parent


def _get_media(data: dict[str, Any] | None) -> MediaAsset | None:
    if not data:
        return None
    asset = MediaAsset.objects.filter(media_id=data["media_id"]).first()
    if asset is not None:
        return asset
    values = {name: data.get(name) for name in MEDIA_FIELDS}
    values = {k: v for k, v in values.items() if v is not None}
    for name in ("date_taken", "rights_expire_at"):
        if data.get(name):
            values[name] = parse_datetime(data[name])
    # The file name refers to the exporting site's storage; copy the media
    # folder along with the export for the files to be found.
    asset = MediaAsset(file=data.get("file") or "", **values)
    asset.save()
    return asset


def _import_one(data: dict[str, Any]) -> str:
    if data.get("format") != FORMAT_VERSION:
        raise ValueError(f"unknown format {data.get('format')!r}")
    values = {name: data.get(name) or "" for name in ARTICLE_FIELDS}
    for name in DATE_FIELDS:
        if name != "updated_at":
            values[name] = parse_datetime(data[name]) if data.get(name) else None
    if values["created_at"] is None:
        values.pop("created_at")
    values["section"] = _get_category(data["section"])
    values["lead_media"] = _get_media(data.get("lead_media"))
    for figure in data.get("figures", []):
        _get_media(figure)
    categories = [_get_category(c) for c in data.get("categories", [])]
    tags = [
        Tag.objects.get_or_create(slug=t["slug"], defaults={"name": t["name"]})[0]
        for t in data.get("tags", [])
    ]
    authors = [
        Author.objects.get_or_create(
            slug=a["slug"], defaults={"name": a["name"], "bio": a.get("bio", "")}
        )[0]
        for a in data.get("authors", [])
    ]
    if values["legacy_id"]:
        existing = Article.objects.filter(
            legacy_source=values["legacy_source"], legacy_id=values["legacy_id"]
        ).first()
    else:
        existing = Article.objects.filter(
            slug=values["slug"], publish_at=values["publish_at"], headline=values["headline"]
        ).first()
    if existing is not None:
        return "unchanged"
    article = Article(**values)
    article._change_reason = "Imported from NDJSON"
    article.save()
    ArticleAuthor.objects.bulk_create(
        ArticleAuthor(article=article, author=author, position=i)
        for i, author in enumerate(authors)
    )
    article.tags.set(tags)
    article.categories.set(categories)
    from articles.revisions import record_relations
    from articles.search import reindex_articles

    reindex_articles([article.pk])
    record_relations([article.pk])  # on the revision save() wrote before the relations
    return "created"
