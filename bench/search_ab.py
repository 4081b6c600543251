"""Search latency of two checkouts of this project, compared request by
request on the same archive: the way to tell a change of a few
milliseconds on a machine whose speed drifts by more than that.

    git worktree add /tmp/before <commit>
    ln -s "$PWD/.venv" /tmp/before/.venv
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_100k \\
        .venv/bin/python bench/search_ab.py /tmp/before . --rounds 10

Each checkout runs in a process of its own (its own code, the same
database): ``GET /search/?q=…`` through Django's test client, page cache
off, for every query of ``bench.run.SEARCH_QUERIES`` plus ``--query``
ones. After one warm-up request per query and checkout, each round asks
both checkouts every query, in a random order per query, so that drift
falls on both alike. Prints the median per query and p50/p95 over all.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def serve(root: str) -> None:
    """The worker: answer each URL read on stdin with its time in ms."""
    sys.path.insert(0, root)
    os.chdir(root)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-not-secret"),
        DEBUG="0",
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        LOG_LEVEL="ERROR",
        PUBLIC_PAGE_CACHE_SECONDS="0",
    )
    os.environ.setdefault("CACHE_URL", "locmem://")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    # Plain static storage: the template's {% static %} needs no collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client = Client()
    print("ready", flush=True)
    for line in sys.stdin:
        url = line.strip()
        started = time.perf_counter()
        status = client.get(url).status_code
        ms = (time.perf_counter() - started) * 1000
        print(f"{ms:.3f}" if status == 200 else f"HTTP {status}", flush=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs=2, help="Two project checkouts: before, after.")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--query", action="append", default=[], help="One more query.")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from bench.run import SEARCH_QUERIES

    queries = [*SEARCH_QUERIES, *args.query]
    urls = {q: "/search/?q=" + urllib.parse.quote(q) for q in queries}
    roots = [str(Path(c).resolve()) for c in args.checkouts]
    workers = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [f"{root}/.venv/bin/python", str(Path(__file__).resolve()), "--serve", root],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for root in roots
    ]
    for worker in workers:
        if worker.stdout.readline().strip() != "ready":
            raise SystemExit("a worker did not start")

    def ask(worker, url) -> float:
        worker.stdin.write(url + "\n")
        worker.stdin.flush()
        answer = worker.stdout.readline().strip()
        if answer.startswith("HTTP") or not answer:
            raise SystemExit(f"{url}: {answer or 'no answer'}")
        return float(answer)

    times = {root: {q: [] for q in queries} for root in roots}
    for q in queries:
        for worker in workers:
            ask(worker, urls[q])
    rng = random.Random(8)
    for _ in range(args.rounds):
        for q in queries:
            pairs = list(zip(roots, workers, strict=True))
            rng.shuffle(pairs)
            for root, worker in pairs:
                times[root][q].append(ask(worker, urls[q]))
    for worker in workers:
        worker.stdin.close()
        worker.wait(10)

    print(f"{'query':<28} {'before':>8} {'after':>8}  (median ms)")
    for q in queries:
        before, after = (statistics.median(times[root][q]) for root in roots)
        print(f"{q:<28} {before:8.1f} {after:8.1f}")
    for label, root in zip(("before", "after"), roots, strict=True):
        every = [ms for q in queries for ms in times[root][q]]
        p50, p95 = statistics.median(every), percentile(every, 0.95)
        print(f"{label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({len(every)} requests)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(sys.argv[2])
    else:
        sys.exit(main())
