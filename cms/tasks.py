"""Background tasks for every app: one import that works on Django 5.2 and 6.

Define a task::

    from cms.tasks import task

    @task(queue_name="media")
    def generate_renditions(asset_pk: int) -> None:
        ...

and enqueue it after the commit that makes its input visible::

    from cms.tasks import enqueue_on_commit
    enqueue_on_commit(generate_renditions, asset.pk)

Backends (``settings.TASKS``, chosen by ``TASK_BACKEND``):

- ``immediate`` (development and tests): the task runs at once, in the
  request, so tests see its effect;
- ``database`` (production): the task is a row in the database, run by
  ``manage.py run_worker`` (django-tasks-db's worker plus the recovery of
  tasks left behind by a dead worker).

The rule for task authors: a task may run more than once (a worker can die
after doing the work and before recording it), so it must be idempotent:
look rows up by key and ``get_or_create``/``update``, write files under
names derived from their input, and do nothing when the work is done.
Arguments must be JSON-serialisable (pass primary keys, not objects).
Queues: ``default``, ``media``, ``imports``, ``cache``.
"""

from django.db import transaction

try:  # Django 6.0+
    from django.tasks import default_task_backend, task, task_backends
    from django.tasks.base import Task, TaskResultStatus
except ImportError:  # Django 5.2: the backport
    from django_tasks import default_task_backend, task, task_backends
    from django_tasks.base import Task, TaskResultStatus

__all__ = [
    "Task",
    "TaskResultStatus",
    "default_task_backend",
    "enqueue_on_commit",
    "task",
    "task_backends",
]


def enqueue_on_commit(task_obj: "Task", *args, **kwargs) -> None:
    """Enqueue ``task_obj`` once the current transaction commits (at once
    outside a transaction), so the worker never looks for rows that are not
    committed yet, and a rolled-back change enqueues nothing.

    The same task with the same arguments is enqueued once per commit: one
    save fires many signals (the article, each author link, each m2m change),
    and each would otherwise be a task row for the worker. Callbacks for the
    same task and arguments pending on one transaction share a flag, and the
    first of them to run enqueues; one dropped with a rolled-back savepoint
    takes its turn with it.
    """
    key = (id(task_obj), args, tuple(sorted(kwargs.items())))
    shared = {"done": False}
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for _savepoints, pending, _robust in connection.run_on_commit:
            # One that already ran (callbacks run by hand, as tests do) is not
            # pending any more.
            if getattr(pending, "enqueue_key", None) == key and not pending.shared["done"]:
                shared = pending.shared
                break

    def enqueue():
        if not shared["done"]:
            shared["done"] = True
            task_obj.enqueue(*args, **kwargs)

    enqueue.enqueue_key = key
    enqueue.shared = shared
    transaction.on_commit(enqueue)


def requeue_abandoned(*, worker_id: str | None = None, stale_after: int | None = None) -> int:
    """Put back in the queue the tasks a dead worker left RUNNING.

    A task counts as abandoned when its last claim was by ``worker_id`` (a
    worker restarting under the same id cannot still be running it), or when
    it started more than ``stale_after`` seconds ago (default
    ``settings.TASK_STALE_AFTER_SECONDS``). Returns how many were requeued.
    Only for the database backend; safe to run on any number of workers at
    once (each row is updated only while still RUNNING).
    """
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    stale_after = settings.TASK_STALE_AFTER_SECONDS if stale_after is None else stale_after
    cutoff = timezone.now() - timedelta(seconds=stale_after)
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    ids = [
        row.pk
        for row in running.only("pk", "started_at", "worker_ids")
        if (worker_id and row.worker_ids and row.worker_ids[-1] == worker_id)
        or (row.started_at is None or row.started_at < cutoff)
    ]
    if not ids:
        return 0
    return running.filter(pk__in=ids).update(status=TaskResultStatus.READY, started_at=None)


# --- the project's tasks ---------------------------------------------------------
# Each takes primary keys or paths and may run more than once (see above).
# Imports inside the bodies, so that any app can import this module without
# an import cycle.


@task(queue_name="media")
def generate_standard_renditions(asset_pk: int) -> None:
    """The standard renditions of one asset; existing ones are kept, so a
    rerun only makes what is missing."""
    from media_assets.renditions import generate_standard_renditions_for

    generate_standard_renditions_for(asset_pk)


def enqueue_standard_renditions(asset_pk: int) -> None:
    """``settings.MEDIA_ASSETS_RENDITION_DISPATCHER``: media_assets calls it
    after the upload commits, and knows nothing of tasks."""
    generate_standard_renditions.enqueue(asset_pk)


@task(queue_name="cache")
def purge_public_pages() -> None:
    """Invalidate every cached public page (a generation bump: running it
    twice only re-renders a page once more)."""
    from cms.caching import bump_generation

    bump_generation()


@task(queue_name="imports")
def run_wordpress_import(import_run_id: int) -> None:
    """An admin-started WordPress import (``articles.ImportRun``). A rerun of
    a run that died mid-way imports the file again (the importer is
    idempotent and resumable); a finished run is not run again."""
    from articles.importers.runs import import_run_perform

    import_run_perform(run_id=import_run_id)
