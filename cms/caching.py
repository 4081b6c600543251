"""Server-side cache of anonymous public pages, with correct invalidation.

How an entry stays correct:

- Every entry carries the *generation* number that was current when it was
  made; the number is kept in the cache and read with the entry, in one
  round trip (``_lookup``), or taken from this worker's recent copy of it
  (``LocalTier``). Any change to what public pages show (an
  article, its authors/tags/categories, a section, an author, a tag, a
  photo's caption or credit) bumps it after the commit (``articles.signals``),
  so every entry stops being served and each page is re-rendered on its
  next request, replacing its old entry.
- Visibility also changes with time alone: a scheduled article's
  ``publish_at`` or an ``expires_at`` is reached, or a photo's rights expire.
  No entry may outlive the soonest such moment: its TTL is bounded by
  ``next_change_at()``, computed with three indexed queries once per
  generation (and again once that moment has passed).
- Only anonymous requests are served from or stored in the cache: a request
  with a session cookie or an Authorization header bypasses it entirely, so
  staff previews and logged-in views are never cached. A response that sets a
  cookie, is not a 200, or says ``private``/``no-store`` is never stored, and
  a stored response carries no ``Set-Cookie``.

Cached or not, anonymous responses get ``ETag``, ``Last-Modified`` and
``Cache-Control`` and answer conditional requests with 304.
"""

import hashlib
import threading
import time
from collections import OrderedDict
from datetime import datetime
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

GENERATION_KEY = "public-pages:generation"
# Query parameters the public views read; others cannot change a page, so
# they are left out of the key (and cannot be used to flood the cache).
KEY_QUERY_PARAMS = ("after", "before", "q", "page", "section", "year", "language")
_KEPT_HEADERS = ("Content-Type", "X-Robots-Tag", "Content-Language")


def _clock() -> float:
    """Unix time; one seam so that tests can move time forward."""
    return time.time()


def page_cache_seconds() -> int:
    """Longest life of a server-side entry (PUBLIC_PAGE_CACHE_SECONDS, 0 = off)."""
    return int(getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 600))


def browser_max_age() -> int:
    """max-age sent to browsers and CDNs; 0 (the default) makes them
    revalidate every time, which the server answers from its cache or
    with a 304, so an edit shows at once."""
    return int(getattr(settings, "PUBLIC_PAGE_MAX_AGE", 0))


def local_seconds() -> int:
    """How long a worker trusts the generation it last read (PAGE_CACHE_LOCAL_SECONDS,
    0 = read the shared cache on every request)."""
    return int(getattr(settings, "PAGE_CACHE_LOCAL_SECONDS", 1))


# --- the per-process tier -------------------------------------------------------------


