"""Tests for the pure WXR reader (articles/importers/wxr.py). No database needed.

Expected numbers were counted independently of the reader (grep and a full lxml tree over each
file in ../shared/data/wxr/); where they differ from SOURCES.md, the comment says so.
"""

import io
import os
import tracemalloc
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from articles.importers import wxr
from articles.importers.wxr import (
    WxrAuthor,
    WxrCategory,
    WxrError,
    WxrItem,
    WxrItemBrief,
    WxrSite,
    WxrTag,
    iter_wxr,
)

DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "wxr"


def data_file(name: str) -> Path:
    path = DATA_DIR / name
    if not path.is_file():
        pytest.skip(f"shared test data not found: {path} (see ../shared/data/SOURCES.md)")
    return path


def kinds(records) -> Counter:
    """Count records by kind, items by post type: {"site": 1, "author": 2, "item:post": 3}."""
    counts = Counter()
    for record in records:
        if isinstance(record, WxrItem):
            counts[f"item:{record.post_type}"] += 1
        else:
            counts[type(record).__name__.removeprefix("Wxr").lower()] += 1
    return counts


def collect_until_error(source) -> tuple[list, WxrError]:
    records = []
    with pytest.raises(WxrError) as excinfo:
        for record in iter_wxr(source):
            records.append(record)
    return records, excinfo.value


def by_post_id(records) -> dict[int, WxrItem]:
    return {record.post_id: record for record in records if isinstance(record, WxrItem)}


HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"'
    ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
    ' xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
    "<channel><title>T</title><wp:wxr_version>1.2</wp:wxr_version>\n"
)
FOOTER = "</channel></rss>\n"


def wxr_bytes(body: str, header: str = HEADER) -> io.BytesIO:
    return io.BytesIO((header + body + FOOTER).encode())


# --- the shared sample files -------------------------------------------------------------------

EXPECTED_COUNTS = {
    # 186 items: the 58/21/37 of SOURCES.md plus 70 nav_menu_item; 7 wp:term (nav menus) skipped.
    "themeunittestdata.wordpress.xml": {
        "site": 1, "author": 2, "category": 68, "tag": 110,
        "item:post": 58, "item:page": 21, "item:attachment": 37, "item:nav_menu_item": 70,
    },
    "small-export.xml": {
        "site": 1, "author": 3, "category": 30, "tag": 3, "item:post": 6, "item:page": 5,
    },
    "valid-wxr-1.0.xml": {"site": 1, "category": 5, "tag": 4, "item:post": 3, "item:page": 3},
    "valid-wxr-1.1.xml": {
        "site": 1, "author": 1, "category": 1, "tag": 1, "item:post": 1, "item:page": 1,
    },
    "slashes.xml": {"site": 1, "author": 1, "category": 1, "tag": 1, "item:post": 1},
    "wxr-flat-attachment-same-site.xml": {
        "site": 1, "author": 1, "item:attachment": 1, "item:post": 1,
    },
    "crazy-cdata-escaped.xml": {"site": 1, "item:post": 1},
}  # fmt: skip
REFUSED = {
    # file: (line reported, words in the message)
    "malformed.xml": (90, "Opening and ending tag mismatch"),
    "crazy-cdata.xml": (18, "Sequence ']]>' not allowed in content"),
    "missing-version-tag.xml": (35, "<wp:wxr_version> is missing"),
}


def test_every_shared_file_is_covered():
    if not DATA_DIR.is_dir():
        pytest.skip(f"shared test data not found: {DATA_DIR}")
    on_disk = {path.name for path in DATA_DIR.glob("*.xml")}
    assert on_disk == set(EXPECTED_COUNTS) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_counts(name):
    records = list(iter_wxr(data_file(name)))
    assert kinds(records) == EXPECTED_COUNTS[name]
    # The site header comes first, once, before any author, term or item.
    assert isinstance(records[0], WxrSite)
    assert not any(isinstance(record, WxrSite) for record in records[1:])


