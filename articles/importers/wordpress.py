"""Import a WordPress export (WXR 1.0–1.2): the service behind ``import_wxr``
and the admin's "Import WordPress export" page.

``import_wordpress(path=…, …)`` reads the file with the hardened streaming
reader (``articles.importers.wxr``) and writes categories, tags, authors,
media assets and articles. Its contract:

* **Nothing half-written for a bad file.** The whole file is read once first
  (streaming, so cheap in memory) and a malformed, hostile (DTD, entities) or
  non-WXR file raises ``WxrError`` with its line number before anything is
  written. The file is then read twice more: terms, authors and attachments
  first (so that posts find their featured images and figures whatever the
  order in the file), then posts.
* **One transaction per item.** Each term, author, attachment or article is
  written in its own transaction (savepoint): an item that fails is rolled
  back alone and reported with its WordPress ID and line. New articles are
  written in batches (one bulk insert per ``batch_size`` articles, for speed);
  if a batch fails it is written again article by article, each in its own
  transaction, so that the failing one is found and reported alone. A run
  killed half-way loses at most the batch in flight; running it again
  completes it with no duplicates.
* **Idempotent.** What was imported is remembered in ``ImportRecord`` keyed by
  (source site, kind, WordPress ID), with a fingerprint of the item as read
  (``source_hash``) and of the object as written (``object_hash``). A second
  run creates nothing; an item whose export changed is updated, unless an
  editor changed the object since the import ("skipped, edited locally") or
  deleted it ("skipped, deleted locally").
* **Scoped by source.** The source is the blog URL of the export
  (``wp:base_blog_url``, else the channel ``link``, else ``wp:base_site_url``,
  which on multisite and WordPress.com is the whole network), without scheme:
  the same blog exported over http and https is one source; two blogs can be
  imported side by side. Articles keep ``legacy_source`` / ``legacy_id``.

Mapping decisions (reported per run):

* Posts become articles. **Pages are skipped** (counted in the report): they
  are "About us" and "Contact" pages, not news, and would pollute feeds,
  archives and sitemaps. Attachments become media assets; nav menu items,
  revisions and custom post types are skipped and counted by type.
* Status: ``publish`` → published; ``future`` → published with a future
  ``publish_at`` (scheduled); ``pending`` → review; ``draft`` → draft;
  ``private`` → draft (it was never public); a published post with a password
  → draft (its text was not public either); ``auto-draft`` and ``trash`` are
  skipped.
* Dates: ``post_date_gmt`` is preferred; a post without it (drafts) gets its
  local ``post_date`` in the site's time zone, learnt from the offset between
  the two dates of the posts before it, else ``settings.TIME_ZONE``.
* Section: the first of the post's categories other than WordPress's default
  "uncategorized"; else ``default_section``; else "uncategorized" (created if
  needed). The other categories become further categories.
* Categories, tags and authors are matched to existing rows by slug (they are
  shared vocabulary); ``author_map`` sends a WordPress login to an existing
  author's slug. A category slug the site uses itself (``/search/``…) gets a
  ``-section`` suffix.
* Media IDs: an attachment keeps its WordPress ID as Media ID unless another
  asset already has it (a second archive with overlapping IDs): then it gets
  a new Media ID, and its figures are rewritten to it. Figures that point at
  an attachment missing from the export lose their ``data-media-id`` (the
  image stays) and are reported.
* Old permalinks: ``link`` is kept as ``legacy_url`` (the 404 fallback
  follows it) and ``link`` and a URL ``guid`` (``/?p=123``) get Redirect rows,
  unless that old path already redirects somewhere else (reported).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import re
import socket
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from articles.html import count_words, sanitize_body, strip_tags
from articles.importers.shortcodes import convert_wp_body
from articles.importers.wxr import (
    WxrAuthor,
    WxrCategory,
    WxrError,
    WxrItem,
    WxrItemBrief,
    WxrSite,
    WxrTag,
    iter_wxr,
)
from articles.models import (
    LANGUAGES,
    RESERVED_SLUGS,
    Article,
    ArticleAuthor,
    Author,
    Category,
    ImportRecord,
    Redirect,
    Tag,
    legacy_path_of,
)
from media_assets.credits import parse_credit_line, split_credit
from media_assets.models import MediaAsset

__all__ = ["ImportOptions", "ImportReport", "WxrError", "import_wordpress", "read_author_map"]

logger = logging.getLogger(__name__)

# Part of every source fingerprint: raising it makes the next run update
# every item it may update (after a change in how items are mapped).
IMPORTER_VERSION = "1"
DEFAULT_BATCH_SIZE = 500
Kind = ImportRecord.Kind

# Outcomes, as counted in the report.
CREATED, UPDATED, UNCHANGED, LINKED = "created", "updated", "unchanged", "linked"
EDITED_LOCALLY, DELETED_LOCALLY = "skipped_edited_locally", "skipped_deleted_locally"
SKIPPED, FAILED = "skipped", "failed"
OUTCOMES = (CREATED, UPDATED, UNCHANGED, LINKED, EDITED_LOCALLY, DELETED_LOCALLY, SKIPPED, FAILED)
OUTCOME_LABELS = {
    CREATED: "created",
    UPDATED: "updated",
    UNCHANGED: "unchanged",
    LINKED: "linked to existing",
    EDITED_LOCALLY: "skipped, edited locally",
    DELETED_LOCALLY: "skipped, deleted locally",
    SKIPPED: "skipped",
    FAILED: "failed",
}
KIND_ORDER = ("author", "category", "tag", "attachment", "article", "redirect", "media_file")

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".gif", ".webp", ".avif"})
UNCATEGORIZED = "uncategorized"

# Remote media (--fetch-media): caps per file.
FETCH_MAX_BYTES = 25 * 1024 * 1024
FETCH_TIMEOUT = 20.0  # seconds, for the whole download
FETCH_MAX_REDIRECTS = 3


class ItemError(Exception):
    """An item that cannot be imported; the message goes into the report."""


# --- options and report ----------------------------------------------------------------------


@dataclass
class ImportOptions:
    media_dir: Path | None = None
    fetch_media: bool = False
    dry_run: bool = False
    author_map: dict[str, str] = field(default_factory=dict)  # login -> Author slug
    default_section: Category | None = None
    user: Any = None  # credited with created media and revisions
    batch_size: int = DEFAULT_BATCH_SIZE
    # Called after every item with the number of post-type items seen so far;
    # the command drives its progress bar with it (and tests "kill" a run).
    progress: Callable[[int], None] | None = None


@dataclass
class ItemProblem:
    kind: str
    wordpress_id: str
    line: int | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "wordpress_id": self.wordpress_id,
            "line": self.line,
            "message": self.message,
        }


@dataclass
class ImportReport:
    """What a run did: counts per kind and outcome, the items that failed
    (errors) or were imported with a caveat (warnings), why items were
    skipped, how statuses were mapped and which shortcodes were stripped."""

    source: str = ""
    site_title: str = ""
    wxr_version: str = ""
    dry_run: bool = False
    counts: dict[str, Counter] = field(default_factory=dict)
    errors: list[ItemProblem] = field(default_factory=list)
    warnings: list[ItemProblem] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)  # reason -> items
    statuses: Counter = field(default_factory=Counter)  # "publish → published" -> posts
    stripped_shortcodes: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    # Lists of problems are capped so that a broken 100 000-post export does
    # not hold 100 000 messages; the counts stay exact.
    MAX_PROBLEMS = 1000

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += n

    def error(self, kind: str, wordpress_id: Any, line: int | None, message: str) -> None:
        self.count(kind, FAILED)
        if len(self.errors) < self.MAX_PROBLEMS:
            self.errors.append(ItemProblem(kind, str(wordpress_id), line, message))

    def warn(self, kind: str, wordpress_id: Any, line: int | None, message: str) -> None:
        if len(self.warnings) < self.MAX_PROBLEMS:
            self.warnings.append(ItemProblem(kind, str(wordpress_id), line, message))

    def skip(self, kind: str, reason: str) -> None:
        self.count(kind, SKIPPED)
        self.skipped[reason] += 1

    @property
    def failed(self) -> int:
        return sum(counter[FAILED] for counter in self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        ordered = sorted(self.counts, key=lambda k: (KIND_ORDER + (k,)).index(k))
        return {
            "source": self.source,
            "site_title": self.site_title,
            "wxr_version": self.wxr_version,
            "dry_run": self.dry_run,
            "seconds": round(self.seconds, 3),
            "counts": {
                kind: {outcome: self.counts[kind][outcome] for outcome in OUTCOMES}
                for kind in ordered
            },
            "skipped_reasons": dict(sorted(self.skipped.items())),
            "statuses": dict(sorted(self.statuses.items())),
            "stripped_shortcodes": dict(sorted(self.stripped_shortcodes.items())),
            "errors": [problem.as_dict() for problem in self.errors],
            "warnings": [problem.as_dict() for problem in self.warnings],
        }

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)

    def as_text(self, *, verbose: bool = False) -> str:
        data = self.as_dict()
        lines = [
            f"{'DRY RUN — nothing was written. ' if self.dry_run else ''}"
            f"Source: {self.source} ({self.site_title or 'untitled'}, WXR {self.wxr_version})",
        ]
        for kind, counts in data["counts"].items():
            parts = [f"{OUTCOME_LABELS[o]} {n}" for o, n in counts.items() if n]
            lines.append(f"  {kind:<11} " + (", ".join(parts) or "nothing"))
        if self.skipped:
            reasons = data["skipped_reasons"].items()
            lines.append("Skipped: " + ", ".join(f"{r} {n}" for r, n in reasons))
        if self.statuses:
            lines.append("Statuses: " + ", ".join(f"{s} {n}" for s, n in data["statuses"].items()))
        if self.stripped_shortcodes:
            lines.append(
                "Shortcodes stripped (inner text kept): "
                + ", ".join(f"[{s}] {n}" for s, n in data["stripped_shortcodes"].items())
            )
        for title, problems in (("Errors", self.errors), ("Warnings", self.warnings)):
            if not problems:
                continue
            total = self.failed if title == "Errors" else len(problems)
            lines.append(f"{title} ({total}):")
            shown = problems if verbose or title == "Errors" else problems[:20]
            for problem in shown:
                where = f" line {problem.line}" if problem.line else ""
                lines.append(f"  {problem.kind} {problem.wordpress_id}{where}: {problem.message}")
            if len(shown) < len(problems):
                lines.append(f"  … {len(problems) - len(shown)} more (see --report-json)")
        lines.append(f"Took {self.seconds:.1f} s.")
        return "\n".join(lines)


# --- entry point -----------------------------------------------------------------------------


def import_wordpress(*, path: str | Path, options: ImportOptions | None = None) -> ImportReport:
    """Import the WXR file at ``path``; return the report.

    Raises ``WxrError`` (with ``.line``) before writing anything when the file
    is malformed, hostile or not a WXR export. Per-item problems do not raise:
    they are in ``report.errors``. With ``options.dry_run`` everything is done
    inside a transaction that is rolled back, and no file is stored or fetched.
    """
    options = options or ImportOptions()
    started = time.monotonic()
    summary = validate_file(path)
    importer = _Importer(summary, options)
    if options.dry_run:
        with transaction.atomic():
            importer.run(path)
            transaction.set_rollback(True)
    else:
        importer.run(path)
    importer.report.seconds = time.monotonic() - started
    return importer.report


@dataclass
class FileSummary:
    site: WxrSite
    records: int  # everything after the site header
    items: int
    attachments: int
    last_vocabulary: int  # position of the last author, category or tag (0: none)


def validate_file(path: str | Path) -> FileSummary:
    """Read the whole file once; raise ``WxrError`` if any of it is bad.

    Returns what the later passes need to know to stop early."""
    site = None
    records = items = attachments = last_vocabulary = 0
    for record in iter_wxr(path, brief=True):
        if isinstance(record, WxrSite):
            site = record
            continue
        records += 1
        if isinstance(record, WxrItemBrief):
            items += 1
            attachments += record.post_type == "attachment"
        else:
            last_vocabulary = records
    assert site is not None  # iter_wxr always yields the site or raises
    return FileSummary(site, records, items, attachments, last_vocabulary)


def source_key(site: WxrSite) -> str:
    """``example.com/blog`` for an export of http(s)://example.com/blog/."""
    for url in (site.base_blog_url, site.link, site.base_site_url):
        parts = urlsplit(url.strip())
        if parts.netloc:
            return (parts.netloc.lower() + parts.path.rstrip("/"))[:200]
    title = slugify(site.title, allow_unicode=True) or "untitled"
    return f"wxr:{title}"[:200]


