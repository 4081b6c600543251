from pathlib import Path

import pytest
from django.core.management import call_command

from articles import seed
from articles.models import Article, Author, Category, Tag
from articles.tests.factories import visible_text
from media_assets.models import MediaAsset

pytestmark = pytest.mark.django_db

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SEED_FILE = SHARED / "seed" / "000_dd55aa0d2e07bab0.txt"


def _counts():
    return (
        Article.objects.count(),
        Category.objects.count(),
        Author.objects.count(),
        Tag.objects.count(),
        MediaAsset.objects.count(),
    )


def test_load_demo_twice_gives_the_same_counts(capsys):
    call_command("load_demo")
    first = _counts()
    call_command("load_demo")
    assert _counts() == first
    articles, sections, authors, tags, photos = first
    assert articles >= 300 and sections == 6 and authors >= 5 and tags >= 10 and photos > 30
    assert "Demo archive ready" in capsys.readouterr().out


def test_demo_has_the_sections_and_the_seed_article_as_newest_in_opinion():
    call_command("load_demo")
    assert set(Category.objects.filter(parent=None).values_list("name", flat=True)) == {
        "Middle-east",
        "Arab News",
        "Opinion",
    }
    opinion = Category.objects.get(slug="opinion")
    newest = Article.objects.public().in_sections(opinion).first()
    assert newest.headline == seed.SEED_HEADLINE
    photo = newest.lead_media
    assert photo.media_id == 55384539
    assert photo.caption == seed.SEED_CAPTION
    assert photo.credit == "REUTERS/Yuri Maltsev/File Photo"
    assert (photo.agency, photo.photographer, photo.is_file_photo) == (
        "Reuters",
        "Yuri Maltsev",
        True,
    )
    years = {d.year for d in Article.objects.public().dates("publish_at", "year")}
    assert years == set(range(2005, 2018))


def test_home_links_to_the_seed_article(client):
    call_command("load_demo")
    article = Article.objects.get(legacy_source="demo", legacy_id="seed-000_dd55aa0d2e07bab0")
    assert article.get_absolute_url() in client.get("/").content.decode()


@pytest.mark.skipif(not SEED_FILE.exists(), reason=f"seed page not found at {SEED_FILE}")
def test_seed_page_matches_the_archived_page(client):
    """Everything on the archived page is on ours: section, headline, Media
    ID, caption with credit, and every body paragraph, in order."""
    call_command("load_demo")
    article = Article.objects.get(headline=seed.SEED_HEADLINE)
    page = visible_text(client.get(article.get_absolute_url()).content.decode())
    lines = [line.strip() for line in SEED_FILE.read_text().splitlines() if line.strip()]
    title = lines[1]
    assert title.startswith(seed.SEED_HEADLINE + " | ")
    assert "Media ID: 55384539" in page
    caption_line = lines[lines.index("Caption:") + 1]
    caption, credit = caption_line.rsplit(" ", 1)[0], "REUTERS/Yuri Maltsev/File Photo"
    assert caption_line == f"{seed.SEED_CAPTION} {credit}"
    assert seed.SEED_CAPTION in page and credit in page and "Opinion" in page
    body = lines[lines.index("Caption:") + 2 :]
    positions = [page.index(paragraph) for paragraph in body]
    assert positions == sorted(positions)
    assert len(body) == len(seed.SEED_PARAGRAPHS) == 10
    assert caption.startswith("FILE PHOTO: A guard walks along a platform")
