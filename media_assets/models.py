"""Photos (media assets) and their renditions.

This app is a plug-in: it never imports ``articles``. Other apps tell it where
an asset is used through ``media_assets.usage`` (filled in their ``ready()``).
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

# Media IDs assigned here start above the range of any archive we import, so a
# kept legacy ID (55384539 in the seed, WordPress attachment IDs) never collides
# with one we hand out.
ASSIGNED_MEDIA_ID_BASE = 1_000_000_000


def original_upload_to(instance, filename):
    """Originals go under a date folder with a generated name; the uploaded
    name is never part of the path (it may be hostile or collide)."""
    suffix = PurePosixPath(filename).suffix.lower()[:6]
    if not suffix[1:].isalnum():
        suffix = ""
    return f"originals/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


def rendition_upload_to(instance, filename):
    suffix = PurePosixPath(filename).suffix.lower()[:6]
    return f"renditions/{instance.asset_id % 1000:03d}/{uuid.uuid4().hex}{suffix}"


class MediaAssetQuerySet(models.QuerySet):
    def public(self):
        """Assets that may be shown to readers: rights not expired."""
        now = timezone.now()
        return self.filter(Q(rights_expire_at__isnull=True) | Q(rights_expire_at__gt=now))

    def rights_expired(self):
        return self.filter(rights_expire_at__lte=timezone.now())

    def prefetch_renditions(self, *specs):
        """Prefetch the renditions of the given specs (all when none given),
        so that listings call ``get_rendition()`` without a query per row."""
        queryset = Rendition.objects.all()
        if specs:
            queryset = queryset.filter(spec__in=specs)
        return self.prefetch_related(models.Prefetch("renditions", queryset=queryset))


class MediaAsset(models.Model):
    media_id = models.PositiveBigIntegerField(
        "Media ID",
        null=True,
        blank=True,
        help_text="Stable public number. Kept from the old system on import; "
        "assigned automatically otherwise.",
    )
    title = models.CharField("title", max_length=300, blank=True)
    caption = models.TextField("caption", blank=True)
    credit = models.CharField(
        "credit",
        max_length=300,
        blank=True,
        help_text="The credit line as printed, e.g. “REUTERS/Yuri Maltsev/File Photo”.",
    )
    agency = models.CharField("agency / source", max_length=120, blank=True)
    photographer = models.CharField("photographer", max_length=200, blank=True)
    copyright = models.CharField("copyright notice", max_length=300, blank=True)
    is_file_photo = models.BooleanField(
        "file photo", default=False, help_text="An archive picture, not taken for this story."
    )
    alt_text = models.CharField(
        "alt text",
        max_length=500,
        blank=True,
        help_text="What the picture shows, for readers who cannot see it.",
    )
    keywords = models.JSONField("keywords", default=list, blank=True)
    date_taken = models.DateTimeField("date taken", null=True, blank=True)
    focal_x = models.FloatField(
        "focal point x",
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="0 is the left edge, 1 the right edge.",
    )
    focal_y = models.FloatField(
        "focal point y",
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="0 is the top edge, 1 the bottom edge.",
    )
    rights_expire_at = models.DateTimeField(
        "rights expire at",
        null=True,
        blank=True,
        help_text="After this time the photo is no longer shown on public pages.",
    )

    file = models.FileField("file", upload_to=original_upload_to, max_length=255, blank=True)
    original_filename = models.CharField("original file name", max_length=255, blank=True)
    mime_type = models.CharField("MIME type", max_length=40, blank=True)
    width = models.PositiveIntegerField("width", null=True, blank=True)
    height = models.PositiveIntegerField("height", null=True, blank=True)
    file_size = models.PositiveBigIntegerField("file size", null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True, editable=False)
    phash = models.CharField("perceptual hash", max_length=16, blank=True, editable=False)
    source_url = models.CharField(
        "source URL", max_length=500, blank=True, help_text="Where an imported file came from."
    )

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="uploaded by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("created at", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("updated at", auto_now=True)

    objects = MediaAssetQuerySet.as_manager()

    class Meta:
        verbose_name = "media asset"
        verbose_name_plural = "media assets"
        ordering = ["-created_at", "-id"]
        constraints = [
            # /api/v1/media/<media_id>/ and body figures look assets up by Media ID.
            models.UniqueConstraint(fields=["media_id"], name="media_asset_unique_media_id"),
            # The same file is refused on upload with a pointer to the existing asset.
            models.UniqueConstraint(
                fields=["sha256"], condition=~Q(sha256=""), name="media_asset_unique_sha256"
            ),
            models.CheckConstraint(
                condition=Q(focal_x__isnull=True) | Q(focal_x__gte=0, focal_x__lte=1),
                name="media_asset_focal_x_range",
            ),
            models.CheckConstraint(
                condition=Q(focal_y__isnull=True) | Q(focal_y__gte=0, focal_y__lte=1),
                name="media_asset_focal_y_range",
            ),
        ]
        indexes = [
            # The media library and API list newest first.
            models.Index(fields=["-created_at", "-id"], name="media_asset_created_idx"),
            # Admin and API filter by agency.
            models.Index(fields=["agency"], name="media_asset_agency_idx"),
            # Near-duplicate candidates are narrowed by exact perceptual hash first.
            models.Index(fields=["phash"], name="media_asset_phash_idx"),
            # The admin's expired / soon-to-expire filters.
            models.Index(fields=["rights_expire_at"], name="media_asset_rights_idx"),
        ]

    def __str__(self):
        label = self.title or self.caption[:60] or self.original_filename or "untitled"
        return f"{self.media_id or '—'}: {label}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if self.media_id is None:
            # Derived from the primary key, so two uploads at once can never
            # get the same number.
            self.media_id = ASSIGNED_MEDIA_ID_BASE + self.pk
            type(self).objects.filter(pk=self.pk).update(media_id=self.media_id)

    def get_absolute_url(self):
        return reverse("admin:media_assets_mediaasset_change", args=[self.pk])

    @property
    def rights_expired(self) -> bool:
        return self.rights_expire_at is not None and self.rights_expire_at <= timezone.now()

    @property
    def focal_point(self) -> tuple[float, float] | None:
        if self.focal_x is None or self.focal_y is None:
            return None
        return (self.focal_x, self.focal_y)

    @property
    def has_file(self) -> bool:
        return bool(self.file)

    def get_rendition(self, spec: str, fmt: str | None = None):
        """Return the rendition for ``spec`` in ``fmt`` (default: the
        original's web format), looking in prefetched renditions first and
        creating it on first use otherwise. Returns None when the asset has
        no file yet."""
        from media_assets.renditions import get_or_create_rendition

        return get_or_create_rendition(self, spec, fmt)


class Rendition(models.Model):
    # rendition_unique_asset_spec_format, which starts with the asset, serves
    # an asset's renditions and the CASCADE: no index of its own.
    asset = models.ForeignKey(
        MediaAsset,
        verbose_name="asset",
        on_delete=models.CASCADE,
        related_name="renditions",
        db_index=False,
    )
    spec = models.CharField("spec", max_length=40)
    format = models.CharField("format", max_length=10)
    file = models.FileField("file", upload_to=rendition_upload_to, max_length=255)
    width = models.PositiveIntegerField("width")
    height = models.PositiveIntegerField("height")
    file_size = models.PositiveIntegerField("file size", default=0)
    created_at = models.DateTimeField("created at", auto_now_add=True)

    class Meta:
        verbose_name = "rendition"
        verbose_name_plural = "renditions"
        # By the asset's id, not the asset (its own ordering, by date, which
        # joined media_assets_mediaasset to every prefetch of renditions):
        # the order of the unique constraint's index.
        ordering = ["asset_id", "spec", "format"]
        constraints = [
            # One file per asset, spec and format: get_or_create against this
            # makes concurrent first requests harmless.
            models.UniqueConstraint(
                fields=["asset", "spec", "format"], name="rendition_unique_asset_spec_format"
            ),
        ]

    def __str__(self):
        return f"{self.asset_id} {self.spec} {self.format}"

    def get_absolute_url(self):
        return self.file.url

    @property
    def url(self) -> str:
        return self.file.url
