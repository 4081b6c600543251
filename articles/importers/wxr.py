"""Streaming, hardened reader for WordPress eXtended RSS (WXR 1.0, 1.1 and 1.2) exports.

``iter_wxr(source)`` yields plain frozen dataclasses, in document order:

* one :class:`WxrSite`, as soon as the channel header is known, i.e. just before the first
  author, category, tag or item (or at the end of the channel when it holds none of them);
* then :class:`WxrAuthor`, :class:`WxrCategory`, :class:`WxrTag` and :class:`WxrItem` objects.

Nothing here touches Django; the ``import_wxr`` command drives it.

Safety and resource contract:

* Any DTD is refused with :class:`WxrError` before lxml sees a single byte: the prolog (what comes
  before the root element) is scanned first, and a ``<!DOCTYPE``/``<!ENTITY`` there is an error.
  As a second line of defence the parsed document's ``docinfo`` is checked at the root element.
  lxml itself runs with entity resolution, DTD loading and network access switched off, and with
  libxml2's default size limits (``huge_tree=False``: 10 MB per text node, depth 256).
* Memory stays flat: every top-level element of the channel is cleared, and its earlier siblings
  deleted, once it has been turned into an object. Only one item is ever held in memory.
* Every problem with the file (malformed XML, DTD, not a WXR file) raises :class:`WxrError`, whose
  ``line`` attribute gives the line number when one is known. ``OSError`` from opening or reading
  the file is passed through unchanged.
* Because the reader streams, objects from well before a syntax error have already been yielded
  when the error is raised (libxml2 reads ahead by a few dozen KB, and the first error it logs is
  raised before the next object, so objects just before the error may not be). A caller that
  must write nothing for a broken file runs the iterator to the end once (it is cheap) first.
* Each author, category, tag and item carries ``line``, where its element starts, for reports.

Version check: a WXR file is recognised by ``<wp:wxr_version>`` (matching ``^\\d+\\.\\d+$``, as
WordPress's own importer requires) in ``/rss/channel``. That element belongs to the channel header,
so it is checked when the header ends, which is when the first author, category, tag or item
arrives. A file without it is therefore refused before anything at all is yielded. Only children
of ``/rss/channel`` are read; anything elsewhere is skipped (and freed).

Namespaces are matched by URI, never by prefix. The WordPress export namespace may be any of
``http(s)://wordpress.org/export/1.0/``, ``/1.1/`` or ``/1.2/`` (WordPress.com writes https).
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import IO

from lxml import etree

__all__ = [
    "CONTENT_NAMESPACE",
    "DC_NAMESPACE",
    "EXCERPT_NAMESPACES",
    "WP_NAMESPACES",
    "WxrAuthor",
    "WxrCategory",
    "WxrError",
    "WxrItem",
    "WxrSite",
    "WxrTag",
    "iter_wxr",
]

WP_NAMESPACES = frozenset(
    f"{scheme}://wordpress.org/export/{version}/"
    for scheme in ("http", "https")
    for version in ("1.0", "1.1", "1.2")
)
EXCERPT_NAMESPACES = frozenset(f"{namespace}excerpt/" for namespace in WP_NAMESPACES)
CONTENT_NAMESPACE = "http://purl.org/rss/1.0/modules/content/"
DC_NAMESPACE = "http://purl.org/dc/elements/1.1/"

# Namespace URI -> the conventional prefix used in this module's lookup keys ("wp:post_id").
_PREFIXES = {
    **dict.fromkeys(WP_NAMESPACES, "wp"),
    **dict.fromkeys(EXCERPT_NAMESPACES, "excerpt"),
    CONTENT_NAMESPACE: "content",
    DC_NAMESPACE: "dc",
}

_VERSION_RE = re.compile(r"\d+\.\d+")
_WP_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# What WordPress writes, read without strptime (a fifth of the parse time);
# anything else goes through strptime as before.
_WP_DATETIME_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")

# How much of the file may come before the root element. Real exports have a few KB of comments;
# a longer prolog is refused rather than handed to libxml2 unchecked.
_PROLOG_LIMIT = 1024 * 1024
_READ_SIZE = 64 * 1024

_DTD_MESSAGE = "DTDs are not allowed in WXR files (no DOCTYPE, ENTITY or external references)"


class WxrError(ValueError):
    """The file is not a WXR export this reader accepts. ``line`` is 1-based, or None."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"{message} (line {line})" if line else message)


