"""Requests per second for the public article page and a section page,
uncached and from the page cache, each as a ratio to a bare Django view
(``HttpResponse("ok")``) served the same way in the same run.

    DEBUG=1 .venv/bin/python bench/pages_bench.py [--articles 5000] [--seconds 3]

"The same way" here is Django's WSGI handler driven in-process (the test
client), so the figures compare the work of the pages themselves, not of a
network server. It builds a throwaway SQLite archive under a temporary
CMS_VAR_DIR (or uses DATABASE_URL/CACHE_URL when set) and prints a Markdown
table; ``--out FILE`` also writes it there.
"""

import argparse
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(articles: int) -> None:
    if not os.environ.get("DATABASE_URL"):
        os.environ["CMS_VAR_DIR"] = tempfile.mkdtemp(prefix="cms-bench-")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    settings.SECURE_SSL_REDIRECT = False
    call_command("migrate", verbosity=0, interactive=False)

    from django.utils import timezone

    from articles.models import Article, ArticleAuthor, Author, Category

    if Article.objects.exists():
        return
    sections = [
        Category.objects.create(name=f"Section {i}", slug=f"section-{i}", position=i)
        for i in range(6)
    ]
    authors = [Author.objects.create(name=f"Author {i}", slug=f"author-{i}") for i in range(20)]
    now = timezone.now()
    body = "<p>" + "Words of the archive article. " * 120 + "</p>"
    batch = [
        Article(
            headline=f"Synthetic headline number {n}",
            slug=f"synthetic-{n}",
            dek="A standfirst for the benchmark.",
            body=body,
            section=sections[n % len(sections)],
            status=Article.Status.PUBLISHED,
            publish_at=now - datetime.timedelta(minutes=n),
            first_published_at=now - datetime.timedelta(minutes=n),
            word_count=600,
        )
        for n in range(articles)
    ]
    Article.objects.bulk_create(batch, batch_size=1000)
    ids = list(Article.objects.values_list("pk", flat=True))
    ArticleAuthor.objects.bulk_create(
        (ArticleAuthor(article_id=pk, author=authors[pk % len(authors)]) for pk in ids),
        batch_size=1000,
    )


def rate(client, url: str, seconds: float) -> float:
    assert client.get(url).status_code == 200, url  # also warms the cache when on
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        response = client.get(url)
        assert response.status_code == 200
        done += 1
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--out")
    args = parser.parse_args()
    setup(args.articles)

    from django.core.cache import cache
    from django.http import HttpResponse
    from django.test import Client, override_settings
    from django.urls import include, path

    from articles.models import Article, Category

    def bare(request):
        return HttpResponse("ok")

    urlconf = type(sys)("bench_urls")
    urlconf.urlpatterns = [path("bench/bare/", bare), path("", include("cms.urls"))]
    sys.modules["bench_urls"] = urlconf

    article = Article.objects.public().select_related("section").first()
    section = Category.objects.first()
    client = Client()
    rows = []
    with override_settings(ROOT_URLCONF="bench_urls"):
        for label, seconds in (("uncached", 0), ("cached", 600)):
            with override_settings(PUBLIC_PAGE_CACHE_SECONDS=seconds):
                cache.clear()
                bare_rate = rate(client, "/bench/bare/", args.seconds)
                for name, url in (
                    ("article page", article.get_absolute_url()),
                    ("section page", section.get_absolute_url()),
                ):
                    page_rate = rate(client, url, args.seconds)
                    rows.append((name, label, page_rate, bare_rate))
    lines = [
        f"Public pages, {args.articles} articles, {args.seconds:g} s per figure "
        "(in-process WSGI, one client).",
        "",
        "| page | cache | req/s | bare view req/s | ratio to bare |",
        "|---|---|---:|---:|---:|",
    ]
    lines += [
        f"| {name} | {label} | {page:.0f} | {bare:.0f} | {page / bare:.3f} |"
        for name, label, page, bare in rows
    ]
    report = "\n".join(lines)
    print(report)
    if args.out:
        Path(args.out).write_text(report + "\n")


if __name__ == "__main__":
    main()
