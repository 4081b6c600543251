"""Full-text search (articles/search.py) on SQLite FTS5 and PostgreSQL."""

import datetime
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Value
from django.utils import timezone

from articles.models import Article, ArticleAuthor
from articles.search import (
    MAX_PAGE,
    parse_query,
    rebuild_index,
    reindex_articles,
    reindex_id_range,
    remove_articles,
    search_articles,
)
from articles.tests.factories import (
    hidden_variants,
    make_article,
    make_author,
    make_category,
    make_tag,
    warm_search_statistics,
)
from media_assets.models import MediaAsset
from media_assets.tests.factories import make_media

pytestmark = pytest.mark.django_db


def ids(results):
    return [a.pk for a in results.items]


def years_ago(n, days=0):
    return timezone.now() - datetime.timedelta(days=365 * n + days)


# --- parsing -------------------------------------------------------------------------


def test_parse_words_phrases_or_and_minus():
    parsed = parse_query('oil "north korea" sanctions OR embargo -russia')
    assert parsed.clauses == ((("oil",),), (("north", "korea"),), (("sanctions",), ("embargo",)))
    assert parsed.excluded == (("russia",),)
    assert parsed.as_fts5() == (
        '(("oil") AND ("north korea") AND ("sanctions" OR "embargo")) NOT ("russia")'
    )
    assert parsed.as_websearch() == 'oil "north korea" sanctions OR embargo -russia'


def test_parse_drops_arabic_marks_inside_words():
    # Short vowels and the tatweel are optional in writing; left in, they
    # split "مُحَمَّد" into three one-letter words.
    assert parse_query("مُحَمَّد الحكومـة").words == ["محمد", "الحكومة"]


def test_a_letter_before_the_arabic_article_is_taken_off_only_there():
    from articles.search import _ARABIC_PROCLITIC_RE

    def bare(word):
        return _ARABIC_PROCLITIC_RE.sub("", word)

    assert [bare(w) for w in ["والحكومة", "فالحكومة", "بالأمن", "كالعادة"]] == [
        "الحكومة", "الحكومة", "الأمن", "العادة",
    ]  # fmt: skip
    # Words that only begin like it (father, mother, governor, balloon), the
    # article alone, and a letter inside a phrase's second word.
    assert [bare(w) for w in ["والد", "والدة", "والي", "بالون", "الحكومة"]] == [
        "والد", "والدة", "والي", "بالون", "الحكومة",
    ]  # fmt: skip
    assert bare("النفط والغاز") == "النفط الغاز"


def test_fts5_expression_looks_for_the_stemmed_forms_too():
    from articles.search import _stemmed_forms

    parsed = parse_query('الحكومة "وزير الخارجية" -نفط Élections')
    # A form equal to the words as typed (نفط) is not repeated.
    assert parsed.as_fts5(_stemmed_forms) == (
        '(("الحكومة" OR "حكوم") AND ("وزير الخارجية" OR "زير خارج") '
        'AND ("élections" OR "élect")) NOT ("نفط")'
    )


@pytest.mark.parametrize(
    "raw",
    ['"unbalanced quote', "NEAR(a b) AND OR NOT * ^ : {} ()", '"""', "-", "OR", '""', "   "],
)
def test_parse_hostile_input_keeps_only_words(raw):
    parsed = parse_query(raw)
    for word in parsed.words:
        assert word.isalnum() or "_" in word
    if parsed:
        assert '"' not in "".join(parsed.words)


def test_parse_bounds_long_input():
    parsed = parse_query("word " * 30_000)
    assert len(parsed.clauses) == 1  # duplicates collapse, length is capped first
    parsed = parse_query(" ".join(f"w{i}" for i in range(1000)))
    assert len(parsed.clauses) == 16


# --- matching and ranking -------------------------------------------------------


def test_headline_outranks_body_and_stemming():
    section = make_category()
    in_body = make_article(
        section=section, headline="Ministers meet", body="<p>The elections were delayed.</p>"
    )
    in_headline = make_article(
        section=section, headline="Elections delayed again", body="<p>Ministers met.</p>"
    )
    make_article(section=section, headline="Unrelated", body="<p>Nothing here.</p>")
    results = search_articles("election")  # stemmed: matches "elections"
    assert ids(results) == [in_headline.pk, in_body.pk]
    assert results.total == 2


