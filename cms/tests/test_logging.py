"""JSON log lines: request id, request context, and no secrets."""

import json
import logging
import sys

from django.test import RequestFactory

from cms.logging import JsonFormatter, RequestIdFilter
from cms.middleware import request_id_var


def _format(record):
    RequestIdFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_a_request_error_has_context_and_no_secrets():
    request = RequestFactory().post(
        "/admin/login/?token=abc",
        {"username": "desk", "password": "hunter2"},
        HTTP_AUTHORIZATION="Token s3cr3t",
        HTTP_COOKIE="sessionid=sess-value",
    )
    token = request_id_var.set("req-12345678")
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            record = logging.getLogger("django.request").makeRecord(
                "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s",
                ("/admin/login/",), sys.exc_info(),
                extra={"request": request, "status_code": 500, "password": "hunter2",
                       "api_token": "s3cr3t", "article_id": 7},
            )  # fmt: skip
            entry = _format(record)
    finally:
        request_id_var.reset(token)
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "django.request"
    assert entry["message"] == "Internal Server Error: /admin/login/"
    assert entry["request_id"] == "req-12345678"
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/admin/login/", 500)
    assert entry["article_id"] == 7
    assert entry["exc_type"] == "ValueError"
    assert "raise ValueError" in entry["exc"]
    line = json.dumps(entry)
    for secret in ("hunter2", "s3cr3t", "sess-value", "token=abc"):
        assert secret not in line
    assert "password" not in entry and "api_token" not in entry


def test_outside_a_request_the_id_is_a_dash():
    record = logging.getLogger("cms").makeRecord("cms", logging.INFO, __file__, 1, "hi", (), None)
    entry = _format(record)
    assert entry["request_id"] == "-"
    assert set(entry) == {"time", "level", "logger", "message", "request_id"}
