"""Renditions on storage: find them, make them once, make the standard set.

``media_assets.imaging`` does the pixel work and knows nothing of models; this
module stores its output as ``Rendition`` rows and files.

Race safety: two requests may render the same rendition at once. Each writes
its own uniquely named file, then ``get_or_create`` against the
``rendition_unique_asset_spec_format`` constraint picks one winner; the loser
deletes its file. No duplicate row, no orphan file, no lock held while encoding.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable, Sequence
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.module_loading import import_string
from PIL import Image

from media_assets.imaging import (
    RenditionSpec,
    available_formats,
    default_specs,
    render_formats,
)
from media_assets.models import MediaAsset, Rendition
from media_assets.validation import FORMATS, sniff_format

logger = logging.getLogger(__name__)

_MIME_TO_FORMAT = {mime: name for name, (mime, _ext, _label) in FORMATS.items()}
# Formats a browser shows without a <source type> check: the <img> fallback.
FALLBACK_FORMATS = ("JPEG", "PNG")


def resolve_spec(spec: str | RenditionSpec) -> RenditionSpec:
    """The ``RenditionSpec`` for a name in ``settings.MEDIA_ASSETS_RENDITIONS``
    (or the spec itself). Raises ``KeyError`` for an unknown name."""
    if isinstance(spec, RenditionSpec):
        return spec
    for candidate in default_specs():
        if candidate.name == spec:
            return candidate
    raise KeyError(f"Unknown rendition spec {spec!r}.")


def srcset_ladder(spec: str | RenditionSpec) -> list[RenditionSpec]:
    """The specs a ``{% picture %}`` of ``spec`` offers in its srcset: ``spec``
    itself, preceded (unless it crops) by every smaller plain-width spec."""
    wanted = resolve_spec(spec)
    if wanted.crop:
        return [wanted]
    smaller = [
        s for s in default_specs() if not s.crop and s.height is None and s.width < wanted.width
    ]
    return [*smaller, wanted]


def picture_specs(*specs: str | RenditionSpec) -> list[str]:
    """Names of the renditions ``{% picture %}`` reads for ``specs``: what a
    listing prefetches (``Rendition.objects.filter(spec__in=...)``)."""
    return list(dict.fromkeys(s.name for spec in specs for s in srcset_ladder(spec)))


def original_format(asset: MediaAsset) -> str | None:
    """The Pillow format name of the asset's original, from its MIME type."""
    return _MIME_TO_FORMAT.get(asset.mime_type)


def fallback_format(asset: MediaAsset) -> str:
    """The format of the ``<img>`` fallback: the original's if JPEG or PNG,
    otherwise PNG for transparent GIF/WebP/AVIF originals and JPEG for the rest.
    Reads existing (prefetched) renditions before opening the original."""
    fmt = original_format(asset)
    if fmt in FALLBACK_FORMATS:
        return fmt
    for rendition in _known_renditions(asset):
        if rendition.format in FALLBACK_FORMATS:
            return rendition.format
    return available_formats(fmt or "JPEG", has_alpha=_has_alpha(asset))[0]


def output_formats(asset: MediaAsset) -> list[str]:
    """Every format the standard renditions of ``asset`` come in."""
    fmt = fallback_format(asset)
    formats = available_formats(original_format(asset) or "JPEG", has_alpha=fmt == "PNG")
    if formats[0] != fmt:
        formats[0] = fmt
    return formats


def find_rendition(asset: MediaAsset, spec_name: str, fmt: str) -> Rendition | None:
    """An existing rendition from the prefetched set (no query), or None."""
    for rendition in _known_renditions(asset):
        if rendition.spec == spec_name and rendition.format == fmt:
            return rendition
    return None


def get_or_create_rendition(
    asset: MediaAsset, spec: str | RenditionSpec, fmt: str | None = None
) -> Rendition | None:
    """The rendition of ``asset`` for ``spec`` in ``fmt`` (default: the
    ``<img>`` fallback format), made now if it does not exist yet.

    Looks in prefetched renditions first, then the database, then renders.
    Returns None when the asset has no file or its original cannot be read
    (logged): a page shows no picture rather than an error.
    """
    if not asset.file:
        return None
    spec = resolve_spec(spec)
    fmt = (fmt or fallback_format(asset)).upper()
    if _is_prefetched(asset):
        found = find_rendition(asset, spec.name, fmt)
        if found is not None:
            return found
    found = Rendition.objects.filter(asset=asset, spec=spec.name, format=fmt).first()
    if found is not None:
        return found
    try:
        with asset.file.open("rb") as original:
            source = io.BytesIO(original.read())
    except OSError:
        logger.exception("Original of media %s is missing", asset.media_id)
        return None
    return _render_and_store(asset, source, spec, fmt)