def test_recency_breaks_ties():
    section = make_category()
    old = make_article(section=section, headline="Oil price falls", publish_at=years_ago(10))
    new = make_article(section=section, headline="Oil price falls", publish_at=years_ago(0, 1))
    assert ids(search_articles("oil price")) == [new.pk, old.pk]


def test_phrase_or_and_minus():
    section = make_category()
    nk = make_article(section=section, headline="North Korea tests a missile")
    korea_north = make_article(section=section, headline="Korea looks north for trade")
    russia = make_article(section=section, headline="Russia sanctions widen")
    embargo = make_article(section=section, headline="Embargo on Russia and North Korea")
    assert set(ids(search_articles('"north korea"'))) == {nk.pk, embargo.pk}
    assert set(ids(search_articles("korea -embargo"))) == {nk.pk, korea_north.pk}
    assert set(ids(search_articles("sanctions OR embargo"))) == {russia.pk, embargo.pk}


def test_excluded_word_excludes_its_stemmed_forms_too():
    # On PostgreSQL the English article is indexed stemmed ('sanction'); the
    # exclusion must hold in every configuration, not just in one of them.
    section = make_category()
    relief = make_article(section=section, headline="Riyadh agrees sanctions relief")
    ports = make_article(section=section, headline="Riyadh opens new ports")
    assert ids(search_articles("riyadh -sanctions")) == [ports.pk]
    assert ids(search_articles("riyadh -sanction")) == [ports.pk]
    assert relief.pk in ids(search_articles("riyadh"))


def test_lead_photo_caption_credit_tags_and_authors_are_searched():
    section = make_category()
    photo = MediaAsset.objects.create(
        caption="Protesters in Minsk", credit="REUTERS/Yuri Maltsev", photographer="Yuri Maltsev"
    )
    by_caption = make_article(section=section, lead_media=photo)
    tagged = make_article(section=section, tags=[make_tag(name="Hydrocarbons")])
    authored = make_article(section=section)
    ArticleAuthor.objects.create(article=authored, author=make_author(name="Mina Haddad"))
    assert ids(search_articles("minsk")) == [by_caption.pk]
    assert ids(search_articles("maltsev")) == [by_caption.pk]
    assert ids(search_articles("hydrocarbons")) == [tagged.pk]
    assert ids(search_articles("haddad")) == [authored.pk]


def test_index_follows_edits_tags_and_photo_changes():
    section = make_category()
    photo = MediaAsset.objects.create(caption="A quiet harbour")
    article = make_article(section=section, headline="Before", lead_media=photo)
    article.headline = "Afterwards"
    article.save()
    assert ids(search_articles("before")) == []
    assert ids(search_articles("afterwards")) == [article.pk]

    tag = make_tag(name="Pipelines")
    article.tags.add(tag)
    assert ids(search_articles("pipelines")) == [article.pk]
    tag.name = "Refineries"
    tag.save()
    assert ids(search_articles("refineries")) == [article.pk]
    tag.articles.clear()
    assert ids(search_articles("refineries")) == []

    photo.caption = "A stormy harbour"
    photo.save()
    assert ids(search_articles("stormy")) == [article.pk]

    article.delete()
    assert ids(search_articles("afterwards")) == []


def test_bulk_writes_are_indexed_by_reindex_articles():
    section = make_category()
    now = timezone.now()
    Article.objects.bulk_create(
        Article(
            headline=f"Bulk zeppelin {i}",
            slug=f"bulk-{i}",
            section=section,
            status=Article.Status.PUBLISHED,
            publish_at=now - datetime.timedelta(days=i),
        )
        for i in range(3)
    )
    assert search_articles("zeppelin").total == 0  # no signals on bulk_create
    reindex_articles(Article.objects.values_list("pk", flat=True))
    assert search_articles("zeppelin").total == 3
    Article.objects.filter(slug="bulk-0").update(headline="Bulk airship")
    reindex_articles(Article.objects.filter(slug="bulk-0").values_list("pk", flat=True))
    assert search_articles("zeppelin").total == 2
    assert rebuild_index() == 3
    assert search_articles("airship").total == 1


