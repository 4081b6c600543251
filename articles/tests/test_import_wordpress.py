"""The WordPress importer (articles/importers/wordpress.py) and ``import_wxr``.

Expected numbers for the shared files were counted from the files with the
reader (see test_wxr_parser.py) and by hand where the importer decides: pages,
nav menu items and non-image attachments are skipped; 4 tags are used by
posts of the theme unit test data without being declared as wp:tag.
"""

import io
import json
import time
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from PIL import Image

from articles.importers import wordpress
from articles.importers.wordpress import ImportOptions, WxrError, fetch_remote, import_wordpress
from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    Category,
    ImportRecord,
    Redirect,
    Tag,
)
from articles.tests import wxr_samples as samples
from articles.tests.factories import make_category
from media_assets.models import MediaAsset

pytestmark = pytest.mark.django_db(transaction=False)

DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "wxr"


def data_file(name: str) -> Path:
    path = DATA_DIR / name
    if not path.is_file():
        pytest.skip(f"shared test data not found: {path} (see ../shared/data/SOURCES.md)")
    return path


def counts(report) -> dict:
    """{kind: {outcome: n}} without the zeros."""
    return {
        kind: {outcome: n for outcome, n in outcomes.items() if n}
        for kind, outcomes in report.as_dict()["counts"].items()
        if any(outcomes.values())
    }


def table_sizes() -> dict:
    return {
        "articles": Article.objects.count(),
        "categories": Category.objects.count(),
        "tags": Tag.objects.count(),
        "authors": Author.objects.count(),
        "assets": MediaAsset.objects.count(),
        "records": ImportRecord.objects.count(),
        "redirects": Redirect.objects.count(),
    }


EMPTY = dict.fromkeys(
    ["articles", "categories", "tags", "authors", "assets", "records", "redirects"], 0
)


