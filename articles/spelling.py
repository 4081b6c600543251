"""Spelling suggestions for searches ("Did you mean …?").

A word found in no article ("sumit", "refugess") made the search page say
"No articles match". Here the search looks the query's words up in the
archive's vocabulary (``SearchWord``: the words of the headlines and
standfirsts of published articles, each with the number of articles that use
it) and offers the closest known word for each unknown one:

- PostgreSQL: trigram similarity (pg_trgm's ``%`` operator, served by a GIN
  trigram index on the word), best first, then the commonest.
- SQLite: the words with the same first letter and a length within two,
  ranked by ``difflib``'s ratio (no trigram index there; an embedded archive's
  vocabulary is small).

The vocabulary is kept current by ``add_words`` (called by
``articles.search.reindex_articles``, so by every save and bulk path): a new
word is added at once with a count of one. ``rebuild`` counts every word
afresh (after a bulk load; ``python manage.py rebuild_search_words``). A
word that no public article uses (any more, or yet: the vocabulary holds
scheduled and expired articles' words too, so that they are known when they
go live) is never shown: a suggestion is offered only when public articles
have every one of its words (``articles.search.search_articles``).
"""

import difflib
import re
from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models.functions import Length

from articles.models import Article, SearchWord

# Words of at least three letters and no digit: what a reader misspells.
_WORD_RE = re.compile(r"[^\W\d_]{3,40}")
MAX_LENGTH = 40
# SQLite: the least difflib ratio for a suggestion.
MIN_RATIO = 0.75
# PostgreSQL: the least trigram similarity (pg_trgm's default threshold).
MIN_SIMILARITY = 0.3
# Arabic's article, ال, opens most nouns: its letters made unrelated words
# look alike (الاسواق, "the markets", was corrected to الاتفاق, "the
# agreement": trigram similarity 0.33, difflib 0.71), so words are compared
# without it (اسواق and اتفاق: 0.2 and 0.6).
_ARTICLE_RE = r"^ال(?=...)"

# PostgreSQL: the words of a published article's headline and standfirst,
# as the 'simple' configuration splits them (no stemming: real words), that
# have only letters.
_PG_WORDS = """
    SELECT word FROM articles_article AS a,
        LATERAL unnest(tsvector_to_array(to_tsvector('simple', a.headline || ' ' || a.dek)))
        AS word
    WHERE a.status = 'published' AND length(word) BETWEEN 3 AND {max_length}
        AND word !~ '[[:digit:][:punct:][:space:]]' {where}
"""


def words_of(text: str) -> set[str]:
    return {word.lower() for word in _WORD_RE.findall(text or "")}


def rebuild() -> int:
    """Count every word of the published articles afresh. Returns the number
    of words."""
    table = SearchWord._meta.db_table
    with transaction.atomic():
        SearchWord.objects.all().delete()
        if connection.vendor == "postgresql":
            words = _PG_WORDS.format(max_length=MAX_LENGTH, where="")
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (word, documents) "  # noqa: S608
                    f"SELECT word, count(*) FROM ({words}) AS words GROUP BY word"
                )
        else:
            counts = Counter()
            published = Article.objects.filter(status=Article.Status.PUBLISHED)
            for headline, dek in published.values_list("headline", "dek").iterator(2000):
                counts.update(words_of(f"{headline} {dek}"))
            SearchWord.objects.bulk_create(
                (SearchWord(word=word, documents=n) for word, n in counts.items()),
                batch_size=2000,
            )
    return SearchWord.objects.count()


def add_words(ids: Iterable[int]) -> None:
    """Add the words of these articles (the published ones) that the
    vocabulary lacks, with a count of one. One statement on PostgreSQL; a
    read and an insert elsewhere."""
    ids = [int(pk) for pk in ids]
    if not ids:
        return
    if connection.vendor == "postgresql":
        words = _PG_WORDS.format(max_length=MAX_LENGTH, where="AND a.id = ANY(%s)")
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {SearchWord._meta.db_table} (word, documents) "  # noqa: S608
                f"SELECT DISTINCT word, 1 FROM ({words}) AS words "
                "ON CONFLICT (word) DO NOTHING",
                [ids],
            )
        return
    texts = Article.objects.filter(pk__in=ids, status=Article.Status.PUBLISHED).values_list(
        "headline", "dek"
    )
    found = set().union(*(words_of(f"{headline} {dek}") for headline, dek in texts))
    if found:
        SearchWord.objects.bulk_create(
            [SearchWord(word=word) for word in sorted(found)], ignore_conflicts=True
        )


def corrections(words: Iterable[str]) -> dict[str, str]:
    """The closest known word for each of ``words`` that the vocabulary
    lacks (and has a close word for). One query for the lookup, plus one per
    unknown word."""
    words = [w for w in dict.fromkeys(words) if _WORD_RE.fullmatch(w)]
    if not words:
        return {}
    known = set(SearchWord.objects.filter(word__in=words).values_list("word", flat=True))
    found = {}
    for word in words:
        if word not in known and (best := _closest(word)):
            found[word] = best
    return found


def _bare(word: str) -> str:
    """``word`` without Arabic's article (when three letters or more remain)."""
    return re.sub(_ARTICLE_RE, "", word)


def _closest(word: str) -> str | None:
    if connection.vendor == "postgresql":
        # The trigram index finds the candidates (word %% query); they are
        # then judged without the article.
        similarity = "similarity(regexp_replace(word, %s, ''), %s)"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT word FROM {SearchWord._meta.db_table} "  # noqa: S608
                f"WHERE word %% %s AND {similarity} >= %s "
                f"ORDER BY {similarity} DESC, documents DESC, word LIMIT 1",
                [word, _ARTICLE_RE, _bare(word), MIN_SIMILARITY, _ARTICLE_RE, _bare(word)],
            )
            row = cursor.fetchone()
        return row[0] if row else None
    # Same first letter (a range of the primary key), length within two.
    candidates = (
        SearchWord.objects.filter(word__gte=word[0], word__lt=chr(ord(word[0]) + 1))
        .annotate(length=Length("word"))
        .filter(length__gte=len(word) - 2, length__lte=len(word) + 2)
        .values_list("word", "documents")
    )
    scored = [
        (difflib.SequenceMatcher(None, _bare(word), _bare(candidate)).ratio(), documents, candidate)
        for candidate, documents in candidates
    ]
    best = max((s for s in scored if s[0] >= MIN_RATIO), default=None)
    return best[2] if best else None