def test_reindexing_a_batch_costs_the_same_queries_whatever_its_size(
    django_assert_max_num_queries,
):
    section = make_category()
    tags, authors = [make_tag(name="Caravan"), make_tag(name="Oasis")], [make_author()]
    articles = [
        make_article(section=section, headline=f"Dune {i}", tags=tags, authors=authors)
        for i in range(12)
    ]
    # SQLite: the articles with their photos, tag names, author names, then
    # one DELETE and one INSERT; PostgreSQL: one INSERT ... SELECT. Both:
    # the body figures' DELETE and the read of the bodies that have any
    # (and their INSERT when some do; none here); the sections', tags' and
    # authors' marks (articles.term_counts), one INSERT ... ON CONFLICT; the
    # new words for spelling suggestions (articles.spelling): SQLite, a read
    # of the headlines and an INSERT; PostgreSQL, one INSERT ... SELECT.
    with django_assert_max_num_queries(10):
        reindex_articles(a.pk for a in articles)
    assert search_articles("oasis").total == 12
    assert search_articles(f'"{authors[0].name}"').total == 12


def test_only_public_articles_are_found_and_counted():
    section = make_category()
    visible = make_article(section=section, headline="Secret talks in Geneva")
    for article in hidden_variants(section).values():
        article.headline = "Secret talks in Geneva"
        article.save()
    results = search_articles("geneva")
    assert ids(results) == [visible.pk]
    assert results.total == 1
    assert [(f.value.pk, f.count) for f in results.section_facets] == [(section.pk, 1)]
    assert [(f.value, f.count) for f in results.year_facets] == [(visible.publish_at.year, 1)]
    assert list(Article.objects.public().search("geneva")) == [visible]


# --- facets and filters ------------------------------------------------------------


def test_facets_and_filters_combine_with_search():
    gulf_parent = make_category(name="Middle-east")
    gulf = make_category(name="Gulf", parent=gulf_parent)
    opinion = make_category(name="Opinion")
    a = make_article(section=gulf, headline="Oil output rises", publish_at=years_ago(0, 1))
    b = make_article(section=gulf_parent, headline="Oil deal", publish_at=years_ago(2))
    c = make_article(section=opinion, headline="Why oil matters", publish_at=years_ago(2))
    make_article(section=opinion, headline="Gas", publish_at=years_ago(2))
    ar = make_article(section=opinion, headline="النفط", language="ar", publish_at=years_ago(2))

    results = search_articles("oil")
    assert results.total == 3
    assert [(f.value.name, f.count) for f in results.section_facets] == [
        ("Gulf", 1), ("Middle-east", 1), ("Opinion", 1),
    ]  # fmt: skip
    expected = Counter(x.publish_at.year for x in (a, b, c))
    assert [(f.value, f.count) for f in results.year_facets] == sorted(
        expected.items(), reverse=True
    )
    old_year = b.publish_at.year

    in_section = search_articles("oil", section=gulf_parent)  # sub-sections included
    assert set(ids(in_section)) == {a.pk, b.pk}
    # The section facet ignores the section filter, so readers can switch.
    assert sum(f.count for f in in_section.section_facets) == 3
    assert [f.value.pk for f in in_section.section_facets if f.selected] == [gulf_parent.pk]

    in_year = search_articles("oil", year=old_year)
    assert set(ids(in_year)) == {b.pk, c.pk}
    assert in_year.total == 2

    assert ids(search_articles("النفط", language="ar")) == [ar.pk]
    assert ids(search_articles("oil", language="ar")) == []
    tag = make_tag()
    c.tags.add(tag)
    assert ids(search_articles("oil", tag=tag)) == [c.pk]


# --- snippets, fallbacks, bad input ------------------------------------------------


def test_snippet_is_escaped_and_highlighted():
    make_article(
        headline="Harbour",
        body="<p>Fishermen &amp; traders said the <b>harbour</b> &lt;script&gt; reopened.</p>",
    )
    results = search_articles("harbour")
    snippet = results.items[0].search_snippet
    assert "<mark>harbour</mark>" in snippet
    assert "&lt;script&gt;" in snippet
    assert "<script>" not in snippet
    assert "<b>" not in snippet
    assert "&amp;" in snippet


def test_misspelt_word_falls_back_to_any_word():
    article = make_article(headline="Riyadh summit ends")
    results = search_articles("riyadh sumit")
    assert results.any_word is True
    assert ids(results) == [article.pk]
    assert search_articles("qwzxv").total == 0


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"unbalanced',
        "x" * 60_000,
        "a " * 30_000,
        "NEAR(oil gas) OR AND NOT * ^col:oil",
        "'; DROP TABLE articles_article; --",
        "-oil",
        "OR",
        "\x00\x02\x03",
        'النفط "',
    ],
)
def test_hostile_queries_never_error(query):
    make_article(headline="Oil and gas")
    results = search_articles(query)
    assert results.total >= 0
    assert results.page == 1


