"""``manage.py import_wxr FILE``: import a WordPress export (see
``articles.importers.wordpress`` for what is imported and how)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.importers.wordpress import (
    ImportOptions,
    WxrError,
    import_wordpress,
    read_author_map,
)
from articles.models import Category


class Command(BaseCommand):
    help = (
        "Import a WordPress export (WXR 1.0–1.2): posts, categories, tags, authors and "
        "attachments. Safe to run again: nothing is duplicated and local edits are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The WXR file (Tools → Export in WordPress).")
        parser.add_argument(
            "--media-dir",
            type=Path,
            help="The site's wp-content/uploads folder; files are matched by _wp_attached_file.",
        )
        parser.add_argument(
            "--fetch-media",
            action="store_true",
            help="Download attachment files from their URLs (public http(s) hosts only).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Do everything, then roll it back."
        )
        parser.add_argument(
            "--author-map", type=Path, help="CSV of login,author_slug to map WordPress users."
        )
        parser.add_argument(
            "--default-section",
            metavar="SLUG",
            help="Section for posts that have no category other than Uncategorized.",
        )
        parser.add_argument(
            "--report-json", type=Path, metavar="FILE", help="Also write the report as JSON."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="New articles written per bulk transaction (1: one transaction per article).",
        )

    def handle(self, *args, **options):
        path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if options["media_dir"] and not options["media_dir"].is_dir():
            raise CommandError(f"No such folder: {options['media_dir']}")
        author_map = {}
        if options["author_map"]:
            try:
                author_map = read_author_map(options["author_map"].read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(str(exc)) from exc
        default_section = None
        if options["default_section"]:
            default_section = Category.objects.filter(slug=options["default_section"]).first()
            if default_section is None:
                raise CommandError(f"No section with the slug “{options['default_section']}”.")

        bar = self._progress_bar(options["verbosity"])
        try:
            report = import_wordpress(
                path=path,
                options=ImportOptions(
                    media_dir=options["media_dir"],
                    fetch_media=options["fetch_media"],
                    dry_run=options["dry_run"],
                    author_map=author_map,
                    default_section=default_section,
                    batch_size=max(1, options["batch_size"]),
                    progress=(lambda n: bar.update(n - bar.n)) if bar else None,
                ),
            )
        except WxrError as exc:
            raise CommandError(f"{path}: refused, nothing was imported: {exc}") from exc
        finally:
            if bar is not None:
                bar.close()

        if options["report_json"]:
            options["report_json"].write_text(report.as_json() + "\n", encoding="utf-8")
        if options["verbosity"] > 0:
            style = self.style.WARNING if report.failed else self.style.SUCCESS
            self.stdout.write(style(report.as_text(verbose=options["verbosity"] > 1)))

    def _progress_bar(self, verbosity):
        """A tqdm bar on a terminal only: CI logs and pipes stay quiet."""
        if verbosity < 1 or not sys.stderr.isatty():
            return None
        from tqdm import tqdm

        return tqdm(unit=" items", desc="Importing", file=sys.stderr)
