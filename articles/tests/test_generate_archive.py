"""``generate_archive``: COPY on PostgreSQL, bulk_create on SQLite, the same
contract on both (speed is measured in bench/, never asserted here)."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Max

from articles.models import Article, ArticleAuthor, SearchDocument
from articles.search import FTS_TABLE, search_articles
from articles.tests.factories import make_article
from media_assets.models import MediaAsset

pytestmark = pytest.mark.django_db


def build(articles, media=None):
    call_command("generate_archive", articles=articles, media=media, verbosity=0)


def synthetic():
    return Article.objects.filter(legacy_source="synthetic")


def indexed_ids() -> set[int]:
    if connection.vendor == "postgresql":
        return set(SearchDocument.objects.values_list("article_id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {FTS_TABLE}")  # noqa: S608
        return {row[0] for row in cursor.fetchall()}


def test_a_larger_n_adds_the_difference_and_the_same_n_nothing():
    build(40, media=10)
    first = set(synthetic().values_list("pk", flat=True))
    build(40, media=10)
    assert set(synthetic().values_list("pk", flat=True)) == first
    build(70, media=10)
    assert synthetic().count() == 70
    assert first < set(synthetic().values_list("pk", flat=True))
    assert sorted(synthetic().values_list("legacy_id", flat=True)) == sorted(
        f"s{n}" for n in range(70)
    )
    assert MediaAsset.objects.filter(source_url__startswith="synthetic:").count() == 10


def test_every_article_is_complete_and_searchable():
    build(120, media=40)
    articles = synthetic()
    assert indexed_ids() >= set(articles.values_list("pk", flat=True))
    authors = articles.annotate(n=Count("article_authors")).values_list("n", flat=True)
    assert set(authors) <= {1, 2} and min(authors) == 1
    tags = articles.annotate(n=Count("tags")).values_list("n", flat=True)
    assert max(tags) <= 4
    assert articles.filter(lead_media__isnull=False).exists()
    assert set(articles.values_list("language", flat=True)) <= {"en", "ar"}
    for article in articles.filter(status=Article.Status.PUBLISHED):
        assert datetime.date(2005, 1, 1) <= article.publish_at.date() <= datetime.date(2017, 12, 31)
        assert article.word_count >= 100
    # Search finds a generated article by its headline, with its author.
    article = articles.public().filter(language="en").order_by("pk").first()
    found = search_articles(f'"{article.headline}"')
    assert article.pk in [a.pk for a in found.items]
    author = ArticleAuthor.objects.filter(article=article).select_related("author").first()
    assert article.pk in [a.pk for a in search_articles(f'"{author.author.name}"').items] or (
        search_articles(f'"{author.author.name}"').total > 0
    )


def test_articles_are_written_in_publication_order():
    build(50)
    dates = [
        d for d in synthetic().order_by("pk").values_list("created_at", flat=True) if d is not None
    ]
    assert dates == sorted(dates)


def test_ids_continue_after_a_run():
    build(30, media=9)
    # The sequences were moved past the ids the run wrote itself: ordinary
    # writes afterwards do not collide.
    article = make_article(headline="Written after the archive")
    assert article.pk > synthetic().aggregate(m=Max("pk"))["m"]
    photo = MediaAsset.objects.create(title="After", source_url="upload:after")
    assert photo.pk > MediaAsset.objects.exclude(pk=photo.pk).aggregate(m=Max("pk"))["m"]
    link = ArticleAuthor.objects.create(
        article=article, author=ArticleAuthor.objects.first().author, position=0
    )
    assert link.pk > ArticleAuthor.objects.exclude(pk=link.pk).aggregate(m=Max("pk"))["m"]
    tag = Article.tags.through.objects.first().tag
    tag_link = Article.tags.through.objects.create(article=article, tag=tag)
    assert (
        tag_link.pk
        > Article.tags.through.objects.exclude(pk=tag_link.pk).aggregate(m=Max("pk"))["m"]
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_postgres_index_matches_a_rebuild_and_gin_is_in_place():
    from articles.search import rebuild_index

    build(25)
    with connection.cursor() as cursor:
        cursor.execute("SELECT article_id, vector::text FROM articles_searchdocument")
        written = dict(cursor.fetchall())
        rebuild_index()
        cursor.execute("SELECT article_id, vector::text FROM articles_searchdocument")
        assert dict(cursor.fetchall()) == written
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'search_document_vector_gin'"
        )
        assert "USING gin (vector)" in cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_postgres_run_indexes_articles_an_interrupted_run_left_unindexed():
    build(20)
    orphan = synthetic().order_by("pk").last()
    SearchDocument.objects.filter(article=orphan).delete()
    build(25)
    assert SearchDocument.objects.filter(article=orphan).exists()
    assert indexed_ids() >= set(synthetic().values_list("pk", flat=True))


def test_story_tags_are_a_long_tail_of_rare_tags_each_of_one_moment():
    """Besides the subjects and places spread over the years, each run of
    STORY_SPAN consecutive articles has a story tag on some of them: rare
    tags whose articles are all of a few days (the lists a walk of the date
    index serves worst, see ArticleQuerySet.linked_to)."""
    from articles.management.commands.generate_archive import STORY_SPAN
    from articles.models import Tag

    build(6 * STORY_SPAN, media=10)
    stories = Tag.objects.filter(slug__startswith="story-")
    assert stories.count() == 6
    links = Article.tags.through.objects.filter(tag__in=stories)
    tagged = 0
    for tag in stories:
        numbers = [
            int(legacy[1:])
            for legacy in links.filter(tag=tag).values_list("article__legacy_id", flat=True)
        ]
        tagged += len(numbers)
        k = int(tag.slug.removeprefix("story-"))
        assert all(n // STORY_SPAN == k for n in numbers), (tag.slug, numbers)
    assert 0.15 * 6 * STORY_SPAN < tagged < 0.45 * 6 * STORY_SPAN  # STORY_SHARE is 0.3
    common = Article.tags.through.objects.exclude(tag__in=stories)
    assert common.values("tag").distinct().count() > 50  # the subjects and places
    # An article still has at most four tags, a story's among them.
    assert max(synthetic().annotate(n=Count("tags")).values_list("n", flat=True)) <= 4


def test_elections_are_big_tags_of_one_autumn_or_of_several_years_apart():
    """ELECTION_SHARE of the articles of each election's autumn carry
    "General elections" and that year's tag, and no other article does: big terms
    whose articles are all of a few weeks, or in spells years apart (the
    walks ArticleQuerySet.linked_to starts at the term's nearest article)."""
    from articles.management.commands.generate_archive import (
        ELECTION_MONTHS,
        ELECTION_SHARE,
        ELECTION_YEARS,
    )

    build(1500, media=10)
    links = Article.tags.through.objects.select_related("tag", "article")
    by_year = {}
    for link in links.filter(tag__slug__startswith="general-elections"):
        created = link.article.created_at
        assert created.year in ELECTION_YEARS and created.month in ELECTION_MONTHS
        if link.tag.slug != "general-elections":
            assert link.tag.slug == f"general-elections-{created.year}"
            by_year.setdefault(created.year, set()).add(link.article_id)
    every = set(links.filter(tag__slug="general-elections").values_list("article_id", flat=True))
    assert every == set().union(*by_year.values())
    assert set(by_year) == set(ELECTION_YEARS)
    in_season = synthetic().filter(
        created_at__year__in=ELECTION_YEARS, created_at__month__in=ELECTION_MONTHS
    )
    assert 0.6 * ELECTION_SHARE < len(every) / in_season.count() < 1.4 * ELECTION_SHARE
