"""The API throttles' counter on a real Redis (cms.cache_backends
FailOpenRedisCache.count): atomic, with a life, one round trip. Skipped when
no Redis listens on 127.0.0.1:6379 (``make test`` needs none)."""

from unittest import mock

import pytest
import redis
from rest_framework.test import APIClient

from cms.cache_backends import FailOpenRedisCache

LIVE_REDIS = {
    "BACKEND": "cms.cache_backends.FailOpenRedisCache",
    "LOCATION": "redis://127.0.0.1:6379/14",
    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
}


@pytest.fixture
def redis_cache():
    cache = FailOpenRedisCache(LIVE_REDIS["LOCATION"], {"OPTIONS": LIVE_REDIS["OPTIONS"]})
    try:
        cache._cache.get_client(write=True).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means: no Redis here
        pytest.skip(f"no Redis at 127.0.0.1:6379 ({type(exc).__name__})")
    cache.clear()
    yield cache
    cache.clear()


def test_count_adds_one_atomically_with_a_life(redis_cache):
    assert [redis_cache.count("hits", 5) for _ in range(3)] == [1, 2, 3]
    assert redis_cache.count("other", 5) == 1
    assert redis_cache.get("hits") == 3
    client = redis_cache._cache.get_client(write=True)
    assert 0 < client.ttl(redis_cache.make_key("hits")) <= 5  # set by the first count


def test_count_is_one_round_trip(redis_cache):
    redis_cache.count("warm", 5)  # the script is known to the server from here on
    sent = []
    send = redis.Redis.execute_command

    def counted(client, *args, **options):
        sent.append(args[0])
        return send(client, *args, **options)

    with mock.patch.object(redis.Redis, "execute_command", counted):
        for _ in range(3):
            redis_cache.count("hits", 5)
    assert sent == ["EVALSHA"] * 3


def test_count_on_a_dead_redis_raises_value_error():
    cache = FailOpenRedisCache(
        "redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    )
    with pytest.raises(ValueError, match="cache unavailable"):
        cache.count("k", 5)


@pytest.mark.django_db
def test_api_throttle_counts_on_redis(redis_cache, settings, steady_clock):
    settings.CACHES = {"default": LIVE_REDIS}
    settings.API_THROTTLE_RATES = {"anon": "3/minute", "user": "100/minute"}
    client = APIClient()
    codes = [client.get("/api/v1/tags/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
