"""Small helpers that read settings from the environment.

Every helper raises ``ImproperlyConfigured`` naming the variable when its value
cannot be used, so that a bad deployment fails at start-up with a clear message
rather than later with a confusing one.
"""

import os
from urllib.parse import parse_qs, urlparse

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no), got {raw!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}.")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(name: str, default_url: str) -> dict:
    """Parse a database URL with dj-database-url (sqlite:///…, postgres://…)."""
    import dj_database_url

    url = os.environ.get(name) or default_url
    try:
        config = dj_database_url.parse(url, conn_max_age=0)
    except Exception as exc:  # dj-database-url raises several types for bad URLs
        raise ImproperlyConfigured(f"{name} is not a usable database URL: {exc}") from None
    if not config.get("ENGINE"):
        raise ImproperlyConfigured(f"{name} names an unknown database engine: {url!r}.")
    return config


def cache_from_url(name: str, default_url: str = "locmem://") -> dict:
    """Turn ``locmem://``, ``dummy://`` or ``redis://host:port/db`` into a CACHES entry.

    Redis uses Django's own backend (django.core.cache.backends.redis), which
    needs only redis-py; no third-party cache package is involved.
    """
    url = os.environ.get(name) or default_url
    parsed = urlparse(url)
    options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    prefix = options.pop("key_prefix", "cms")
    if parsed.scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": parsed.netloc or "cms",
            "KEY_PREFIX": prefix,
        }
    if parsed.scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    if parsed.scheme in {"redis", "rediss"}:
        if not parsed.hostname:
            raise ImproperlyConfigured(f"{name} needs a host, e.g. redis://127.0.0.1:6379/0.")
        location = parsed._replace(query="").geturl()
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    raise ImproperlyConfigured(
        f"{name} must start with locmem://, dummy:// or redis://, got {url!r}."
    )
