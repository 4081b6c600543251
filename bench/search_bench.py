"""Search latency per query: p50 and p95 of the search page, in-process.

Each query of ``bench.run.SEARCH_QUERIES`` (plus any given on the command
line) is requested through Django's test client at ``/search/?q=…`` — the
whole view: search, facets, teasers and template — one request at a time,
with the page cache off. One warm-up request per query, then ``--runs``
timed ones. Against the database of ``DATABASE_URL`` (SQLite when unset):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_100k \\
        .venv/bin/python -m bench.search_bench --runs 5

``--direct`` times ``search_articles()`` alone instead of the page.
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ["PUBLIC_PAGE_CACHE_SECONDS"] = "0"  # uncached, as bench/run.py measures search

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# Plain static storage: the template's {% static %} needs no collectstatic run.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from articles.models import Article  # noqa: E402
from articles.search import search_articles  # noqa: E402
from bench.run import SEARCH_QUERIES  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queries", nargs="*", help="More queries (default: bench.run's).")
    parser.add_argument("--runs", type=int, default=5, help="Timed runs per query.")
    parser.add_argument("--direct", action="store_true", help="Time search_articles() only.")
    args = parser.parse_args()

    queries = [*SEARCH_QUERIES, *args.queries]
    client = Client()

    def once(query: str) -> tuple[float, str]:
        started = time.perf_counter()
        if args.direct:
            results = search_articles(query)
            outcome = f"{results.total} results"
        else:
            response = client.get("/search/", {"q": query})
            if response.status_code != 200:
                raise SystemExit(f"{query!r}: HTTP {response.status_code}")
            outcome = f"HTTP {response.status_code}"
        return (time.perf_counter() - started) * 1000, outcome

    articles = Article.objects.public().count()
    what = "search_articles()" if args.direct else "GET /search/?q= (test client)"
    print(f"{connection.vendor}, {articles} public articles; {what}; 1 warm-up + {args.runs} runs")
    print(f"{'query':<28} {'p50 ms':>8} {'p95 ms':>8}  outcome")
    every = []
    for query in queries:
        once(query)
        timings = []
        for _ in range(args.runs):
            ms, outcome = once(query)
            timings.append(ms)
        every += timings
        print(
            f"{query:<28} {statistics.median(timings):8.1f} {percentile(timings, 0.95):8.1f}"
            f"  {outcome}"
        )
    print(
        f"{'all':<28} {statistics.median(every):8.1f} {percentile(every, 0.95):8.1f}"
        f"  ({len(every)} requests)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