def write(tmp_path, text, name="export.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- every shared file -----------------------------------------------------------------------

EXPECTED = {
    "themeunittestdata.wordpress.xml": {
        # 2 wp:author + ">themereviewteam", a dc:creator that slugifies to an existing author.
        "author": {"created": 2, "linked": 1},
        "category": {"created": 68},
        "tag": {"created": 114},
        "attachment": {"created": 35, "skipped": 2},  # one .mov, one .mp3
        "article": {"created": 58},
        # guids (/demo/?p=N) that differ from the permalink; 4 guids are shared by two posts.
        "redirect": {"created": 50, "skipped": 4},
        "other": {"skipped": 91},  # 21 pages + 70 nav menu items
    },
    # Their guid is the permalink (/?p=N): no Redirect row, the legacy_url serves it.
    "small-export.xml": {
        "author": {"created": 3},
        "category": {"created": 30},
        "tag": {"created": 3},
        "article": {"created": 6},
        "other": {"skipped": 5},
    },
    "valid-wxr-1.0.xml": {
        "author": {"created": 1},
        "category": {"created": 5},
        "tag": {"created": 4},
        "article": {"created": 3},
        "other": {"skipped": 3},
    },
    "valid-wxr-1.1.xml": {
        "author": {"created": 1},
        "category": {"created": 1},
        "tag": {"created": 1},
        "article": {"created": 1},
        "other": {"skipped": 1},
    },
    "slashes.xml": {
        "author": {"created": 2},
        "category": {"created": 1},
        "tag": {"created": 1},
        "article": {"created": 1},
    },
    "wxr-flat-attachment-same-site.xml": {
        "author": {"created": 1},
        "category": {"created": 1},
        "attachment": {"created": 1},
        "article": {"created": 1},
        "redirect": {"created": 1},
    },
    "crazy-cdata-escaped.xml": {
        "author": {"created": 1},
        "category": {"created": 1},
        "article": {"created": 1},
    },
}
REFUSED = {
    "malformed.xml": (90, "Opening and ending tag mismatch"),
    "crazy-cdata.xml": (18, "Sequence ']]>' not allowed in content"),
    "missing-version-tag.xml": (35, "<wp:wxr_version> is missing"),
}


def test_every_shared_file_is_covered():
    if not DATA_DIR.is_dir():
        pytest.skip(f"shared test data not found: {DATA_DIR}")
    assert {p.name for p in DATA_DIR.glob("*.xml")} == set(EXPECTED) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_shared_file_imports_then_reimports_as_unchanged(name):
    report = import_wordpress(path=data_file(name))
    assert counts(report) == EXPECTED[name]
    assert report.errors == []
    sizes = table_sizes()

    again = import_wordpress(path=data_file(name))
    assert table_sizes() == sizes
    for kind, outcomes in counts(again).items():
        assert set(outcomes) <= {"unchanged", "skipped"}, (kind, outcomes)
    assert counts(again)["article"] == {"unchanged": EXPECTED[name]["article"]["created"]}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_files_write_nothing_and_name_the_line(name):
    line, message = REFUSED[name]
    with pytest.raises(WxrError) as excinfo:
        import_wordpress(path=data_file(name))
    assert excinfo.value.line == line
    assert message in str(excinfo.value)
    assert table_sizes() == EMPTY


def test_command_reports_a_refused_file_with_its_line():
    with pytest.raises(CommandError, match=r"nothing was imported.*\(line 90\)"):
        call_command("import_wxr", str(data_file("malformed.xml")), stdout=io.StringIO())
    assert table_sizes() == EMPTY


class TestThemeUnitTestData:
    @pytest.fixture(autouse=True)
    def imported(self, db):
        self.report = import_wordpress(path=data_file("themeunittestdata.wordpress.xml"))

    def test_category_tree(self):
        assert Category.objects.count() == 68

        def depth(category):
            n = 1
            while category.parent_id:
                category = Category.objects.get(pk=category.parent_id)
                n += 1
            return n

        depths = Counter(depth(c) for c in Category.objects.all())
        assert depths == {1: 58, 2: 8, 3: 2}
        grandchild = Category.objects.get(slug="grandchild-category")
        assert grandchild.path == "parent-category/child-category-03/grandchild-category"

    def test_tags_keep_unicode_names(self):
        assert Tag.objects.get(slug="content-2").name == "content περιεχόμενο"

    def test_attachments_become_assets_with_wordpress_ids(self):
        assets = MediaAsset.objects.all()
        assert assets.count() == 35
        assert assets.exclude(caption="").count() == 20  # 21 excerpts, one on the .mp3
        assert assets.exclude(alt_text="").count() == 28
        # "Public domain via …" descriptions become the credit.
        assert assets.filter(credit__startswith="Public domain via").count() == 17
        assert not assets.exclude(file="").exists()  # no --media-dir: no files yet
        canola = MediaAsset.objects.get(media_id=611)
        assert (canola.title, canola.alt_text) == ("canola2", "canola")
        assert canola.source_url == (
            "https://wpthemetestdata.files.wordpress.com/2008/06/canola2.jpg"
        )

    def test_featured_images_become_lead_media(self):
        leads = dict(
            Article.objects.exclude(lead_media=None).values_list(
                "legacy_id", "lead_media__media_id"
            )
        )
        # The featured images counted in test_wxr_parser.py.
        assert leads == {
            "51": 761, "1011": 1022, "1016": 1027, "1163": 1628, "1177": 1023, "1752": 771,
        }  # fmt: skip

    def test_statuses(self):
        assert self.report.statuses == {
            "publish → published": 55,
            "publish with password → draft": 1,
            "future → published (scheduled)": 1,
            "draft → draft": 1,
        }
        scheduled = Article.objects.get(legacy_id="1153")
        assert scheduled.status == Article.Status.PUBLISHED
        assert scheduled.publish_at.isoformat() == "2030-01-01T19:00:18+00:00"  # the GMT date
        assert not scheduled.is_public
        assert Article.objects.get(legacy_id="1168").status == Article.Status.DRAFT  # password
        assert Article.objects.public().count() == 55

    def test_bodies_figures_and_shortcodes(self):
        # [caption id="attachment_…"] and wp-image-N figures point at Media IDs; figures of
        # attachments missing from the export keep their image but no Media ID.
        body = Article.objects.get(legacy_id="1177").body
        assert '<figure data-media-id="' not in body or 'data-media-id="906"' not in body
        assert self.report.stripped_shortcodes == {"gallery": 10, "audio": 1}
        for article in Article.objects.all():
            assert "<script" not in article.body
            assert "javascript:" not in article.body
        ids = {
            int(media_id)
            for body in Article.objects.values_list("body", flat=True)
            for media_id in __import__("re").findall(r'data-media-id="(\d+)"', body)
        }
        assert ids and ids <= set(MediaAsset.objects.values_list("media_id", flat=True))

    def test_sections_authors_and_legacy_keys(self):
        post = Article.objects.get(legacy_id="1241")
        assert post.legacy_source == "wpthemetestdata.wordpress.com"
        assert post.legacy_url == (
            "https://wpthemetestdata.wordpress.com/2012/01/07/template-sticky/"
        )
        assert post.section.slug == "classic"
        assert [a.slug for a in post.authors.all()] == ["themedemos"]
        assert sorted(post.tags.values_list("slug", flat=True)) == ["sticky-2", "template"]
        # The guid (/?p=1241) redirects to the article; the permalink is its legacy_url.
        assert Redirect.objects.get(old_path="/demo/?p=1241").article == post
        assert post.history.count() == 1


# --- idempotence, local edits, resume ---------------------------------------------------------


def test_second_run_creates_nothing_and_keeps_local_edits(tmp_path):
    path = write(tmp_path, samples.document([samples.post(n) for n in range(1, 6)]))
    first = import_wordpress(path=path)
    assert counts(first)["article"] == {"created": 5}
    edited = Article.objects.get(legacy_id="2")
    edited.headline = "Corrected by the desk"
    edited.save()
    history = edited.history.count()

    # The export changes for posts 2 and 3: 3 is updated, 2 was edited here and is kept.
    path = write(
        tmp_path,
        samples.document(
            [samples.post(n, title=f"New title {n}" if n in (2, 3) else None) for n in range(1, 6)]
        ),
    )
    second = import_wordpress(path=path)
    assert counts(second)["article"] == {
        "unchanged": 3,
        "updated": 1,
        "skipped_edited_locally": 1,
    }
    assert Article.objects.count() == 5
    assert Article.objects.get(legacy_id="2").headline == "Corrected by the desk"
    assert Article.objects.get(legacy_id="2").history.count() == history
    assert Article.objects.get(legacy_id="3").headline == "New title 3"
    text = second.as_text()
    assert "skipped, edited locally 1" in text

    third = import_wordpress(path=path)
    assert counts(third)["article"] == {"unchanged": 4, "skipped_edited_locally": 1}


def test_deleted_locally_is_not_recreated(tmp_path):
    path = write(tmp_path, samples.document([samples.post(n) for n in range(1, 4)]))
    import_wordpress(path=path)
    Article.objects.get(legacy_id="1").delete()
    report = import_wordpress(path=path)
    assert counts(report)["article"] == {"unchanged": 2, "skipped_deleted_locally": 1}
    assert Article.objects.count() == 2


@pytest.mark.parametrize("batch_size", [1, 7])
def test_killed_half_way_then_run_again_completes_without_duplicates(tmp_path, batch_size):
    path = write(tmp_path, samples.document([samples.post(n) for n in range(1, 31)]))

    class Killed(Exception):
        pass

    def kill_after_17(seen):
        if seen == 17:
            raise Killed

    with pytest.raises(Killed):
        import_wordpress(
            path=path, options=ImportOptions(batch_size=batch_size, progress=kill_after_17)
        )
    # Batches of 7: two full batches (14) were committed; one at a time: 16 before the 17th.
    done = Article.objects.count()
    assert done == (14 if batch_size == 7 else 17)
    report = import_wordpress(path=path, options=ImportOptions(batch_size=batch_size))
    assert counts(report)["article"] == {"created": 30 - done, "unchanged": done}
    assert Article.objects.count() == 30
    assert not Article.objects.values("legacy_id").annotate(n=Count("id")).filter(n__gt=1)
    assert ImportRecord.objects.filter(kind="article").count() == 30


def test_bulk_and_one_by_one_write_the_same(tmp_path):
    items = [samples.attachment(100, caption="A cat. REUTERS/Jane Doe")]
    items += [samples.post(n, thumbnail=100) for n in range(1, 4)]
    path = write(tmp_path, samples.document(items))

    def snapshot():
        return [
            (a.headline, a.slug, a.body, a.status, a.publish_at, a.section.slug,
             a.lead_media.media_id, a.legacy_url, a.legacy_path, a.word_count,
             a.first_published_at, list(a.tags.values_list("slug", flat=True)),
             [x.author.slug for x in a.article_authors.all()], a.history.count())
            for a in Article.objects.order_by("legacy_id")
        ]  # fmt: skip

    import_wordpress(path=path, options=ImportOptions(batch_size=500))
    bulk = snapshot()
    Article.objects.all().delete()
    ImportRecord.objects.filter(kind="article").delete()
    Redirect.objects.all().delete()
    import_wordpress(path=path, options=ImportOptions(batch_size=1))
    assert snapshot() == bulk
    asset = MediaAsset.objects.get(media_id=100)
    assert (asset.caption, asset.credit, asset.agency, asset.photographer) == (
        "A cat.", "REUTERS/Jane Doe", "Reuters", "Jane Doe",
    )  # fmt: skip


def test_one_bad_item_fails_alone(tmp_path, monkeypatch):
    path = write(tmp_path, samples.document([samples.post(n) for n in range(1, 6)]))
    original = wordpress._Importer._new_article

    def broken(self, prepared):
        if prepared.values["legacy_id"] == "3":
            raise ValueError("boom")
        return original(self, prepared)

    monkeypatch.setattr(wordpress._Importer, "_new_article", broken)
    report = import_wordpress(path=path)
    assert counts(report)["article"] == {"created": 4, "failed": 1}
    assert [(e.kind, e.wordpress_id, e.message) for e in report.errors] == [
        ("article", "3", "ValueError: boom")
    ]
    assert report.errors[0].line is not None
    assert sorted(Article.objects.values_list("legacy_id", flat=True)) == ["1", "2", "4", "5"]
    assert ImportRecord.objects.filter(kind="article").count() == 4


# --- two archives side by side ----------------------------------------------------------------


def test_two_sites_with_overlapping_ids(tmp_path):
    one = write(tmp_path, samples.document(
        [samples.attachment(10), samples.post(1, thumbnail=10,
         body='[caption id="attachment_10"]<img src="http://a/x.jpg"> One[/caption]')],
        site="http://one.example.com"), "one.xml")  # fmt: skip
    two = write(tmp_path, samples.document(
        [samples.attachment(10), samples.post(1, thumbnail=10,
         body='[caption id="attachment_10"]<img src="http://b/x.jpg"> Two[/caption]')],
        site="https://two.example.org"), "two.xml")  # fmt: skip
    import_wordpress(path=one)
    report = import_wordpress(path=two)
    assert counts(report)["article"] == {"created": 1}
    a, b = Article.objects.order_by("legacy_source")
    assert (a.legacy_source, a.legacy_id, b.legacy_source, b.legacy_id) == (
        "one.example.com", "1", "two.example.org", "1",
    )  # fmt: skip
    # Media ID 10 stays with the first archive; the second gets a new one, used everywhere.
    assert a.lead_media.media_id == 10
    assert b.lead_media.media_id != 10
    assert f'data-media-id="{b.lead_media.media_id}"' in b.body
    assert 'data-media-id="10"' in a.body
    assert any("Media ID 10 is taken" in w.message for w in report.warnings)


def test_same_site_over_https_is_the_same_source(tmp_path):
    import_wordpress(path=write(tmp_path, samples.document(
        [samples.post(1)], site="http://news.example.com"), "a.xml"))  # fmt: skip
    report = import_wordpress(path=write(tmp_path, samples.document(
        [samples.post(1, site="https://news.example.com")], site="https://news.example.com"),
        "b.xml"))  # fmt: skip
    assert "created" not in counts(report)["article"]
    assert Article.objects.count() == 1


# --- mapping details --------------------------------------------------------------------------


def test_default_section_and_uncategorized(tmp_path):
    body = samples.post(1).replace(
        '<category domain="category" nicename="world"><![CDATA[World]]></category>',
        '<category domain="category" nicename="uncategorized">Uncategorized</category>',
    )
    path = write(tmp_path, samples.document([body]))
    opinion = make_category(slug="opinion", name="Opinion")
    import_wordpress(path=path, options=ImportOptions(default_section=opinion))
    article = Article.objects.get()
    assert article.section == opinion
    assert list(article.categories.values_list("slug", flat=True)) == ["uncategorized"]


def test_reserved_category_slug_and_author_map(tmp_path):
    text = (
        samples.document([samples.post(1)])
        .replace(
            "<wp:category_nicename>world</wp:category_nicename>",
            "<wp:category_nicename>search</wp:category_nicename>",
        )
        .replace('nicename="world"', 'nicename="search"')
    )
    desk = Author.objects.create(name="The Desk", slug="the-desk")
    import_wordpress(
        path=write(tmp_path, text), options=ImportOptions(author_map={"editor": "the-desk"})
    )
    article = Article.objects.get()
    assert article.section.slug == "search-section"
    assert list(article.authors.all()) == [desk]


def test_drafts_without_gmt_date_use_the_sites_offset(tmp_path):
    draft = samples.post(2, status="draft").replace(
        "<wp:post_date_gmt>2015-03-03 09:00:00</wp:post_date_gmt>",
        "<wp:post_date_gmt>0000-00-00 00:00:00</wp:post_date_gmt>",
    )
    import_wordpress(path=write(tmp_path, samples.document([samples.post(1), draft])))
    article = Article.objects.get(legacy_id="2")
    assert article.status == Article.Status.DRAFT
    assert article.publish_at is None
    # Post 1 was written at 10:00 local, 09:00 GMT: the site is one hour ahead.
    assert article.created_at.isoformat() == "2015-03-03T09:00:00+00:00"


def test_a_published_post_without_a_valid_date_becomes_a_draft(tmp_path):
    # "Published now" would put a story from the archive at the top of the home page.
    undated = samples.post(2).replace(
        "<wp:post_date>2015-03-03 10:00:00</wp:post_date>",
        "<wp:post_date>2015-02-30 10:00:00</wp:post_date>",
    ).replace(
        "<wp:post_date_gmt>2015-03-03 09:00:00</wp:post_date_gmt>",
        "<wp:post_date_gmt>0000-00-00 00:00:00</wp:post_date_gmt>",
    )
    report = import_wordpress(path=write(tmp_path, samples.document([samples.post(1), undated])))
    article = Article.objects.get(legacy_id="2")
    assert (article.status, article.publish_at) == (Article.Status.DRAFT, None)
    assert Article.objects.get(legacy_id="1").status == Article.Status.PUBLISHED
    assert report.statuses["publish without a valid date → draft"] == 1
    assert report.statuses["publish → published"] == 1
    [warning] = [w for w in report.warnings if w.wordpress_id == "2"]
    assert "No valid publication date" in warning.message


def test_an_overlong_title_is_cut_with_a_warning(tmp_path):
    title = "Word " * 100  # 500 characters; the headline holds 300
    path = write(tmp_path, samples.document([samples.post(1, title=title)]))
    report = import_wordpress(path=path)
    headline = Article.objects.get().headline
    assert len(headline) == 300 and title.startswith(headline)
    assert any("cut to its first 300 characters" in w.message for w in report.warnings)


def test_hostile_body_is_sanitised(tmp_path):
    body = '<p onclick="x()">Hi</p><script>alert(1)</script><a href="javascript:alert(1)">l</a>'
    import_wordpress(path=write(tmp_path, samples.document([samples.post(1, body=body)])))
    stored = Article.objects.get().body
    assert "onclick" not in stored and "<script" not in stored and "javascript:" not in stored


def test_dry_run_writes_nothing(tmp_path):
    path = write(tmp_path, samples.document([samples.attachment(5), samples.post(1)]))
    out = io.StringIO()
    call_command("import_wxr", str(path), "--dry-run", stdout=out)
    assert "DRY RUN" in out.getvalue()
    assert "article     created 1" in out.getvalue()
    assert table_sizes() == EMPTY


def test_command_writes_the_json_report(tmp_path):
    path = write(tmp_path, samples.document([samples.post(1), samples.post(2, status="pending")]))
    report_path = tmp_path / "report.json"
    out = io.StringIO()
    call_command("import_wxr", str(path), "--report-json", str(report_path), stdout=out)
    data = json.loads(report_path.read_text())
    assert data["counts"]["article"]["created"] == 2
    assert data["statuses"] == {"pending → review": 1, "publish → published": 1}
    assert data["source"] == "news.example.com"
    assert data["errors"] == []
    assert Article.objects.get(legacy_id="2").status == Article.Status.REVIEW
    assert "Statuses:" in out.getvalue()


# --- media files ------------------------------------------------------------------------------


def jpeg_bytes(color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "JPEG")
    return buffer.getvalue()


def test_media_dir_files_and_a_later_run_fills_missing_files(tmp_path):
    path = write(tmp_path, samples.document([samples.attachment(7), samples.attachment(8)]))
    media = tmp_path / "uploads" / "2015" / "03"
    media.mkdir(parents=True)
    (media / "photo-7.jpg").write_bytes(jpeg_bytes())

    report = import_wordpress(path=path, options=ImportOptions(media_dir=tmp_path / "uploads"))
    assert counts(report)["attachment"] == {"created": 2}
    assert counts(report)["media_file"] == {"created": 1, "skipped": 1}
    assert MediaAsset.objects.get(media_id=7).width == 64
    assert not MediaAsset.objects.get(media_id=8).file

    (media / "photo-8.jpg").write_bytes(jpeg_bytes((10, 200, 10)))
    report = import_wordpress(path=path, options=ImportOptions(media_dir=tmp_path / "uploads"))
    assert counts(report)["attachment"] == {"unchanged": 2}
    assert counts(report)["media_file"] == {"updated": 1}
    filled = MediaAsset.objects.get(media_id=8)
    assert (filled.width, filled.height, len(filled.sha256)) == (64, 48, 64)
    assert MediaAsset.objects.count() == 2


def test_media_dir_never_reads_outside_the_folder(tmp_path):
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(jpeg_bytes())
    text = samples.document([samples.attachment(7)]).replace(
        "<wp:meta_value>2015/03/photo-7.jpg</wp:meta_value>",
        "<wp:meta_value>../secret.jpg</wp:meta_value>",
    )
    (tmp_path / "uploads").mkdir()
    import_wordpress(
        path=write(tmp_path, text), options=ImportOptions(media_dir=tmp_path / "uploads")
    )
    assert not MediaAsset.objects.get(media_id=7).file


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.jpg",
        "http://localhost/x.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/x.jpg",
        "http://[::1]/x.jpg",
        "http://0.0.0.0/x.jpg",
        "file:///etc/passwd",
        "ftp://example.com/x.jpg",
        "http://user:pw@example.com/x.jpg",
    ],
)
def test_fetch_refuses_non_public_hosts_and_schemes(url):
    with pytest.raises(wordpress.FetchError):
        fetch_remote(url)


