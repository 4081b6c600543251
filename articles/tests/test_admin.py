import pytest
from django.contrib.auth.models import User

from articles.models import Article
from articles.tests.factories import make_article, make_author, make_category, make_tag
from media_assets.tests.factories import make_media

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("boss", "b@example.com", "pw"))
    return client


@pytest.mark.parametrize("model", ["article", "category", "author", "tag"])
def test_changelists_and_add_forms_render(admin_client, model):
    make_article(lead_media=make_media(with_file=True), authors=[make_author()], tags=[make_tag()])
    assert admin_client.get(f"/admin/articles/{model}/").status_code == 200
    assert admin_client.get(f"/admin/articles/{model}/add/").status_code == 200


def test_article_search_by_headline_and_legacy_id(admin_client):
    make_article(headline="Pyongyang talks", legacy_id="9001")
    make_article(headline="Other")
    found = admin_client.get("/admin/articles/article/", {"q": "Pyongyang"}).context["cl"]
    assert [a.headline for a in found.result_list] == ["Pyongyang talks"]
    found = admin_client.get("/admin/articles/article/", {"q": "9001"}).context["cl"]
    assert [a.headline for a in found.result_list] == ["Pyongyang talks"]


def test_adding_an_article_in_the_admin_records_who(admin_client):
    section = make_category()
    response = admin_client.post(
        "/admin/articles/article/add/",
        {
            "headline": "Made in the admin",
            "slug": "made-in-the-admin",
            "body": "<p>Text <script>x()</script></p>",
            "section": section.pk,
            "status": "draft",
            "language": "en",
            "article_authors-TOTAL_FORMS": "0",
            "article_authors-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(slug="made-in-the-admin")
    assert article.created_by.username == "boss" == article.updated_by.username
    assert "<script" not in article.body


def test_autocomplete_for_sections(admin_client):
    make_category(name="Opinion")
    response = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": "articles", "model_name": "article", "field_name": "section", "term": "Opi"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Opinion"]


def test_non_staff_cannot_reach_the_admin(client):
    client.force_login(User.objects.create_user("reader", password="pw"))
    response = client.get("/admin/articles/article/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