@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_brief_items_have_the_post_type_and_line_of_full_ones(name):
    full = list(iter_wxr(data_file(name)))
    brief = list(iter_wxr(data_file(name), brief=True))
    assert [(r.post_type, r.line) if isinstance(r, WxrItemBrief) else r for r in brief] == [
        (r.post_type, r.line) if isinstance(r, WxrItem) else r for r in full
    ]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_files_yield_nothing_and_report_the_line(name):
    line, message = REFUSED[name]
    records, error = collect_until_error(data_file(name))
    assert records == []
    assert error.line == line
    assert message in str(error)
    assert f"(line {line})" in str(error)
    with pytest.raises(WxrError) as brief:
        list(iter_wxr(data_file(name), brief=True))
    assert (brief.value.line, str(brief.value)) == (error.line, str(error))


def test_site_header_is_read_whatever_the_namespace_scheme():
    # themeunittestdata uses https://wordpress.org/export/1.2/, the others http://.../1.x/.
    theme = next(iter_wxr(data_file("themeunittestdata.wordpress.xml")))
    assert theme == WxrSite(
        title="Theme Unit Test Data",
        link="https://wpthemetestdata.wordpress.com",
        base_site_url="https://wordpress.com/",
        base_blog_url="https://wpthemetestdata.wordpress.com",
        language="en",
        wxr_version="1.2",
    )
    old = next(iter_wxr(data_file("valid-wxr-1.0.xml")))
    assert (old.title, old.wxr_version, old.base_blog_url) == (
        "Export Dataset",
        "1.0",
        "http://localhost/",
    )


@pytest.fixture(scope="module")
def theme_records():
    return list(iter_wxr(data_file("themeunittestdata.wordpress.xml")))


