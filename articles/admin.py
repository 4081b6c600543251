from django.contrib import admin
from django.utils.html import format_html

from articles.models import Article, ArticleAuthor, Author, Category, Tag


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent", "position"]
    list_editable = ["position"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user"]
    list_select_related = ["user"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["photo", "user"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class ArticleAuthorInline(admin.TabularInline):
    model = ArticleAuthor
    extra = 1
    autocomplete_fields = ["author"]
    fields = ["author", "position"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["headline", "lead_thumbnail", "status", "section", "language", "publish_at"]
    list_filter = ["status", "section", "language"]
    list_select_related = ["section", "lead_media"]
    search_fields = ["headline", "dek", "=legacy_id"]
    date_hierarchy = "publish_at"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section", "categories", "tags", "lead_media", "translation_of"]
    readonly_fields = [
        "version",
        "word_count",
        "first_published_at",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
    ]
    inlines = [ArticleAuthorInline]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "dek", "body"]}),
        ("Byline and placement", {"fields": ["byline", "section", "categories", "tags"]}),
        ("Lead photo", {"fields": ["lead_media", "lead_caption"]}),
        ("Publication", {"fields": ["status", "publish_at", "expires_at", "language"]}),
        (
            "Search engines and legacy",
            {
                "classes": ["collapse"],
                "fields": [
                    "seo_title",
                    "seo_description",
                    "translation_of",
                    "legacy_source",
                    "legacy_id",
                    "legacy_url",
                ],
            },
        ),
        ("Record", {"classes": ["collapse"], "fields": readonly_fields}),
    ]

    @admin.display(description="photo")
    def lead_thumbnail(self, obj):
        if not obj.lead_media or not obj.lead_media.file:
            return "—"
        return format_html(
            '<img src="{}" alt="" width="60" style="height:auto" loading="lazy">',
            obj.lead_media.file.url,
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
