"""bench/wagtail_compare.py asks our site and the Wagtail site for the same
things. Our side is checked here (Wagtail is no dependency of ours): the
deep section page it measures must be the very articles Wagtail's ?page=
shows, the page after the first (deep_page - 1) * 20 of the section, newest
first; otherwise the comparison measures two different pages."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from articles.tests.factories import make_article, make_category
from articles.views import SECTION_PAGE_SIZE
from bench import wagtail_compare

pytestmark = pytest.mark.django_db


def test_the_page_size_is_ours():
    assert wagtail_compare.PER_PAGE == SECTION_PAGE_SIZE


def test_the_deep_page_is_the_articles_wagtails_offset_shows(client):
    now = timezone.now()
    parent = make_category(name="Aaa with subsections", slug="aaa", position=0)
    make_category(name="Sub", slug="sub", parent=parent)
    section = make_category(name="World", slug="world", position=1)
    other = make_category(name="Sport", slug="sport", position=2)
    articles = [
        make_article(section=section, publish_at=now - datetime.timedelta(hours=i))
        for i in range(2 * SECTION_PAGE_SIZE + 5)
    ]
    # The same time for two of them: the order falls back on the id, as in
    # Wagtail's ("-date", "-id") over pages copied oldest first.
    articles[SECTION_PAGE_SIZE + 3].publish_at = articles[SECTION_PAGE_SIZE + 4].publish_at
    articles[SECTION_PAGE_SIZE + 3].save()
    for i in range(6):
        make_article(section=other, publish_at=now - datetime.timedelta(minutes=30 + i))
    make_article(section=section, status="draft")

    targets = wagtail_compare.our_targets(deep_page=2)

    assert targets["section_slug"] == "world"  # the first section without subsections
    newest_first = sorted(articles, key=lambda a: (a.publish_at, a.pk), reverse=True)
    expected = newest_first[SECTION_PAGE_SIZE : 2 * SECTION_PAGE_SIZE]  # OFFSET 20 LIMIT 20
    response = client.get(targets["section_deep"])
    assert response.status_code == 200
    assert [a.pk for a in response.context["page"].items] == [a.pk for a in expected]
    # The article both sites show: the sixth newest public one, at its address.
    everything = sorted(
        [*articles, *other.section_articles.all()], key=lambda a: (a.publish_at, a.pk), reverse=True
    )
    assert targets["article_id"] == everything[5].pk
    assert client.get(targets["article"]).status_code == 200
    assert targets["public"] == len(articles) + 6
    if connection.vendor == "postgresql":
        # The query copy_archive runs on our database, with its parameters
        # as they travel (JSON strings): the public articles, no draft.
        sql, params = targets["public_query"]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            copied = {row[0] for row in cursor.fetchall()}
        assert copied == {a.pk for a in [*articles, *other.section_articles.all()]}


def test_the_report_compares_both_sites():
    def figures(rps):
        return {
            key: {"rps": value, "ratio": value / rps[0], "path": "/", "p50_ms": 1, "p99_ms": 2}
            for key, value in zip(
                ["bare", "article", "section", "section_deep", "api_list"], rps, strict=True
            )
        }

    result = {
        "ours": figures([1000, 40, 60, 40, 30]),
        "wagtail": figures([1000, 20, 15, 8, 5]),
        "when": "now",
        "machine": "here",
        "articles": 100,
        "load_generator": "wrk",
    }
    report = wagtail_compare.render({"100": result})
    assert "| article page | 40 | 0.040 | 20 | 0.020 | 2.00 |" in report
    assert "| API, newest 20 articles | 30 | 0.030 | 5.0 | 0.005 | 6.00 |" in report
