"""Writes to media assets that carry rules: creation from an uploaded file,
updates that invalidate renditions, deletion guarded by usage.

The admin form, the API and the importers all call these functions, so an
upload is validated, described and de-duplicated the same way on every path.
"""

from __future__ import annotations

import logging
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction

from media_assets.credits import parse_credit_line, split_credit
from media_assets.imaging import hamming, perceptual_hash
from media_assets.metadata import extract_metadata
from media_assets.models import MediaAsset
from media_assets.renditions import delete_renditions, schedule_standard_renditions
from media_assets.validation import ImageInfo, safe_storage_name, validate_image

logger = logging.getLogger(__name__)

DEFAULT_PHASH_THRESHOLD = 6
# How many of the newest assets a near-duplicate search compares against.
DEFAULT_NEAR_DUPLICATE_WINDOW = 20_000

# Fields a crop rendition depends on: changing them makes those files stale.
_CROP_FIELDS = ("focal_x", "focal_y")


class DuplicateMedia(Exception):  # noqa: N818 - the name is a contract with the API
    """The uploaded file is byte-for-byte an asset we already have.

    ``existing`` is that asset; the API answers 409 with its Media ID and the
    admin links to it. Deliberately not a ValidationError, so that callers
    cannot mistake it for a bad file (400).
    """

    def __init__(self, existing: MediaAsset):
        self.existing = existing
        super().__init__(f"This file is already in the library as Media ID {existing.media_id}.")


class MediaStorageUnavailable(OSError):
    """The file could not be written: media storage is full, read-only or
    unreachable. Nothing was created (no row, no file). The admin shows the
    message on the form, the API answers 503; an ``OSError`` so that callers
    that only know about I/O errors still catch it."""

    message = (
        "The file could not be stored: media storage is full or unavailable. "
        "Nothing was saved; try again later or tell the technical team."
    )

    def __init__(self):
        super().__init__(self.message)


# How many uses a refused deletion names (the rest are counted).
USES_NAMED = 5


class MediaInUse(Exception):  # noqa: N818 - reads better at the call site
    """The asset is still used somewhere and cannot be deleted. ``uses`` lists
    ``media_assets.usage.Use`` entries that hold it (the first few), ``total``
    how many there are."""

    def __init__(self, asset: MediaAsset, uses: list, total: int | None = None):
        self.asset = asset
        self.uses = uses
        self.total = len(uses) if total is None else max(total, len(uses))
        named = uses[:USES_NAMED]
        where = "; ".join(str(use) for use in named)
        more = f" and {self.total - len(named)} more" if self.total > len(named) else ""
        super().__init__(
            f"Media ID {asset.media_id} cannot be deleted: it is used by {where}{more}."
        )


def describe_upload(file: IO[bytes]) -> tuple[ImageInfo, dict[str, Any]]:
    """Validate ``file`` and return what it is and the asset fields its
    embedded metadata suggests (the admin's pre-fill; ``media_create`` uses the
    same mapping). Raises a field-level ``ValidationError`` for a refused file.
    """
    try:
        info = validate_image(file, name=_display_name(file))
    except ValidationError as exc:
        raise ValidationError({"file": exc.error_list}) from exc
    return info, suggested_fields(extract_metadata(file))


