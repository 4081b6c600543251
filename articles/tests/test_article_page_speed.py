"""What a page-cache miss costs: the article page's exact query count, the
section page's tighter budget, teaser lists that read only the teaser's
fields, and the fast URL builder agreeing with reverse(). The budgets in
test_query_budgets.py are ceilings; these pin the savings so that they are
not lost unnoticed."""

import pytest
from django.db import connection

from articles.tests.factories import make_article, make_author, make_category, make_tag
from media_assets.tests.factories import make_media

pytestmark = pytest.mark.django_db


def _warm():
    """Per-generation lookups shared by every page (the next scheduled change,
    the section navigation), as in test_query_budgets.py."""
    from articles.models import category_tree
    from cms.caching import current_generation, next_change_at
    from cms.context_processors import _top_level_sections

    next_change_at(current_generation())
    _top_level_sections()
    category_tree()  # and the category tree (the section and home pages)


def _article_with_related():
    from media_assets.renditions import generate_standard_renditions

    section = make_category(parent=make_category())
    authors = [make_author(), make_author()]
    tags = [make_tag(), make_tag()]
    related = [
        make_article(
            section=section,
            dek=f"Dek {i}",
            lead_media=make_media(with_file=True),
            authors=authors,
            tags=tags,
        )
        for i in range(4)
    ]
    for other in related:
        generate_standard_renditions(other.lead_media, specs=["card"], formats=["JPEG"])
    article = make_article(
        section=section, lead_media=make_media(with_file=True), authors=authors, tags=tags
    )
    return article, related


def test_article_outside_a_translation_group_costs_a_fixed_number_of_queries(
    client, django_assert_num_queries
):
    article, related = _article_with_related()
    _warm()
    # 1 article + section + lead photo (joined) + whether anything
    # translates it, 2 authors, 3 tags, 4 related articles (their teaser
    # fields, section, lead photo), 5 renditions of the lead photo and of the
    # related teasers' photos. No hreflang query. On PostgreSQL one more
    # before 4: the related articles' ids, the section's and each tag's
    # newest, picked from their indexes in one statement
    # (ArticleQuerySet.newest_sharing).
    with django_assert_num_queries(5 + (connection.vendor == "postgresql")):
        response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "hreflang" not in html
    assert len(response.context["related"]) == 4
    for other in related:
        # The teasers read only the fields the related query loads.
        assert f'<a href="{other.get_absolute_url()}">{other.headline}</a>' in html
        assert f'<p class="teaser-dek">{other.dek}</p>' in html
        assert f'<a href="{other.section.get_absolute_url()}">{other.section.name}</a>' in html


