"""The articles API (/api/v1/articles|categories|authors|tags): visibility per
role, filters, pagination, shaping, caching headers, writes and refusals."""

import datetime
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from articles.models import Article
from articles.tests.factories import (
    hidden_variants,
    make_article,
    make_author,
    make_category,
    make_tag,
)
from media_assets.tests.factories import make_media
from media_assets.tests.test_api import row_locks

pytestmark = pytest.mark.django_db

_users = itertools.count(1)
WRITER = ["articles.add_article", "articles.change_article", "articles.view_article"]
EDITOR = [*WRITER, "articles.publish_article", "articles.delete_article"]


def api_client(*perms: str):
    """An APIClient authenticated by token as a new user with ``perms``."""
    user = get_user_model().objects.create_user(f"user{next(_users)}", password="x")
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    client.user = user
    return client


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


# --- reading and visibility ---------------------------------------------------------------


def test_anonymous_sees_only_public_articles_in_list_detail_counts_and_filters():
    section = make_category()
    public = make_article(section=section)
    hidden = hidden_variants(section)
    client = APIClient()
    assert ids(client.get("/api/v1/articles/")) == [public.pk]
    for article in hidden.values():
        assert client.get(f"/api/v1/articles/{article.pk}/").status_code == 404
        assert ids(client.get("/api/v1/articles/", {"slug": article.slug})) == []
    assert ids(client.get("/api/v1/articles/", {"status": "draft"})) == []
    category = client.get(f"/api/v1/categories/{section.pk}/").json()
    assert category["article_count"] == 1


def test_taxonomy_counts_are_of_public_articles_for_each_row_of_a_page(
    django_assert_num_queries, settings
):
    """article_count counts each row's public articles, whoever asks, in one
    query for the whole page; a page that leaves the field out runs none."""
    settings.API_RESPONSE_CACHE_SECONDS = 0
    tags = [make_tag(name=f"Tag {i}") for i in range(3)]
    author = make_author()
    section = make_category()
    for variant in hidden_variants(section).values():
        variant.tags.set(tags)
        Article.article_authors.rel.related_model.objects.create(article=variant, author=author)
    make_article(section=section, tags=tags[:2], authors=[author])
    make_article(section=section, tags=tags[:1])
    client = APIClient()
    listed = client.get("/api/v1/tags/").json()["results"]
    assert {row["name"]: row["article_count"] for row in listed} == {
        "Tag 0": 2, "Tag 1": 1, "Tag 2": 0,
    }  # fmt: skip
    assert client.get(f"/api/v1/authors/{author.pk}/").json()["article_count"] == 1
    editor = api_client("articles.change_tag", "articles.add_article")
    assert editor.get(f"/api/v1/tags/{tags[0].pk}/").json()["article_count"] == 2
    # The list and the page's counts: two queries, whatever the page's size;
    # without article_count, one.
    with django_assert_num_queries(2):
        assert client.get("/api/v1/tags/", {"page_size": 2}).status_code == 200
    with django_assert_num_queries(1):
        assert client.get("/api/v1/tags/", {"fields": "id,name"}).status_code == 200


def test_editor_sees_every_status_and_can_filter_by_it():
    section = make_category()
    public = make_article(section=section)
    hidden = hidden_variants(section)
    client = api_client(*EDITOR)
    assert set(ids(client.get("/api/v1/articles/"))) == {
        public.pk,
        *(a.pk for a in hidden.values()),
    }
    assert ids(client.get("/api/v1/articles/", {"status": "draft"})) == [hidden["draft"].pk]
    response = client.get(f"/api/v1/articles/{hidden['draft'].pk}/")
    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    assert response["Cache-Control"] == "private, no-store"


def test_writer_sees_own_drafts_but_not_other_peoples():
    writer = api_client(*WRITER)
    section = make_category()
    own = make_article(section=section, status=Article.Status.DRAFT, publish_at=None)
    own.created_by = writer.user
    own.save()
    other = make_article(section=section, status=Article.Status.DRAFT, publish_at=None)
    public = make_article(section=section)
    assert set(ids(writer.get("/api/v1/articles/"))) == {own.pk, public.pk}
    assert writer.get(f"/api/v1/articles/{other.pk}/").status_code == 404