@dataclass(frozen=True, slots=True)
class WxrSite:
    title: str
    link: str
    base_site_url: str
    base_blog_url: str
    language: str
    wxr_version: str


@dataclass(frozen=True, slots=True)
class WxrAuthor:
    id: int | None  # <wp:author_id>; absent in some 1.1 exports
    login: str
    email: str
    display_name: str
    first_name: str
    last_name: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class WxrCategory:
    term_id: int | None  # absent in WXR 1.0
    nicename: str
    parent_nicename: str  # "" for a top-level category
    name: str
    description: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class WxrTag:
    term_id: int | None  # absent in WXR 1.0
    slug: str
    name: str
    description: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class WxrItem:
    """One ``<item>``: a post, page, attachment, nav menu item or any custom post type.

    Text that WordPress stores verbatim (title, content, excerpt, password, meta values) is kept
    exactly as exported; identifiers, URLs and enumerations are stripped of surrounding space.
    ``post_id`` is 0 when missing or not a number, which the importer should report as an error
    for this item. Dates that are empty, zero (``0000-00-00 00:00:00``) or unparsable are None.
    """

    post_id: int
    post_type: str
    status: str
    title: str
    link: str
    guid: str
    guid_is_permalink: bool
    creator: str  # the author's login (dc:creator)
    content: str
    excerpt: str
    post_name: str
    post_date: datetime | None  # naive, in the site's local time
    post_date_gmt: datetime | None  # aware, UTC
    post_parent: int
    menu_order: int
    is_sticky: bool
    password: str
    # (domain, nicename, name) for every <category> with a nicename attribute. WXR 1.0 also
    # writes a nicename-less copy of each term for old readers; like WordPress, those are skipped.
    categories: list[tuple[str, str, str]] = field(default_factory=list)
    attachment_url: str = ""
    meta: dict[str, str] = field(default_factory=dict)  # wp:postmeta, first value per key
    comments_count: int = 0
    line: int | None = None

    @property
    def thumbnail_id(self) -> int | None:
        """The post ID of the featured image (``_thumbnail_id``), if any."""
        return _to_int(self.meta.get("_thumbnail_id", ""), None)

    @property
    def attached_file(self) -> str | None:
        """An attachment's path below the uploads folder (``_wp_attached_file``)."""
        return self.meta.get("_wp_attached_file")

    @property
    def alt_text(self) -> str | None:
        """An attachment's alternative text (``_wp_attachment_image_alt``)."""
        return self.meta.get("_wp_attachment_image_alt")

    @property
    def tags(self) -> list[tuple[str, str]]:
        """(slug, name) of the item's tags; WXR 1.0 calls the domain ``tag``, later ``post_tag``."""
        return [(slug, name) for domain, slug, name in self.categories if domain in _TAG_DOMAINS]

    @property
    def category_nicenames(self) -> list[str]:
        return [slug for domain, slug, _name in self.categories if domain == "category"]


@dataclass(frozen=True, slots=True)
class WxrItemBrief:
    """An ``<item>`` read by ``iter_wxr(…, brief=True)``: its post type only,
    for a pass that checks the file and counts what is in it."""

    post_type: str
    line: int | None = None


_TAG_DOMAINS = frozenset({"post_tag", "tag"})
_HEADER_KEYS = {
    "title": "title",
    "link": "link",
    "language": "language",
    "wp:wxr_version": "wxr_version",
    "wp:base_site_url": "base_site_url",
    "wp:base_blog_url": "base_blog_url",
}
_VERBATIM_ITEM_KEYS = frozenset({"title", "content:encoded", "excerpt:encoded", "wp:post_password"})

Record = WxrSite | WxrAuthor | WxrCategory | WxrTag | WxrItem


def iter_wxr(
    source: str | os.PathLike[str] | IO[bytes], *, brief: bool = False
) -> Iterator[Record | WxrItemBrief]:
    """Yield the site header, then authors, categories, tags and items of a WXR file.

    ``source`` is a path or a binary file object (it is not closed). See the module docstring for
    the order of objects and the safety contract; every problem with the content raises
    :class:`WxrError`. With ``brief``, items come as :class:`WxrItemBrief` (their post type),
    which is cheaper when only the file's soundness and its counts matter; the XML is read and
    checked all the same.
    """
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as stream:
            yield from _iter_stream(stream, brief=brief)
    else:
        yield from _iter_stream(source, brief=brief)


