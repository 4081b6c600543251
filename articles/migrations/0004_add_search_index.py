# The full-text search index (articles/search.py): SearchDocument with a GIN
# index on PostgreSQL, an FTS5 table on SQLite. Both are filled here for the
# articles that already exist.

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

FTS_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_search_fts USING fts5("
    "headline, dek, body, extra, tokenize = 'porter unicode61 remove_diacritics 2')"
)


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # Serves search_articles(): search_document.vector @@ websearch_to_tsquery(...).
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS search_document_vector_gin "
            "ON articles_searchdocument USING gin (vector)"
        )
    elif vendor == "sqlite":
        schema_editor.execute(FTS_CREATE)
    else:
        return
    from articles.search import rebuild_index

    Article = apps.get_model("articles", "Article")
    if Article.objects.exists():
        rebuild_index()


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_document_vector_gin")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS articles_search_fts")


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0003_add_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="articles.article",
                    ),
                ),
                (
                    "vector",
                    django.contrib.postgres.search.SearchVectorField(
                        null=True, verbose_name="search vector"
                    ),
                ),
            ],
            options={
                "verbose_name": "search document",
                "verbose_name_plural": "search documents",
            },
        ),
        migrations.RunPython(create_index, drop_index),
    ]
