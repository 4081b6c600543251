from django.core.management.base import BaseCommand, CommandError

from media_assets.imaging import default_specs
from media_assets.models import MediaAsset
from media_assets.renditions import delete_renditions, generate_standard_renditions


class Command(BaseCommand):
    help = (
        "Make the renditions of media assets again (after changing MEDIA_ASSETS_RENDITIONS "
        "or the encoder settings), or only the missing ones with --missing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--spec", action="append", default=[], help="Only this spec (repeatable)."
        )
        parser.add_argument(
            "--media-id",
            action="append",
            type=int,
            default=[],
            help="Only this Media ID (repeatable).",
        )
        parser.add_argument(
            "--missing", action="store_true", help="Keep existing renditions; make missing ones."
        )
        parser.add_argument("--dry-run", action="store_true", help="Say what would be done.")

    def handle(self, *args, spec, media_id, missing, dry_run, **options):
        known = {s.name for s in default_specs()}
        unknown = sorted(set(spec) - known)
        if unknown:
            raise CommandError(
                f"Unknown spec(s): {', '.join(unknown)}. Known: {', '.join(sorted(known))}."
            )
        assets = MediaAsset.objects.exclude(file="").order_by("pk")
        if media_id:
            assets = assets.filter(media_id__in=media_id)
            found = set(assets.values_list("media_id", flat=True))
            if absent := sorted(set(media_id) - found):
                raise CommandError(f"No asset with a file has Media ID {absent[0]}.")
        specs = spec or None
        done = made = 0
        for asset in assets.iterator(chunk_size=200):
            if dry_run:
                self.stdout.write(f"Would regenerate Media ID {asset.media_id}")
                done += 1
                continue
            if not missing:
                delete_renditions(asset, specs=specs)
            made += len(generate_standard_renditions(asset, specs=specs))
            done += 1
            if options["verbosity"] >= 2:
                self.stdout.write(f"Media ID {asset.media_id}: done")
        verb = "Would regenerate" if dry_run else "Regenerated"
        self.stdout.write(
            self.style.SUCCESS(f"{verb} renditions of {done} asset(s); {made} rendition(s) now.")
        )