def _iter_stream(stream: IO[bytes], *, brief: bool = False) -> Iterator[Record | WxrItemBrief]:
    parsers = {**_RECORD_PARSERS, "item": _parse_item_brief} if brief else _RECORD_PARSERS
    head = _read_prolog(stream)
    context = etree.iterparse(
        _Replay(head, stream),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    header: dict[str, str] = {}
    site_sent = False
    channel_seen = False
    depth = 0
    try:
        for event, element in context:
            if event == "start":
                depth += 1
                if depth == 1:
                    _check_root(element)
                elif depth == 2 and element.tag == "channel":
                    channel_seen = True
                continue

            element_depth, depth = depth, depth - 1
            if element_depth == 3 and element.getparent().tag == "channel":
                key = _key(element.tag)
                if key in _HEADER_KEYS:
                    if not site_sent:
                        header.setdefault(_HEADER_KEYS[key], _text(element).strip())
                elif key in parsers:
                    _raise_logged_error(context)
                    if not site_sent:
                        yield _make_site(header, line=element.sourceline)
                        site_sent = True
                    record = parsers[key](element)
                    _release(element)
                    yield record
                    continue
            if element_depth in (2, 3):
                # Children of <rss> and of <channel> are freed as soon as they end; deeper
                # elements go with them. This keeps memory flat whatever the file size.
                _release(element)
        _raise_logged_error(context)
    except etree.XMLSyntaxError as exc:
        _raise_logged_error(context)
        raise WxrError(f"Malformed XML: {exc.msg}", line=exc.lineno or None) from exc
    except etree.LxmlError as exc:  # any other libxml2 failure, still the file's fault
        raise WxrError(f"Unreadable XML: {exc}") from exc

    if not channel_seen:
        raise WxrError("Not a WXR file: there is no <channel> inside <rss>")
    if not site_sent:
        yield _make_site(header, line=None)


def _raise_logged_error(context: etree.iterparse) -> None:
    """Raise the first error libxml2 logged, if any.

    With entity substitution off, lxml does not stop at an undefined entity such as ``&nbsp;``:
    libxml2 stops producing events, and the exception raised later names a wrong place. The
    parser's own log has the real first error and its line, so it is checked before each record.
    """
    errors = context.error_log.filter_from_errors()
    if errors:
        first = errors[0]
        raise WxrError(f"Malformed XML: {first.message}", line=first.line or None)


def _check_root(root: etree._Element) -> None:
    docinfo = root.getroottree().docinfo
    # Second line of defence behind _read_prolog: by the time the root starts, libxml2 has seen
    # any DOCTYPE (it has not expanded or fetched anything, as both are switched off).
    if (
        docinfo.doctype
        or docinfo.internalDTD is not None
        or docinfo.externalDTD is not None
        or docinfo.system_url
        or docinfo.public_id
    ):
        raise WxrError(_DTD_MESSAGE, line=root.sourceline)
    if root.tag != "rss":
        raise WxrError(
            f"Not a WXR file: the root element is <{root.tag}>, expected <rss>",
            line=root.sourceline,
        )


def _make_site(header: dict[str, str], *, line: int | None) -> WxrSite:
    version = header.get("wxr_version", "")
    if not version:
        raise WxrError(
            "Not a WXR file: <wp:wxr_version> is missing from the channel header", line=line
        )
    if not _VERSION_RE.fullmatch(version):
        raise WxrError(f"Not a WXR file: invalid <wp:wxr_version> {version!r}", line=line)
    return WxrSite(
        title=header.get("title", ""),
        link=header.get("link", ""),
        base_site_url=header.get("base_site_url", ""),
        base_blog_url=header.get("base_blog_url", ""),
        language=header.get("language", ""),
        wxr_version=version,
    )


def _release(element: etree._Element) -> None:
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


# --- element readers ---------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _key(tag: object) -> str | None:
    """``{uri}local`` -> ``prefix:local`` for the namespaces we read; None for any other."""
    if not isinstance(tag, str):  # comments, processing instructions
        return None
    if not tag.startswith("{"):
        return tag
    uri, _, local = tag[1:].partition("}")
    prefix = _PREFIXES.get(uri)
    return f"{prefix}:{local}" if prefix else None


def _text(element: etree._Element) -> str:
    if len(element) == 0:
        # lxml joins plain text and any number of CDATA sections into .text.
        return element.text or ""
    # WordPress always escapes or CDATA-wraps values. Child elements mean a hand-made export
    # with raw XHTML inside; keep it as markup rather than silently dropping the tags.
    parts = [element.text or ""]
    for child in element:
        child = copy.deepcopy(child)  # a copy, so that the namespaces in scope can be dropped
        etree.cleanup_namespaces(child)
        parts.append(etree.tostring(child, encoding="unicode", with_tail=True))
    return "".join(parts)


def _children(element: etree._Element) -> dict[str, str]:
    """Text of each known child, stripped, first occurrence wins."""
    values: dict[str, str] = {}
    for child in element:
        key = _key(child.tag)
        if key is not None and key not in values:
            values[key] = _text(child).strip()
    return values


def _to_int(value: str, default: int | None) -> int | None:
    try:
        return int(value.strip())
    except ValueError:
        return default


def _to_datetime(value: str) -> datetime | None:
    value = value.strip()
    if not value or value.startswith("0000-00-00"):
        return None
    try:
        if match := _WP_DATETIME_RE.fullmatch(value):
            return datetime(*map(int, match.groups()))
        return datetime.strptime(value, _WP_DATETIME_FORMAT)
    except ValueError:
        return None


def _parse_author(element: etree._Element) -> WxrAuthor:
    values = _children(element)
    return WxrAuthor(
        id=_to_int(values.get("wp:author_id", ""), None),
        login=values.get("wp:author_login", ""),
        email=values.get("wp:author_email", ""),
        display_name=values.get("wp:author_display_name", ""),
        first_name=values.get("wp:author_first_name", ""),
        last_name=values.get("wp:author_last_name", ""),
        line=element.sourceline,
    )


def _parse_category(element: etree._Element) -> WxrCategory:
    values = _children(element)
    return WxrCategory(
        term_id=_to_int(values.get("wp:term_id", ""), None),
        nicename=values.get("wp:category_nicename", ""),
        parent_nicename=values.get("wp:category_parent", ""),
        name=values.get("wp:cat_name", ""),
        description=values.get("wp:category_description", ""),
        line=element.sourceline,
    )


def _parse_tag(element: etree._Element) -> WxrTag:
    values = _children(element)
    return WxrTag(
        term_id=_to_int(values.get("wp:term_id", ""), None),
        slug=values.get("wp:tag_slug", ""),
        name=values.get("wp:tag_name", ""),
        description=values.get("wp:tag_description", ""),
        line=element.sourceline,
    )


def _parse_item(element: etree._Element) -> WxrItem:
    values: dict[str, str] = {}
    categories: list[tuple[str, str, str]] = []
    meta: dict[str, str] = {}
    comments_count = 0
    guid_is_permalink = True  # the RSS 2.0 default when isPermaLink is absent
    for child in element:
        key = _key(child.tag)
        if key is None:
            continue
        if key == "category":
            nicename = child.get("nicename")
            if nicename is not None:
                categories.append(
                    (child.get("domain", "").strip(), nicename.strip(), _text(child).strip())
                )
        elif key == "wp:postmeta":
            meta_key = meta_value = None
            for part in child:
                part_key = _key(part.tag)
                if part_key == "wp:meta_key" and meta_key is None:
                    meta_key = _text(part).strip()
                elif part_key == "wp:meta_value" and meta_value is None:
                    meta_value = _text(part)
            if meta_key:
                meta.setdefault(meta_key, meta_value or "")
        elif key == "wp:comment":
            comments_count += 1
        elif key not in values:
            if key == "guid":
                guid_is_permalink = child.get("isPermaLink", "true").strip().lower() == "true"
            text = _text(child)
            values[key] = text if key in _VERBATIM_ITEM_KEYS else text.strip()

    post_date_gmt = _to_datetime(values.get("wp:post_date_gmt", ""))
    return WxrItem(
        post_id=_to_int(values.get("wp:post_id", ""), 0),
        post_type=values.get("wp:post_type", ""),
        status=values.get("wp:status", ""),
        title=values.get("title", ""),
        link=values.get("link", ""),
        guid=values.get("guid", ""),
        guid_is_permalink=guid_is_permalink,
        creator=values.get("dc:creator", ""),
        content=values.get("content:encoded", ""),
        excerpt=values.get("excerpt:encoded", ""),
        post_name=values.get("wp:post_name", ""),
        post_date=_to_datetime(values.get("wp:post_date", "")),
        post_date_gmt=post_date_gmt.replace(tzinfo=UTC) if post_date_gmt else None,
        post_parent=_to_int(values.get("wp:post_parent", ""), 0),
        menu_order=_to_int(values.get("wp:menu_order", ""), 0),
        is_sticky=values.get("wp:is_sticky", "") == "1",
        password=values.get("wp:post_password", ""),
        categories=categories,
        attachment_url=values.get("wp:attachment_url", ""),
        meta=meta,
        comments_count=comments_count,
        line=element.sourceline,
    )


def _parse_item_brief(element: etree._Element) -> WxrItemBrief:
    for child in element:
        if _key(child.tag) == "wp:post_type":  # the first one, as _parse_item reads it
            return WxrItemBrief(post_type=_text(child).strip(), line=element.sourceline)
    return WxrItemBrief(post_type="", line=element.sourceline)


_RECORD_PARSERS = {
    "wp:author": _parse_author,
    "wp:category": _parse_category,
    "wp:tag": _parse_tag,
    "item": _parse_item,
}


# --- prolog check ------------------------------------------------------------------------------


class _Replay:
    """A read-only stream that first returns the bytes already consumed by _read_prolog."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = head
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if not self._head:
            return self._stream.read(size)
        if size is None or size < 0:
            data, self._head = self._head + self._stream.read(), b""
        else:
            data, self._head = self._head[:size], self._head[size:]
        return data


def _read_prolog(stream: IO[bytes]) -> bytes:
    """Read up to the root element's ``<`` and refuse any DTD on the way; return what was read.

    This is a whitelist: only an XML declaration, comments, processing instructions and white
    space may precede the root element. Anything else is refused before lxml parses a byte, so
    no DOCTYPE (billion laughs, XXE, external DTD) ever reaches libxml2 through the prolog.
    """
    head = b""
    while True:
        chunk = stream.read(_READ_SIZE)
        if isinstance(chunk, str):
            raise TypeError("iter_wxr() needs a file opened in binary mode")
        head += chunk
        if _prolog_complete(head, at_eof=not chunk):
            return head
        if len(head) > _PROLOG_LIMIT:
            raise WxrError(
                f"Not a WXR file: no root element in the first {_PROLOG_LIMIT // 1024} KB"
            )


def _prolog_complete(head: bytes, *, at_eof: bool) -> bool:
    """True once the root element's start is in ``head``; False if more bytes are needed."""
    text = _decode_prolog(head)
    position = 0
    end = len(text)
    while True:
        while position < end and text[position] in " \t\r\n":
            position += 1
        if position >= end:
            break
        if text.startswith("<?", position):
            close = text.find("?>", position + 2)
            if close < 0:
                break
            position = close + 2
        elif text.startswith("<!--", position):
            close = text.find("-->", position + 4)
            if close < 0:
                break
            position = close + 3
        elif text.startswith("<!", position):
            # <!DOCTYPE, <!ENTITY or any other declaration: none belongs in a WXR file.
            raise WxrError(_DTD_MESSAGE, line=text.count("\n", 0, position) + 1)
        elif text.startswith("<", position):
            return True
        else:
            raise WxrError(
                "Not a WXR file: unexpected content before the root element "
                "(or an encoding other than UTF-8, UTF-16 or an ASCII superset)",
                line=text.count("\n", 0, position) + 1,
            )
    if at_eof:
        raise WxrError("Not a WXR file: no root element" if head else "The file is empty")
    return False


def _decode_prolog(head: bytes) -> str:
    # Only markup characters matter here, so any ASCII-compatible encoding can be read as
    # Latin-1 (which never fails); UTF-16 is recognised by its BOM or by "<" next to a NUL.
    if head[:2] in (b"\xff\xfe", b"<\x00"):
        return head[: len(head) // 2 * 2].decode("utf-16-le", "replace").lstrip("\ufeff")
    if head[:2] in (b"\xfe\xff", b"\x00<"):
        return head[: len(head) // 2 * 2].decode("utf-16-be", "replace").lstrip("\ufeff")
    return head.removeprefix(b"\xef\xbb\xbf").decode("latin-1")
