"""Pagination for the admin's changelists of very large tables (photos
here; the articles' admin uses it too: imports run articles -> media_assets).
"""

import json

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


class EstimatedCountPaginator(Paginator):
    """A Paginator for very large tables (an admin changelist at a million
    rows): on PostgreSQL, when the planner expects more than
    ``exact_below`` rows, its estimate (EXPLAIN, no table scan) is the
    count; smaller results and other databases are counted exactly."""

    exact_below = 10_000

    @cached_property
    def count(self):
        queryset = self.object_list
        if isinstance(queryset, QuerySet):
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                estimate = _planner_rows(queryset, connection)
                if estimate is not None and estimate >= self.exact_below:
                    return estimate
        return super().count


def _planner_rows(queryset: QuerySet, connection) -> int | None:
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except (EmptyResultSet, FullResultSet):  # let Paginator count
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