class TestThemeUnitTestData:
    @pytest.fixture
    def records(self, theme_records):
        return theme_records

    @pytest.fixture
    def items(self, theme_records):
        return by_post_id(theme_records)

    def test_nav_menu_items_are_exported_twice(self, records):
        # The 18 nav menu items 1643-1660 appear twice in the file, so an importer must not
        # assume post IDs are unique within one export.
        ids = Counter(r.post_id for r in records if isinstance(r, WxrItem))
        assert sorted(post_id for post_id, count in ids.items() if count > 1) == list(
            range(1643, 1661)
        )
        assert max(ids.values()) == 2
        assert len(ids) == 186 - 18

    def test_authors(self, records):
        authors = [record for record in records if isinstance(record, WxrAuthor)]
        assert authors == [
            WxrAuthor(
                id=None,
                login="themedemos",
                email="themeshaperwp+demos@gmail.com",
                display_name="Theme Buster",
                first_name="",
                last_name="",
                line=31,
            ),
            WxrAuthor(
                id=None,
                login="themereviewteam",
                email="themereviewteam@gmail.com",
                display_name="Theme Reviewer",
                first_name="Theme",
                last_name="Review",
                line=38,
            ),
        ]

    def test_category_tree_has_three_level_chains(self, records):
        categories = [record for record in records if isinstance(record, WxrCategory)]
        parents = {category.nicename: category.parent_nicename for category in categories}
        assert len(parents) == 68
        assert all(category.term_id for category in categories)
        # Every parent named is itself in the export.
        assert {parent for parent in parents.values() if parent} <= set(parents)

        def chain(nicename):
            names = [nicename]
            while parents[names[-1]]:
                names.append(parents[names[-1]])
            return names

        depths = Counter(len(chain(nicename)) for nicename in parents)
        assert depths == {1: 58, 2: 8, 3: 2}
        assert sorted(chain(n) for n in parents if len(chain(n)) == 3) == [
            ["child-2", "child-1", "parent"],
            ["grandchild-category", "child-category-03", "parent-category"],
        ]

    def test_tags_keep_unicode_names(self, records):
        tags = {record.slug: record for record in records if isinstance(record, WxrTag)}
        assert len(tags) == 110
        # SOURCES.md mentions Greek category names; only this tag (and comments) has Greek.
        assert tags["content-2"].name == "content περιεχόμενο"

    def test_statuses_and_edge_case_posts(self, records, items):
        assert Counter(r.status for r in records if isinstance(r, WxrItem)) == {
            "publish": 147,
            "inherit": 37,
            "future": 1,
            "draft": 1,
        }
        sticky = [item.post_id for item in items.values() if item.is_sticky]
        assert sticky == [1241]
        protected = {item.post_id: item.password for item in items.values() if item.password}
        assert protected == {1168: "enter"}
        assert items[1169].title == ""
        assert items[1169].post_name == "edge-case-no-title"
        assert items[1173].title == "Markup: Title <em>With</em> <b>Mark<sup>up</sup></b>"

    def test_dates(self, items):
        scheduled = items[1153]
        assert (scheduled.status, scheduled.title) == ("future", "Scheduled")
        assert scheduled.post_date == datetime(2030, 1, 1, 12, 0, 18)
        assert scheduled.post_date.tzinfo is None
        assert scheduled.post_date_gmt == datetime(2030, 1, 1, 19, 0, 18, tzinfo=UTC)
        assert all(item.post_date_gmt is not None for item in items.values())

    def test_sticky_post_in_full(self, items):
        post = items[1241]
        assert post.post_type == "post"
        assert post.link == "https://wpthemetestdata.wordpress.com/2012/01/07/template-sticky/"
        assert post.guid == "http://wptest.io/demo/?p=1241"
        assert post.guid_is_permalink is False
        assert post.creator == "themedemos"
        assert post.content.startswith("This is a sticky post.\n\nThere are a few things")
        assert post.excerpt == ""
        assert (post.post_parent, post.menu_order, post.comments_count) == (0, 0, 0)
        assert post.categories == [
            ("category", "classic", "Classic"),
            ("post_tag", "sticky-2", "sticky"),
            ("post_tag", "template", "template"),
            ("category", "uncategorized", "Uncategorized"),
        ]
        assert post.category_nicenames == ["classic", "uncategorized"]
        assert post.tags == [("sticky-2", "sticky"), ("template", "template")]
        assert post.line == 10837

    def test_edge_case_many_terms(self, items):
        assert len(items[1152].category_nicenames) == 63  # "Edge Case: Many Categories"
        assert len(items[1151].tags) == 45  # "Edge Case: Many Tags"

    def test_comments_are_counted(self, items):
        assert sum(item.comments_count for item in items.values()) == 33

    def test_attachments(self, items):
        attachments = [item for item in items.values() if item.post_type == "attachment"]
        assert len(attachments) == 37
        assert all(item.attachment_url.startswith("https://") for item in attachments)
        assert sum(1 for item in attachments if item.alt_text is not None) == 28
        assert sum(1 for item in attachments if item.excerpt.strip()) == 21
        # SOURCES.md says 18; the file has 17 "Public domain via" credits (grep -c agrees).
        assert sum(1 for item in attachments if "Public domain via" in item.content) == 17
        # This export has no _wp_attached_file meta at all.
        assert all(item.attached_file is None for item in attachments)
        canola = items[611]
        assert canola.title == "canola2"
        assert canola.post_parent == 555
        assert canola.alt_text == "canola"
        assert canola.attachment_url == (
            "https://wpthemetestdata.files.wordpress.com/2008/06/canola2.jpg"
        )

    def test_featured_images(self, items):
        featured = {item.post_id: item.thumbnail_id for item in items.values() if item.thumbnail_id}
        assert featured == {51: 761, 1011: 1022, 1016: 1027, 1163: 1628, 1177: 1023, 1752: 771}


