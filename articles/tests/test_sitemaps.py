"""Sitemaps: index of monthly sitemaps, image and news extensions, schema
validation (sitemaps.org + Google image/news XSDs), visibility, budgets."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from lxml import etree

from articles.tests.factories import hidden_variants, make_article, make_category
from media_assets.tests.factories import make_media

# Real commits: the month counts are marked once a writer's transaction
# commits (articles.archive_months), as in production.
pytestmark = pytest.mark.django_db(transaction=True)

SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "schemas"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
IMAGE = "{http://www.google.com/schemas/sitemap-image/1.1}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@pytest.fixture(scope="module")
def urlset_schema():
    """sitemap.xsd checks extension elements strictly, so the image and news
    XSDs are imported beside it in one wrapper schema."""
    needed = ["sitemap.xsd", "sitemap-image.xsd", "sitemap-news.xsd"]
    if not all((SCHEMAS / name).exists() for name in needed):
        pytest.skip(f"sitemap XSDs not found in {SCHEMAS} (shared test data absent)")
    imports = "".join(
        f'<xsd:import namespace="{ns}" schemaLocation="{(SCHEMAS / name).as_uri()}"/>'
        for ns, name in [
            ("http://www.sitemaps.org/schemas/sitemap/0.9", "sitemap.xsd"),
            ("http://www.google.com/schemas/sitemap-image/1.1", "sitemap-image.xsd"),
            ("http://www.google.com/schemas/sitemap-news/0.9", "sitemap-news.xsd"),
        ]
    )
    wrapper = f'<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">{imports}</xsd:schema>'
    return etree.XMLSchema(etree.fromstring(wrapper.encode()))


def _valid(schema, content):
    document = etree.fromstring(content)
    assert schema.validate(document), schema.error_log
    return document


def _at(year, month, day=10):
    return timezone.make_aware(datetime.datetime(year, month, day, 12, 0))


def _warm():
    """The next scheduled change (cms.caching: once per cache generation) and
    the months' counts (articles.archive_months: recounted once after a
    change, budgeted in test_archive_months.py); the budgets count the
    view's own queries."""
    from articles.archive_months import public_months
    from cms.caching import current_generation, next_change_at

    next_change_at(current_generation())
    public_months()


def test_index_lists_sections_and_each_month_with_articles(client):
    make_article(publish_at=_at(2015, 3))
    make_article(publish_at=_at(2015, 3, 20))
    make_article(publish_at=_at(2016, 11))
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    root = etree.fromstring(response.content)
    # No XSD for sitemapindex is in the shared schemas; check its shape.
    assert root.tag == f"{SM}sitemapindex"
    locs = [s.findtext(f"{SM}loc") for s in root.findall(f"{SM}sitemap")]
    assert locs == [
        "http://127.0.0.1:8000/sitemaps/sections.xml",
        "http://127.0.0.1:8000/sitemaps/articles-2016-11.xml",
        "http://127.0.0.1:8000/sitemaps/articles-2015-3.xml",
    ]
    lastmods = [s.findtext(f"{SM}lastmod") for s in root.findall(f"{SM}sitemap")]
    assert lastmods[0] is None and all(lastmods[1:])


def test_month_sitemap_validates_with_images(client, urlset_schema):
    photo = make_media(with_file=True, caption="A guard walks.")
    article = make_article(publish_at=_at(2015, 3), lead_media=photo, lead_caption="Override")
    plain = make_article(publish_at=_at(2015, 3, 11))
    make_article(publish_at=_at(2015, 4))
    response = client.get("/sitemaps/articles-2015-3.xml")
    document = _valid(urlset_schema, response.content)
    urls = document.findall(f"{SM}url")
    assert [u.findtext(f"{SM}loc") for u in urls] == [
        f"http://127.0.0.1:8000{article.get_absolute_url()}",
        f"http://127.0.0.1:8000{plain.get_absolute_url()}",
    ]
    image = urls[0].find(f"{IMAGE}image")
    assert image.findtext(f"{IMAGE}loc").startswith("http://127.0.0.1:8000/")
    assert image.findtext(f"{IMAGE}caption") == "Override"
    assert urls[1].find(f"{IMAGE}image") is None
    assert client.get("/sitemaps/articles-2015-5.xml").status_code == 404
    assert client.get("/sitemaps/articles-2015-13.xml").status_code == 404


