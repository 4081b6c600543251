import pytest

from articles.tests.factories import make_category
from cms.caching import current_generation
from cms.context_processors import _top_level_sections

pytestmark = pytest.mark.django_db


def test_navigation_is_read_once_per_content_generation(django_assert_num_queries):
    section = make_category(name="Opinion", slug="opinion", position=2)
    make_category(name="Gulf", slug="gulf", parent=section)
    current_generation()
    with django_assert_num_queries(1):
        first = _top_level_sections()
        second = _top_level_sections()
    assert [s.name for s in first] == [s.name for s in second] == ["Opinion"]


def test_navigation_costs_no_round_trip_while_this_worker_knows_the_generation(
    settings, monkeypatch
):
    from django.core.cache import cache

    from cms import caching

    settings.PAGE_CACHE_LOCAL_SECONDS = 60
    make_category(name="Opinion", slug="opinion")
    assert [s.name for s in _top_level_sections()] == ["Opinion"]
    trips = []
    for name in ("get", "get_many", "get_or_set"):
        real = getattr(cache, name)
        monkeypatch.setattr(
            cache,
            name,
            lambda *a, _real=real, _name=name, **k: trips.append(_name) or _real(*a, **k),
        )
    assert [s.name for s in _top_level_sections()] == ["Opinion"]
    assert trips == []
    # Another worker saved a section: the shared counter moved on. Once this
    # worker reads the new generation, it reads the navigation again.
    make_category(name="Business", slug="business", position=0)
    cache.incr(caching.GENERATION_KEY)
    caching.local_tier.read_at = -1e9  # the generation it knows is no longer trusted
    assert [s.name for s in _top_level_sections()] == ["Business", "Opinion"]
    assert "get_or_set" in trips


def test_without_the_local_tier_the_navigation_is_read_from_the_shared_cache(
    settings, django_assert_num_queries
):
    from cms import caching

    settings.PAGE_CACHE_LOCAL_SECONDS = 0
    make_category(name="Opinion", slug="opinion")
    current_generation()
    with django_assert_num_queries(1):  # then the shared cache's copy
        _top_level_sections()
        _top_level_sections()
    assert caching.local_tier._values == {}


def test_a_renamed_section_shows_at_once(client, django_capture_on_commit_callbacks):
    section = make_category(name="Opinion", slug="opinion")
    assert ">Opinion<" in client.get("/opinion/").content.decode()
    # Every content save starts a new generation of cached pages and navigation.
    section.name = "Comment"
    with django_capture_on_commit_callbacks(execute=True):
        section.save()
    html = client.get("/opinion/").content.decode()
    assert ">Comment<" in html and ">Opinion<" not in html


def test_the_layout_links_are_the_reversed_addresses(client):
    from django.urls import reverse

    html = client.get("/search/").content.decode()
    for name in ("home", "search", "archive", "rss", "atom", "sitemap_index"):
        assert f'href="{reverse(f"articles:{name}")}"' in html or (
            f'action="{reverse(f"articles:{name}")}"' in html
        ), name
    assert "{{" not in html and "SITE_URLS" not in html


def test_the_layout_links_follow_the_script_prefix(rf):
    from django.urls import set_script_prefix

    from cms.context_processors import site

    try:
        set_script_prefix("/news/")
        urls = site(rf.get("/"))["SITE_URLS"]
    finally:
        set_script_prefix("/")
    assert urls["rss"].startswith("/news/") and urls["home"] == "/news/"
    assert site(rf.get("/"))["SITE_URLS"]["home"] == "/"


def test_a_section_page_reads_no_category_once_the_tree_is_kept(client, django_assert_num_queries):
    from articles.models import category_tree
    from articles.tests.factories import make_article
    from cms.caching import next_change_at

    top = make_category(name="Middle East", slug="middle-east")
    gulf = make_category(name="Gulf", slug="gulf", parent=top)
    make_category(name="Gulf oil", slug="gulf-oil", parent=gulf)
    story = make_article(section=gulf)
    next_change_at(current_generation())
    _top_level_sections()
    category_tree()
    # The page of articles alone (without photos, no renditions): the
    # section, its parent, its children and those below come from the kept
    # tree.
    with django_assert_num_queries(1) as captured:
        html = client.get("/gulf/").content.decode()
    assert not any('FROM "articles_category"' in q["sql"] for q in captured.captured_queries)
    assert story.headline in html and "Middle East" in html and "Gulf oil" in html
    with django_assert_num_queries(1):
        assert story.headline in client.get("/middle-east/").content.decode()
    assert client.get("/no-such-section/").status_code == 404


def test_a_new_sub_section_shows_at_once(client, django_capture_on_commit_callbacks):
    from articles.tests.factories import make_article

    top = make_category(name="Middle East", slug="middle-east")
    assert client.get("/middle-east/").status_code == 200
    assert client.get("/levant/").status_code == 404
    # Every content save starts a new generation of the tree.
    with django_capture_on_commit_callbacks(execute=True):
        levant = make_category(name="Levant", slug="levant", parent=top)
    with django_capture_on_commit_callbacks(execute=True):
        story = make_article(section=levant)
    assert story.headline in client.get("/levant/").content.decode()
    html = client.get("/middle-east/").content.decode()
    assert story.headline in html and ">Levant<" in html