class LocalTier:
    """What this worker process last read of the shared cache.

    With the cache in another process (Redis in production), each lookup is a
    network round trip, and on a cached page that trip costs more than all the
    rest of the answer. So each worker keeps the generation it last read, and
    trusts it for ``local_seconds()``, and the entries it last served or stored
    (least recently used first out, at most PAGE_CACHE_LOCAL_MB of content).
    A hit within that window costs no round trip at all.

    What it costs: a change made in *this* process is seen here at once
    (``bump_generation`` updates the copy), but one made in another process
    (another worker, the task worker) is seen here only when the window ends,
    at most ``local_seconds()`` later. Time-driven changes are never late:
    each entry keeps its own ``fresh_until``.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.generation = None
            self.read_at = 0.0
            self._entries = OrderedDict()
            self._bytes = 0
            self._values = {}

    def recent_generation(self) -> int | None:
        """The generation read less than ``local_seconds()`` ago, or None."""
        seconds = local_seconds()
        if seconds <= 0 or self.generation is None or _clock() - self.read_at >= seconds:
            return None
        return self.generation

    def note_generation(self, generation: int) -> None:
        """Remember ``generation`` as read now; entries of another one are dropped."""
        if local_seconds() <= 0:
            return
        with self._lock:
            if generation != self.generation:
                self._entries.clear()
                self._bytes = 0
                self._values.clear()
            self.generation = generation
            self.read_at = _clock()

    def get(self, key: str, generation: int):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry["generation"] != generation:
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry) -> None:
        limit = int(getattr(settings, "PAGE_CACHE_LOCAL_MB", 32)) * 1024 * 1024
        size = len(entry["content"])
        # One huge response must not push out everything else.
        if local_seconds() <= 0 or size > limit // 8 or entry["generation"] != self.generation:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old["content"])
            self._entries[key] = entry
            self._bytes += size
            while self._bytes > limit:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped["content"])

    def __len__(self) -> int:
        return len(self._entries)

    def remembered(self, key: str, generation: int, compute):
        """The value of ``key`` at ``generation`` (``compute()``, which reads
        the shared cache), kept in this process for as long as that
        generation is the one it knows: for values that change only with the
        content, such as the section navigation every page shows, whose
        round trip to Redis was a twentieth of an uncached article page.
        A handful of keys, dropped with the generation."""
        if local_seconds() <= 0:
            return compute()
        with self._lock:
            held = self._values.get(key)
        if held is not None and held[0] == generation:
            return held[1]
        value = compute()
        with self._lock:
            if generation == self.generation:
                self._values[key] = (generation, value)
        return value


local_tier = LocalTier()


# --- generation --------------------------------------------------------------------


def current_generation() -> int:
    generation = local_tier.recent_generation()
    if generation is not None:
        return generation
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # Nanoseconds: a lost counter never comes back as a value that an
        # older, still-cached generation used.
        cache.add(GENERATION_KEY, time.time_ns(), None)
        generation = cache.get(GENERATION_KEY, 0)
    local_tier.note_generation(generation)
    return generation


def per_generation(key: str, compute, seconds: int):
    """``compute()``, kept for the current content generation (every content
    save starts a new one): in the shared cache under ``key`` and the
    generation, and in this worker while it knows that generation
    (``LocalTier.remembered``). For small values that change only with the
    content and are read on every page: the section navigation, the
    category tree."""
    generation = current_generation()
    return local_tier.remembered(
        key, generation, lambda: cache.get_or_set(f"{key}:{generation}", compute, seconds)
    )


def bump_generation() -> None:
    """Invalidate every cached public page (call after the commit)."""
    try:
        generation = cache.incr(GENERATION_KEY)
    except ValueError:  # the counter was evicted: start from a fresh value
        generation = time.time_ns()
        cache.set(GENERATION_KEY, generation, None)
    local_tier.note_generation(generation)


# --- time-driven changes ----------------------------------------------------------


def _compute_next_change(now: datetime) -> datetime | None:
    """The soonest future moment at which public pages change by themselves:
    a published article's publish_at or expires_at, or a photo's rights
    expiry. Three queries, each served by an index on its column."""
    from articles.models import Article
    from media_assets.models import MediaAsset

    published = Article.objects.filter(status=Article.Status.PUBLISHED)
    moments = [
        published.filter(publish_at__gt=now)
        .order_by("publish_at")
        .values_list("publish_at", flat=True)
        .first(),
        published.filter(expires_at__gt=now)
        .order_by("expires_at")
        .values_list("expires_at", flat=True)
        .first(),
        MediaAsset.objects.filter(rights_expire_at__gt=now)
        .order_by("rights_expire_at")
        .values_list("rights_expire_at", flat=True)
        .first(),
    ]
    moments = [m for m in moments if m is not None]
    return min(moments) if moments else None


def next_change_at(generation: int) -> float | None:
    """Unix time of the next time-driven change, cached per generation until
    it is reached; None when nothing is scheduled."""
    key = f"public-pages:next-change:{generation}"
    now = _clock()
    stored = cache.get(key)
    if stored is not None and (stored == 0 or stored > now):
        return stored or None
    moment = _compute_next_change(timezone.now())
    value = moment.timestamp() if moment else 0
    ttl = page_cache_seconds() if not moment else max(1, int(value - now))
    cache.set(key, value, min(ttl, page_cache_seconds()) or 1)
    return value or None


# --- the page cache ---------------------------------------------------------------


def is_anonymous_request(request) -> bool:
    """Judged from the request alone (no session read, no query)."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


