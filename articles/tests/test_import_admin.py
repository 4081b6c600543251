"""The admin's "Import WordPress export" page: the upload becomes an
ImportRun, imported by the background task ``cms.tasks.run_wordpress_import``."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from articles.importers.runs import import_run_create
from articles.importers.wordpress import import_wordpress
from articles.models import Article, ImportRun, MediaAsset
from articles.tests import wxr_samples as samples
from cms.tasks import TaskResultStatus, run_wordpress_import

pytestmark = pytest.mark.django_db
URL = "/admin/articles/import-wxr/"


def upload(text="", name="export.xml"):
    return SimpleUploadedFile(name, (text or samples.document([samples.post(1)])).encode())


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw")


def post_upload(client, file, django_capture_on_commit_callbacks, **data):
    """Post as the browser does, then follow the redirect to the run's page.
    The task is enqueued on commit, which the test transaction never reaches
    by itself: the captured callbacks run when the request has returned."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"file": file, **data})
    assert response.status_code == 302
    return client.get(response["Location"])


def test_superuser_imports_and_sees_the_report(
    client, superuser, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    assert client.get(URL).status_code == 200
    text = samples.document([samples.attachment(7), samples.post(1), samples.post(2)])
    response = post_upload(client, upload(text), django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    assert response.request["PATH_INFO"] == f"{URL}{run.pk}/"
    assert response.status_code == 200
    assert run.status == ImportRun.Status.DONE
    assert run.created_by == superuser
    assert run.upload_name == "export.xml"
    assert run.started_at is not None and run.finished_at is not None
    assert run.report["counts"]["article"]["created"] == 2
    assert run.report["counts"]["attachment"]["created"] == 1
    page = response.content.decode()
    assert "Report: news.example.com" in page
    assert (
        '<tr><th scope="row">article</th><td>2</td><td>0</td><td>0</td><td>0</td><td>0</td>'
        "<td>0</td><td>0</td><td>0</td></tr>" in page
    )
    assert 'http-equiv="refresh"' not in page  # finished: no more reloading
    assert sorted(Article.objects.values_list("legacy_id", flat=True)) == ["1", "2"]
    assert MediaAsset.objects.count() == 1
    assert {h.history_user for h in Article.history.all()} == {superuser}
    # The stored upload is gone once the run has finished.
    assert run.file_name.startswith("imports/wxr/") and run.file_name.endswith(".xml")
    assert not storages["originals"].exists(run.file_name)
    # The run is listed on the upload page.
    assert f'href="{URL}{run.pk}/"' in client.get(URL).content.decode()


def test_dry_run_writes_nothing(client, superuser, django_capture_on_commit_callbacks):
    client.force_login(superuser)
    response = post_upload(client, upload(), django_capture_on_commit_callbacks, dry_run="on")
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.DONE and run.dry_run
    assert run.report["counts"]["article"]["created"] == 1
    assert "Dry run — nothing was written" in response.content.decode()
    assert Article.objects.count() == 0


def test_malformed_upload_fails_the_run_with_the_line_number(
    client, superuser, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    broken = samples.document([samples.post(1)]).replace("</title>", "</titel>", 1)
    line = broken[: broken.index("</titel>")].count("\n") + 1
    response = post_upload(client, upload(broken), django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert run.report == {}
    assert run.error.startswith("The file was refused and nothing was imported: ")
    assert run.error.endswith(f"(line {line})")
    assert f"(line {line})" in response.content.decode()
    assert Article.objects.count() == 0
    assert not storages["originals"].exists(run.file_name)


def test_staff_who_are_not_superusers_are_refused(client):
    editor = get_user_model().objects.create_user("ed", password="pw", is_staff=True)
    client.force_login(editor)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"file": upload()}).status_code == 403
    assert Article.objects.count() == 0
    assert ImportRun.objects.count() == 0
    run = import_run_create(file=upload(), created_by=None)
    assert client.get(f"{URL}{run.pk}/").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_upload_over_the_cap_is_refused(client, superuser, settings):
    settings.WXR_UPLOAD_MAX_BYTES = 100
    client.force_login(superuser)
    response = client.post(URL, {"file": upload()})
    assert "larger than" in response.content.decode()
    assert Article.objects.count() == 0
    assert ImportRun.objects.count() == 0


def test_hostile_upload_is_refused_with_nothing_written(
    client, superuser, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<rss><channel>&x;</channel></rss>"
    )
    response = post_upload(client, upload(xxe), django_capture_on_commit_callbacks)
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED
    page = response.content.decode()
    assert "refused" in page and "DTDs are not allowed" in page
    assert "root:" not in page
    assert Article.objects.count() == 0


# --- the task: rerun safely, and the database queue --------------------------------------------


def test_a_run_that_died_mid_way_is_imported_again_and_a_done_run_is_not(superuser, tmp_path):
    run = import_run_create(
        file=upload(samples.document([samples.post(1), samples.post(2)])), created_by=superuser
    )
    # What a worker killed mid-import leaves: the run RUNNING, the first post
    # imported, the upload still stored.
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING)
    first = tmp_path / "first.xml"
    first.write_text(samples.document([samples.post(1)]))
    import_wordpress(path=first)
    assert Article.objects.count() == 1

    run_wordpress_import.call(run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert run.report["counts"]["article"]["created"] == 1
    assert run.report["counts"]["article"]["unchanged"] == 1
    assert sorted(Article.objects.values_list("legacy_id", flat=True)) == ["1", "2"]
    assert not storages["originals"].exists(run.file_name)

    finished_at = run.finished_at
    run_wordpress_import.call(run.pk)  # as after a worker died before recording success
    run.refresh_from_db()
    assert (run.status, run.finished_at) == (ImportRun.Status.DONE, finished_at)
    assert Article.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_database_backend_queues_the_import_for_the_worker(client, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "media", "imports", "cache"],
        }
    }
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(root)
    response = client.post(URL, {"file": upload()}, follow=True)
    run = ImportRun.objects.get()
    assert response.redirect_chain == [(f"{URL}{run.pk}/", 302)]
    assert run.status == ImportRun.Status.QUEUED
    page = response.content.decode()
    assert "Waiting for a worker" in page and '<meta http-equiv="refresh" content="3">' in page
    queued = [
        (row.task_path, row.queue_name, row.args_kwargs["args"], row.status)
        for row in DBTaskResult.objects.filter(queue_name="imports")
    ]
    assert queued == [
        ("cms.tasks.run_wordpress_import", "imports", [run.pk], TaskResultStatus.READY)
    ]
    assert Article.objects.count() == 0
    assert storages["originals"].exists(run.file_name)

    call_command(
        "run_worker", "--batch", "--no-startup-delay", "--worker-id", "w-import", verbosity=0
    )
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert run.report["counts"]["article"]["created"] == 1
    assert Article.objects.get().legacy_id == "1"
    assert not storages["originals"].exists(run.file_name)
    assert DBTaskResult.objects.get(queue_name="imports").status == TaskResultStatus.SUCCESSFUL
    page = client.get(f"{URL}{run.pk}/").content.decode()
    assert "Report: news.example.com" in page and "http-equiv" not in page
