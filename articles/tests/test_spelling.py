"""Spelling suggestions (articles.spelling): a misspelt word gets the closest
word of the archive's vocabulary, the search page shows the correction's
results when the query found nothing and offers it when only some words
matched, and the vocabulary follows saves, bulk loads and rebuilds. On both
databases (trigram similarity on PostgreSQL, difflib on SQLite)."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import spelling
from articles.models import Article, SearchWord
from articles.search import search_articles
from articles.tests.factories import make_article, make_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    section = make_category()
    return [
        make_article(section=section, headline="Riyadh summit ends with a pledge on refugees"),
        make_article(section=section, headline="Summit talks resume in Geneva"),
        make_article(section=section, headline="Oil prices fall", dek="Refugees return home"),
        make_article(section=section, headline="الحكومة تعلن الميزانية"),
        make_article(section=section, headline="توقيع الاتفاق"),
    ]


def test_the_vocabulary_is_the_published_articles_words(archive):
    make_article(headline="Draft about zeppelins", status=Article.Status.DRAFT)
    assert spelling.rebuild() == SearchWord.objects.count()
    words = dict(SearchWord.objects.values_list("word", "documents"))
    assert words["summit"] == 2 and words["refugees"] == 2 and words["geneva"] == 1
    assert words["الحكومة"] == 1
    assert "zeppelins" not in words  # a draft's words are not offered to readers
    assert "a" not in words and "on" not in words  # fewer than three letters


def test_a_new_article_adds_its_new_words_at_once(archive):
    spelling.rebuild()
    make_article(headline="Earthquake shakes Kathmandu")
    assert spelling.corrections(["kathmadnu"]) == {"kathmadnu": "kathmandu"}
    assert SearchWord.objects.get(word="kathmandu").documents == 1


def test_corrections_are_the_closest_known_words(archive):
    assert spelling.corrections(["sumit", "refugess", "riyadh", "geneve"]) == {
        "sumit": "summit", "refugess": "refugees", "geneve": "geneva",
    }  # fmt: skip
    assert spelling.corrections(["الحكومه"]) == {"الحكومه": "الحكومة"}  # taa marbuta
    assert spelling.corrections(["الاتفاغ"]) == {"الاتفاغ": "الاتفاق"}
    # "the markets" is not "the agreement": alike only in their article.
    assert spelling.corrections(["الاسواق"]) == {}
    assert spelling.corrections(["qqqxxz", "summit"]) == {}  # nothing close; known


def test_a_misspelt_word_shows_the_corrections_results(client, archive):
    results = search_articles("sumit")
    assert results.corrected and results.suggestion == "summit"
    assert results.query == "sumit"
    assert {a.pk for a in results.items} == {archive[0].pk, archive[1].pk}
    html = client.get("/search/", {"q": "sumit"}).content.decode()
    assert "No articles match “sumit”. Showing 2 articles for" in html
    assert '<a href="?q=summit">summit</a>' in html
    assert archive[1].headline in html


def test_a_query_that_matched_some_words_offers_the_correction(client, archive):
    results = search_articles("sumit geneva")  # any of the words: Geneva matched
    assert results.any_word and not results.corrected
    assert results.suggestion == "summit geneva"
    html = client.get("/search/", {"q": "sumit geneva"}).content.decode()
    assert 'Did you mean “<a href="?q=summit%20geneva">summit geneva</a>”?' in html
    corrected = search_articles(results.suggestion)
    assert [a.pk for a in corrected.items] == [archive[1].pk] and not corrected.suggestion


def test_a_query_that_matches_costs_no_lookup(archive, django_assert_num_queries):
    search_articles("summit")
    with CaptureQueriesContext(connection) as ctx:
        results = search_articles("summit")
    assert results.total == 2 and not results.suggestion
    assert not any("articles_searchword" in q["sql"] for q in ctx.captured_queries)


def test_no_suggestion_when_nothing_is_close_or_the_correction_finds_nothing(client, archive):
    results = search_articles("qqqxxz")
    assert not results.total and not results.suggestion
    assert "Check the spelling" in client.get("/search/", {"q": "qqqxxz"}).content.decode()
    archive[1].status = Article.Status.WITHDRAWN  # "geneva" is still in the vocabulary
    archive[1].save()
    results = search_articles("geneve")
    assert not results.total and not results.corrected and not results.suggestion


def test_excluded_words_and_phrases_keep_their_place(archive):
    # A public article the correction finds (the fixture's Riyadh summit
    # mentions refugees, which the query excludes).
    make_article(section=archive[0].section, headline="Riyadh summit opens")
    results = search_articles('"riyadh sumit" -refugees')
    assert results.suggestion == '"riyadh summit" -refugees'


def test_rebuild_command_and_generate_archive_fill_the_vocabulary(archive):
    SearchWord.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_search_words", stdout=out)
    assert f"Counted {SearchWord.objects.count()} words." in out.getvalue()
    assert SearchWord.objects.filter(word="summit", documents=2).exists()
    call_command("generate_archive", articles=20, media=2, verbosity=0)
    some = (
        Article.objects.filter(status=Article.Status.PUBLISHED)
        .exclude(pk__in=[a.pk for a in archive])
        .first()
    )
    word = spelling.words_of(some.headline).pop()
    assert SearchWord.objects.filter(word=word).exists()


def test_a_scheduled_articles_word_is_never_suggested(archive):
    """The vocabulary knows an embargoed headline's words; a reader must not
    learn them from "Did you mean …?", even beside a word that matches."""
    import datetime

    from django.utils import timezone

    make_article(
        headline="Zanzibar accord signed",
        publish_at=timezone.now() + datetime.timedelta(days=1),
    )
    assert SearchWord.objects.filter(word="zanzibar").exists()
    for query in ("zanzibat", "zanzibat geneva"):
        results = search_articles(query)
        assert not results.suggestion and not results.corrected
