# The tag links by tag, with the article carried in the key, so that a tag's
# articles are read from the index alone: ArticleQuerySet.linked_to (the tag
# page, the API's ?tag= and the related articles of an article page) first
# counts a tag's links up to a bound, then reads them when there are few.
# Django's own index on the through table is on tag_id alone, which sent
# every link to the table for its article_id (5 ms for 5 000 links at
# 1 000 000 articles; 0.4 ms from this index). Authors' links have theirs
# (article_author_by_author_idx). The same SQL on SQLite and PostgreSQL.

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS article_tags_by_tag_idx "
    "ON articles_article_tags (tag_id, article_id)"
)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0017_search_words"),
    ]

    operations = [
        migrations.RunSQL(CREATE, "DROP INDEX IF EXISTS article_tags_by_tag_idx", elidable=False),
    ]