def test_pages_are_bounded():
    section = make_category()
    for i in range(3):
        make_article(section=section, headline=f"Desert story {i}")
    first = search_articles("desert", per_page=2)
    second = search_articles("desert", per_page=2, page=2)
    assert first.total == 3 and first.num_pages == 2 and first.has_next
    assert len(set(ids(first)) | set(ids(second))) == 3
    assert search_articles("desert", page=10_000).page == MAX_PAGE


def test_search_query_budget_is_constant(django_assert_max_num_queries):
    section = make_category()
    authors = [make_author(), make_author()]
    for i in range(6):
        make_article(section=section, headline=f"Budget story {i}", authors=authors)
    # counts by section and year, section names, the ranked page (on SQLite:
    # ranked ids, then the articles). Results are teasers, which show no
    # byline: no authors query.
    warm_search_statistics()
    with django_assert_max_num_queries(4):
        results = search_articles("budget")
    assert results.total == 6
    with django_assert_max_num_queries(0):  # what a teaser reads came with them
        shown = [(a.headline, a.section.name, a.get_absolute_url(), a.lead_media_id)
                 for a in results.items]  # fmt: skip
    assert len(shown) == 6


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="per-language configurations are PostgreSQL's"
)
def test_postgres_english_stemming_and_arabic_by_language():
    en = make_article(headline="Running negotiations")
    ar = make_article(headline="المفاوضات مستمرة", language="ar")
    assert ids(search_articles("run")) == [en.pk]
    assert ids(search_articles("المفاوضات")) == [ar.pk]


ARABIC_FORMS = [
    # (what a reader types, a form the article has): the article, hamza on
    # alef, the feminine ending, plurals and adjectives, short vowels.
    ("حكومة", "الحكومة"),
    ("الحكومات", "الحكومة"),
    ("حكومية", "للحكومة"),
    ("أمن", "الأمن"),
    ("امن", "الأمن"),
    ("الأمن", "أمن"),
    ("سوق", "السوق"),
    ("محمد", "مُحَمَّد"),
    ("الفلسطينية", "الفلسطينيين"),
    # "and", "so", "with", "like" before the article (ARABIC_PROCLITIC).
    ("نفط", "والنفط"),
    ("النفط", "والنفط"),
    ("حكومة", "فالحكومة"),
    ("الأمن", "بالأمن"),
    ("عادة", "كالعادة"),
    ("والنفط", "النفط"),
]


@pytest.mark.parametrize(("typed", "written"), ARABIC_FORMS)
@pytest.mark.parametrize("language", [None, "ar"])
def test_arabic_finds_other_forms_of_a_word(typed, written, language):
    article = make_article(headline=f"قرار {written} اليوم", language="ar")
    make_article(headline="قرار اليوم", language="ar")  # the other words, not this one
    make_article(headline=f"{written} in English", language="en")  # not stemmed as Arabic
    found = search_articles(typed, language=language)
    assert ids(found) == [article.pk], (typed, written)
    assert not found.corrected  # found as typed, not through a spelling guess


@pytest.mark.parametrize("language", [None, "ar"])
def test_arabic_words_starting_like_a_conjunction(language):
    # Snowball takes the و of وزير (minister) and the ف of فلسطين for "and"
    # and "so": stemmed alone, each misses its form with the article.
    minister = make_article(headline="وزير الخارجية", language="ar")
    the_minister = make_article(headline="الوزير يصل", language="ar")
    palestine = make_article(headline="فلسطين اليوم", language="ar")
    palestinian = make_article(headline="الفلسطينية اليوم", language="ar")
    assert set(ids(search_articles("وزير", language=language))) == {minister.pk, the_minister.pk}
    # (The other way, الوزير stems to وزير, which PostgreSQL's stemmed
    # وزير (زير) does not meet: only SQLite's stems, matched against every
    # column, find the bare word too.)
    assert the_minister.pk in ids(search_articles("الوزير", language=language))
    assert palestine.pk in ids(search_articles("فلسطين", language=language))
    assert palestinian.pk in ids(search_articles("الفلسطينيين", language=language))


