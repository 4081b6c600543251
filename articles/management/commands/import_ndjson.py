"""``manage.py import_ndjson FILE``: read back what export_articles wrote."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.importers.ndjson import import_articles


class Command(BaseCommand):
    help = "Import articles from an export_articles NDJSON file; existing ones are kept."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Roll everything back.")

    def handle(self, *args, **options):
        if not options["file"].is_file():
            raise CommandError(f"No such file: {options['file']}")
        with options["file"].open(encoding="utf-8") as lines:
            report = import_articles(lines, dry_run=options["dry_run"])
        if options["verbosity"] > 0:
            prefix = "DRY RUN — nothing was written. " if options["dry_run"] else ""
            style = self.style.WARNING if report.errors else self.style.SUCCESS
            self.stdout.write(
                style(
                    f"{prefix}created {report.created}, unchanged {report.unchanged}, "
                    f"failed {len(report.errors)}"
                )  # fmt: skip
            )
            for error in report.errors:
                self.stdout.write(f"  {error}")
