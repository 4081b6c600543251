"""API representations of articles, sections (categories), authors and tags
(DESIGN.md §5).

Read serializers list their fields explicitly and read only what the views
prefetched or annotated; write serializers only validate input, and the views
hand it to ``articles.services``.
"""

from django.conf import settings
from rest_framework import serializers

from articles.models import LANGUAGES, Article, Author, Category, Tag
from media_assets.models import MediaAsset
from media_assets.serializers import (
    Expandable,
    MediaCompactSerializer,
    MediaSerializer,
    ShapedSerializer,
)


def public_url(path: str) -> str:
    """Absolute address on the public site (not the API host)."""
    return settings.SITE_URL + path


def sees_expired_media(context) -> bool:
    """Photos whose rights expired are shown only to the photo desk."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and user.has_perm("media_assets.view_mediaasset"))


class VisibleMedia(Expandable):
    """A photo, or null when its rights expired and the viewer is a reader."""

    def get_attribute(self, instance):
        asset = super().get_attribute(instance)
        if asset is not None and asset.rights_expired and not sees_expired_media(self.context):
            return None
        return asset


def _without_nested_only(serializer, fields, names):
    if serializer.context.get("nested"):
        for name in names:
            fields.pop(name, None)
    return fields


# --- categories, authors, tags -------------------------------------------------------


class CategoryCompactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "slug", "name"]
        read_only_fields = fields


class CategorySerializer(ShapedSerializer, serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    path = serializers.CharField(read_only=True)
    children = serializers.SerializerMethodField()
    article_count = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = [
            "id", "name", "slug", "url", "description", "position", "parent", "path",
            "children", "article_count",
        ]  # fmt: skip
        read_only_fields = fields

    def get_fields(self):
        # Embedded sections skip what needs another query per list.
        return _without_nested_only(self, super().get_fields(), ("children", "article_count"))

    def get_url(self, category) -> str:
        return public_url(category.get_absolute_url())

    def get_children(self, category) -> CategoryCompactSerializer(many=True):
        if not hasattr(self, "_child_serializer"):
            self._child_serializer = CategoryCompactSerializer()
        return [self._child_serializer.to_representation(c) for c in category.children.all()]

    def get_article_count(self, category) -> int:
        """Public articles whose primary section this is."""
        return getattr(category, "article_count", 0)


class CategoryWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["name", "slug", "parent", "description", "position"]


class AuthorCompactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Author
        fields = ["id", "slug", "name"]
        read_only_fields = fields


class AuthorSerializer(ShapedSerializer, serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    photo = VisibleMedia(compact=MediaCompactSerializer, full=MediaSerializer, allow_null=True)
    article_count = serializers.SerializerMethodField()

    class Meta:
        model = Author
        fields = ["id", "name", "slug", "url", "bio", "photo", "article_count"]
        read_only_fields = fields

    def get_fields(self):
        return _without_nested_only(self, super().get_fields(), ("article_count",))

    def get_url(self, author) -> str:
        return public_url(author.get_absolute_url())

    def get_article_count(self, author) -> int:
        """Public articles by this author."""
        return getattr(author, "article_count", 0)


class AuthorWriteSerializer(serializers.ModelSerializer):
    photo = serializers.SlugRelatedField(
        slug_field="media_id",
        queryset=MediaAsset.objects.all(),
        required=False,
        allow_null=True,
        help_text="Media ID of the author's photo.",
    )

    class Meta:
        model = Author
        fields = ["name", "slug", "bio", "photo"]


class TagCompactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "slug", "name"]
        read_only_fields = fields


class TagSerializer(ShapedSerializer, serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    article_count = serializers.SerializerMethodField()

    class Meta:
        model = Tag
        fields = ["id", "name", "slug", "url", "article_count"]
        read_only_fields = fields

    def get_fields(self):
        return _without_nested_only(self, super().get_fields(), ("article_count",))

    def get_url(self, tag) -> str:
        return public_url(tag.get_absolute_url())

    def get_article_count(self, tag) -> int:
        """Public articles with this tag."""
        return getattr(tag, "article_count", 0)


class TagWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["name", "slug"]


# --- articles ---------------------------------------------------------------------------


class ArticleSerializer(ShapedSerializer, serializers.ModelSerializer):
    """An article as API consumers read it. Related objects are compact
    unless named in ``expand=``; lists leave ``body`` out unless asked for."""

    EXPANDABLE = ("lead_media", "authors", "section", "categories", "tags")

    url = serializers.SerializerMethodField()
    byline = serializers.CharField(source="display_byline", read_only=True)
    authors = Expandable(
        source="ordered_authors",
        compact=AuthorCompactSerializer,
        full=AuthorSerializer,
        many=True,
    )
    section = Expandable(compact=CategoryCompactSerializer, full=CategorySerializer)
    categories = Expandable(compact=CategoryCompactSerializer, full=CategorySerializer, many=True)
    tags = Expandable(compact=TagCompactSerializer, full=TagSerializer, many=True)
    published_at = serializers.DateTimeField(source="publish_at", read_only=True, allow_null=True)
    text_direction = serializers.CharField(read_only=True)
    lead_media = VisibleMedia(compact=MediaCompactSerializer, full=MediaSerializer, allow_null=True)
    lead_caption = serializers.SerializerMethodField()
    reading_time = serializers.IntegerField(read_only=True, help_text="Minutes.")

    class Meta:
        model = Article
        fields = [
            "id", "url", "slug", "headline", "dek", "body", "byline", "authors", "section",
            "categories", "tags", "language", "text_direction", "published_at",
            "updated_at", "expires_at", "legacy_id", "lead_media", "lead_caption", "status",
            "version", "reading_time",
        ]  # fmt: skip
        read_only_fields = fields

    def get_url(self, article) -> str:
        return public_url(article.get_absolute_url())

    def get_lead_caption(self, article) -> str:
        """The caption in effect for this use: the override, else the photo's."""
        if article.lead_media is None:
            return article.lead_caption
        if article.lead_media.rights_expired and not sees_expired_media(self.context):
            return ""
        return article.effective_lead_caption


