"""The admin's "Import WordPress export" page."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from articles.models import Article
from articles.tests import wxr_samples as samples

pytestmark = pytest.mark.django_db
URL = "/admin/articles/import-wxr/"


def upload(text="", name="export.xml"):
    return SimpleUploadedFile(name, (text or samples.document([samples.post(1)])).encode())


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw")


def test_superuser_imports_and_sees_the_report(client, superuser):
    client.force_login(superuser)
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"file": upload()})
    assert response.status_code == 200
    page = response.content.decode()
    assert "news.example.com" in page and "article" in page
    assert Article.objects.get().legacy_id == "1"
    assert Article.history.get().history_user == superuser


def test_staff_who_are_not_superusers_are_refused(client):
    editor = get_user_model().objects.create_user("ed", password="pw", is_staff=True)
    client.force_login(editor)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"file": upload()}).status_code == 403
    assert Article.objects.count() == 0


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_upload_over_the_cap_is_refused(client, superuser, settings):
    settings.WXR_UPLOAD_MAX_BYTES = 100
    client.force_login(superuser)
    response = client.post(URL, {"file": upload()})
    assert "larger than" in response.content.decode()
    assert Article.objects.count() == 0


def test_hostile_upload_is_refused_with_nothing_written(client, superuser):
    client.force_login(superuser)
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<rss><channel>&x;</channel></rss>"
    )
    response = client.post(URL, {"file": upload(xxe)})
    page = response.content.decode()
    assert "refused" in page and "DTDs are not allowed" in page
    assert "root:" not in page
    assert Article.objects.count() == 0
