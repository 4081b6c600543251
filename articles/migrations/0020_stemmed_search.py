# Search finds the other forms of Arabic and French words
# (articles.search: PG_CONFIGS, SQLITE_STEMMERS), and weighs the byline and
# authors as the dek (B), no longer as a photo credit (D).
#
# PostgreSQL: Arabic articles are indexed with the "arabic" text search
# configuration (Snowball's Arabic stemmer) instead of "simple", and every
# document has the new weights, so every search document is rebuilt over the
# old one, in batches that each commit (atomic = False): searching goes on
# meanwhile, and until an article's document is rebuilt, queries still find
# it (an Arabic word as written, through its unstemmed alternative,
# PG_QUERY_UNSTEMMED_TOO). About 1 800 articles a second on 2 cores: 9
# minutes at 1 000 000 articles.
#
# SQLite: the FTS5 table gains the columns ``people`` (byline and authors)
# and ``stems`` (the same Snowball stemmers, run in Python), so it is made
# again and refilled.
#
# The index is derived data, rebuilt by the code that keeps it
# (reindex_in_place, rebuild_index), as migration 0004 first built it.

from django.db import migrations

FTS_CREATE = (
    "CREATE VIRTUAL TABLE articles_search_fts USING fts5("
    "headline, dek, body, extra, people, stems, "
    "tokenize = 'porter unicode61 remove_diacritics 2')"
)
FTS_CREATE_BEFORE = (
    "CREATE VIRTUAL TABLE articles_search_fts USING fts5("
    "headline, dek, body, extra, tokenize = 'porter unicode61 remove_diacritics 2')"
)


def rebuild(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        from articles.search import reindex_in_place

        reindex_in_place()
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
