"""Probes for load balancers and orchestrators.

- ``/healthz``: liveness. 200 whenever the process can answer; it touches
  nothing else, so a database outage never gets healthy app servers killed.
- ``/readyz``: readiness. Checks the database, the cache and media storage,
  each in its own thread under one deadline (``READYZ_TIMEOUT`` seconds), and
  answers 200 when all pass, else 503; both with a JSON body naming each
  check. Failures give the exception's class only (the full message, which
  can carry host names, goes to the log).

Both are answered by ``cms.middleware.HealthCheckMiddleware`` before Host
validation and the HTTPS redirect, so a probe over plain HTTP to the
instance's address works.
"""

import logging
import time
from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connections
from django.http import JsonResponse

logger = logging.getLogger("cms.health")

PROBE_KEY = "readyz:probe"


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def healthz(request):
    return _no_store(JsonResponse({"status": "ok"}))


def check_database() -> None:
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        # The check runs in a worker thread: its connection must not leak.
        connection.close()


def check_cache() -> None:
    cache.set(PROBE_KEY, "1", 10)
    if cache.get(PROBE_KEY) != "1":
        raise RuntimeError("cache did not return the value just stored")


def check_storage() -> None:
    # A HEAD request on S3, a stat() on local disk: proves the store answers
    # and the credentials are accepted without writing anything.
    default_storage.exists("readyz-probe")


CHECKS = {"database": check_database, "cache": check_cache, "storage": check_storage}


def _timed(check):
    started = time.perf_counter()
    check()
    return round((time.perf_counter() - started) * 1000, 1)


def run_checks(checks=None, timeout: float | None = None) -> dict[str, dict]:
    """Run every check concurrently; return ``{name: {"ok": bool, ...}}``.

    A check that has not finished by the deadline counts as failed; its
    thread is left to finish on its own (it is bounded by the client's own
    connect/read timeouts) so the probe never hangs.
    """
    checks = checks or CHECKS
    timeout = settings.READYZ_TIMEOUT if timeout is None else timeout
    executor = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="readyz")
    try:
        futures = {name: executor.submit(_timed, check) for name, check in checks.items()}
        wait(futures.values(), timeout=timeout)
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
    results = {}
    for name, future in futures.items():
        if not future.done():
            results[name] = {"ok": False, "error": "timeout"}
            logger.error("readyz: %s did not answer within %.1fs", name, timeout)
        elif future.exception() is not None:
            exc = future.exception()
            results[name] = {"ok": False, "error": type(exc).__name__}
            logger.error("readyz: %s failed: %s: %s", name, type(exc).__name__, exc)
        else:
            results[name] = {"ok": True, "ms": future.result()}
    return results


def readyz(request):
    results = run_checks()
    ready = all(result["ok"] for result in results.values())
    body = {"status": "ok" if ready else "unavailable", "checks": results}
    return _no_store(JsonResponse(body, status=200 if ready else 503))
