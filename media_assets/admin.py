from django.contrib import admin
from django.utils.html import format_html

from media_assets.models import MediaAsset, Rendition


class RenditionInline(admin.TabularInline):
    model = Rendition
    extra = 0
    can_delete = False
    fields = ["spec", "format", "width", "height", "file_size", "file"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MediaAsset)
class MediaAssetAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "media_id", "short_caption", "credit", "agency", "created_at"]
    list_display_links = ["thumbnail", "media_id"]
    list_filter = ["agency", "is_file_photo"]
    search_fields = ["=media_id", "caption", "credit", "title", "photographer"]
    date_hierarchy = "created_at"
    list_select_related = ["uploaded_by"]
    readonly_fields = [
        "preview",
        "width",
        "height",
        "file_size",
        "mime_type",
        "sha256",
        "phash",
        "uploaded_by",
        "created_at",
    ]
    fieldsets = [
        (None, {"fields": ["preview", "file", "media_id", "title"]}),
        (
            "Caption and credit",
            {
                "fields": [
                    "caption",
                    "credit",
                    "agency",
                    "photographer",
                    "copyright",
                    "is_file_photo",
                    "alt_text",
                    "keywords",
                    "date_taken",
                ]
            },
        ),
        ("Cropping and rights", {"fields": ["focal_x", "focal_y", "rights_expire_at"]}),
        (
            "File",
            {
                "classes": ["collapse"],
                "fields": [
                    "original_filename",
                    "source_url",
                    "width",
                    "height",
                    "file_size",
                    "mime_type",
                    "sha256",
                    "phash",
                    "uploaded_by",
                    "created_at",
                ],
            },
        ),
    ]
    inlines = [RenditionInline]

    @admin.display(description="photo")
    def thumbnail(self, obj):
        if not obj.file:
            return "—"
        return format_html(
            '<img src="{}" alt="" width="80" style="height:auto" loading="lazy">', obj.file.url
        )

    @admin.display(description="preview")
    def preview(self, obj):
        if not obj.file:
            return "No file yet."
        return format_html(
            '<img src="{}" alt="" style="max-width:480px;height:auto">', obj.file.url
        )

    @admin.display(description="caption")
    def short_caption(self, obj):
        return (obj.caption[:90] + "…") if len(obj.caption) > 90 else obj.caption

    def save_model(self, request, obj, form, change):
        if not change and obj.uploaded_by_id is None:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)