def _request_key(prefix: str, request, params, extra: str = "") -> str:
    """A cache key for ``request``'s address with ``params`` (sorted)."""
    raw = f"{request.scheme}://{request.get_host()}{request.path}?{sorted(params)!r}|{extra}"
    return f"{prefix}:{hashlib.sha256(raw.encode()).hexdigest()}"


def _page_key(request) -> str:
    params = ((name, value) for name in KEY_QUERY_PARAMS for value in request.GET.getlist(name))
    return _request_key("public-pages", request, params)


def _storable(response) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
    )


def _finish(request, response, *, etag: str, last_modified: float):
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = f"public, max-age={browser_max_age()}, must-revalidate"
    patch_vary_headers(response, ["Cookie"])
    return get_conditional_response(
        request, etag=etag, last_modified=int(last_modified), response=response
    )


def _lookup(key: str):
    """The current generation and the entry stored under ``key`` if it was
    made in that generation (else None): from this process's copy while its
    generation is recent (``LocalTier``), else in one cache round trip."""
    generation = local_tier.recent_generation()
    if generation is not None:
        entry = local_tier.get(key, generation)
        if entry is not None:
            return generation, entry
        entry = cache.get(key)
        if entry is not None and entry["generation"] > generation:
            # Another process has already seen a newer generation and stored
            # this page in it: so the counter has moved on.
            generation = entry["generation"]
            local_tier.note_generation(generation)
    else:
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY)
        if generation is None:  # the counter was lost: restart it
            generation = current_generation()  # which notes it
        else:
            local_tier.note_generation(generation)
        entry = found.get(key)
    if entry is None or entry.get("generation") != generation:
        return generation, None
    local_tier.put(key, entry)
    return generation, entry


def _store(key: str, generation: int, longest: int, **entry) -> None:
    """Store ``entry`` under ``key`` for at most ``longest`` seconds and never
    past the next time-driven change (``next_change_at``)."""
    entry["generation"] = generation
    now = _clock()
    ttl = longest
    deadline = next_change_at(generation)
    if deadline is not None:
        # int() rounds down, so the entry is gone before the change.
        ttl = min(ttl, int(deadline - now))
    if ttl >= 1:
        entry["fresh_until"] = min(now + ttl, deadline or float("inf"))
        cache.set(key, entry, ttl)
        local_tier.put(key, entry)


def _fresh(entry) -> bool:
    # The backend's own expiry is in whole seconds; the entry also knows
    # the moment it goes stale (a scheduled change), to the microsecond.
    return entry is not None and _clock() < entry["fresh_until"]


def _cached_response(request, entry):
    """The response stored as ``entry``, finished for ``request``, or None."""
    if not _fresh(entry):
        return None
    response = HttpResponse(entry["content"], status=200)
    for name, value in entry["headers"].items():
        response[name] = value
    response["Content-Length"] = str(len(entry["content"]))
    response["X-Cache"] = "hit"
    return _finish(request, response, etag=entry["etag"], last_modified=entry["last_modified"])


# Paths no page is cached under: the API keeps its own cache (``cache_api_response``),
# so looking its requests up here was a wasted round trip on each of them.
NEVER_PAGE_CACHED = ("/api/",)


