"""Rebuild the full-text search index of every article (articles.search)."""

from django.core.management.base import BaseCommand, CommandError

from articles.models import LANGUAGES
from articles.search import rebuild_index, reindex_in_place


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
            "--in-place",
            action="store_true",
            help="Rebuild each article's entry over the old one, in batches, instead of "
            "emptying the index first: searches keep finding every article meanwhile.",
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _ in LANGUAGES],
            help="Only the articles in this language, in place (after its text search "
            "configuration changed).",
        )

    def handle(self, *args, jobs=1, in_place=False, language=None, verbosity=1, **options):
        if jobs < 1:
            raise CommandError("--jobs must be 1 or more.")
        stdout = self.stdout if verbosity >= 2 else None
        if in_place or language:
            if jobs > 1:
                raise CommandError("--in-place and --language run in one process: no --jobs.")
            done = reindex_in_place(language, stdout=stdout)
        else:
            done = rebuild_index(stdout=stdout, jobs=jobs)
        self.stdout.write(self.style.SUCCESS(f"Indexed {done} articles."))
