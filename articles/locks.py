"""Soft edit locks: "being edited by … since …".

A soft lock only warns; the hard guarantee against lost updates is the
version check in ``services.article_update``. The lock lives in the cache
(local memory or Redis alike) and expires by itself when the editor's page
stops refreshing it, so a closed tab never leaves an article locked.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone

LOCK_SECONDS = 120  # the editor page refreshes the lock every 30 seconds


@dataclass(frozen=True)
class EditLock:
    user_id: int
    username: str
    since: datetime

    def message(self) -> str:
        since = timezone.localtime(self.since).strftime("%H:%M")
        return f"Being edited by {self.username} since {since}."


def _key(article_id: int) -> str:
    return f"articles:edit-lock:{article_id}"


def lock_holder(article_id: int) -> EditLock | None:
    """The lock on the article, if any and not expired."""
    data = cache.get(_key(article_id))
    return EditLock(**data) if data else None


def lock_acquire(article_id: int, user) -> EditLock | None:
    """Take or refresh ``user``'s lock. Returns the lock another user holds
    (theirs is kept, and the caller should warn) or None when ``user`` holds
    it now."""
    key = _key(article_id)
    mine = {"user_id": user.pk, "username": user.get_username(), "since": timezone.now()}
    # add() is atomic on every backend: of two editors opening at once, one wins.
    if cache.add(key, mine, LOCK_SECONDS):
        return None
    held = lock_holder(article_id)
    if held is None:  # expired between the two calls
        cache.set(key, mine, LOCK_SECONDS)
        return None
    if held.user_id != user.pk:
        return held
    cache.set(key, {**mine, "since": held.since}, LOCK_SECONDS)
    return None


def lock_release(article_id: int, user) -> None:
    held = lock_holder(article_id)
    if held is not None and held.user_id == user.pk:
        cache.delete(_key(article_id))
