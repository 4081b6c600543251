"""Import rate and peak memory of ``import_wxr`` on a generated export.

    .venv/bin/python bench/import_bench.py [POSTS]   (default 100 000)

Builds a WXR file of POSTS published posts without media (one section, one
tag, one author each), imports it into a fresh SQLite database in a temporary
folder, and prints posts per second (wall and CPU time) and the peak resident
memory, sampled every 1 000 posts, so that a growing memory shows up. The
result goes into bench/RESULTS.md by hand (it depends on the machine).
"""

import logging
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main(posts: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="import-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    # DEBUG keeps the last 9 000 SQL statements (large bulk INSERTs) in memory,
    # which would show as growth that the importer does not cause.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    import django

    django.setup()
    # Each batch enqueues a page-cache purge, which the immediate task backend
    # runs and logs (two lines per 500 posts) in the middle of the results.
    logging.getLogger("django_tasks").setLevel(logging.WARNING)
    from django.core.management import call_command

    from articles.importers.wordpress import ImportOptions, import_wordpress
    from articles.tests.wxr_samples import write_generated_export

    call_command("migrate", verbosity=0)
    path = write_generated_export(work / "export.xml", posts)
    size_mb = path.stat().st_size / 1e6
    samples = []

    def progress(seen):
        if seen % 1000 == 0:
            samples.append((seen, rss_bytes()))

    baseline = rss_bytes()
    wall, cpu = time.perf_counter(), time.process_time()
    report = import_wordpress(path=path, options=ImportOptions(progress=progress))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    created = report.counts["article"]["created"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"posts: {posts}, file: {size_mb:.0f} MB, created: {created}")
    print(f"wall: {wall:.1f} s = {created / wall:.0f} posts/s")
    print(f"cpu:  {cpu:.1f} s = {created / cpu:.0f} posts/s (the machine's share of CPU aside)")
    print(f"rss before: {baseline / 1e6:.0f} MB, peak: {peak / 1e6:.0f} MB")
    if samples:
        quarter = samples[len(samples) // 4][1]
        print(
            f"rss at 25%: {quarter / 1e6:.0f} MB, at the end: {samples[-1][1] / 1e6:.0f} MB "
            f"(growth after the first quarter: {(samples[-1][1] - quarter) / 1e6:.1f} MB)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
