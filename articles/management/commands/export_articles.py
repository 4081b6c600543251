"""``manage.py export_articles``: every article as NDJSON, streamed."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from articles.importers.ndjson import export_articles


class Command(BaseCommand):
    help = (
        "Write every article (any status) as one JSON object per line, with its section, "
        "categories, tags, authors and media. Read it back with import_ndjson."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", metavar="DATE", help="Only articles updated on or after DATE (ISO 8601)."
        )
        parser.add_argument("--format", choices=["ndjson"], default="ndjson")
        parser.add_argument(
            "--output", "-o", type=Path, help="Write to this file instead of standard output."
        )

    def handle(self, *args, **options):
        since = None
        if options["since"]:
            since = parse_datetime(options["since"])
            if since is None and (day := parse_date(options["since"])) is not None:
                since = timezone.datetime(day.year, day.month, day.day)
            if since is None:
                raise CommandError(f"Not a date: {options['since']!r} (use YYYY-MM-DD).")
            if timezone.is_naive(since):
                since = timezone.make_aware(since)
        if options["output"]:
            with options["output"].open("w", encoding="utf-8") as out:
                count = export_articles(out, since=since)
        else:
            count = export_articles(self.stdout, since=since)
        if options["verbosity"] > 0:
            sys.stderr.write(f"Exported {count} articles.\n")
