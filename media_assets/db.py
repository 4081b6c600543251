"""Database helpers for this app's request paths, and for the apps that
build on it (imports run articles -> media_assets, never back)."""

import sys

from django.conf import settings
from django.db import OperationalError, connection, transaction

# How long a search's statements may run (settings.SEARCH_STATEMENT_TIMEOUT_MS
# overrides it; 0 leaves only the connection's DB_STATEMENT_TIMEOUT_MS).
SEARCH_STATEMENT_TIMEOUT_MS = 1500


class StatementLimits:
    """Run a block's statements in a transaction of their own, whose
    settings (SET LOCAL) die with it; PostgreSQL only, elsewhere nothing.

    - ``statement_timeout`` (milliseconds; 0 = none): a query that a
      caller's input makes pathological is cancelled, not left to hold a
      worker;
    - ``enable_seqscan = off`` when ``seqscan`` is False: for a query with a
      LIMIT whose condition the planner believes costs nothing (a full-text
      ``@@``), so that it asks the index instead of reading the table.

    Inside a caller's transaction (an admin action, a test) nothing is set:
    a SET LOCAL there would outlive the block and reach the caller's own
    statements."""

    def __init__(self, timeout_ms: int, *, seqscan: bool = True):
        self.timeout_ms = max(0, int(timeout_ms))
        self.seqscan = seqscan
        self.atomic = None

    def __enter__(self):
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            try:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT set_config('statement_timeout', %s, true),"
                        " set_config('enable_seqscan', %s, true)",
                        [f"{self.timeout_ms}ms", "on" if self.seqscan else "off"],
                    )
            except BaseException:
                # A failed __enter__ gets no __exit__: the transaction is
                # closed here. Left open, it kept the thread "in a
                # transaction" for good, and Django, which does not drop a
                # connection inside one, served every later request of that
                # thread from the dead connection of a restarted database
                # ("the connection is closed", 503s until the worker ended).
                atomic, self.atomic = self.atomic, None
                atomic.__exit__(*sys.exc_info())
                raise
        return self

    def __exit__(self, *exc_info):
        atomic, self.atomic = self.atomic, None
        if atomic is not None:
            return atomic.__exit__(*exc_info)
        return False


def search_timeout_ms() -> int:
    return int(getattr(settings, "SEARCH_STATEMENT_TIMEOUT_MS", SEARCH_STATEMENT_TIMEOUT_MS))


def search_limits(*, seqscan: bool = True) -> StatementLimits:
    """StatementLimits for a search whose cost depends on what the caller
    typed: the search page (articles.search) and the APIs' ``?q=``."""
    return StatementLimits(search_timeout_ms(), seqscan=seqscan)


def is_statement_timeout(error: OperationalError) -> bool:
    """Whether ``error`` is PostgreSQL cancelling a statement that outlasted
    ``statement_timeout`` (StatementLimits)."""
    return getattr(error.__cause__, "sqlstate", None) == "57014"  # query_canceled
