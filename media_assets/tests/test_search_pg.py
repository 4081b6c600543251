"""PostgreSQL: the photo searches (the API's ?q=, credit= and photographer=
filters, the admin's search box) are served by trigram indexes (migration
0002), and the API's ?q= runs under the search timeout."""

import pytest
from django.db import connection

from media_assets.api import SEARCH_TIMED_OUT
from media_assets.filters import MediaFilter
from media_assets.models import MediaAsset
from media_assets.tests.factories import make_media

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's"
    ),
]


def plan(queryset):
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        # With a handful of rows the planner would rightly read the table or
        # walk the date index; without those choices it must find an index
        # whose condition serves the LIKE (a bitmap scan), or read the table.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("params", "indexes"),
    [
        ({"q": "harbour"}, ["caption", "title", "credit"]),
        ({"credit": "reuters"}, ["credit"]),
        ({"photographer": "othman"}, ["photographer"]),
    ],
)
def test_photo_substring_searches_use_the_trigram_indexes(params, indexes):
    make_media(caption="Boats in the harbour", credit="REUTERS/Laila Othman")
    queryset = MediaFilter(params, queryset=MediaAsset.objects.all()).qs
    explained = plan(queryset)
    for column in indexes:
        assert f"media_asset_{column}_trgm" in explained, explained
    assert "Seq Scan" not in explained


def assert_search_stopped(response):
    """What a caller gets from a search the timeout stopped: 503, the
    message, and nothing a cache may keep (articles' API tests use it too)."""
    assert response.status_code == 503
    assert response.json() == {"detail": SEARCH_TIMED_OUT}
    assert response["Cache-Control"] == "no-store"


def _slow_filter(self, queryset, name, value):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(2)")
    return queryset


@pytest.mark.django_db(transaction=True)
def test_api_photo_search_that_runs_too_long_answers_503(client, monkeypatch, settings):
    photo = make_media(caption="Boats in the harbour")
    settings.SEARCH_STATEMENT_TIMEOUT_MS = 50
    settings.API_RESPONSE_CACHE_SECONDS = 60  # a 503 must not be stored
    monkeypatch.setattr(MediaFilter, "filter_q", _slow_filter)

    assert_search_stopped(client.get("/api/v1/media/", {"q": "harbour"}))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.1)")  # the limit died with the search

    monkeypatch.undo()
    response = client.get("/api/v1/media/", {"q": "harbour"})
    assert response.status_code == 200
    assert [item["media_id"] for item in response.json()["results"]] == [photo.media_id]
    # Without ?q= there is no limit to hit.
    monkeypatch.setattr(MediaFilter, "filter_q", _slow_filter)
    settings.SEARCH_STATEMENT_TIMEOUT_MS = 50
    assert client.get("/api/v1/media/").status_code == 200
