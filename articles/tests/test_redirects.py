"""Redirects: stored rules, automatic ones on moves, legacy URLs, CSV import,
the open-redirect rules and the admin."""

import pytest
from django.contrib.auth.models import Permission, User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from articles.models import Article, Redirect
from articles.redirects import import_redirects_csv, is_safe_target
from articles.tests.factories import make_article, make_category

pytestmark = pytest.mark.django_db


def test_redirect_to_path_counts_hits(client):
    rule = Redirect.objects.create(old_path="/old/page/", new_path="/archive/")
    response = client.get("/old/page/")
    assert response.status_code == 301
    assert response["Location"] == "/archive/"
    client.get("/old/page/")
    rule.refresh_from_db()
    assert rule.hits == 2 and rule.last_hit_at is not None


def test_temporary_redirect_and_query_string_match(client):
    Redirect.objects.create(old_path="/?p=123", new_path="/archive/", status_code=302)
    response = client.get("/", {"p": "123"})
    assert response.status_code == 302
    assert response["Location"] == "/archive/"
    assert client.get("/", {"p": "999"}).status_code == 200  # unknown: the home page


def test_redirect_to_article_follows_it_and_refuses_hidden(client):
    article = make_article()
    Redirect.objects.create(old_path="/2015/03/story.html", article=article)
    assert client.get("/2015/03/story.html")["Location"] == article.get_absolute_url()
    article.status = Article.Status.WITHDRAWN
    article.save()
    # (CommonMiddleware first tries the address with a slash; that 404s too.)
    assert client.get("/2015/03/story.html", follow=True).status_code == 404


def test_existing_page_wins_over_a_redirect(client):
    make_category(slug="opinion")
    Redirect.objects.create(old_path="/opinion/", new_path="/archive/")
    assert client.get("/opinion/").status_code == 200


def test_legacy_url_of_imported_article_301s(client):
    article = make_article(legacy_url="http://old.example.com/2015/03/russia-presents/")
    on_query = make_article(legacy_url="http://old.example.com/?p=77")
    response = client.get("/2015/03/russia-presents/")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()
    assert client.get("/", {"p": "77"})["Location"] == on_query.get_absolute_url()
    draft = make_article(legacy_url="/2015/04/draft/", status=Article.Status.DRAFT, publish_at=None)
    assert draft.legacy_path == "/2015/04/draft/"
    assert client.get("/2015/04/draft/").status_code == 404


def test_slug_and_section_changes_leave_redirects(client):
    article = make_article(slug="first")
    first_url = article.get_absolute_url()
    article.slug = "second"
    article.save()
    second_url = article.get_absolute_url()
    article.section = make_category(slug="elsewhere")
    article.save()
    assert set(Redirect.objects.values_list("old_path", flat=True)) == {first_url, second_url}
    for old in (first_url, second_url):
        assert client.get(old)["Location"] == article.get_absolute_url()


def test_draft_renames_leave_no_redirect():
    article = make_article(slug="a", status=Article.Status.DRAFT, publish_at=None)
    article.slug = "b"
    article.save()
    assert not Redirect.objects.exists()


def test_moving_back_removes_the_shadowing_redirect(client):
    article = make_article(slug="first")
    first_url = article.get_absolute_url()
    article.slug = "second"
    article.save()
    article.slug = "first"
    article.save()
    assert list(Redirect.objects.values_list("old_path", flat=True)) == [
        first_url.replace("/first/", "/second/")
    ]
    assert client.get(first_url).status_code == 200


def test_renamed_section_redirects(client):
    section = make_category(slug="mideast")
    section.slug = "middle-east"
    section.save()
    response = client.get("/mideast/")
    assert response.status_code == 301
    assert response["Location"] == "/middle-east/"


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "/\\evil.example", "https://evil.example/x", "javascript:alert(1)",
     "http://127.0.0.1:8000@evil.example/", "evil.example", "/ok\r\nSet-Cookie: x=1"],
)  # fmt: skip
def test_open_redirect_targets_are_refused(target, settings):
    settings.REDIRECT_ALLOWED_HOSTS = ["partner.example"]
    assert not is_safe_target(target)
    with pytest.raises(ValidationError):
        Redirect(old_path="/x/", new_path=target).full_clean()


def test_allow_listed_host_is_accepted(settings):
    settings.REDIRECT_ALLOWED_HOSTS = ["partner.example"]
    assert is_safe_target("https://partner.example/story")
    settings.REDIRECT_ALLOWED_HOSTS = []
    assert not is_safe_target("https://partner.example/story")


def test_unsafe_row_written_behind_validation_is_not_served(client):
    Redirect.objects.create(old_path="/sneaky/", new_path="//evil.example/")
    assert client.get("/sneaky/").status_code == 404


def test_csv_import_all_or_nothing():
    Redirect.objects.create(old_path="/a/", new_path="/old-target/")
    good = (
        b"old_path,new_path,status_code\n/a/,/archive/,302\nhttp://old.example/b/?x=1,/opinion/,\n"
    )
    result = import_redirects_csv(good)
    assert (result.created, result.updated, result.errors) == (1, 1, [])
    assert Redirect.objects.get(old_path="/a/").status_code == 302
    assert Redirect.objects.get(old_path="/b/?x=1").new_path == "/opinion/"
    bad = b"/c/,/fine/\n/d/,//evil.example/\n/e/,/x/,307\n"
    result = import_redirects_csv(bad)
    assert len(result.errors) == 2
    assert result.errors[0].startswith("Line 2: new_path:")
    assert result.errors[1].startswith("Line 3: status_code:")
    assert not Redirect.objects.filter(old_path="/c/").exists()


@pytest.fixture
def redirect_editor(db):
    user = User.objects.create_user("r", password="pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["add_redirect", "change_redirect", "view_redirect"]
        )
    )
    return user


def test_admin_csv_import(client, redirect_editor):
    client.force_login(redirect_editor)
    assert client.get("/admin/articles/redirect/").status_code == 200
    upload = SimpleUploadedFile("r.csv", b"/old/,/archive/\n", content_type="text/csv")
    response = client.post("/admin/articles/redirect/import-csv/", {"file": upload})
    assert response.status_code == 302
    assert Redirect.objects.get(old_path="/old/").new_path == "/archive/"


def test_admin_csv_import_refused_without_permission(client):
    user = User.objects.create_user("v", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_redirect"))
    client.force_login(user)
    upload = SimpleUploadedFile("r.csv", b"/old/,/archive/\n", content_type="text/csv")
    response = client.post("/admin/articles/redirect/import-csv/", {"file": upload})
    assert response.status_code == 403
    assert not Redirect.objects.exists()
