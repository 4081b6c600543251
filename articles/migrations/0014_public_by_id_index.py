# PostgreSQL: an index by id that carries what public() and the search's
# candidates read (INCLUDE), so that articles reached by id are tested from
# the index alone, not fetched row by row:
# - the search's candidates (articles.search._pg_candidates): the GIN
#   index's matches joined to their articles, and the walk of the newest;
# - the taxonomy API's counts (articles.api._public_counts): tags and
#   authors joined to their public articles.
# Search p95 at 100 000 articles went from 60 to 46 ms in process (bench/
# search_bench.py). On SQLite the primary key is the rowid already and
# INCLUDE does not exist: nothing is made there.

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS article_public_by_id_idx ON articles_article (id) "
    "INCLUDE (status, publish_at, expires_at, section_id, language)"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS article_public_by_id_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0013_api_published_sort_index"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
