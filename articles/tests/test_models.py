import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article, Category
from articles.tests.factories import (
    hidden_variants,
    make_article,
    make_author,
    make_category,
)

pytestmark = pytest.mark.django_db


def test_public_excludes_every_non_public_state():
    section = make_category()
    visible = make_article(section=section)
    hidden = hidden_variants(section)
    public_ids = set(Article.objects.public().values_list("pk", flat=True))
    assert public_ids == {visible.pk}
    for name, article in hidden.items():
        assert not article.is_public, name
    assert visible.is_public


def test_public_is_evaluated_at_query_time():
    # A scheduled article becomes public when its time comes, with no cron.
    article = make_article(publish_at=timezone.now() + datetime.timedelta(seconds=1))
    assert not Article.objects.public().filter(pk=article.pk).exists()
    Article.objects.filter(pk=article.pk).update(
        publish_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert Article.objects.public().filter(pk=article.pk).exists()


def test_save_derives_slug_word_count_and_publication_times():
    article = make_article(
        headline="Moscow and Pyongyang: Talks", slug="", body="<p>One two three</p>",
        status=Article.Status.PUBLISHED, publish_at=None,
    )  # fmt: skip
    assert article.slug == "moscow-and-pyongyang-talks"
    assert article.word_count == 3
    assert article.reading_time == 1
    assert article.publish_at is not None
    assert article.first_published_at == article.publish_at
    first = article.first_published_at
    article.publish_at = timezone.now() + datetime.timedelta(days=1)
    article.save()
    assert article.first_published_at == first


def test_body_is_sanitised_on_save():
    article = make_article(
        body='<p onclick="steal()">Hi <a href="javascript:alert(1)">x</a></p>'
        '<script>alert(1)</script><img src="x" onerror="alert(1)">'
        '<figure data-media-id="55384539"></figure>'
    )
    assert "onclick" not in article.body
    assert "javascript:" not in article.body
    assert "<script" not in article.body
    assert "onerror" not in article.body
    assert 'data-media-id="55384539"' in article.body


def test_published_needs_publish_at_in_the_database():
    article = make_article()
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(publish_at=None)


def test_legacy_id_is_unique_per_source_only():
    make_article(legacy_source="https://a.example", legacy_id="42")
    make_article(legacy_source="https://b.example", legacy_id="42")
    make_article(legacy_source="https://a.example", legacy_id="")
    make_article(legacy_source="https://a.example", legacy_id="")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(legacy_source="https://a.example", legacy_id="42")


def test_byline_lists_authors_in_order_unless_typed():
    first, second, third = make_author(name="Ann"), make_author(name="Bob"), make_author(name="Cy")
    article = make_article(authors=[second, first, third])
    article = Article.objects.for_listing().get(pk=article.pk)
    assert article.display_byline == "Bob, Ann and Cy"
    article.byline = "Staff reporter"
    assert article.display_byline == "Staff reporter"


def test_absolute_and_short_urls():
    section = make_category(slug="opinion")
    article = make_article(section=section, slug="a-story")
    assert article.get_absolute_url() == f"/opinion/{article.pk}/a-story/"
    assert article.get_short_url() == f"/a/{article.pk}/"


def test_category_tree_path_and_descendants():
    top = make_category(slug="middle-east")
    child = make_category(slug="gulf", parent=top)
    grandchild = make_category(slug="gulf-oil", parent=child)
    other = make_category(slug="opinion")
    assert grandchild.path == "middle-east/gulf/gulf-oil"
    assert sorted(top.descendant_ids()) == sorted([top.pk, child.pk, grandchild.pk])
    assert other.descendant_ids() == [other.pk]
    # The same from the kept tree, which carries each category's parent.
    from articles.models import category_tree

    tree = category_tree()
    assert sorted(top.descendant_ids(tree)) == sorted(top.descendant_ids())
    assert child.descendant_ids(tree) == [child.pk, grandchild.pk]
    assert next(c for c in tree if c.pk == grandchild.pk).path == "middle-east/gulf/gulf-oil"


def test_category_cannot_be_its_own_ancestor():
    top = make_category()
    child = make_category(parent=top)
    top.parent = child
    with pytest.raises(ValidationError):
        top.full_clean()


def test_reserved_section_slug_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        Category(name="Admin", slug="admin").full_clean()
    assert "slug" in excinfo.value.message_dict


def test_text_direction_follows_language():
    assert make_article(language="ar").text_direction == "rtl"
    assert make_article(language="en").text_direction == "ltr"


def test_in_sections_includes_sub_sections():
    top = make_category()
    child = make_category(parent=top)
    elsewhere = make_category()
    a, b = make_article(section=top), make_article(section=child)
    make_article(section=elsewhere)
    assert set(Article.objects.in_sections(top)) == {a, b}
    assert set(Article.objects.in_sections(child)) == {b}
    assert Category.objects.count() == 3