def test_small_export_hierarchy_statuses_and_zero_dates():
    records = list(iter_wxr(data_file("small-export.xml")))
    items = by_post_id(records)
    authors = [
        (a.id, a.login, a.first_name, a.last_name) for a in records if isinstance(a, WxrAuthor)
    ]
    assert authors == [
        (1, "admin", "", ""),
        (2, "editor", "FirstName", "LastName"),
        (3, "author", "", ""),
    ]
    categories = {c.nicename: c for c in records if isinstance(c, WxrCategory)}
    assert categories["foo-bar"] == WxrCategory(
        term_id=5,
        nicename="foo-bar",
        parent_nicename="bar",
        name="Foo",
        description="The child foo category",
        line=50,
    )
    assert [c for c in categories.values() if c.parent_nicename] == [categories["foo-bar"]]
    # The child page comes before its parent in the file.
    assert list(items).index(4) < list(items).index(6)
    assert items[4].post_parent == 6
    assert items[9].status == "draft"
    assert items[9].post_date == datetime(2011, 1, 18, 7, 46, 29)
    assert items[9].post_date_gmt is None  # exported as 0000-00-00 00:00:00
    assert items[13].status == "private"
    assert items[13].tags == [("tag1", "Tag1"), ("tag2", "Tag2"), ("tag3", "Tag3")]
    many = items[22]
    assert many.title == "Many Categories"
    assert len(many.category_nicenames) == 27
    assert ("category", "eternity", "远征手记") in many.categories
    # A post format is a taxonomy of its own, neither tag nor category.
    assert items[19].categories == [
        ("post_format", "post-format-aside", "Aside"),
        ("category", "uncategorized", "Uncategorized"),
    ]
    assert items[19].tags == []
    assert items[19].category_nicenames == ["uncategorized"]
    assert items[1].meta == {"Post by": "author", "_edit_last": "1"}
    assert items[1].comments_count == 1


def test_wxr_1_0_skips_legacy_duplicate_categories():
    records = list(iter_wxr(data_file("valid-wxr-1.0.xml")))
    categories = [c for c in records if isinstance(c, WxrCategory)]
    assert [c.term_id for c in categories] == [None] * 5
    assert categories[0].description == "The alpha category"
    assert [(c.nicename, c.parent_nicename) for c in categories][-1] == ("child", "parent")
    assert [t.slug for t in records if isinstance(t, WxrTag)] == ["chicken", "face", "news", "roar"]
    post = by_post_id(records)[4]
    # Each term is exported twice in 1.0; the copy without a nicename is skipped.
    assert post.categories == [
        ("category", "alpha", "alpha"),
        ("tag", "news", "news"),
        ("tag", "roar", "roar"),
    ]
    assert post.tags == [("news", "news"), ("roar", "roar")]
    assert post.category_nicenames == ["alpha"]
    assert post.meta == {"_edit_last": "1", "_edit_lock": "1287583778", "_wp_old_slug": ""}


def test_wxr_1_1():
    records = list(iter_wxr(data_file("valid-wxr-1.1.xml")))
    assert [r for r in records if isinstance(r, WxrAuthor)] == [
        WxrAuthor(
            id=2,
            login="john",
            email="johndoe@example.org",
            display_name="John Doe",
            first_name="John",
            last_name="Doe",
            line=38,
        )
    ]
    assert [r for r in records if isinstance(r, WxrTag)] == [
        WxrTag(
            term_id=22,
            slug="clippable",
            name="Clippable",
            description="The Clippable post_tag",
            line=41,
        )
    ]
    post = by_post_id(records)[1]
    assert post.categories == [
        ("category", "alpha", "alpha"),
        ("post_tag", "clippable", "Clippable"),
        ("post_tax", "bieup", "bieup"),
    ]
    assert post.post_date_gmt == datetime(2010, 10, 16, 20, 53, 18, tzinfo=UTC)