def test_article_representation_matches_the_contract():
    photo = make_media(media_id=55384539, credit="REUTERS/Yuri Maltsev/File Photo")
    author = make_author(name="Jane Doe")
    article = make_article(lead_media=photo, authors=[author], legacy_id="x1", dek="Dek")
    data = APIClient().get(f"/api/v1/articles/{article.pk}/").json()
    for name in (
        "id", "url", "slug", "headline", "dek", "body", "byline", "authors", "section",
        "categories", "tags", "language", "published_at", "updated_at", "legacy_id",
        "lead_media", "lead_caption",
    ):  # fmt: skip
        assert name in data, name
    assert data["url"].startswith("http") and data["url"].endswith(article.get_absolute_url())
    assert data["lead_media"]["media_id"] == 55384539
    assert data["lead_media"]["credit"] == "REUTERS/Yuri Maltsev/File Photo"
    assert data["lead_caption"] == "A caption"
    assert data["authors"] == [{"id": author.pk, "slug": author.slug, "name": "Jane Doe"}]
    assert data["byline"] == "Jane Doe"


def test_expired_lead_photo_is_not_served_to_readers():
    gone = make_media(rights_expire_at=timezone.now() - datetime.timedelta(days=1))
    article = make_article(lead_media=gone)
    data = APIClient().get(f"/api/v1/articles/{article.pk}/", {"expand": "lead_media"}).json()
    assert data["lead_media"] is None
    assert data["lead_caption"] == ""


# --- filters ----------------------------------------------------------------------------


def test_section_filter_includes_sub_sections_and_others_filter_exactly():
    parent = make_category(slug="middle-east")
    child = make_category(slug="gulf", parent=parent)
    tag, author = make_tag(slug="oil"), make_author(slug="jane")
    in_parent = make_article(section=parent, language="ar")
    in_child = make_article(section=child, tags=[tag], authors=[author], legacy_id="L-7")
    elsewhere = make_article(headline="Unrelated story", categories=[child])
    client = APIClient()

    def query(**params):
        return set(ids(client.get("/api/v1/articles/", params)))

    assert query(section="middle-east") == {in_parent.pk, in_child.pk}
    assert query(section="gulf") == {in_child.pk}
    assert query(section="nowhere") == set()
    assert query(category="gulf") == {in_child.pk, elsewhere.pk}
    assert query(tag="oil") == {in_child.pk}
    assert query(author="jane") == {in_child.pk}
    assert query(language="ar") == {in_parent.pk}
    assert query(legacy_id="L-7") == {in_child.pk}
    assert query(slug=in_parent.slug) == {in_parent.pk}
    assert query(q="unrelated STORY") == {elsewhere.pk}


