from django.core.management.base import BaseCommand

from articles.demo import load_demo


class Command(BaseCommand):
    help = (
        "Create the demo archive: sections, authors, tags, photos, the seed article and a few "
        "hundred generated articles (2005–2017). Safe to run again: it creates nothing twice."
    )

    def handle(self, *args, **options):
        result = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo archive ready: {result.articles} articles, {result.sections} sections, "
                f"{result.authors} authors, {result.tags} tags, {result.photos} photos."
            )
        )
