"""StatementLimits when the database goes away (PostgreSQL)."""

import time

import pytest
from django.db import OperationalError, close_old_connections, connection

from media_assets.db import StatementLimits

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="StatementLimits acts on PostgreSQL only"
    ),
    pytest.mark.django_db(transaction=True),
]


def _terminate_this_connections_backend():
    """End the server side of Django's connection, as a restart does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        other.autocommit = True
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):
            if not other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                return
            time.sleep(0.05)
        raise AssertionError(f"backend {pid} did not end")
    finally:
        other.close()


def test_a_limit_on_a_lost_connection_leaves_no_transaction_open():
    """The restarted-database case of the load and fault run (ops/faults.sh):
    the limits' first statement fails on the dead connection. The
    transaction they opened must be closed too, or Django keeps the dead
    connection for every later request of the thread."""
    _terminate_this_connections_backend()

    with pytest.raises(OperationalError), StatementLimits(1000):
        pass

    assert not connection.in_atomic_block
    close_old_connections()  # the request ends: the broken connection is dropped
    close_old_connections()  # the next one starts
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    with StatementLimits(1000), connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("1s",)
