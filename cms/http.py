"""HTTP glue for the API: pagination, errors, throttling, body caps and
conditional GET.

Everything here is wired by name from settings (REST_FRAMEWORK, MIDDLEWARE),
so the apps' API modules never import ``cms`` (imports run cms -> articles ->
media_assets, DESIGN.md §1).
"""

import base64
import hashlib
import math
import time
from urllib.parse import parse_qs

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpResponseNotModified, JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_etags, parse_http_date_safe
from rest_framework import exceptions, pagination, parsers, throttling

API_PREFIX = "/api/"


# --- pagination -----------------------------------------------------------------


def _drf_cursor(encoded: str) -> bool:
    """Whether ``encoded`` holds DRF's cursor fields and nothing else."""
    try:
        raw = base64.b64decode(encoded.encode("ascii")).decode("ascii")
    except (ValueError, UnicodeError):
        return False
    return set(parse_qs(raw, keep_blank_values=True)) <= {"o", "r", "p"}


class CursorPagination(pagination.CursorPagination):
    """Cursor pagination (``next``/``previous``/``results``), stable under
    inserts because a page starts after a position, not at an offset.

    The view chooses the ordering: ``view.get_cursor_ordering(request)``
    returns a tuple of fields whose first one positions the cursor. Unknown
    ``ordering`` values fall back to the default (DESIGN.md §9).
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    invalid_cursor_message = "Invalid cursor."

    def get_ordering(self, request, queryset, view):
        return tuple(view.get_cursor_ordering(request))

    def paginate_queryset(self, queryset, request, view=None):
        # A page after a position on the publication time: a big term's walk
        # (ArticleQuerySet.walk_from) restarts at the term's nearest article
        # past the position, the side DRF filters on below.
        walk_from = getattr(queryset, "walk_from", None)
        cursor = self.decode_cursor(request) if walk_from else None
        if cursor is not None and cursor.position is not None:
            first = self.get_ordering(request, queryset, view)[0]
            # DRF's own test: reversed cursor XOR descending order. Lists in
            # another order are left as they are (walk_from's ``field``).
            older = cursor.reverse != first.startswith("-")
            queryset = walk_from(cursor.position, older=older, field=first.lstrip("-"))
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            cursor = False
        encoded = request.query_params.get(self.cursor_query_param)
        if cursor is False or (encoded and not _drf_cursor(encoded)):
            # A bad cursor is a bad parameter, not a missing page; so is
            # another list's (a ranked search's, articles.api), which DRF
            # would read as the first page.
            raise exceptions.ValidationError({"cursor": [self.invalid_cursor_message]}) from None
        return cursor

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": 10_000}
                parameter["description"] = (
                    f"Items per page; {self.page_size} by default, at most {self.max_page_size}."
                )
        return parameters

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        for name in ("next", "previous"):
            response["properties"][name].pop("example", None)
        return response


# --- parsers ----------------------------------------------------------------------


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class CappedJSONParser(parsers.JSONParser):
    """JSON bodies are read whole into memory, so they are capped at
    DATA_UPLOAD_MAX_MEMORY_SIZE like form bodies are (DRF does not check)."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        cap = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request is not None and cap is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > cap:
                raise PayloadTooLarge()
        return super().parse(stream, media_type, parser_context)


# --- errors -----------------------------------------------------------------------


def _validation_detail(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in errors] for field, errors in exc.message_dict.items()}
    return {"detail": " ".join(str(m) for m in exc.messages)}


def exception_handler(exc, context):
    """DRF's handler plus the Django exceptions that services and request
    parsing raise, so that every API error is JSON and none is a 500."""
    # Imported here: rest_framework.views reads the parser and throttle
    # classes of this module while it is being imported.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_validation_detail(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent | SuspiciousOperation):
        exc = exceptions.ValidationError({"detail": str(exc) or "Bad request."})
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = exceptions.APIException(
            "This object is still in use and cannot be deleted.", code="protected"
        )
        exc.status_code = 409
    elif isinstance(exc, PermissionDenied | Http404):
        pass  # DRF maps these itself.
    response = drf_exception_handler(exc, context)
    if response is not None:
        response["Cache-Control"] = "no-store"
    return response


def json_not_found(request, *args, **kwargs):
    """Unknown addresses under /api/ answer in JSON, not with the site's
    HTML 404 page."""
    return JsonResponse({"detail": "Not found."}, status=404)


# --- throttling -----------------------------------------------------------------


class _SettingsRateMixin:
    """Reads the rate on every request (not once at import), so settings
    overrides and env changes apply."""

    def get_rate(self):
        return settings.API_THROTTLE_RATES.get(self.scope)