@pytest.mark.parametrize("language", [None, "fr"])
def test_french_finds_other_forms_of_a_word(language):
    # Forms FTS5's porter (English) keeps apart: journaux/journal,
    # négociations/négocier.
    article = make_article(headline="Les journaux et les négociations", language="fr")
    make_article(headline="Les élus", language="fr")
    for typed in ("journal", "négocier"):
        found = search_articles(typed, language=language, suggest=False)
        assert ids(found) == [article.pk], typed


def test_a_reporters_articles_rank_above_the_photos_she_took():
    # Her name twice in a photo's credit and photographer (as IPTC credits
    # often are) weighed more than once in a byline while both were D.
    mina = make_author(name="Mina Haddad", slug="mina-haddad")
    written = make_article(headline="Talks resume", authors=[mina], publish_at=years_ago(1))
    reindex_articles([written.pk])  # the factory bulk-creates the links, as services do
    byline = make_article(headline="Talks stall", byline="Mina Haddad", publish_at=years_ago(1, 1))
    photo = make_media(caption="A guard walks.", credit="Getty Images/Mina Haddad",
                       photographer="Mina Haddad")  # fmt: skip
    pictured = make_article(headline="Talks end", lead_media=photo)  # the newest
    assert ids(search_articles("Mina Haddad")) == [written.pk, byline.pk, pictured.pk]


def test_arabic_snippet_and_minus_with_other_forms():
    oil = make_article(
        headline="أسعار", body="<p>قالت الحكومة إن أسعار النفط سترتفع.</p>", language="ar"
    )
    both = make_article(headline="أسعار", body="<p>النفط والغاز.</p>", language="ar")
    for language in (None, "ar"):
        found = search_articles("حكومة", language=language)
        assert ids(found) == [oil.pk]
        snippet = found.items[0].search_snippet
        if connection.vendor == "postgresql":
            # Its stemmer marks the form written; FTS5's snippet() marks
            # only the words as typed (the stems are a column of their own).
            assert "<mark>الحكومة</mark>" in snippet
        else:
            assert "الحكومة" in snippet
    # "-حكومة" leaves out the article that says الحكومة.
    assert ids(search_articles("نفط -حكومة", language="ar")) == [both.pk]
    assert set(ids(search_articles("نفط", language="ar"))) == {oil.pk, both.pk}


def test_reindex_in_place_rebuilds_one_language_or_every_article():
    from io import StringIO

    from django.core.management import call_command

    ar = make_article(headline="الحكومة تجتمع", language="ar")
    en = make_article(headline="Government meets", language="en")
    # The Arabic article as indexed before its words were stemmed, and an
    # English one that must not be touched.
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchVector

        from articles.models import SearchDocument

        SearchDocument.objects.filter(article=ar).update(
            vector=SearchVector(Value(ar.headline), config="simple")
        )
        SearchDocument.objects.filter(article=en).update(
            vector=SearchVector(Value("sentinel"), config="simple")
        )
    else:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE articles_search_fts SET stems = '' WHERE rowid = %s", [ar.pk])
            cursor.execute(
                "UPDATE articles_search_fts SET headline = 'sentinel' WHERE rowid = %s", [en.pk]
            )
    assert search_articles("حكومة", suggest=False).total == 0
    assert ids(search_articles("الحكومة")) == [ar.pk]  # the words as written
    out = StringIO()
    call_command("rebuild_search_index", language="ar", stdout=out)
    assert out.getvalue().strip() == "Indexed 1 articles."
    assert ids(search_articles("حكومة", suggest=False)) == [ar.pk]
    assert ids(search_articles("sentinel")) == [en.pk]
    # Every article, in place: the English one is indexed afresh too.
    out = StringIO()
    call_command("rebuild_search_index", in_place=True, stdout=out)
    assert out.getvalue().strip() == "Indexed 2 articles."
    assert search_articles("sentinel").total == 0
    assert ids(search_articles("government meets")) == [en.pk]