def test_a_big_month_has_a_sitemap_per_page(client, urlset_schema, monkeypatch):
    from articles import sitemaps

    monkeypatch.setattr(sitemaps, "MONTH_PAGE_URLS", 2)
    march = [make_article(publish_at=_at(2015, 3, day)) for day in (5, 1, 4, 2, 3)]
    make_article(publish_at=_at(2015, 4))
    root = etree.fromstring(client.get("/sitemap.xml").content)
    base = "http://127.0.0.1:8000"
    assert [s.findtext(f"{SM}loc") for s in root.findall(f"{SM}sitemap")] == [
        f"{base}/sitemaps/sections.xml",
        f"{base}/sitemaps/articles-2015-4.xml",
        f"{base}/sitemaps/articles-2015-3.xml",
        f"{base}/sitemaps/articles-2015-3-2.xml",
        f"{base}/sitemaps/articles-2015-3-3.xml",
    ]
    pages = []
    for path in ["articles-2015-3.xml", "articles-2015-3-2.xml", "articles-2015-3-3.xml"]:
        document = _valid(urlset_schema, client.get(f"/sitemaps/{path}").content)
        pages.append([u.findtext(f"{SM}loc") for u in document.findall(f"{SM}url")])
    assert [len(page) for page in pages] == [2, 2, 1]
    oldest_first = sorted(march, key=lambda a: a.publish_at)
    assert sum(pages, []) == [f"{base}{a.get_absolute_url()}" for a in oldest_first]
    # Past the last page, and the first page under a second address: 404.
    for path in ["articles-2015-3-4.xml", "articles-2015-3-1.xml", "articles-2015-3-0.xml"]:
        assert client.get(f"/sitemaps/{path}").status_code == 404, path


def test_sections_sitemap_validates(client, urlset_schema):
    top = make_category(slug="opinion")
    make_category(slug="editorials", parent=top)
    document = _valid(urlset_schema, client.get("/sitemaps/sections.xml").content)
    locs = [u.findtext(f"{SM}loc") for u in document.findall(f"{SM}url")]
    assert "http://127.0.0.1:8000/opinion/" in locs
    assert "http://127.0.0.1:8000/editorials/" in locs
    assert "http://127.0.0.1:8000/archive/" in locs


def test_news_sitemap_has_last_two_days_only(client, urlset_schema):
    now = timezone.now()
    fresh = make_article(headline="Fresh & new", publish_at=now - datetime.timedelta(hours=3))
    make_article(headline="Old news", publish_at=now - datetime.timedelta(days=3))
    document = _valid(urlset_schema, client.get("/sitemap-news.xml").content)
    urls = document.findall(f"{SM}url")
    assert [u.findtext(f"{SM}loc") for u in urls] == [
        f"http://127.0.0.1:8000{fresh.get_absolute_url()}"
    ]
    news = urls[0].find(f"{NEWS}news")
    assert news.findtext(f"{NEWS}title") == "Fresh & new"
    assert news.findtext(f"{NEWS}publication/{NEWS}language") == "en"
    assert news.findtext(f"{NEWS}publication/{NEWS}name") == "Asharq Al-Awsat"


def test_empty_news_sitemap_is_still_valid(client, urlset_schema):
    _valid(urlset_schema, client.get("/sitemap-news.xml").content)


