"""articles.archive_months: the months that the archive index and the sitemap
index list, kept in ArchiveMonth, stay equal to a count of ``public()`` after
every kind of change (save, move, delete, scheduled publication, rights
expiry, bulk writes, a new time zone), at a cost that does not grow with the
archive."""

import datetime
import io
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import archive_months
from articles.archive_months import mark_changed, public_months
from articles.models import ArchiveMonth, Article
from articles.tests import wxr_samples as samples
from articles.tests.factories import (
    hidden_variants,
    make_article,
    make_category,
    open_transaction_elsewhere,
)

# Real commits: the month counts are marked once a writer's transaction
# commits (articles.archive_months), as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def _at(year, month, day=10, hour=12):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, 0))


def counted(**kwargs) -> dict:
    return {(m.date.year, m.date.month): m.count for m in public_months(**kwargs)}


def truth() -> dict:
    """The old way: one aggregate of every public article."""
    rows = (
        Article.objects.public()
        .order_by()
        .annotate(month=TruncMonth("publish_at"))
        .values("month")
        .annotate(n=Count("id"))
    )
    months = ((timezone.localtime(row["month"]), row["n"]) for row in rows)
    return {(month.year, month.month): n for month, n in months}


def queries(fn) -> int:
    """Statements ``fn`` runs, transaction control aside: with real commits
    SQLite logs the BEGIN IMMEDIATE and COMMIT of a write-back (PostgreSQL's
    driver opens and ends transactions without a logged statement)."""
    with CaptureQueriesContext(connection) as ctx:
        fn()
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
    return sum(not q["sql"].upper().startswith(control) for q in ctx.captured_queries)


def test_counts_follow_saves_moves_and_deletes():
    section = make_category()
    march = [make_article(section=section, publish_at=_at(2015, 3, day)) for day in (1, 2, 3)]
    make_article(section=section, publish_at=_at(2015, 7))
    hidden_variants(section)  # draft, in review, withdrawn, scheduled, expired: never counted
    assert counted() == truth()
    assert counted()[(2015, 3)] == 3 and counted()[(2015, 7)] == 1

    march[0].status = Article.Status.WITHDRAWN
    march[0].save()
    assert counted()[(2015, 3)] == 2

    march[1].publish_at = _at(2016, 1)  # moves out of March, into a new month
    march[1].save()
    assert counted()[(2015, 3)] == 1 and counted()[(2016, 1)] == 1

    march[2].delete()
    assert (2015, 3) not in counted()
    assert counted() == truth()
    assert counted(year=2016) == {(2016, 1): 1}


def test_sitemap_lastmod_is_the_months_last_change():
    article = make_article(publish_at=_at(2015, 3))
    make_article(publish_at=_at(2015, 3, 20))
    public_months()
    article.headline = "Edited"
    article.save()
    (month,) = public_months()
    article.refresh_from_db()
    assert month.lastmod == article.updated_at


def test_a_read_costs_one_query_and_a_change_one_recount():
    for day in (1, 2):
        make_article(publish_at=_at(2015, 3, day))
    other = make_article(publish_at=_at(2016, 5))
    public_months()
    assert queries(public_months) == 1
    other.headline = "Changed"
    other.save()
    # The rows, then May 2016's recount and its write-back; March is untouched.
    assert queries(public_months) == 3
    assert queries(public_months) == 1


def test_scheduled_article_is_counted_when_its_time_comes():
    now = timezone.now()
    scheduled = make_article(publish_at=now + datetime.timedelta(hours=1))
    month = (timezone.localtime(scheduled.publish_at).year, scheduled.publish_at.month)
    assert month not in counted()
    row = ArchiveMonth.objects.get(month=archive_months.month_of(scheduled.publish_at))
    assert row.valid_until == scheduled.publish_at  # no write needed: the time is known
    with mock.patch("django.utils.timezone.now", return_value=now + datetime.timedelta(hours=2)):
        assert counted()[month] == 1
        assert counted() == truth()


def test_expired_rights_leave_the_count_when_they_expire():
    now = timezone.now()
    make_article(publish_at=_at(2015, 3), expires_at=now + datetime.timedelta(hours=1))
    make_article(publish_at=_at(2015, 3, 20))
    assert counted()[(2015, 3)] == 2
    with mock.patch("django.utils.timezone.now", return_value=now + datetime.timedelta(hours=2)):
        assert counted()[(2015, 3)] == 1
        assert counted() == truth()


def test_a_recount_that_a_writer_overtakes_is_not_kept():
    make_article(publish_at=_at(2015, 3))
    public_months()
    (row,) = ArchiveMonth.objects.all()
    late = make_article(publish_at=_at(2015, 3, 20))  # raises the version meanwhile
    archive_months._recount(row, timezone.now())  # counted from the version read before
    stored = ArchiveMonth.objects.get(pk=row.pk)
    assert stored.counted_version < stored.version  # still to be recounted
    assert counted()[(2015, 3)] == 2
    late.delete()
    assert counted()[(2015, 3)] == 1


def test_a_new_time_zone_rebuilds_the_months(settings):
    make_article(publish_at=timezone.make_aware(datetime.datetime(2015, 3, 31, 22, 30)))
    assert counted() == {(2015, 3): 1}
    settings.TIME_ZONE = "Asia/Riyadh"  # UTC+3: 1 April, 01:30
    assert counted() == {(2015, 4): 1}
    assert set(ArchiveMonth.objects.values_list("tzname", flat=True)) == {"Asia/Riyadh"}
    assert counted() == truth()