def test_fetch_checks_every_redirect_hop(monkeypatch):
    # A public host that redirects to the metadata service is refused at the second hop.
    seen = []

    def fake_check(host, port):
        seen.append(host)
        if host == "169.254.169.254":
            raise wordpress.FetchError("non-public")
        return "93.184.216.34"

    class Response:
        status = 302
        headers = {"Location": "http://169.254.169.254/latest/"}

        def release_conn(self):
            pass

    class Pool:
        def __init__(self, *args, **kwargs):
            pass

        def urlopen(self, *args, **kwargs):
            return Response()

        def close(self):
            pass

    import urllib3

    monkeypatch.setattr(wordpress, "_check_address", fake_check)
    monkeypatch.setattr(urllib3, "HTTPConnectionPool", Pool)
    with pytest.raises(wordpress.FetchError, match="non-public"):
        fetch_remote("http://example.com/x.jpg")
    assert seen == ["example.com", "169.254.169.254"]


# --- hostile XML ------------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n'
        for n in range(1, 10)
    )
    + ']>\n<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>'
    "<wp:wxr_version>1.2</wp:wxr_version><item><title>&lol9;</title>"
    "<wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type></item></channel></rss>\n"
)
XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2'
    "</wp:wxr_version><item><title>&xxe;</title><wp:post_id>1</wp:post_id>"
    "<wp:post_type>post</wp:post_type></item></channel></rss>\n"
)


