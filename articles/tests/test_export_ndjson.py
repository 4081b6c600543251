"""export_articles / import_ndjson: a round trip into an empty database."""

import io
import json

import pytest
from django.core.management import call_command

from articles.importers.ndjson import export_articles, import_articles
from articles.models import Article, ArticleAuthor, Author, Category, Tag
from articles.tests.factories import make_article, make_author, make_category, make_tag
from media_assets.models import MediaAsset

pytestmark = pytest.mark.django_db


def content():
    """Everything an export must carry, independent of primary keys."""
    return sorted(
        (
            a.headline, a.slug, a.dek, a.body, a.status, a.publish_at, a.language,
            a.legacy_source, a.legacy_id, a.legacy_url, a.section.slug,
            a.section.parent.slug if a.section.parent else None,
            sorted(a.categories.values_list("slug", flat=True)),
            sorted(a.tags.values_list("slug", flat=True)),
            [x.author.slug for x in a.article_authors.order_by("position")],
            (a.lead_media.media_id, a.lead_media.caption, a.lead_media.credit)
            if a.lead_media else None,
        )
        for a in Article.objects.all()
    )  # fmt: skip


@pytest.fixture
def archive():
    parent = make_category(slug="news", name="News")
    child = make_category(slug="world", name="World", parent=parent)
    photo = MediaAsset.objects.create(
        media_id=55384539, caption="A flag.", credit="REUTERS/Yuri Maltsev/File Photo"
    )
    figure = MediaAsset.objects.create(media_id=77, caption="Figure")
    ann, bob = make_author(slug="ann"), make_author(slug="bob")
    tag = make_tag(slug="politics")
    make_article(
        section=child, authors=[bob, ann], tags=[tag], categories=[parent], lead_media=photo,
        body='<p>Text</p><figure data-media-id="77"></figure>', legacy_source="old.example.com",
        legacy_id="12", legacy_url="http://old.example.com/2015/03/x/",
    )  # fmt: skip
    make_article(section=parent, status=Article.Status.DRAFT, publish_at=None, headline="Draft")
    return figure


def test_round_trip_into_an_empty_database(archive):
    before = content()
    out = io.StringIO()
    assert export_articles(out) == 2
    lines = out.getvalue().splitlines()
    first = json.loads(lines[0])
    assert first["lead_media"]["media_id"] == 55384539
    assert [f["media_id"] for f in first["figures"]] == [77]
    assert [a["slug"] for a in first["authors"]] == ["bob", "ann"]

    for model in (ArticleAuthor, Article, MediaAsset, Author, Tag):
        model.objects.all().delete()
    Category.objects.filter(parent__isnull=False).delete()
    Category.objects.all().delete()

    report = import_articles(lines)
    assert (report.created, report.unchanged, report.errors) == (2, 0, [])
    assert content() == before
    assert MediaAsset.objects.filter(media_id=77).exists()
    again = import_articles(lines)
    assert (again.created, again.unchanged) == (0, 2)
    assert Article.objects.count() == 2


def test_commands_and_since(archive, tmp_path):
    path = tmp_path / "out.ndjson"
    call_command("export_articles", "--output", str(path), "--since", "2000-01-01", verbosity=0)
    assert len(path.read_text().splitlines()) == 2
    call_command("export_articles", "--output", str(path), "--since", "2999-01-01", verbosity=0)
    assert path.read_text() == ""


def test_bad_lines_are_reported_alone():
    report = import_articles(['{"format": 1}', "not json", ""])
    assert report.created == 0
    assert [e.split(":")[0] for e in report.errors] == ["Line 1", "Line 2"]
    assert Article.objects.count() == 0


def test_import_command_dry_run(archive, tmp_path):
    path = tmp_path / "out.ndjson"
    call_command("export_articles", "--output", str(path), verbosity=0)
    Article.objects.all().delete()
    out = io.StringIO()
    call_command("import_ndjson", str(path), "--dry-run", stdout=out)
    assert "DRY RUN" in out.getvalue() and "created 2" in out.getvalue()
    assert Article.objects.count() == 0
