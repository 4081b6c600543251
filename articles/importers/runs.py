"""Imports started from the admin, run in the background.

``import_run_create`` stores the upload in the ``originals`` storage (private
on object storage when ``S3_PRIVATE_ORIGINALS`` is on) under a generated name
and records an ``ImportRun``; the caller enqueues
``cms.tasks.run_wordpress_import`` after the commit, which calls
``import_run_perform``.

``import_run_perform`` may run more than once for the same run (a worker that
died mid-import, see ``cms/tasks.py``): a run still queued or running is
imported (again; the importer is idempotent and resumes where it stopped), a
finished one is left alone. The stored file is deleted once the run is done
or failed.
"""

import logging
import shutil
import tempfile
import uuid
from pathlib import Path

from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from articles.importers.wordpress import ImportOptions, WxrError, import_wordpress
from articles.models import Category, ImportRun

logger = logging.getLogger(__name__)

STORAGE_ALIAS = "originals"
UPLOAD_PREFIX = "imports/wxr"


def _storage():
    return storages[STORAGE_ALIAS]


def import_run_create(
    *, file, created_by, dry_run: bool = False, default_section: Category | None = None
) -> ImportRun:
    """Store ``file`` (an upload) under a generated name and record a queued run.
    The name the user gave is only shown, never used as a path."""
    name = _storage().save(f"{UPLOAD_PREFIX}/{uuid.uuid4().hex}.xml", file)
    return ImportRun.objects.create(
        file_name=name,
        upload_name=Path(file.name or "").name[:200],
        dry_run=dry_run,
        default_section=default_section,
        created_by=created_by,
    )


def _delete_upload(run: ImportRun) -> None:
    storage = _storage()
    if run.file_name and storage.exists(run.file_name):
        storage.delete(run.file_name)


def import_run_perform(*, run_id: int) -> None:
    """Run the import of ``run_id`` unless it has finished already."""
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run_id)
        if run.finished:
            _delete_upload(run)  # in case the last attempt died before this
            return
        run.status = ImportRun.Status.RUNNING
        run.started_at = timezone.now()
        run.save(update_fields=["status", "started_at"])

    options = ImportOptions(
        dry_run=run.dry_run, default_section=run.default_section, user=run.created_by
    )
    try:
        # The importer reads the file several times, so it gets a local copy
        # (the storage may be S3).
        with (
            _storage().open(run.file_name, "rb") as stored,
            tempfile.NamedTemporaryFile(suffix=".xml") as local,
        ):
            shutil.copyfileobj(stored, local)
            local.flush()
            report = import_wordpress(path=Path(local.name), options=options)
    except WxrError as exc:
        _finish(
            run,
            status=ImportRun.Status.FAILED,
            error=f"The file was refused and nothing was imported: {exc}",
        )
    except Exception as exc:
        logger.exception("WordPress import run %s failed", run.pk)
        _finish(
            run,
            status=ImportRun.Status.FAILED,
            error=(
                "The import stopped on an unexpected error (what came before it is "
                f"imported; upload the file again to finish): {exc}"
            ),
        )
        raise
    else:
        _finish(
            run,
            status=ImportRun.Status.DONE,
            report=report.as_dict(),
            report_text=report.as_text(),
        )


def _finish(run: ImportRun, *, status: str, **fields) -> None:
    ImportRun.objects.filter(pk=run.pk).update(status=status, finished_at=timezone.now(), **fields)
    _delete_upload(run)