def test_article_row_joins_its_section_but_not_the_parent_section(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    article = make_article(section=make_category(parent=make_category()))
    _warm()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    # The article's own row is the page's only query that reads a body
    # (teasers never do). The page shows the section's name and address,
    # never its parent's, so the category table is joined once.
    [row] = [q["sql"] for q in queries.captured_queries if '"articles_article"."body"' in q["sql"]]
    assert row.count('JOIN "articles_category"') == 1


@pytest.mark.parametrize("which", ["original", "translation"])
def test_article_in_a_translation_group_adds_one_query(client, django_assert_num_queries, which):
    original = make_article(slug="talks", lead_media=make_media(with_file=True))
    arabic = make_article(
        language="ar", translation_of=original, slug="mahadathat", lead_media=make_media()
    )
    page, other = (original, arabic) if which == "original" else (arabic, original)
    _warm()
    # The five queries above, then 6 the group's public versions.
    with django_assert_num_queries(6):
        response = client.get(page.get_absolute_url())
    html = response.content.decode()
    assert f'hreflang="{other.language}" href="http://' in html
    assert other.get_absolute_url() in html


def test_unpublished_translation_is_not_linked_and_costs_no_more(
    client, django_assert_num_queries
):
    from articles.models import Article

    original = make_article(lead_media=make_media(with_file=True))
    make_article(
        language="fr", translation_of=original, status=Article.Status.DRAFT, publish_at=None
    )
    _warm()
    # A group exists, so its versions are looked up (6 queries); none is public.
    with django_assert_num_queries(6):
        html = client.get(original.get_absolute_url()).content.decode()
    assert "hreflang" not in html


def test_teaser_lists_read_no_article_bodies_and_no_field_per_teaser(
    client, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    section = make_category()
    child = make_category(parent=section)
    articles = [
        make_article(
            section=child if i % 2 else section,
            dek=f"Dek {i}",
            body=f"<p>Body text {i}</p>",
            lead_media=make_media(with_file=True),
            authors=[make_author()],
        )
        for i in range(6)
    ]
    _warm()
    # The section, its children and those below from the kept tree
    # (category_tree, warmed); 1 page of articles (+section, lead photo),
    # 2 renditions: a teaser reading a field the list did not load would add
    # one per teaser.
    with (
        django_assert_max_num_queries(2),
        CaptureQueriesContext(connection) as queries,
    ):
        response = client.get(section.get_absolute_url())
    html = response.content.decode()
    assert not any('"body"' in query["sql"] for query in queries.captured_queries)
    for article in articles:
        assert f'<a href="{article.get_absolute_url()}">{article.headline}</a>' in html
        assert f'<p class="teaser-dek">{article.dek}</p>' in html
    assert "Body text" not in html


def _teaser_photo_columns(queries) -> set[str]:
    """The lead-photo columns read by the page's one query of teasers: the
    articles joined with their photos, no article body."""
    import re

    [sql] = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT")
        and 'FROM "articles_article"' in q["sql"]
        and 'JOIN "media_assets_mediaasset"' in q["sql"]
        and '"articles_article"."body"' not in q["sql"]
    ]
    return set(re.findall(r'"media_assets_mediaasset"\."(\w+)"', sql.split(" FROM ")[0]))


# What the teaser's {% picture %} and |public_media read of a photo: the
# rights expiry must be among them, or each teaser would cost a query.
TEASER_PHOTO_COLUMNS = {
    "id", "file", "mime_type", "width", "height", "alt_text", "rights_expire_at",
}  # fmt: skip


def test_teasers_load_only_the_photo_columns_their_picture_reads(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    article, related = _article_with_related()
    _warm()
    with CaptureQueriesContext(connection) as on_article:
        article_html = client.get(article.get_absolute_url()).content.decode()
    with CaptureQueriesContext(connection) as on_section:
        section_html = client.get(article.section.get_absolute_url()).content.decode()
    assert _teaser_photo_columns(on_article) == TEASER_PHOTO_COLUMNS
    assert _teaser_photo_columns(on_section) == TEASER_PHOTO_COLUMNS
    for other in related:
        card = other.lead_media.renditions.get(spec="card")
        assert card.url in article_html and card.url in section_html


@pytest.mark.parametrize(
    "slug", ["plain-slug_9", "a.b~c", "it's", "50%-off", "{braces}", "café", "a b", "x:y@z"]
)
def test_fast_urls_match_reverse_for_any_slug_characters(slug):
    from django.urls import reverse

    from articles.urlbuild import build_url

    assert build_url("articles:tag", slug=slug) == reverse("articles:tag", kwargs={"slug": slug})
    kwargs = {"section": slug, "pk": 12, "slug": slug}
    assert build_url("articles:article", **kwargs) == reverse("articles:article", kwargs=kwargs)


def test_section_without_sub_sections_does_not_look_for_them_twice(
    client, django_assert_max_num_queries
):
    section = make_category()
    other = make_category()
    mine = [make_article(section=section, lead_media=make_media(with_file=True)) for _ in range(3)]
    make_article(section=other)
    _warm()
    # 1 section (+parent), 2 its sub-sections (none), 3 page of articles
    # (+section, lead photo), 4 authors, 5 the teasers' picture renditions.
    with django_assert_max_num_queries(5):
        response = client.get(section.get_absolute_url())
    assert {a.pk for a in response.context["page"].items} == {a.pk for a in mine}
