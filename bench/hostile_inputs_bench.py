"""How long the parsers take on hostile inputs (ReDoS and XML bombs).

The tests check that these inputs are handled correctly; this script measures
how fast, so that a regression to super-linear behaviour shows up as a number
rather than as a flaky wall-clock assert. Run: `.venv/bin/python -m bench.hostile_inputs_bench`.
"""

import io
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings_test")

import django  # noqa: E402

django.setup()

from articles.importers.shortcodes import convert_wp_body  # noqa: E402
from articles.importers.wxr import WxrError, iter_wxr  # noqa: E402
from articles.tests.test_shortcodes import HOSTILE_BODIES  # noqa: E402
from articles.tests.test_wxr_parser import HOSTILE  # noqa: E402
from media_assets.credits import split_credit  # noqa: E402

LONG_CAPTIONS = {
    "long-with-credit": "word " * 20_000 + ". REUTERS/Ann Lee",
    "parens": "(" * 100_000,
    "open-photo-label": "(Photo: " + "a" * 100_000,
    "sentences": ". " * 50_000,
    "slashes": "A/" * 50_000,
}


def _timed(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return (time.perf_counter() - started) * 1000


def _refuse(text: str) -> None:
    try:
        for _ in iter_wxr(io.BytesIO(text.encode())):
            pass
    except WxrError:
        return


def main() -> None:
    rows = []
    for name, body in sorted(HOSTILE_BODIES.items()):
        rows.append(("WordPress body", name, len(body), _timed(convert_wp_body, body)))
    for name, text in sorted(HOSTILE.items()):
        rows.append(("WXR with a DTD", name, len(text), _timed(_refuse, text)))
    for name, caption in sorted(LONG_CAPTIONS.items()):
        rows.append(("caption credit", name, len(caption), _timed(split_credit, caption)))
    print(f"{'input':<16} {'case':<38} {'chars':>9} {'ms':>9}")
    for kind, name, size, ms in rows:
        print(f"{kind:<16} {name:<38} {size:>9} {ms:>9.1f}")


if __name__ == "__main__":
    main()
