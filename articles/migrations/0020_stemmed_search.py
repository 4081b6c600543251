# Search finds the other forms of Arabic and French words
# (articles.search: PG_CONFIGS, SQLITE_STEMMERS).
#
# PostgreSQL: Arabic articles are indexed with the "arabic" text search
# configuration (Snowball's Arabic stemmer) instead of "simple", so their
# search documents are rebuilt, in batches that each commit (atomic =
# False): searching goes on meanwhile, and until an article's document is
# rebuilt, queries still find its words as written through their unstemmed
# alternative (PG_QUERY_UNSTEMMED_TOO). About 2 000 articles a second.
#
# SQLite: the FTS5 table gains the column ``stems`` (the same Snowball
# stemmers, run in Python), so it is made again and refilled.
#
# The index is derived data, rebuilt by the code that keeps it
# (reindex_language, rebuild_index), as migration 0004 first built it.

from django.db import migrations

FTS_CREATE = (
    "CREATE VIRTUAL TABLE articles_search_fts USING fts5("
    "headline, dek, body, extra, stems, tokenize = 'porter unicode61 remove_diacritics 2')"
)
FTS_CREATE_BEFORE = (
    "CREATE VIRTUAL TABLE articles_search_fts USING fts5("
    "headline, dek, body, extra, tokenize = 'porter unicode61 remove_diacritics 2')"
)


def rebuild(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        from articles.search import reindex_language

        reindex_language("ar")
        schema_editor.execute("RESET statement_timeout")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS articles_search_fts")
        schema_editor.execute(FTS_CREATE)
        from articles.search import rebuild_index

        if apps.get_model("articles", "Article").objects.exists():
            rebuild_index()


def unstem(apps, schema_editor):
    # Back to the release before: SQLite's table takes its old shape, empty.
    # On either database, that release's `manage.py rebuild_search_index`
    # (run with its code) indexes everything as it did.
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS articles_search_fts")
        schema_editor.execute(FTS_CREATE_BEFORE)


class Migration(migrations.Migration):
    atomic = False  # see above

    dependencies = [
        ("articles", "0019_link_dates"),
    ]

    operations = [
        migrations.RunPython(rebuild, unstem),
    ]
