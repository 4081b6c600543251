"""Site-wide middleware: probes, request ids, security headers, request limits
and admin login throttling.

Order in ``settings.MIDDLEWARE`` matters:

1. ``HealthCheckMiddleware`` comes first, so that load-balancer probes of
   ``/healthz`` and ``/readyz`` are answered before anything reads the Host
   header (a probe uses the instance's IP, which is not in ALLOWED_HOSTS) or
   redirects plain HTTP to HTTPS.
2. ``RequestIdMiddleware`` next, so that every later log line carries the id.
3. ``django.middleware.security.SecurityMiddleware`` (HSTS, nosniff,
   Referrer-Policy, COOP, the HTTPS redirect).
4. ``ContentSecurityPolicyMiddleware``, ``RequestSizeLimitMiddleware`` and
   ``LoginThrottleMiddleware``.
"""

import hashlib
import logging
import re
import uuid
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger("cms.security")

# The id of the request being handled, read by the JSON log formatter.
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# A request id from the proxy is kept only when it looks like one: it ends up
# in every log line, so it must not be able to inject text into the logs.
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


class HealthCheckMiddleware:
    """Answer ``/healthz`` and ``/readyz`` before host validation and redirects."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info.rstrip("/")
        if path == "/healthz":
            from cms.health import healthz

            return healthz(request)
        if path == "/readyz":
            from cms.health import readyz

            return readyz(request)
        return self.get_response(request)


class RequestIdMiddleware:
    """Give each request an id (the proxy's ``X-Request-ID`` when valid, else a
    new UUID), expose it as ``request.id``, in log lines and in the response."""

    header = "HTTP_X_REQUEST_ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(self.header, "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


def build_csp(directives: dict[str, list[str]]) -> str:
    return "; ".join(f"{name} {' '.join(values)}".strip() for name, values in directives.items())


class ContentSecurityPolicyMiddleware:
    """Send a Content-Security-Policy on every HTML-capable response.

    Django 6.0 has ``django.middleware.csp`` but 5.2 has nothing, and the
    project runs on both; this middleware is small, the same on both, and
    lets one policy apply to the public site (no ``'unsafe-inline'``) and a
    looser one to the admin and the API docs, whose bundled JavaScript and
    inline styles are not ours to change. A view that sets its own header
    keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.public = build_csp(settings.CSP_PUBLIC)
        self.relaxed = build_csp(settings.CSP_RELAXED)
        self.relaxed_prefixes = tuple(settings.CSP_RELAXED_PATH_PREFIXES)

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            relaxed = request.path_info.startswith(self.relaxed_prefixes)
            response["Content-Security-Policy"] = self.relaxed if relaxed else self.public
        return response


class RequestSizeLimitMiddleware:
    """Refuse bodies larger than ``MAX_REQUEST_BYTES`` with 413 before they are
    read. Django caps form fields and file counts itself
    (``DATA_UPLOAD_MAX_NUMBER_FIELDS``/``_FILES``) but not the total size of a
    multipart upload; the proxy should cap it too (``client_max_body_size``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.MAX_REQUEST_BYTES
        if length > limit:
            logger.warning("request body too large: %d bytes (limit %d)", length, limit)
            if request.path_info.startswith("/api/"):
                return JsonResponse(
                    {"detail": f"Request body too large (limit {limit} bytes)."}, status=413
                )
            return HttpResponse(
                f"Request body too large (limit {limit} bytes).",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


# --- login throttling -------------------------------------------------------------
#
# A small cache-based lockout rather than django-axes: axes puts its backend
# in front of every authenticate() call and then refuses calls made without a
# request (Django's test client login, management commands), and keeps its own
# tables; this needs neither. Failures are counted per username and per client
# address in the shared cache (Redis in production, so every app server sees
# the same counts) through Django's own ``user_login_failed`` signal.


def client_ip(request) -> str:
    """The client's address: ``LOGIN_THROTTLE_IP_HEADER`` (set by a trusted
    proxy, e.g. HTTP_X_REAL_IP) when configured, else REMOTE_ADDR."""
    header = settings.LOGIN_THROTTLE_IP_HEADER
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def _keys(username: str, ip: str) -> tuple[str, str]:
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"login-fail:user:{digest}", f"login-fail:ip:{ip}"


def _bump(key: str) -> None:
    window = settings.LOGIN_THROTTLE_LOCKOUT_SECONDS
    if not cache.add(key, 1, window):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, window)


def record_login_failure(sender, credentials, request=None, **kwargs) -> None:
    """``user_login_failed`` receiver: count the failure."""
    if request is None:
        return
    username = str(credentials.get("username", ""))
    user_key, ip_key = _keys(username, client_ip(request))
    try:
        _bump(user_key)
        _bump(ip_key)
    except Exception:  # a cache outage must not turn a failed login into a 500
        logger.exception("login throttle: could not record a failure")
    logger.warning("login failed for %r from %s", username[:150], client_ip(request))


def clear_login_failures(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: a successful login resets its username."""
    if request is None:
        return
    try:
        cache.delete(_keys(user.get_username(), "")[0])
    except Exception:
        logger.exception("login throttle: could not clear failures")


def is_locked_out(username: str, ip: str) -> bool:
    user_key, ip_key = _keys(username, ip)
    try:
        counts = cache.get_many([user_key, ip_key])
    except Exception:
        # Fail open: with the cache down, editors can still log in (passwords
        # are still checked, with Argon2); the outage is logged.
        logger.exception("login throttle: cache unavailable, not enforcing")
        return False
    return (
        counts.get(user_key, 0) >= settings.LOGIN_THROTTLE_MAX_FAILURES
        or counts.get(ip_key, 0) >= settings.LOGIN_THROTTLE_MAX_FAILURES_PER_IP
    )


class LoginThrottleMiddleware:
    """Refuse login POSTs for a locked-out username or address with 429, even
    when the password is right, until the lockout expires."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.paths = set(settings.LOGIN_THROTTLE_PATHS)

    def __call__(self, request):
        if request.method == "POST" and request.path_info in self.paths:
            username = request.POST.get("username", "")
            if is_locked_out(username, client_ip(request)):
                logger.warning(
                    "login refused (locked out) for %r from %s", username[:150], client_ip(request)
                )
                minutes = max(1, settings.LOGIN_THROTTLE_LOCKOUT_SECONDS // 60)
                response = HttpResponse(
                    "Too many failed login attempts. "
                    f"Try again in {minutes} minutes or ask an administrator.",
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
                response["Retry-After"] = str(settings.LOGIN_THROTTLE_LOCKOUT_SECONDS)
                return response
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """Turn "the database is down" into 503 with Retry-After, not 500.

    Listed last in MIDDLEWARE so its ``process_exception`` sees a view's
    exception first. With ``connect_timeout`` set (settings), a request
    fails within seconds while PostgreSQL is down or restarting, and the
    next one reconnects by itself (CONN_HEALTH_CHECKS).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import InterfaceError, OperationalError

        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error(
            "database unavailable: %s: %s", type(exception).__name__, exception,
            extra={"request": request, "status_code": 503},
        )  # fmt: skip
        message = "The service is temporarily unavailable. Please try again shortly."
        if request.path_info.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "5"
        response["Cache-Control"] = "no-store"
        return response
