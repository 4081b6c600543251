"""The article admin as writers and editors use it: workflow buttons, refused
publishing, no lost updates, soft lock, preview, revisions, changelist."""

import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from articles import services
from articles.models import Article
from articles.tests.factories import make_article, make_author, make_category, make_tag
from media_assets.tests.factories import make_media

pytestmark = pytest.mark.django_db
Status = Article.Status
ADD_URL = "/admin/articles/article/add/"


def member(name, group):
    user = User.objects.create_user(name, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def writer():
    return member("wendy", "Writers")


@pytest.fixture
def editor():
    return member("eddie", "Editors")


def directives(header):
    return {part.strip() for part in header.split(",")}


def change_url(article, suffix=""):
    return f"/admin/articles/article/{article.pk}/change/{suffix}"


def form_data(article=None, **overrides):
    data = {
        "headline": article.headline if article else "Fresh story",
        "slug": article.slug if article else "fresh-story",
        "dek": "",
        "body": article.body if article else "<p>Text.</p>",
        "byline": "",
        "section": article.section_id if article else make_category().pk,
        "language": "en",
        "lead_caption": "",
        "seo_title": "",
        "seo_description": "",
        "legacy_source": "",
        "legacy_id": "",
        "legacy_url": "",
        "article_authors-TOTAL_FORMS": "0",
        "article_authors-INITIAL_FORMS": "0",
    }
    if article is not None:
        data["loaded_version"] = article.version
    data.update(overrides)
    return data


def test_writer_writes_and_submits_through_the_admin(writer):
    client = client_for(writer)
    response = client.post(ADD_URL, form_data(body="<p>Hi <script>x()</script></p>", _submit="1"))
    assert response.status_code == 302
    article = Article.objects.get()
    assert (article.status, article.created_by, article.updated_by) == (
        Status.REVIEW,
        writer,
        writer,
    )
    assert "<script" not in article.body
    page = client.get(change_url(article)).content.decode()
    assert 'name="_publish"' not in page
    assert 'name="_submit"' not in page  # already in review


def test_admin_form_drops_javascript_links_and_event_handlers(writer):
    body = (
        '<p onclick="steal()">Hi <a href="javascript:alert(1)" onmouseover="x()">one</a> '
        '<a href="JaVaScRiPt:alert(2)">two</a> <a href="https://example.com/">ok</a></p>'
    )
    response = client_for(writer).post(ADD_URL, form_data(body=body))
    assert response.status_code == 302
    assert Article.objects.get().body == (
        '<p>Hi <a rel="noopener noreferrer">one</a> <a rel="noopener noreferrer">two</a> '
        '<a href="https://example.com/" rel="noopener noreferrer">ok</a></p>'
    )


def test_writer_sets_the_authors_of_a_draft_in_the_admin(writer):
    ann, bob = make_author(name="Ann"), make_author(name="Bob")
    response = client_for(writer).post(
        ADD_URL,
        form_data(
            **{
                "article_authors-TOTAL_FORMS": "2",
                "article_authors-0-author": bob.pk,
                "article_authors-0-position": "0",
                "article_authors-1-author": ann.pk,
                "article_authors-1-position": "1",
            }
        ),
    )
    assert response.status_code == 302
    assert [a.name for a in Article.objects.get().ordered_authors] == ["Bob", "Ann"]


def test_writer_who_tries_to_publish_is_refused(writer):
    article = services.article_create(user=writer, headline="Mine", section=make_category())
    response = client_for(writer).post(change_url(article), form_data(article, _publish="1"))
    assert response.status_code == 200
    assert "You do not have permission to publish articles." in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT


def test_writer_gets_no_bulk_publish_action(writer):
    article = services.article_create(user=writer, headline="Mine", section=make_category())
    client = client_for(writer)
    page = client.get("/admin/articles/article/").content.decode()
    assert "publish_selected" not in page
    client.post(
        "/admin/articles/article/",
        {"action": "publish_selected", "_selected_action": [article.pk], "index": 0},
    )
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT


def test_writer_cannot_change_someone_elses_article(writer, editor):
    theirs = services.article_create(user=editor, headline="Theirs", section=make_category())
    client = client_for(writer)
    response = client.post(change_url(theirs), form_data(theirs, headline="Mine now"))
    assert response.status_code == 403
    assert Article.objects.get(pk=theirs.pk).headline == "Theirs"
    preview = client.post(f"/admin/articles/article/{theirs.pk}/preview/", form_data(theirs))
    assert preview.status_code == 403


def test_editor_publishes_and_schedules_with_the_buttons(editor):
    article = make_article(status=Status.REVIEW, publish_at=None)
    client = client_for(editor)
    response = client.post(change_url(article), form_data(article, _publish="1"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED and article.is_public
    later = timezone.localtime(timezone.now() + datetime.timedelta(days=2)).replace(microsecond=0)
    other = make_article(status=Status.DRAFT, publish_at=None)
    client.post(
        change_url(other),
        form_data(
            other,
            publish_at_0=later.strftime("%Y-%m-%d"),
            publish_at_1=later.strftime("%H:%M:%S"),
            _publish="1",
        ),
    )
    other.refresh_from_db()
    assert other.status == Status.PUBLISHED and other.publish_at == later
    assert not other.is_public


def test_saving_over_a_newer_version_is_refused_and_keeps_the_text(editor):
    rival = member("rita", "Editors")
    article = make_article(headline="Original", body="<p>Original.</p>")
    loaded = form_data(article)  # both open version 1
    client_for(rival).post(change_url(article), {**loaded, "headline": "Rita's headline"})
    response = client_for(editor).post(
        change_url(article), {**loaded, "headline": "Eddie's headline", "body": "<p>Mine.</p>"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "rita saved this article at" in page
    assert "Your changes were not saved" in page
    assert 'value="Eddie&#x27;s headline"' in page
    assert "&lt;p&gt;Mine.&lt;/p&gt;" in page
    assert Article.objects.get(pk=article.pk).headline == "Rita's headline"


def test_a_conflict_found_at_write_time_shows_the_form_again(editor, monkeypatch):
    # The form check passed, then the service's conditional UPDATE found a
    # newer version (a save that landed in between). The write was rolled
    # back; the admin runs the form again instead of failing with a 500.
    article = make_article(headline="Original")
    real_update = services.article_update
    calls = []

    def update_losing_the_race(**kwargs):
        calls.append(kwargs["headline"])
        if len(calls) == 1:
            raise services.EditConflict(Article.objects.get(pk=article.pk))
        return real_update(**kwargs)

    monkeypatch.setattr(services, "article_update", update_losing_the_race)
    response = client_for(editor).post(change_url(article), form_data(article, headline="Late"))
    assert response.status_code == 302
    assert calls == ["Late", "Late"]


def test_soft_lock_names_who_is_editing(editor):
    rival = member("rita", "Editors")
    article = make_article()
    assert "Being edited by" not in client_for(rival).get(change_url(article)).content.decode()
    page = client_for(editor).get(change_url(article)).content.decode()
    assert "Being edited by rita since" in page
    heartbeat = client_for(editor).post(f"/admin/articles/article/{article.pk}/lock/")
    assert heartbeat.json()["held_by"] == "rita"


def test_preview_of_a_draft_is_private_and_noindex(editor):
    article = make_article(headline="Secret draft", status=Status.DRAFT, publish_at=None)
    response = client_for(editor).get(f"/admin/articles/article/{article.pk}/preview/")
    assert response.status_code == 200
    assert {"private", "no-store"} <= directives(response["Cache-Control"])
    assert response["X-Robots-Tag"] == "noindex"
    assert "Secret draft" in response.content.decode()


def test_preview_of_unsaved_changes_saves_nothing(editor):
    article = make_article(headline="Saved headline")
    revisions = article.history.count()
    response = client_for(editor).post(
        f"/admin/articles/article/{article.pk}/preview/",
        form_data(article, headline="Unsaved headline", body="<p>Draft <em>text</em></p>"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Unsaved headline" in page and "<em>text</em>" in page
    assert {"private", "no-store"} <= directives(response["Cache-Control"])
    assert response["X-Robots-Tag"] == "noindex"
    assert Article.objects.get(pk=article.pk).headline == "Saved headline"
    assert article.history.count() == revisions


def test_preview_of_a_new_article_saves_nothing(writer):
    response = client_for(writer).post(
        "/admin/articles/article/preview/", form_data(headline="Not yet")
    )
    assert response.status_code == 200
    assert "Not yet" in response.content.decode()
    assert not Article.objects.exists()


def test_reader_cannot_preview(client):
    article = make_article(status=Status.DRAFT, publish_at=None)
    client.force_login(User.objects.create_user("reader", password="pw"))
    response = client.get(f"/admin/articles/article/{article.pk}/preview/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_revisions_page_compare_and_revert(editor):
    article = services.article_create(
        user=editor, headline="Good <script>", body="<p>Good.</p>", section=make_category()
    )
    article = services.article_update(
        article=article, user=editor, headline="Bad", body="<p>Bad.</p>"
    )
    good, bad = article.history.order_by("history_id")
    client = client_for(editor)
    page = client.get(f"/admin/articles/article/{article.pk}/history/").content.decode()
    assert "Created" in page and "Edited" in page and "eddie" in page
    diff = client.get(
        f"/admin/articles/article/{article.pk}/revisions/compare/",
        {"a": bad.history_id, "b": good.history_id},
    ).content.decode()
    assert "Good &lt;script&gt;" in diff and "<script>" not in diff.split("<body")[1]
    assert '<p class="diff-change"><del>Good.</del><ins>Bad.</ins></p>' in diff
    response = client.post(
        f"/admin/articles/article/{article.pk}/revisions/{good.history_id}/revert/",
        {"expected_version": article.version},
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.headline, article.body) == ("Good <script>", "<p>Good.</p>")
    assert article.history.count() == 3


def test_writer_cannot_revert_someone_elses_article(writer, editor):
    article = services.article_create(user=editor, headline="A", section=make_category())
    article = services.article_update(article=article, user=editor, headline="B")
    first = article.history.order_by("history_id").first()
    response = client_for(writer).post(
        f"/admin/articles/article/{article.pk}/revisions/{first.history_id}/revert/",
        {"expected_version": article.version},
    )
    assert response.status_code == 403
    assert Article.objects.get(pk=article.pk).headline == "B"


def test_bulk_actions_report_what_they_did(editor):
    section = make_category()
    draft = make_article(section=section, status=Status.DRAFT, publish_at=None, headline="D")
    live = make_article(section=section, headline="L")
    client = client_for(editor)
    response = client.post(
        "/admin/articles/article/",
        {"action": "withdraw_selected", "_selected_action": [draft.pk, live.pk], "index": 0},
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert texts == [
        "Withdrawn 1 article: “L”.",
        "Not withdrawn (1): “D” (An article that is draft cannot become withdrawn.)",
    ]
    later = timezone.now() + datetime.timedelta(days=1)
    client.post(
        "/admin/articles/article/",
        {
            "action": "schedule_selected",
            "_selected_action": [draft.pk],
            "index": 0,
            "publish_at": timezone.localtime(later).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED and draft.publish_at > timezone.now()


def test_changelist_filters(editor, writer):
    section = make_category()
    author = make_author(name="Kim")
    mine = services.article_create(user=writer, headline="Writer's", section=section)
    kims = make_article(section=section, authors=[author], headline="Kim's")
    make_article(
        section=section, publish_at=timezone.now() + datetime.timedelta(days=1), headline="Soon"
    )
    client = client_for(editor)

    def headlines(**params):
        cl = client.get("/admin/articles/article/", params).context["cl"]
        return sorted(a.headline for a in cl.result_list)

    assert headlines(author=author.pk) == ["Kim's"]
    assert headlines(scheduled="scheduled") == ["Soon"]
    assert headlines(status="draft") == [mine.headline]
    assert (
        client_for(writer)
        .get("/admin/articles/article/", {"mine": "created"})
        .context["cl"]
        .result_list[0]
        == mine
    )
    assert kims.pk


def test_changelist_query_budget_for_100_rows(editor, django_assert_max_num_queries):
    section = make_category()
    authors = [make_author() for _ in range(3)]
    tags = [make_tag() for _ in range(3)]
    for _ in range(100):
        make_article(section=section, lead_media=make_media(), authors=authors, tags=tags)
    client = client_for(editor)
    # 1 session, 2 user, 3 user permissions, 4 group permissions, 5 count,
    # 6 full count, 7 date hierarchy, 8 rows (+section, lead photo), 9 authors
    # prefetch, 10 section filter choices, 11 author filter choices.
    with django_assert_max_num_queries(15):
        response = client.get("/admin/articles/article/")
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 100


def test_media_lookup_for_the_editor(editor):
    make_media(media_id=55384539, caption="Putin", credit="REUTERS/Yuri Maltsev", with_file=True)
    client = client_for(editor)
    data = client.get("/admin/articles/article/media-lookup/", {"media_id": "55384539"}).json()
    assert data["media_id"] == 55384539 and data["caption"] == "Putin"
    assert data["src"].startswith("/media/")
    missing = client.get("/admin/articles/article/media-lookup/", {"media_id": "1"})
    assert missing.status_code == 404
