"""Scale: the same number of queries whatever the archive size, and (on
PostgreSQL) the main queries planned on their indexes.

Archives come from ``generate_archive`` at a few small sizes; what matters is
that nothing grows with the size (speed itself is measured in bench/)."""

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, Category
from articles.search import search_articles
from articles.tests.factories import warm_search_statistics

pytestmark = pytest.mark.django_db

SIZES = (12, 60)


def build(size):
    call_command("generate_archive", articles=size, media=size // 3, verbosity=0)


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def measure(client, admin_client):
    # The same article, section and words at every size (the first ones
    # written), so that only the archive size changes between measurements.
    article = Article.objects.public().filter(language="en").select_related("section")
    article = article.order_by("pk").first()
    section, year = article.section, article.publish_at.year
    word = article.headline.split()[-1]

    def get(c, url):
        return lambda: c.get(url).status_code == 200 or pytest.fail(url)

    warm_search_statistics()  # as a running process has them

    return {
        "search": queries(lambda: search_articles("government oil")),
        "search_filtered": queries(
            lambda: search_articles(word, section=section, year=year)
        ),
        "search_page": queries(get(client, "/search/?q=government")),
        "article_page": queries(get(client, article.get_absolute_url())),
        "section_page": queries(get(client, section.get_absolute_url())),
        "archive_year": queries(get(client, f"/archive/{year}/")),
        "api_list": queries(
            get(client, "/api/v1/articles/?page_size=50&expand=authors,section,lead_media,tags")
        ),
        "api_search": queries(
            get(client, "/api/v1/articles/?q=government&expand=authors,section,lead_media,tags")
        ),
        "admin_changelist": queries(get(admin_client, "/admin/articles/article/")),
    }


def test_query_counts_do_not_grow_with_the_archive(client, admin_client, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    counts = []
    built = 0
    for size in SIZES:
        build(size)
        built = size
        counts.append(measure(client, admin_client))
    assert Article.objects.filter(legacy_source="synthetic").count() == built
    assert counts[0] == counts[1]
    budgets = {  # DESIGN.md §7
        "article_page": 8,
        "section_page": 10,
        "archive_year": 10,
        "api_list": 8,
        # Ranked best first (PostgreSQL, a rare word): the statistics, the
        # GIN probe, the ranking, then the page and its prefetches.
        "api_search": 8,
        "search": 5,
        "search_filtered": 6,
    }
    for name, budget in budgets.items():
        assert counts[-1][name] <= budget, (name, counts[-1][name])


def test_generate_archive_is_idempotent_and_indexed():
    build(10)
    build(10)
    assert Article.objects.filter(legacy_source="synthetic").count() == 10
    headline = Article.objects.filter(language="en").first().headline
    assert search_articles(f'"{headline}"').total >= 1


# --- PostgreSQL plans ------------------------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN plans and GIN indexes are PostgreSQL's"
)


def plan(queryset, *, bitmap=False, ordered=False) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # A test table is tiny, so a sequential scan (or walking the primary
        # key) would always win; with them disabled the plan shows which index
        # serves the query, as it does on a big archive (see bench/).
        cursor.execute("SET LOCAL enable_seqscan = off")
        if bitmap:
            cursor.execute("SET LOCAL enable_indexscan = off")
        if ordered:  # listings: the index must deliver the order (no sort)
            cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        text = "\n".join(row[0] for row in cursor.fetchall())
        for name in ("enable_seqscan", "enable_indexscan", "enable_sort"):
            cursor.execute(f"RESET {name}")
    return text


@postgres_only
def test_main_queries_use_their_indexes():
    build(30)
    section = Category.objects.filter(parent__isnull=True).order_by("position").first()
    from articles.models import SearchDocument
    from articles.search import _pg_query, parse_query

    # search_articles() narrows the documents with vector @@ tsquery first.
    search = SearchDocument.objects.filter(vector=_pg_query(parse_query("oil"), None))
    assert "Bitmap Index Scan on search_document_vector_gin" in plan(search, bitmap=True)
    assert "article_section_pub_idx" in plan(
        Article.objects.public().filter(section=section).order_by("-publish_at", "-id")[:20],
        ordered=True,
    )
    # public() lists: article_status_pub_idx, or article_pub_idx with the
    # status as a filter when nearly every article is published (the
    # planner's choice, on a 30-row table as on a million); either delivers
    # the order, and ordered=True refuses a sort.
    public_plan = plan(Article.objects.public().order_by("-publish_at", "-id")[:20], ordered=True)
    assert re.search(r"using article_(status_)?pub_idx ", public_plan), public_plan
    # A status that few articles have (the admin's filter) is read by status.
    drafts = Article.objects.filter(status=Article.Status.DRAFT).order_by("-publish_at", "-id")
    assert "using article_status_pub_idx " in plan(drafts[:20], ordered=True)
    # The admin changelist: every status, newest first.
    changelist = Article.objects.order_by("-publish_at", "-id")[:100]
    assert "using article_pub_idx " in plan(changelist, ordered=True)
    # The API's other orderings (the cursor's order, both ways).
    for order, index in [
        (("-updated_at", "-id"), "article_updated_idx"),
        (("updated_at", "id"), "article_updated_idx"),
        (("headline", "id"), "article_headline_idx"),
        (("-headline", "-id"), "article_headline_idx"),
    ]:
        api_plan = plan(Article.objects.public().order_by(*order)[:21], ordered=True)
        assert f"using {index} " in api_plan, (order, api_plan)
    # Writers and editors: every status, by publication or creation time.
    from django.db.models.functions import Coalesce

    sees_all = Article.objects.annotate(published_sort=Coalesce("publish_at", "created_at"))
    for order in (("-published_sort", "-id"), ("published_sort", "id")):
        api_plan = plan(sees_all.order_by(*order)[:21], ordered=True)
        assert "using article_published_sort_idx " in api_plan, (order, api_plan)


@postgres_only
def test_the_covering_index_by_id_carries_what_public_reads():
    """Migration 0014 (PostgreSQL only): the search's candidates and the
    taxonomy counts test public() from this index, not the table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'article_public_by_id_idx'"
        )
        (definition,) = cursor.fetchone()
    assert "(id) INCLUDE (status, publish_at, expires_at, section_id, language)" in definition


def _explain(sql, params) -> str:
    """EXPLAIN of raw SQL as ``plan(ordered=True)`` does for a queryset: on a
    test's tiny tables a scan of the term's links and a sort cost nothing,
    so the index that delivers the order is what the plan must show."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        text = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_sort")
    return text


