"""NewsArticle JSON-LD, OpenGraph/Twitter tags, canonical and hreflang."""

import datetime
import json
import re

import pytest
from django.utils import timezone

from articles.models import Article
from articles.tests.factories import make_article, make_author, make_category, make_tag
from media_assets.tests.factories import make_media

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"
# schema.org terms used; a typo or an invented property fails here.
SCHEMA_ORG_TYPES = {"NewsArticle", "WebPage", "NewsMediaOrganization", "Person", "Organization",
                    "ImageObject"}  # fmt: skip
SCHEMA_ORG_PROPERTIES = {
    "@context", "@type", "@id", "headline", "description", "datePublished", "dateModified",
    "author", "publisher", "articleSection", "inLanguage", "mainEntityOfPage", "image", "url",
    "name", "caption", "creditText", "copyrightNotice", "creator", "contentUrl", "width",
    "height", "identifier", "keywords", "wordCount", "isAccessibleForFree",
}  # fmt: skip


def _jsonld(html):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


@pytest.fixture
def seed_article():
    photo = make_media(
        with_file=True,
        media_id=55384539,
        caption="FILE PHOTO: A guard walks.",
        credit="REUTERS/Yuri Maltsev/File Photo",
        agency="Reuters",
        photographer="Yuri Maltsev",
        copyright="© Reuters 2014",
        alt_text="A guard",
    )
    return make_article(
        section=make_category(name="Opinion", slug="opinion"),
        headline="Russia Presents Pyongyang",
        dek="A standfirst",
        lead_media=photo,
        authors=[make_author(name="Mina Haddad", slug="mina")],
        tags=[make_tag(name="Russia")],
    )


def test_news_article_properties(client, seed_article):
    data = _jsonld(client.get(seed_article.get_absolute_url()).content.decode())
    url = SITE + seed_article.get_absolute_url()
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Russia Presents Pyongyang"
    assert data["description"] == "A standfirst"
    assert data["datePublished"] == seed_article.publish_at.isoformat()
    assert data["dateModified"] == seed_article.updated_at.isoformat()
    assert data["author"] == [
        {"@type": "Person", "name": "Mina Haddad", "url": f"{SITE}/author/mina/"}
    ]
    assert data["publisher"] == {
        "@type": "NewsMediaOrganization",
        "name": "Asharq Al-Awsat",
        "url": SITE,
    }
    assert data["articleSection"] == "Opinion"
    assert data["inLanguage"] == "en"
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert data["keywords"] == ["Russia"]
    image = data["image"]
    assert image["@type"] == "ImageObject"
    assert image["url"].startswith(SITE + "/") and image["contentUrl"] == image["url"]
    assert image["caption"] == "FILE PHOTO: A guard walks."
    assert image["creditText"] == "REUTERS/Yuri Maltsev/File Photo"
    assert image["copyrightNotice"] == "© Reuters 2014"
    assert image["creator"] == {"@type": "Person", "name": "Yuri Maltsev"}
    assert (image["width"], image["height"]) == (64, 48)
    for node in _walk(data):
        assert set(node) <= SCHEMA_ORG_PROPERTIES, set(node) - SCHEMA_ORG_PROPERTIES
        assert node.get("@type", "NewsArticle") in SCHEMA_ORG_TYPES


def test_opengraph_twitter_and_canonical(client, seed_article):
    html = client.get(seed_article.get_absolute_url()).content.decode()
    url = SITE + seed_article.get_absolute_url()
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="Russia Presents Pyongyang">' in html
    assert '<meta property="og:image" content="http://127.0.0.1:8000/' in html
    assert '<meta property="og:image:alt" content="A guard">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<meta property="article:tag" content="Russia">' in html


def test_expired_photo_rights_leave_no_image_anywhere(client, seed_article):
    seed_article.lead_media.rights_expire_at = timezone.now() - datetime.timedelta(seconds=1)
    seed_article.lead_media.save()
    html = client.get(seed_article.get_absolute_url()).content.decode()
    assert "image" not in _jsonld(html)
    assert "og:image" not in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert "REUTERS/Yuri Maltsev" not in html
    assert "55384539" not in html


def test_script_in_headline_cannot_close_the_jsonld_script(client):
    article = make_article(headline="</script><script>alert(1)</script>")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "</script><script>alert(1)" not in html
    assert _jsonld(html)["headline"] == "</script><script>alert(1)</script>"


def test_byline_without_author_records_and_organisation_fallback(client):
    with_byline = make_article(byline="Agencies")
    plain = make_article()
    data = _jsonld(client.get(with_byline.get_absolute_url()).content.decode())
    assert data["author"] == [{"@type": "Person", "name": "Agencies"}]
    data = _jsonld(client.get(plain.get_absolute_url()).content.decode())
    assert data["author"][0]["@type"] == "NewsMediaOrganization"


def test_hreflang_links_public_translations_only(client):
    original = make_article(slug="talks")
    arabic = make_article(language="ar", translation_of=original, slug="mahadathat")
    make_article(
        language="fr", translation_of=original, status=Article.Status.DRAFT, publish_at=None
    )
    html = client.get(original.get_absolute_url()).content.decode()
    assert (
        f'<link rel="alternate" hreflang="en" href="{SITE}{original.get_absolute_url()}">' in html
    )
    assert f'<link rel="alternate" hreflang="ar" href="{SITE}{arabic.get_absolute_url()}">' in html
    assert 'hreflang="fr"' not in html
    html = client.get(arabic.get_absolute_url()).content.decode()
    assert f'hreflang="en" href="{SITE}{original.get_absolute_url()}"' in html
    lonely = make_article()
    assert "hreflang" not in client.get(lonely.get_absolute_url()).content.decode()


def test_preview_has_no_structured_data(client, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("ed", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_article"))
    client.force_login(user)
    draft = make_article(status=Article.Status.DRAFT, publish_at=None)
    html = client.get(draft.get_absolute_url()).content.decode()
    assert "application/ld+json" not in html
