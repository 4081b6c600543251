"""The day of an article in a real browser: Playwright for Python driving
Debian's chromium (never a downloaded browser). Run with ``pytest -m browser``;
skipped with a reason when chromium or Playwright is missing. A screenshot of
the editor page is written to var/screenshots/ (ignored by git)."""

import os
import re
import shutil
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.db import connections

from articles.models import Article
from articles.tests.factories import make_category
from media_assets.tests.factories import make_media

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"

# .ci/run's browser leg sets this: there a missing browser is a failure.
REQUIRED = os.environ.get("BROWSER_TESTS_REQUIRED") == "1"

if not REQUIRED:
    pytest.importorskip(
        "playwright.sync_api",
        reason="Playwright is not installed (pip install -r requirements-dev.txt)",
    )
from playwright import sync_api  # noqa: E402

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not REQUIRED and not Path(CHROMIUM).exists(),
        reason=f"chromium not found at {CHROMIUM} (apt-get install chromium; see .ci/run)",
    ),
]


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own
    # ORM calls are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        # While that loop runs, Django keeps this thread's connections apart
        # (asgiref's thread-critical Local turns context-local), so the test's
        # ORM calls opened a connection of their own that pytest-django's
        # teardown never sees. Closed here, while the loop still runs, or it
        # outlives the test and PostgreSQL refuses to drop the test database.
        connections.close_all()
        browser.close()


@pytest.fixture(autouse=True)
def roles():
    """The newsroom's groups come from a data migration (articles 0003), and a
    transactional test run before this one (they run last, in file order)
    flushed every table: made again here, with their permissions, which the
    flush's post_migrate has made again."""
    ROLES = import_module("articles.migrations.0003_add_roles").ROLES  # noqa: N806
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def member(name, group):
    user = User.objects.create_user(name, password=f"{name}-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def log_in(browser, live_server, username):
    page = browser.new_page(viewport={"width": 1280, "height": 1100})
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"{username}-password-1")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    return page


def pick_autocomplete(page, field, text):
    page.click(f".field-{field} .select2-selection")
    page.fill(".select2-container--open .select2-search__field", text)
    page.click(f".select2-results__option:has-text('{text}')")


def test_from_draft_to_published_in_a_browser(browser, live_server):
    member("wendy", "Writers")
    member("eddie", "Editors")
    make_category(name="Opinion", slug="opinion")
    make_media(media_id=55384539, caption="Putin in Moscow", alt_text="Putin", with_file=True)

    # A writer writes with the editor, inserts a photo by Media ID, submits.
    page = log_in(browser, live_server, "wendy")
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    page.fill("#id_headline", "Talks resume in Geneva")
    pick_autocomplete(page, "section", "Opinion")
    editor = page.locator(".ProseMirror[contenteditable=true]")
    editor.click()
    page.keyboard.type("The first paragraph.")
    page.keyboard.press("Enter")
    page.keyboard.type("The second paragraph.")
    page.click("button[title='Insert photo by Media ID']")
    page.fill(".prose-editor-dialog input[name=mediaId]", "55384539")
    page.click(".prose-editor-dialog button[type=submit]")
    page.wait_for_selector(
        ".ProseMirror[contenteditable=true] figure[data-media-id='55384539'] img"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "editor.png"), full_page=True)
    assert page.locator("input[name=_publish]").count() == 0  # writers never publish
    page.click("input[name=_submit]")
    page.wait_for_selector("text=was sent to the editors for review")
    article = Article.objects.get(headline="Talks resume in Geneva")
    assert article.status == Article.Status.REVIEW
    assert '<figure data-media-id="55384539">' in article.body
    page.close()

    # An editor finds it in review, edits it, compares two revisions, publishes.
    page = log_in(browser, live_server, "eddie")
    page.goto(f"{live_server.url}/admin/articles/article/?status__exact=review")
    page.click("text=Talks resume in Geneva")
    page.locator(".ProseMirror[contenteditable=true] p", has_text="The second paragraph.").click()
    page.keyboard.press("End")
    page.keyboard.type(" Edited by the desk.")
    page.click("input[name=_continue]")
    page.wait_for_selector("text=was changed successfully")
    page.click("a.historylink")
    page.click("#compare-form input[type=submit]")
    diff = page.locator("#revision-diff .diff-body")
    assert diff.locator("ins").first.inner_text().strip() == "Edited by the desk."
    page.go_back()
    page.go_back()
    page.click("input[name=_publish]")
    page.wait_for_selector("text=is published")
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    page.close()

    # Readers see it.
    reader = browser.new_page()
    reader.goto(f"{live_server.url}{article.get_absolute_url()}")
    assert reader.locator("h1").inner_text() == "Talks resume in Geneva"
    assert re.search("Edited by the desk", reader.content())
    reader.close()
