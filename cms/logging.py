"""Structured logs: one JSON object per line, with the request id.

Every record carries ``time``, ``level``, ``logger``, ``message`` and
``request_id`` (``-`` outside a request). Records about a request
(``django.request`` errors carry ``request``) add its method, path and status
and the user's id, never headers, cookies, query strings or bodies, which can
hold passwords, tokens or session keys. Exceptions add ``exc_type`` and the
traceback as ``exc``.
"""

import json
import logging
from datetime import UTC, datetime

from cms.middleware import request_id_var

# Attributes every LogRecord has; anything else was passed with ``extra=``.
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}
# Names of ``extra`` keys that are never written, whatever a caller passes.
_SECRET_WORDS = ("password", "secret", "token", "authorization", "cookie", "session", "key")


class RequestIdFilter(logging.Filter):
    """Put the current request id on every record (``%(request_id)s``)."""

    def filter(self, record):
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        request = getattr(record, "request", None)
        if entry["request_id"] == "-" and getattr(request, "id", None):
            # django.request logs after the middleware has returned.
            entry["request_id"] = request.id
        if request is not None and hasattr(request, "path"):
            entry["method"] = getattr(request, "method", None)
            entry["path"] = request.path
            user = getattr(request, "user", None)
            if user is not None and getattr(user, "is_authenticated", False):
                entry["user_id"] = user.pk
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        for name, value in vars(record).items():
            if name in _RESERVED or name in entry or name in {"request", "status_code"}:
                continue
            if any(word in name.lower() for word in _SECRET_WORDS):
                continue
            entry[name] = (
                value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
            )
        if record.exc_info:
            entry["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
