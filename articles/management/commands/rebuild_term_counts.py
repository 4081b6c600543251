"""Count every section's, tag's and author's public articles afresh
(articles.term_counts)."""

from django.core.management.base import BaseCommand

from articles.term_counts import rebuild


class Command(BaseCommand):
    help = (
        "Count the public articles of every section, tag and author afresh (the taxonomy API's "
        "article_count reads these counts): after a raw bulk write that skipped "
        "articles.search.reindex_articles(). Without it, a count is still made when first read."
    )

    def handle(self, *args, **options):
        rows = rebuild()
        self.stdout.write(self.style.SUCCESS(f"Counted {rows} sections, tags and authors."))
