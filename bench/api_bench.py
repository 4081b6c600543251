# ruff: noqa: S603, S607, S310 - a benchmark driving a local server
"""The API's throughput as a ratio to a bare Django view served by the same
server (granian, 2 workers, DEBUG off) in the same run.

    .venv/bin/python bench/api_bench.py [--seconds S] [--connections C]

Measures, anonymous: the article list (50 items, every relation expanded),
the article detail, and the detail answered 304 from If-None-Match. The bare
view exists only in the bench urlconf (bench/urls.py, selected by
bench/settings.py), never in production URLs. The data is the demo archive
(302 articles) in var/bench-api/, made on first use. Prints a Markdown table
and writes it to bench/API_RESULTS.md.
"""

import argparse
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import ROOT, Server, base_env, load_python, load_wrk, manage  # noqa: E402

EXPAND = "lead_media,authors,section,categories,tags"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()

    env = base_env("api")
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "load_demo")
    load = load_wrk if _has_wrk() else load_python
    server = Server(env, cache_seconds=0)
    try:
        base = server.base
        detail_path = _first_article_path(base)
        etag = urllib.request.urlopen(base + detail_path, timeout=30).headers["ETag"]
        targets = {
            "bare": "/bench/bare/",
            "api_list": f"/api/v1/articles/?page_size=50&expand={EXPAND}",
            "api_detail": detail_path,
        }
        for path in targets.values():  # warm up: connections, caches, imports
            urllib.request.urlopen(base + path, timeout=30).read()
        results = {}
        for name, path in targets.items():
            results[name] = load(base + path, args.seconds, args.connections)
            time.sleep(0.5)
        results["api_detail_304"] = _conditional_rate(base + detail_path, etag, args.seconds)
    finally:
        server.stop()

    bare = results["bare"]["rps"]
    lines = [
        "# API benchmark",
        "",
        f"granian, 2 workers, DEBUG off, anonymous; {args.connections} connections, "
        f"{args.seconds} s per URL; demo archive on {env.get('DATABASE_URL') or 'SQLite'}.",
        "",
        "| request | req/s | ratio to bare view | p50 ms | non-2xx |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, figures in results.items():
        lines.append(
            f"| {name} | {figures['rps']:.0f} | {figures['rps'] / bare:.3f} | "
            f"{figures.get('p50_ms', 0):.1f} | {figures.get('non_2xx', 0)} |"
        )
    report = "\n".join(lines) + "\n"
    (ROOT / "bench" / "API_RESULTS.md").write_text(report)
    print(report)


def _has_wrk() -> bool:
    import shutil

    return shutil.which("wrk") is not None


def _first_article_path(base) -> str:
    import json

    with urllib.request.urlopen(base + "/api/v1/articles/?page_size=1&fields=id") as r:
        article_id = json.load(r)["results"][0]["id"]
    return f"/api/v1/articles/{article_id}/"


def _conditional_rate(url, etag, seconds) -> dict:
    """One keep-alive client sending If-None-Match: the cost of a 304."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    count, not_modified, stop = 0, 0, time.monotonic() + seconds
    started = time.monotonic()
    while time.monotonic() < stop:
        conn.request("GET", parts.path, headers={"If-None-Match": etag})
        response = conn.getresponse()
        response.read()
        count += 1
        not_modified += response.status == 304
    elapsed = time.monotonic() - started
    return {"rps": count / elapsed, "non_2xx": count - not_modified, "p50_ms": 0.0}


if __name__ == "__main__":
    main()
