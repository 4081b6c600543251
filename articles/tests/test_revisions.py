"""Revisions: recorded on every save, diffed by field and paragraph, reverted
as a new revision, kept when related rows go."""

import pytest
from django.contrib.auth.models import Group, User

from articles import services
from articles.models import Article
from articles.revisions import body_diff, revision_diff
from articles.tests.factories import make_article, make_category
from media_assets.tests.factories import make_media

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    user = User.objects.create_user("ed", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return User.objects.get(pk=user.pk)


def test_a_save_from_any_path_keeps_a_revision():
    # A plain save() (as an importer or the demo loader does) is recorded too.
    article = make_article(headline="First")
    article.headline = "Second"
    article.save()
    assert list(article.history.order_by("history_id").values_list("headline", flat=True)) == [
        "First",
        "Second",
    ]


def test_diff_lists_changed_fields_and_body_paragraphs(editor):
    old_section, new_section = make_category(name="Opinion"), make_category(name="World")
    article = services.article_create(
        user=editor,
        headline="Talks <b>resume</b>",
        section=old_section,
        body="<p>One.</p><p>Two words here.</p><p>Three.</p>",
    )
    services.article_update(
        article=article,
        user=editor,
        headline="Talks stall",
        section=new_section,
        body="<p>One.</p><p>Two new words here.</p><p>Four.</p>",
    )
    old, new = article.history.order_by("history_id")
    changes = {c.name: c for c in revision_diff(old, new)}
    assert set(changes) == {"headline", "section_id", "body"}
    assert (changes["headline"].old, changes["headline"].new) == (
        "Talks <b>resume</b>",
        "Talks stall",
    )
    assert (changes["section_id"].old, changes["section_id"].new) == ("Opinion", "World")
    kinds = [(p.kind, p.old, p.new) for p in changes["body"].paragraphs]
    assert kinds[0] == ("equal", "One.", "One.")
    assert kinds[1][0] == "change"
    assert [(s.kind, s.text) for s in changes["body"].paragraphs[1].segments] == [
        ("equal", "Two"),
        ("insert", " new"),
        ("equal", " words here."),
    ]
    assert kinds[2] == ("change", "Three.", "Four.")


def test_body_diff_of_added_and_removed_paragraphs():
    changes = body_diff("<p>A</p><p>B</p>", "<p>B</p><p>C</p>")
    assert [(c.kind, c.old or c.new) for c in changes] == [
        ("delete", "A"),
        ("equal", "B"),
        ("insert", "C"),
    ]


def test_revert_restores_content_as_a_new_revision(editor):
    article = services.article_create(
        user=editor, headline="Good", body="<p>Good text.</p>", section=make_category()
    )
    article = services.article_update(article=article, user=editor, headline="Bad", body="<p>x</p>")
    good = article.history.order_by("history_id").first()
    reverted = services.article_revert(
        article=article, revision=good, user=editor, expected_version=article.version
    )
    assert (reverted.headline, reverted.body) == ("Good", "<p>Good text.</p>")
    latest = reverted.history.order_by("-history_id").first()
    assert latest.history_change_reason == f"Reverted to revision {good.history_id}"
    assert reverted.history.count() == 3


def test_revert_with_a_stale_version_is_refused(editor):
    article = services.article_create(user=editor, headline="A", section=make_category())
    first = article.history.get()
    services.article_update(article=article, user=editor, headline="B")
    with pytest.raises(services.EditConflict):
        services.article_revert(article=article, revision=first, user=editor, expected_version=1)
    assert Article.objects.get(pk=article.pk).headline == "B"


def test_revisions_survive_deleting_the_photo_section_and_user(editor):
    photo = make_media(media_id=55384539)
    section = make_category(name="Gone")
    article = services.article_create(
        user=editor, headline="Keep me", section=section, lead_media=photo
    )
    services.article_update(article=article, user=editor, lead_media=None, section=make_category())
    photo.delete()
    section.delete()
    old, new = article.history.order_by("history_id")
    changes = {c.name: c for c in revision_diff(old, new)}
    assert changes["section_id"].old == f"#{old.section_id} (deleted)"
    assert changes["lead_media_id"].old == f"#{old.lead_media_id} (deleted)"
    User.objects.filter(pk=editor.pk).delete()
    assert article.history.count() == 2
    assert set(article.history.values_list("history_user", flat=True)) == {None}
    # Reverting to a revision whose section is gone keeps the current section.
    admin = User.objects.create_superuser("root", "r@example.com", "pw")
    current = Article.objects.get(pk=article.pk)
    reverted = services.article_revert(article=current, revision=old, user=admin)
    assert reverted.section_id == current.section_id and reverted.lead_media_id is None
