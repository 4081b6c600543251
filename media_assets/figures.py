"""Body figures: ``<figure data-media-id="N">…</figure>`` in sanitised HTML,
rendered with the photo's *current* picture, caption and credit, so a corrected
credit shows everywhere at once.

All figures of a body cost two queries together (the assets, their
renditions), however many there are; a body without figures costs none.
"""

from __future__ import annotations

import re

from django.template.loader import get_template

from media_assets.models import MediaAsset

# A figure that names a Media ID, up to its closing tag. Figures do not nest in
# our bodies; the quantifiers are bounded by '>' and the lazy close, so the
# work stays linear in practice on sanitised HTML.
FIGURE_RE = re.compile(
    r"<figure\b[^>]*?\bdata-media-id\s*=\s*[\"']?(\d{1,19})[\"']?[^>]*>.*?</figure\s*>",
    re.IGNORECASE | re.DOTALL,
)
MEDIA_ID_RE = re.compile(r"\bdata-media-id\s*=\s*[\"']?(\d{1,19})", re.IGNORECASE)


def referenced_media_ids(html: str) -> list[int]:
    """Media IDs named by figures in ``html``, in order of first appearance."""
    seen: dict[int, None] = {}
    for match in MEDIA_ID_RE.finditer(html or ""):
        seen.setdefault(int(match.group(1)), None)
    return list(seen)


def render_figures(html: str, *, public_only: bool = True, spec: str = "large") -> str:
    """Replace each ``<figure data-media-id="N">…</figure>`` in ``html``.

    - A known, shown asset becomes ``media_assets/figure.html``: ``{% picture %}``
      plus a ``<figcaption>`` with its caption and credit.
    - An asset whose rights expired is removed when ``public_only`` (readers see
      nothing), or shown as a flagged note otherwise (staff preview).
    - An unknown Media ID leaves the figure as it was written.

    ``html`` must already be sanitised; the inserted parts are escaped.
    """
    if not html or "data-media-id" not in html:
        return html
    matches = list(FIGURE_RE.finditer(html))
    if not matches:
        return html
    ids = {int(match.group(1)) for match in matches}
    assets = {
        asset.media_id: asset
        for asset in MediaAsset.objects.filter(media_id__in=ids).prefetch_renditions()
    }
    template = get_template("media_assets/figure.html")
    rendered: dict[int, str] = {}
    parts: list[str] = []
    position = 0
    for match in matches:
        parts.append(html[position : match.start()])
        position = match.end()
        media_id = int(match.group(1))
        asset = assets.get(media_id)
        if asset is None:
            parts.append(match.group(0))
            continue
        if asset.rights_expired and public_only:
            continue
        if media_id not in rendered:
            rendered[media_id] = template.render(
                {"asset": asset, "spec": spec, "expired": asset.rights_expired}
            ).strip()
        parts.append(rendered[media_id])
    parts.append(html[position:])
    return "".join(parts)
