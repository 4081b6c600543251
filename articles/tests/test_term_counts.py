"""articles.term_counts: the public article counts of sections, tags and
authors (the taxonomy API's ``article_count``), kept in TermCount, stay equal
to a count of ``public()`` after every kind of change (a save, a move, a
removed tag or byline, a delete, scheduled publication, rights expiry, bulk
writes), at a cost that does not grow with the archive."""

import datetime
import io
import random
import threading
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from articles import services, term_counts
from articles.models import Article, ArticleAuthor, Author, Category, Tag, TermCount
from articles.search import reindex_articles
from articles.term_counts import Kind, mark_terms, public_counts
from articles.tests import wxr_samples as samples
from articles.tests.factories import (
    hidden_variants,
    make_article,
    make_author,
    make_category,
    make_tag,
    open_transaction_elsewhere,
)

# Transactions that commit: the marks are written once a writer's
# transaction has committed (transaction.on_commit), as on the site.
pytestmark = pytest.mark.django_db(transaction=True)

MODELS = {Kind.SECTION: Category, Kind.TAG: Tag, Kind.AUTHOR: Author}


def truth(kind) -> dict:
    """The old way: one aggregate of the public articles of every term."""
    ids = MODELS[kind].objects.values_list("pk", flat=True)
    rows = (
        Article.objects.public()
        .filter(**{f"{kind}__in": ids})
        .order_by()
        .values_list(kind)
        .annotate(n=Count("pk"))
    )
    return {pk: dict(rows).get(pk, 0) for pk in ids}


def kept(kind) -> dict:
    return public_counts(kind, MODELS[kind].objects.values_list("pk", flat=True))


def assert_all_true():
    for kind in Kind:
        assert kept(kind) == truth(kind), kind


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")


def queries(fn) -> int:
    """Statements ``fn`` runs, leaving out the transaction's own (SQLite logs
    the write-back's BEGIN and COMMIT when no test transaction wraps it)."""
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return sum(not q["sql"].startswith(TRANSACTION_CONTROL) for q in ctx.captured_queries)


def byline(article, *authors):
    """A byline set as the admin and the API set it (articles.services)."""
    services._set_authors(article, authors)


def test_counts_follow_saves_moves_and_deletes():
    world, sport = make_category(), make_category()
    oil, gas = make_tag(), make_tag()
    reporter = make_author()
    articles = [make_article(section=world, tags=[oil, gas]) for _ in range(3)]
    for article in articles:
        byline(article, reporter)
    hidden = hidden_variants(world)  # draft, in review, withdrawn, scheduled, expired
    for article in hidden.values():
        article.tags.set([oil])
        byline(article, reporter)
    assert kept(Kind.SECTION)[world.pk] == 3
    assert kept(Kind.TAG) == {oil.pk: 3, gas.pk: 3}
    assert kept(Kind.AUTHOR) == {reporter.pk: 3}

    articles[0].status = Article.Status.WITHDRAWN
    articles[0].save()
    assert kept(Kind.TAG)[oil.pk] == 2 and kept(Kind.AUTHOR)[reporter.pk] == 2
    assert kept(Kind.SECTION)[world.pk] == 2

    articles[1].section = sport  # leaves World for Sport
    articles[1].save()
    assert kept(Kind.SECTION) == {world.pk: 1, sport.pk: 1}

    articles[2].delete()  # its tags and byline go with it
    assert kept(Kind.TAG) == {oil.pk: 1, gas.pk: 1}
    assert kept(Kind.AUTHOR) == {reporter.pk: 1}
    assert kept(Kind.SECTION) == {world.pk: 0, sport.pk: 1}
    hidden["draft"].status = Article.Status.PUBLISHED  # published at last
    hidden["draft"].publish_at = timezone.now() - datetime.timedelta(minutes=1)
    hidden["draft"].save()
    assert kept(Kind.TAG)[oil.pk] == 2
    assert_all_true()


def test_counts_follow_every_way_of_changing_tags():
    oil, gas, coal = make_tag(), make_tag(), make_tag()
    first, second = make_article(tags=[oil, gas]), make_article(tags=[oil])
    assert kept(Kind.TAG) == {oil.pk: 2, gas.pk: 1, coal.pk: 0}
    first.tags.remove(gas)  # forward remove
    assert kept(Kind.TAG)[gas.pk] == 0
    first.tags.add(coal)  # forward add
    assert kept(Kind.TAG)[coal.pk] == 1
    oil.articles.remove(second)  # reverse remove
    assert kept(Kind.TAG)[oil.pk] == 1
    gas.articles.add(first, second)  # reverse add
    assert kept(Kind.TAG)[gas.pk] == 2
    first.tags.clear()  # forward clear: the tags it had
    assert kept(Kind.TAG) == {oil.pk: 0, gas.pk: 1, coal.pk: 0}
    gas.articles.clear()  # reverse clear
    assert kept(Kind.TAG)[gas.pk] == 0
    second.tags.set([oil, coal])  # set: remove and add
    assert kept(Kind.TAG) == truth(Kind.TAG) == {oil.pk: 1, gas.pk: 0, coal.pk: 1}


