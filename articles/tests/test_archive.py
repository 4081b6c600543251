"""Date archives, search, related articles, 404/500, language and direction."""

import datetime

import pytest
from django.utils import timezone

from articles.tests.factories import hidden_variants, make_article, make_author, make_category
from media_assets.tests.factories import make_media

pytestmark = pytest.mark.django_db
# Tests that read the archive's months after writing commit for real: a
# month's count is marked once the writer's transaction has committed
# (articles.archive_months), as in production.
commits = pytest.mark.django_db(transaction=True)


def _at(year, month, day=10):
    return timezone.make_aware(datetime.datetime(year, month, day, 12, 0))


def _warm():
    """The next scheduled change (cms.caching: once per cache generation) and
    the months' counts (articles.archive_months: recounted once after a
    change, budgeted in test_archive_months.py); the budgets count the
    view's own queries."""
    from articles.archive_months import public_months
    from articles.tests.factories import warm_search_statistics
    from cms.caching import current_generation, next_change_at

    next_change_at(current_generation())
    public_months()
    warm_search_statistics()


@commits
def test_archive_index_counts_years_and_months(client):
    for day in (1, 2, 3):
        make_article(publish_at=_at(2015, 3, day))
    make_article(publish_at=_at(2015, 7))
    make_article(publish_at=_at(2017, 1))
    response = client.get("/archive/")
    assert response.status_code == 200
    years = response.context["years"]
    assert [(y["year"], y["count"]) for y in years] == [(2017, 1), (2015, 4)]
    assert [(m["date"].month, m["count"]) for m in years[1]["months"]] == [(7, 1), (3, 3)]
    html = response.content.decode()
    assert 'href="/archive/2015/3/"' in html and 'href="/archive/2015/"' in html


@commits
def test_archive_year_and_month(client):
    march = [make_article(publish_at=_at(2015, 3, d)) for d in (1, 31)]
    make_article(publish_at=_at(2015, 4, 1))
    make_article(publish_at=_at(2016, 3, 1))
    year = client.get("/archive/2015/")
    assert year.status_code == 200
    assert [(m["date"].month, m["count"]) for m in year.context["months"]] == [(4, 1), (3, 2)]
    assert year.context["total"] == 3
    month = client.get("/archive/2015/3/")
    assert month.status_code == 200
    assert [a.pk for a in month.context["page"].items] == [march[1].pk, march[0].pk]


def test_archive_month_pages_by_keyset(client):
    made = [
        make_article(publish_at=_at(2015, 3, 1) + datetime.timedelta(hours=i)) for i in range(23)
    ]
    first = client.get("/archive/2015/3/").context["page"]
    assert len(first.items) == 20
    second = client.get("/archive/2015/3/", {"before": first.next_cursor}).context["page"]
    assert [a.pk for a in second.items] == [a.pk for a in reversed(made[:3])]


def test_archive_404s(client):
    make_article(publish_at=_at(2015, 3))
    for url in ["/archive/2014/", "/archive/2015/4/", "/archive/2015/13/", "/archive/1800/",
                f"/archive/{timezone.now().year + 1}/"]:  # fmt: skip
        assert client.get(url).status_code == 404, url


@commits
@pytest.mark.parametrize("state", ["draft", "review", "withdrawn", "scheduled", "expired"])
def test_archive_and_search_never_count_or_show_non_public(client, state):
    section = make_category()
    hidden = hidden_variants(section)[state]
    hidden.headline = "Secretive headline"
    hidden.save()
    make_article(headline="Public headline")
    response = client.get("/archive/")
    assert sum(y["count"] for y in response.context["years"]) == 1
    html = response.content.decode()
    assert "Secretive" not in html
    results = client.get("/search/", {"q": "headline"}).context["page"].items
    assert [a.headline for a in results] == ["Public headline"]
    if hidden.publish_at:
        month = timezone.localtime(hidden.publish_at)
        body = client.get(f"/archive/{month.year}/{month.month}/").content.decode()
        assert "Secretive" not in body


def test_search_matches_every_word_in_headline_or_dek(client):
    hit = make_article(headline="Oil prices rise", dek="Saudi output")
    make_article(headline="Oil only")
    response = client.get("/search/", {"q": "oil  SAUDI"})
    assert response.status_code == 200
    assert [a.pk for a in response.context["page"].items] == [hit.pk]
    assert response["X-Robots-Tag"] == "noindex"
    assert client.get("/search/").context["page"] is None


