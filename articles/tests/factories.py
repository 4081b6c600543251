"""Factory helpers: ``make_article(**overrides)`` and friends."""

import datetime
import itertools
import threading
from contextlib import contextmanager

from django.db import connections, transaction
from django.utils import timezone

from articles.html import strip_tags
from articles.models import Article, ArticleAuthor, Author, Category, Tag

_seq = itertools.count(1)


def make_category(**overrides) -> Category:
    n = next(_seq)
    fields = {"name": f"Section {n}", "slug": f"section-{n}"}
    fields.update(overrides)
    return Category.objects.create(**fields)


def make_author(**overrides) -> Author:
    n = next(_seq)
    fields = {"name": f"Author {n}", "slug": f"author-{n}"}
    fields.update(overrides)
    return Author.objects.create(**fields)


def make_tag(**overrides) -> Tag:
    n = next(_seq)
    fields = {"name": f"Tag {n}", "slug": f"tag-{n}"}
    fields.update(overrides)
    return Tag.objects.create(**fields)


def make_article(*, authors=(), tags=(), categories=(), **overrides) -> Article:
    """A published, public article unless the overrides say otherwise."""
    n = next(_seq)
    fields = {
        "headline": f"Headline number {n}",
        "body": f"<p>Body of article {n}.</p>",
        "status": Article.Status.PUBLISHED,
        "publish_at": timezone.now() - datetime.timedelta(hours=n),
    }
    fields.update(overrides)
    if "section" not in fields:
        fields["section"] = make_category()
    article = Article.objects.create(**fields)
    ArticleAuthor.objects.bulk_create(
        ArticleAuthor(article=article, author=author, position=i)
        for i, author in enumerate(authors)
    )
    article.tags.set(tags)
    article.categories.set(categories)
    return article


def hidden_variants(section: Category) -> dict[str, Article]:
    """One article for every way of not being public."""
    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    return {
        "draft": make_article(section=section, status=Article.Status.DRAFT, publish_at=None),
        "review": make_article(section=section, status=Article.Status.REVIEW, publish_at=None),
        "withdrawn": make_article(section=section, status=Article.Status.WITHDRAWN),
        "scheduled": make_article(section=section, publish_at=now + hour),
        "expired": make_article(section=section, publish_at=now - 2 * hour, expires_at=now - hour),
    }


def warm_search_statistics() -> None:
    """Read the search column's statistics (PostgreSQL), as a running
    process has them (articles.search._lexeme_shares: once in
    STATISTICS_SECONDS), so that query budgets count a search's own
    queries."""
    from django.db import connection

    from articles import search

    if connection.vendor == "postgresql":
        search._lexeme_shares()


def visible_text(html: str) -> str:
    """A page as a reader sees it: tags removed, entities decoded."""
    return strip_tags(html)


@contextmanager
def open_transaction_elsewhere(work):
    """Run ``work`` in a transaction on another connection (a thread of its
    own) and keep that transaction open while the block runs: what an
    editor's save or a rebuild holds while a reader goes on. Needs real
    commits (``django_db(transaction=True)``) to be seen by the block."""
    ready, release = threading.Event(), threading.Event()
    failures = []

    def hold():
        try:
            with transaction.atomic():
                work()
                ready.set()
                release.wait(10)
        except Exception as error:  # noqa: BLE001 - reported by the caller's thread
            failures.append(error)
            ready.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert ready.wait(10), "the other transaction did not start"
        assert not failures, failures
        yield
    finally:
        release.set()
        thread.join(10)
    assert not failures, failures
