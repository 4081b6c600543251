import pytest
from django.urls import reverse

from articles.urlbuild import build_url


@pytest.mark.parametrize(
    ("viewname", "kwargs"),
    [
        ("articles:section", {"slug": "opinion"}),
        ("articles:tag", {"slug": "north-korea"}),
        ("articles:tag", {"slug": "περιεχόμενο"}),
        ("articles:author", {"slug": "سارة"}),
        ("articles:author", {"slug": "a_b-c9"}),
        ("articles:article", {"section": "opinion", "pk": 301, "slug": "russia-presents"}),
        ("articles:article", {"section": "أخبار", "pk": 7, "slug": "موسكو-تقدم"}),
        ("articles:short", {"pk": 55384539}),
    ],
)
def test_build_url_gives_what_reverse_gives(viewname, kwargs):
    assert build_url(viewname, **kwargs) == reverse(viewname, kwargs=kwargs)


def test_values_a_slug_cannot_hold_fall_back_to_reverse():
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        build_url("articles:tag", slug="a/b")
    with pytest.raises(NoReverseMatch):
        build_url("articles:tag", slug="")


def test_script_prefix_is_respected():
    from django.urls import set_script_prefix

    set_script_prefix("/news/")
    try:
        assert build_url("articles:tag", slug="oil") == "/news/tag/oil/" == reverse(
            "articles:tag", kwargs={"slug": "oil"}
        )
    finally:
        set_script_prefix("/")