def test_backslashes_and_quotes_are_kept_verbatim():
    records = list(iter_wxr(data_file("slashes.xml")))
    [category] = [r for r in records if isinstance(r, WxrCategory)]
    [tag] = [r for r in records if isinstance(r, WxrTag)]
    [post] = [r for r in records if isinstance(r, WxrItem)]
    assert category.name == r"a \"great\" category"
    assert tag.name == r"foo\'bar"
    assert post.content == r"Slashes aren\'t \"cool\""
    assert post.categories == [("category", "alpha", r"a \"great\" category")]


def test_attachment_meta_helpers():
    records = list(iter_wxr(data_file("wxr-flat-attachment-same-site.xml")))
    items = by_post_id(records)
    assert list(items) == [611, 555]  # the attachment comes before the post using it
    attachment = items[611]
    assert attachment.post_type == "attachment"
    assert attachment.status == "inherit"
    assert attachment.attached_file == "2008/06/canola2.jpg"
    assert attachment.alt_text == "canola"
    assert attachment.post_parent == 555
    assert attachment.thumbnail_id is None
    assert "wp-image-611" in items[555].content
    assert items[555].alt_text is None


def test_several_cdata_sections_join_into_one_value():
    [site, post] = list(iter_wxr(data_file("crazy-cdata-escaped.xml")))
    assert site.title == ""
    assert site.base_site_url == "http://wp.dev"
    assert post.content == "Content with nested <![CDATA[ tags ]]> :)"
    assert post.meta == {
        "Plain string": "Foo",
        "Closing CDATA": "]]>",
        "Alot of CDATA": "This has <![CDATA[ opening and ]]> closing <![CDATA[ tags like this: ]]>",
    }


# --- generated documents: structure and values -------------------------------------------------


def test_file_objects_are_accepted_and_not_closed():
    stream = wxr_bytes("<item><wp:post_id>7</wp:post_id></item>")
    assert [type(r) for r in iter_wxr(stream)] == [WxrSite, WxrItem]
    assert not stream.closed


def test_non_seekable_stream():
    class Pipe:
        def __init__(self, data):
            self._buffer = io.BytesIO(data)

        def read(self, size=-1):
            return self._buffer.read(min(size, 1000) if size and size > 0 else size)

    pipe = Pipe(wxr_bytes("<item><wp:post_id>7</wp:post_id></item>").getvalue())
    assert [getattr(r, "post_id", None) for r in iter_wxr(pipe)] == [None, 7]


def test_text_mode_file_is_a_programming_error():
    with pytest.raises(TypeError, match="binary mode"):
        list(iter_wxr(io.StringIO(HEADER + FOOTER)))


def test_namespaces_are_matched_by_uri_not_prefix():
    header = (
        '<rss xmlns:wordpress="https://wordpress.org/export/1.1/"'
        ' xmlns:c="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:e="https://wordpress.org/export/1.1/excerpt/"'
        ' xmlns:author="http://purl.org/dc/elements/1.1/">'
        "<channel><wordpress:wxr_version>1.1</wordpress:wxr_version>"
    )
    body = (
        "<item><wordpress:post_id>3</wordpress:post_id><c:encoded>Body</c:encoded>"
        "<e:encoded>Short</e:encoded><author:creator>ann</author:creator></item>"
    )
    [site, item] = list(iter_wxr(wxr_bytes(body, header)))
    assert site.wxr_version == "1.1"
    assert (item.post_id, item.content, item.excerpt, item.creator) == (3, "Body", "Short", "ann")


def test_familiar_prefix_on_an_unknown_uri_is_not_wordpress():
    header = '<rss xmlns:wp="http://example.com/not-wordpress/"><channel><wp:wxr_version>1.2</wp:wxr_version>'
    records, error = collect_until_error(wxr_bytes("<item/>", header))
    assert records == []
    assert "<wp:wxr_version> is missing" in str(error)


def test_invalid_version_is_refused():
    header = HEADER.replace("<wp:wxr_version>1.2<", "<wp:wxr_version>abc<")
    records, error = collect_until_error(wxr_bytes("<item/>", header))
    assert records == []
    assert "invalid <wp:wxr_version> 'abc'" in str(error)


