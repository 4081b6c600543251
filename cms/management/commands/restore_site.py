"""``manage.py restore_site ARCHIVE``: restore a ``backup_site`` archive into
an empty database (and the media into ``MEDIA_ROOT``).

It refuses a database that already has migrations applied, unless
``--force`` (which replaces it). The archive's engine must match the
configured one: SQLite archives are copied in with SQLite's backup API,
PostgreSQL archives go through ``pg_restore``.
"""

import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.core.files.storage import FileSystemStorage, storages
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder

from cms.management.commands.backup_site import pg_env


class Command(BaseCommand):
    help = "Restore a backup_site archive into an empty database and MEDIA_ROOT."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument(
            "--force", action="store_true", help="Replace a database that is not empty."
        )

    def handle(self, *args, archive, force=False, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"No such backup: {path}")
        applied = self._applied_migrations()
        if applied and not force:
            raise CommandError(
                f"The database is not empty ({applied} migrations applied). Restore into an "
                "empty database, or pass --force to replace it."
            )
        with tempfile.TemporaryDirectory() as tmp, tarfile.open(path, "r:gz") as tar:
            # The "data" filter refuses absolute paths, "..", links out of the
            # folder and device files: an archive cannot write outside tmp.
            tar.extractall(tmp, filter="data")
            tmp_path = Path(tmp)
            try:
                manifest = json.loads((tmp_path / "manifest.json").read_text())
            except (OSError, ValueError) as exc:
                raise CommandError(f"Not a backup_site archive: {exc}") from None
            if manifest["engine"] != connection.vendor:
                raise CommandError(
                    f"The backup is of a {manifest['engine']} database; this site uses "
                    f"{connection.vendor} (see README: moving between engines)."
                )
            self._restore_database(tmp_path / manifest["database_file"])
            restored_media = self._restore_media(tmp_path / "media")
        connections.close_all()
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {path.name}: {manifest['migrations']} migrations, "
                f"{restored_media} media files."
            )
        )

    def _applied_migrations(self) -> int:
        recorder = MigrationRecorder(connection)
        return recorder.migration_qs.count() if recorder.has_table() else 0

    def _restore_database(self, dump: Path) -> None:
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            source = sqlite3.connect(dump)
            try:
                # Replaces every page of the live database, in one step.
                source.backup(connection.connection)
            finally:
                source.close()
            return
        if connection.vendor == "postgresql":
            connections.close_all()
            executable = shutil.which("pg_restore")
            if not executable:
                raise CommandError("pg_restore not found: install the PostgreSQL client.")
            # A fixed argument list; the password goes through the environment.
            result = subprocess.run(  # noqa: S603
                [executable, "--no-owner", "--clean", "--if-exists", "--exit-on-error",
                 "--single-transaction", "--dbname", pg_env()["PGDATABASE"], str(dump)],
                env=pg_env(), capture_output=True, text=True,
            )  # fmt: skip
            if result.returncode != 0:
                raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
            return
        raise CommandError(f"No restore method for the {connection.vendor} database.")

    def _restore_media(self, folder: Path) -> int:
        if not folder.is_dir():
            return 0
        storage = storages["default"]
        if not isinstance(storage, FileSystemStorage):
            raise CommandError("Media are on object storage: restore them from the bucket.")
        root = Path(storage.location)
        count = 0
        for source in folder.rglob("*"):
            if source.is_file():
                target = root / source.relative_to(folder)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(source.read_bytes())
                count += 1
        return count