@postgres_only
def test_a_big_terms_walk_is_bounded_from_the_links_date_indexes(monkeypatch):
    """linked_to reads a big term's newest public article, and walk_from its
    nearest one past a cursor, from the links' date indexes (migration
    articles.0019): one probe per term, not a read of its links."""
    from articles import models
    from articles.models import ArticleAuthor, Tag

    build(30)
    monkeypatch.setattr(models, "SMALL_TERM_MIN", 0)  # every term is big: the walk
    monkeypatch.setattr(models, "SMALL_TERM_FACTOR", 0)
    tag = Tag.objects.filter(articles__isnull=False).first()
    author_id = ArticleAuthor.objects.values_list("author_id", flat=True).first()
    for relation, term, index in [
        ("tags", tag.pk, "article_tags_by_tag_date_idx"),
        ("authors", author_id, "article_author_by_author_date_idx"),
    ]:
        with CaptureQueriesContext(connection) as captured:
            walk = Article.objects.public().linked_to(relation, [term])
        (first,) = captured.captured_queries
        # The captured SQL has its values in place: EXPLAIN it as it ran.
        assert index in _explain(first["sql"], None), relation
        stamp = Article.objects.public().order_by("publish_at").last().publish_at
        page = walk.walk_from(stamp).order_by("-publish_at", "-id")[:20]
        assert index in plan(page, ordered=True), relation


@postgres_only
def test_related_articles_are_read_from_the_section_and_tag_date_indexes():
    """The article page's related articles (ArticleQuerySet.newest_sharing):
    the section's newest from its date index, each tag's newest from its
    links' date index, never a sort of a whole section or tag."""
    build(30)
    article = Article.objects.public().filter(tags__isnull=False).first()
    tag_ids = list(article.tags.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as captured:
        ids = (
            Article.objects.public()
            .exclude(pk=article.pk)
            .newest_sharing(article.section_id, tag_ids, 4)
        )
    assert 0 < len(ids) <= 4 and article.pk not in ids
    (statement,) = captured.captured_queries
    explained = _explain(statement["sql"], None)
    assert "article_section_pub_idx" in explained, explained
    assert "article_tags_by_tag_date_idx" in explained, explained