class _WindowCountMixin:
    """Counts a caller's requests per fixed window with the cache's atomic
    increment (on Redis one round trip, ``FailOpenRedisCache.count``), in
    place of DRF's ``SimpleRateThrottle`` history: a list of every request
    time in the window, read and rewritten whole on each request. That list
    costs two round trips and O(rate) bytes per request (10 KB each way at
    1 000 requests a second from one address), and two concurrent requests
    each append to their own copy, so a burst under concurrency was
    under-counted. A fixed window may let up to twice the rate through
    across its edge; the limit is for abuse, not billing. With the cache
    unreachable the request is allowed (``cms.cache_backends`` fails open)."""

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        key, timeout = f"{self.key}:{window}", self.duration + 1
        try:
            if hasattr(self.cache, "count"):  # Redis: one round trip
                count = self.cache.count(key, timeout)
            else:  # other caches (local memory in development and tests)
                self.cache.add(key, 0, timeout)
                count = self.cache.incr(key)
        except ValueError:  # expired since the add, or the cache is unreachable
            self.cache.add(key, 1, timeout)
            count = 1
        return count <= self.num_requests

    def wait(self):
        """Seconds until the window ends (``Retry-After``)."""
        return max(1.0, self.window_end - self.now)


class AnonRateThrottle(_SettingsRateMixin, _WindowCountMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_SettingsRateMixin, _WindowCountMixin, throttling.UserRateThrottle):
    """The rate of authenticated callers only. DRF's own class also counts
    anonymous callers by address, so they were held to the lower of the two
    rates; ``AnonRateThrottle`` alone decides for them."""

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)


# --- conditional GET --------------------------------------------------------------


def _strong_etag(content: bytes, prefix: str = "") -> str:
    return f'"{prefix}{hashlib.sha256(content).hexdigest()[:40]}"'


def _last_modified(request, etag: str, identity: str) -> int:
    """When this URL first showed this representation, as a timestamp.

    Categories, tags and lists have no single modification time, and an
    article's ``updated_at`` does not move when an embedded author changes.
    So the time is that of the representation itself: remembered per URL and
    viewer, and strictly increasing from one representation to the next, so
    that ``If-Modified-Since`` never answers 304 for a newer one.
    """
    key = "api-lm:" + hashlib.sha256(f"{identity}|{request.get_full_path()}".encode()).hexdigest()
    seen = cache.get(key)
    if seen and seen[0] == etag:
        return seen[1]
    stamp = math.ceil(time.time())
    if seen:
        stamp = max(stamp, seen[1] + 1)
    cache.set(key, (etag, stamp), settings.API_LAST_MODIFIED_TTL)
    return stamp


def api_validators(request, content: bytes, response, identity: str = "anonymous"):
    """The ETag and Last-Modified of an API response's body for ``identity``."""
    etag = _strong_etag(content, getattr(response, "etag_prefix", ""))
    return etag, _last_modified(request, etag, identity)


def _not_modified(request, etag: str, last_modified: int) -> bool:
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match:
        # Weak comparison for If-None-Match (RFC 9110 §13.1.2).
        tags = {tag.removeprefix("W/") for tag in parse_etags(if_none_match)}
        return "*" in tags or etag in tags
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    return since is not None and last_modified <= since


class ApiConditionalGetMiddleware:
    """For successful GET/HEAD under /api/: a strong ETag over the body, a
    Last-Modified, 304 for If-None-Match / If-Modified-Since, and the
    Cache-Control that fits the viewer (public for anonymous readers,
    ``private, no-store`` as soon as someone is authenticated).

    A view can put the resource's version in front of the hash by setting
    ``response.etag_prefix`` (articles do: If-Match compares the version).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX):
            return response
        patch_vary_headers(response, ("Authorization", "Cookie", "Accept"))
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        if getattr(response, "streaming", False):
            return response
        user = getattr(request, "user", None)
        authenticated = bool(user is not None and user.is_authenticated) or (
            "HTTP_AUTHORIZATION" in request.META
        )
        if authenticated:
            response["Cache-Control"] = "private, no-store"
            identity = f"user:{getattr(user, 'pk', '')}"
        else:
            response["Cache-Control"] = f"public, max-age={settings.API_CACHE_MAX_AGE}"
            identity = "anonymous"
        validators = getattr(response, "api_validators", None)
        if validators is not None and not authenticated:
            # A hit of the API response cache: worked out when it was stored.
            etag, last_modified = validators
        else:
            etag, last_modified = api_validators(request, response.content, response, identity)
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        if _not_modified(request, etag, last_modified):
            not_modified = HttpResponseNotModified()
            for header in ("ETag", "Last-Modified", "Cache-Control", "Vary"):
                not_modified[header] = response[header]
            return not_modified
        return response


# --- If-Match -------------------------------------------------------------------


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_detail = "The resource changed since the ETag named in If-Match; nothing was changed."
    default_code = "precondition_failed"


def check_if_match(request, representation) -> None:
    """Refuse (412) a write whose ``If-Match`` names none of the resource's
    current ETags; do nothing without the header.

    ``representation`` is a callable returning the bytes a GET of the same
    URL would send this user now; its ETag is computed as the middleware
    computes GET's (``_strong_etag``), so the two always agree. Called under
    a lock on the row, so two writers holding the same ETag cannot both pass.
    Comparison is strong (RFC 9110 §13.1.1): a weak or malformed tag never
    matches. Articles compare their version instead (``articles.api``).

    Wired by name (``settings.API_IF_MATCH_CHECK``) like the rest of this
    module, so the apps' API modules need not import ``cms``.
    """
    header = request.headers.get("If-Match")
    if not header or header.strip() == "*":
        return
    if _strong_etag(representation()) not in parse_etags(header):
        raise PreconditionFailed()