def test_header_only_export_yields_the_site():
    assert list(iter_wxr(wxr_bytes(""))) == [
        WxrSite(
            title="T", link="", base_site_url="", base_blog_url="", language="", wxr_version="1.2"
        )
    ]


def test_header_only_file_without_version_is_refused_at_the_end():
    header = HEADER.replace("<wp:wxr_version>1.2</wp:wxr_version>", "")
    assert collect_until_error(wxr_bytes("", header))[0] == []


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"", "The file is empty"),
        (b"   \n  ", "no root element"),
        (b"hello, world", "unexpected content before the root element"),
        (b"<feed><channel/></feed>", "the root element is <feed>, expected <rss>"),
        (b'<rss version="2.0"></rss>', "there is no <channel> inside <rss>"),
        (b"<rss><channel><title>&nbsp;</title></channel></rss>", "Entity 'nbsp' not defined"),
        (b"\xff\xfe\x00\x00<\x00\x00\x00", "unexpected content before the root element"),
        (b"<rss><channel><!-- unterminated", "Malformed XML"),
        (b"<?xml version='1.0'?><!-- never closed", "no root element"),
    ],
)
def test_not_wxr_documents(document, message):
    records, error = collect_until_error(io.BytesIO(document))
    assert records == []
    assert message in str(error)


def test_items_outside_the_channel_are_ignored():
    document = HEADER.replace(
        "<channel>", "<other><item><wp:post_id>1</wp:post_id></item></other><channel>"
    )
    records = list(
        iter_wxr(
            io.BytesIO((document + "<item><wp:post_id>2</wp:post_id></item>" + FOOTER).encode())
        )
    )
    assert [getattr(r, "post_id", None) for r in records] == [None, 2]


def test_item_values():
    body = """
    <item>
      <title>  Spaced <![CDATA[<b>title</b>]]> &amp; more </title>
      <link> http://example.com/a/ </link>
      <guid>http://example.com/?p=5</guid>
      <content:encoded>plain <![CDATA[cdata]]> plain<![CDATA[ again]]></content:encoded>
      <wp:post_id> 5 </wp:post_id>
      <wp:post_date>2016-02-30 10:00:00</wp:post_date>
      <wp:post_date_gmt>0000-00-00 00:00:00</wp:post_date_gmt>
      <wp:post_parent>x</wp:post_parent>
      <wp:is_sticky>1</wp:is_sticky>
      <wp:post_password>  secret </wp:post_password>
      <wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>12</wp:meta_value></wp:postmeta>
      <wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>13</wp:meta_value></wp:postmeta>
      <wp:postmeta><wp:meta_key>  </wp:meta_key><wp:meta_value>no key</wp:meta_value></wp:postmeta>
      <wp:comment><wp:comment_id>1</wp:comment_id></wp:comment>
      <wp:comment><wp:comment_id>2</wp:comment_id></wp:comment>
      <category domain="category" nicename="news">News</category>
      <category>No nicename</category>
    </item>
    <item><wp:post_id>6</wp:post_id><content:encoded>raw <b>xhtml</b> kept</content:encoded></item>
    """
    [_site, item, xhtml] = list(iter_wxr(wxr_bytes(body)))
    assert item.title == "  Spaced <b>title</b> & more "  # verbatim, entities decoded
    assert item.link == "http://example.com/a/"
    assert item.guid_is_permalink is True  # the RSS default
    assert item.content == "plain cdata plain again"
    assert item.post_id == 5
    assert item.post_date is None  # 30 February
    assert item.post_date_gmt is None
    assert item.post_parent == 0
    assert item.is_sticky is True
    assert item.password == "  secret "
    assert item.meta == {"_thumbnail_id": "12"}  # the first value wins
    assert item.thumbnail_id == 12
    assert item.comments_count == 2
    assert item.categories == [("category", "news", "News")]
    assert (item.post_type, item.status, item.excerpt, item.attachment_url) == ("", "", "", "")
    assert xhtml.content == "raw <b>xhtml</b> kept"