class PageCacheMiddleware:
    """Answer a cached page before the rest of the stack runs.

    Placed after the security, CSP, static-file and X-Frame-Options middleware
    (settings.MIDDLEWARE), so a hit still gets the request id and every
    security header, but skips URL resolution, sessions, CSRF, messages and
    the view: the work left is at most one cache round trip (none while this
    worker's copy of the generation is recent, ``LocalTier``). Only keys that
    ``cache_public_page`` stored can hit, so a path that is never cached costs
    one cache read here, and the decorator does not read again
    (``request._page_cache_miss``). This is the split of Django's own
    Fetch/UpdateCacheMiddleware, with this module's keys, generation and
    time-driven expiry instead of theirs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            is_anonymous_request(request)
            and page_cache_seconds() > 0
            and not request.path_info.startswith(NEVER_PAGE_CACHED)
        ):
            key = _page_key(request)
            generation, entry = _lookup(key)
            hit = _cached_response(request, entry)
            if hit is not None:
                return hit
            request._page_cache_miss = (generation, key)
        return self.get_response(request)


def cache_public_page(view):
    """Serve ``view`` from the page cache for anonymous readers."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_anonymous_request(request) or page_cache_seconds() <= 0:
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and "Cache-Control" not in response:
                # What a logged-in reader sees must never sit in a shared cache.
                response["Cache-Control"] = "private, no-cache"
            patch_vary_headers(response, ["Cookie"])
            return response

        looked_up = getattr(request, "_page_cache_miss", None)
        if looked_up is not None:  # PageCacheMiddleware already missed
            generation, key = looked_up
        else:
            key = _page_key(request)
            generation, entry = _lookup(key)
            hit = _cached_response(request, entry)
            if hit is not None:
                return hit

        response = view(request, *args, **kwargs)
        if not _storable(response):
            return response
        if hasattr(response, "render") and callable(response.render):
            response.render()
        content = response.content
        etag = '"' + hashlib.md5(content, usedforsecurity=False).hexdigest() + '"'
        last_modified = _clock()
        _store(
            key,
            generation,
            page_cache_seconds(),
            content=content,
            headers={h: response[h] for h in _KEPT_HEADERS if h in response},
            etag=etag,
            last_modified=last_modified,
        )
        response["X-Cache"] = "miss"
        return _finish(request, response, etag=etag, last_modified=last_modified)

    return wrapper


# --- the API response cache ----------------------------------------------------------


def api_cache_seconds() -> int:
    """Longest life of a cached anonymous API response (API_RESPONSE_CACHE_SECONDS,
    by default PUBLIC_PAGE_CACHE_SECONDS; 0 = off)."""
    return int(getattr(settings, "API_RESPONSE_CACHE_SECONDS", page_cache_seconds()))


def _api_key(request) -> str:
    # Every parameter shapes an API response (filters, fields, expand, the
    # cursor); unknown ones were refused before the view ran. The negotiated
    # media type carries the ``indent`` a client may ask for.
    return _request_key("api", request, request.GET.lists(), request.accepted_media_type)


def cache_api_response(method):
    """Cache what a DRF ``list``/``retrieve`` returns to anonymous callers.

    The same rules as the page cache: each entry carries the content generation
    (every change that the API shows bumps it), the entry never outlives the
    next scheduled change, and a caller with credentials or a session is
    never served from it nor stored. It wraps the handler, so authentication,
    permissions, throttling and parameter checks still run on every request,
    and ``cms.http.ApiConditionalGetMiddleware`` still adds the ETag and 304s.
    The rendered JSON is stored (once DRF has rendered it) with its ETag and
    Last-Modified, so a hit neither serialises, encodes nor hashes anything.
    """

    @wraps(method)
    def wrapper(self, request, *args, **kwargs):
        if not is_anonymous_request(request) or api_cache_seconds() <= 0:
            return method(self, request, *args, **kwargs)
        key = _api_key(request)
        generation, entry = _lookup(key)
        if _fresh(entry):
            response = HttpResponse(entry["content"], content_type=entry["content_type"])
            response.api_validators = entry["validators"]
            response["X-Cache"] = "hit"
            return response
        response = method(self, request, *args, **kwargs)
        if response.status_code == 200:

            def store(rendered):
                from cms.http import api_validators

                _store(
                    key,
                    generation,
                    api_cache_seconds(),
                    content=rendered.content,
                    content_type=rendered["Content-Type"],
                    # ETag and Last-Modified, so that a hit hashes nothing
                    # and reads nothing more (cms.http.ApiConditionalGetMiddleware).
                    validators=api_validators(request, rendered.content, rendered),
                )

            response.add_post_render_callback(store)
            response["X-Cache"] = "miss"
        return response

    return wrapper
