"""Standard renditions of a 24-megapixel JPEG: our pipeline against raw Pillow.

    DEBUG=1 .venv/bin/python bench/renditions_bench.py [--rounds 3] [--out bench/RENDITIONS.md]

Both sides make the same outputs in the same run: every spec in
MEDIA_ASSETS_RENDITIONS in every output format (the original's, WebP, AVIF
where Pillow has it), with the same encoder settings. "Raw Pillow" is the
minimum a hand-written script would do: open, JPEG draft, resize (crop box for
the social card), save to memory. Ours is ``generate_standard_renditions``:
the same plus EXIF orientation, colour management, metadata stripping,
storage writes and one database row each. The ratio is ours / raw (target
<= 1.3). The median of ``--rounds`` runs is reported.
"""

import argparse
import io
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup() -> None:
    var = tempfile.mkdtemp(prefix="cms-rendition-bench-")
    os.environ["CMS_VAR_DIR"] = var
    os.environ["MEDIA_ROOT"] = str(Path(var) / "media")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def photo_24mp() -> bytes:
    from PIL import Image, ImageDraw, ImageFilter

    width, height = 6000, 4000
    img = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(img)
    for i in range(40):
        x, y = (i * 397) % width, (i * 263) % height
        draw.ellipse((x, y, x + 600, y + 400), fill=((i * 53) % 256, (i * 97) % 256, 120))
    img = img.filter(ImageFilter.GaussianBlur(2))
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    img = Image.blend(img, noise, 0.15)
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def raw_pillow(data: bytes, specs, formats) -> None:
    from PIL import Image

    from media_assets.imaging import SAVE_OPTIONS

    for spec in specs:
        with Image.open(io.BytesIO(data)) as img:
            w, h = img.size
            if spec.crop:
                scale = max(spec.width / w, spec.height / h)
                target = (spec.width, spec.height)
            else:
                scale = min(1.0, spec.width / w)
                target = (round(w * scale), round(h * scale))
            img.draft("RGB", (math.ceil(w * scale), math.ceil(h * scale)))
            img.load()
            if spec.crop:
                aspect = spec.width / spec.height
                bw, bh = (
                    (img.height * aspect, img.height)
                    if img.width / img.height > aspect
                    else (img.width, img.width / aspect)
                )
                left, top = (img.width - bw) / 2, (img.height - bh) / 2
                out = img.resize(
                    target,
                    Image.Resampling.LANCZOS,
                    box=(left, top, left + bw, top + bh),
                    reducing_gap=3.0,
                )
            else:
                out = img.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
        for fmt in formats:
            out.save(io.BytesIO(), fmt, **SAVE_OPTIONS[fmt])


def ours(data: bytes, index: int) -> int:
    from django.core.files.base import ContentFile

    from media_assets.models import MediaAsset
    from media_assets.renditions import generate_standard_renditions

    asset = MediaAsset(width=6000, height=4000, mime_type="image/jpeg", file_size=len(data))
    asset.file.save(f"bench{index}.jpg", ContentFile(data), save=False)
    asset.save()
    started = time.perf_counter()
    made = generate_standard_renditions(asset)
    elapsed = time.perf_counter() - started
    ours.count = len(made)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    setup()
    from media_assets.imaging import available_formats, default_specs

    data = photo_24mp()
    specs, formats = default_specs(), available_formats("JPEG")
    raw_times, our_times = [], []
    for index in range(args.rounds):
        started = time.perf_counter()
        raw_pillow(data, specs, formats)
        raw_times.append(time.perf_counter() - started)
        our_times.append(ours(data, index))
    raw, mine = statistics.median(raw_times), statistics.median(our_times)
    ratio = mine / raw
    table = "\n".join(
        [
            "## Renditions of a 24-megapixel JPEG (6000×4000)",
            "",
            f"{len(specs)} specs × {len(formats)} formats ({', '.join(formats)}) = "
            f"{ours.count} renditions; median of {args.rounds} rounds.",
            "",
            "| pipeline | seconds | ratio |",
            "|---|---:|---:|",
            f"| raw Pillow (open, draft, resize, save to memory) | {raw:.2f} | 1.00 |",
            f"| generate_standard_renditions (+ orientation, colour, storage, rows) | "
            f"{mine:.2f} | {ratio:.2f} |",
            "",
            f"Target: ratio ≤ 1.3 — {'met' if ratio <= 1.3 else 'NOT met'}.",
        ]
    )
    print(table)
    if args.out:
        Path(args.out).write_text(table + "\n")


if __name__ == "__main__":
    main()
