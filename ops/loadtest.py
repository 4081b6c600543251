"""Bounded load and fault scenarios against a running site on loopback.

    python ops/loadtest.py --base-url http://127.0.0.1:8790 --token TOKEN \
        --duration 60 --connections 32 [--fault pg-restart|redis-stop] [--json out.json]

Readers fetch article pages, section pages, the home page, search and the API
list; two "editors" create articles through the API (Token auth). Every
request is bounded (timeout), the run stops after --duration seconds or
--max-requests requests, and only loopback addresses are accepted.

Faults (run by this script, on services the caller started for the test):
  pg-restart  at 1/4 of the run, `--pg-restart-cmd` (stop, wait, start);
  redis-stop  at 1/4 of the run, `--redis-stop-cmd`; `--redis-start-cmd` at the end.

Afterwards, with DJANGO_SETTINGS_MODULE and the same environment as the
server, every write that got a 2xx is looked up in the database: "lost
writes" must be 0. Prints one JSON summary; exits non-zero when an
expectation fails (see --expect).
"""

import argparse
import http.client
import ipaddress
import json
import os
import random
import shlex
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def loopback_only(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    address = socket.gethostbyname(host)
    if not ipaddress.ip_address(address).is_loopback:
        raise SystemExit(f"refusing to load {host} ({address}): loopback addresses only")
    return host, parts.port or 80


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = Counter()
        self.latencies = []
        self.errors = Counter()
        self.writes_ok = []
        self.timeline = []  # (t, status, seconds)

    def record(self, t, kind, status, seconds):
        with self.lock:
            self.statuses[status] += 1
            self.latencies.append(seconds)
            self.timeline.append((round(t, 2), kind, status, round(seconds, 3)))


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    import django

    django.setup()


def reader_paths(limit=200):
    from articles.models import Article, Category

    paths = ["/", "/api/v1/articles/", "/api/v1/articles/?page_size=50"]
    paths += [c.get_absolute_url() for c in Category.objects.filter(parent__isnull=True)]
    articles = list(Article.objects.public().order_by("-publish_at")[:limit])
    paths += [a.get_absolute_url() for a in articles]
    paths += [f"/api/v1/articles/{a.pk}/" for a in articles[:20]]
    paths += [f"/search/?q={w}" for w in ("oil", "korea", "saudi", "election", "market")]
    section_id = Category.objects.filter(parent__isnull=True).values_list("pk", flat=True).first()
    return paths, section_id


def worker(host, port, stats, stop_at, budget, paths, token, section_id, editor, run_id, n):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    started = time.monotonic()
    i = 0
    while time.monotonic() < stop_at:
        with budget["lock"]:
            if budget["left"] <= 0:
                return
            budget["left"] -= 1
        i += 1
        headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
        t0 = time.monotonic()
        kind = "read"
        body = None
        method = "GET"
        path = random.choice(paths)  # noqa: S311 - load mix, not security
        if editor and i % 3 == 0:
            kind, method, path = "write", "POST", "/api/v1/articles/"
            headline = f"Load {run_id} editor {n} #{i}"
            body = json.dumps({"headline": headline, "section": section_id, "body": "<p>x</p>"})
            headers.update({"Authorization": f"Token {token}", "Content-Type": "application/json"})
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
            if kind == "write" and 200 <= status < 300:
                with stats.lock:
                    stats.writes_ok.append(json.loads(data)["id"])
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            status = f"error:{type(exc).__name__}"
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=10)
            time.sleep(0.05)
        stats.record(t0 - started, kind, status, time.monotonic() - t0)


def run_cmd(cmd):
    if cmd:
        subprocess.run(shlex.split(cmd), check=False, timeout=120)  # noqa: S603


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--editors", type=int, default=2)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--fault", choices=["none", "pg-restart", "redis-stop"], default="none")
    parser.add_argument("--pg-restart-cmd", default="")
    parser.add_argument("--redis-stop-cmd", default="")
    parser.add_argument("--redis-start-cmd", default="")
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    if not 0 < args.duration <= 300:
        raise SystemExit("--duration must be in (0, 300] seconds")
    host, port = loopback_only(args.base_url)

    setup_django()
    paths, section_id = reader_paths()
    stats = Stats()
    run_id = f"{int(time.time())}"
    stop_at = time.monotonic() + args.duration
    budget = {"left": args.max_requests, "lock": threading.Lock()}
    threads = [
        threading.Thread(
            target=worker,
            args=(
                host,
                port,
                stats,
                stop_at,
                budget,
                paths,
                args.token,
                section_id,
                n < args.editors,
                run_id,
                n,
            ),
            daemon=True,
        )  # fmt: skip
        for n in range(args.connections)
    ]
    t_start = time.monotonic()
    for thread in threads:
        thread.start()
    fault_window = None
    if args.fault != "none":
        time.sleep(args.duration / 4)
        f0 = time.monotonic() - t_start
        run_cmd(args.pg_restart_cmd if args.fault == "pg-restart" else args.redis_stop_cmd)
        fault_window = (round(f0, 2), round(time.monotonic() - t_start, 2))
    for thread in threads:
        thread.join(args.duration + 30)
    if args.fault == "redis-stop":
        run_cmd(args.redis_start_cmd)

    # Every write that got a 2xx must be in the database.
    from django.db import connections

    from articles.models import Article

    connections.close_all()
    found = set(Article.objects.filter(pk__in=stats.writes_ok).values_list("pk", flat=True))
    lost = sorted(set(stats.writes_ok) - found)
    lat = sorted(stats.latencies) or [0]
    fivexx = sum(c for s, c in stats.statuses.items() if isinstance(s, int) and s >= 500)
    # Recovery: everything from 2 s after the service is back must succeed.
    after = [e for e in stats.timeline if fault_window and e[0] > fault_window[1] + 2]
    summary = {
        "fault": args.fault,
        "duration_s": args.duration,
        "connections": args.connections,
        "requests": len(stats.latencies),
        "requests_per_s": round(len(stats.latencies) / args.duration, 1),
        "statuses": {str(k): v for k, v in sorted(stats.statuses.items(), key=str)},
        "5xx": fivexx,
        "500": stats.statuses.get(500, 0),
        "latency_ms": {
            "p50": round(lat[len(lat) // 2] * 1000, 1),
            "p95": round(lat[int(len(lat) * 0.95)] * 1000, 1),
            "max": round(lat[-1] * 1000, 1),
        },
        "writes_2xx": len(stats.writes_ok),
        "lost_writes": len(lost),
        "fault_window_s": fault_window,
        "after_fault_ok": (
            sum(1 for e in after if isinstance(e[2], int) and e[2] < 500) if fault_window else None
        ),
        "after_fault_total": len(after) if fault_window else None,
    }
    print(json.dumps(summary, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2))
    problems = []
    if lost:
        problems.append(f"{len(lost)} lost writes")
    if args.fault in {"none", "redis-stop"} and fivexx:
        problems.append(f"{fivexx} responses 5xx")
    if args.fault == "pg-restart":
        if stats.statuses.get(500, 0):
            problems.append(f"{stats.statuses[500]} responses 500 (want 503 while down)")
        if not after or summary["after_fault_ok"] < len(after) * 0.99:
            problems.append("did not recover after the restart")
        if lat[-1] > 15:
            problems.append(f"a request hung {lat[-1]:.1f}s")
    if problems:
        print("FAILED: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