def generate_standard_renditions(
    asset: MediaAsset,
    *,
    specs: Iterable[str | RenditionSpec] | None = None,
    formats: Sequence[str] | None = None,
) -> list[Rendition]:
    """Make every missing rendition of ``asset`` for ``specs`` (default: all
    specs in settings) in ``formats`` (default: the fallback format, WebP and
    AVIF where available). Existing ones are kept. The original is read once.
    Returns the renditions, old and new."""
    if not asset.file:
        return []
    spec_list = [resolve_spec(spec) for spec in (specs or default_specs())]
    format_list = [fmt.upper() for fmt in (formats or output_formats(asset))]
    existing = {
        (rendition.spec, rendition.format): rendition
        for rendition in Rendition.objects.filter(
            asset=asset, spec__in=[spec.name for spec in spec_list], format__in=format_list
        )
    }
    missing = [
        (spec, fmt) for spec in spec_list for fmt in format_list if (spec.name, fmt) not in existing
    ]
    if missing:
        try:
            with asset.file.open("rb") as original:
                source = io.BytesIO(original.read())
        except OSError:
            logger.exception("Original of media %s is missing", asset.media_id)
            return list(existing.values())
        # One decode and resize per spec, whatever the number of formats.
        for spec in spec_list:
            wanted = [fmt for s, fmt in missing if s == spec]
            if not wanted:
                continue
            for fmt, rendition in zip(
                wanted, _render_and_store_many(asset, source, spec, wanted), strict=True
            ):
                if rendition is not None:
                    existing[(spec.name, fmt)] = rendition
    return list(existing.values())


def generate_standard_renditions_for(asset_pk: int) -> None:
    """Task body: the standard renditions of one asset, looked up afresh.

    Takes a primary key and nothing else, so that a background task can call
    it; idempotent (renditions already there are kept), so a rerun after a
    worker died is harmless. Also the default rendition dispatcher.
    """
    asset = MediaAsset.objects.filter(pk=asset_pk).first()
    if asset is None:
        return
    try:
        generate_standard_renditions(asset)
    except Exception:
        logger.exception("Standard renditions of media %s failed", asset.media_id)


def rendition_dispatcher() -> Callable[[int], object]:
    """What makes an asset's standard renditions after commit:
    ``settings.MEDIA_ASSETS_RENDITION_DISPATCHER``, a dotted path to a callable
    taking the asset's primary key (a project points it at a function that
    enqueues a background task), or by default ``generate_standard_renditions_for``,
    which makes them in the committing process."""
    path = getattr(settings, "MEDIA_ASSETS_RENDITION_DISPATCHER", None)
    return import_string(path) if path else generate_standard_renditions_for


def schedule_standard_renditions(asset: MediaAsset) -> None:
    """Hand the asset to the rendition dispatcher once the current transaction
    commits (never before: a worker must find the row). ``robust``: a failed
    dispatch is logged and leaves the upload in place; ``manage.py
    regenerate_renditions`` or the first page view makes what is missing."""
    transaction.on_commit(partial(rendition_dispatcher(), asset.pk), robust=True)


def delete_renditions(asset: MediaAsset, *, specs: Iterable[str] | None = None) -> int:
    """Delete renditions of ``asset`` (of ``specs`` only, when given); their
    files go after commit (see ``signals``). Returns how many rows went."""
    queryset = Rendition.objects.filter(asset=asset)
    if specs is not None:
        queryset = queryset.filter(spec__in=list(specs))
    count = 0
    for rendition in queryset:
        rendition.delete()  # one by one, so post_delete removes each file
        count += 1
    if _is_prefetched(asset):
        del asset._prefetched_objects_cache["renditions"]
    return count


# --- helpers --------------------------------------------------------------------


def _render_and_store(
    asset: MediaAsset, source: io.BytesIO, spec: RenditionSpec, fmt: str
) -> Rendition | None:
    return _render_and_store_many(asset, source, spec, [fmt])[0]


def _render_and_store_many(
    asset: MediaAsset, source: io.BytesIO, spec: RenditionSpec, formats: list[str]
) -> list[Rendition | None]:
    try:
        outputs = render_formats(source, spec, formats, focal_point=asset.focal_point)
    except Exception:
        logger.exception("Rendition %s of media %s failed", spec.name, asset.media_id)
        return [None] * len(formats)
    return [
        _store(asset, spec, fmt, rendered) for fmt, rendered in zip(formats, outputs, strict=True)
    ]


def _store(asset: MediaAsset, spec: RenditionSpec, fmt: str, rendered) -> Rendition:
    candidate = Rendition(
        asset=asset,
        spec=spec.name,
        format=fmt,
        width=rendered.width,
        height=rendered.height,
        file_size=len(rendered.content),
    )
    candidate.file.save(f"{spec.name}.{rendered.extension}", ContentFile(rendered.content), False)
    try:
        rendition, created = Rendition.objects.get_or_create(
            asset=asset,
            spec=spec.name,
            format=fmt,
            defaults={
                "file": candidate.file.name,
                "width": candidate.width,
                "height": candidate.height,
                "file_size": candidate.file_size,
            },
        )
    except BaseException:
        candidate.file.storage.delete(candidate.file.name)
        raise
    if not created:
        # Someone else stored it first: theirs is kept, ours removed.
        candidate.file.storage.delete(candidate.file.name)
    if _is_prefetched(asset):
        asset._prefetched_objects_cache["renditions"]._result_cache.append(rendition)
    return rendition


def _is_prefetched(asset: MediaAsset) -> bool:
    return "renditions" in getattr(asset, "_prefetched_objects_cache", {})


def _known_renditions(asset: MediaAsset) -> list[Rendition]:
    if _is_prefetched(asset):
        return list(asset._prefetched_objects_cache["renditions"])
    return []


def _has_alpha(asset: MediaAsset) -> bool:
    """Whether the original has transparency (reads the header only)."""
    try:
        with asset.file.open("rb") as original:
            head = original.read(64)
            original.seek(0)
            image_format = sniff_format(head)
            if image_format is None:
                return False
            with Image.open(original, formats=[image_format]) as img:
                return img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
    except Exception:
        return False