def test_missing_post_id_is_zero_for_the_importer_to_report():
    [_site, item] = list(iter_wxr(wxr_bytes("<item><title>x</title></item>")))
    assert item.post_id == 0
    assert item.line == 4


def test_records_before_a_syntax_error_may_be_yielded_first():
    # Streaming: records well before the error (in earlier read chunks) reach the caller before
    # WxrError does, so an importer that must write nothing runs a checking pass first.
    body = "".join(f"<item><wp:post_id>{n}</wp:post_id></item>\n" for n in range(1, 3000))
    body = body.replace("<wp:post_id>2900</wp:post_id></item>", "<wp:post_id>2900</wp:post_id>")
    records, error = collect_until_error(wxr_bytes(body))
    assert 1000 < len(records) < 2900
    assert [getattr(r, "post_id", None) for r in records[:3]] == [None, 1, 2]
    # The unclosed <item> of line 2903 is noticed at </channel>, on the last line.
    assert error.line == 3003
    assert "Opening and ending tag mismatch: item line 2903 and channel" in str(error)


def test_undefined_entity_reports_its_own_line():
    # lxml does not stop at an undefined entity when entity substitution is off; the reader must
    # still report that first error and its line, not a later confusing one.
    body = "".join(f"<item><wp:post_id>{n}</wp:post_id></item>\n" for n in range(1, 3000))
    body = body.replace("<wp:post_id>1500<", "<wp:post_id>&nbsp;1500<")
    records, error = collect_until_error(wxr_bytes(body))
    assert error.line == 1503
    assert "Entity 'nbsp' not defined" in str(error)
    assert len(records) < 1500


def test_excessive_nesting_is_refused():
    nested = "<div>" * 300 + "</div>" * 300
    records, error = collect_until_error(wxr_bytes(f"<item>{nested}</item>"))
    assert "Excessive depth" in str(error)


