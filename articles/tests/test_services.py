import datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from articles import services
from articles.models import Article
from articles.tests.factories import make_article, make_author, make_category, make_tag

pytestmark = pytest.mark.django_db


def _user(name, *codenames):
    user = User.objects.create_user(name, password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def writer():
    return _user("writer", "add_article", "change_article")


@pytest.fixture
def editor():
    return _user("editor", "add_article", "change_article", "publish_article")


def test_writer_creates_a_draft_with_ordered_authors(writer):
    a, b = make_author(name="B"), make_author(name="A")
    article = services.article_create(
        user=writer, headline="New", section=make_category(), authors=[a, b], tags=[make_tag()]
    )
    assert article.status == Article.Status.DRAFT
    assert article.created_by == writer and article.slug == "new"
    assert Article.objects.for_listing().get(pk=article.pk).ordered_authors == [a, b]


def test_user_without_add_permission_is_refused():
    reader = _user("reader")
    with pytest.raises(PermissionDenied):
        services.article_create(user=reader, headline="x", section=make_category())
    assert not Article.objects.exists()


def test_status_cannot_be_set_through_update(editor):
    article = make_article(status=Article.Status.DRAFT, publish_at=None)
    with pytest.raises(ValidationError):
        services.article_update(article=article, user=editor, status="published")
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT


def test_writer_submits_but_cannot_publish(writer, editor):
    article = services.article_create(user=writer, headline="Mine", section=make_category())
    article = services.article_submit(article=article, user=writer)
    assert article.status == Article.Status.REVIEW
    with pytest.raises(PermissionDenied):
        services.article_publish(article=article, user=writer)
    assert Article.objects.get(pk=article.pk).status == Article.Status.REVIEW
    published = services.article_publish(article=article, user=editor)
    assert published.status == Article.Status.PUBLISHED and published.is_public
    assert published.first_published_at is not None


def test_writer_cannot_edit_someone_elses_or_a_published_article(writer, editor):
    other = make_article(status=Article.Status.DRAFT, publish_at=None, created_by=editor)
    with pytest.raises(PermissionDenied):
        services.article_update(article=other, user=writer, headline="Hijacked")
    own_published = make_article(created_by=writer)
    with pytest.raises(PermissionDenied):
        services.article_update(article=own_published, user=writer, headline="Changed")
    assert Article.objects.get(pk=other.pk).headline != "Hijacked"
    assert services.article_update(article=own_published, user=editor, headline="Fixed")


def test_schedule_needs_a_future_time_and_is_public_only_then(editor):
    article = make_article(status=Article.Status.REVIEW, publish_at=None)
    with pytest.raises(ValidationError):
        services.article_schedule(
            article=article, user=editor, publish_at=timezone.now() - datetime.timedelta(1)
        )
    later = timezone.now() + datetime.timedelta(hours=2)
    scheduled = services.article_schedule(article=article, user=editor, publish_at=later)
    assert scheduled.status == Article.Status.PUBLISHED and scheduled.publish_at == later
    assert not Article.objects.public().filter(pk=article.pk).exists()


def test_withdraw_takes_an_article_off_and_needs_permission(writer, editor):
    article = make_article()
    with pytest.raises(PermissionDenied):
        services.article_withdraw(article=article, user=writer)
    services.article_withdraw(article=article, user=editor)
    assert not Article.objects.public().filter(pk=article.pk).exists()


def test_invalid_transition_has_a_clear_message(editor):
    article = make_article(status=Article.Status.DRAFT, publish_at=None)
    with pytest.raises(ValidationError, match="draft cannot become withdrawn"):
        services.article_withdraw(article=article, user=editor)


def test_stale_version_is_refused_and_nothing_changes(editor):
    article = make_article(headline="Original")
    loaded_version = article.version
    services.article_update(
        article=article, user=editor, expected_version=loaded_version, headline="First save"
    )
    with pytest.raises(services.EditConflict, match="editor saved this article"):
        services.article_update(
            article=article, user=editor, expected_version=loaded_version, headline="Second"
        )
    current = Article.objects.get(pk=article.pk)
    assert current.headline == "First save"
    assert current.version == loaded_version + 1
