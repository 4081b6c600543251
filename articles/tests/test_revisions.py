"""Revisions: recorded on every save, diffed by field and paragraph, reverted
as a new revision, kept when related rows go."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from articles import services
from articles.models import Article
from articles.revisions import body_diff, revision_diff
from articles.tests.factories import (
    make_article,
    make_author,
    make_category,
    make_tag,
)
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


# --- authors, tags and categories ------------------------------------------------


def named(*objects):
    return [{"id": obj.pk, "name": obj.name} for obj in objects]


def test_revisions_keep_relations_set_through_the_services(editor):
    ann, bob = make_author(name="Ann"), make_author(name="Bob")
    climate, energy = make_tag(name="Climate"), make_tag(name="Energy")
    europe = make_category(name="Europe")
    article = services.article_create(
        user=editor,
        headline="A",
        section=make_category(),
        authors=[bob, ann],
        tags=[energy, climate],
        categories=[europe],
    )
    article = services.article_update(article=article, user=editor, tags=[energy])
    # A transition changes no relation: its revision copies them as stored.
    services.article_submit(article=article, user=editor)
    created, edited, submitted = article.history.order_by("history_id")
    assert created.relations == {
        "authors": named(bob, ann),  # byline order, not alphabetical
        "categories": named(europe),
        "tags": named(climate, energy),
    }
    assert edited.relations == {
        "authors": named(bob, ann),
        "categories": named(europe),
        "tags": named(energy),
    }
    assert submitted.relations == edited.relations


def test_an_update_takes_the_relations_snapshot_once(editor, monkeypatch):
    from articles import revisions

    taken = []
    real = revisions.relations_snapshot
    monkeypatch.setattr(
        revisions, "relations_snapshot", lambda ids: taken.append(list(ids)) or real(ids)
    )
    article = services.article_create(user=editor, headline="A", section=make_category())
    taken.clear()
    # Relations changed: recorded once they are set, not also by save().
    article = services.article_update(article=article, user=editor, tags=[make_tag(name="T")])
    assert taken == [[article.pk]]
    # None changed: the save() copies them as stored, once.
    article = services.article_update(article=article, user=editor, headline="B")
    assert taken == [[article.pk], [article.pk]]
    # The instance handed back records its own snapshot on a later save().
    article.headline = "C"
    article.save()
    assert len(taken) == 3
    assert article.history.order_by("-history_id")[0].relations["tags"] == [
        {"id": article.tags.get().pk, "name": "T"}
    ]


def admin_form(article, **overrides):
    data = {
        "headline": article.headline,
        "slug": article.slug,
        "dek": "",
        "body": article.body,
        "byline": "",
        "section": article.section_id,
        "language": "en",
        "lead_caption": "",
        "seo_title": "",
        "seo_description": "",
        "legacy_source": "",
        "legacy_id": "",
        "legacy_url": "",
        "loaded_version": article.version,
        "article_authors-TOTAL_FORMS": "0",
        "article_authors-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_revisions_keep_relations_saved_through_the_admin_form(editor):
    ann, bob = make_author(name="Ann"), make_author(name="Bob")
    climate, energy = make_tag(name="Climate"), make_tag(name="Energy")
    europe = make_category(name="Europe")
    article = services.article_create(user=editor, headline="A", section=make_category())
    client = Client()
    client.force_login(editor)
    # Tags and categories are form fields (set by the service); the authors
    # are an inline saved after it. "Submit" records a second revision.
    response = client.post(
        f"/admin/articles/article/{article.pk}/change/",
        admin_form(
            article,
            tags=[climate.pk, energy.pk],
            categories=[europe.pk],
            _submit="1",
            **{
                "article_authors-TOTAL_FORMS": "2",
                "article_authors-0-author": bob.pk,
                "article_authors-0-position": "0",
                "article_authors-1-author": ann.pk,
                "article_authors-1-position": "1",
            },
        ),
    )
    assert response.status_code == 302
    created, edited, submitted = article.history.order_by("history_id")
    saved = {
        "authors": named(bob, ann),
        "categories": named(europe),
        "tags": named(climate, energy),
    }
    assert created.relations == {"authors": [], "categories": [], "tags": []}
    assert edited.relations == saved
    assert submitted.relations == saved
    assert [c.name for c in revision_diff(created, edited)] == ["authors", "categories", "tags"]


def test_diff_lists_added_and_removed_tags_and_a_new_author_order(editor):
    ann, bob, cy = make_author(name="Ann"), make_author(name="Bob"), make_author(name="Cy")
    climate, energy, water = (
        make_tag(name="Climate"),
        make_tag(name="Energy"),
        make_tag(name="Water"),
    )
    article = services.article_create(
        user=editor,
        headline="A",
        section=make_category(),
        authors=[ann, bob],
        tags=[climate, energy],
    )
    services.article_update(article=article, user=editor, authors=[bob, ann], tags=[energy, water])
    services.article_update(article=article, user=editor, authors=[bob, cy])
    first, second, third = article.history.order_by("history_id")
    changes = {c.name: c for c in revision_diff(first, second)}
    assert set(changes) == {"authors", "tags"}
    tags = changes["tags"]
    assert (tags.label, tags.old, tags.new) == ("Tags", "Climate, Energy", "Energy, Water")
    assert (tags.added, tags.removed, tags.reordered) == (["Water"], ["Climate"], False)
    authors = changes["authors"]
    assert (authors.old, authors.new) == ("Ann, Bob", "Bob, Ann")
    assert (authors.added, authors.removed, authors.reordered) == ([], [], True)
    # Replacing the second author is not a re-order.
    (authors,) = revision_diff(second, third)
    assert (authors.added, authors.removed, authors.reordered) == (["Cy"], ["Ann"], False)


def test_revert_restores_authors_tags_and_categories(editor):
    ann, bob = make_author(name="Ann"), make_author(name="Bob")
    climate, energy, gone = make_tag(name="Climate"), make_tag(name="Energy"), make_tag(name="Gone")
    europe, asia = make_category(name="Europe"), make_category(name="Asia")
    article = services.article_create(
        user=editor,
        headline="Good",
        section=make_category(),
        authors=[ann, bob],
        tags=[climate, gone],
        categories=[europe],
    )
    good = article.history.get()
    article = services.article_update(
        article=article, user=editor, authors=[bob], tags=[energy], categories=[asia]
    )
    gone.delete()  # a tag deleted since is left out, not an error
    reverted = services.article_revert(
        article=article, revision=good, user=editor, expected_version=article.version
    )
    assert [a.name for a in reverted.ordered_authors] == ["Ann", "Bob"]
    assert list(reverted.tags.values_list("name", flat=True)) == ["Climate"]
    assert list(reverted.categories.values_list("name", flat=True)) == ["Europe"]
    assert reverted.history.count() == 3
    latest = reverted.history.order_by("-history_id").first()
    assert latest.history_change_reason == f"Reverted to revision {good.history_id}"
    assert latest.relations == {
        "authors": named(ann, bob),
        "categories": named(europe),
        "tags": named(climate),
    }


def test_revert_to_a_revision_without_a_snapshot_keeps_the_relations(editor):
    climate = make_tag(name="Climate")
    article = services.article_create(user=editor, headline="Old", section=make_category())
    old = article.history.get()
    Article.history.model.objects.filter(pk=old.pk).update(relations=None)  # before this field
    article = services.article_update(article=article, user=editor, headline="New", tags=[climate])
    old.refresh_from_db()
    assert [c.name for c in revision_diff(old, article.history.latest())] == ["headline"]
    reverted = services.article_revert(article=article, revision=old, user=editor)
    assert reverted.headline == "Old"
    assert list(reverted.tags.all()) == [climate]


def test_tag_names_are_escaped_in_the_admin_diff(editor):
    hostile = make_tag(name='<img src=x onerror="alert(1)">', slug="hostile")
    article = services.article_create(user=editor, headline="A", section=make_category())
    services.article_update(article=article, user=editor, tags=[hostile])
    old, new = article.history.order_by("history_id")
    client = Client()
    client.force_login(editor)
    page = client.get(
        f"/admin/articles/article/{article.pk}/revisions/compare/",
        {"a": old.history_id, "b": new.history_id},
    ).content.decode()
    body = page.split("<body")[1]
    assert "Added: <ins>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</ins>" in body
    assert "<img src=x" not in body
