"""`make backup` / `make restore` on the embedded defaults: a round trip into
an empty database, run as an operator would, in fresh processes."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CREATE = """
from articles.tests.factories import make_article, make_category
from django.core.files.storage import default_storage
from django.core.files.base import ContentFile
section = make_category(name="Opinion", slug="opinion")
make_article(headline="Backed up headline", section=section)
default_storage.save("originals/2026/photo.jpg", ContentFile(b"photo-bytes"))
"""

READ = """
from articles.models import Article
from django.core.files.storage import default_storage
print(list(Article.objects.values_list("headline", flat=True)))
print(default_storage.open("originals/2026/photo.jpg").read())
"""


def _manage(var_dir: Path, *args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CACHE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="cms.settings",
        SECRET_KEY="backup-test-secret-key-" + "x" * 30,
        CMS_VAR_DIR=str(var_dir),
        MEDIA_ROOT=str(var_dir / "media"),
        LOG_FORMAT="text",
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_backup_restores_into_an_empty_database(tmp_path):
    source, target = tmp_path / "source", tmp_path / "target"
    assert _manage(source, "migrate", "--no-input", "-v0").returncode == 0
    created = _manage(source, "shell", "-c", CREATE)
    assert created.returncode == 0, created.stderr

    backup = _manage(source, "backup_site", "--output-dir", str(tmp_path / "backups"))
    assert backup.returncode == 0, backup.stderr
    archives = list((tmp_path / "backups").glob("cms-*.tar.gz"))
    assert len(archives) == 1
    assert f"Backup written: {archives[0]} (sqlite," in backup.stdout
    assert "1 media files" in backup.stdout

    restored = _manage(target, "restore_site", str(archives[0]))
    assert restored.returncode == 0, restored.stderr
    assert "1 media files" in restored.stdout
    read = _manage(target, "shell", "-c", READ)
    assert read.returncode == 0, read.stderr
    assert read.stdout.splitlines()[-2:] == ["['Backed up headline']", "b'photo-bytes'"]
    # The restored database is complete: nothing left to migrate.
    plan = _manage(target, "migrate", "--plan")
    assert "No planned migration operations." in plan.stdout

    # A database that is not empty is refused, and left as it was.
    again = _manage(target, "restore_site", str(archives[0]))
    assert again.returncode != 0
    assert "The database is not empty" in again.stderr


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    missing = _manage(tmp_path, "restore_site", str(tmp_path / "nope.tar.gz"))
    assert missing.returncode != 0
    assert "No such backup" in missing.stderr
