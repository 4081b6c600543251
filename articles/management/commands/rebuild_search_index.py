"""Rebuild the full-text search index of every article (articles.search)."""

from django.core.management.base import BaseCommand

from articles.search import rebuild_index


class Command(BaseCommand):
    help = (
        "Rebuild the search index (PostgreSQL tsvector / SQLite FTS5) of every article: "
        "after a bulk load that skipped reindex_articles() or a change of configuration."
    )

    def handle(self, *args, verbosity=1, **options):
        done = rebuild_index(stdout=self.stdout if verbosity >= 2 else None)
        self.stdout.write(self.style.SUCCESS(f"Indexed {done} articles."))