def test_many_changed_months_are_recounted_in_one_aggregate():
    for i in range(archive_months.MAX_RECOUNTS + 6):
        make_article(publish_at=_at(2005 + i // 12, 1 + i % 12))
    # The rows, the rebuild (lock, rows, aggregate, delete, insert, in a
    # savepoint here) and the rows again:
    # not two queries per month.
    assert queries(public_months) <= 10
    assert counted() == truth()
    assert queries(public_months) == 1


def test_readers_queued_behind_a_rebuild_do_not_count_again():
    for i in range(archive_months.MAX_RECOUNTS + 6):
        make_article(publish_at=_at(2005 + i // 12, 1 + i % 12))
    public_months()  # the first reader counted every month
    with CaptureQueriesContext(connection) as ctx:
        archive_months.rebuild(force=False)  # the next one, let in after it
    assert not any("articles_article" in q["sql"] for q in ctx.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        archive_months.rebuild()  # the command counts whatever the rows say
    assert any("articles_article" in q["sql"] for q in ctx.captured_queries)


def test_bulk_writers_mark_their_months(tmp_path):
    from articles.importers.wordpress import ImportOptions, import_wordpress

    make_article(publish_at=_at(2015, 3, 20))
    public_months()
    path = tmp_path / "export.xml"
    path.write_text(samples.document([samples.post(n) for n in range(1, 6)]), encoding="utf-8")
    import_wordpress(path=path, options=ImportOptions(batch_size=500))  # the bulk path
    assert counted() == truth() == {(2015, 3): 6}

    call_command("generate_archive", articles=12, media=2, verbosity=0)
    assert queries(public_months) == 1  # counted by the command
    assert counted() == truth()


def test_marking_nothing_costs_nothing():
    assert queries(lambda: mark_changed([None])) == 0


def test_archive_and_sitemap_pages_list_the_kept_months(client):
    make_article(publish_at=_at(2015, 3))
    scheduled = make_article(publish_at=timezone.now() + datetime.timedelta(days=40))
    html = client.get("/archive/").content.decode()
    assert 'href="/archive/2015/3/"' in html
    future = timezone.localtime(scheduled.publish_at)
    assert f'href="/archive/{future.year}/{future.month}/"' not in html
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "/sitemaps/articles-2015-3.xml" in sitemap
    assert f"/sitemaps/articles-{future.year}-{future.month}.xml" not in sitemap


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_reader_never_waits_for_a_writers_lock():
    make_article(publish_at=_at(2015, 3))
    public_months()
    make_article(publish_at=_at(2015, 3, 5))  # committed: March is to be recounted

    def write():
        make_article(publish_at=_at(2015, 3, 20))  # March is marked at the commit
        # What rebuild() takes first (and a mark, for a moment).
        list(ArchiveMonth.objects.select_for_update().only("pk"))

    with open_transaction_elsewhere(write):
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # a wait would fail the read
        try:
            # Recounted without the uncommitted article; the write-back,
            # which would wait for the lock, is skipped.
            assert counted()[(2015, 3)] == 2
            row = ArchiveMonth.objects.get(month=datetime.date(2015, 3, 1))
            assert row.counted_version < row.version
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    assert counted()[(2015, 3)] == 3


def test_rebuild_command_counts_what_a_raw_write_left_out():
    article = make_article(publish_at=_at(2015, 3))
    public_months()
    Article.objects.filter(pk=article.pk).update(publish_at=_at(2015, 4))  # no signal
    assert counted() == {(2015, 3): 1}  # what the table still says
    out = io.StringIO()
    call_command("rebuild_archive_months", stdout=out)
    assert "Counted 1 months." in out.getvalue()
    assert counted() == truth() == {(2015, 4): 1}


def test_marks_wait_for_the_commit_and_are_dropped_with_a_rollback():
    article = make_article(publish_at=_at(2015, 3))
    assert counted() == {(2015, 3): 1}
    (row,) = ArchiveMonth.objects.all()
    with transaction.atomic():
        article.status = Article.Status.WITHDRAWN
        article.save()
        # Not yet: a mark now would hold the month's row until the commit.
        assert ArchiveMonth.objects.get(pk=row.pk).version == row.version
    assert ArchiveMonth.objects.get(pk=row.pk).version > row.version
    assert counted() == truth() == {}
    version = ArchiveMonth.objects.get(pk=row.pk).version
    with pytest.raises(RuntimeError), transaction.atomic():
        article.status = Article.Status.PUBLISHED
        article.save()
        raise RuntimeError("rolled back")
    assert ArchiveMonth.objects.get(pk=row.pk).version == version
    assert counted() == truth() == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
def test_an_open_save_holds_no_lock_on_its_month():
    """Editors saving articles of the same month (this month, for most of
    them) do not wait for each other's transactions: the month's row is
    marked once a save has committed."""
    make_article(publish_at=_at(2015, 3))
    assert counted() == {(2015, 3): 1}
    with (
        open_transaction_elsewhere(lambda: make_article(publish_at=_at(2015, 3, 20))),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # Another editor's mark of March: it would wait for the first
        # editor's commit if that transaction held the row.
        cursor.execute(
            "SELECT 1 FROM articles_archivemonth WHERE month = %s FOR UPDATE NOWAIT",
            [datetime.date(2015, 3, 1)],
        )
        assert cursor.fetchone() == (1,)
    assert counted() == truth() == {(2015, 3): 2}