def suggested_fields(metadata: dict[str, Any]) -> dict[str, Any]:
    """Map ``extract_metadata`` output to MediaAsset fields.

    A credit at the end of the caption is split off and is preferred to the
    IPTC credit line, because wire captions carry the full printed credit
    ("REUTERS/Yuri Maltsev") while the Credit field often holds only the agency.
    """
    fields: dict[str, Any] = {}
    caption = metadata.get("caption", "")
    embedded = split_credit(caption) if caption else None
    if embedded is not None:
        fields["caption"] = embedded.caption
    credit = (embedded.credit if embedded else "") or metadata.get("credit", "")
    source = metadata.get("source", "")
    creator = metadata.get("creator", "")
    if not credit and (source or creator):
        credit = "/".join(part for part in (creator, source) if part)
    fields["credit"] = credit
    agency, photographer, is_file = parse_credit_line(credit) if credit else ("", "", False)
    fields["agency"] = agency or source or (credit if len(credit) <= 40 else "")
    fields["photographer"] = photographer or creator
    fields["is_file_photo"] = is_file or bool(embedded and embedded.is_file_photo)
    fields["title"] = metadata.get("title") or metadata.get("headline", "")
    fields["copyright"] = metadata.get("copyright", "")
    fields["alt_text"] = metadata.get("alt_text", "")
    fields["keywords"] = list(metadata.get("keywords", []))
    fields["date_taken"] = metadata.get("date_taken")
    return {key: _fit(key, value) for key, value in fields.items() if not _is_blank(value)}


def media_create(*, file: File | IO[bytes], uploaded_by=None, **fields) -> MediaAsset:
    """Create a media asset from an uploaded ``file``.

    - The file is validated by content (``validate_image``); a refusal raises
      ``ValidationError({"file": [...]})``.
    - Width, height (after EXIF orientation), size, MIME type, SHA-256 and the
      perceptual hash come from the file itself.
    - Descriptive fields the caller left out (or empty) are filled from IPTC,
      XMP and EXIF; values the caller gives always win. When no credit is given,
      one embedded at the end of the caption is split off; agency, photographer
      and the file-photo flag are read from the credit when not given.
    - The same file uploaded again raises ``DuplicateMedia(existing)``; a Media
      ID already taken raises ``ValidationError({"media_id": ...})``.
    - The file is stored under a generated name; the standard renditions are
      generated after the transaction commits.
    - If the database write fails no file is left behind, and if the file write
      fails no row is created.
    """
    info, suggested = describe_upload(file)
    existing = MediaAsset.objects.filter(sha256=info.sha256).first()
    if existing is not None:
        raise DuplicateMedia(existing)
    media_id = fields.get("media_id")
    if media_id is not None and MediaAsset.objects.filter(media_id=media_id).exists():
        raise ValidationError(
            {"media_id": [f"Media ID {media_id} is already used by another asset."]}
        )

    given = {key: value for key, value in fields.items() if not _is_blank(value)}
    derived, given = _derive_from_given(given, suggested)
    # None means "not given" (a form's missing field), never a value to store.
    values = {**{k: v for k, v in fields.items() if v is not None}, **derived, **given}
    original_name = _display_name(file)
    asset = MediaAsset(
        width=info.width,
        height=info.height,
        file_size=info.size_bytes,
        mime_type=info.mime_type,
        sha256=info.sha256,
        phash=_phash(file),
        original_filename=original_name[:255],
        uploaded_by=uploaded_by,
        **values,
    )
    asset.full_clean(exclude=["file", "sha256", "phash", "media_id"], validate_unique=False)

    # Written first: if storage fails, no row exists; if the row fails, the
    # file is removed again below.
    stored_name = _store_original(asset, file, safe_storage_name(original_name, info.format))
    try:
        with transaction.atomic():
            asset.save()
            schedule_standard_renditions(asset)
    except IntegrityError:
        asset.file.storage.delete(stored_name)
        # Two uploads of the same file at once: the loser points to the winner.
        winner = MediaAsset.objects.filter(sha256=info.sha256).first()
        if winner is not None:
            raise DuplicateMedia(winner) from None
        raise
    except BaseException:
        asset.file.storage.delete(stored_name)
        raise
    return asset


def media_update(*, asset: MediaAsset, **fields) -> MediaAsset:
    """Change descriptive fields of ``asset``. Moving the focal point drops the
    crop renditions, which are made again after commit."""
    crop_changed = any(
        name in fields and fields[name] != getattr(asset, name) for name in _CROP_FIELDS
    )
    for name, value in fields.items():
        setattr(asset, name, value)
    asset.full_clean(exclude=["file"])
    with transaction.atomic():
        asset.save()
        if crop_changed:
            refresh_crop_renditions(asset)
    return asset


