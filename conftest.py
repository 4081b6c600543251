"""Suite-wide fixtures."""

import time

import pytest

# PostgreSQL's DROP DATABASE waits this long for other sessions to go away;
# the guard below waits as long, so it fires only when the drop would fail.
SESSIONS_GRACE_SECONDS = 5


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    # Every test writes files into its own temporary folder.
    settings.MEDIA_ROOT = tmp_path / "media"


def _forget_search_statistics():
    """A test's ANALYZE is not the last test's (articles.search reads the
    column's statistics once in a while). Not imported where the project
    runs without the articles app (settings_media_only)."""
    from django.apps import apps

    if apps.is_installed("articles"):
        from articles import search

        search.forget_statistics()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from cms.caching import local_tier

    cache.clear()
    local_tier.reset()
    _forget_search_statistics()
    yield
    cache.clear()
    local_tier.reset()
    _forget_search_statistics()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, django_db_keepdb):
    """pytest-django's test databases, checked before they are dropped: on
    PostgreSQL, a session still connected to one (a thread, a process or an
    event loop that opened its own connection and never closed it) fails the
    run and is named, instead of the bare "being accessed by other users"
    warning left when DROP DATABASE is refused."""
    yield
    if django_db_keepdb:
        return  # --reuse-db: nothing is dropped
    with django_db_blocker.unblock():
        leftovers = _other_sessions()
    if leftovers:
        lines = "\n".join(
            f"  pid {pid} on {db}, {state}, connected {started:%H:%M:%S}: {query!r}"
            for pid, db, state, started, query in leftovers
        )
        pytest.fail(
            "Sessions still connected to the test database, so it cannot be dropped; "
            "the code that opened them must close them when its work ends "
            "(connection.close() or connections.close_all() in that thread, process or "
            f"event loop). Their last query says which test:\n{lines}",
            pytrace=False,
        )


def _other_sessions():
    """Other sessions on the PostgreSQL test databases, after giving the ones
    that are closing the same grace as DROP DATABASE."""
    from django.db import connections

    found = []
    deadline = time.monotonic() + SESSIONS_GRACE_SECONDS
    for connection in connections.all():
        if connection.vendor != "postgresql":
            continue
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid, datname, state, backend_start, left(query, 200) "
                    "FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                rows = cursor.fetchall()
            if not rows or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        found += rows
    return found


@pytest.fixture
def steady_clock(monkeypatch):
    """The API throttles (cms.http) count per fixed window of the clock:
    requests that straddle a minute's end (a slow, loaded machine) start a
    new count. Pin the clock mid-minute so that a test's requests share one
    window."""
    from cms.http import AnonRateThrottle, UserRateThrottle

    for throttle in (AnonRateThrottle, UserRateThrottle):
        monkeypatch.setattr(throttle, "timer", lambda self: 1_800_000_000.0 + 30)
