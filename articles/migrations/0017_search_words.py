# The search's vocabulary for spelling suggestions (articles.spelling), and
# on PostgreSQL a GIN trigram index on its words for the similarity search
# (WHERE word % 'sumit' ORDER BY similarity(word, 'sumit')), which no b-tree
# can serve. pg_trgm is created by media_assets.0002 (a trusted extension).
# The words are added as articles are saved; `python manage.py
# rebuild_search_words` counts the existing archive's words.

from django.db import migrations, models


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS search_word_trgm "
        "ON articles_searchword USING gin (word gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_word_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0016_term_counts"),
        ("media_assets", "0002_add_text_search_trgm"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                (
                    "word",
                    models.CharField(
                        max_length=40, primary_key=True, serialize=False, verbose_name="word"
                    ),
                ),
                ("documents", models.PositiveIntegerField(default=1, verbose_name="articles")),
            ],
            options={
                "verbose_name": "search word",
                "verbose_name_plural": "search words",
            },
        ),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
