"""Every public, API and admin path, uncached, on whatever archive the
environment names: the time of one request in process (best of ``--runs``)
and its ratio to the bare Django view timed the same way. It is the sweep
that finds a path whose cost grows with the archive (compare the same path
at 1 000 and 100 000 articles), not a load test: that is bench/run.py.

    DATABASE_URL=postgres://…/bench_100k CACHE_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/paths_bench.py [--runs 5] [--admin]

Caches are off (the page and API caches; per-process caches of the
navigation stay warm, as in a server). ``--admin`` adds the admin's
changelists, searches and change pages, and requests every path as a
superuser: the API's lists are then the editors' (drafts included, sorted
by publication or creation time).
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def paths(*, admin: bool) -> list[str]:
    from articles.models import Article, Category, Tag
    from media_assets.models import MediaAsset

    public = Article.objects.public()
    newest = public.order_by("-publish_at", "-id").first()
    oldest = public.order_by("publish_at", "id").first()
    section = Category.objects.filter(parent__isnull=True).order_by("position", "id").first()
    tag = Tag.objects.order_by("id").first()
    photo = MediaAsset.objects.order_by("-id").first()
    year, month = oldest.publish_at.year, oldest.publish_at.month
    found = [
        "/",
        "/archive/",
        f"/archive/{year}/",
        f"/archive/{year}/{month}/",
        section.get_absolute_url(),
        newest.get_absolute_url(),
        oldest.get_absolute_url(),
        tag.get_absolute_url(),
        "/search/?q=oil",
        "/search/?q=zzzqqq",
        '/search/?q="north korea"',
        "/search/?q=Mina+Haddad",
        "/feeds/rss/",
        "/sitemap.xml",
        "/sitemap-news.xml",
        f"/sitemaps/articles-{year}-{month}.xml",
        "/api/v1/articles/",
        "/api/v1/articles/?page_size=50&expand=authors,section,lead_media,tags",
        f"/api/v1/articles/{newest.pk}/",
        "/api/v1/articles/?ordering=headline",
        "/api/v1/articles/?ordering=-updated_at",
        f"/api/v1/articles/?tag={tag.slug}",
        "/api/v1/articles/?q=oil",
        "/api/v1/articles/?q=oil&ordering=-published_at",
        "/api/v1/articles/?q=Mina+Haddad",
        "/api/v1/articles/?q=zzzqqq",
        "/api/v1/categories/",
        "/api/v1/authors/",
        "/api/v1/tags/",
        "/api/v1/media/",
        "/api/v1/media/?q=reuters",
    ]
    if photo is not None:
        found.append(f"/api/v1/media/{photo.media_id}/")
    # The oldest month's last sitemap page, when it has more than one.
    from articles.archive_months import public_months
    from articles.sitemaps import MONTH_PAGE_URLS

    first = next((m for m in public_months(year=year) if m.date.month == month), None)
    if first is not None and first.count > MONTH_PAGE_URLS:
        pages = -(-first.count // MONTH_PAGE_URLS)
        found.append(f"/sitemaps/articles-{year}-{month}-{pages}.xml")
    # A story tag from the middle of the archive (generate_archive's long tail
    # of rare tags, each of a few days): the rare-term lists.
    stories = Tag.objects.filter(slug__startswith="story-").count()
    story = Tag.objects.filter(slug=f"story-{stories // 2}").first()
    if story is not None:
        found += [story.get_absolute_url(), f"/api/v1/articles/?tag={story.slug}"]
        tagged = public.filter(tags=story).order_by("pk").first()
        if tagged is not None:
            found.append(tagged.get_absolute_url())  # its related articles
    found += _election_paths(public)
    if admin:
        author = public.filter(article_authors__isnull=False).order_by("-pk").first()
        found += [
            "/admin/articles/article/",
            "/admin/articles/article/?q=oil",
            "/admin/articles/article/?status__exact=published",
            "/admin/articles/article/?language__exact=ar",
            f"/admin/articles/article/?author={author.article_authors.first().author_id}",
            f"/admin/articles/article/{newest.pk}/change/",
            "/admin/media_assets/mediaasset/",
            "/admin/media_assets/mediaasset/?q=reuters",
            "/admin/articles/tag/",
            "/admin/articles/author/",
        ]
        if photo is not None:
            found.append(f"/admin/media_assets/mediaasset/{photo.pk}/change/")
    return found


def _election_paths(public) -> list[str]:
    """generate_archive's election tags, big terms of a few weeks: the oldest
    election's (all of one autumn, years before the newest article), and the
    one of every election, with the page after the newest election's last
    article, which crosses four years without the tag, on the site and in
    the API."""
    import base64
    from urllib.parse import urlencode

    from articles.models import Tag
    from articles.pagination import encode_cursor

    every = Tag.objects.filter(slug="general-elections").first()
    oldest = Tag.objects.filter(slug__startswith="general-elections-").order_by("slug").first()
    if every is None or oldest is None:
        return []
    found = []
    for tag in (oldest, every):
        found += [tag.get_absolute_url(), f"/api/v1/articles/?tag={tag.slug}"]
    newest = public.filter(tags=every).order_by("-publish_at", "-id").first()
    spell = public.filter(tags=every, publish_at__year=newest.publish_at.year)
    last = spell.order_by("publish_at", "id").first()
    drf_cursor = base64.b64encode(urlencode({"p": str(last.publish_at)}).encode()).decode()
    found += [
        f"{every.get_absolute_url()}?before={encode_cursor(last.publish_at, last.pk)}",
        "/api/v1/articles/?" + urlencode({"tag": every.slug, "cursor": drf_cursor}),
    ]
    return found


def best_ms(client, path: str, runs: int) -> tuple[int, float]:
    status = client.get(path).status_code  # warm: per-process caches, plans
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        client.get(path)
        best = min(best, time.perf_counter() - start)
    return status, best * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--admin", action="store_true", help="Add the admin's pages.")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ["PUBLIC_PAGE_CACHE_SECONDS"] = "0"
    os.environ["API_RESPONSE_CACHE_SECONDS"] = "0"
    os.environ["API_THROTTLE_ANON"] = os.environ["API_THROTTLE_USER"] = "1000000/minute"
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    from articles.models import Article

    # Plain static storage: templates' {% static %} need no collectstatic run.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client = Client()
    if args.admin:
        user = User.objects.filter(is_superuser=True).first()
        if user is None:
            sys.exit("--admin needs a superuser in the database (manage.py ensure_editor).")
        client.force_login(user)
    _, bare = best_ms(client, "/bench/bare/", args.runs)
    print(f"{connection.vendor}, {Article.objects.order_by().count()} articles; best of "
          f"{args.runs}, in process, caches off; bare Django view {bare:.2f} ms\n")  # fmt: skip
    print("| path | status | ms | ratio to bare |\n|---|---:|---:|---:|")
    for path in paths(admin=args.admin):
        status, ms = best_ms(client, path, args.runs)
        print(f"| `{path[:90]}` | {status} | {ms:.1f} | {bare / ms:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
