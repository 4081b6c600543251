"""The admin's "Import WordPress export" page (superusers only): the same
importer as ``manage.py import_wxr``, run on an uploaded file, with the
report shown on the page. Mounted at /admin/articles/import-wxr/ by cms/urls.py
(before the admin's own URLs), wrapped in ``admin_site.admin_view`` so that
it has the admin's login, CSRF and never-cache handling.

Uploads are capped at ``settings.WXR_UPLOAD_MAX_BYTES`` (default 50 MB); a
larger archive is imported with the command, which has no cap. The import
runs in the request: fine for the few thousand posts an upload holds.
"""

import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from articles.importers.wordpress import ImportOptions, WxrError, import_wordpress
from articles.models import Category

DEFAULT_MAX_BYTES = 50 * 1024 * 1024


def max_upload_bytes() -> int:
    return int(getattr(settings, "WXR_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


class WxrUploadForm(forms.Form):
    file = forms.FileField(label="WordPress export (WXR file)")
    default_section = forms.ModelChoiceField(
        Category.objects.all(),
        required=False,
        help_text="For posts whose only category is Uncategorized.",
        to_field_name="slug",
    )
    dry_run = forms.BooleanField(
        required=False, label="Dry run", help_text="Show what would happen; write nothing."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_upload_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is larger than {limit // (1024 * 1024)} MB; "
                "import it with manage.py import_wxr instead."
            )
        return upload


def import_wxr_view(request):
    if not request.user.is_superuser:
        raise PermissionDenied("Only superusers may import WordPress exports.")
    report = refused = None
    form = WxrUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # The importer reads the file three times (check, vocabulary and
        # media, posts), so it needs a real file, not a one-shot stream.
        with tempfile.NamedTemporaryFile(suffix=".xml") as temporary:
            for chunk in upload.chunks():
                temporary.write(chunk)
            temporary.flush()
            try:
                report = import_wordpress(
                    path=Path(temporary.name),
                    options=ImportOptions(
                        dry_run=form.cleaned_data["dry_run"],
                        default_section=form.cleaned_data["default_section"],
                        user=request.user,
                    ),
                )
            except WxrError as exc:
                refused = str(exc)
    context = {
        **admin.site.each_context(request),
        "title": "Import WordPress export",
        "form": form,
        "report": report.as_dict() if report else None,
        "report_text": report.as_text() if report else "",
        "refused": refused,
        "max_mb": max_upload_bytes() // (1024 * 1024),
    }
    return TemplateResponse(request, "admin/articles/import_wxr.html", context)


def urls(admin_site=admin.site):
    """URL patterns to put before ``admin.site.urls``."""
    return [
        path(
            "admin/articles/import-wxr/",
            admin_site.admin_view(import_wxr_view),
            name="articles_import_wxr",
        )
    ]
