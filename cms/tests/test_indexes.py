"""No index repeats another: every write keeps every index of its table, and
the planner weighs each one for every query, so an index that is a copy of
another, or its first columns, costs and serves nothing the other does not
(articles.migrations.0021)."""

import pytest
from django.apps import apps
from django.db import connection

APPS = ("articles", "media_assets", "cms")

pytestmark = pytest.mark.django_db


def _tables():
    """The project's tables, with those it cannot shape left out: a
    many-to-many field's own table (Django indexes each of its two columns
    beside their unique pair, and offers no way to leave them out)."""
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.app_label in APPS and meta.managed and not meta.proxy and not meta.auto_created:
            tables.add(meta.db_table)
    return sorted(tables)


def _partial(names):
    """The names among ``names`` of indexes with a WHERE clause."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexrelid::regclass::text FROM pg_index WHERE indpred IS NOT NULL"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'"
            )
        return {row[0] for row in cursor.fetchall()} & set(names)


def _indexes(table):
    """{name: (columns, unique)} of the table's plain (B-tree, by columns)
    indexes, constraints' indexes included."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    indexes = {}
    for name, info in found.items():
        columns = info["columns"]
        if not (info["index"] or info["unique"] or info["primary_key"]) or info["check"]:
            continue
        if info.get("foreign_key") or not columns or None in columns:
            continue  # a foreign key's constraint, or an expression index
        if info.get("type") not in (None, "idx", "btree"):
            continue  # GIN and other kinds serve other searches
        indexes[name] = (tuple(columns), info["unique"] or info["primary_key"])
    return indexes


def test_no_index_is_a_copy_or_the_first_columns_of_another():
    repeated = []
    for table in _tables():
        indexes = _indexes(table)
        partial = _partial(indexes)
        with connection.cursor() as cursor:
            primary = tuple(connection.introspection.get_primary_key_columns(cursor, table))
        for name, (columns, unique) in indexes.items():
            if unique:
                continue  # a constraint, not only a way in
            if name.endswith("_like") and columns == primary:
                # PostgreSQL: Django's LIKE index on a text primary key
                # (SearchWord.word), which no field option leaves out.
                continue
            for other, (other_columns, _) in indexes.items():
                if other == name or other in partial:
                    continue
                if other_columns[: len(columns)] == columns:
                    repeated.append(f"{table}: {name} {columns} is served by {other}")
                    break
    assert repeated == []


def test_the_lookups_the_dropped_indexes_served_still_have_one():
    """Each column whose own index was dropped leads another index."""
    leading = {
        ("articles_article", "slug"),
        ("articles_article", "section_id"),
        ("articles_articleauthor", "article_id"),
        ("articles_articleauthor", "author_id"),
        ("articles_bodyfigure", "article_id"),
        ("articles_category", "slug"),
        ("articles_author", "slug"),
        ("articles_tag", "slug"),
        ("media_assets_rendition", "asset_id"),
    }
    missing = [
        (table, column)
        for table, column in sorted(leading)
        if not any(columns[0] == column for columns, _ in _indexes(table).values())
    ]
    assert missing == []
