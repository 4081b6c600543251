"""Queries per request for the main public pages and the API, on whatever
archive the environment names, so that the counts can be compared between
archive sizes (issue 8: the same at 1 000, 100 000 and 1 000 000 articles).

    DEBUG=1 CMS_VAR_DIR=var/bench-sqlite .venv/bin/python bench/query_counts.py
    DEBUG=1 DATABASE_URL=postgres://…/cms_bench .venv/bin/python bench/query_counts.py

Caches are off (every request renders), requests are anonymous, and each URL
is fetched once before it is counted, so that per-process caches of the
navigation and the next scheduled change are warm, as they are in a server.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    os.environ["PUBLIC_PAGE_CACHE_SECONDS"] = "0"
    os.environ["API_RESPONSE_CACHE_SECONDS"] = "0"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from articles.models import Article, Category, Tag
    from articles.pagination import encode_cursor

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    public = Article.objects.public().order_by("-publish_at", "-id")
    # With a lead photo, so that its renditions are counted whatever the size.
    article = public.filter(lead_media__isnull=False).first()
    section = Category.objects.filter(parent__isnull=True).order_by("position", "id").first()
    tag = Tag.objects.order_by("id").first()
    # The page before one of the section's oldest articles: the archive's far end.
    old = public.filter(section=section).order_by("publish_at", "id")[30]
    total = Article.objects.order_by().values("id").last()
    urls = {
        "home": "/",
        "section": section.get_absolute_url(),
        "section, deep page": (
            f"{section.get_absolute_url()}?before={encode_cursor(old.publish_at, old.pk)}"
        ),
        "article": article.get_absolute_url(),
        "tag": tag.get_absolute_url(),
        "search": "/search/?q=minister",
        "API search, best first": "/api/v1/articles/?q=minister",
        "archive index": "/archive/",
        "sitemap index": "/sitemap.xml",
        "API list (50, expanded)": (
            "/api/v1/articles/?page_size=50&expand=authors,section,lead_media,tags"
        ),
        "API detail": f"/api/v1/articles/{article.pk}/",
        # With article_count, kept per term (articles.term_counts).
        "API categories": "/api/v1/categories/",
        "API authors": "/api/v1/authors/",
        "API tags": "/api/v1/tags/",
    }
    client = Client()
    print(f"{connection.vendor}, archive up to article id {total['id'] if total else 0}\n")
    print("| request | queries | status |")
    print("|---|---:|---:|")
    for name, url in urls.items():
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        print(f"| {name} | {len(captured)} | {response.status_code} |")


if __name__ == "__main__":
    main()
