"""Body HTML: sanitising and plain-text helpers.

nh3 (Python bindings to the Rust ``ammonia`` sanitiser) is used because it is
allow-list based, parses HTML like a browser does and is fast enough to run on
every save and every imported item. Every path that writes a body (admin, API,
import, demo) goes through ``sanitize_body``.
"""

import html
import re

import nh3

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "u", "s", "sub", "sup",
    "a", "ul", "ol", "li", "blockquote", "q", "cite", "code", "pre", "hr",
    "figure", "figcaption", "img", "table", "thead", "tbody", "tr", "th", "td", "caption",
    "span", "abbr", "time", "div",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "width", "height", "title"},
    "figure": {"data-media-id", "class"},
    "div": {"class"},
    "abbr": {"title"},
    "time": {"datetime"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "*": {"lang", "dir"},
}
# javascript:, data: and other schemes never survive in links or images.
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}

_TAG_RE = re.compile(r"<[^>]{0,2000}>")
_SPACE_RE = re.compile(r"\s+")
_PARAGRAPH_RE = re.compile(r"<p(?:\s[^>]{0,2000})?>(.*?)</p>", re.IGNORECASE | re.DOTALL)


def sanitize_body(value: str) -> str:
    """Return ``value`` with only allow-listed tags, attributes and URL schemes."""
    if not value:
        return ""
    return nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def strip_tags(value: str) -> str:
    """Plain text of an HTML fragment, entities decoded, white space folded."""
    return _SPACE_RE.sub(" ", html.unescape(_TAG_RE.sub(" ", value or ""))).strip()


def count_words(value: str) -> int:
    return len(strip_tags(value).split())


def paragraphs(value: str) -> list[str]:
    """Plain-text paragraphs of a body (for diffs and summaries)."""
    found = [strip_tags(p) for p in _PARAGRAPH_RE.findall(value or "")]
    return [p for p in found if p] or ([strip_tags(value)] if strip_tags(value) else [])
