"""The index of body figures (articles.models.BodyFigure): every path that
writes a body keeps it current, and "where is this photo used" reads it
instead of every article body, in a fixed number of queries."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.media_usage import find_body_figures
from articles.models import Article, BodyFigure
from articles.search import reindex_articles
from articles.tests.factories import make_article, make_author, make_category
from media_assets import usage
from media_assets.api import attach_usage_counts
from media_assets.tests.factories import make_media

pytestmark = pytest.mark.django_db


def figure(media_id):
    return f'<figure data-media-id="{media_id}"></figure>'


def figures_of(article):
    return sorted(BodyFigure.objects.filter(article=article).values_list("media_id", flat=True))


def test_a_save_writes_the_bodys_figures_and_an_edit_rewrites_them():
    article = make_article(body=f"<p>One</p>{figure(11)}<p>Two</p>{figure(12)}{figure(11)}")
    assert figures_of(article) == [11, 12]

    article.body = f"<p>Only</p>{figure(13)}"
    article.save()
    assert figures_of(article) == [13]

    article.body = "<p>No figures any more.</p>"
    article.save()
    assert figures_of(article) == []


@pytest.mark.parametrize("how", ["instance", "queryset"])
def test_deleting_an_article_deletes_its_figures(how):
    """Its byline goes first (a cascade), which used to reindex the article
    on the way out and write its figures back: rows left pointing at a
    deleted article (a foreign-key error at commit)."""
    article = make_article(body=figure(21), authors=[make_author()])
    if how == "instance":
        article.delete()
    else:
        Article.objects.filter(pk=article.pk).delete()
    assert not BodyFigure.objects.filter(media_id=21).exists()
    connection.check_constraints()  # nothing left dangling


def test_bulk_writes_are_indexed_by_reindex_articles():
    """bulk_create and QuerySet.update send no signals; importers call
    reindex_articles(), which also rewrites the figures."""
    section = make_category()
    created = Article.objects.bulk_create(
        [
            Article(headline=f"Bulk {i}", slug=f"bulk-{i}", section=section, body=figure(30 + i))
            for i in range(3)
        ]
    )
    assert not BodyFigure.objects.filter(article__in=created).exists()
    reindex_articles(a.pk for a in created)
    assert sorted(BodyFigure.objects.values_list("media_id", flat=True)) == [30, 31, 32]

    Article.objects.filter(pk=created[0].pk).update(body=figure(39))
    reindex_articles([created[0].pk])
    assert figures_of(created[0]) == [39]


def test_the_migration_fills_the_index_for_existing_articles():
    """Migration 0010 indexes the bodies that were there before it."""
    with_figures = make_article(body=f"{figure(41)}<p>x</p>{figure(42)}")
    make_article(body="<p>No figure.</p>")
    BodyFigure.objects.all().delete()
    migration = importlib.import_module("articles.migrations.0010_add_body_figures")
    migration.fill(apps, None)
    assert list(BodyFigure.objects.values_list("article_id", "media_id").order_by("media_id")) == [
        (with_figures.pk, 41),
        (with_figures.pk, 42),
    ]


def test_finding_uses_reads_the_index_not_the_bodies():
    photo = make_media()
    draft = make_article(body=figure(photo.media_id), status=Article.Status.DRAFT)
    public = make_article(body=f"<p>x</p>{figure(photo.media_id)}")
    make_article(body=figure(photo.media_id + 1))

    with CaptureQueriesContext(connection) as queries:
        found = list(find_body_figures([photo.media_id]))

    assert sorted(article.pk for _media_id, article in found) == [draft.pk, public.pk]
    assert len(queries) == 1
    assert "articles_bodyfigure" in queries[0]["sql"]
    assert "LIKE" not in queries[0]["sql"].upper()  # no body is read


def test_usage_counts_cost_the_same_whatever_the_number_of_uses(django_assert_num_queries):
    """A page of photos, each a lead photo and a body figure of articles in
    several sections: counting their public uses (the media API's
    usage_count) costs a fixed number of queries, with no query per use for
    the address of the article (its section) or for is_public."""
    sections = [make_category() for _ in range(3)]
    photos = [make_media() for _ in range(4)]
    for photo in photos:
        for section in sections:
            make_article(section=section, lead_media=photo)
            make_article(section=section, body=figure(photo.media_id))
        make_article(lead_media=photo, status=Article.Status.DRAFT)  # not counted for readers

    assets = list(type(photos[0]).objects.filter(pk__in=[p.pk for p in photos]))
    relations = len(usage.relations())
    # One query per relation to MediaAsset and one for the body figures.
    with django_assert_num_queries(relations + 1):
        attach_usage_counts(assets, public_only=True)
    assert {asset.usage_count for asset in assets} == {6}


def test_the_unused_filter_asks_the_database_not_every_figure(
    client, settings, django_assert_num_queries
):
    """The photos used nowhere (the admin's and the API's *unused* filter):
    body figures are checked in SQL against the index (NOT EXISTS), in the
    same one query as the foreign keys; the finder's rows are never
    collected in Python."""
    from media_assets.models import MediaAsset

    in_a_draft = make_media()
    as_a_lead = make_media()
    unused = make_media()
    make_article(body=figure(in_a_draft.media_id), status=Article.Status.DRAFT)
    make_article(lead_media=as_a_lead)
    with django_assert_num_queries(1):
        assert list(usage.filter_unused(MediaAsset.objects.all())) == [unused]
    assert set(usage.filter_used(MediaAsset.objects.all())) == {in_a_draft, as_a_lead}
    settings.API_RESPONSE_CACHE_SECONDS = 0
    listed = client.get("/api/v1/media/", {"unused": "true"}).json()["results"]
    assert [item["media_id"] for item in listed] == [unused.media_id]


def _readers_count_the_slow_way(asset):
    """What readers were shown before counts were made in SQL: every use
    collected, then tested with is_public."""
    return sum(1 for use in usage.find_uses(asset) if getattr(use.obj, "is_public", True))


def test_counts_are_made_by_the_database_and_equal_the_uses_readers_may_see():
    """A file photo used by many articles: its count reads no article (one
    aggregate per relation and finder), and readers' counts leave out the
    same uses is_public does: drafts, scheduled and expired articles, as lead
    photo and as body figure; staff count them all."""
    from datetime import timedelta

    from django.utils import timezone

    photo, unused = make_media(), make_media()
    author = make_author()
    author.photo = photo
    author.save()
    now = timezone.now()
    for state in (
        {},
        {"status": Article.Status.DRAFT, "publish_at": None},
        {"publish_at": now + timedelta(days=2)},  # scheduled
        {"publish_at": now - timedelta(days=9), "expires_at": now - timedelta(days=1)},
    ):
        make_article(lead_media=photo, **state)
        make_article(body=figure(photo.media_id), **state)
    make_article(lead_media=photo)

    with CaptureQueriesContext(connection) as queries:
        readers = usage.count_uses_of([photo, unused], public_only=True)
    assert readers == {photo.pk: 4, unused.pk: 0}  # 2 leads, 1 figure, the author photo
    assert readers[photo.pk] == _readers_count_the_slow_way(photo)
    assert all("COUNT(" in q["sql"] for q in queries.captured_queries)
    assert not any('"articles_article"."body"' in q["sql"] for q in queries.captured_queries)
    staff = usage.count_uses_of([photo, unused])
    assert staff == {photo.pk: 10, unused.pk: 0} == usage.usage_counts([photo, unused])
    assert staff[photo.pk] == len(usage.find_uses(photo))
    assert usage.count_uses_of([]) == {}


def test_uses_that_cannot_be_counted_in_sql_are_collected_and_tested(monkeypatch):
    """A finder registered without ``referenced``, and for readers a model
    with is_public but no ``public`` function, are still counted right: their
    uses are collected and tested one by one."""
    from media_assets.usage import _Registration

    photo = make_media()
    make_article(lead_media=photo)
    make_article(lead_media=photo, status=Article.Status.DRAFT, publish_at=None)
    make_article(body=figure(photo.media_id))
    make_article(body=figure(photo.media_id), status=Article.Status.DRAFT, publish_at=None)
    bare = [
        _Registration(r.model, r.label, r.field_name, r.finder, r.select_related)  # no hooks
        for r in usage._registry
    ]
    monkeypatch.setattr(usage, "_registry", bare)
    assert usage.count_uses_of([photo], public_only=True) == {photo.pk: 2}
    assert usage.count_uses_of([photo]) == {photo.pk: 4}


def test_a_file_photo_is_never_read_whole_to_name_its_uses(client, monkeypatch):
    """Naming a photo's uses (its admin page, a refused deletion) reads at
    most a few of each kind, the newest leads first, and counts the rest: a
    photo used by thousands of articles costs what one used twice does."""
    from django.contrib.auth.models import User

    from media_assets import admin as media_admin
    from media_assets.services import MediaInUse, media_delete

    photo = make_media()
    leads = [make_article(lead_media=photo, headline=f"Lead {n}") for n in range(4)]
    for n in range(3):
        make_article(body=figure(photo.media_id), headline=f"Figure {n}")

    named = usage.find_uses(photo, limit=2)
    assert [u.obj.pk for u in named if u.label == "lead photo"] == [leads[3].pk, leads[2].pk]
    assert len([u for u in named if u.label == "body figure"]) == 2
    assert len(usage.find_uses(photo)) == 7

    with pytest.raises(MediaInUse) as refused:
        media_delete(asset=photo)
    assert refused.value.total == 7
    assert "and 2 more" in str(refused.value)  # five named, seven in all

    monkeypatch.setattr(media_admin, "USES_SHOWN", 2)
    client.force_login(User.objects.create_superuser("desk", "d@example.com", "pw"))
    page = client.get(f"/admin/media_assets/mediaasset/{photo.pk}/change/").content.decode()
    assert page.count("Lead ") == 2 and "Lead 3" in page and "Lead 0" not in page
    assert "7 uses in all; the newest are listed." in page