def refresh_crop_renditions(asset: MediaAsset) -> None:
    """Delete the renditions that depend on the focal point and schedule them
    again (used after the focal point changed, however it was saved)."""
    from media_assets.imaging import default_specs

    crop_specs = [spec.name for spec in default_specs() if spec.crop]
    if crop_specs:
        delete_renditions(asset, specs=crop_specs)
        schedule_standard_renditions(asset)


def media_delete(*, asset: MediaAsset) -> None:
    """Delete ``asset`` and (after commit) its files, or raise ``MediaInUse``
    when a lead photo, body figure, author photo or any registered use still
    points at it."""
    from media_assets.usage import count_uses_of, find_uses

    # A few uses to name, and the count of all: a file photo may hold
    # thousands of articles, which need not be read to refuse.
    uses = find_uses(asset, limit=USES_NAMED)
    if uses:
        raise MediaInUse(asset, uses, total=count_uses_of([asset])[asset.pk])
    asset.delete()


def find_near_duplicates(
    asset_or_phash: MediaAsset | str,
    *,
    threshold: int | None = None,
    window: int | None = None,
    limit: int = 10,
) -> list[tuple[MediaAsset, int]]:
    """Assets whose perceptual hash lies within ``threshold`` bits (default:
    ``settings.MEDIA_ASSETS_PHASH_THRESHOLD``) of the given asset's or hash,
    closest first, as ``(asset, distance)`` pairs; the asset itself excluded.

    Bounded on purpose: an exact hash match is found over the whole library
    (indexed), but the Hamming comparison only runs over the newest ``window``
    assets (``settings.MEDIA_ASSETS_NEAR_DUPLICATE_WINDOW``, 20 000 by default),
    two columns per row, a few milliseconds. A re-upload of a recent wire photo,
    the common case, is always found; an altered copy of a much older photo
    is only found if its hash is identical. A full-library search would need
    a BK-tree or multi-index hashing, which is not worth it at this size.
    """
    if isinstance(asset_or_phash, MediaAsset):
        target, exclude_pk = asset_or_phash.phash, asset_or_phash.pk
    else:
        target, exclude_pk = asset_or_phash, None
    if not target:
        return []
    if threshold is None:
        threshold = getattr(settings, "MEDIA_ASSETS_PHASH_THRESHOLD", DEFAULT_PHASH_THRESHOLD)
    if window is None:
        window = getattr(
            settings, "MEDIA_ASSETS_NEAR_DUPLICATE_WINDOW", DEFAULT_NEAR_DUPLICATE_WINDOW
        )
    candidates = MediaAsset.objects.exclude(phash="")
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    recent = candidates.order_by("-created_at", "-id").values_list("pk", "phash")[:window]
    distances = dict.fromkeys(candidates.filter(phash=target).values_list("pk", flat=True), 0)
    for pk, phash in recent:
        if len(phash) == len(target):
            distance = hamming(target, phash)
            if distance <= threshold:
                distances[pk] = distance
    closest = sorted(distances.items(), key=lambda item: item[1])[:limit]
    assets = MediaAsset.objects.in_bulk([pk for pk, _ in closest])
    return [(assets[pk], distance) for pk, distance in closest if pk in assets]


# --- helpers --------------------------------------------------------------------


