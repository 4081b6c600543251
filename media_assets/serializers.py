"""API representations of media assets, and the shaping helpers (``fields=``
and ``expand=``) that every resource's serializer uses.

The helpers live here because ``media_assets`` is the bottom of the import
chain (cms -> articles -> media_assets): the articles serializers may import
them, while this app must not import anything above it.
"""

from django.conf import settings
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_array_type
from rest_framework import serializers

from media_assets.models import MediaAsset

# --- shaping ----------------------------------------------------------------------


class ShapedSerializer(serializers.Serializer):
    """A serializer whose fields can be narrowed per request.

    ``only``: the field names to keep (``fields=``); ``omit``: names dropped
    unless ``only`` asks for them (``body`` in article lists). Both apply to
    the top level only; nested objects keep their own shape.
    """

    def __init__(self, *args, only=None, omit=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._only = set(only) if only else None
        self._omit = set(omit)

    def get_fields(self):
        fields = super().get_fields()
        if self._only is not None:
            return {name: field for name, field in fields.items() if name in self._only}
        return {name: field for name, field in fields.items() if name not in self._omit}


def nested_context(context: dict) -> dict:
    """The context for a nested object: the request, and no shaping."""
    return {"request": context.get("request"), "nested": True}


class Expandable(serializers.Field):
    """A related object: shown ``compact`` by default and in ``full`` when its
    name is in ``expand=``. Reads only what the view prefetched.

    The schema shows the full form with every property optional, which the
    compact form also satisfies.
    """

    def __init__(self, *, compact, full, many=False, **kwargs):
        kwargs["read_only"] = True
        self.compact, self.full, self.many = compact, full, many
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        if self.many and hasattr(value, "all"):
            return list(value.all())
        return value

    def to_representation(self, value):
        serializer = self._nested(self.field_name in self.context.get("expand", ()))
        if self.many:
            return [serializer.to_representation(item) for item in value]
        return serializer.to_representation(value)

    def _nested(self, expanded: bool):
        # One nested serializer per field and form, reused for every row:
        # building a ModelSerializer's fields is the costly part.
        cache = self.__dict__.setdefault("_nested_serializers", {})
        if expanded not in cache:
            serializer_class = self.full if expanded else self.compact
            cache[expanded] = serializer_class(context=nested_context(self.context))
        return cache[expanded]


class ExpandableExtension(OpenApiSerializerFieldExtension):
    target_class = Expandable
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        component = auto_schema.resolve_serializer(self.target.full, direction)
        schema = component.ref
        if self.target.many:
            return build_array_type(schema)
        if self.target.allow_null:
            return {"allOf": [schema], "nullable": True}
        return schema


PAGINATION_PARAMS = frozenset({"cursor", "page_size"})


def check_query_params(view, request, *, shaping=("fields",)) -> None:
    """Refuse query parameters the endpoint does not declare (400), so that a
    misspelt filter does not silently return everything."""
    allowed = set(shaping)
    if getattr(view, "action", None) == "list":
        allowed |= PAGINATION_PARAMS
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is not None:
            allowed |= set(filterset_class.base_filters)
    unknown = set(request.query_params) - allowed
    if unknown:
        names = ", ".join(sorted(unknown))[:200]
        raise serializers.ValidationError(
            {
                "detail": [
                    f"Unknown query parameter(s): {names}. Known: {', '.join(sorted(allowed))}."
                ]
            }
        )


def absolute_media_url(request, url: str) -> str:
    if url.startswith(("http://", "https://")):
        return url
    if request is None:
        return settings.SITE_URL + url
    # Worked out once per request: a list shows hundreds of rendition URLs.
    origin = getattr(request, "_media_origin", None)
    if origin is None:
        origin = request._media_origin = request.build_absolute_uri("/")[:-1]
    return origin + url


# --- media ------------------------------------------------------------------------


class FocalPointSerializer(serializers.Serializer):
    x = serializers.FloatField(min_value=0.0, max_value=1.0)
    y = serializers.FloatField(min_value=0.0, max_value=1.0)


class RenditionSerializer(serializers.Serializer):
    name = serializers.CharField(source="spec", read_only=True)
    width = serializers.IntegerField(read_only=True)
    height = serializers.IntegerField(read_only=True)
    format = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField()

    def get_url(self, rendition) -> str:
        return absolute_media_url(self.context.get("request"), rendition.file.url)


class MediaSerializer(ShapedSerializer, serializers.ModelSerializer):
    """A photo as API consumers read it (DESIGN.md §5)."""

    focal_point = serializers.SerializerMethodField()
    file_url = serializers.SerializerMethodField()
    renditions = serializers.SerializerMethodField()
    usage_count = serializers.SerializerMethodField()

    class Meta:
        model = MediaAsset
        fields = [
            "media_id", "title", "caption", "credit", "agency", "photographer", "copyright",
            "is_file_photo", "alt_text", "keywords", "date_taken", "width", "height",
            "focal_point", "mime_type", "file_size", "file_url", "renditions",
            "rights_expire_at", "created_at", "updated_at", "usage_count",
        ]  # fmt: skip
        read_only_fields = fields

    def get_fields(self):
        fields = super().get_fields()
        if self.context.get("nested"):
            # Usage is counted by the media endpoint only (one annotation);
            # embedded photos leave it out rather than query per row.
            fields.pop("usage_count", None)
        return fields

    def get_focal_point(self, asset) -> FocalPointSerializer(allow_null=True):
        point = asset.focal_point
        return {"x": point[0], "y": point[1]} if point else None

    def get_file_url(self, asset) -> str | None:
        if not asset.file:
            return None
        return absolute_media_url(self.context.get("request"), asset.file.url)

    def get_renditions(self, asset) -> RenditionSerializer(many=True):
        # Only what the view prefetched: a serializer never generates files.
        if not hasattr(self, "_rendition_serializer"):
            self._rendition_serializer = RenditionSerializer(context=self.context)
        return [self._rendition_serializer.to_representation(r) for r in asset.renditions.all()]

    def get_usage_count(self, asset) -> int:
        return getattr(asset, "usage_count", 0)


class MediaCompactSerializer(serializers.ModelSerializer):
    """A photo embedded in another object, unless expanded."""

    file_url = serializers.SerializerMethodField()

    class Meta:
        model = MediaAsset
        fields = ["media_id", "caption", "credit", "alt_text", "width", "height", "file_url"]
        read_only_fields = fields

    def get_file_url(self, asset) -> str | None:
        if not asset.file:
            return None
        return absolute_media_url(self.context.get("request"), asset.file.url)


class MediaWriteSerializer(serializers.ModelSerializer):
    """Descriptive fields a photo desk may give on upload or change later.

    Unknown fields are refused rather than ignored, so a typo or an attempt
    to set a read-only field (``media_id``, ``sha256``) is a 400.
    """

    focal_point = FocalPointSerializer(required=False, allow_null=True)

    class Meta:
        model = MediaAsset
        fields = [
            "title", "caption", "credit", "agency", "photographer", "copyright",
            "is_file_photo", "alt_text", "keywords", "date_taken", "focal_point",
            "rights_expire_at",
        ]  # fmt: skip
        extra_kwargs = {"keywords": {"required": False}}

    def to_internal_value(self, data):
        unknown = set(getattr(data, "keys", dict)()) - set(self.fields) - {"file"}
        if unknown:
            raise serializers.ValidationError(
                {name: ["This field cannot be set."] for name in sorted(unknown)}
            )
        values = super().to_internal_value(data)
        if "focal_point" in values:
            point = values.pop("focal_point")
            values["focal_x"] = point["x"] if point else None
            values["focal_y"] = point["y"] if point else None
        return values

    def validate_keywords(self, value):
        if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
            raise serializers.ValidationError("A list of strings.")
        return value


class MediaUploadSerializer(MediaWriteSerializer):
    file = serializers.FileField(write_only=True, help_text="JPEG, PNG, GIF or WebP image.")

    class Meta(MediaWriteSerializer.Meta):
        fields = ["file", *MediaWriteSerializer.Meta.fields]
