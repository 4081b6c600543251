"""``manage.py run_worker``: the background worker for TASK_BACKEND=database.

It is django-tasks-db's ``db_worker`` (same options) that first puts back in
the queue the tasks a dead worker left behind (see
``cms.tasks.requeue_abandoned``). Give each worker a stable id
(``--worker-id`` or ``WORKER_ID``, e.g. ``%H-%i`` in a systemd template unit)
so that a restarted worker recovers its own unfinished task at once.
"""

import os
import socket

from django_tasks_db.management.commands import db_worker

from cms.tasks import requeue_abandoned


class Command(db_worker.Command):
    help = (
        "Run background tasks from the database queue, first requeueing the tasks a dead "
        "worker left running."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(
            worker_id=os.environ.get("WORKER_ID") or f"{socket.gethostname()}-{os.getpid()}"[:64],
            queue_name="*",
        )
        parser.add_argument(
            "--recover-only",
            action="store_true",
            help="Requeue abandoned tasks and exit (for a periodic timer).",
        )

    def handle(self, *args, recover_only=False, **options):
        count = requeue_abandoned(worker_id=options["worker_id"])
        if count or options["verbosity"] > 1:
            self.stdout.write(f"Requeued {count} abandoned task(s).")
        if recover_only:
            return
        super().handle(*args, **options)