def test_search_survives_huge_and_hostile_queries(client, settings, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PUBLIC_PAGE_CACHE_SECONDS = 0  # every request runs the search
    make_article(headline="Something")
    _warm()
    client.get("/search/", {"q": "x"})  # the layout's section menu, cached from now on
    # The search's own (at most 3), and the lookup of a reporter, tag or
    # section named "x" (views.search_topics).
    with django_assert_max_num_queries(4), CaptureQueriesContext(connection) as huge:
        response = client.get("/search/", {"q": "x " * 30000})
    assert response.status_code == 200
    # A 60 000-character query costs what a short one does.
    with CaptureQueriesContext(connection) as short:
        client.get("/search/", {"q": "x"})
    assert len(huge.captured_queries) == len(short.captured_queries)
    html = client.get("/search/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in html


def test_related_articles_share_section_or_tag_and_are_public(client):
    from articles.tests.factories import make_tag

    tag = make_tag()
    section = make_category()
    article = make_article(section=section, tags=[tag])
    same_section = make_article(section=section)
    same_tag = make_article(tags=[tag])
    make_article()  # unrelated
    hidden = hidden_variants(section)["draft"]
    response = client.get(article.get_absolute_url())
    related = response.context["related"]
    assert {a.pk for a in related} == {same_section.pk, same_tag.pk}
    assert hidden.pk not in {a.pk for a in related}


def test_friendly_404_page(client):
    response = client.get("/no/such/page/at/all/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert 'action="/search/"' in html


def test_500_page_renders_without_a_request(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_arabic_article_renders_rtl_with_arabic_dates(client):
    article = make_article(
        language="ar",
        headline="روسيا تقدم",
        publish_at=timezone.make_aware(datetime.datetime(2017, 9, 10, 9, 0)),
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "سبتمبر" in html  # September, in Arabic
    assert '<header class="site-header" lang="en" dir="ltr">' in html
    # In an English listing the Arabic teaser carries its own lang and dir.
    listing = client.get(article.section.get_absolute_url()).content.decode()
    assert '<article class="teaser" lang="ar" dir="rtl">' in listing


def test_english_article_is_ltr(client):
    html = client.get(make_article().get_absolute_url()).content.decode()
    assert '<html lang="en" dir="ltr">' in html


def test_pages_advertise_feeds(client):
    section = make_category(slug="opinion")
    html = client.get("/opinion/").content.decode()
    assert 'type="application/rss+xml" title="Asharq Al-Awsat (RSS)" href="/feeds/rss/"' in html
    assert 'href="/feeds/opinion/atom/"' in html
    assert section.name in html


def test_teaser_hides_photo_with_expired_rights(client):
    photo = make_media(
        with_file=True, rights_expire_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    article = make_article(lead_media=photo)
    html = client.get(article.section.get_absolute_url()).content.decode()
    assert photo.file.url not in html
    assert photo.file.url not in client.get(article.get_absolute_url()).content.decode()


@commits
@pytest.mark.parametrize("count", [5, 25])
def test_archive_tag_author_budgets(client, django_assert_max_num_queries, count):
    from articles.tests.factories import make_tag

    tag, author = make_tag(slug="t"), make_author(slug="w")
    authors = [author, make_author(), make_author()]
    for i in range(count):
        make_article(
            publish_at=_at(2015, 3, 1) + datetime.timedelta(hours=i),
            tags=[tag],
            authors=authors,
            lead_media=make_media(with_file=True),
        )
    _warm()
    # Archive index: 1 month counts, 2 navigation. Year: 1 month counts, 2 nav.
    # Month/tag/author: 1 the tag/author (not month), 2 page of articles
    # (+section, photo), 3 authors, 4 navigation.
    for url in ["/archive/", "/archive/2015/", "/archive/2015/3/", "/tag/t/", "/author/w/"]:
        with django_assert_max_num_queries(10):
            response = client.get(url)
        assert response.status_code == 200
        assert response["X-Cache"] == "miss"
        if "page" in response.context:
            assert len(response.context["page"].items) == min(count, 20), url
    assert response.context["page"].items  # author page listed them