def read_author_map(text: str) -> dict[str, str]:
    """``login,author_slug`` lines (an optional header ``login,…`` is skipped)."""
    import csv
    import io

    mapping = {}
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not row[0].strip() or row[0].strip().startswith("#"):
            continue
        if number == 1 and row[0].strip().lower() in {"login", "wp_login", "wordpress_login"}:
            continue
        if len(row) < 2 or not row[1].strip():
            raise ValueError(f"Author map line {number}: expected login,author_slug.")
        mapping[row[0].strip()] = row[1].strip()
    return mapping


# --- helpers ---------------------------------------------------------------------------------


def _fingerprint(*values: Any) -> str:
    return hashlib.sha1(
        json.dumps(values, default=str, ensure_ascii=False).encode(), usedforsecurity=False
    ).hexdigest()


def _utc(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat() if value else ""


def _plain(value: str) -> str:
    return strip_tags(value or "")


def _slug(raw: str, fallback: str, max_length: int) -> str:
    # WordPress stores non-ASCII slugs percent-encoded ("%e8%bf%9c").
    slug = slugify(unquote(raw or ""), allow_unicode=True)[:max_length].strip("-")
    if not slug:
        slug = slugify(fallback, allow_unicode=True)[:max_length].strip("-")
    return slug


def _fit(model, field_name: str, value: str) -> str:
    return value[: model._meta.get_field(field_name).max_length]


def _language(site_language: str) -> str:
    code = (site_language or "").split("-")[0].split("_")[0].lower()
    known = {code for code, _name in LANGUAGES}
    if code in known:
        return code
    default = settings.LANGUAGE_CODE.split("-")[0]
    return default if default in known else "en"


def _is_url(value: str) -> bool:
    value = value or ""
    if value.startswith(("http://", "https://")):  # what urlsplit would say, sooner
        return True
    return urlsplit(value).scheme in ("http", "https")


def _article_fingerprint(article: Article, tag_ids, category_ids, author_ids) -> str:
    return _fingerprint(
        article.headline, article.slug, article.dek, article.body, article.status,
        _utc(article.publish_at), article.section_id, article.lead_media_id,
        article.language, article.legacy_url, sorted(tag_ids), sorted(category_ids),
        list(author_ids),
    )  # fmt: skip


def _stored_article_fingerprint(article: Article) -> str:
    return _article_fingerprint(
        article,
        article.tags.values_list("pk", flat=True),
        article.categories.values_list("pk", flat=True),
        ArticleAuthor.objects.filter(article=article)
        .order_by("position", "id")
        .values_list("author_id", flat=True),
    )


def _asset_fingerprint(asset: MediaAsset) -> str:
    return _fingerprint(
        asset.title, asset.caption, asset.credit, asset.agency, asset.photographer,
        asset.alt_text, asset.is_file_photo,
    )  # fmt: skip


def _category_fingerprint(category: Category) -> str:
    return _fingerprint(category.name, category.slug, category.parent_id, category.description)


def _tag_fingerprint(tag: Tag) -> str:
    return _fingerprint(tag.name, tag.slug)


def _author_fingerprint(author: Author) -> str:
    return _fingerprint(author.name, author.slug)


def _derive_article_fields(article: Article) -> None:
    """What ``Article.save()`` derives, for rows written with bulk_create
    (which skips save()). Keep in step with Article.save()."""
    article.body = sanitize_body(article.body)
    if article.status == Article.Status.PUBLISHED:
        if article.publish_at is None:
            article.publish_at = timezone.now()
        if article.first_published_at is None:
            article.first_published_at = article.publish_at
    article.word_count = count_words(article.body)
    article.legacy_path = legacy_path_of(article.legacy_url)


_FIGURE_ID_RE = re.compile(r'(<figure\b[^<>]*?)\s+data-media-id="(\d+)"')


@dataclass
class _PreparedArticle:
    item: WxrItem
    values: dict[str, Any]
    tag_ids: list[int]
    category_ids: list[int]
    author_ids: list[int]
    source_hash: str
    redirect_paths: list[str]

    @property
    def relations_key(self) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """(author IDs, further category IDs, tag IDs)."""
        return tuple(self.author_ids), tuple(self.category_ids), tuple(self.tag_ids)


# --- the importer ----------------------------------------------------------------------------


class _Importer:
    def __init__(self, summary: FileSummary, options: ImportOptions):
        site = summary.site
        self.summary = summary
        self.site = site
        self.options = options
        self.source = source_key(site)
        self.language = _language(site.language)
        self.report = ImportReport(
            source=self.source,
            site_title=site.title,
            wxr_version=site.wxr_version,
            dry_run=options.dry_run,
        )
        # WordPress key -> our primary key, filled as terms, authors and
        # attachments are imported (bounded by the vocabulary and the number of
        # attachments, never by the number of posts).
        self.categories: dict[str, int] = {}
        self.tags: dict[str, int] = {}
        self.authors: dict[str, int] = {}
        self.assets: dict[int, tuple[int, int]] = {}  # attachment ID -> (pk, media_id)
        self.local_offset: timedelta | None = None
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.pending: list[_PreparedArticle] = []
        self.pending_ids: set[str] = set()
        self.items_seen = 0
        self._inserts: _Inserts | None = None

    # -- passes --

    def run(self, path) -> None:
        pending_categories: list[WxrCategory] = []
        # Pass 2: vocabulary, authors and attachments; it stops once it has
        # seen the last of them (in a WordPress export, terms and authors
        # come first, so an export without attachments is hardly read twice).
        position = attachments = 0
        for record in iter_wxr(path):
            if isinstance(record, WxrSite):
                continue
            position += 1
            if position > self.summary.last_vocabulary and attachments >= self.summary.attachments:
                break
            if isinstance(record, WxrAuthor):
                self._item("author", record.login, record.line, self._sync_author, record)
            elif isinstance(record, WxrCategory):
                pending_categories.append(record)
            elif isinstance(record, WxrTag):
                self._item("tag", record.slug, record.line, self._sync_tag, record)
            elif isinstance(record, WxrItem) and record.post_type == "attachment":
                attachments += 1
                self._item("attachment", record.post_id, record.line, self._sync_attachment, record)
        self._sync_categories(pending_categories)
        del pending_categories
        self._load_maps()
        # Pass 3: posts (and the count of everything skipped).
        for record in iter_wxr(path):
            if not isinstance(record, WxrItem):
                continue
            self.items_seen += 1
            if record.post_type == "post":
                self._post(record)
            elif record.post_type != "attachment":
                self.report.skip("other", f"post type “{record.post_type or 'none'}”")
            if self.options.progress is not None:
                self.options.progress(self.items_seen)
        self._flush()

    def _item(self, kind: str, wordpress_id, line, function, *args) -> None:
        """Run ``function`` for one item in its own transaction; count its
        outcome, or roll it back and report the error."""
        try:
            with transaction.atomic():
                outcome = function(*args)
        except ItemError as exc:
            self.report.error(kind, wordpress_id, line, str(exc))
        except ValidationError as exc:
            self.report.error(kind, wordpress_id, line, "; ".join(exc.messages))
        except Exception as exc:  # any database or data error stays this item's problem
            logger.warning("Import of %s %s failed", kind, wordpress_id, exc_info=True)
            self.report.error(kind, wordpress_id, line, f"{type(exc).__name__}: {exc}")
        else:
            if outcome:
                self.report.count(kind, outcome)

    def _record(self, kind: str, legacy_id) -> ImportRecord | None:
        return ImportRecord.objects.filter(
            source=self.source, kind=kind, legacy_id=str(legacy_id)
        ).first()

    def _remember(self, kind, legacy_id, obj_pk, source_hash, object_hash) -> None:
        ImportRecord.objects.update_or_create(
            source=self.source,
            kind=kind,
            legacy_id=str(legacy_id),
            defaults={"object_id": obj_pk, "source_hash": source_hash, "object_hash": object_hash},
        )

    def _sync(self, kind, legacy_id, source_hash, *, model, fingerprint, find, build, apply):
        """The idempotence rule shared by every kind; returns (outcome, object).

        ``find()`` returns an existing row to link to when there is no record
        (a tag with the same slug); ``build()`` makes a new unsaved row;
        ``apply(obj)`` writes the export's values onto a row."""
        record = self._record(kind, legacy_id)
        if record is not None:
            obj = model.objects.filter(pk=record.object_id).first()
            if obj is None:
                return DELETED_LOCALLY, None
            if fingerprint(obj) != record.object_hash:
                return EDITED_LOCALLY, obj
            if record.source_hash == source_hash:
                return UNCHANGED, obj
            apply(obj)
            obj.save()
            self._remember(kind, legacy_id, obj.pk, source_hash, fingerprint(obj))
            return UPDATED, obj
        obj = find()
        outcome = LINKED
        if obj is None:
            obj = build()
            apply(obj)
            obj.save()
            outcome = CREATED
        self._remember(kind, legacy_id, obj.pk, source_hash, fingerprint(obj))
        return outcome, obj

    # -- authors, categories, tags --

    def _author_name(self, author: WxrAuthor) -> str:
        full = f"{author.first_name} {author.last_name}".strip()
        return (author.display_name or full or author.login)[:200]

    def _sync_author(self, author: WxrAuthor) -> str:
        if not author.login:
            raise ItemError("The author has no login.")
        name = self._author_name(author)
        slug = self.options.author_map.get(author.login) or _slug(author.login, name, 200)
        if not slug:
            raise ItemError(f"No usable slug for the author “{author.login}”.")

        def apply(obj):
            obj.name, obj.slug = name, obj.slug or slug

        outcome, obj = self._sync(
            Kind.AUTHOR, author.login, _fingerprint(IMPORTER_VERSION, name, slug),
            model=Author, fingerprint=_author_fingerprint,
            find=lambda: Author.objects.filter(slug=slug).first(),
            build=lambda: Author(slug=slug), apply=apply,
        )  # fmt: skip
        if obj is not None:
            self.authors[author.login] = obj.pk
        return outcome

    def _author_for(self, login: str) -> int | None:
        """The author for a post's ``dc:creator``; one missing from the
        ``wp:author`` list (WXR 1.0) is created from the login."""
        if not login:
            return None
        if login not in self.authors:
            self._item(
                "author", login, None, self._sync_author,
                WxrAuthor(id=None, login=login, email="", display_name="", first_name="",
                          last_name=""),
            )  # fmt: skip
        return self.authors.get(login)

    def _sync_categories(self, categories: list[WxrCategory]) -> None:
        by_nicename = {c.nicename: c for c in categories if c.nicename}
        for category in categories:
            if not category.nicename:
                self.report.error("category", category.term_id or category.name, category.line,
                                  "The category has no slug (nicename).")  # fmt: skip
        # Parents first, whatever the order in the file; a cycle is broken.
        done: set[str] = set()

        def visit(nicename: str, chain: tuple[str, ...] = ()) -> None:
            if nicename in done:
                return
            category = by_nicename[nicename]
            parent = category.parent_nicename
            if parent in by_nicename and parent not in chain:
                visit(parent, (*chain, nicename))
            done.add(nicename)
            self._item("category", nicename, category.line, self._sync_category, category)

        for nicename in by_nicename:
            visit(nicename)

    def _category_slug(self, nicename: str, name: str) -> str:
        slug = _slug(nicename, name, 120)
        if slug in RESERVED_SLUGS:
            slug = f"{slug}-section"
        return slug

    def _sync_category(self, category: WxrCategory) -> str:
        slug = self._category_slug(category.nicename, category.name)
        if not slug:
            raise ItemError("No usable slug for this category.")
        name = (_plain(category.name) or slug)[:120]
        parent_id = self.categories.get(category.parent_nicename)
        if category.parent_nicename and parent_id is None:
            self.report.warn("category", category.nicename, category.line,
                             f"Parent “{category.parent_nicename}” is not in the export; "
                             "made a top-level section.")  # fmt: skip

        def apply(obj):
            obj.name, obj.slug, obj.description = name, obj.slug or slug, category.description
            obj.parent_id = parent_id if parent_id != obj.pk else None

        outcome, obj = self._sync(
            Kind.CATEGORY, category.nicename,
            _fingerprint(IMPORTER_VERSION, name, slug, category.description,
                         category.parent_nicename, parent_id),
            model=Category, fingerprint=_category_fingerprint,
            find=lambda: Category.objects.filter(slug=slug).first(),
            build=Category, apply=apply,
        )  # fmt: skip
        if obj is not None:
            self.categories[category.nicename] = obj.pk
        return outcome

    def _sync_tag(self, tag: WxrTag) -> str:
        slug = _slug(tag.slug, tag.name, 120)
        if not slug:
            raise ItemError("No usable slug for this tag.")
        name = (_plain(tag.name) or slug)[:120]

        def apply(obj):
            obj.name, obj.slug = name, obj.slug or slug

        outcome, obj = self._sync(
            Kind.TAG, tag.slug, _fingerprint(IMPORTER_VERSION, name, slug),
            model=Tag, fingerprint=_tag_fingerprint,
            find=lambda: Tag.objects.filter(slug=slug).first(), build=Tag, apply=apply,
        )  # fmt: skip
        if obj is not None:
            self.tags[tag.slug] = obj.pk
        return outcome

    def _tag_for(self, slug: str, name: str) -> int | None:
        if slug not in self.tags:  # a term used by a post but not declared as wp:tag
            self._item("tag", slug, None, self._sync_tag,
                       WxrTag(term_id=None, slug=slug, name=name, description=""))  # fmt: skip
        return self.tags.get(slug)

    def _category_for(self, nicename: str, name: str) -> int | None:
        if nicename not in self.categories:
            self._item("category", nicename, None, self._sync_category,
                       WxrCategory(term_id=None, nicename=nicename, parent_nicename="",
                                   name=name, description=""))  # fmt: skip
        return self.categories.get(nicename)

    def _load_maps(self) -> None:
        """Everything this source imported before (a resumed or repeated run
        reads its vocabulary and attachments from the records)."""
        records = ImportRecord.objects.filter(source=self.source)
        for kind, target in (
            (Kind.CATEGORY, self.categories),
            (Kind.TAG, self.tags),
            (Kind.AUTHOR, self.authors),
        ):
            for legacy_id, object_id in records.filter(kind=kind).values_list(
                "legacy_id", "object_id"
            ):
                target.setdefault(legacy_id, object_id)
        attachment_pks = dict(
            records.filter(kind=Kind.ATTACHMENT).values_list("object_id", "legacy_id")
        )
        for pk, media_id in (
            MediaAsset.objects.filter(pk__in=list(attachment_pks))
            .values_list("pk", "media_id")
            .iterator(chunk_size=2000)
        ):
            self.assets.setdefault(int(attachment_pks[pk]), (pk, media_id))

    # -- attachments --

    def _sync_attachment(self, item: WxrItem) -> str | None:
        url = item.attachment_url or item.guid
        relative = self._relative_file(item)
        suffix = PurePosixPath(relative or urlsplit(url).path).suffix.lower()
        if suffix and suffix not in IMAGE_EXTENSIONS:
            self.report.skip("attachment", f"not an image ({suffix})")
            return None
        if item.post_id <= 0:
            raise ItemError("The attachment has no valid wp:post_id.")
        caption_text = _plain(item.excerpt)
        parts = split_credit(caption_text) if caption_text else None
        caption = parts.caption if parts else ""
        credit, agency, photographer, is_file = (
            (parts.credit, parts.agency, parts.photographer, parts.is_file_photo)
            if parts
            else ("", "", "", False)
        )
        description = _plain(item.content)
        if not credit and description and len(description) <= 300:
            # WordPress has no credit field; newsrooms put it in the description.
            credit = description
            agency, photographer, is_file = parse_credit_line(credit)
        values = {
            "title": _fit(MediaAsset, "title", _plain(item.title)),
            "caption": caption,
            "credit": _fit(MediaAsset, "credit", credit),
            "agency": _fit(MediaAsset, "agency", agency),
            "photographer": _fit(MediaAsset, "photographer", photographer),
            "is_file_photo": is_file,
            "alt_text": _fit(MediaAsset, "alt_text", _plain(item.alt_text or "")),
            "source_url": _fit(MediaAsset, "source_url", url),
        }
        source_hash = _fingerprint(IMPORTER_VERSION, values)
        record = self._record(Kind.ATTACHMENT, item.post_id)
        file = None

        def apply(obj):
            for name, value in values.items():
                setattr(obj, name, value)

        def build():
            taken = MediaAsset.objects.filter(media_id=item.post_id).exists()
            if taken:
                self.report.warn("attachment", item.post_id, item.line,
                                 f"Media ID {item.post_id} is taken by another asset; "
                                 "a new Media ID was assigned.")  # fmt: skip
            media_id = None if taken else item.post_id
            return MediaAsset(media_id=media_id, uploaded_by=self.options.user)

        if record is None:
            file = self._media_file(item, relative, url)
            if file is not None:
                outcome, asset = self._create_asset_with_file(item, file, values)
                if asset is not None:
                    self._remember(Kind.ATTACHMENT, item.post_id, asset.pk, source_hash,
                                   _asset_fingerprint(asset))  # fmt: skip
                    self.assets[item.post_id] = (asset.pk, asset.media_id)
                    return outcome
        outcome, asset = self._sync(
            Kind.ATTACHMENT, item.post_id, source_hash, model=MediaAsset,
            fingerprint=_asset_fingerprint, find=lambda: None, build=build, apply=apply,
        )  # fmt: skip
        if asset is None:
            return outcome
        self.assets[item.post_id] = (asset.pk, asset.media_id)
        if not asset.file and record is not None:
            # An asset imported without its file: a later run fills it.
            file = self._media_file(item, relative, url)
            if file is not None:
                self._attach_file(item, asset, file)
        return outcome

    def _create_asset_with_file(self, item, file, values):
        from media_assets.services import DuplicateMedia, media_create

        media_id = item.post_id
        if MediaAsset.objects.filter(media_id=media_id).exists():
            self.report.warn("attachment", item.post_id, item.line,
                             f"Media ID {media_id} is taken by another asset; "
                             "a new Media ID was assigned.")  # fmt: skip
            media_id = None
        try:
            with transaction.atomic():
                asset = media_create(
                    file=file, uploaded_by=self.options.user, media_id=media_id, **values
                )
        except DuplicateMedia as exc:
            self.report.warn("attachment", item.post_id, item.line,
                             f"The file is already in the library as Media ID "
                             f"{exc.existing.media_id}; linked to it.")  # fmt: skip
            self.report.count("media_file", LINKED)
            return LINKED, exc.existing
        except ValidationError as exc:
            self.report.count("media_file", FAILED)
            self.report.warn("attachment", item.post_id, item.line,
                             "File refused: " + "; ".join(exc.messages))  # fmt: skip
            return None, None
        self.report.count("media_file", CREATED)
        return CREATED, asset

    def _attach_file(self, item, asset, file) -> None:
        from media_assets.services import DuplicateMedia, media_attach_file

        try:
            with transaction.atomic():
                media_attach_file(asset=asset, file=file)
        except DuplicateMedia as exc:
            self.report.count("media_file", FAILED)
            self.report.warn("attachment", item.post_id, item.line,
                             f"The file is already in the library as Media ID "
                             f"{exc.existing.media_id}.")  # fmt: skip
        except ValidationError as exc:
            self.report.count("media_file", FAILED)
            self.report.warn("attachment", item.post_id, item.line,
                             "File refused: " + "; ".join(exc.messages))  # fmt: skip
        else:
            self.report.count("media_file", UPDATED)

    def _relative_file(self, item: WxrItem) -> str:
        """The file's path below the uploads folder: ``_wp_attached_file``,
        else what follows ``/uploads/`` (or the host) in the attachment URL."""
        if item.attached_file:
            return item.attached_file.strip().lstrip("/")
        path = unquote(urlsplit(item.attachment_url or "").path)
        if "/uploads/" in path:
            return path.split("/uploads/", 1)[1]
        return path.lstrip("/")

    def _media_file(self, item: WxrItem, relative: str, url: str):
        """The attachment's file from --media-dir or --fetch-media, or None."""
        if self.options.dry_run:
            return None
        if self.options.media_dir is not None and relative:
            root = Path(self.options.media_dir).resolve()
            for candidate in (relative, PurePosixPath(relative).name):
                path = (root / candidate).resolve()
                # Never outside --media-dir, whatever "../" the export contains.
                if path.is_relative_to(root) and path.is_file():
                    return File(path.open("rb"), name=path.name)
        if self.options.fetch_media and _is_url(url):
            try:
                data = fetch_remote(url)
            except FetchError as exc:
                self.report.count("media_file", FAILED)
                self.report.warn("attachment", item.post_id, item.line, f"Not fetched: {exc}")
                return None
            return File(BytesIO(data), name=PurePosixPath(urlsplit(url).path).name or "file")
        if self.options.media_dir is not None or self.options.fetch_media:
            self.report.count("media_file", SKIPPED)
            where = relative or url
            self.report.warn("attachment", item.post_id, item.line,
                             f"No file found for “{where}”; imported without it.")  # fmt: skip
        return None

    # -- posts --

    def _post(self, item: WxrItem) -> None:
        try:
            prepared = self._prepare(item)
        except ItemError as exc:
            self.report.error("article", item.post_id, item.line, str(exc))
            return
        if prepared is None:
            return
        if prepared.values["legacy_id"] in self.pending_ids:
            self._flush()  # the same post twice in one file: the second one updates
        self.pending.append(prepared)
        self.pending_ids.add(prepared.values["legacy_id"])
        if len(self.pending) >= self.options.batch_size:
            self._flush()

    def _prepare(self, item: WxrItem) -> _PreparedArticle | None:
        if item.post_id <= 0:
            raise ItemError("The post has no valid wp:post_id.")
        date = self._date(item)
        status = self._status(item, dated=date is not None)
        if status is None:
            return None
        title = _plain(item.title)
        headline = _fit(Article, "headline", title) or "(no title)"
        if len(title) > len(headline):
            message = f"The title is cut to its first {len(headline)} characters."
            self.report.warn("article", item.post_id, item.line, message)
        slug = _slug(item.post_name, headline, 200) or f"post-{item.post_id}"
        converted = convert_wp_body(item.content)
        self.report.stripped_shortcodes.update(converted.stripped_shortcodes)
        body = self._resolve_figures(item, converted.html)

        categories = []
        for nicename, name in (
            (slug_, name) for domain, slug_, name in item.categories if domain == "category"
        ):
            pk = self._category_for(nicename, name)
            if pk is not None and pk not in categories:
                categories.append(pk)
        section_id = self._section(item, categories)
        tag_ids = []
        for tag_slug, name in item.tags:
            pk = self._tag_for(tag_slug, name)
            if pk is not None and pk not in tag_ids:
                tag_ids.append(pk)
        author_id = self._author_for(item.creator)
        lead_media_id = None
        if item.thumbnail_id:
            asset = self.assets.get(item.thumbnail_id)
            if asset is None:
                message = f"Featured image {item.thumbnail_id} is not in the export."
                self.report.warn("article", item.post_id, item.line, message)
            else:
                lead_media_id = asset[0]
        published = status == Article.Status.PUBLISHED
        legacy_url = item.link if _is_url(item.link) else ""
        if not legacy_url and item.guid_is_permalink and _is_url(item.guid):
            legacy_url = item.guid
        values = {
            "headline": headline,
            "slug": slug,
            "dek": _plain(item.excerpt),
            "body": body,
            "status": status,
            "publish_at": date if published else None,
            "created_at": date or timezone.now(),
            "section_id": section_id,
            "lead_media_id": lead_media_id,
            "language": self.language,
            "legacy_source": self.source,
            "legacy_id": str(item.post_id),
            "legacy_url": _fit(Article, "legacy_url", legacy_url),
        }
        # The permalink is served from legacy_url by the 404 fallback (an
        # indexed column, no row needed); other old addresses (the guid,
        # "/?p=123") get Redirect rows.
        redirect_paths = []
        served = ("/", legacy_path_of(legacy_url))
        for url in (item.guid,) if legacy_url == item.link else (item.link, item.guid):
            path = legacy_path_of(url) if _is_url(url) else ""
            if path and path not in served and path not in redirect_paths:
                redirect_paths.append(path)
        other_categories = [pk for pk in categories if pk != section_id]
        author_ids = [author_id] if author_id else []
        source_hash = _fingerprint(
            IMPORTER_VERSION, {k: v for k, v in values.items() if k != "created_at"},
            tag_ids, other_categories, author_ids,
        )  # fmt: skip
        return _PreparedArticle(
            item, values, tag_ids, other_categories, author_ids, source_hash, redirect_paths
        )

    def _status(self, item: WxrItem, *, dated: bool) -> str | None:
        wp_status = item.status or "draft"
        mapping = {
            "publish": Article.Status.PUBLISHED,
            "future": Article.Status.PUBLISHED,
            "pending": Article.Status.REVIEW,
            "draft": Article.Status.DRAFT,
            "private": Article.Status.DRAFT,
        }
        if wp_status in ("auto-draft", "trash"):
            self.report.skip("article", f"status “{wp_status}”")
            return None
        status = mapping.get(wp_status, Article.Status.DRAFT)
        label = f"{wp_status} → {status}"
        if status == Article.Status.PUBLISHED and item.password:
            status = Article.Status.DRAFT
            label = f"{wp_status} with password → draft"
        elif status == Article.Status.PUBLISHED and not dated:
            # Published "now" would put an archive story at the top of the
            # home page; an editor dates it and publishes it instead.
            status = Article.Status.DRAFT
            label = f"{wp_status} without a valid date → draft"
            message = (
                "No valid publication date (wp:post_date, wp:post_date_gmt): "
                "imported as a draft, to be dated and published by an editor."
            )
            self.report.warn("article", item.post_id, item.line, message)
        elif wp_status == "future":
            label = "future → published (scheduled)"
        elif wp_status not in mapping:
            label = f"{wp_status} (unknown) → draft"
        self.report.statuses[label] += 1
        return status

    def _date(self, item: WxrItem) -> datetime | None:
        if item.post_date_gmt is not None:
            if item.post_date is not None:
                self.local_offset = item.post_date - item.post_date_gmt.replace(tzinfo=None)
            return item.post_date_gmt
        if item.post_date is None:
            return None
        if self.local_offset is not None:
            return (item.post_date - self.local_offset).replace(tzinfo=UTC)
        return timezone.make_aware(item.post_date, self.zone)

    def _section(self, item: WxrItem, categories: list[int]) -> int:
        uncategorized = self.categories.get(UNCATEGORIZED)
        for pk in categories:
            if pk != uncategorized:
                return pk
        if self.options.default_section is not None:
            return self.options.default_section.pk
        if uncategorized is None:
            uncategorized = self._category_for(UNCATEGORIZED, "Uncategorized")
        if uncategorized is None:
            raise ItemError("The post has no category; pass a default section.")
        return uncategorized

    def _resolve_figures(self, item: WxrItem, body: str) -> str:
        """Figures name WordPress attachment IDs; point them at our Media IDs."""

        def replace(match: re.Match[str]) -> str:
            asset = self.assets.get(int(match.group(2)))
            if asset is None:
                message = (
                    f"Figure refers to attachment {match.group(2)}, which is not in the "
                    "export; the image is kept without a Media ID."
                )
                self.report.warn("article", item.post_id, item.line, message)
                return match.group(1)
            return f'{match.group(1)} data-media-id="{asset[1]}"'

        return _FIGURE_ID_RE.sub(replace, body)

    def _new_article(self, prepared: _PreparedArticle) -> Article:
        article = Article(**prepared.values)
        article.created_by = article.updated_by = self.options.user
        article._change_reason = "Imported from WordPress"
        return article

    def _sync_article(self, prepared: _PreparedArticle) -> str:
        legacy_id = prepared.values["legacy_id"]
        record = self._record(Kind.ARTICLE, legacy_id)
        if record is None:
            existing = Article.objects.filter(
                legacy_source=self.source, legacy_id=legacy_id
            ).first()
            if existing is not None:  # imported by other means: never overwritten
                self._remember(Kind.ARTICLE, legacy_id, existing.pk, "", "")
                return LINKED
            article = self._new_article(prepared)
            article.save()
            self._write_relations(article, prepared, new=True)
            self._remember_article(article, prepared)
            return CREATED
        article = Article.objects.filter(pk=record.object_id).first()
        if article is None:
            return DELETED_LOCALLY
        if _stored_article_fingerprint(article) != record.object_hash:
            return EDITED_LOCALLY
        if record.source_hash == prepared.source_hash:
            return UNCHANGED
        for name, value in prepared.values.items():
            if name != "created_at":
                setattr(article, name, value)
        article.updated_by = self.options.user
        article._change_reason = "Updated from WordPress"
        article.save()
        self._write_relations(article, prepared, new=False)
        self._remember_article(article, prepared)
        return UPDATED

    def _write_relations(self, article: Article, prepared: _PreparedArticle, *, new: bool):
        from articles.redirects import record_redirect
        from articles.revisions import record_relations
        from articles.search import reindex_articles

        if not new:
            ArticleAuthor.objects.filter(article=article).delete()
        ArticleAuthor.objects.bulk_create(
            ArticleAuthor(article=article, author_id=pk, position=i)
            for i, pk in enumerate(prepared.author_ids)
        )
        article.tags.set(prepared.tag_ids)
        article.categories.set(prepared.category_ids)
        reindex_articles([article.pk])  # bulk_create of authors sends no signal
        record_relations([article.pk])  # on the revision save() just wrote
        for path in prepared.redirect_paths:
            holder = Redirect.objects.filter(old_path=path).values_list("article_id", flat=True)
            if not holder.exists():
                record_redirect(path, article, note="WordPress import")
                self.report.count("redirect", CREATED)
            elif holder.first() != article.pk:
                self.report.count("redirect", SKIPPED)
                self._redirect_taken(prepared, path)

    def _redirect_taken(self, prepared: _PreparedArticle, path: str) -> None:
        self.report.count("redirect", SKIPPED)
        message = f"The old address {path} already redirects elsewhere; left as it is."
        self.report.warn("article", prepared.item.post_id, prepared.item.line, message)

    def _remember_article(self, article: Article, prepared: _PreparedArticle) -> None:
        self._remember(
            Kind.ARTICLE, prepared.values["legacy_id"], article.pk, prepared.source_hash,
            _article_fingerprint(article, prepared.tag_ids, prepared.category_ids,
                                 prepared.author_ids),
        )  # fmt: skip

    # -- batches of new articles --

    def _flush(self) -> None:
        """Write the pending articles: those imported before one by one (each
        is compared with its record), the new ones in one bulk transaction —
        or, if that fails, one by one so that the failing one is isolated."""
        batch, self.pending, self.pending_ids = self.pending, [], set()
        if not batch:
            return
        ids = [prepared.values["legacy_id"] for prepared in batch]
        known = set(
            ImportRecord.objects.filter(
                source=self.source, kind=Kind.ARTICLE, legacy_id__in=ids
            ).values_list("legacy_id", flat=True)
        ) | set(
            Article.objects.filter(legacy_source=self.source, legacy_id__in=ids).values_list(
                "legacy_id", flat=True
            )
        )
        new = [prepared for prepared in batch if prepared.values["legacy_id"] not in known]
        for prepared in batch:
            if prepared.values["legacy_id"] in known or self.options.batch_size <= 1:
                self._item("article", prepared.item.post_id, prepared.item.line,
                           self._sync_article, prepared)  # fmt: skip
        if self.options.batch_size <= 1 or not new:
            return
        try:
            with transaction.atomic():
                self._bulk_create(new)
        except Exception:
            logger.info("Batch of %d articles failed; writing them one by one", len(new))
            for prepared in new:
                self._item("article", prepared.item.post_id, prepared.item.line,
                           self._sync_article, prepared)  # fmt: skip
        else:
            self.report.count("article", CREATED, len(new))

    def _bulk_create(self, batch: list[_PreparedArticle]) -> None:
        """Insert new articles with a few statements per batch: rows, their
        revisions (with their relations snapshot), relations, import records
        and redirects, then the search index and the page cache. Writes what
        ``_sync_article`` writes for each, one article at a time
        (test_import_fast_path.py compares the two)."""
        from articles.archive_months import mark_changed
        from articles.revisions import snapshots_of
        from articles.search import reindex_articles
        from cms.tasks import enqueue_on_commit, purge_public_pages

        if self._inserts is None:
            self._inserts = _Inserts()
        inserts = self._inserts
        now = timezone.now()
        articles, rows = [], []
        for prepared in batch:
            article = self._new_article(prepared)
            _derive_article_fields(article)
            article.updated_at = now  # auto_now, which save() would set
            articles.append(article)
            rows.append(inserts.article.prepare_obj(article))
        inserts.article.execute(rows)
        keys = dict(
            Article.objects.filter(
                legacy_source=self.source, legacy_id__in=[a.legacy_id for a in articles]
            ).values_list("legacy_id", "pk")
        )
        for article in articles:
            article.pk = keys[article.legacy_id]

        # Revisions: the article's row as converted above, its relations
        # (known here, so no UPDATE follows), then what simple-history adds.
        # Many articles share their relations: each set is encoded once.
        relations = [prepared.relations_key for prepared in batch]
        field = inserts.relations
        encoded = {
            key: field.get_db_prep_save(snapshot, connection)
            for key, snapshot in snapshots_of({
                key: {"authors": key[0], "categories": key[1], "tags": key[2]}
                for key in set(relations)
            }).items()
        }  # fmt: skip
        inserts.history.set_others(
            history_date=now, history_change_reason="Imported from WordPress",
            history_type="+", history_user_id=getattr(self.options.user, "pk", None),
        )  # fmt: skip
        inserts.history.execute(
            (article.pk, *row, encoded[key])
            for article, row, key in zip(articles, rows, relations, strict=True)
        )
        del rows, encoded

        authors, tags, categories, records, redirects = [], [], [], [], []
        paths = {path for prepared in batch for path in prepared.redirect_paths}
        taken = set(Redirect.objects.filter(old_path__in=paths).values_list("old_path", flat=True))
        for article, prepared in zip(articles, batch, strict=True):
            pk = article.pk
            authors += [(pk, author, i) for i, author in enumerate(prepared.author_ids)]
            tags += [(pk, tag) for tag in prepared.tag_ids]
            categories += [(pk, category) for category in prepared.category_ids]
            records.append((
                article.legacy_id, pk, prepared.source_hash,
                _article_fingerprint(article, prepared.tag_ids, prepared.category_ids,
                                     prepared.author_ids),
            ))  # fmt: skip
            for path in prepared.redirect_paths:
                if path in taken:
                    self.report.count("redirect", SKIPPED)
                    self._redirect_taken(prepared, path)
                    continue
                taken.add(path)
                redirects.append((path, pk))
        inserts.article_author.execute(authors)
        inserts.tag.execute(tags)
        inserts.category.execute(categories)
        inserts.record.set_others(source=self.source, kind=Kind.ARTICLE, imported_at=now)
        inserts.record.execute(records)
        inserts.redirect.set_others(note="WordPress import", created_at=now)
        inserts.redirect.execute(redirects)
        self.report.count("redirect", CREATED, len(redirects))
        reindex_articles(keys.values())
        mark_changed(article.publish_at for article in articles)  # bulk INSERTs send no signal
        enqueue_on_commit(purge_public_pages)


class _Inserts:
    """The prepared INSERTs of ``_bulk_create``, built once per run. Columns
    not named get the same value on every row of a batch (``set_others``):
    the field's default unless given."""

    def __init__(self):
        from articles.importers.inserts import Insert

        columns = [f.attname for f in Article._meta.concrete_fields if not f.primary_key]
        self.article = Insert(Article, columns)
        history = Article.history.model
        self.history = Insert(history, ["id", *columns, "relations"], others=True)
        self.relations = history._meta.get_field("relations")
        self.article_author = Insert(ArticleAuthor, ["article_id", "author_id", "position"])
        self.tag = Insert(Article.tags.through, ["article_id", "tag_id"])
        self.category = Insert(Article.categories.through, ["article_id", "category_id"])
        self.record = Insert(
            ImportRecord, ["legacy_id", "object_id", "source_hash", "object_hash"], others=True
        )
        self.redirect = Insert(Redirect, ["old_path", "article_id"], others=True)


# --- fetching remote media (--fetch-media) ---------------------------------------------------


class FetchError(Exception):
    pass


def _check_address(host: str, port: int) -> str:
    """Resolve ``host`` and return an address to connect to, or refuse when
    any of its addresses is not a public one (loopback, private, link-local,
    reserved, multicast…): DNS can answer differently on the next lookup, so
    every address must be safe, and the checked one is the one used."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}") from exc
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            raise FetchError(f"{host} resolves to a non-public address ({address})")
        addresses.append(str(address))
    if not addresses:
        raise FetchError(f"cannot resolve {host}")
    return addresses[0]


def fetch_remote(
    url: str, *, max_bytes: int = FETCH_MAX_BYTES, timeout: float = FETCH_TIMEOUT
) -> bytes:
    """Download ``url`` (http or https only) with size, time and redirect
    caps, connecting only to public addresses — checked for every hop of a
    redirect, on the very address connected to. Raises ``FetchError``."""
    import urllib3

    deadline = time.monotonic() + timeout
    for _hop in range(FETCH_MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"refused URL {url!r}: only http(s) URLs are fetched")
        if parts.username or parts.password:
            raise FetchError("refused URL with credentials")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = _check_address(parts.hostname, port)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError("took too long")
        pool_class = (
            urllib3.HTTPSConnectionPool if parts.scheme == "https" else urllib3.HTTPConnectionPool
        )
        extra = (
            {"server_hostname": parts.hostname, "assert_hostname": parts.hostname}
            if parts.scheme == "https"
            else {}
        )
        pool = pool_class(
            address, port=port, timeout=urllib3.Timeout(connect=min(5.0, remaining),
                                                        read=remaining),
            retries=False, maxsize=1, **extra,
        )  # fmt: skip
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
        try:
            response = pool.urlopen(
                "GET", path, headers={"Host": host_header, "User-Agent": "newsroom-cms-import"},
                redirect=False, preload_content=False,
            )  # fmt: skip
        except urllib3.exceptions.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}") from exc
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location", "")
                if not location:
                    raise FetchError(f"HTTP {response.status} without a Location")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise FetchError(f"HTTP {response.status}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"larger than {max_bytes} bytes")
            chunks, size = [], 0
            for chunk in response.stream(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"larger than {max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise FetchError("took too long")
                chunks.append(chunk)
            return b"".join(chunks)
        except urllib3.exceptions.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}") from exc
        finally:
            response.release_conn()
            pool.close()
    raise FetchError("too many redirects")
