"""Turn a WordPress post body into plain HTML with media figures.

``convert_wp_body(html)`` does what WordPress does at render time, as far as an archive needs it:

* ``[caption]`` (and its old alias ``[wp_caption]``) becomes
  ``<figure data-media-id="N"><img …><figcaption>…</figcaption></figure>``. N comes from
  ``id="attachment_N"`` or, failing that, the image's ``wp-image-N`` class. A link wrapped round
  the image (usually to the file on the old site) is dropped; the ``<img>`` is kept as it was.
* Block-editor figures (``<figure …><img class="wp-image-N">…``) get ``data-media-id="N"``.
* ``[gallery ids="1,2,3"]`` becomes ``<div class="gallery">`` with one empty
  ``<figure data-media-id="N"></figure>`` per ID. A gallery without IDs (WordPress would show
  the post's attached images) cannot be resolved from the body and is dropped.
* Any other shortcode tag is dropped and its inner text kept. ``[[name]]`` is WordPress's escape
  and becomes the literal text ``[name]``.
* Block-editor comments (``<!-- wp:… -->``) are removed.
* Classic-editor bodies (those without block comments, as WordPress decides) get ``wpautop``-style
  paragraphs: blank-line separated text becomes ``<p>`` blocks, single newlines ``<br>``, and
  block-level elements are never wrapped. A body already in ``<p>`` tags comes out the same.

To avoid mangling ordinary bracketed text such as "[sic]" or "[1]", a bracketed word counts as a
shortcode only when it is a well-known shortcode name, has ``key=value`` attributes, or has a
closing ``[/name]`` somewhere in the body.

Everything is done with linear-time scans (no nested or unbounded-lookahead regular
expressions), so a hostile body cannot cause catastrophic backtracking. The output is not
sanitised: the HTML sanitiser runs after this.
"""

from __future__ import annotations

import html as html_lib
import re
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["ConvertedBody", "Figure", "convert_wp_body"]


@dataclass(frozen=True, slots=True)
class Figure:
    """A captioned image or gallery slot found in a body, in document order."""

    media_id: int | None  # the WordPress attachment ID, None when the body does not say
    src: str  # the <img> src, "" for gallery slots
    caption: str  # plain text (tags stripped, entities decoded), "" when there is none
    align: str  # "left", "center", "right", "none", "wide", "full" or ""


@dataclass(frozen=True, slots=True)
class ConvertedBody:
    html: str
    figures: list[Figure] = field(default_factory=list)
    stripped_shortcodes: Counter[str] = field(default_factory=Counter)  # name -> occurrences


# Shortcodes from WordPress core and the plugins most often found in news archives. Any other
# name must show itself to be a shortcode (attributes or a closing tag), see the module docstring.
KNOWN_SHORTCODES = frozenset(
    {
        "audio", "caption", "embed", "gallery", "playlist", "video", "wp_caption",
        "contact-form", "contact-form-7", "dailymotion", "facebook", "googlemaps", "instagram",
        "polldaddy", "scribd", "slideshare", "soundcloud", "ted", "tweet", "twitter", "vimeo",
        "youtube",
    }
)  # fmt: skip
_CAPTION_NAMES = frozenset({"caption", "wp_caption"})

# One shortcode tag. Attribute text may not contain brackets (WordPress forbids "]" there too),
# so every match attempt stops at the next bracket and the whole scan stays linear.
_SHORTCODE_RE = re.compile(
    r"\[(?P<open_escape>\[?)(?P<close>/?)(?P<name>[A-Za-z][\w-]*)(?=[\s/\]])"
    r"(?P<attrs>[^\[\]]*?)(?P<self_close>/?)\](?P<close_escape>\]?)"
)
_ATTR_RE = re.compile(
    r"""([\w-]+)\s*=\s*"([^"]*)"(?:\s|$)"""
    r"""|([\w-]+)\s*=\s*'([^']*)'(?:\s|$)"""
    r"""|([\w-]+)\s*=\s*([^\s'"]+)(?:\s|$)"""
    r"""|"([^"]*)"(?:\s|$)|'([^']*)'(?:\s|$)|(\S+)(?:\s|$)"""
)
_IMG_RE = re.compile(r"<img\b[^<>]*>", re.IGNORECASE)
_LINKED_IMG_RE = re.compile(r"<a\b[^<>]*>\s*(<img\b[^<>]*>)\s*</a\s*>", re.IGNORECASE)
_HTML_ATTR_RE = re.compile(r"""([\w:-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)""")
_WP_IMAGE_CLASS_RE = re.compile(r"(?:^|\s)wp-image-(\d+)(?:\s|$)")
_ALIGN_CLASS_RE = re.compile(r"(?:^|\s)align(left|right|center|none|wide|full)(?:\s|$)")
_ATTACHMENT_ID_RE = re.compile(r"attachment_(\d+)")
_FIGURE_TAG_RE = re.compile(r"<figure\b[^<>]*>|</figure\s*>", re.IGNORECASE)
_FIGCAPTION_OPEN_RE = re.compile(r"<figcaption\b[^<>]*>", re.IGNORECASE)
_FIGCAPTION_CLOSE_RE = re.compile(r"</figcaption\s*>", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^<>]*>")
_BLOCK_COMMENT_START_RE = re.compile(r"<!--\s*/?wp:")
_SPACE_RE = re.compile(r"\s+")