# --- hostile documents -------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n'
        for n in range(1, 10)
    )
    + ']>\n<rss><channel><wp:wxr_version xmlns:wp="http://wordpress.org/export/1.2/">1.2'
    "</wp:wxr_version><title>&lol9;</title></channel></rss>\n"
)
XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2'
    "</wp:wxr_version><title>&xxe;</title></channel></rss>\n"
)
HOSTILE = {
    "billion laughs": BILLION_LAUGHS,
    "xxe file": XXE,
    "external dtd": '<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/evil.dtd">\n<rss><channel/></rss>',
    "public dtd": '<!DOCTYPE rss PUBLIC "-//Netscape//DTD RSS 0.91//EN" "http://127.0.0.1:9/rss.dtd"><rss/>',
    "parameter entity": (
        '<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]><rss/>'
    ),
    "lower-case doctype": '<!doctype rss [<!ENTITY a "b">]><rss/>',
    "bare entity declaration": '<!ENTITY a "b"><rss/>',
    "doctype after long comments": ("<!-- " + "x" * 200_000 + " -->\n") * 3
    + "<!DOCTYPE rss><rss/>",
    "doctype after processing instruction": (
        '<?xml version="1.0"?><?xml-stylesheet href="a"?>\n<!DOCTYPE rss><rss/>'
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_dtds_are_refused(name):
    # Refused before any expansion (how fast is measured in
    # bench/hostile_inputs_bench.py, not asserted here).
    records, error = collect_until_error(io.BytesIO(HOSTILE[name].encode()))
    assert records == []
    assert "DTDs are not allowed" in str(error)
    assert "root:" not in str(error)  # nothing from /etc/passwd


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_dtds_are_refused_in_any_encoding(encoding):
    document = XXE.replace(
        'version="1.0"', f'version="1.0" encoding="{encoding.removesuffix("-sig")}"'
    )
    records, error = collect_until_error(io.BytesIO(document.encode(encoding)))
    assert records == []
    assert "DTDs are not allowed" in str(error)


def test_utf16_documents_parse():
    document = (HEADER + "<item><title>Ωμέγα</title></item>" + FOOTER).replace(
        'encoding="UTF-8"', 'encoding="UTF-16"'
    )
    [_site, item] = list(iter_wxr(io.BytesIO(document.encode("utf-16"))))
    assert item.title == "Ωμέγα"


def test_prolog_longer_than_the_limit_is_refused():
    document = ("<!-- " + "x" * 2 * wxr._PROLOG_LIMIT + " --><rss><channel/></rss>").encode()
    records, error = collect_until_error(io.BytesIO(document))
    assert records == []
    assert "no root element in the first 1024 KB" in str(error)


def test_doctype_inside_content_is_not_a_dtd():
    body = "<item><content:encoded><![CDATA[<!DOCTYPE html><!ENTITY x>]]></content:encoded></item>"
    [_site, item] = list(iter_wxr(wxr_bytes(body)))
    assert item.content == "<!DOCTYPE html><!ENTITY x>"


def test_parser_check_catches_a_dtd_the_prolog_scan_missed(monkeypatch, tmp_path):
    # Defence in depth: with the prolog scan disabled, the docinfo check at the root refuses the
    # document, and the external entity is never read.
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    monkeypatch.setattr(wxr, "_prolog_complete", lambda head, at_eof: True)
    document = XXE.replace("file:///etc/passwd", secret.as_uri()).replace("&xxe;", "")
    records, error = collect_until_error(io.BytesIO(document.encode()))
    assert records == []
    assert "DTDs are not allowed" in str(error)
    assert error.line == 3


# --- memory ------------------------------------------------------------------------------------

ITEM_TEMPLATE = (
    "<item><title>Post {n}</title><link>http://example.com/?p={n}</link>"
    '<dc:creator>admin</dc:creator><guid isPermaLink="false">http://example.com/?p={n}</guid>'
    "<content:encoded><![CDATA[{body}]]></content:encoded><excerpt:encoded><![CDATA[]]>"
    "</excerpt:encoded><wp:post_id>{n}</wp:post_id>"
    "<wp:post_date>2015-01-01 10:00:00</wp:post_date>"
    "<wp:post_date_gmt>2015-01-01 09:00:00</wp:post_date_gmt><wp:post_name>post-{n}</wp:post_name>"
    "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
    '<category domain="category" nicename="news"><![CDATA[News]]></category>'
    "<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>{n}</wp:meta_value>"
    "</wp:postmeta></item>\n"
)
PARAGRAPHS = (
    "<p>" + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 8 + "</p>\n"
) * 8


def _resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_memory_stays_flat_on_a_large_file(tmp_path):
    if not Path("/proc/self/statm").exists():
        pytest.skip("needs /proc/self/statm to measure libxml2's (non-Python) memory")
    path = tmp_path / "big.xml"
    size = 50 * 1024 * 1024
    items = 0
    with path.open("w", encoding="utf-8") as out:
        written = out.write(HEADER)
        while written < size:
            written += out.write(ITEM_TEMPLATE.format(n=items + 1, body=PARAGRAPHS))
            items += 1
        out.write(FOOTER)

    # tracemalloc sees only Python allocations; libxml2's tree is malloc()ed directly, so the
    # resident set size is sampled too (without element clearing it grows by ~2x the file size).
    baseline = peak = _resident_bytes()
    tracemalloc.start()
    try:
        seen = 0
        for record in iter_wxr(path):
            if isinstance(record, WxrItem):
                seen += 1
                if seen % 500 == 0:
                    peak = max(peak, _resident_bytes())
        _current, python_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert seen == items > 11_000
    assert python_peak < 5 * 1024 * 1024
    assert peak - baseline < 30 * 1024 * 1024
