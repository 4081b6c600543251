"""RSS 2.0 and Atom feeds: content, Media RSS, visibility, schema, budgets."""

from pathlib import Path

import pytest
from lxml import etree

from articles.tests.factories import hidden_variants, make_article, make_author, make_category
from media_assets.tests.factories import make_media

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "schemas"
MEDIA = "{http://search.yahoo.com/mrss/}"
ATOM = "{http://www.w3.org/2005/Atom}"


def _atom_schema():
    if not (SCHEMAS / "atom.rng").exists():
        pytest.skip(f"atom.rng not found in {SCHEMAS} (shared test data absent)")
    return etree.RelaxNG(etree.parse(str(SCHEMAS / "atom.rng")))


def _warm():
    from cms.caching import current_generation, next_change_at

    next_change_at(current_generation())


@pytest.fixture
def seed_like():
    section = make_category(name="Opinion", slug="opinion")
    photo = make_media(
        with_file=True,
        media_id=55384539,
        caption="A guard walks.",
        credit="REUTERS/Yuri Maltsev/File Photo",
        copyright="Reuters",
    )
    return make_article(
        section=section,
        headline="Russia & Pyongyang",
        dek="The dek",
        lead_media=photo,
        authors=[make_author(name="Mina Haddad")],
    )


def test_rss_has_items_with_media_rss(client, seed_like):
    response = client.get("/feeds/rss/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    root = etree.fromstring(response.content)
    items = root.findall("channel/item")
    assert [i.findtext("title") for i in items] == ["Russia & Pyongyang"]
    item = items[0]
    assert item.findtext("link") == f"http://127.0.0.1:8000{seed_like.get_absolute_url()}"
    assert item.findtext("description") == "The dek"
    assert item.findtext("category") == "Opinion"
    content = item.find(f"{MEDIA}content")
    assert content.get("url").startswith("http://127.0.0.1:8000/")
    assert content.get("medium") == "image"
    assert (content.get("width"), content.get("height")) == ("64", "48")
    assert content.findtext(f"{MEDIA}description") == "A guard walks."
    assert content.findtext(f"{MEDIA}credit") == "REUTERS/Yuri Maltsev/File Photo"
    assert content.findtext(f"{MEDIA}copyright") == "Reuters"


def test_atom_validates_against_rfc4287_schema(client, seed_like):
    schema = _atom_schema()
    make_article(section=seed_like.section)  # an entry with no author of its own
    for url in ["/feeds/atom/", "/feeds/opinion/atom/"]:
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
        document = etree.fromstring(response.content)
        assert schema.validate(document), (url, schema.error_log)
        entries = document.findall(f"{ATOM}entry")
        assert len(entries) == 2
        assert entries[0].find(f"{MEDIA}content") is not None


def test_section_feed_includes_sub_sections_only(client):
    top = make_category(slug="middle-east")
    sub = make_category(slug="gulf", parent=top)
    mine = [make_article(section=top), make_article(section=sub)]
    make_article()  # another section
    root = etree.fromstring(client.get("/feeds/middle-east/rss/").content)
    links = {i.findtext("link") for i in root.findall("channel/item")}
    assert links == {f"http://127.0.0.1:8000{a.get_absolute_url()}" for a in mine}
    assert client.get("/feeds/no-such-section/rss/").status_code == 404


@pytest.mark.parametrize("state", ["draft", "review", "withdrawn", "scheduled", "expired"])
def test_non_public_articles_never_in_feeds(client, state):
    section = make_category(slug="s")
    hidden = hidden_variants(section)[state]
    for url in ["/feeds/rss/", "/feeds/atom/", "/feeds/s/rss/", "/feeds/s/atom/"]:
        assert hidden.headline not in client.get(url).content.decode(), (state, url)


def test_photo_with_expired_rights_is_left_out(client):
    import datetime

    from django.utils import timezone

    photo = make_media(
        with_file=True,
        credit="AP/Expired",
        rights_expire_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    make_article(lead_media=photo, headline="Still public")
    body = client.get("/feeds/rss/").content.decode()
    assert "Still public" in body
    assert "media:content" not in body and "AP/Expired" not in body


def test_script_in_fields_is_escaped_in_feeds(client):
    evil = "<script>alert(1)</script>"
    make_article(headline=evil, dek=evil, lead_media=make_media(with_file=True, credit=evil))
    for url in ["/feeds/rss/", "/feeds/atom/"]:
        body = client.get(url).content.decode()
        assert evil not in body
        assert "&lt;script&gt;" in body


@pytest.mark.parametrize("count", [3, 12])
def test_feed_query_budget(client, django_assert_max_num_queries, count):
    section = make_category(slug="s")
    child = make_category(parent=section)
    authors = [make_author() for _ in range(3)]
    for i in range(count):
        make_article(
            section=child if i % 2 else section,
            authors=authors,
            lead_media=make_media(with_file=True),
        )
    _warm()
    # Site feed: 1 articles (+section, lead photo), 2 authors.
    with django_assert_max_num_queries(2):
        assert client.get("/feeds/rss/").status_code == 200
    # Section feed: 1 section, 2-3 sub-section ids (per level), 4 articles, 5 authors.
    with django_assert_max_num_queries(6):
        assert client.get("/feeds/s/atom/").status_code == 200