def _store_original(asset: MediaAsset, file: File | IO[bytes], name: str) -> str:
    """Write ``file`` to storage as ``asset``'s original (not saving the row)
    and return its stored name, or raise ``MediaStorageUnavailable`` after
    removing whatever part of it was written (a disk that fills up mid-write
    leaves a truncated file behind)."""
    file.seek(0)
    content = file if isinstance(file, File) else File(file)
    field = asset.file.field
    storage = asset.file.storage
    # What FieldFile.save() does, with the name chosen once (upload_to is
    # random, so storage keeps it) to know what to clean up.
    target = field.generate_filename(asset, name)
    try:
        stored_name = storage.save(target, content, max_length=field.max_length)
    except Exception as exc:
        # Any storage backend's failure (OSError from the file system,
        # botocore's errors from S3): the upload is refused, cleanly.
        logger.error("Media storage refused %s: %r", target, exc, exc_info=True)
        try:
            if storage.exists(target):
                storage.delete(target)
        except Exception:
            logger.warning("Could not remove the partial file %s", target, exc_info=True)
        raise MediaStorageUnavailable() from exc
    asset.file = stored_name
    return stored_name


def _derive_from_given(
    given: dict[str, Any], suggested: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The suggested fields, corrected by what the caller typed: a typed caption
    or credit is taken apart the same way as an extracted one. Returns
    ``(derived, given)``; ``given`` loses a caption whose credit was split off."""
    derived = dict(suggested)
    given = dict(given)
    if "caption" in given and "credit" not in given:
        parts = split_credit(given["caption"])
        if parts.credit:
            derived.update(
                caption=parts.caption,
                credit=parts.credit,
                agency=parts.agency,
                photographer=parts.photographer,
                is_file_photo=parts.is_file_photo,
            )
            given.pop("caption")
    if "credit" in given:
        agency, photographer, is_file = parse_credit_line(given["credit"])
        for key in ("agency", "photographer"):
            derived.pop(key, None)
        derived["is_file_photo"] = is_file
        if agency:
            derived["agency"] = agency
        if photographer:
            derived["photographer"] = photographer
    derived = {key: _fit(key, value) for key, value in derived.items() if not _is_blank(value)}
    return derived, given


def _is_blank(value: Any) -> bool:
    # False counts as "not given": a form's unticked box cannot say "no".
    return value is None or value is False or value == "" or value == [] or value == {}


def _fit(field_name: str, value: Any) -> Any:
    """Cut extracted text to the column's length (metadata can be any length)."""
    if isinstance(value, str):
        max_length = MediaAsset._meta.get_field(field_name).max_length
        if max_length:
            return value[:max_length].strip()
    return value


def _phash(file: IO[bytes]) -> str:
    file.seek(0)
    try:
        return perceptual_hash(file)
    except Exception:
        # The file passed validation; a hash is a convenience, not a reason to refuse.
        logger.warning("Could not compute a perceptual hash", exc_info=True)
        return ""
    finally:
        file.seek(0)


def _display_name(file: Any) -> str:
    name = getattr(file, "name", "") or ""
    return str(name).replace("\\", "/").rsplit("/", 1)[-1]


def media_attach_file(*, asset: MediaAsset, file: File | IO[bytes]) -> MediaAsset:
    """Give ``asset``, created without a file (an import that had no access to
    the files yet), its file: validated and described like ``media_create``
    (width, height, size, MIME type, SHA-256, perceptual hash), stored under a
    generated name, renditions scheduled after commit. Descriptive fields are
    left as they are. Raises ``ValidationError({"file": …})`` for a refused
    file and ``DuplicateMedia`` when another asset already has these bytes.
    Added for ``articles.importers.wordpress``."""
    info, _suggested = describe_upload(file)
    existing = MediaAsset.objects.filter(sha256=info.sha256).exclude(pk=asset.pk).first()
    if existing is not None:
        raise DuplicateMedia(existing)
    original_name = _display_name(file)
    asset.width, asset.height = info.width, info.height
    asset.file_size, asset.mime_type, asset.sha256 = info.size_bytes, info.mime_type, info.sha256
    asset.phash = _phash(file)
    asset.original_filename = original_name[:255]
    stored_name = _store_original(asset, file, safe_storage_name(original_name, info.format))
    try:
        with transaction.atomic():
            asset.save()
            schedule_standard_renditions(asset)
    except BaseException:
        asset.file.storage.delete(stored_name)
        raise
    return asset
