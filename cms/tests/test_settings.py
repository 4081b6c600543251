"""Settings come from the environment; bad values fail with the variable's name."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from cms.env import cache_from_url, database_from_url, env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]


def _load_settings(**env):
    """Import cms.settings in a fresh interpreter with exactly ``env`` set."""
    clean = {k: v for k, v in os.environ.items() if k not in _SETTINGS_VARS}
    clean.update(env)
    code = (
        "import cms.settings as s; "
        "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], "
        "s.TIME_ZONE, s.USE_TZ, ','.join(s.ALLOWED_HOSTS))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )


_SETTINGS_VARS = {
    "DEBUG", "SECRET_KEY", "DATABASE_URL", "CACHE_URL", "ALLOWED_HOSTS", "TIME_ZONE",
    "CSRF_TRUSTED_ORIGINS", "MEDIA_ROOT", "SITE_URL", "DJANGO_SETTINGS_MODULE",
}  # fmt: skip


def test_debug_is_off_and_secret_key_required_by_default():
    result = _load_settings()
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_defaults_are_sqlite_locmem_utc(tmp_path):
    result = _load_settings(SECRET_KEY="x" * 50, CMS_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "django.db.backends.sqlite3",
        "django.core.cache.backends.locmem.LocMemCache",
        "UTC",
        "True",
    ]


def test_production_style_configuration():
    result = _load_settings(
        SECRET_KEY="x" * 50,
        DATABASE_URL="postgres://u:p@db.internal:5432/cms",
        CACHE_URL="redis://127.0.0.1:6379/1",
        ALLOWED_HOSTS="news.example.com, www.news.example.com",
        TIME_ZONE="Asia/Riyadh",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "django.db.backends.postgresql",
        # Django's RedisCache, failing open (cms/cache_backends.py).
        "cms.cache_backends.FailOpenRedisCache",
        "Asia/Riyadh",
        "True",
        "news.example.com,www.news.example.com",
    ]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be a boolean"),
        ({"TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE is not a known time zone"),
        ({"CACHE_URL": "memcached://x"}, "CACHE_URL must start with"),
        ({"DATABASE_URL": "nosuchdb://x/y"}, "DATABASE_URL"),
        ({"CSRF_TRUSTED_ORIGINS": "example.com"}, "CSRF_TRUSTED_ORIGINS"),
        ({"MEDIA_MAX_UPLOAD_MB": "lots"}, "MEDIA_MAX_UPLOAD_MB must be an integer"),
        ({"SITE_URL": "example.com"}, "SITE_URL must start with"),
    ],
)
def test_bad_values_name_the_variable(env, message):
    result = _load_settings(SECRET_KEY="x" * 50, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_env_helpers(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    monkeypatch.setenv("NUM", "12")
    monkeypatch.setenv("ITEMS", "a, b,,c ")
    assert env_bool("FLAG") is True
    assert env_bool("UNSET_FLAG", True) is True
    assert env_int("NUM", 1) == 12
    assert env_list("ITEMS") == ["a", "b", "c"]
    with pytest.raises(ImproperlyConfigured, match="NUM must be at least 20"):
        env_int("NUM", 1, minimum=20)


def test_cache_and_database_urls(monkeypatch):
    monkeypatch.setenv("CACHE_URL", "redis://127.0.0.1:6379/2?key_prefix=news")
    config = cache_from_url("CACHE_URL")
    assert config["LOCATION"] == "redis://127.0.0.1:6379/2"
    assert config["KEY_PREFIX"] == "news"
    monkeypatch.setenv("CACHE_URL", "redis://")
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL needs a host"):
        cache_from_url("CACHE_URL")
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/news")
    db = database_from_url("DATABASE_URL", "sqlite:///x")
    assert (db["ENGINE"], db["NAME"], db["HOST"], db["PORT"]) == (
        "django.db.backends.postgresql",
        "news",
        "127.0.0.1",
        5432,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "SECRET_KEY must be set when DEBUG is off"),
        ({"SECRET_KEY": "x" * 50, "TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE is not a known"),
    ],
)
def test_manage_py_names_the_bad_variable_instead_of_a_traceback(env, message):
    # Django's command runner used to swallow the settings error and die with
    # "Models aren't loaded yet", which named nothing the operator could fix.
    clean = {k: v for k, v in os.environ.items() if k not in _SETTINGS_VARS}
    clean.update(env)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=clean, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("Configuration error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_the_migrations_check_needs_no_secret_key():
    # It signs nothing: a hook or CI step may run it bare. A settings error
    # other than the key is still reported.
    clean = {k: v for k, v in os.environ.items() if k not in _SETTINGS_VARS}
    command = [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"]
    result = subprocess.run(command, cwd=ROOT, env=clean, capture_output=True, text=True)
    assert (result.returncode, result.stdout.strip()) == (0, "No changes detected"), result.stderr
    clean["TIME_ZONE"] = "Mars/Olympus"
    result = subprocess.run(command, cwd=ROOT, env=clean, capture_output=True, text=True)
    assert result.returncode == 2 and "TIME_ZONE is not a known" in result.stderr
