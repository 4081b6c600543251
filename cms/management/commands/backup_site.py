"""``manage.py backup_site``: the database and the media folder in one archive.

The archive (``var/backups/cms-<UTC time>.tar.gz`` by default) holds:

- ``manifest.json``: when, which engine, how many migrations and media files;
- the database: ``database.sqlite3`` (SQLite's online backup API: a
  consistent copy taken while the site runs) or ``database.pgdump``
  (``pg_dump --format=custom`` on PostgreSQL; needs the PostgreSQL client);
- ``media/``: the files under ``MEDIA_ROOT`` when media are on local disk.
  Media on S3 are not copied: use the bucket's versioning and replication.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone


def pg_env() -> dict:
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGHOST": str(db.get("HOST") or ""), "PGPORT": str(db.get("PORT") or "")}
    env.update({"PGUSER": db.get("USER") or "", "PGDATABASE": db["NAME"]})
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]  # through the environment, never argv
    return {k: v for k, v in env.items() if v != ""}


class Command(BaseCommand):
    help = "Back up the database and local media into one .tar.gz archive."

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", default=None, help="Default: var/backups/")

    def handle(self, *args, output_dir=None, **options):
        out = Path(output_dir or Path(settings.VAR_DIR) / "backups")
        out.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        archive = out / f"cms-{stamp}.tar.gz"
        with tempfile.TemporaryDirectory() as tmp:
            db_file = self._dump_database(Path(tmp))
            media_root = self._media_root()
            media_files = [p for p in media_root.rglob("*") if p.is_file()] if media_root else []
            manifest = {
                "created_at": timezone.now().isoformat(),
                "engine": connection.vendor,
                "database_file": db_file.name,
                "migrations": MigrationRecorder(connection).migration_qs.count(),
                "media_files": len(media_files),
            }
            (Path(tmp) / "manifest.json").write_text(json.dumps(manifest, indent=2))
            partial = archive.with_suffix(".partial")
            with tarfile.open(partial, "w:gz") as tar:
                tar.add(Path(tmp) / "manifest.json", "manifest.json")
                tar.add(db_file, db_file.name)
                for path in media_files:
                    tar.add(path, f"media/{path.relative_to(media_root).as_posix()}")
            partial.rename(archive)  # never a half-written archive under the real name
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written: {archive} ({manifest['engine']}, "
                f"{manifest['migrations']} migrations, {manifest['media_files']} media files)"
            )
        )
        return None

    def _media_root(self) -> Path | None:
        storage = storages["default"]
        if isinstance(storage, FileSystemStorage):
            root = Path(storage.location)
            return root if root.is_dir() else None
        self.stdout.write("Media are on object storage: not copied (use bucket versioning).")
        return None

    def _dump_database(self, tmp: Path) -> Path:
        if connection.vendor == "sqlite":
            target = tmp / "database.sqlite3"
            connection.ensure_connection()
            dest = sqlite3.connect(target)
            try:
                connection.connection.backup(dest)
            finally:
                dest.close()
            return target
        if connection.vendor == "postgresql":
            target = tmp / "database.pgdump"
            executable = shutil.which("pg_dump")
            if not executable:
                raise CommandError("pg_dump not found: install the PostgreSQL client.")
            # A fixed argument list; the password goes through the environment.
            result = subprocess.run(  # noqa: S603
                [executable, "--format=custom", "--no-owner", "--file", str(target)],
                env=pg_env(), capture_output=True, text=True,
            )  # fmt: skip
            if result.returncode != 0:
                raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
            return target
        raise CommandError(f"No backup method for the {connection.vendor} database.")
