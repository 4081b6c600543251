"""Background tasks through cms.tasks: immediate in tests, the database queue
and `run_worker` in production, and recovery when a worker dies mid-task."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from articles.tests.factories import make_article
from cms.caching import current_generation
from cms.tasks import TaskResultStatus, enqueue_on_commit, requeue_abandoned, task
from media_assets.models import Rendition
from media_assets.services import media_create
from media_assets.tests.factories import image_bytes


@task(queue_name="media")
def ensure_group(name: str) -> int:
    """Idempotent: running it twice leaves one group."""
    group, _ = Group.objects.get_or_create(name=name)
    return group.pk


@pytest.fixture
def database_backend(settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "media", "imports", "cache"],
        }
    }


def _run_worker(worker_id):
    call_command(
        "run_worker", "--batch", "--no-startup-delay", "--worker-id", worker_id, verbosity=0
    )


def _db_result(result):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.get(pk=result.id)


@pytest.mark.django_db
def test_immediate_backend_runs_at_once():
    result = ensure_group.enqueue("photo desk")
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == Group.objects.get(name="photo desk").pk


@pytest.mark.django_db
def test_enqueue_on_commit_waits_for_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        enqueue_on_commit(ensure_group, "sub-editors")
        assert not Group.objects.filter(name="sub-editors").exists()
    assert len(callbacks) == 1
    assert Group.objects.filter(name="sub-editors").count() == 1


@pytest.mark.django_db
def test_rolled_back_change_enqueues_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                enqueue_on_commit(ensure_group, "never")
                raise RuntimeError("the request failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Group.objects.filter(name="never").exists()


@pytest.mark.django_db
def test_one_save_queues_one_page_purge(database_backend, django_capture_on_commit_callbacks):
    # An article with authors and tags fires many signals; the worker gets
    # one purge for the commit, and another task or arguments stay apart.
    from articles.tests.factories import make_tag

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        article = make_article()
        article.headline = "Changed"
        article.save()
        article.tags.set([make_tag(), make_tag()])
        enqueue_on_commit(ensure_group, "a")
        enqueue_on_commit(ensure_group, "a")
        enqueue_on_commit(ensure_group, "b")
    queued = sorted((path, args) for path, _queue, args, _status in _queued())
    assert queued == [
        ("cms.tasks.purge_public_pages", ()),
        ("cms.tests.test_tasks.ensure_group", ("a",)),
        ("cms.tests.test_tasks.ensure_group", ("b",)),
    ]


@pytest.mark.django_db
def test_a_purge_dropped_with_a_savepoint_still_runs(
    database_backend, django_capture_on_commit_callbacks
):
    from cms.tasks import purge_public_pages

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue_on_commit(purge_public_pages)
        try:
            with transaction.atomic():
                enqueue_on_commit(purge_public_pages)
                raise RuntimeError("the inner change failed")
        except RuntimeError:
            pass
        enqueue_on_commit(purge_public_pages)
    assert [path for path, *_ in _queued()] == ["cms.tasks.purge_public_pages"]


@pytest.mark.django_db(transaction=True)
def test_database_queue_runs_on_the_worker(database_backend):
    result = ensure_group.enqueue("night desk")
    assert _db_result(result).status == TaskResultStatus.READY
    assert not Group.objects.filter(name="night desk").exists()
    _run_worker("w-test")
    row = _db_result(result)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.worker_ids == ["w-test"]
    assert Group.objects.filter(name="night desk").count() == 1


@pytest.mark.django_db(transaction=True)
def test_task_of_a_dead_worker_runs_again_safely(database_backend):
    result = ensure_group.enqueue("weekend desk")
    row = _db_result(result)
    # What a worker killed mid-task leaves: the row claimed and RUNNING, and
    # the work itself possibly done already.
    row.claim("host-1")
    Group.objects.create(name="weekend desk")
    # The same worker restarting recovers its own task at once and reruns it.
    _run_worker("host-1")
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.worker_ids == ["host-1", "host-1"]
    assert Group.objects.filter(name="weekend desk").count() == 1


@pytest.mark.django_db(transaction=True)
def test_only_stale_or_own_tasks_are_requeued(database_backend):
    fresh = _db_result(ensure_group.enqueue("a"))
    fresh.claim("host-2")  # still being worked on by a live worker
    stale = _db_result(ensure_group.enqueue("b"))
    stale.claim("host-3")
    type(stale).objects.filter(pk=stale.pk).update(started_at=timezone.now() - timedelta(hours=1))
    assert requeue_abandoned(worker_id="host-1", stale_after=900) == 1
    fresh.refresh_from_db()
    stale.refresh_from_db()
    assert fresh.status == TaskResultStatus.RUNNING
    assert stale.status == TaskResultStatus.READY
    assert stale.started_at is None


# --- the project's tasks ----------------------------------------------------------


@pytest.fixture
def one_rendition(settings):
    settings.MEDIA_ASSETS_RENDITIONS = {"thumb": {"width": 32}}


def _upload():
    return media_create(file=ContentFile(image_bytes(size=(64, 48)), name="a.jpg"))


def _queued():
    from django_tasks_db.models import DBTaskResult

    return sorted(
        (row.task_path, row.queue_name, tuple(row.args_kwargs["args"]), row.status)
        for row in DBTaskResult.objects.all()
    )


@pytest.mark.django_db
def test_upload_makes_renditions_through_the_immediate_task(
    one_rendition, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        asset = _upload()
    made = set(asset.renditions.values_list("spec", "width", "height"))
    assert made == {("thumb", 32, 24)}
    assert asset.renditions.filter(format="JPEG").count() == 1


@pytest.mark.django_db(transaction=True)
def test_upload_enqueues_renditions_on_commit_for_the_worker(one_rendition, database_backend):
    with transaction.atomic():
        asset = _upload()
        assert _queued() == []  # nothing before the commit
    assert _queued() == [
        ("cms.tasks.generate_standard_renditions", "media", (asset.pk,), TaskResultStatus.READY),
        # A new photo can change pages (articles.signals).
        ("cms.tasks.purge_public_pages", "cache", (), TaskResultStatus.READY),
    ]
    assert Rendition.objects.count() == 0  # the request made none
    _run_worker("w-media")
    assert asset.renditions.filter(spec="thumb", format="JPEG", width=32).count() == 1
    made = Rendition.objects.count()
    # A rerun (a worker died before recording success) makes nothing new.
    from cms.tasks import generate_standard_renditions

    generate_standard_renditions.call(asset.pk)
    assert Rendition.objects.count() == made


@pytest.mark.django_db(transaction=True)
def test_content_change_enqueues_the_cache_purge_on_commit(database_backend):
    before = current_generation()
    with transaction.atomic():
        make_article()
        assert _queued() == []
    queued = _queued()
    # One for the commit, though two rows were saved (the section, the article).
    assert len(queued) == 1
    assert set(queued) == {("cms.tasks.purge_public_pages", "cache", (), TaskResultStatus.READY)}
    assert current_generation() == before  # not purged by the request
    _run_worker("w-cache")
    assert current_generation() > before
    assert {status for *_, status in _queued()} == {TaskResultStatus.SUCCESSFUL}
