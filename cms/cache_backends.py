"""A Redis cache that fails open: with Redis down or slow, reads miss and
writes are dropped (logged, rate-limited), so pages and the API still answer,
uncached, instead of failing with 500. Django's own RedisCache raises.

Everything that uses the cache here treats it as a cache (page cache,
throttles, probes), never as the only copy of data: sessions and task queues
live in the database.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger("cms.cache")

try:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    _ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
except ImportError:  # pragma: no cover - redis-py is a requirement
    _ERRORS = (OSError,)

_last_warning = 0.0

# INCR, and the life of the counter set by its first count (as Django's add()
# would: SET NX EX), in one call.
_COUNTER_LUA = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""
_counter_script = None


def _counter(client):
    """The counter script, registered once (redis-py sends it by its SHA, and
    the source once to a server that does not know it yet); each call names
    its client (Django makes one per call, sharing the connection pool)."""
    global _counter_script
    if _counter_script is None:
        _counter_script = client.register_script(_COUNTER_LUA)
    return _counter_script


def _warn(operation: str, exc: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 10:  # one line per 10 s, not one per request
        _last_warning = now
        logger.warning("cache unavailable (%s): %s: %s", operation, type(exc).__name__, exc)


class FailOpenRedisCache(RedisCache):
    """Django's RedisCache, with connection errors turned into misses."""

    def _safe(self, operation, default, call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except _ERRORS as exc:
            _warn(operation, exc)
            return default

    def get(self, key, default=None, version=None):
        return self._safe("get", default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._safe("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._safe("has_key", False, super().has_key, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._safe("set", None, super().set, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._safe("add", False, super().add, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._safe("set_many", list(data), super().set_many, data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._safe("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._safe("delete", False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        self._safe("delete_many", None, super().delete_many, keys, version)

    def clear(self):
        self._safe("clear", None, super().clear)

    def count(self, key, timeout: int, version=None) -> int:
        """Add one to the counter ``key`` (created with a life of ``timeout``
        seconds by its first count) and return it: one round trip, atomic (a
        script run by Redis), where ``add`` then ``incr`` took three (incr
        asks whether the key exists first). For the API throttles
        (``cms.http``). Raises ValueError when Redis is unreachable."""
        made = self.make_and_validate_key(key, version=version)
        try:
            client = self._cache.get_client(made, write=True)
            return int(_counter(client)(keys=[made], args=[int(timeout)], client=client))
        except _ERRORS as exc:
            _warn("count", exc)
            raise ValueError(f"cache unavailable: {key!r} not counted") from exc

    def incr(self, key, delta=1, version=None):
        # Callers already handle ValueError (a missing key): an unreachable
        # counter is treated the same way.
        try:
            return super().incr(key, delta, version)
        except _ERRORS as exc:
            _warn("incr", exc)
            raise ValueError(f"cache unavailable: {key!r} not incremented") from exc
