"""Quality checks of the public site against a running server (CI legs).

    python .ci/site_quality.py urls BASE_URL          print the key pages, one per line
    python .ci/site_quality.py fetch BASE_URL DIR     save them as DIR/NN.html for vnu
    python .ci/site_quality.py axe BASE_URL AXE_JS    axe-core in Chromium; fails on
                                                      serious or critical violations

The page list comes from the demo database (DJANGO_SETTINGS_MODULE, CMS_VAR_DIR)
so that it covers a section, a sub-section, an article with a photo, the
Arabic article, the archive levels, a tag, an author, search and a 404.
"""

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def key_pages() -> list[str]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    import django

    django.setup()
    from django.utils import timezone

    from articles.models import Article, Author, Category, Tag

    public = Article.objects.public().select_related("section")
    with_photo = public.filter(lead_media__isnull=False).first()
    arabic = public.filter(language="ar").first()
    newest = public.first()
    month = timezone.localtime(newest.publish_at)
    section = Category.objects.filter(parent__isnull=True).first()
    sub = Category.objects.filter(parent__isnull=False).first()
    tag = Tag.objects.filter(articles__isnull=False).first()
    author = Author.objects.filter(articles__isnull=False).first()
    pages = [
        "/",
        section.get_absolute_url(),
        sub.get_absolute_url() if sub else None,
        with_photo.get_absolute_url() if with_photo else None,
        arabic.get_absolute_url() if arabic else None,
        "/archive/",
        f"/archive/{month.year}/",
        f"/archive/{month.year}/{month.month}/",
        tag.get_absolute_url() if tag else None,
        author.get_absolute_url() if author else None,
        "/search/?q=oil",
        "/no-such-page-here/",
    ]
    return [page for page in pages if page]


def fetch(base: str, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n, page in enumerate(key_pages()):
        try:
            with urllib.request.urlopen(base + page, timeout=30) as response:  # noqa: S310
                body = response.read()
        except urllib.error.HTTPError as error:  # the 404 page is checked too
            body = error.read()
        (folder / f"{n:02d}.html").write_bytes(body)
        print(f"{n:02d}.html  {page}")


def axe(base: str, axe_js: Path) -> int:
    from playwright.sync_api import sync_playwright

    script = axe_js.read_text()
    pages = key_pages()  # the ORM before Playwright starts its event loop
    failures = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox"],
        )
        for width in (1280, 375):
            # axe is injected inline, which the site's CSP rightly forbids.
            page = browser.new_page(viewport={"width": width, "height": 900}, bypass_csp=True)
            for path in pages:
                page.goto(base + path, wait_until="load")
                page.add_script_tag(content=script)
                result = page.evaluate("async () => await axe.run(document)")
                bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
                for violation in bad:
                    targets = [n["target"] for n in violation["nodes"]][:5]
                    print(f"FAIL {width}px {path}: {violation['id']} ({violation['impact']}) "
                          f"{violation['help']} {targets}")
                failures += len(bad)
                print(f"{width}px {path}: {len(result['violations'])} violation(s), "
                      f"{len(bad)} serious/critical")
            page.close()
        browser.close()
    return 1 if failures else 0


if __name__ == "__main__":
    command, base = sys.argv[1], sys.argv[2].rstrip("/")
    if command == "urls":
        print("\n".join(key_pages()))
    elif command == "fetch":
        fetch(base, Path(sys.argv[3]))
    elif command == "axe":
        sys.exit(axe(base, Path(sys.argv[3])))
    else:
        sys.exit(f"unknown command {command!r}")