@pytest.mark.parametrize("state", ["draft", "review", "withdrawn", "scheduled", "expired"])
def test_non_public_articles_never_in_sitemaps(client, state):
    section = make_category(slug="s")
    hidden = hidden_variants(section)[state]
    make_article(section=section, publish_at=timezone.now() - datetime.timedelta(hours=1))
    month = timezone.localtime(hidden.publish_at or timezone.now())
    urls = [
        "/sitemap.xml",
        "/sitemap-news.xml",
        f"/sitemaps/articles-{month.year}-{month.month}.xml",
    ]
    for url in urls:
        body = client.get(url).content.decode()
        assert hidden.get_absolute_url() not in body, (state, url)


def test_expired_photo_rights_leave_no_image(client, urlset_schema):
    photo = make_media(
        with_file=True, rights_expire_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    make_article(publish_at=_at(2015, 3), lead_media=photo)
    document = _valid(urlset_schema, client.get("/sitemaps/articles-2015-3.xml").content)
    assert document.find(f".//{IMAGE}image") is None


def test_robots_txt_points_at_sitemaps(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in lines
    assert "Sitemap: http://127.0.0.1:8000/sitemap-news.xml" in lines
    assert "Disallow: /admin/" in lines


@pytest.mark.parametrize("count", [4, 16])
def test_sitemap_query_budgets(client, django_assert_max_num_queries, count, monkeypatch):
    from articles import sitemaps

    monkeypatch.setattr(sitemaps, "MONTH_PAGE_URLS", 2)  # January has 2 and 6
    for i in range(count):
        make_article(publish_at=_at(2015, 1 + i % 3), lead_media=make_media(with_file=True))
    make_article(lead_media=make_media(with_file=True))
    _warm()
    # Index: 1 months with last change. Month: 1 articles (+section, photo).
    # Sections: 1 categories. News: 1 articles (+section, photo).
    for url in [
        "/sitemap.xml",
        "/sitemaps/articles-2015-1.xml",
        *(["/sitemaps/articles-2015-1-3.xml"] if count == 16 else []),
        "/sitemaps/sections.xml",
        "/sitemap-news.xml",
    ]:
        with django_assert_max_num_queries(1):
            assert client.get(url).status_code == 200, url


def test_month_sitemap_reads_only_the_columns_it_shows(client):
    """A month's sitemap builds thousands of rows: no bodies, no columns of
    the article or photo that the sitemap does not show."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_article(publish_at=_at(2015, 3), lead_media=make_media(with_file=True, caption="A cat"))
    _warm()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/sitemaps/articles-2015-3.xml")
    assert response.status_code == 200 and "<image:caption>A cat" in response.content.decode()
    (sql,) = [q["sql"] for q in ctx.captured_queries]
    for column in ('"body"', '"dek"', '"keywords"', '"credit"', '"created_at"', '"word_count"'):
        assert column not in sql, column


def test_sitemap_dates_are_local_iso_8601_and_captions_fall_back(client, settings):
    """Entries are built from plain rows (articles.sitemaps._entries): the
    dates are what the template's date:"c" gave, in the site's time zone, and
    a photo without an article override keeps its own caption."""
    settings.TIME_ZONE = "Asia/Riyadh"
    photo = make_media(with_file=True, caption="Its own caption & more")
    article = make_article(
        publish_at=timezone.now() - datetime.timedelta(hours=3), lead_media=photo
    )
    month = timezone.localtime(article.publish_at)
    body = client.get(f"/sitemaps/articles-{month.year}-{month.month}.xml").content.decode()
    article.refresh_from_db()
    lastmod = timezone.localtime(article.updated_at).isoformat()
    assert lastmod.endswith("+03:00") and f"<lastmod>{lastmod}</lastmod>" in body
    assert "<image:caption>Its own caption &amp; more</image:caption>" in body
    news = client.get("/sitemap-news.xml").content.decode()
    published = timezone.localtime(article.publish_at).isoformat()
    assert f"<news:publication_date>{published}</news:publication_date>" in news