# Marks figures made from shortcodes until the figure pass puts them in document order. NUL
# cannot occur in the output: it is removed from the input first (HTML parsers drop it anyway).
_MARK = "\x00"
_MARKED_FIGURE_RE = re.compile(r"<figure\x00(\d+)\x00")

# Block-level elements, as in WordPress's wpautop().
_BLOCK_TAGS = (
    "address|article|aside|blockquote|caption|col|colgroup|dd|details|div|dl|dt|fieldset|"
    "figcaption|figure|footer|form|h[1-6]|header|hgroup|hr|legend|li|main|map|menu|nav|ol|p|"
    "pre|section|summary|table|tbody|td|tfoot|th|thead|tr|ul"
)
_BLOCK_OPEN_RE = re.compile(rf"<(?:{_BLOCK_TAGS})\b[^<>]*>", re.IGNORECASE)
_BLOCK_CLOSE_RE = re.compile(rf"</(?:{_BLOCK_TAGS})\s*>", re.IGNORECASE)
_BLOCK_START_RE = re.compile(rf"</?(?:{_BLOCK_TAGS})\b", re.IGNORECASE)
_PRE_TAG_RE = re.compile(r"<pre\b[^<>]*>|</pre\s*>", re.IGNORECASE)
_PLACEHOLDER_RE = re.compile(r"\x00(\d+)\x00")
_BLANK_LINES_RE = re.compile(r"\n[ \t]*\n\s*")


def convert_wp_body(html: str) -> ConvertedBody:
    """Convert a WordPress ``post_content`` into HTML with ``<figure data-media-id>`` figures.

    Returns the HTML, the figures found (in document order) and how many shortcodes of each name
    were dropped rather than converted. The result still has to be sanitised.
    """
    text = html.replace(_MARK, "").replace("\r\n", "\n").replace("\r", "\n")
    classic = _BLOCK_COMMENT_START_RE.search(text) is None
    if not classic:
        text = _remove_block_comments(text)
    stripped: Counter[str] = Counter()
    shortcode_figures: list[Figure] = []
    text = _convert_shortcodes(text, shortcode_figures, stripped)
    text, figures = _convert_figures(text, shortcode_figures)
    if classic:
        text = _autop(text)
    return ConvertedBody(html=text.strip(), figures=figures, stripped_shortcodes=stripped)


# --- block comments ----------------------------------------------------------------------------


