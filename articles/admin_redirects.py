"""Admin for redirects, with a CSV import. Registered from
ArticlesConfig.ready() so that articles/admin.py stays the workflow's."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html

from articles.models import Redirect
from articles.redirects import CSV_COLUMNS, import_redirects_csv

CSV_MAX_BYTES = 5 * 1024 * 1024


class RedirectCsvForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: old_path, new_path, status_code (301 or 302, optional). "
        "A header row is allowed. Nothing is imported if any row is wrong.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB; split it.")
        return upload


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    list_display = ("old_path", "target", "status_code", "hits", "last_hit_at", "note")
    list_filter = ("status_code",)
    search_fields = ("old_path", "new_path", "note")
    autocomplete_fields = ("article",)
    list_select_related = ("article",)
    readonly_fields = ("hits", "last_hit_at", "created_at")
    fields = (
        "old_path", "new_path", "article", "status_code", "note", "hits", "last_hit_at",
        "created_at",
    )  # fmt: skip
    change_list_template = "admin/articles/redirect/change_list.html"

    @admin.display(description="target")
    def target(self, obj):
        if obj.article_id:
            return format_html("article {}: {}", obj.article_id, obj.article.headline)
        return obj.new_path

    def get_urls(self):
        return [
            path(
                "import-csv/",
                self.admin_site.admin_view(self.import_csv),
                name="articles_redirect_import_csv",
            ),
            *super().get_urls(),
        ]

    def import_csv(self, request):
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        form = RedirectCsvForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            result = import_redirects_csv(form.cleaned_data["file"].read())
            if not result.errors:
                self.message_user(
                    request,
                    f"Imported {result.created} new and {result.updated} changed redirects.",
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:articles_redirect_changelist"))
            errors = result.errors[:200]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import redirects from CSV",
            "form": form,
            "errors": errors,
            "columns": CSV_COLUMNS,
        }
        return render(request, "admin/articles/redirect/import_csv.html", context)