def test_counts_follow_bylines_set_moved_and_removed():
    ann, bob = make_author(), make_author()
    article = make_article()
    byline(article, ann)
    assert kept(Kind.AUTHOR) == {ann.pk: 1, bob.pk: 0}
    byline(article, bob)  # the services' path: delete the rows, bulk-create new ones
    assert kept(Kind.AUTHOR) == {ann.pk: 0, bob.pk: 1}
    link = ArticleAuthor.objects.get(article=article)
    link.author = ann  # an inline form's edit of the row: it leaves Bob
    link.save()
    assert kept(Kind.AUTHOR) == {ann.pk: 1, bob.pk: 0}
    link.delete()
    assert kept(Kind.AUTHOR) == truth(Kind.AUTHOR) == {ann.pk: 0, bob.pk: 0}


def test_api_writes_keep_the_counts_right():
    from articles.tests.test_api import EDITOR, api_client

    section = make_category()
    oil, gas = make_tag(), make_tag()
    client = api_client(*EDITOR)
    kept(Kind.TAG)  # counted before the writes
    created = client.post(
        "/api/v1/articles/",
        {"headline": "Pipeline opens", "body": "<p>Text.</p>", "section": section.pk,
         "tags": [oil.pk, gas.pk]},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert kept(Kind.TAG) == {oil.pk: 0, gas.pk: 0}  # a draft
    published = client.post(f"/api/v1/articles/{pk}/publish/", format="json")
    assert published.status_code == 200, published.content
    assert kept(Kind.TAG) == {oil.pk: 1, gas.pk: 1}
    etag = client.get(f"/api/v1/articles/{pk}/").headers["ETag"]
    changed = client.patch(
        f"/api/v1/articles/{pk}/", {"tags": [gas.pk]}, format="json", HTTP_IF_MATCH=etag
    )
    assert changed.status_code == 200, changed.content
    listed = client.get("/api/v1/tags/").json()["results"]
    tags = {row["id"]: row["article_count"] for row in listed}
    assert tags == {oil.pk: 0, gas.pk: 1} == truth(Kind.TAG)
    taxonomist = api_client("articles.delete_tag")
    assert taxonomist.delete(f"/api/v1/tags/{gas.pk}/").status_code == 204
    assert not TermCount.objects.filter(kind=Kind.TAG, term_id=gas.pk).exists()


def test_scheduled_article_is_counted_when_its_time_comes():
    tag, other = make_tag(), make_tag()
    now = timezone.now()
    scheduled = make_article(tags=[tag], publish_at=now + datetime.timedelta(hours=1))
    make_article(tags=[other])
    assert kept(Kind.TAG) == {tag.pk: 0, other.pk: 1}  # one write-back for both
    row = TermCount.objects.get(kind=Kind.TAG, term_id=tag.pk)
    assert row.valid_until == scheduled.publish_at  # no write needed: the time is known
    assert TermCount.objects.get(kind=Kind.TAG, term_id=other.pk).valid_until is None
    with mock.patch("django.utils.timezone.now", return_value=now + datetime.timedelta(hours=2)):
        assert kept(Kind.TAG) == truth(Kind.TAG) == {tag.pk: 1, other.pk: 1}


def test_expired_rights_leave_the_count_when_they_expire():
    section = make_category()
    now = timezone.now()
    make_article(section=section, expires_at=now + datetime.timedelta(hours=1))
    make_article(section=section)
    assert kept(Kind.SECTION) == {section.pk: 2}
    with mock.patch("django.utils.timezone.now", return_value=now + datetime.timedelta(hours=2)):
        assert kept(Kind.SECTION) == truth(Kind.SECTION) == {section.pk: 1}


def test_a_page_costs_one_query_and_a_change_one_recount_for_the_page():
    tags = [make_tag() for _ in range(20)]
    for tag in tags:
        make_article(tags=[tag])
    ids = [tag.pk for tag in tags]
    # Marked by their writers: the rows, one aggregate for the page and one
    # UPDATE, whatever the page's size.
    assert queries(lambda: public_counts(Kind.TAG, ids)) == 3
    assert queries(lambda: public_counts(Kind.TAG, ids)) == 1
    TermCount.objects.all().delete()  # as after the migration that made the table
    # The rows (none), their insert, the rows again, the aggregate, the UPDATE.
    assert queries(lambda: public_counts(Kind.TAG, ids)) == 5
    assert queries(lambda: public_counts(Kind.TAG, ids)) == 1
    make_article(tags=tags[:7])
    # The rows, then one aggregate and one UPDATE for the 7 changed tags.
    assert queries(lambda: public_counts(Kind.TAG, ids)) == 3
    assert public_counts(Kind.TAG, ids) == truth(Kind.TAG)
    assert queries(lambda: public_counts(Kind.TAG, ids)) == 1


def test_a_rename_marks_nothing():
    tag = make_tag()
    make_article(tags=[tag])
    kept(Kind.TAG)
    tag.name = "Renamed"
    tag.save()  # reindexes its articles for search, but changes no count
    row = TermCount.objects.get(kind=Kind.TAG, term_id=tag.pk)
    assert row.counted_version == row.version


def test_a_recount_that_a_writer_overtakes_is_not_kept():
    tag = make_tag()
    make_article(tags=[tag])
    kept(Kind.TAG)
    row = TermCount.objects.get(kind=Kind.TAG, term_id=tag.pk)
    late = make_article(tags=[tag])  # raises the version meanwhile
    term_counts._recount(Kind.TAG, [row], timezone.now())  # from the version read before
    stored = TermCount.objects.get(pk=row.pk)
    assert stored.counted_version < stored.version  # still to be recounted
    assert kept(Kind.TAG) == {tag.pk: 2}
    late.delete()
    assert kept(Kind.TAG) == {tag.pk: 1}


def test_writers_create_the_rows_they_mark_in_one_statement():
    tags = [make_tag() for _ in range(3)]
    assert not TermCount.objects.exists()
    article = make_article(tags=tags, authors=[make_author()])
    # The section, the tags and the author, none counted yet.
    assert TermCount.objects.filter(counted_version=0).count() == 5
    assert queries(lambda: term_counts.mark_articles([article.pk])) == 1
    assert queries(lambda: mark_terms(Kind.TAG, [tags[0].pk, None])) == 1
    assert queries(lambda: mark_terms(Kind.TAG, [None])) == 0
    assert queries(lambda: term_counts.mark_articles([])) == 0


def test_bulk_writers_keep_the_counts_right(tmp_path):
    from articles.importers.wordpress import ImportOptions, import_wordpress

    make_article(tags=[make_tag(slug="news")])
    assert_all_true()
    path = tmp_path / "export.xml"
    path.write_text(samples.document([samples.post(n) for n in range(1, 6)]), encoding="utf-8")
    import_wordpress(path=path, options=ImportOptions(batch_size=500))  # the bulk path
    assert Article.objects.count() == 6
    assert_all_true()

    call_command("generate_archive", articles=12, media=2, verbosity=0)
    assert_all_true()


def test_generate_archive_counts_every_term():
    call_command("generate_archive", articles=30, media=3, verbosity=0)
    assert TermCount.objects.exists()
    assert not TermCount.objects.exclude(counted_version=1).exists()  # counted, not marked
    for kind in Kind:
        ids = list(MODELS[kind].objects.values_list("pk", flat=True))
        assert queries(lambda kind=kind, ids=ids: public_counts(kind, ids)) == 1  # no recount
    assert_all_true()


def test_a_row_made_while_rebuild_counts_is_kept_uncounted():
    tag = make_tag()
    make_article(tags=[tag])
    real_bulk_create = TermCount.objects.bulk_create

    def meanwhile(rows, **kwargs):
        # A reader or a mark makes the tag's row between the rebuild's
        # DELETE and its INSERT (a term that had no row).
        TermCount.objects.filter(kind=Kind.TAG, term_id=tag.pk).delete()
        real_bulk_create([TermCount(kind=Kind.TAG, term_id=tag.pk)])
        return real_bulk_create(rows, **kwargs)

    with mock.patch.object(TermCount.objects, "bulk_create", side_effect=meanwhile):
        term_counts.rebuild()
    row = TermCount.objects.get(kind=Kind.TAG, term_id=tag.pk)
    assert row.counted_version < row.version  # the other's row, to be counted
    assert kept(Kind.TAG) == truth(Kind.TAG) == {tag.pk: 1}


def test_rebuild_command_counts_what_a_raw_write_left_out():
    tag = make_tag()
    article = make_article(tags=[tag])
    assert kept(Kind.TAG) == {tag.pk: 1}
    Article.objects.filter(pk=article.pk).update(status=Article.Status.WITHDRAWN)  # no signal
    assert kept(Kind.TAG) == {tag.pk: 1}  # what the table still says
    out = io.StringIO()
    call_command("rebuild_term_counts", stdout=out)
    assert "Counted" in out.getvalue()
    assert kept(Kind.TAG) == truth(Kind.TAG) == {tag.pk: 0}


def test_reindex_after_a_raw_write_marks_the_terms():
    """The documented rule for bulk writers: reindex_articles() after a write
    that sends no signal also marks the counts."""
    tag = make_tag()
    article = make_article(tags=[tag])
    assert kept(Kind.TAG) == {tag.pk: 1}
    Article.objects.filter(pk=article.pk).update(status=Article.Status.WITHDRAWN)
    reindex_articles([article.pk])
    assert kept(Kind.TAG) == {tag.pk: 0}


def test_taxonomy_api_lists_the_kept_counts(settings):
    settings.API_RESPONSE_CACHE_SECONDS = 0
    section = make_category()
    tag, author = make_tag(), make_author()
    for variant in hidden_variants(section).values():
        variant.tags.set([tag])
    article = make_article(section=section, tags=[tag])
    byline(article, author)
    client = APIClient()
    paths = [f"/api/v1/tags/{tag.pk}/", f"/api/v1/authors/{author.pk}/",
             f"/api/v1/categories/{section.pk}/"]  # fmt: skip
    assert [client.get(path).json()["article_count"] for path in paths] == [1, 1, 1]
    article.status = Article.Status.WITHDRAWN
    article.save()
    assert [client.get(path).json()["article_count"] for path in paths] == [0, 0, 0]


def test_marks_wait_for_the_commit_and_are_dropped_with_a_rollback():
    tag = make_tag()
    article = make_article(tags=[tag])
    kept(Kind.TAG)
    version = TermCount.objects.get(kind=Kind.TAG, term_id=tag.pk).version
    with transaction.atomic():
        article.status = Article.Status.WITHDRAWN
        article.save()
        # Not yet: a mark now would hold the row until the commit.
        assert TermCount.objects.get(kind=Kind.TAG, term_id=tag.pk).version == version
    assert TermCount.objects.get(kind=Kind.TAG, term_id=tag.pk).version > version
    assert kept(Kind.TAG) == {tag.pk: 0}
    version = TermCount.objects.get(kind=Kind.TAG, term_id=tag.pk).version
    with pytest.raises(RuntimeError), transaction.atomic():
        article.status = Article.Status.PUBLISHED
        article.save()
        raise RuntimeError("rolled back")
    assert TermCount.objects.get(kind=Kind.TAG, term_id=tag.pk).version == version
    assert kept(Kind.TAG) == truth(Kind.TAG) == {tag.pk: 0}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
def test_concurrent_saves_of_articles_with_terms_in_common_never_deadlock():
    """Four editors saving articles that share a section, tags and authors:
    with the marks written inside the transactions, 36 of 240 such saves
    failed with "deadlock detected"."""
    from django.contrib.auth.models import User

    user = User.objects.create_superuser("chief", "chief@example.com", "x")
    section = make_category()
    tags = [make_tag() for _ in range(6)]
    authors = [make_author() for _ in range(3)]
    articles = [make_article(section=section, tags=tags[:2]) for _ in range(4)]
    errors = []

    def editor(seed):
        rng = random.Random(seed)
        try:
            for i in range(25):
                article = Article.objects.get(pk=rng.choice(articles).pk)
                try:
                    services.article_update(
                        article=article, user=user, headline=f"Edit {seed}.{i}",
                        tags=rng.sample(tags, 3), authors=rng.sample(authors, 2),
                    )  # fmt: skip
                except Exception as error:  # noqa: BLE001 - every failure is the finding
                    errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=editor, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert_all_true()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
def test_a_reader_never_waits_for_a_rebuilds_lock():
    tag = make_tag()
    make_article(tags=[tag])
    kept(Kind.TAG)
    make_article(tags=[tag])  # committed and marked: the tag is to be recounted

    def hold_like_rebuild():
        # What rebuild() takes first (and a mark, for a moment).
        list(TermCount.objects.select_for_update().only("pk"))

    with open_transaction_elsewhere(hold_like_rebuild):
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # a wait would fail the read
        try:
            # Recounted; the write-back, which would wait for the lock, is skipped.
            assert kept(Kind.TAG) == {tag.pk: 2}
            row = TermCount.objects.get(kind=Kind.TAG, term_id=tag.pk)
            assert row.counted_version < row.version
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    assert kept(Kind.TAG) == {tag.pk: 2}
    row = TermCount.objects.get(kind=Kind.TAG, term_id=tag.pk)
    assert row.counted_version == row.version


def test_the_demo_archive_is_counted_right():
    from articles.demo import load_demo

    kept(Kind.AUTHOR)  # rows before the load, as on a site that was read
    load_demo()
    assert any(kept(Kind.AUTHOR).values())
    assert_all_true()
