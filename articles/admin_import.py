"""The admin's "Import WordPress export" page (superusers only): the same
importer as ``manage.py import_wxr``, run on an uploaded file, with the
report shown on the page. Mounted at /admin/articles/import-wxr/ by cms/urls.py
(before the admin's own URLs), wrapped in ``admin_site.admin_view`` so that
it has the admin's login, CSRF and never-cache handling.

Uploads are capped at ``settings.WXR_UPLOAD_MAX_BYTES`` (default 50 MB); a
larger archive is imported with the command, which has no cap.

The import runs as a background task (``cms.tasks.run_wordpress_import``, queue
``imports``; see ``articles.importers.runs``): the upload is stored under a
generated name, an ``ImportRun`` is recorded, and the browser is sent to the
run's page, which refreshes itself until the report is there. With the
immediate task backend (development, tests) the run has finished by the time
that page is shown.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path

from articles.importers.runs import import_run_create
from articles.models import Category, ImportRun
from cms.tasks import enqueue_on_commit, run_wordpress_import

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
RECENT_RUNS = 10
REFRESH_SECONDS = 3  # the run page reloads itself until the run has finished


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


def _require_superuser(request) -> None:
    if not request.user.is_superuser:
        raise PermissionDenied("Only superusers may import WordPress exports.")


def import_wxr_view(request):
    _require_superuser(request)
    form = WxrUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            run = import_run_create(
                file=form.cleaned_data["file"],
                created_by=request.user,
                dry_run=form.cleaned_data["dry_run"],
                default_section=form.cleaned_data["default_section"],
            )
            enqueue_on_commit(run_wordpress_import, run.pk)
        return redirect(run)
    context = {
        **admin.site.each_context(request),
        "title": "Import WordPress export",
        "form": form,
        "recent_runs": ImportRun.objects.select_related("created_by")[:RECENT_RUNS],
        "max_mb": max_upload_bytes() // (1024 * 1024),
    }
    return TemplateResponse(request, "admin/articles/import_wxr.html", context)


def import_run_view(request, pk):
    _require_superuser(request)
    run = get_object_or_404(ImportRun.objects.select_related("created_by"), pk=pk)
    context = {
        **admin.site.each_context(request),
        "title": f"WordPress import {run.pk}",
        "run": run,
        "report": run.report if run.status == ImportRun.Status.DONE else None,
        "report_text": run.report_text,
        "refresh_seconds": REFRESH_SECONDS,
    }
    return TemplateResponse(request, "admin/articles/import_wxr_run.html", context)


def urls(admin_site=admin.site):
    """URL patterns to put before ``admin.site.urls``."""
    return [
        path(
            "admin/articles/import-wxr/",
            admin_site.admin_view(import_wxr_view),
            name="articles_import_wxr",
        ),
        path(
            "admin/articles/import-wxr/<int:pk>/",
            admin_site.admin_view(import_run_view),
            name="articles_import_wxr_run",
        ),
    ]
