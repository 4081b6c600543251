"""Count every month of the archive afresh (articles.archive_months)."""

from django.core.management.base import BaseCommand

from articles.archive_months import rebuild


class Command(BaseCommand):
    help = (
        "Count the public articles of every month afresh (the archive index and the sitemap "
        "index read these counts): after a bulk load that skipped "
        "articles.archive_months.mark_changed(). A change of TIME_ZONE needs no run."
    )

    def handle(self, *args, **options):
        months = rebuild()
        self.stdout.write(self.style.SUCCESS(f"Counted {months} months."))