def test_date_filters():
    old = make_article(publish_at=datetime.datetime(2014, 7, 18, 12, tzinfo=datetime.UTC))
    new = make_article(publish_at=datetime.datetime(2016, 3, 2, 12, tzinfo=datetime.UTC))
    client = APIClient()
    assert ids(client.get("/api/v1/articles/", {"year": 2014})) == [old.pk]
    assert ids(client.get("/api/v1/articles/", {"year": 2016, "month": 3})) == [new.pk]
    assert ids(client.get("/api/v1/articles/", {"published_after": "2015-01-01"})) == [new.pk]
    assert ids(client.get("/api/v1/articles/", {"published_before": "2015-01-01"})) == [old.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"year": "abc"},
        {"month": "13"},
        {"published_after": "yesterday"},
        {"language": "xx"},
        {"q": "x" * 60_000},
        {"unknown_filter": "1"},
        {"fields": "headline,password"},
        {"expand": "everything"},
        {"cursor": "not-a-cursor"},
    ],
)
def test_bad_parameters_are_json_400(params):
    make_article()
    response = APIClient().get("/api/v1/articles/", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


def test_unknown_ordering_is_ignored_and_known_ones_apply():
    a = make_article(headline="Alpha")
    b = make_article(headline="Beta")
    client = APIClient()
    assert ids(client.get("/api/v1/articles/", {"ordering": "password"})) == [a.pk, b.pk]
    assert ids(client.get("/api/v1/articles/", {"ordering": "-headline"})) == [b.pk, a.pk]
    assert ids(client.get("/api/v1/articles/", {"ordering": "published_at"})) == [b.pk, a.pk]


# --- pagination and shaping -------------------------------------------------------------


def test_cursor_pagination_caps_page_size_and_is_stable_under_inserts():
    section = make_category()
    articles = [make_article(section=section) for _ in range(5)]
    client = APIClient()
    first = client.get("/api/v1/articles/", {"page_size": 2}).json()
    assert [a["id"] for a in first["results"]] == [articles[0].pk, articles[1].pk]
    assert first["previous"] is None
    make_article(section=section, publish_at=timezone.now())  # a newer article arrives
    second = client.get(first["next"]).json()
    assert [a["id"] for a in second["results"]] == [articles[2].pk, articles[3].pk]
    huge = client.get("/api/v1/articles/", {"page_size": 10**9})
    assert huge.status_code == 200


def test_page_size_is_capped_at_100():
    section = make_category()
    Article.objects.bulk_create(
        Article(
            headline=f"H{i}",
            slug=f"h{i}",
            section=section,
            status=Article.Status.PUBLISHED,
            publish_at=timezone.now() - datetime.timedelta(minutes=i + 1),
        )
        for i in range(101)
    )
    response = APIClient().get("/api/v1/articles/", {"page_size": 500})
    assert len(response.json()["results"]) == 100


def test_fields_and_expand_work_together_and_lists_omit_body():
    tag = make_tag(name="Oil")
    article = make_article(tags=[tag])
    client = APIClient()
    listed = client.get("/api/v1/articles/").json()["results"][0]
    assert "body" not in listed
    assert listed["tags"] == [{"id": tag.pk, "slug": tag.slug, "name": "Oil"}]
    shaped = client.get(
        "/api/v1/articles/", {"fields": "id,body,tags,section", "expand": "tags,section"}
    ).json()["results"][0]
    assert set(shaped) == {"id", "body", "tags", "section"}
    assert shaped["body"] == article.body
    assert shaped["tags"][0]["url"].endswith("/tag/" + tag.slug + "/")
    assert shaped["section"]["path"] == article.section.slug


def _warm_next_change():
    """The response cache bounds an entry's life by the next scheduled change,
    looked up (3 queries) once per cache generation and shared by every
    response (budgeted in articles/tests/test_caching.py); the budgets below
    count the view's own queries."""
    from cms.caching import current_generation, next_change_at

    next_change_at(current_generation())


@pytest.mark.parametrize("count", [10, 50])
def test_expanded_list_of_50_stays_within_8_queries(django_assert_max_num_queries, count):
    parent = make_category()
    section = make_category(parent=parent)
    authors = [make_author(photo=make_media(with_file=True)) for _ in range(4)]
    tags = [make_tag() for _ in range(4)]
    categories = [make_category(parent=section) for _ in range(4)]
    for _ in range(count):
        make_article(
            section=section,
            lead_media=make_media(with_file=True),
            authors=authors,
            tags=tags,
            categories=categories,
        )
    client = APIClient()
    _warm_next_change()
    # 1 articles with section, its parents and lead photo; 2 article authors
    # with authors and photos (compact: no renditions); 3 tags;
    # 4 categories with parents; 5 lead photos' renditions.
    with django_assert_max_num_queries(8):
        response = client.get(
            "/api/v1/articles/",
            {"page_size": 50, "expand": "lead_media,authors,section,categories,tags"},
        )
    results = response.json()["results"]
    assert len(results) == count
    assert len(results[0]["authors"]) == 4 and results[0]["authors"][0]["photo"] is not None


def test_a_list_reads_only_what_its_shape_shows(django_assert_num_queries):
    """for_api(expand=, fields=): compact relations read no parents and no
    renditions; fields= leaves out the relations it does not name."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from media_assets.renditions import generate_standard_renditions

    section = make_category(parent=make_category(parent=make_category()))
    photo = make_media(with_file=True)
    generate_standard_renditions(photo, specs=["card"], formats=["JPEG"])
    for _ in range(3):
        make_article(
            section=section,
            lead_media=photo,
            authors=[make_author(photo=photo)],
            tags=[make_tag()],
            categories=[make_category(parent=section)],
        )
    client = APIClient()
    _warm_next_change()
    # 1 articles with section and lead photo; 2 authors; 3 tags; 4 categories.
    with CaptureQueriesContext(connection) as compact:
        results = client.get("/api/v1/articles/").json()["results"]
    assert len(compact.captured_queries) == 4
    sql = " ".join(q["sql"] for q in compact.captured_queries)
    assert "media_assets_rendition" not in sql
    # The article's section joined once, no parents (theirs or the categories').
    assert sql.count('JOIN "articles_category"') == 1, sql
    assert results[0]["lead_media"]["file_url"] and results[0]["authors"][0]["name"]
    # Expanded, the same articles with what the full forms read.
    expanded = client.get(
        "/api/v1/articles/", {"expand": "lead_media,authors,section,categories"}
    ).json()["results"]
    assert expanded[0]["section"]["path"] == section.path
    assert expanded[0]["categories"][0]["path"] == section.path + "/" + (
        expanded[0]["categories"][0]["slug"]
    )
    assert expanded[0]["lead_media"]["renditions"][0]["url"]
    assert expanded[0]["authors"][0]["photo"]["file_url"]
    # Only the fields named: the row alone.
    with django_assert_num_queries(1):
        rows = client.get("/api/v1/articles/", {"fields": "id,headline"}).json()["results"]
    assert set(rows[0]) == {"id", "headline"}
    with django_assert_num_queries(2):  # the row and the authors, for the byline
        rows = client.get("/api/v1/articles/", {"fields": "id,byline"}).json()["results"]
    assert rows[0]["byline"]


# --- caching headers ------------------------------------------------------------------------


def test_etag_and_last_modified_give_304_and_anonymous_is_public():
    from cms.caching import bump_generation

    article = make_article()
    client = APIClient()
    url = f"/api/v1/articles/{article.pk}/"
    first = client.get(url)
    assert first["Cache-Control"].startswith("public, max-age=")
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith(f'"v{article.version}-')
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    listed = client.get("/api/v1/articles/")
    assert client.get("/api/v1/articles/", HTTP_IF_NONE_MATCH=listed["ETag"]).status_code == 304
    # A write that bypasses save() must bump the cache generation itself
    # (articles/signals.py); the response cache then serves the new version.
    Article.objects.filter(pk=article.pk).update(headline="Changed")
    bump_generation()
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 200


# --- writes -------------------------------------------------------------------------------


def test_writer_creates_a_draft_and_cannot_publish_it():
    section = make_category()
    author = make_author()
    writer = api_client(*WRITER)
    response = writer.post(
        "/api/v1/articles/",
        {"headline": "Fresh", "section": section.pk, "authors": [author.pk], "body": "<p>x</p>"},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "draft" and data["authors"][0]["id"] == author.pk
    article = Article.objects.get(pk=data["id"])
    assert article.created_by == writer.user
    refused = writer.post(f"/api/v1/articles/{article.pk}/publish/")
    assert refused.status_code == 403
    article.refresh_from_db()
    assert article.status == "draft"
    assert writer.post(f"/api/v1/articles/{article.pk}/submit/").json()["status"] == "review"


def test_editor_publishes_and_the_article_becomes_public(django_capture_on_commit_callbacks):
    draft = make_article(status=Article.Status.DRAFT, publish_at=None)
    editor = api_client(*EDITOR)
    response = editor.post(f"/api/v1/articles/{draft.pk}/publish/")
    assert response.status_code == 200, response.content
    assert APIClient().get(f"/api/v1/articles/{draft.pk}/").status_code == 200
    # The commit's hooks run, as in a real request: the anonymous copy that
    # the response cache holds is dropped (cms.caching, articles/signals.py).
    with django_capture_on_commit_callbacks(execute=True):
        withdrawn = editor.post(f"/api/v1/articles/{draft.pk}/withdraw/")
    assert withdrawn.json()["status"] == "withdrawn"
    assert APIClient().get(f"/api/v1/articles/{draft.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "no permissions", "writer of another"])
def test_writes_refused(who):
    article = make_article(status=Article.Status.DRAFT, publish_at=None)
    section = make_category()
    if who == "anonymous":
        client, create_status, edit_status = APIClient(), 401, 401
    elif who == "no permissions":
        client, create_status, edit_status = api_client(), 403, 403
    else:
        client, create_status, edit_status = api_client(*WRITER), 201, 404
    created = client.post(
        "/api/v1/articles/", {"headline": "H", "section": section.pk}, format="json"
    )
    assert created.status_code == create_status
    edited = client.patch(f"/api/v1/articles/{article.pk}/", {"headline": "X"}, format="json")
    assert edited.status_code == edit_status
    assert client.delete(f"/api/v1/articles/{article.pk}/").status_code in (401, 403, 404)
    article.refresh_from_db()
    assert article.headline != "X"


def test_writer_cannot_edit_someone_elses_public_article():
    article = make_article()
    response = api_client(*WRITER).patch(
        f"/api/v1/articles/{article.pk}/", {"headline": "Mine now"}, format="json"
    )
    assert response.status_code == 403


def test_stale_if_match_gives_412_and_changes_nothing():
    article = make_article()
    editor = api_client(*EDITOR)
    etag = editor.get(f"/api/v1/articles/{article.pk}/")["ETag"]
    ok = editor.patch(
        f"/api/v1/articles/{article.pk}/", {"headline": "First"}, format="json", HTTP_IF_MATCH=etag
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["version"] == article.version + 1
    stale = editor.patch(
        f"/api/v1/articles/{article.pk}/", {"headline": "Second"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    article.refresh_from_db()
    assert article.headline == "First"
    body_stale = editor.patch(
        f"/api/v1/articles/{article.pk}/",
        {"headline": "Third", "version": 1},
        format="json",
    )
    assert body_stale.status_code == 409
    article.refresh_from_db()
    assert article.headline == "First"


@pytest.mark.parametrize("field", ["id", "status", "version_bogus", "created_by"])
def test_id_and_status_cannot_be_set_through_the_body(field):
    article = make_article(status=Article.Status.DRAFT, publish_at=None)
    response = api_client(*EDITOR).patch(
        f"/api/v1/articles/{article.pk}/", {field: 999}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()


def test_malformed_and_oversized_json_are_json_errors(settings):
    article = make_article(status=Article.Status.DRAFT, publish_at=None)
    editor = api_client(*EDITOR)
    bad = editor.generic(
        "PATCH", f"/api/v1/articles/{article.pk}/", "{not json", content_type="application/json"
    )
    assert bad.status_code == 400 and bad["Content-Type"] == "application/json"
    wrong_type = editor.patch(
        f"/api/v1/articles/{article.pk}/", {"section": "abc", "authors": "x"}, format="json"
    )
    assert wrong_type.status_code == 400
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = editor.patch(f"/api/v1/articles/{article.pk}/", {"body": "x" * 5000}, format="json")
    assert big.status_code == 413 and big["Content-Type"] == "application/json"


def test_taxonomy_writes_need_model_permissions():
    anonymous, nobody = APIClient(), api_client()
    editor = api_client("articles.add_tag", "articles.change_tag", "articles.delete_tag")
    assert anonymous.post("/api/v1/tags/", {"name": "A", "slug": "a"}).status_code == 401
    assert nobody.post("/api/v1/tags/", {"name": "A", "slug": "a"}).status_code == 403
    created = editor.post("/api/v1/tags/", {"name": "A", "slug": "a"}, format="json")
    assert created.status_code == 201
    tag_id = created.json()["id"]
    assert nobody.delete(f"/api/v1/tags/{tag_id}/").status_code == 403
    assert editor.delete(f"/api/v1/tags/{tag_id}/").status_code == 204


def test_category_in_use_cannot_be_deleted_and_parent_cycle_is_refused():
    section = make_category()
    child = make_category(parent=section)
    make_article(section=section)
    client = api_client("articles.change_category", "articles.delete_category")
    assert client.delete(f"/api/v1/categories/{section.pk}/").status_code == 409
    cycle = client.patch(f"/api/v1/categories/{section.pk}/", {"parent": child.pk}, format="json")
    assert cycle.status_code == 400
    detail = APIClient().get(f"/api/v1/categories/{section.pk}/").json()
    assert detail["children"] == [{"id": child.pk, "slug": child.slug, "name": child.name}]
    assert detail["parent"] is None


TAXONOMIES = {"categories": make_category, "authors": make_author, "tags": make_tag}
STALE = "The resource changed since the ETag named in If-Match; nothing was changed."


@pytest.mark.parametrize("resource", sorted(TAXONOMIES))
def test_taxonomy_if_match_fresh_edits_stale_or_malformed_gives_412(resource):
    obj = TAXONOMIES[resource]()
    model = obj._meta.model_name
    client = api_client(f"articles.change_{model}", f"articles.delete_{model}")
    url = f"/api/v1/{resource}/{obj.pk}/"
    etag = client.get(url)["ETag"]
    fresh = client.patch(url, {"name": "First"}, format="json", HTTP_IF_MATCH=etag)
    assert fresh.status_code == 200, fresh.content
    assert fresh.json()["name"] == "First"
    current = client.get(url)["ETag"]
    # The old ETag, a weak one (If-Match compares strongly), garbage.
    for header in (etag, f"W/{current}", "not-an-etag"):
        refused = client.patch(url, {"name": "Second"}, format="json", HTTP_IF_MATCH=header)
        assert refused.status_code == 412, header
        assert refused["Content-Type"] == "application/json"
        assert refused.json() == {"detail": STALE}
    obj.refresh_from_db()
    assert obj.name == "First"
    assert client.patch(url, {"name": "Third"}, format="json").status_code == 200
    obj.refresh_from_db()
    assert obj.name == "Third"


@pytest.mark.parametrize("resource", sorted(TAXONOMIES))
def test_taxonomy_delete_with_a_stale_if_match_gives_412_and_keeps_it(resource):
    obj = TAXONOMIES[resource]()
    model = obj._meta.model_name
    client = api_client(f"articles.change_{model}", f"articles.delete_{model}")
    url = f"/api/v1/{resource}/{obj.pk}/"
    etag = client.get(url)["ETag"]
    assert client.patch(url, {"name": "Changed"}, format="json").status_code == 200
    refused = client.delete(url, HTTP_IF_MATCH=etag)
    assert refused.status_code == 412
    assert refused.json() == {"detail": STALE}
    assert type(obj).objects.filter(pk=obj.pk).exists()
    assert client.delete(url, HTTP_IF_MATCH=client.get(url)["ETag"]).status_code == 204
    assert not type(obj).objects.filter(pk=obj.pk).exists()


def test_taxonomy_if_match_sees_a_new_public_article_as_a_change(
    django_capture_on_commit_callbacks,
):
    # The ETag hashes what GET sends, article_count included.
    tag = make_tag()
    client = api_client("articles.change_tag")
    etag = client.get(f"/api/v1/tags/{tag.pk}/")["ETag"]
    # Committed: the tag's kept count is marked after the commit.
    with django_capture_on_commit_callbacks(execute=True):
        make_article(tags=[tag])
    refused = client.patch(
        f"/api/v1/tags/{tag.pk}/", {"name": "Renamed"}, format="json", HTTP_IF_MATCH=etag
    )
    assert refused.status_code == 412
    tag.refresh_from_db()
    assert tag.name != "Renamed"


def taxonomy_writer(resource):
    """A new row of ``resource``, a client that may change and delete it, and its URL."""
    obj = TAXONOMIES[resource]()
    model = obj._meta.model_name
    client = api_client(f"articles.change_{model}", f"articles.delete_{model}")
    return obj, client, f"/api/v1/{resource}/{obj.pk}/"


@pytest.mark.parametrize("resource", sorted(TAXONOMIES))
def test_taxonomy_if_match_takes_the_etag_of_get_with_fields_one_among_others_and_star(resource):
    obj, client, url = taxonomy_writer(resource)
    shaped = f"{url}?fields=id,name"
    etag = client.get(shaped)["ETag"]
    assert etag != client.get(url)["ETag"]
    # The ETag is that of GET of the same URL, ?fields= included.
    first = client.patch(shaped, {"name": "First"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200, first.content
    current = client.get(url)["ETag"]
    listed = client.patch(url, {"name": "Second"}, format="json", HTTP_IF_MATCH=f'"x", {current}')
    assert listed.status_code == 200, listed.content
    star = client.patch(url, {"name": "Third"}, format="json", HTTP_IF_MATCH="*")
    assert star.status_code == 200, star.content
    obj.refresh_from_db()
    assert obj.name == "Third"


@pytest.mark.skipif(not connection.features.has_select_for_update, reason="no row locks")
@pytest.mark.parametrize("resource", sorted(TAXONOMIES))
def test_taxonomy_write_with_if_match_locks_the_row_and_one_without_does_not(resource):
    # The check and the write run under one lock, so two writers holding the
    # same ETag cannot both pass.
    _, client, url = taxonomy_writer(resource)
    assert row_locks(client, url, {"name": "New"}) == [False, True, True]
