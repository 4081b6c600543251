"""The anonymous page cache (cms/caching.py): headers, 304s, who is never
cached, and invalidation for every event that changes what a page shows."""

import datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.http import HttpResponse
from django.utils import timezone

from articles import services
from articles.models import Article
from articles.tests.factories import make_article, make_category, make_tag
from cms import caching
from media_assets.tests.factories import make_media

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db):
    return User.objects.create_superuser("boss", password="pw")


def _get(client, url, **headers):
    return client.get(url, headers=headers)


def test_anonymous_page_is_cached_with_validators_and_no_cookie(client):
    article = make_article()
    first = _get(client, article.get_absolute_url())
    second = _get(client, article.get_absolute_url())
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert first.content == second.content
    assert second["ETag"] == first["ETag"] and second["ETag"].startswith('"')
    assert second["Last-Modified"] == first["Last-Modified"]
    assert second["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert "Cookie" in second["Vary"]
    assert not second.cookies and "Set-Cookie" not in second


def test_conditional_requests_get_304(client):
    url = make_article().get_absolute_url()
    first = _get(client, url)
    assert _get(client, url, if_none_match=first["ETag"]).status_code == 304
    assert _get(client, url, if_modified_since=first["Last-Modified"]).status_code == 304
    assert _get(client, url, if_none_match='"other"').status_code == 200


def test_unknown_query_parameters_do_not_bypass_the_cache(client):
    make_category(slug="s")
    _get(client, "/s/")
    assert client.get("/s/", {"utm_source": "x"})["X-Cache"] == "hit"
    assert client.get("/s/", {"before": "x"})["X-Cache"] == "miss"


def test_logged_in_readers_are_never_served_or_stored(client, editor):
    url = make_article().get_absolute_url()
    client.force_login(editor)
    response = _get(client, url)
    assert "X-Cache" not in response
    assert response["Cache-Control"] == "private, no-cache"
    client.logout()
    assert _get(client, url)["X-Cache"] == "miss"  # the editor's view was not stored


def test_staff_preview_is_never_cached(client, editor):
    draft = make_article(status=Article.Status.DRAFT, publish_at=None)
    client.force_login(editor)
    for _ in range(2):
        response = _get(client, draft.get_absolute_url())
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
    client.logout()
    assert _get(client, draft.get_absolute_url()).status_code == 404


def test_responses_setting_cookies_or_private_are_not_stored(rf):
    calls = []

    def view(request, kind):
        calls.append(kind)
        response = HttpResponse("x")
        if kind == "cookie":
            response.set_cookie("c", "1")
        else:
            response["Cache-Control"] = "private"
        return response

    cached = caching.cache_public_page(view)
    for kind in ("cookie", "private"):
        for _ in range(2):
            response = cached(rf.get(f"/{kind}/"), kind)
            assert "X-Cache" not in response
    assert calls == ["cookie", "cookie", "private", "private"]


# --- invalidation -----------------------------------------------------------------


def _shows(client, url, text):
    return text in _get(client, url).content.decode()


def test_publish_edit_and_withdraw_invalidate(client, editor, commit):
    section = make_category(slug="s")
    draft = make_article(section=section, status=Article.Status.DRAFT, publish_at=None,
                         headline="Breaking")  # fmt: skip
    assert not _shows(client, "/s/", "Breaking")
    article = commit(services.article_publish, article=draft, user=editor)
    assert _shows(client, "/s/", "Breaking")
    assert _shows(client, article.get_absolute_url(), "Breaking")
    commit(services.article_update, article=article, user=editor, headline="Corrected")
    assert _shows(client, "/s/", "Corrected")
    assert _shows(client, article.get_absolute_url(), "Corrected")
    assert _shows(client, "/feeds/rss/", "Corrected")
    commit(services.article_withdraw, article=Article.objects.get(pk=article.pk), user=editor)
    assert not _shows(client, "/s/", "Corrected")
    assert _get(client, article.get_absolute_url()).status_code == 404


def test_without_commit_nothing_is_invalidated_early(client):
    # The bump waits for the commit: inside the transaction the cached page
    # stays (a concurrent reader must not cache half-written content).
    article = make_article(headline="Before")
    _get(client, article.get_absolute_url())
    article.headline = "After"
    article.save()
    assert _get(client, article.get_absolute_url())["X-Cache"] == "hit"


def test_caption_and_credit_changes_invalidate(client, commit):
    photo = make_media(with_file=True, caption="Old caption", credit="AP/Old")
    article = make_article(lead_media=photo)
    url = article.get_absolute_url()
    assert _shows(client, url, "Old caption")
    photo.caption, photo.credit = "New caption", "AP/New"
    commit(photo.save)
    html = _get(client, url).content.decode()
    assert "New caption" in html and "AP/New" in html


def test_tag_and_section_changes_invalidate(client, commit):
    tag = make_tag(name="Oil")
    article = make_article(tags=[tag])
    assert _shows(client, article.get_absolute_url(), "Oil")
    new_tag = make_tag(name="Energy")
    commit(article.tags.set, [new_tag])
    assert _shows(client, article.get_absolute_url(), "Energy")
    section = article.section
    section.name = "Renamed section"
    commit(section.save)
    assert _shows(client, article.get_absolute_url(), "Renamed section")


def test_scheduled_article_appears_when_its_time_comes(client, later):
    section = make_category(slug="s")
    make_article(section=section, headline="Now")
    make_article(section=section, headline="Scheduled one",
                 publish_at=timezone.now() + datetime.timedelta(seconds=90))  # fmt: skip
    assert not _shows(client, "/s/", "Scheduled one")
    assert _get(client, "/s/")["X-Cache"] == "hit"
    later(91)
    response = _get(client, "/s/")
    assert response["X-Cache"] == "miss"
    assert "Scheduled one" in response.content.decode()


def test_expiring_article_disappears_when_its_time_comes(client, later):
    make_category(slug="s")
    section = make_category(slug="t")
    make_article(section=section, headline="Short-lived",
                 expires_at=timezone.now() + datetime.timedelta(seconds=30))  # fmt: skip
    assert _shows(client, "/t/", "Short-lived")
    later(31)
    assert not _shows(client, "/t/", "Short-lived")


def test_photo_disappears_when_its_rights_expire(client, later):
    expiry = timezone.now() + datetime.timedelta(seconds=60)
    photo = make_media(with_file=True, credit="AP/Rights", rights_expire_at=expiry)
    article = make_article(lead_media=photo)
    assert _shows(client, article.get_absolute_url(), "AP/Rights")
    later(61)
    assert not _shows(client, article.get_absolute_url(), "AP/Rights")


def test_next_change_lookup_costs_three_queries_once_per_generation(
    django_assert_num_queries,
):
    make_article(publish_at=timezone.now() + datetime.timedelta(hours=1))
    generation = caching.current_generation()
    # 1 next publish_at, 2 next expires_at, 3 next rights expiry.
    with django_assert_num_queries(3):
        first = caching.next_change_at(generation)
    with django_assert_num_queries(0):
        assert caching.next_change_at(generation) == first


def test_page_cache_can_be_turned_off(client, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    url = make_article().get_absolute_url()
    assert "X-Cache" not in _get(client, url)
    assert "X-Cache" not in _get(client, url)


def test_writer_without_rights_gets_no_cached_copy_of_a_preview(client):
    # A logged-in user without change permission is refused the draft, and
    # the 404 is not cached for anyone.
    writer = User.objects.create_user("w", password="pw", is_staff=True)
    writer.user_permissions.add(Permission.objects.get(codename="view_article"))
    draft = make_article(status=Article.Status.DRAFT, publish_at=None)
    client.force_login(writer)
    assert _get(client, draft.get_absolute_url()).status_code == 404


def test_a_hit_is_answered_before_the_view_with_every_security_header(
    client, django_assert_num_queries, monkeypatch
):
    url = make_article().get_absolute_url()
    stored = _get(client, url)

    def no_resolving(*args, **kwargs):
        raise AssertionError("a cached page must not reach URL resolution")

    monkeypatch.setattr("django.core.handlers.base.BaseHandler.resolve_request", no_resolving)
    with django_assert_num_queries(0):
        hit = _get(client, url)
    assert hit["X-Cache"] == "hit" and hit.content == stored.content
    assert hit["Content-Length"] == str(len(stored.content))
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
                   "Referrer-Policy", "Vary", "Cache-Control", "ETag"):  # fmt: skip
        assert hit[header] == stored[header]
    assert hit["X-Request-ID"] and hit["X-Request-ID"] != stored["X-Request-ID"]


def test_a_reader_with_a_session_cookie_skips_the_early_cache(client, editor, monkeypatch):
    url = make_article().get_absolute_url()
    _get(client, url)
    assert _get(client, url)["X-Cache"] == "hit"
    client.force_login(editor)
    views = []
    real = caching._cached_response
    monkeypatch.setattr(caching, "_cached_response", lambda *a: views.append(a) or real(*a))
    response = _get(client, url)
    assert response.status_code == 200 and "X-Cache" not in response
    assert views == []  # the stored anonymous copy was not even looked at


def test_paths_that_are_never_cached_still_work_behind_the_early_cache(client):
    # The admin login, a 404 and the API pass through after one cache read.
    assert client.get("/admin/login/").status_code == 200
    assert client.get("/no-such-page/").status_code == 404
    assert client.get("/api/v1/articles/").status_code == 200


def _spy_round_trips(monkeypatch):
    """The shared cache's calls made from now on (by name)."""
    from django.core.cache import cache

    calls, depth = [], [0]

    def spy(name, real):
        def call(*args, **kwargs):
            if not depth[0]:  # the backend's own calls inside get_many() are not trips
                calls.append(name)
            depth[0] += 1
            try:
                return real(*args, **kwargs)
            finally:
                depth[0] -= 1

        return call

    for name in ("get", "get_many", "set", "add", "incr"):
        monkeypatch.setattr(cache, name, spy(name, getattr(cache, name)))
    return calls


def test_a_hit_costs_no_round_trip_while_the_generation_is_recent_then_one(
    client, monkeypatch, settings, later
):
    settings.PAGE_CACHE_LOCAL_SECONDS = 5
    url = make_article().get_absolute_url()
    _get(client, url)
    calls = _spy_round_trips(monkeypatch)
    assert _get(client, url)["X-Cache"] == "hit"
    assert calls == []  # this worker's own copy
    later(5)  # the generation this worker read is no longer trusted
    assert _get(client, url)["X-Cache"] == "hit"
    assert calls == ["get_many"]  # generation and entry, in one round trip
    assert _get(client, url)["X-Cache"] == "hit"
    assert calls == ["get_many"]


def test_without_the_local_tier_every_hit_costs_one_round_trip(client, monkeypatch, settings):
    settings.PAGE_CACHE_LOCAL_SECONDS = 0
    url = make_article().get_absolute_url()
    _get(client, url)
    calls = _spy_round_trips(monkeypatch)
    assert _get(client, url)["X-Cache"] == "hit"
    assert _get(client, url)["X-Cache"] == "hit"
    assert calls == ["get_many", "get_many"]
    assert len(caching.local_tier) == 0


def test_a_change_made_by_another_process_shows_when_the_window_ends(
    client, settings, later
):
    from django.core.cache import cache

    settings.PAGE_CACHE_LOCAL_SECONDS = 1
    article = make_article(headline="Before the correction")
    url = article.get_absolute_url()
    _get(client, url)
    # Another worker saves a correction: the row changes and the shared
    # counter moves on, neither through this process.
    Article.objects.filter(pk=article.pk).update(headline="After the correction")
    cache.incr(caching.GENERATION_KEY)
    later(1)
    response = _get(client, url)
    assert response["X-Cache"] == "miss"
    assert b"After the correction" in response.content


def test_a_change_made_in_this_process_shows_at_once(client, settings, editor, commit):
    settings.PAGE_CACHE_LOCAL_SECONDS = 60
    article = make_article(headline="Before the correction")
    url = article.get_absolute_url()
    _get(client, url)
    assert _get(client, url)["X-Cache"] == "hit"
    commit(services.article_update, article=article, user=editor, headline="After the correction")
    response = _get(client, url)
    assert response["X-Cache"] == "miss"
    assert b"After the correction" in response.content


def test_a_page_stored_by_another_process_in_a_newer_generation_is_taken(
    client, settings, monkeypatch
):
    from django.core.cache import cache

    settings.PAGE_CACHE_LOCAL_SECONDS = 60
    first, second = make_article(), make_article()
    _get(client, first.get_absolute_url())
    old = caching.local_tier.generation
    # Another worker bumped the counter and stored the second page since.
    cache.incr(caching.GENERATION_KEY)
    caching.local_tier.reset()
    _get(client, second.get_absolute_url())
    caching.local_tier.note_generation(old)
    caching.local_tier.read_at = caching._clock()
    response = _get(client, second.get_absolute_url())
    assert response["X-Cache"] == "hit"
    assert caching.local_tier.generation == old + 1
    # The first page's entry (of the old generation) is no longer served.
    assert _get(client, first.get_absolute_url())["X-Cache"] == "miss"


def test_a_lost_generation_counter_is_restarted_and_noted_once(settings, monkeypatch):
    from django.core.cache import cache

    settings.PAGE_CACHE_LOCAL_SECONDS = 60
    noted, note = [], caching.local_tier.note_generation

    def spy(generation):
        noted.append(generation)
        note(generation)

    monkeypatch.setattr(caching.local_tier, "note_generation", spy)
    assert cache.get(caching.GENERATION_KEY) is None  # evicted, or a fresh cache
    generation, entry = caching._lookup("public-pages:some-page")
    assert entry is None
    assert noted == [generation] == [cache.get(caching.GENERATION_KEY)]
    assert caching.local_tier.recent_generation() == generation


def test_the_local_tier_keeps_the_most_recent_entries_within_its_size(settings):
    settings.PAGE_CACHE_LOCAL_SECONDS = 60
    settings.PAGE_CACHE_LOCAL_MB = 1
    tier = caching.LocalTier()
    tier.note_generation(7)
    page = b"x" * (100 * 1024)
    for number in range(12):
        tier.put(f"page-{number}", {"generation": 7, "content": page})
    tier.get("page-3", 7)  # read recently: kept
    tier.put("page-12", {"generation": 7, "content": page})
    kept = [number for number in range(13) if tier.get(f"page-{number}", 7)]
    # Ten fit; 0 and 1 went as 10 and 11 came, then 2 (the least recently
    # used, since 3 was read) as 12 came.
    assert kept == list(range(3, 13))
    # One response bigger than an eighth of the room is never kept.
    tier.put("huge", {"generation": 7, "content": b"x" * (200 * 1024)})
    assert tier.get("huge", 7) is None
    # Nor one of another generation; and a new generation empties the tier.
    tier.put("old", {"generation": 6, "content": b"x"})
    assert tier.get("old", 6) is None
    tier.note_generation(8)
    assert len(tier) == 0


def test_an_entry_of_an_older_generation_is_never_served(client):
    url = make_article(headline="First").get_absolute_url()
    _get(client, url)
    caching.bump_generation()
    response = _get(client, url)
    assert response["X-Cache"] == "miss"
    assert _get(client, url)["X-Cache"] == "hit"  # the new entry replaced the old one