def _remove_block_comments(text: str) -> str:
    parts = []
    position = 0
    while (start := text.find("<!--", position)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break
        end += 3
        if _BLOCK_COMMENT_START_RE.match(text, start):
            parts.append(text[position:start])
            # Drop the line break that followed the comment too, so blocks do not drift apart.
            position = end + 1 if text.startswith("\n", end) else end
        else:
            parts.append(text[position:end])
            position = end
    parts.append(text[position:])
    return "".join(parts)


# --- shortcodes --------------------------------------------------------------------------------


def _convert_shortcodes(text: str, figures: list[Figure], stripped: Counter[str]) -> str:
    tags = list(_SHORTCODE_RE.finditer(text))
    if not tags:
        return text
    shortcode_names = set(KNOWN_SHORTCODES)
    for tag in tags:
        if tag["close"] or "=" in tag["attrs"]:
            shortcode_names.add(tag["name"])

    parts: list[str] = []
    position = 0  # text before this offset has been emitted
    caption: re.Match[str] | None = None  # an open [caption] awaiting its [/caption]
    open_tags: Counter[str] = Counter()
    for tag in tags:
        name = tag["name"]
        if name not in shortcode_names:
            continue
        if caption is not None:
            if name not in _CAPTION_NAMES:
                continue  # left inside the caption text
            if tag["close"]:
                inner = text[caption.end() : tag.start()]
                converted = _caption_html(caption, inner, figures)
                if converted is None:
                    # Nothing to make a figure of: keep the text, as for other dropped shortcodes.
                    stripped[caption["name"]] += 1
                    converted = inner
                parts.append(converted)
                position = tag.end()
                caption = None
                continue
            # A second [caption] before the first was closed: drop the unclosed opener.
            stripped[caption["name"]] += 1
            parts.append(text[caption.end() : tag.start()])
            position = tag.start()
            caption = None

        parts.append(text[position : tag.start()])
        position = tag.end()
        if tag["open_escape"] and tag["close_escape"]:
            parts.append(tag.group()[1:-1])  # [[name]] is printed as [name]
            continue
        if tag["open_escape"]:
            parts.append("[")
        if tag["close"]:
            if open_tags[name]:
                open_tags[name] -= 1
            else:
                stripped[name] += 1  # a stray closing tag
        elif name in _CAPTION_NAMES and not tag["self_close"]:
            caption = tag
        elif name == "gallery" and (ids := _gallery_ids(tag["attrs"])):
            parts.append(_gallery_html(ids, figures))
        else:
            stripped[name] += 1
            if not tag["self_close"]:
                open_tags[name] += 1
        if tag["close_escape"]:
            parts.append("]")

    if caption is not None:
        stripped[caption["name"]] += 1
        position = caption.end()
    parts.append(text[position:])
    return "".join(parts)


def _shortcode_attrs(text: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for match in _ATTR_RE.finditer(text.replace("\u00a0", " ")):
        for name_group in (1, 3, 5):
            if match[name_group]:
                attrs.setdefault(match[name_group].lower(), match[name_group + 1])
                break
    return attrs


def _html_attrs(tag: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for name, value in _HTML_ATTR_RE.findall(tag):
        if value[:1] in "\"'":
            value = value[1:-1]
        attrs.setdefault(name.lower(), html_lib.unescape(value))
    return attrs


def _gallery_ids(attr_text: str) -> list[int]:
    attrs = _shortcode_attrs(attr_text)
    raw = attrs.get("ids") or attrs.get("include") or ""
    return [int(part) for part in raw.split(",") if part.strip().isdigit()]


def _gallery_html(ids: list[int], figures: list[Figure]) -> str:
    slots = []
    for media_id in ids:
        slots.append(f'<figure{_MARK}{len(figures)}{_MARK} data-media-id="{media_id}"></figure>')
        figures.append(Figure(media_id=media_id, src="", caption="", align=""))
    return '<div class="gallery">' + "".join(slots) + "</div>"


def _caption_html(opener: re.Match[str], inner: str, figures: list[Figure]) -> str | None:
    """The <figure> for a [caption], or None when it holds no image."""
    image = _IMG_RE.search(inner)
    if image is None:
        return None
    img_tag = image.group()
    linked = _LINKED_IMG_RE.search(inner)
    if linked is not None and linked.group(1) == img_tag:
        caption_html = inner[: linked.start()] + inner[linked.end() :]
    else:
        caption_html = inner[: image.start()] + inner[image.end() :]

    attrs = _shortcode_attrs(opener["attrs"])
    # Before WordPress 3.4 the caption was an attribute rather than the shortcode's content.
    caption_html = (attrs.get("caption") or caption_html).strip()
    img_attrs = _html_attrs(img_tag)
    media_id = _first_int(_ATTACHMENT_ID_RE, attrs.get("id", "")) or _first_int(
        _WP_IMAGE_CLASS_RE, img_attrs.get("class", "")
    )
    align = attrs.get("align", "").removeprefix("align")
    align = align if align in {"left", "center", "right", "none"} else ""

    opening = f"<figure{_MARK}{len(figures)}{_MARK}"
    if media_id is not None:
        opening += f' data-media-id="{media_id}"'
    if align and align != "none":
        opening += f' class="align{align}"'
    figures.append(
        Figure(
            media_id=media_id,
            src=img_attrs.get("src", ""),
            caption=_plain(caption_html),
            align=align,
        )
    )
    figcaption = f"<figcaption>{caption_html}</figcaption>" if caption_html else ""
    return f"{opening}>{img_tag}{figcaption}</figure>"


def _first_int(pattern: re.Pattern[str], text: str) -> int | None:
    match = pattern.search(text)
    return int(match.group(1)) if match else None


def _plain(fragment: str) -> str:
    return _SPACE_RE.sub(" ", html_lib.unescape(_TAG_RE.sub("", fragment))).strip()


# --- figures -----------------------------------------------------------------------------------


def _convert_figures(text: str, shortcode_figures: list[Figure]) -> tuple[str, list[Figure]]:
    """Number block-editor figures, unmark shortcode figures, and list both in document order."""
    parts: list[str] = []
    figures: list[Figure] = []
    position = 0
    # Innermost figures only: a block-editor gallery is a <figure> of <figure>s.
    stack: list[tuple[re.Match[str], bool]] = []  # (opening tag, has a nested figure)
    innermost: dict[int, tuple[re.Match[str], str]] = {}  # opening offset -> (tag, content)
    for tag in _FIGURE_TAG_RE.finditer(text):
        if not tag.group().startswith("</"):
            if stack:
                stack[-1] = (stack[-1][0], True)
            stack.append((tag, False))
        elif stack:
            opening, has_nested = stack.pop()
            if not has_nested:
                innermost[opening.start()] = (opening, text[opening.end() : tag.start()])

    for tag in _FIGURE_TAG_RE.finditer(text):
        if tag.group().startswith("</"):
            continue
        marked = _MARKED_FIGURE_RE.match(tag.group())
        if marked is not None:
            figures.append(shortcode_figures[int(marked.group(1))])
            parts.append(text[position : tag.start()])
            parts.append("<figure" + tag.group()[marked.end() :])
            position = tag.end()
        elif tag.start() in innermost:
            figure = _block_figure(tag.group(), innermost[tag.start()][1])
            if figure is None:
                continue
            figures.append(figure)
            if figure.media_id is not None and "data-media-id" not in tag.group():
                parts.append(text[position : tag.start()])
                parts.append(f'<figure data-media-id="{figure.media_id}"{tag.group()[7:]}')
                position = tag.end()
    parts.append(text[position:])
    return "".join(parts), figures


def _block_figure(opening: str, content: str) -> Figure | None:
    image = _IMG_RE.search(content)
    if image is None:
        return None  # tables, embeds, quotes: not media
    img_attrs = _html_attrs(image.group())
    figure_attrs = _html_attrs(opening)
    caption = ""
    # Two plain searches rather than one lazy ".*?" pattern, which is quadratic on a body full
    # of unclosed <figcaption> tags.
    if (caption_open := _FIGCAPTION_OPEN_RE.search(content)) is not None:
        caption_close = _FIGCAPTION_CLOSE_RE.search(content, caption_open.end())
        end = caption_close.start() if caption_close else len(content)
        caption = _plain(content[caption_open.end() : end])
    align = _ALIGN_CLASS_RE.search(figure_attrs.get("class", ""))
    media_id = _first_int(_WP_IMAGE_CLASS_RE, img_attrs.get("class", ""))
    if media_id is None and figure_attrs.get("data-media-id", "").isdigit():
        media_id = int(figure_attrs["data-media-id"])
    return Figure(
        media_id=media_id,
        src=img_attrs.get("src", ""),
        caption=caption,
        align=align.group(1) if align else "",
    )


# --- paragraphs --------------------------------------------------------------------------------


def _autop(text: str) -> str:
    """A small ``wpautop``: wrap blank-line separated text in <p>, leave block elements alone."""
    if not text.strip():
        return ""
    text, preformatted = _protect_pre(text)
    # Line breaks inside a tag are not line breaks in the text.
    text = _TAG_RE.sub(lambda match: match.group().replace("\n", " "), text)
    text = _BLOCK_OPEN_RE.sub(lambda match: "\n\n" + match.group(), text)
    text = _BLOCK_CLOSE_RE.sub(lambda match: match.group() + "\n\n", text)

    blocks = []
    for chunk in _BLANK_LINES_RE.split(text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if _BLOCK_START_RE.match(chunk) or chunk.startswith(_MARK) or _is_comment(chunk):
            blocks.append(chunk)
            continue
        # Block closing tags at the end of inline text ("…</li>") stay outside the paragraph.
        end = len(chunk)
        while end and chunk[end - 1] == ">":
            start = chunk.rfind("</", 0, end)
            if start < 0 or not _BLOCK_CLOSE_RE.fullmatch(chunk, start, end):
                break
            end = start
            while end and chunk[end - 1].isspace():
                end -= 1
        if end:
            paragraph = chunk[:end].replace("\n", "<br>\n")
            blocks.append(f"<p>{paragraph}</p>{chunk[end:].lstrip()}")
        else:
            blocks.append(chunk)
    return _PLACEHOLDER_RE.sub(lambda match: preformatted[int(match.group(1))], "\n".join(blocks))


def _is_comment(chunk: str) -> bool:
    return chunk.startswith("<!--") and chunk.endswith("-->")


def _protect_pre(text: str) -> tuple[str, list[str]]:
    """Swap each <pre>…</pre> for a placeholder so that its line breaks survive."""
    parts: list[str] = []
    blocks: list[str] = []
    position = 0
    opening: re.Match[str] | None = None
    for tag in _PRE_TAG_RE.finditer(text):
        if not tag.group().startswith("</"):
            opening = opening or tag
        elif opening is not None:
            parts.append(text[position : opening.start()])
            parts.append(f"\n\n{_MARK}{len(blocks)}{_MARK}\n\n")
            blocks.append(text[opening.start() : tag.end()])
            position = tag.end()
            opening = None
    parts.append(text[position:])
    return "".join(parts), blocks