class ArticleWriteSerializer(serializers.Serializer):
    """What a client may send to create or change an article. The id comes
    only from the URL, and the status only through the workflow actions, so
    unknown fields (``id``, ``status``…) are refused rather than ignored."""

    headline = serializers.CharField(max_length=300)
    slug = serializers.SlugField(max_length=200, allow_unicode=True, required=False)
    dek = serializers.CharField(allow_blank=True, required=False)
    body = serializers.CharField(allow_blank=True, required=False)
    byline = serializers.CharField(max_length=300, allow_blank=True, required=False)
    authors = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Author.objects.all(), required=False, help_text="Author ids in order."
    )
    section = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    categories = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Category.objects.all(), required=False
    )
    tags = serializers.PrimaryKeyRelatedField(many=True, queryset=Tag.objects.all(), required=False)
    language = serializers.ChoiceField(choices=LANGUAGES, required=False)
    lead_media = serializers.SlugRelatedField(
        slug_field="media_id",
        queryset=MediaAsset.objects.all(),
        required=False,
        allow_null=True,
        help_text="Media ID of the lead photo.",
    )
    lead_caption = serializers.CharField(allow_blank=True, required=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    legacy_id = serializers.CharField(max_length=64, allow_blank=True, required=False)
    legacy_url = serializers.CharField(max_length=500, allow_blank=True, required=False)
    seo_title = serializers.CharField(max_length=200, allow_blank=True, required=False)
    seo_description = serializers.CharField(max_length=300, allow_blank=True, required=False)
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        write_only=True,
        help_text="The version you edited; a stale one is refused (409). If-Match does the "
        "same with 412.",
    )

    def to_internal_value(self, data):
        if not isinstance(data, dict) and not hasattr(data, "keys"):
            raise serializers.ValidationError({"detail": ["Expected a JSON object."]})
        unknown = set(data.keys()) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {name: ["This field cannot be set here."] for name in sorted(unknown)}
            )
        return super().to_internal_value(data)


class PublishSerializer(serializers.Serializer):
    publish_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="Publication time; empty means now (or the article's past date).",
    )


class ScheduleSerializer(serializers.Serializer):
    publish_at = serializers.DateTimeField(help_text="A future time.")
