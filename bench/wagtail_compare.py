# ruff: noqa: S603, S607 - a benchmark driving local tools and local servers
"""Our site beside a Wagtail news site serving the same archive, measured in
one run on the same machine: the check issue 8 names ("the benchmark re-run
beside a Wagtail news site serving the same content").

    DATABASE_URL=postgres://.../bench_100k CACHE_URL=redis://.../3 \\
        .venv/bin/python bench/wagtail_compare.py [--seconds S]

- Needs our archive on PostgreSQL already built (``make bench N=...`` with
  DATABASE_URL, or ``generate_archive``): DATABASE_URL names it.
- Installs Wagtail (WAGTAIL_VERSION) with granian into its own virtualenv,
  var/bench/wagtail-venv: it is no dependency of the CMS.
- Builds the Wagtail site of bench/wagtail_site/ in a database beside ours
  (``<name>_wagtail``) and copies our public articles into it, with their
  sections, authors and tags (copy_archive); reused while it holds as many
  articles as ours.
- Serves both the same way (granian WSGI, 2 workers, DEBUG off, Redis cache:
  Wagtail's is database 9 of CACHE_URL's server, emptied first; our page and
  API caches off) and loads each URL with wrk (or bench.run's
  Python load generator), one site after the other:
  - each site's bare Django view, its own limit;
  - the same article's page (the sixth newest);
  - a section's first page and its 400th (Wagtail: ?page=400, a Paginator as
    its documentation shows; ours: the keyset cursor to the same articles);
  - the API's newest 20 articles (Wagtail: its pages API v2 with date, dek
    and tags; ours: the default list).
- Keeps the figures per archive size in bench/wagtail.json and writes
  bench/WAGTAIL.md from it.

Both sites render the same things on the article page: layout with section
menu (cached by both), headline, dek, byline, date, body, tags, four related
articles sharing the section or a tag. No photo: the generated archive's
photos have no file. Wagtail's templates and page types are written as its
documentation writes them, with an index on the article date and the menu
cached, so that its figures are not those of a careless site.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    PY,
    Server,
    base_env,
    fetch_ok,
    load_python,
    load_wrk,
)

WAGTAIL_VERSION = "8.0.1"
SITE = ROOT / "bench" / "wagtail_site"
VENV = ROOT / "var" / "bench" / "wagtail-venv"
WPY = VENV / "bin" / "python"
DEEP_PAGE = 400
PER_PAGE = 20  # our section pages' (articles.views) and the Wagtail site's


def ensure_venv():
    if not WPY.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(WPY), "-m", "pip", "install", "-q", f"wagtail=={WAGTAIL_VERSION}", "granian",
         "psycopg[binary]", "dj-database-url", "redis"],
        check=True,
    )  # fmt: skip


def wagtail_env(database_url: str, cache_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": str(SITE),
            "DJANGO_SETTINGS_MODULE": "wtsite.settings",
            "DATABASE_URL": database_url,
            "CACHE_URL": cache_url,
        }
    )
    return env


def postgres(parts, command, *args):
    """createdb, dropdb or psql on the server of our DATABASE_URL (``parts``)."""
    server = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    user = ["-U", parts.username or "postgres"]
    return subprocess.run([command, *server, *user, *args], capture_output=True, text=True)


def wagtail_articles(parts, wagtail_db, env) -> int | None:
    """How many article pages the Wagtail site holds; None without its database."""
    databases = postgres(parts, "psql", "-d", "postgres", "-Atc", "SELECT datname FROM pg_database")
    if wagtail_db not in databases.stdout.split():
        return None
    wagtail(env, "migrate", "--no-input", "-v0")
    count = "from news.models import ArticlePage; print(ArticlePage.objects.count())"
    return int(wagtail(env, "shell", "-c", count, capture=True).strip().splitlines()[-1])


def wagtail(env, *args, capture=False):
    done = subprocess.run(
        [str(WPY), "-m", "django", *args], cwd=SITE, env=env, check=True,
        capture_output=capture, text=True,
    )  # fmt: skip
    return done.stdout


def ours(env) -> dict:
    """``our_targets()`` in our Django, with the bench's settings."""
    code = "import json; from bench.wagtail_compare import our_targets as t; print(json.dumps(t()))"
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True,
        text=True, check=True,
    ).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def our_targets(deep_page: int = DEEP_PAGE) -> dict:
    """What both sites are asked for, read in our Django (``ours``): the
    same article, a top-level section without subsections (Wagtail's
    section page lists its own children), and our keyset cursor to the
    articles of the section's ``deep_page``-th page, which Wagtail's
    ?page= reaches by OFFSET."""
    from articles.models import Article, Category
    from articles.pagination import encode_cursor

    public = Article.objects.public().select_related("section").order_by("-publish_at", "-id")
    article = public[5]
    section = (
        Category.objects.filter(parent__isnull=True, children__isnull=True)
        .order_by("position", "id")
        .first()
    )
    in_section = public.filter(section=section)
    # A smaller archive than the 100 000 this is meant for: its last page.
    deep_page = max(2, min(deep_page, -(-in_section.count() // PER_PAGE)))
    last_before = in_section[(deep_page - 1) * PER_PAGE - 1]
    cursor = encode_cursor(last_before.publish_at, last_before.pk)
    # The articles copied into the Wagtail site: public()'s own query, not a
    # copy of its conditions.
    public_sql, public_params = Article.objects.public().values("pk").query.sql_with_params()
    return {
        "article_id": article.pk,
        "article": article.get_absolute_url(),
        "section_slug": section.slug,
        "section": section.get_absolute_url(),
        "section_deep": f"{section.get_absolute_url()}?before={cursor}",
        "deep_page": deep_page,
        "public": Article.objects.public().count(),
        "public_query": [public_sql, [str(param) for param in public_params]],
    }


# The same article and section in the Wagtail site (copy_archive ends each
# article's slug with our id).
WAGTAIL_URLS = """
import json
from news.models import ArticlePage, SectionPage
a = ArticlePage.objects.get(slug__endswith="-{article_id:d}")
s = SectionPage.objects.get(slug={section_slug!r})
print(json.dumps({{"article": a.url, "section": s.url}}))
"""


def wagtail_urls(env, article_id: int, section_slug: str) -> dict:
    code = WAGTAIL_URLS.format(article_id=article_id, section_slug=section_slug)
    return json.loads(wagtail(env, "shell", "-c", code, capture=True).strip().splitlines()[-1])


def measure(server, targets, load, seconds, connections) -> dict:
    figures = {}
    for name, path in targets.items():
        status = fetch_ok(server.base + path)  # warm up, and check it works
        print(f"-- {name}: {path} ({status})")
        figures[name] = load(server.base + path, seconds, connections)
        figures[name]["path"] = path
    bare = figures["bare"]["rps"]
    for value in figures.values():
        value["ratio"] = round(value["rps"] / bare, 3)
    return figures


ROWS = [
    ("bare", "bare Django view (each site's limit)"),
    ("article", "article page"),
    ("section", "section page, first"),
    ("section_deep", "section page, deep"),  # named by its number in render()
    ("api_list", "API, newest 20 articles"),
]


def _rps(value: float) -> str:
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def render(results: dict) -> str:
    """bench/WAGTAIL.md: one table per archive size in ``results``."""
    lines = [
        "# Our CMS beside Wagtail",
        "",
        "Written by `bench/wagtail_compare.py` (`make bench-wagtail`): the same archive",
        f"served by our site and by a Wagtail {WAGTAIL_VERSION} news site",
        "(bench/wagtail_site/), on the same machine in one run, each by granian (WSGI,",
        "2 workers, DEBUG off) on PostgreSQL and Redis, our page and API caches off:",
        "every figure is a page rendered for its request. Ratios are to each site's",
        "own bare Django view; the last column compares the two sites' requests per",
        "second.",
    ]
    for result in sorted(results.values(), key=lambda r: r["articles"]):
        ours_, theirs = result["ours"], result["wagtail"]
        deep = f"section page {result.get('deep_page', DEEP_PAGE)}"
        rows = [(key, deep if key == "section_deep" else name) for key, name in ROWS]
        lines += [
            "",
            f"## {result['articles']} public articles",
            "",
            f"{result['when']} · {result['machine']} · {result['load_generator']}",
            "",
            "| request | ours req/s | ours ratio | Wagtail req/s | Wagtail ratio "
            "| ours ÷ Wagtail |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for key, name in rows:
            a, b = ours_[key], theirs[key]
            lines.append(
                f"| {name} | {_rps(a['rps'])} | {a['ratio']:.3f} | {_rps(b['rps'])} "
                f"| {b['ratio']:.3f} | {a['rps'] / b['rps']:.2f} |"
            )
        lines += ["", "p50 / p99 latency under that load, in ms:", ""]
        for key, name in rows:
            a, b = ours_[key], theirs[key]
            lines.append(
                f"- {name}: ours {a['p50_ms']:.1f} / {a['p99_ms']:.1f}, "
                f"Wagtail {b['p50_ms']:.1f} / {b['p99_ms']:.1f}"
                + "".join(
                    f" ({site}: {figures['timeouts']} timed out after 30 s)"
                    for site, figures in (("ours", a), ("Wagtail", b))
                    if figures.get("timeouts")
                )
            )
        lines += ["", "Paths:", ""]
        for key, name in rows:
            lines.append(f"- {name}: ours `{ours_[key]['path']}`, Wagtail `{theirs[key]['path']}`")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 5)))
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit(
            "bench/wagtail_compare.py: set DATABASE_URL to our archive on PostgreSQL "
            "(built by `make bench N=...` or generate_archive)."
        )
    parts = urllib.parse.urlsplit(database_url)
    wagtail_db = f"{parts.path.lstrip('/')}_wagtail"
    wagtail_url = urllib.parse.urlunsplit(parts._replace(path=f"/{wagtail_db}"))
    cache_url = os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/0")
    cache_parts = urllib.parse.urlsplit(cache_url)
    wagtail_cache = urllib.parse.urlunsplit(cache_parts._replace(path="/9"))

    env = base_env("postgresql")
    urls = ours(env)
    ensure_venv()
    wenv = wagtail_env(wagtail_url, wagtail_cache)
    if wagtail_articles(parts, wagtail_db, wenv) != urls["public"]:
        # A new database: Wagtail deletes a tree of pages page by page.
        print(f"== copying {urls['public']} articles into a new Wagtail site ({wagtail_db})")
        postgres(parts, "dropdb", "--if-exists", wagtail_db)
        postgres(parts, "createdb", wagtail_db)
        wagtail(wenv, "migrate", "--no-input", "-v0")
        wagtail(wenv, "copy_archive", database_url, json.dumps(urls["public_query"]))
    subprocess.run(["redis-cli", "-u", wagtail_cache, "flushdb"], capture_output=True)
    theirs = wagtail_urls(wenv, urls["article_id"], urls["section_slug"])

    load = load_wrk if shutil.which("wrk") else load_python
    sites = {
        "ours": (
            lambda: Server(env, cache_seconds=0),
            {
                "bare": "/bench/bare/",
                "article": urls["article"],
                "section": urls["section"],
                "section_deep": urls["section_deep"],
                "api_list": "/api/v1/articles/",
            },
        ),
        "wagtail": (
            lambda: Server(
                wenv, app="wtsite.wsgi:application", cwd=SITE, granian=VENV / "bin" / "granian"
            ),
            {
                "bare": "/bench/bare/",
                "article": theirs["article"],
                "section": theirs["section"],
                "section_deep": f"{theirs['section']}?page={urls['deep_page']}",
                "api_list": "/api/v2/pages/?type=news.ArticlePage&fields=date,dek,tags"
                "&order=-date&limit=20",
            },
        ),
    }
    results = {}
    for site, (start, targets) in sites.items():  # one server at a time
        server = start()
        try:
            results[site] = measure(server, targets, load, args.seconds, args.connections)
        finally:
            server.stop()
    result = {
        **results,
        "articles": urls["public"],
        "deep_page": urls["deep_page"],
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_generator": f"{'wrk' if load is load_wrk else 'python'} "
        f"{args.connections} connections, {args.seconds} s per URL",
        "wagtail_version": WAGTAIL_VERSION,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    path = ROOT / "bench" / "wagtail.json"
    everything = json.loads(path.read_text()) if path.exists() else {}
    everything[str(result["articles"])] = result  # one run per archive size
    path.write_text(json.dumps(everything, indent=2) + "\n")
    (ROOT / "bench" / "WAGTAIL.md").write_text(render(everything))
    print((ROOT / "bench" / "WAGTAIL.md").read_text())


if __name__ == "__main__":
    main()