@pytest.mark.parametrize("document", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_hostile_xml_is_refused_quickly_with_nothing_written(tmp_path, document):
    path = write(tmp_path, document)
    started = time.process_time()
    with pytest.raises(WxrError, match="DTDs are not allowed"):
        import_wordpress(path=path)
    assert time.process_time() - started < 5  # CPU time: refused before any expansion
    assert table_sizes() == EMPTY


def test_item_after_a_syntax_error_late_in_the_file_writes_nothing(tmp_path):
    items = [samples.post(n) for n in range(1, 2000)]
    items[1900] = items[1900].replace("</item>", "")  # unclosed, near the end
    with pytest.raises(WxrError) as excinfo:
        import_wordpress(path=write(tmp_path, samples.document(items)))
    assert excinfo.value.line is not None
    assert table_sizes() == EMPTY


# --- scale ------------------------------------------------------------------------------------


def test_generated_export_of_20000_posts(tmp_path):
    path = samples.write_generated_export(tmp_path / "big.xml", 20_000)
    report = import_wordpress(path=path)
    assert counts(report) == {
        "author": {"created": 1},
        "category": {"created": 2},
        "tag": {"created": 1},
        "article": {"created": 20_000},
        "redirect": {"created": 20_000},
    }
    assert Article.objects.count() == 20_000
    assert Article.objects.filter(section__slug="world").count() == 20_000
    assert ArticleAuthor.objects.count() == 20_000
    assert Article.tags.through.objects.count() == 20_000
    assert Article.history.count() == 20_000
    assert Article.objects.get(legacy_id="12345").legacy_path == "/12345/post-12345/"
    assert Article.objects.search("post").count() > 0
