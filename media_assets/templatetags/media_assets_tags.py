"""``{% picture %}`` and ``|render_figures``: how templates show photos.

First use in a template never renders an image. A page view that encoded
fifteen files would be slow, would write to storage on a GET, and would stampede
when a cold page is hit by many readers at once. Instead the tag uses the
renditions that exist (generated after upload, or by ``regenerate_renditions``)
and, for a spec that has none yet, falls back to the original file with the
spec's display size in width/height. Code that needs a rendition to exist calls
``asset.get_rendition(spec, fmt)``, which makes it (race-safe).

Reads only prefetched renditions when the asset came from
``MediaAsset.objects.prefetch_renditions()`` (or a ``Prefetch`` of
``renditions``); otherwise costs one query per asset.
"""

from __future__ import annotations

from django import template
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from media_assets.figures import render_figures as _render_figures
from media_assets.imaging import RenditionSpec
from media_assets.models import MediaAsset
from media_assets.renditions import fallback_format, resolve_spec, srcset_ladder
from media_assets.validation import FORMATS

register = template.Library()

# <source> order matters: the browser takes the first type it supports.
SOURCE_ORDER = ("AVIF", "WEBP")
LOADING_VALUES = {"lazy", "eager"}


@register.simple_tag
def picture(asset: MediaAsset | None, spec: str = "large", **options) -> SafeString:
    """``{% picture asset "large" sizes="(max-width: 800px) 100vw, 800px" loading="eager" %}``

    Options: ``sizes``, ``loading`` (``lazy`` unless ``eager``), ``alt`` (else
    the asset's alt text), ``class``, ``fetchpriority``, ``placeholder`` (True:
    a neutral box instead of nothing when the photo cannot be shown). An asset
    whose rights expired, or without a file, renders nothing.
    """
    if asset is None or not asset.file or asset.rights_expired:
        if options.get("placeholder"):
            return get_template("media_assets/placeholder.html").render({})
        return mark_safe("")  # noqa: S308 - a constant empty string
    try:
        wanted = resolve_spec(spec)
    except KeyError as exc:
        raise template.TemplateSyntaxError(str(exc)) from exc
    return get_template("media_assets/picture.html").render(
        picture_context(asset, wanted, **options)
    )


def picture_context(asset: MediaAsset, wanted: RenditionSpec, **options) -> dict:
    """What ``media_assets/picture.html`` needs, from the asset's renditions."""
    renditions = {(r.spec, r.format): r for r in asset.renditions.all()}
    fallback = fallback_format(asset)
    # A srcset of widths: every plain width spec up to the wanted one.
    ladder = srcset_ladder(wanted)

    def srcset(fmt: str) -> str:
        seen: dict[int, str] = {}
        for spec in ladder:
            rendition = renditions.get((spec.name, fmt))
            if rendition is not None and rendition.width not in seen:
                seen[rendition.width] = f"{rendition.url} {rendition.width}w"
        return ", ".join(seen.values())

    main = renditions.get((wanted.name, fallback))
    if main is not None:
        src, width, height = main.url, main.width, main.height
    else:
        src = asset.file.url
        width, height = _display_size(asset, wanted)
    sources = [
        {"type": FORMATS[fmt][0], "srcset": value}
        for fmt in SOURCE_ORDER
        if fmt != fallback and (value := srcset(fmt))
    ]
    img_srcset = srcset(fallback) if main is not None else ""
    loading = options.get("loading", "lazy")
    return {
        "asset": asset,
        "sources": sources if main is not None else [],
        "src": src,
        # One candidate says nothing that src does not.
        "srcset": img_srcset if "," in img_srcset else "",
        "sizes": options.get("sizes")
        or (f"(max-width: {width}px) 100vw, {width}px" if width else ""),
        "width": width,
        "height": height,
        "alt": options.get("alt", asset.alt_text),
        "loading": loading if loading in LOADING_VALUES else "lazy",
        "css_class": options.get("class", ""),
        "fetchpriority": options.get("fetchpriority", ""),
    }


@register.filter(is_safe=True)
def render_figures(html: str, mode: str = "") -> SafeString:
    """``{{ article.body|render_figures }}``: body figures with the photo's
    current picture, caption and credit. ``|render_figures:"preview"`` also
    shows (flagged) photos whose rights expired, for staff previews.

    Only for HTML that was sanitised when saved (article bodies are).
    """
    return mark_safe(_render_figures(str(html or ""), public_only=mode != "preview"))  # noqa: S308


def _display_size(asset: MediaAsset, spec: RenditionSpec) -> tuple[int | None, int | None]:
    """The size a rendition of ``spec`` will have, computed from the original's."""
    if not asset.width or not asset.height:
        return None, None
    if spec.crop and spec.height:
        shrink = min(1.0, asset.width / spec.width, asset.height / spec.height)
        return max(1, round(spec.width * shrink)), max(1, round(spec.height * shrink))
    shrink = min(1.0, spec.width / asset.width)
    if spec.height:
        shrink = min(shrink, spec.height / asset.height)
    return max(1, round(asset.width * shrink)), max(1, round(asset.height * shrink))
