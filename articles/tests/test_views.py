import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from articles.models import Article
from articles.tests.factories import (
    hidden_variants,
    make_article,
    make_author,
    make_category,
    make_tag,
)
from media_assets.tests.factories import make_media

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_editor(db):
    user = User.objects.create_user("ed", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_article"))
    return user


def test_article_page_shows_headline_byline_photo_and_body(client):
    section = make_category(name="Opinion", slug="opinion")
    photo = make_media(
        with_file=True, media_id=55384539, caption="A guard walks.", credit="REUTERS/Yuri Maltsev"
    )
    author = make_author(name="Mina Haddad")
    article = make_article(
        section=section,
        headline="Russia Presents Pyongyang",
        dek="The dek",
        body="<p>First paragraph.</p><p>Second paragraph.</p>",
        lead_media=photo,
        authors=[author],
    )
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1 class=\"headline\">Russia Presents Pyongyang</h1>" in html
    assert "The dek" in html
    assert "Mina Haddad" in html
    assert "Media ID: <span class=\"media-id-number\">55384539</span>" in html
    assert "A guard walks." in html
    assert "REUTERS/Yuri Maltsev" in html
    assert "<p>First paragraph.</p><p>Second paragraph.</p>" in html
    assert 'href="/opinion/"' in html  # section link and navigation
    canonical = f"http://127.0.0.1:8000{article.get_absolute_url()}"
    assert f'<link rel="canonical" href="{canonical}">' in html


def test_lead_caption_override_wins_on_that_article_only(client):
    photo = make_media(caption="Photo's own caption")
    overridden = make_article(lead_media=photo, lead_caption="Caption for this story")
    plain = make_article(lead_media=photo)
    assert "Caption for this story" in client.get(overridden.get_absolute_url()).content.decode()
    assert "Photo&#x27;s own caption" in client.get(plain.get_absolute_url()).content.decode()


def test_wrong_slug_or_section_redirects_to_canonical(client):
    article = make_article(slug="right")
    for section, slug in [("nowhere", "right"), (article.section.slug, "wrong")]:
        wrong = reverse(
            "articles:article", kwargs={"section": section, "pk": article.pk, "slug": slug}
        )
        response = client.get(wrong)
        assert response.status_code == 301, wrong
        assert response["Location"] == article.get_absolute_url()


def test_unrelated_old_address_with_a_number_is_not_taken_for_an_article(client):
    # /2015/03/story/ looks like /<section>/<pk>/<slug>/ for article 3; with
    # neither section nor slug matching it must not jump to that article.
    article = make_article(slug="right")
    response = client.get(f"/2015/{article.pk}/some-old-story/")
    assert response.status_code == 404


def test_short_link_redirects_permanently(client):
    article = make_article()
    response = client.get(f"/a/{article.pk}/")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


def test_unknown_article_is_404(client):
    assert client.get("/a/999999/").status_code == 404
    assert client.get("/nowhere/999999/x/").status_code == 404


@pytest.mark.parametrize("state", ["draft", "review", "withdrawn", "scheduled", "expired"])
def test_anonymous_reader_never_sees_non_public_article(client, state):
    section = make_category()
    tag = make_tag()
    author = make_author()
    article = hidden_variants(section)[state]
    article.tags.add(tag)
    article.article_authors.create(author=author, position=0)
    # Article page, short link, home, section, tag and author pages.
    assert client.get(article.get_absolute_url()).status_code == 404
    assert client.get(article.get_short_url()).status_code == 404
    for url in ["/", section.get_absolute_url(), tag.get_absolute_url(), author.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert article.headline not in response.content.decode(), (state, url)


def test_staff_without_change_permission_is_refused_a_draft(client):
    article = make_article(status=Article.Status.DRAFT, publish_at=None)
    user = User.objects.create_user("writer", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get(article.get_absolute_url()).status_code == 404


def test_editor_sees_draft_with_banner_noindex_and_no_store(client, staff_editor):
    article = make_article(status=Article.Status.DRAFT, publish_at=None)
    client.force_login(staff_editor)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "Readers cannot see it" in response.content.decode()
    assert '<meta name="robots" content="noindex">' in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex"


def test_home_shows_lead_story_and_latest_per_section(client):
    opinion = make_category(name="Opinion", slug="opinion", position=2)
    news = make_category(name="News", slug="news", position=1)
    sub = make_category(name="Gulf", slug="gulf", parent=news)
    newest = make_article(section=opinion, headline="Newest of all")
    in_sub = make_article(section=sub, headline="From the Gulf")
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Newest of all") < html.index("From the Gulf")
    assert newest.get_absolute_url() in html
    assert in_sub.get_absolute_url() in html
    assert 'id="section-news"' in html  # the sub-section's article shows under its section


def test_section_page_includes_sub_sections_and_pages_by_keyset(client):
    top = make_category(slug="middle-east")
    sub = make_category(slug="gulf", parent=top)
    articles = [make_article(section=sub if i % 2 else top) for i in range(25)]
    newest_first = sorted(articles, key=lambda a: (a.publish_at, a.pk), reverse=True)
    response = client.get("/middle-east/")
    assert response.status_code == 200
    page = response.context["page"]
    assert [a.pk for a in page.items] == [a.pk for a in newest_first[:20]]
    assert page.previous_cursor is None
    second = client.get("/middle-east/", {"before": page.next_cursor}).context["page"]
    assert [a.pk for a in second.items] == [a.pk for a in newest_first[20:]]
    assert second.next_cursor is None
    back = client.get("/middle-east/", {"after": second.previous_cursor}).context["page"]
    assert [a.pk for a in back.items] == [a.pk for a in newest_first[:20]]
    # A sub-section page shows only its own articles.
    gulf = client.get("/gulf/").context["page"]
    assert {a.section_id for a in gulf.items} == {sub.pk}


def test_garbage_cursor_gives_first_page_not_an_error(client):
    make_category(slug="s")
    assert client.get("/s/", {"before": "%%%not-base64"}).status_code == 200
    assert client.get("/s/", {"after": "x" * 5000}).status_code == 200


def test_tag_and_author_pages_list_public_articles(client):
    tag, author = make_tag(name="Oil"), make_author(name="Karim")
    article = make_article(tags=[tag], authors=[author], headline="Oil story")
    for url in [tag.get_absolute_url(), author.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 200
        assert [a.pk for a in response.context["page"].items] == [article.pk]


def test_unknown_section_tag_author_are_404(client):
    assert client.get("/no-such-section/").status_code == 404
    assert client.get("/tag/none/").status_code == 404
    assert client.get("/author/none/").status_code == 404


def test_pages_refuse_post(client):
    make_category(slug="s")
    assert client.post("/s/").status_code == 405


def test_script_in_fields_is_escaped_on_pages(client):
    evil = "<script>alert(1)</script>"
    section = make_category(name=evil)
    photo = make_media(caption=evil, credit=evil, alt_text=evil)
    article = make_article(section=section, headline=evil, dek=evil, lead_media=photo)
    for url in [article.get_absolute_url(), "/", section.get_absolute_url()]:
        html = client.get(url).content.decode()
        assert evil not in html, url
        assert "&lt;script&gt;" in html, url



def _photo(size=(1000, 750), **fields):
    """A photo large enough for the teaser's two srcset widths (thumb, card)."""
    from django.core.files.base import ContentFile

    from media_assets.tests.factories import photo_bytes

    asset = make_media(**fields)
    data = photo_bytes(size=size)
    asset.file.save("big.jpg", ContentFile(data), save=False)
    asset.width, asset.height, asset.file_size = *size, len(data)
    asset.mime_type = "image/jpeg"
    asset.save()
    return asset


def test_teaser_shows_card_picture_with_srcset_of_renditions(client):
    from media_assets.models import Rendition
    from media_assets.renditions import generate_standard_renditions

    section = make_category(slug="teasers")
    photo = _photo(alt_text="Boats in the harbour")
    generate_standard_renditions(photo, specs=["thumb", "card", "large"], formats=["JPEG", "WEBP"])
    make_article(section=section, lead_media=photo)

    html = client.get(section.get_absolute_url()).content.decode()

    def url(spec, fmt):
        return Rendition.objects.get(asset=photo, spec=spec, format=fmt).url

    teaser = html[html.index('<article class="teaser"') :]
    teaser = teaser[: teaser.index("</article>")]
    assert '<picture class="teaser-image">' in teaser
    assert (
        f'<source type="image/webp" srcset="{url("thumb", "WEBP")} 320w, '
        f'{url("card", "WEBP")} 640w" sizes="(max-width: 40rem) 100vw, 24rem">'
    ) in teaser
    assert (
        f'<img src="{url("card", "JPEG")}" srcset="{url("thumb", "JPEG")} 320w, '
        f'{url("card", "JPEG")} 640w" sizes="(max-width: 40rem) 100vw, 24rem" '
        f'width="640" height="480" alt="Boats in the harbour" loading="lazy" decoding="async">'
    ) in teaser
    # Neither the original nor the larger spec the teaser does not use.
    assert photo.file.url not in teaser
    assert url("large", "JPEG") not in teaser


def test_teaser_hides_a_photo_whose_rights_expired(client):
    import datetime

    from django.utils import timezone

    section = make_category(slug="expired")
    photo = _photo(rights_expire_at=timezone.now() - datetime.timedelta(minutes=1))
    article = make_article(section=section, lead_media=photo, headline="Rights gone")

    html = client.get(section.get_absolute_url()).content.decode()

    assert article.headline in html
    assert "<picture" not in html
    assert "<img" not in html
    assert photo.file.name not in html


def test_related_articles_share_the_section_or_a_tag_newest_first(client):
    import datetime

    from django.utils import timezone

    from articles.tests.factories import make_tag

    section, elsewhere = make_category(slug="s"), make_category(slug="t")
    tag = make_tag()
    now = timezone.now()

    def at(days, **kwargs):
        kwargs.setdefault("publish_at", now - datetime.timedelta(days=days))
        return make_article(**kwargs)

    article = at(10, section=section, tags=[tag])
    same_section = [at(days, section=section) for days in (5, 20, 30)]
    same_tag = [at(days, section=elsewhere, tags=[tag]) for days in (1, 25)]
    at(2, section=elsewhere)  # shares nothing
    at(3, section=section, status=Article.Status.DRAFT, publish_at=None)  # not public
    at(4, section=elsewhere, tags=[tag], publish_at=now + datetime.timedelta(days=1))
    related = client.get(article.get_absolute_url()).context["related"]
    expected = [same_tag[0], same_section[0], same_section[1], same_tag[1]]
    assert [a.pk for a in related] == [a.pk for a in expected]


def test_related_articles_pass_over_a_tags_newest_articles_that_are_not_public(client):
    """The tag's articles are read newest first until enough public ones are
    found: the newest few links belong to articles readers may not see."""
    import datetime

    from django.utils import timezone

    from articles.tests.factories import hidden_variants, make_tag

    tag = make_tag()
    elsewhere = make_category(slug="t")
    now = timezone.now()
    article = make_article(section=make_category(slug="s"), tags=[tag])
    older = [
        make_article(section=elsewhere, tags=[tag], publish_at=now - datetime.timedelta(days=d))
        for d in (40, 50, 60, 70, 80)
    ]
    for hidden in hidden_variants(make_category(slug="u")).values():
        hidden.tags.add(tag)  # newer than every public one, or undated
    related = client.get(article.get_absolute_url()).context["related"]
    assert [a.pk for a in related] == [a.pk for a in older[:4]]
