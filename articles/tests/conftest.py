"""Fixtures shared by the cache tests (pages and API)."""

import datetime

import pytest
from django.utils import timezone


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a change and its after-commit hooks, as a real request would."""

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


@pytest.fixture
def later(monkeypatch):
    """Move the clock (the caches' and timezone.now) forward."""
    from cms import caching

    def move(seconds):
        real_now = timezone.now()
        real_clock = caching._clock()
        monkeypatch.setattr(caching, "_clock", lambda: real_clock + seconds)
        monkeypatch.setattr(timezone, "now", lambda: real_now + datetime.timedelta(seconds=seconds))

    return move
