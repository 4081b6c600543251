"""Roles (groups from the data migration) and the workflow through services."""

import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from articles import services
from articles.models import Article
from articles.tests.factories import make_category

pytestmark = pytest.mark.django_db
Status = Article.Status


def member(name, group):
    user = User.objects.create_user(name, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return User.objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def writer():
    return member("writer", "Writers")


@pytest.fixture
def editor():
    return member("editor", "Editors")


def test_roles_exist_with_their_permissions():
    perms = {
        group.name: {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        for group in Group.objects.prefetch_related("permissions__content_type")
    }
    assert "articles.publish_article" in perms["Editors"]
    assert "articles.publish_article" not in perms["Writers"]
    assert {"articles.add_article", "articles.change_article"} <= perms["Writers"]
    assert "articles.delete_article" not in perms["Writers"]
    assert "media_assets.change_mediaasset" in perms["Photo desk"]
    assert not any(p.startswith("articles.") for p in perms["Photo desk"])


def test_a_day_of_an_article(writer, editor):
    article = services.article_create(user=writer, headline="Budget", section=make_category())
    article = services.article_submit(article=article, user=writer)
    assert article.status == Status.REVIEW
    article = services.article_publish(article=article, user=editor)
    assert article.status == Status.PUBLISHED and article.is_public
    first = article.first_published_at
    article = services.article_withdraw(article=article, user=editor)
    assert article.status == Status.WITHDRAWN and not article.is_public
    article = services.article_publish(article=article, user=editor)
    assert Article.objects.get(pk=article.pk).first_published_at == first


def test_writer_is_refused_publishing_scheduling_and_withdrawing(writer, editor):
    article = services.article_create(user=writer, headline="Mine", section=make_category())
    later = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(PermissionDenied):
        services.article_publish(article=article, user=writer)
    with pytest.raises(PermissionDenied):
        services.article_schedule(article=article, user=writer, publish_at=later)
    published = services.article_publish(article=article, user=editor)
    with pytest.raises(PermissionDenied):
        services.article_withdraw(article=published, user=writer)
    assert Article.objects.get(pk=article.pk).status == Status.PUBLISHED


def test_writer_cannot_edit_someone_elses_article(writer, editor):
    theirs = services.article_create(user=editor, headline="Theirs", section=make_category())
    with pytest.raises(PermissionDenied):
        services.article_update(article=theirs, user=writer, headline="Mine now")
    assert Article.objects.get(pk=theirs.pk).headline == "Theirs"


def test_scheduled_article_appears_at_its_time_without_cron(editor):
    article = services.article_create(user=editor, headline="Later", section=make_category())
    later = timezone.now() + datetime.timedelta(hours=2)
    article = services.article_schedule(article=article, user=editor, publish_at=later)
    assert not Article.objects.public().filter(pk=article.pk).exists()
    Article.objects.filter(pk=article.pk).update(publish_at=timezone.now())
    assert Article.objects.public().filter(pk=article.pk).exists()


def test_invalid_transitions_say_why(writer, editor):
    article = services.article_create(user=writer, headline="Draft", section=make_category())
    with pytest.raises(ValidationError, match="draft cannot become withdrawn"):
        services.article_withdraw(article=article, user=editor)
    with pytest.raises(ValidationError, match="must be in the future"):
        services.article_schedule(
            article=article, user=editor, publish_at=timezone.now() - datetime.timedelta(hours=1)
        )


def test_every_transition_is_a_revision_with_a_reason(writer, editor):
    article = services.article_create(user=writer, headline="Tracked", section=make_category())
    article = services.article_submit(article=article, user=writer)
    article = services.article_publish(article=article, user=editor)
    history = list(article.history.order_by("history_id"))
    assert [(h.history_change_reason, h.history_user) for h in history] == [
        ("Created", writer),
        ("Submitted for review", writer),
        ("Published", editor),
    ]