def test_rebuild_search_index_command():
    from io import StringIO

    from django.core.management import call_command

    article = make_article(headline="Lighthouse keepers")
    remove_articles([article.pk])
    if connection.vendor == "postgresql":
        from articles.models import SearchDocument

        SearchDocument.objects.all().delete()
    assert search_articles("lighthouse").total == 0
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert out.getvalue().strip() == "Indexed 1 articles."
    assert ids(search_articles("lighthouse")) == [article.pk]


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite path")
@pytest.mark.django_db(transaction=True)
def test_rebuild_with_jobs_on_sqlite_indexes_in_this_process():
    # Outside a transaction, as the command runs. Building in processes
    # (index_unindexed, reindex_id_range) is PostgreSQL's alone.
    articles = [make_article(headline=f"Lighthouse keeper {i}") for i in range(3)]
    try:
        remove_articles([a.pk for a in articles])
        assert rebuild_index(jobs=2) == 3
        assert search_articles("lighthouse").total == 3
    finally:
        # The flush after this test empties the tables, not the FTS index.
        remove_articles([a.pk for a in articles])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="bulk indexing is PostgreSQL's")
def test_reindex_id_range_indexes_that_range_chunk_by_chunk():
    from articles.models import SearchDocument

    articles = [make_article(headline=f"Lighthouse keeper {i}") for i in range(5)]
    SearchDocument.objects.all().delete()
    reindex_id_range(articles[1].pk, articles[3].pk, chunk=2)
    indexed = set(SearchDocument.objects.values_list("article_id", flat=True))
    assert indexed == {a.pk for a in articles[1:4]}
    assert search_articles("lighthouse").total == 3


def test_deleting_an_article_with_authors_leaves_no_index_entry():
    # Deleting the article first deletes its author links, whose signal
    # reindexes it; the entry written then must not outlive the article (on
    # PostgreSQL it broke the foreign key at commit).
    from articles.models import SearchDocument

    article = make_article(headline="Zanzibar ferry timetable", authors=[make_author()])
    assert [a.pk for a in search_articles("Zanzibar").items] == [article.pk]
    article.delete()
    assert search_articles("Zanzibar").items == []
    if connection.vendor == "postgresql":
        assert not SearchDocument.objects.exists()
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM articles_search_fts")
            assert cursor.fetchone()[0] == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN probe is PostgreSQL's")
def test_filtering_by_a_word_found_nowhere_reads_no_article(django_assert_num_queries):
    # Ordered by date, the planner tested every article for a word found
    # nowhere; now the GIN index answers first, and an empty answer ends it.
    make_article(headline="Desert caravan")
    warm_search_statistics()
    # The index alone: the word's lexemes (is it common?), then the probe.
    with django_assert_num_queries(2) as captured:
        assert list(Article.objects.public().search("zqxwvut").order_by("-publish_at")) == []
    for query in captured.captured_queries:
        assert "articles_article" not in query["sql"]
    assert captured.captured_queries[1]["sql"].rstrip().endswith("LIMIT 501")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN probe is PostgreSQL's")
def test_filtering_by_a_common_word_skips_the_probe(monkeypatch, django_assert_num_queries):
    """When the column's statistics say the word is common, the probe (which
    builds the index's bitmap of every match before its LIMIT) is skipped:
    the walk by date meets common words at once. The matches are the same."""
    from articles import search

    section = make_category()
    matches = {make_article(section=section, headline=f"Caravan {i}").pk for i in range(8)}
    make_article(section=section, headline="Camel market")
    with connection.cursor() as cursor:  # what autovacuum does for a live table
        cursor.execute("ANALYZE articles_searchdocument")
    monkeypatch.setattr(search, "FILTER_PROBE", 2)  # 8 of 9 documents is common
    warm_search_statistics()
    with django_assert_num_queries(2) as captured:  # the words' lexemes, then the page
        found = {a.pk for a in Article.objects.public().search("caravan").order_by("-publish_at")}
    assert found == matches
    assert not any(q["sql"].rstrip().endswith("LIMIT 3") for q in captured.captured_queries)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN probe is PostgreSQL's")
def test_filtering_finds_the_same_matches_below_and_above_the_probe(monkeypatch):
    from articles import search

    section = make_category()
    matches = {make_article(section=section, headline=f"Caravan {i}").pk for i in range(5)}
    make_article(section=section, headline="Camel market")
    make_article(section=section, headline="Caravan draft", status=Article.Status.DRAFT,
                 publish_at=None)  # fmt: skip

    def found():
        return {a.pk for a in Article.objects.public().search("caravan").order_by("-publish_at")}

    assert found() == matches  # 6 documents match: all read from the index
    monkeypatch.setattr(search, "FILTER_PROBE", 2)
    assert found() == matches  # more than the probe: the date walk
