"""Rebuild the full-text search index of every article (articles.search)."""

from django.core.management.base import BaseCommand, CommandError

from articles.models import LANGUAGES
from articles.search import rebuild_index, reindex_language


class Command(BaseCommand):
    help = (
        "Rebuild the search index (PostgreSQL tsvector / SQLite FTS5) of every article: "
        "after a bulk load that skipped reindex_articles() or a change of configuration."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="PostgreSQL: build the documents in this many processes, with the GIN "
            "index dropped meanwhile and made once at the end (big archives).",
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _ in LANGUAGES],
            help="Re-index only the articles in this language, in place (searches keep "
            "working meanwhile): after its text search configuration changed.",
        )

    def handle(self, *args, jobs=1, language=None, verbosity=1, **options):
        if jobs < 1:
            raise CommandError("--jobs must be 1 or more.")
        stdout = self.stdout if verbosity >= 2 else None
        if language:
            if jobs > 1:
                raise CommandError("--language runs in one process; leave out --jobs.")
            done = reindex_language(language, stdout=stdout)
        else:
            done = rebuild_index(stdout=stdout, jobs=jobs)
        self.stdout.write(self.style.SUCCESS(f"Indexed {done} articles."))
