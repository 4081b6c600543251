"""Query budgets (DESIGN.md §7), measured with enough related rows that an
N+1 would show."""

import pytest
from django.db import connection

from articles.tests.factories import make_article, make_author, make_category, make_tag
from media_assets.tests.factories import make_media

pytestmark = pytest.mark.django_db


def _warm():
    """The page cache bounds every entry's life by the next scheduled change,
    looked up (3 queries) once per cache generation and shared by every page;
    warming it lets each budget count the page's own queries. The lookup's own
    cost is budgeted in articles/tests/test_caching.py."""
    from articles.models import category_tree
    from cms.caching import current_generation, next_change_at
    from cms.context_processors import _top_level_sections

    next_change_at(current_generation())
    # Likewise the section navigation (1 query per generation; see
    # cms/tests/test_navigation.py).
    _top_level_sections()
    category_tree()  # and the category tree (the section and home pages)


def _rich_articles(section, count, *, per_article=6):
    authors = [make_author() for _ in range(per_article)]
    tags = [make_tag() for _ in range(per_article)]
    categories = [make_category(parent=section) for _ in range(per_article)]
    return [
        make_article(
            section=section,
            lead_media=make_media(with_file=True),
            authors=authors,
            tags=tags,
            categories=categories,
        )
        for _ in range(count)
    ]


def test_article_page_query_budget(client, django_assert_max_num_queries):
    parent = make_category()
    section = make_category(parent=parent)
    article = _rich_articles(section, 1, per_article=12)[0]
    _warm()
    # 1 article + section + lead photo (joined, with whether any
    # translation points at it), 2 authors, 3 tags, 4 related articles,
    # 5 renditions of the lead photo and of the related teasers' photos
    # together. The translations (hreflang) query runs only for an article in
    # a translation group (test_article_page_speed). On PostgreSQL, one more:
    # the tags' links (ArticleQuerySet.linked_to).
    with django_assert_max_num_queries(5 + (connection.vendor == "postgresql")):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200


@pytest.mark.parametrize("count", [5, 25])
def test_section_page_query_budget_does_not_grow(client, django_assert_max_num_queries, count):
    section = make_category()
    child = make_category(parent=section)
    _rich_articles(section, count // 2)
    _rich_articles(child, count - count // 2)
    _warm()
    # 1 section (+parent), 2 children, 3-5 descendant ids (one per tree
    # level), 6 page of articles (+section, lead photo), 7 the teasers'
    # picture renditions. Teasers show no byline: no authors query.
    with django_assert_max_num_queries(7):
        response = client.get(section.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["page"].items) == min(count, 20)


def test_home_page_query_budget(client, django_assert_max_num_queries):
    sections = [make_category() for _ in range(3)]
    for section in sections:
        _rich_articles(section, 6, per_article=3)
    _warm()
    # 1 categories, 2 lead story, 1 per section (articles), then for all the
    # teasers together their picture renditions (teasers show no byline: no
    # authors query). Grows with sections, never with articles.
    with django_assert_max_num_queries(3 + len(sections)):
        response = client.get("/")
    assert response.status_code == 200


def test_article_page_with_body_figures_stays_in_budget(client, django_assert_max_num_queries):
    section = make_category()
    figures = [make_media(with_file=True, caption=f"Figure {i}") for i in range(4)]
    body = "".join(
        f'<p>Para {i}</p><figure data-media-id="{asset.media_id}"></figure>'
        for i, asset in enumerate(figures)
    )
    article = make_article(section=section, body=body, lead_media=make_media(with_file=True))
    _warm()
    # The article page's 6 queries (see above) plus 2 for all body figures
    # together (assets, their renditions), whatever the number of figures.
    with django_assert_max_num_queries(8):
        response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    for asset in figures:
        assert f"Figure {asset.caption[-1]}" in html
        assert "<figcaption" in html


def test_article_page_with_related_teasers_and_figures_stays_in_budget(
    client, django_assert_max_num_queries
):
    from media_assets.models import Rendition
    from media_assets.renditions import generate_standard_renditions

    section = make_category()
    figure = make_media(with_file=True, caption="Figure")
    related = _rich_articles(section, 4, per_article=2)
    for other in related:
        generate_standard_renditions(other.lead_media, specs=["thumb", "card"], formats=["JPEG"])
    article = make_article(
        section=section,
        body=f'<p>Text</p><figure data-media-id="{figure.media_id}"></figure>',
        lead_media=make_media(with_file=True),
    )
    _warm()
    # The article page's 6 queries (the related teasers' renditions come with
    # the lead photo's) plus 2 for the body figures.
    with django_assert_max_num_queries(8):
        response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert len(response.context["related"]) == 4
    for other in related:
        card = Rendition.objects.get(asset=other.lead_media, spec="card", format="JPEG")
        assert f'<img src="{card.url}"' in html
