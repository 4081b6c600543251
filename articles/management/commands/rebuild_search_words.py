"""Count the words of the archive afresh for spelling suggestions
(articles.spelling)."""

from django.core.management.base import BaseCommand

from articles.spelling import rebuild


class Command(BaseCommand):
    help = (
        "Count the words of the headlines and standfirsts of published articles afresh (the "
        "search's spelling suggestions): after upgrading to the release that added them, or "
        "a bulk load that skipped articles.search.reindex_articles(). New words are added as "
        "articles are saved without it."
    )

    def handle(self, *args, **options):
        words = rebuild()
        self.stdout.write(self.style.SUCCESS(f"Counted {words} words."))
