# On PostgreSQL, each link of a tag or an author to an article carries the
# article's sort time, COALESCE(publish_at, created_at) (``sorted_at``, a
# column that Django's models do not declare; the publication time of every
# published article, the creation time of a draft without one, as the
# editors' API sorts them), kept by triggers on every write path: saves,
# QuerySet.update(), bulk_create, the importer, generate_archive and raw SQL
# alike. Its index,
# (tag_id, sorted_at, article_id) and the same by author_id (the article
# for keyset positions, which are (publish_at, id)), answers in one probe
# "the newest article of this term published by now", the bound at which
# ArticleQuerySet.linked_to starts the date-index walk for a big term, and
# "the term's nearest article past this cursor", where
# ArticleQuerySet.walk_from restarts it for the next page: without them a
# big term whose articles are all old (an author who left in 2008, the tag
# of a past election) was walked from the newest article of the archive
# down to its own, and a page that crossed years without the term walked
# every article of those years.
# SQLite keeps the plain subquery (ArticleQuerySet.linked_to) and needs
# neither.

from django.db import migrations

LINKS = {
    # table: the term's column
    "articles_article_tags": "tag_id",
    "articles_articleauthor": "author_id",
}
INDEXES = {
    "articles_article_tags": "article_tags_by_tag_date_idx",
    "articles_articleauthor": "article_author_by_author_date_idx",
}

FUNCTIONS = """
CREATE OR REPLACE FUNCTION article_link_date() RETURNS trigger AS $$
BEGIN
    NEW.sorted_at := (
        SELECT COALESCE(publish_at, created_at) FROM articles_article WHERE id = NEW.article_id
    );
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION article_links_follow_date() RETURNS trigger AS $$
BEGIN
    UPDATE articles_article_tags SET sorted_at = COALESCE(NEW.publish_at, NEW.created_at)
    WHERE article_id = NEW.id;
    UPDATE articles_articleauthor SET sorted_at = COALESCE(NEW.publish_at, NEW.created_at)
    WHERE article_id = NEW.id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER article_links_follow_date
AFTER UPDATE OF publish_at, created_at ON articles_article FOR EACH ROW
WHEN (COALESCE(OLD.publish_at, OLD.created_at) IS DISTINCT FROM
      COALESCE(NEW.publish_at, NEW.created_at))
EXECUTE FUNCTION article_links_follow_date();
"""


FILL_BATCH = 50_000  # links per UPDATE while the column is filled


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    # Not one transaction (atomic = False): each statement commits at once,
    # so the links tables are locked for a moment each, not for the whole
    # fill (68 s for 3 000 000 links at 1 000 000 articles, longer than the
    # site's DB_STATEMENT_TIMEOUT_MS allows a page: lifted for this session).
    execute("SET statement_timeout = 0")
    for table in LINKS:
        execute(f"ALTER TABLE {table} ADD COLUMN sorted_at timestamptz")
    # From here on every write keeps the column...
    execute(FUNCTIONS)
    for table in LINKS:
        execute(
            f"CREATE TRIGGER {table}_date BEFORE INSERT OR UPDATE OF article_id ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION article_link_date()"
        )
    # ...and the links written before are filled in batches, skipping those
    # a write has dated meanwhile.
    for table, term in LINKS.items():
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            (last,) = cursor.fetchone()
        for first in range(0, last + 1, FILL_BATCH):
            execute(
                f"UPDATE {table} AS link "  # noqa: S608
                f"SET sorted_at = COALESCE(article.publish_at, article.created_at) "
                f"FROM articles_article AS article WHERE article.id = link.article_id "
                f"AND link.id >= %s AND link.id < %s AND link.sorted_at IS NULL",
                (first, first + FILL_BATCH),
            )
        execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEXES[table]} "
            f"ON {table} ({term}, sorted_at, article_id)"
        )
    execute("RESET statement_timeout")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER article_links_follow_date ON articles_article")
    for table in LINKS:
        schema_editor.execute(f"DROP TRIGGER {table}_date ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN sorted_at")  # drops its index
    schema_editor.execute("DROP FUNCTION article_links_follow_date(), article_link_date()")


class Migration(migrations.Migration):
    atomic = False  # see create()

    dependencies = [
        ("articles", "0018_tag_links_by_tag_index"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
