"""Full-text search of public articles: the one search module.

``search_articles(query, ...)`` serves the search page; the API's ``q``
ranks with ``ranked_ids`` (best first, the default) or filters with
``Article.objects.public().search(q)`` (by date). The search ranks by relevance and
recency, highlights a snippet, counts facets by section and year and combines
with filters (language, section with its sub-sections, year, tag).

The index lives where the database does it best:

- **PostgreSQL**: ``SearchDocument.vector``, a stored ``tsvector`` with a GIN
  index, weighted A headline, B dek, byline and authors, C body, D lead
  caption/credit/photographer and tags. (The byline was D until a name found
  in a photo's credit and photographer outranked the articles its reporter
  wrote.) Each article is indexed with its
  language's configuration (``PG_CONFIGS``: Snowball stemmers for ``en``,
  ``fr`` and ``ar``, ``simple`` for others), and queries go through
  ``websearch_to_tsquery``.
- **SQLite**: the FTS5 table ``articles_search_fts`` (porter + unicode61,
  diacritics folded), with ``bm25`` weighted like the columns above, and the
  words of Arabic and French articles stemmed by the same Snowball
  algorithms in the column ``stems`` (``SQLITE_STEMMERS``). The same
  websearch syntax is parsed here and written as a quoted FTS5 expression:
  user text never reaches ``MATCH`` raw.

Both are kept current on every save path: signals (connected in
``ArticlesConfig.ready``) reindex an article when it, its tags, authors or its
lead photo change, inside the same transaction. Bulk writes that skip signals
(``bulk_create``, ``QuerySet.update``, importers) call ``reindex_articles(ids)``
themselves; ``manage.py rebuild_search_index`` rebuilds everything.

Hostile input is bounded before parsing (``MAX_QUERY_LENGTH`` characters,
``MAX_TERMS`` terms), so a 60 000-character query costs no more than a short one.

On PostgreSQL the cost of a query is bounded whatever the archive size and
however common its words (a word found in most articles would otherwise mean
ranking and counting most of the archive):

- only the newest ``SEARCH_CANDIDATES`` matches are ranked (by
  ``ts_rank_cd`` and recency), found through a bounded GIN probe or, for
  common words, by testing the newest articles (``_pg_candidates``), so a
  broad query shows the most relevant of its recent matches; which way is
  chosen from the statistics ANALYZE keeps of the commonest lexemes
  (``_pg_common``), which reads no document;
- when there are more matches than that, the total and the facets are
  estimated from a fixed sample of the index (``ESTIMATE_SAMPLE_ROWS``
  documents spread over the ids) and ``SearchResults.estimated`` says so: pages show "about".
  The sample is coarse for uncommon words (a few hits scaled up), exact
  on a table smaller than the sample;
- snippets are made for the page's 20 articles only, from the first
  ``SNIPPET_SOURCE_CHARS`` of the body;
- the search page's statements run under ``SEARCH_STATEMENT_TIMEOUT_MS``: a
  pathological query gives ``SearchResults.timed_out``, not a hung worker.
"""

import html
import logging
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import snowballstemmer
from django.conf import settings
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import OperationalError, connection
from django.db.models import Case, F, FloatField, Func, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles.html import strip_tags
from articles.media_usage import sync_body_figures
from media_assets.db import is_statement_timeout, search_limits, search_timeout_ms

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 256
MAX_TERMS = 16
PAGE_SIZE = 20
MAX_PAGE = 50  # relevance order is not keyset-paginable; nobody reads past page 50
REINDEX_CHUNK = 2000
FTS_TABLE = "articles_search_fts"
# PostgreSQL: the vector column's statistics (_lexeme_shares) are read again
# after this many seconds; they change only when ANALYZE runs.
STATISTICS_SECONDS = 300
_statistics: dict[str, tuple[float, dict[str, float], float]] = {}
# PostgreSQL: matches ranked per query (the newest ones) and the size of the
# sample that estimates counts beyond them. (The search page's statement
# timeout: media_assets.db.search_limits.)
SEARCH_CANDIDATES = 200
ESTIMATE_SAMPLE_ROWS = 500
# How the candidates are found (_pg_candidates): at most GIN_PROBE documents
# from the GIN index, then at most RECENT_WINDOW of the newest articles.
GIN_PROBE = 2000
RECENT_WINDOW = 1500
# filter_queryset (the API's and the admin's ?q=): up to this many matches
# are read from the GIN index alone; more, and the words are common enough
# for a walk of the date index to meet them soon. Kept small: a phrase makes
# PostgreSQL re-read each probed document.
FILTER_PROBE = 500
# Snippets are cut from the start of the body (the lead paragraphs): bounded
# work per result however long the article.
SNIPPET_SOURCE_CHARS = 1500
# PostgreSQL text search configuration per article language; anything else
# (Persian, ...) is indexed with "simple": lower-cased, no stemming.
# Arabic uses PostgreSQL's own Snowball stemmer ("arabic"): it folds the
# article (الحكومة, حكومة), hamza on alef (الأمن, أمن, امن), the feminine
# ending and common plurals (الحكومات, الحكومية) and drops short vowels, so a
# reader's word finds its other forms. With "simple" only the exact form
# matched: "سوق" found no article that says "السوق".
PG_CONFIGS = {"en": "english", "fr": "french", "ar": "arabic"}
PG_DEFAULT_CONFIG = "simple"
# Languages whose queries also look for the word unstemmed. Snowball's Arabic
# stemmer takes a leading و or ف for a conjunction when the word is long
# enough, so it stems وزير (minister) to زير but الوزير to وزير, and فلسطين
# apart from الفلسطينية; the unstemmed word meets those forms. It also keeps
# matching documents indexed with "simple" before this configuration
# (rebuild_search_index --language ar re-indexes them).
PG_QUERY_UNSTEMMED_TOO = {"ar"}
# Snowball's Arabic stemmer leaves و or ف ("and", "so") and ب or ك ("with",
# "like") on a word when the article follows them: والحكومة stems to
# والحكوم, not to حكوم as الحكومة does, and بالأمن to بالام. That letter is
# taken off first when ال and three more letters follow (as Lucene's Arabic
# analyzer takes off وال, فال, بال and كال), from the indexed text and the
# query alike. The same pattern serves Python's re and PostgreSQL's regular
# expressions.
ARABIC_PROCLITIC = (
    r"(?<![\u0621-\u064a])[\u0648\u0641\u0628\u0643](?=\u0627\u0644[\u0621-\u064a]{3})"
)
_ARABIC_PROCLITIC_RE = re.compile(ARABIC_PROCLITIC)
# SQLite: FTS5's porter stems English only. The words of articles in these
# languages are also written, stemmed by the Snowball algorithm PostgreSQL
# uses for them (PG_CONFIGS), to the FTS column ``stems``, and each phrase of
# a query also looks there for its stemmed form (``_stemmed_forms``).
SQLITE_STEMMERS = {"ar": "arabic", "fr": "french"}
# bm25 column weights on SQLite, in FTS column order: A headline, B dek, C
# body, D photo and tags, B byline and authors, then the stems, weighted as
# the body they mostly come from.
FTS_WEIGHTS = (10.0, 4.0, 1.0, 0.5, 4.0, 1.0)
# Snippet markers: control characters never found in indexed text, swapped
# for <mark> after the text has been escaped.
_START, _STOP = "\x02", "\x03"
_WORD_RE = re.compile(r"\w+", re.UNICODE)
# Arabic short vowels and other marks (harakat, superscript alef) and the
# tatweel: optional in writing, and not word characters to \w (nor to FTS5),
# so "مُحَمَّد" would be read as three one-letter words. Dropped before a
# query or a stemmed text is split into words.
_ARABIC_MARKS_RE = re.compile("[\u064b-\u065f\u0670\u0640]")
_TOKEN_RE = re.compile(r'"([^"]*)"?|(\S+)')


# --- parsing the websearch syntax ------------------------------------------------


@dataclass(frozen=True)
class ParsedQuery:
    """A query as clauses that must all match; each clause is a list of
    alternatives (``OR``), each alternative a phrase (a tuple of words).
    ``excluded`` phrases must not match."""

    clauses: tuple[tuple[tuple[str, ...], ...], ...] = ()
    excluded: tuple[tuple[str, ...], ...] = ()

    def __bool__(self):
        return bool(self.clauses)

    @property
    def words(self) -> list[str]:
        return [w for clause in self.clauses for phrase in clause for w in phrase]

    def any_word(self) -> "ParsedQuery":
        """The same words, any of which may match (the fallback when every
        word together finds nothing, e.g. one of them is misspelt)."""
        alternatives = tuple(dict.fromkeys((w,) for w in self.words))
        return ParsedQuery(clauses=(alternatives,), excluded=self.excluded)

    def replaced(self, words: dict[str, str]) -> "ParsedQuery":
        """The same query with ``words`` swapped (spelling corrections);
        excluded words stay as they are."""

        def swap(phrase):
            return tuple(words.get(w, w) for w in phrase)

        return ParsedQuery(
            clauses=tuple(tuple(swap(p) for p in clause) for clause in self.clauses),
            excluded=self.excluded,
        )

    def as_websearch(self) -> str:
        """Written back as clean websearch_to_tsquery input."""

        def phrase(words):
            return f'"{" ".join(words)}"' if len(words) > 1 else words[0]

        parts = [" or ".join(phrase(p) for p in clause) for clause in self.clauses]
        parts += [f"-{phrase(p)}" for p in self.excluded]
        # "or" lower-cased inside a clause would be a word; websearch wants OR.
        return " ".join(parts).replace(" or ", " OR ")

    def as_fts5(self, forms=None) -> str:
        """A safe FTS5 MATCH expression: every word double-quoted. ``forms``:
        a function from a phrase to other forms of it (its stems), each then
        an alternative of the phrase (SQLite's ``_stemmed_forms``)."""

        def phrase(words):
            alternatives = dict.fromkeys([words, *(forms(words) if forms else ())])
            return " OR ".join('"' + " ".join(p) + '"' for p in alternatives)

        positive = " AND ".join(
            "(" + " OR ".join(phrase(p) for p in clause) + ")" for clause in self.clauses
        )
        if self.excluded:
            negative = " OR ".join(phrase(p) for p in self.excluded)
            return f"({positive}) NOT ({negative})"
        return positive


def _words(text: str) -> list[str]:
    """The words of ``text``, lower-cased, Arabic marks dropped."""
    return [w.lower() for w in _WORD_RE.findall(_ARABIC_MARKS_RE.sub("", text))]


def parse_query(raw: str) -> ParsedQuery:
    """Parse websearch syntax: words (all must match), "quoted phrases",
    ``OR`` between alternatives and ``-`` before excluded words. Punctuation
    and FTS operators in the input are only ever words; unbalanced quotes
    close at the end. Returns an empty query when nothing searchable is left."""
    raw = (raw or "")[:MAX_QUERY_LENGTH]
    clauses: list[list[tuple[str, ...]]] = []
    excluded: list[tuple[str, ...]] = []
    join_next = False
    for match in _TOKEN_RE.finditer(raw):
        quoted, bare = match.group(1), match.group(2)
        if len(clauses) + len(excluded) >= MAX_TERMS:
            break
        if bare is not None and bare == "OR":
            join_next = bool(clauses)
            continue
        negate = bare is not None and bare.startswith("-")
        text = quoted if quoted is not None else bare
        words = tuple(_words(text))[:MAX_TERMS]
        if not words:
            continue
        if negate:
            excluded.append(words)
        elif join_next:
            clauses[-1].append(words)
        else:
            clauses.append([words])
        join_next = False
    return ParsedQuery(
        clauses=tuple(dict.fromkeys(tuple(dict.fromkeys(c)) for c in clauses)),
        excluded=tuple(dict.fromkeys(excluded)),
    )


# --- results ---------------------------------------------------------------------


@dataclass
class Facet:
    value: object  # a Category for sections, an int for years
    count: int
    selected: bool = False


@dataclass
class SearchResults:
    query: str
    items: list = field(default_factory=list)  # Articles with .search_score, .search_snippet
    total: int = 0
    page: int = 1
    per_page: int = PAGE_SIZE
    section_facets: list[Facet] = field(default_factory=list)
    year_facets: list[Facet] = field(default_factory=list)
    # True when no article had every word and the results match any of them.
    any_word: bool = False
    # True when ``total`` and the facet counts are estimates (rounded, from a
    # sample): more articles match than are ranked. Show them as "about".
    estimated: bool = False
    # How many matches were ranked (the newest ones) when that is fewer than
    # ``total``: pages stop there.
    ranked: int | None = None
    # True when the database gave up on the query (statement timeout): there
    # are no results to show, and the reader should try a narrower query.
    timed_out: bool = False
    # A spelling correction of ``query`` (articles.spelling), offered when
    # some word matched nothing; ``corrected``: nothing matched ``query`` and
    # these results are the correction's.
    suggestion: str = ""
    corrected: bool = False

    @property
    def num_pages(self) -> int:
        shown = self.total if self.ranked is None else min(self.total, self.ranked)
        return min(MAX_PAGE, max(1, math.ceil(shown / self.per_page)))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    def __bool__(self):
        return self.total > 0


# --- querying ----------------------------------------------------------------------


class Recency(Func):
    """A boost from 2 (published now) falling towards 1 with age (1.5 after a
    year, 1.1 after ten): relevance decides, recency breaks near-ties."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL and others
        return super().as_sql(
            compiler,
            connection,
            template="(1.0 + 1.0 / (1.0 + GREATEST(EXTRACT(EPOCH FROM (NOW() - "
            "%(expressions)s)), 0) / 31557600.0))",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="(1.0 + 1.0 / (1.0 + MAX(julianday('now') - julianday(%(expressions)s), 0)"
            " / 365.25))",
            **extra,
        )


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _pg_configs(language: str | None) -> list[str]:
    """The configurations a query is parsed with (its alternatives OR-ed):
    the language's, or every one in use when no language is chosen."""
    if language:
        configs = [PG_CONFIGS.get(language, PG_DEFAULT_CONFIG)]
        if language in PG_QUERY_UNSTEMMED_TOO:
            configs.append(PG_DEFAULT_CONFIG)
        return configs
    return sorted({*PG_CONFIGS.values(), PG_DEFAULT_CONFIG})


def _pg_article_config():
    """Each article's own configuration, as an expression: snippets stem the
    text as its document was stemmed, so "حكومة" marks "الحكومة" in an Arabic
    article and "run" marks "running" in an English one, whatever language
    the search is limited to."""
    whens = [When(language=code, then=Value(cfg)) for code, cfg in PG_CONFIGS.items()]
    return Case(*whens, default=Value(PG_DEFAULT_CONFIG))


def _pg_texts(parsed: ParsedQuery) -> tuple[str, str]:
    """websearch_to_tsquery input for what must match and for what must not
    (the excluded phrases OR-ed; "" when none)."""
    wanted = ParsedQuery(clauses=parsed.clauses).as_websearch()
    unwanted = ParsedQuery(clauses=(parsed.excluded,)).as_websearch() if parsed.excluded else ""
    return wanted, unwanted


def _pg_query(parsed: ParsedQuery, language: str | None):
    """websearch_to_tsquery in the language's configuration, or OR-ed over
    every configuration in use when no language is chosen (an English query
    then matches stemmed English articles and unstemmed Arabic ones).

    Excluded words are negated in every configuration: OR-ing whole queries
    would let "riyadh -sanctions" through on an English article (stemmed
    'sanction') by way of the unstemmed configuration ('sanctions')."""
    from django.contrib.postgres.search import SearchQuery

    wanted, unwanted = _pg_texts(parsed)
    configs = _pg_configs(language)
    query = None
    for config in configs:
        text = _pg_query_text(wanted, config)
        one = SearchQuery(text, config=config, search_type="websearch")
        query = one if query is None else query | one
    if unwanted:
        for config in configs:
            text = _pg_query_text(unwanted, config)
            query = query & ~SearchQuery(text, config=config, search_type="websearch")
    return query


def _pg_query_text(text: str, config: str) -> str:
    """Query text as ``config`` is to read it: for "arabic", without the
    letter before the article (ARABIC_PROCLITIC), as the documents were."""
    return _ARABIC_PROCLITIC_RE.sub("", text) if config == "arabic" else text


def _pg_ranked(
    queryset, parsed: ParsedQuery, language: str | None, *, snippets: bool, matched=False
):
    """PostgreSQL: matches annotated with ``search_score`` (and the raw
    ``search_snippet``), best first. ``matched``: ``queryset`` holds only
    matches already (candidate ids), so it is not filtered again: that
    filter would tempt the planner into testing every document."""
    from django.contrib.postgres.search import SearchHeadline, SearchQueryField, SearchRank

    if not matched:
        queryset = queryset.filter(search_document__vector=_pg_query(parsed, language))
    # Ranking and snippets read the query computed once (_pg_tsquery_sql).
    query = RawSQL(*_pg_tsquery_sql(parsed, language), output_field=SearchQueryField())  # noqa: S611
    queryset = queryset.annotate(
        # Cover density (ts_rank_cd): words found close together count
        # more, so "Mina Haddad" ranks her byline above an article that has
        # a Mina and a Haddad apart. Normalization 1 divides by
        # 1 + log(length): long articles do not win by length alone.
        search_score=SearchRank(
            F("search_document__vector"), query, normalization=Value(1), cover_density=True
        )
        # A draft (the API's editors) has no publication time: its creation's.
        * Recency(Coalesce("publish_at", "created_at")),
    )
    if snippets:
        body = Func(F("body"), Value(SNIPPET_SOURCE_CHARS), function="left")
        plain = Func(body, Value("<[^>]*>"), Value(" "), Value("g"), function="regexp_replace")
        queryset = queryset.annotate(
            # Computed after the sort and limit (PostgreSQL postpones costly
            # output columns), so only for the page shown.
            search_snippet=SearchHeadline(
                plain,
                query,
                config=_pg_article_config(),
                start_sel=_START,
                stop_sel=_STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )
    return queryset.order_by("-search_score", "-publish_at", "-id")


def _pg_probe(parsed: ParsedQuery, language: str | None, limit: int) -> list[int]:
    """Ids of at most ``limit`` + 1 documents matching ``parsed``, from the
    GIN index alone (whatever their articles' state): ``limit`` or fewer
    means these are all the matches."""
    from articles.models import SearchDocument

    tsquery, params = _pg_tsquery_sql(parsed, language)
    table = SearchDocument._meta.db_table
    sql = f"SELECT article_id FROM {table} WHERE vector @@ {tsquery} LIMIT %s"  # noqa: S608
    return [pk for (pk,) in _rows(sql, [*params, limit + 1])]


def _where_sql(queryset) -> tuple[str, list]:
    """The WHERE of ``queryset`` (a filter on articles_article alone) as SQL
    on the table ``articles_article``; "" when it keeps every row."""
    query = queryset.query
    compiler = query.get_compiler(connection=connection)
    try:
        return compiler.compile(query.where)
    except FullResultSet:
        return "", []
    except EmptyResultSet:
        return "FALSE" if _is_postgres() else "0", []


def _pg_tsquery_sql(parsed: ParsedQuery, language: str | None) -> tuple[str, list]:
    """The tsquery of ``_pg_query`` as raw SQL and parameters: a scalar
    subquery, which PostgreSQL computes once per statement (an InitPlan),
    not once for each document tested, and without the alternatives that
    repeat (the configurations parse most words alike: 'mina' & 'haddad'
    came four times). Ranking 1 500 documents took 30 ms instead of 39, and
    the walk 2.3 instead of 3.2 (100 000 articles)."""
    wanted, unwanted = _pg_texts(parsed)
    configs = _pg_configs(language)
    params = []

    def merged(text):
        one = "websearch_to_tsquery(%s::regconfig, %s)"
        params.extend(x for config in configs for x in (config, _pg_query_text(text, config)))
        # Stop words alone parse to nothing, which the text form would
        # write as "()": left out, and nothing at all is the empty tsquery.
        alternatives = ", ".join([one] * len(configs))  # placeholders; values are parameters
        joined = "COALESCE(string_agg(DISTINCT '(' || alt::text || ')', ' | '), '')::tsquery"
        return f"(SELECT {joined} FROM unnest(ARRAY[{alternatives}]) alt WHERE numnode(alt) > 0)"  # noqa: S608

    sql = merged(wanted)
    if unwanted:
        sql = f"{sql} && !!{merged(unwanted)}"
    return f"(SELECT {sql})", params


def _year_sql() -> tuple[str, list]:
    tzname = timezone.get_current_timezone_name() if settings.USE_TZ else "UTC"
    # An integer: the driver reads it faster than EXTRACT's numeric.
    return "EXTRACT(YEAR FROM articles_article.publish_at AT TIME ZONE %s)::integer", [tzname]


class Candidates(NamedTuple):
    """What _pg_candidates found."""

    rows: list  # [(id, section id, year)], newest first
    complete: bool  # exactly the newest ``limit`` matches, or all of them
    exact: dict | None  # matches per (section id, year), when the probe saw all
    estimate: dict | None  # the sample's figures (_pg_estimate), when asked for


def _pg_candidates(
    queryset,
    parsed: ParsedQuery,
    language: str | None,
    limit: int,
    *,
    probe: bool = True,
    estimate: bool = False,
) -> Candidates:
    """The newest matches, at most ``limit``, whether they are exactly the
    newest ``limit`` matches (or all of them), and their counts: exact when
    the GIN probe saw every match, estimated (``estimate``) when the newest
    articles were walked.

    Every step is bounded, whatever the archive and however common the words,
    and none relies on the planner guessing how many articles match:

    1. the GIN index gives at most ``GIN_PROBE`` matching documents, which
       are joined to the articles: when the index had no more, these are all
       the matches, and they are counted in the same statement (so fewer
       than ``GIN_PROBE`` matches need no sample to be counted);
    2. otherwise the words are common: the newest ``RECENT_WINDOW`` articles
       (the date index) are tested one by one until ``limit`` match.

    ``probe=False`` goes straight to 2 (the column's statistics say the
    words are common: building the index's bitmap of most of the archive would be
    wasted). With ``estimate`` the walk's statement starts with the sample
    (common words match more than are ranked, and their counts are then
    estimated: one statement, not two), and when the sample finds no more
    than ``GIN_PROBE`` matches in the whole archive (common words that
    seldom go together, such as two names; none excluded) the same
    statement makes 1 instead of 2. Should the newest articles hold no
    match after all, the probe is made then: that costs a walk, never the
    matches."""
    from articles.models import SearchDocument

    table = SearchDocument._meta.db_table
    where, where_params = _where_sql(queryset)
    where = f"AND {where}" if where else ""
    tsquery, tsquery_params = _pg_tsquery_sql(parsed, language)
    year, year_params = _year_sql()
    # Constant table names and the ORM's own WHERE; values are parameters.
    # A match's place (newest first) is a number: it reads faster than a
    # timestamp.

    def probe_parts(kinds=(0, 1), guard="TRUE", guard_params=()):
        """The probe's CTEs and SELECT, each with its parameters: rows of
        kind ``kinds[0]``, the newest matches (one row of NULLs when none)
        with their place and the probe's size; ``kinds[1]``, the matches
        counted per section and year. Made only when the SQL condition
        ``guard`` holds."""
        ctes = f"""
            found AS MATERIALIZED (
                SELECT article_id FROM {table}
                WHERE {guard} AND vector @@ {tsquery} LIMIT %s
            ), kept AS MATERIALIZED (
                SELECT articles_article.id, articles_article.section_id,
                    articles_article.publish_at, {year} AS year
                FROM found JOIN articles_article ON articles_article.id = found.article_id
                WHERE TRUE {where}
            )"""  # noqa: S608
        cte_params = [*guard_params, *tsquery_params, GIN_PROBE, *year_params, *where_params]
        select = f"""
            SELECT {kinds[0]}, page.id, page.section_id, page.year,
                row_number() OVER (ORDER BY page.publish_at DESC, page.id DESC),
                (SELECT COUNT(*) FROM found)
            FROM (SELECT 1) one
            LEFT JOIN LATERAL (
                SELECT * FROM kept ORDER BY publish_at DESC, id DESC LIMIT %s
            ) page ON TRUE
            WHERE {guard}
            UNION ALL
            SELECT {kinds[1]}, NULL, section_id, year, NULL, COUNT(*)
            FROM kept GROUP BY section_id, year
        """  # noqa: S608
        return ctes, cte_params, select, [limit, *guard_params]

    def probe_result(rows, kinds=(0, 1)):
        """The probe's rows, and their counts when they are every match."""
        rows = [row for row in rows if row[0] in kinds]
        found = [(pk, sid, y) for kind, pk, sid, y, _, _ in rows if kind == kinds[0] and pk]
        if rows[0][5] >= GIN_PROBE:
            return found, None
        return found, {(sid, y): n for kind, _, sid, y, _, n in rows if kind == kinds[1]}

    def probed():
        ctes, cte_params, select, select_params = probe_parts()
        statement = f"WITH {ctes.strip()} {select} ORDER BY 1, 5"
        return probe_result(_rows(statement, [*cte_params, *select_params]))

    def walk(guard="TRUE", guard_params=()):
        """The newest ``RECENT_WINDOW`` articles tested one by one: the
        newest ``limit`` matches among them (id, section id, year, place),
        when the SQL condition ``guard`` holds. With its parameters."""
        sql = f"""
            SELECT recent.id, recent.section_id, recent.year,
                row_number() OVER (ORDER BY recent.publish_at DESC, recent.id DESC) AS place
            FROM (
                SELECT articles_article.id, articles_article.section_id,
                    articles_article.publish_at, {year} AS year
                FROM articles_article WHERE {guard} {where}
                ORDER BY articles_article.publish_at DESC, articles_article.id DESC LIMIT %s
            ) recent
            CROSS JOIN LATERAL (
                -- LIMIT 1 keeps this a test of each recent article (a nested
                -- loop on the primary key): flattened into a join, the planner
                -- may fetch every match from the GIN index instead.
                SELECT 1 FROM {table} document
                WHERE document.article_id = recent.id AND document.vector @@ {tsquery}
                LIMIT 1
            ) matched
            ORDER BY recent.publish_at DESC, recent.id DESC LIMIT %s
        """  # noqa: S608
        params = [*year_params, *guard_params, *where_params, RECENT_WINDOW, *tsquery_params]
        return sql, [*params, limit]

    found = []
    if probe:
        found, cells = probed()
        if cells is not None:
            return Candidates(found, True, cells, None)
    sampled = None
    if estimate:
        # One statement: the sample, and then either the walk or, when the
        # sample finds no more matches in the whole archive than the probe
        # takes, the probe (common words that seldom meet, such as a
        # reporter's first and last names: walking found 14 of Mina Haddad's
        # 1 270 articles among the newest 1 500 at 100 000 articles, and only
        # those were ranked; the probe counts all of them). Not with excluded
        # words: the index cannot narrow by them, and the probe would read
        # every document that has the others. PostgreSQL runs only the side
        # the sample chose (a one-time filter).
        ctes, cte_params, select, select_params = _sample_sql(queryset, parsed, language)
        few = "(SELECT n <= %s FROM estimate)"
        few_params = [-1 if probe or parsed.excluded else GIN_PROBE]
        p_ctes, p_cte_params, p_select, p_select_params = probe_parts(
            (4, 5), guard=few, guard_params=few_params
        )
        walked, walked_params = walk(guard=f"NOT {few}", guard_params=few_params)
        statement = f"""
            {ctes}, {p_ctes}, walked AS ({walked})
            SELECT 0, id, section_id, year, place, NULL FROM walked
            UNION ALL {select}
            UNION ALL {p_select}
            ORDER BY 1, 5
        """  # noqa: S608
        params = [*cte_params, *p_cte_params, *walked_params, *select_params, *p_select_params]
        rows = _rows(statement, params)
        sampled = _scaled(rows)
        if any(row[0] == 4 for row in rows):
            found, cells = probe_result(rows, (4, 5))
            if cells is not None:
                return Candidates(found, True, cells, None)
            # The sample was wrong: more than the probe takes. Walk as well.
            probe = True
            newest = [row[:3] for row in _rows(*walk())]
        else:
            newest = [row[1:4] for row in rows if row[0] == 0]
    else:
        newest = [row[:3] for row in _rows(*walk())]
    # Every row is an article (a draft of the API's editors has no year).
    if len(newest) >= limit:
        return Candidates(newest, True, None, sampled)
    # Fewer matches among the newest articles than wanted. When the window
    # held every article the filters keep (a section in a year), those are
    # all the matches.
    count = f"""
        SELECT COUNT(*) FROM (
            SELECT 1 FROM articles_article WHERE TRUE {where} LIMIT %s
        ) window_rows
    """  # noqa: S608
    if _rows(count, [*where_params, RECENT_WINDOW])[0][0] < RECENT_WINDOW:
        return Candidates(newest, True, None, sampled)
    if not probe and not newest:
        # None among the newest: common words that seldom meet. The index
        # has the older ones.
        found, cells = probed()
        if cells is not None:
            return Candidates(found, True, cells, None)
    # Otherwise there are more in the whole archive than the probe took:
    # rank those of both, not exactly the newest ones.
    merged = {row[0]: row for row in [*newest, *found]}
    return Candidates(list(merged.values())[:limit], False, None, sampled)


def _sample_sql(queryset, parsed: ParsedQuery, language: str | None):
    """The sample that estimates counts (see _pg_estimate) as SQL: its CTEs
    (starting ``WITH``) and a SELECT of its figures as rows (kind, NULL,
    section id, year, NULL, n): kind 1, the sample's matches per (section,
    year); 2, the sample's size; 3, the index's row count as the planner
    knows it. Returns (ctes, their parameters, select, its parameters)."""
    from articles.models import SearchDocument

    where, where_params = _where_sql(queryset)
    tsquery, tsquery_params = _pg_tsquery_sql(parsed, language)
    year, year_params = _year_sql()
    table = SearchDocument._meta.db_table
    # Only constant table names are interpolated; values are parameters.
    # The sample: ESTIMATE_SAMPLE_ROWS ids spread over the id range by a
    # fixed multiplicative hash (the same documents every time, so a reload
    # shows the same figures; the multiplier is prime, so a table smaller
    # than the sample is read whole), through the primary key. Not
    # TABLESAMPLE SYSTEM: it samples pages, and the rows of a page were
    # written together (same weeks), so per-year figures came out lumpy.
    ctes = f"""
        WITH bounds AS (
            SELECT MIN(article_id) AS low, MAX(article_id) - MIN(article_id) + 1 AS span
            FROM {table}
        ), picks AS (
            SELECT DISTINCT low + (n * 2654435761) %% span AS id
            FROM bounds, generate_series(1, %s) AS n
        ), sample AS MATERIALIZED (
            SELECT document.article_id, document.vector
            FROM picks JOIN {table} document ON document.article_id = picks.id
        ), hits AS MATERIALIZED (
            SELECT articles_article.section_id, {year} AS year
            FROM sample JOIN articles_article ON articles_article.id = sample.article_id
            WHERE sample.vector @@ {tsquery} {"AND " + where if where else ""}
        ), estimate AS (
            -- The sample's matches scaled up to the index, as _scaled does.
            SELECT (SELECT COUNT(*) FROM hits)::float8 * GREATEST(c.reltuples, s.n, 1)
                / GREATEST(s.n, 1) AS n
            FROM pg_class c, (SELECT COUNT(*) AS n FROM sample) s
            WHERE c.oid = '{table}'::regclass
        )"""  # noqa: S608
    select = f"""
        SELECT 1, NULL, section_id, year, NULL, COUNT(*) FROM hits GROUP BY 3, 4
        UNION ALL SELECT 2, NULL, NULL, NULL, NULL, COUNT(*) FROM sample
        UNION ALL SELECT 3, NULL, NULL, NULL, NULL, GREATEST(reltuples, 0)::bigint
            FROM pg_class WHERE oid = '{table}'::regclass
    """  # noqa: S608
    params = [ESTIMATE_SAMPLE_ROWS, *year_params, *tsquery_params, *where_params]
    return ctes, params, select, []


def _scaled(rows) -> dict:
    """The sample's matches per (section id, year) from _sample_sql's rows,
    scaled up to the whole index."""
    sampled = max(1, next((n for kind, *_, n in rows if kind == 2), 1))
    documents = next((n for kind, *_, n in rows if kind == 3), 0)
    scale = max(documents, sampled) / sampled
    return {
        (section_id, int(year)): n * scale
        for kind, _, section_id, year, _, n in rows
        if kind == 1 and year is not None
    }


def forget_statistics() -> None:
    """Drop the column statistics read by _pg_common (after an ANALYZE)."""
    _statistics.clear()


def _lexeme_shares() -> tuple[dict[str, float], float]:
    """The commonest lexemes of the vector column with the share of
    documents that have each, and the table's row count, as ANALYZE left
    them: read from ``pg_stats`` at most once in ``STATISTICS_SECONDS`` per
    process (planning that view costs about 1 ms; the figures change only
    when ANALYZE runs)."""
    from articles.models import SearchDocument

    now = time.monotonic()
    known = _statistics.get(connection.alias)
    if known is not None and now - known[0] < STATISTICS_SECONDS:
        return known[1], known[2]
    table = SearchDocument._meta.db_table
    sql = """
        SELECT unnest(most_common_elems::text::text[]),
            unnest(most_common_elem_freqs[1:array_length(most_common_elems, 1)])
        FROM pg_stats
        WHERE schemaname = current_schema() AND tablename = %s AND attname = 'vector'
        UNION ALL SELECT NULL, GREATEST(reltuples, 0) FROM pg_class WHERE oid = %s::regclass
    """
    rows = _rows(sql, [table, table])
    shares = {lexeme: float(share) for lexeme, share in rows if lexeme is not None}
    documents = next((float(n) for lexeme, n in rows if lexeme is None), 0.0)
    _statistics[connection.alias] = (now, shares, documents)
    return shares, documents


def _pg_common(parsed: ParsedQuery, language: str | None, threshold: int) -> bool:
    """Whether more than ``threshold`` documents may match: a bound from the
    statistics ANALYZE keeps of the vector column (its commonest lexemes and
    the share of documents that have each, _lexeme_shares); one query, for
    the words' lexemes, that reads no document.

    A word's share is that of its lexeme in the configurations searched (the
    largest); words together match at most as often as the rarest of them
    (not their product: the planner's guess, which takes "north" and "korea"
    as independent and so a thousand times rarer than they are); OR adds.
    A word outside the list is rare, whatever the size of the archive: it is
    what the GIN probe answers best (the planner's default guess for it grows
    with the table, and at a million articles called every unknown word
    common). Without statistics every word is rare: the probe finds it, or
    overflows and the walk goes on (bounded either way). Excluded words do
    not narrow the bound."""
    words = list(dict.fromkeys(parsed.words))
    if not words:
        return False
    known, documents = _lexeme_shares()
    # Each word as its configuration reads it in a query (_pg_query_text):
    # "والنفط" is "النفط" to "arabic", a word in most Arabic articles; taken
    # as the rare word it is unchanged, it went to the GIN probe and took
    # 810 ms at 1 000 000 articles instead of 30.
    pairs = [(n, config) for n in range(len(words)) for config in _pg_configs(language)]
    sql = """
        SELECT word.n, lexeme.lexeme
        FROM unnest(%s::int[], %s::regconfig[], %s::text[]) AS word(n, config, text)
        CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector(word.config, word.text)))
            AS lexeme(lexeme)
    """
    params = [
        [n for n, _ in pairs],
        [config for _, config in pairs],
        [_pg_query_text(words[n], config) for n, config in pairs],
    ]
    # Words with no lexeme (stop words) are dropped from the query too.
    share: dict[str, float] = {}
    for n, lexeme in _rows(sql, params):
        word = words[n]
        share[word] = max(share.get(word, 0.0), known.get(lexeme, 0.0))

    def phrase_share(phrase):
        found = [share[w] for w in phrase if w in share]
        return min(found) if found else 1.0

    bound = min(
        (min(1.0, sum(phrase_share(p) for p in clause)) for clause in parsed.clauses),
        default=1.0,
    )
    return bound * documents > threshold


def _pg_estimate(queryset, parsed: ParsedQuery, language: str | None) -> dict:
    """Estimated matches per (section id, year): the matches in a fixed
    sample of the index, scaled up to the whole index (its row count as the
    planner knows it). Costs the same at 100 000 articles and at ten
    million; run only when more articles match than are ranked (the walk of
    _pg_candidates brings it along when it is sure to be needed)."""
    ctes, cte_params, select, select_params = _sample_sql(queryset, parsed, language)
    return _scaled(_rows(ctes + select, [*cte_params, *select_params]))


def _about(n: float) -> int:
    """An estimate rounded to two significant figures (87 266 -> 87 000)."""
    n = round(n)
    if n < 100:
        return n
    unit = 10 ** (len(str(n)) - 2)
    return round(n / unit) * unit


def _sqlite_match_sql(queryset, parsed: ParsedQuery, select: str, tail: str = ""):
    """SQLite: ``SELECT select`` over the FTS5 matches joined to the articles
    that ``queryset`` (a filter on articles_article alone) keeps.

    The FTS table must drive the join (CROSS JOIN fixes the order in SQLite):
    the ORM's join would walk every public article and run MATCH for each.
    """
    where, params = _where_sql(queryset)
    # Constant names; the WHERE is the ORM's own SQL; values are parameters.
    sql = " ".join(
        [
            f"SELECT {select} FROM {FTS_TABLE} CROSS JOIN articles_article",  # noqa: S608
            f"ON articles_article.id = {FTS_TABLE}.rowid WHERE {FTS_TABLE} MATCH %s",
            f"AND {where}" if where else "",
            tail,
        ]
    )
    return sql, [parsed.as_fts5(_stemmed_forms), *params]


def _rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _counts(queryset, parsed: ParsedQuery, language: str | None) -> list[tuple[int, int, int]]:
    """SQLite: [(section id, year, matches)] in one GROUP BY: the totals and
    both facets are sums over these rows. (PostgreSQL: ``_pg_search``.)"""
    tzname = timezone.get_current_timezone_name() if settings.USE_TZ else None
    year = "django_datetime_extract('year', articles_article.publish_at, %s, 'UTC')"
    sql, params = _sqlite_match_sql(
        queryset,
        parsed,
        f"articles_article.section_id, {year}, COUNT(*)",
        f"GROUP BY articles_article.section_id, {year}",
    )
    rows = _rows(sql, [tzname, *params, tzname])
    return [(pk, int(y), n) for pk, y, n in rows if y is not None]


# SQLite: bm25 with the columns' weights, times the recency boost (Recency;
# a draft's from its creation).
_SQLITE_SCORE = (
    f"(-bm25({FTS_TABLE}, {', '.join(str(w) for w in FTS_WEIGHTS)}))"
    " * (1.0 + 1.0 / (1.0 + MAX(julianday('now') - julianday("
    "COALESCE(articles_article.publish_at, articles_article.created_at)), 0) / 365.25))"
)
_SQLITE_BEST_FIRST = (
    " ORDER BY score DESC, articles_article.publish_at DESC, articles_article.id DESC"
    " LIMIT %s OFFSET %s"
)


def _ranked_page(queryset, parsed, language, *, start: int, count: int) -> list:
    """One page of matches, best first, each with ``search_score`` and a
    rendered ``search_snippet``. On PostgreSQL ``queryset`` holds only
    matches (the candidates' ids)."""
    if _is_postgres():
        # Rank the candidates on narrow rows, then load (and make snippets
        # for) only the page's articles: one statement.
        ranked = _pg_ranked(queryset, parsed, language, snippets=False, matched=True)
        page = queryset.model.objects.filter(pk__in=ranked.values("pk")[start : start + count])
        ranked = _pg_ranked(page, parsed, language, snippets=True, matched=True)
        items = list(ranked.for_teasers(pictures=False))
    else:
        sql, params = _sqlite_match_sql(
            queryset,
            parsed,
            f"articles_article.id, {_SQLITE_SCORE} AS score, "
            f"snippet({FTS_TABLE}, 2, char(2), char(3), ' … ', 30)",
            _SQLITE_BEST_FIRST,
        )
        rows = _rows(sql, [*params, count, start])
        found = queryset.model.objects.for_teasers(pictures=False).in_bulk(
            [pk for pk, _, _ in rows]
        )
        items = []
        for pk, score, snippet in rows:
            if pk in found:
                item = found[pk]
                item.search_score, item.search_snippet = score, snippet
                items.append(item)
    for item in items:
        item.search_snippet = render_snippet(item.search_snippet)
    return items


def _tally(results, counts, *, in_section, section, year, about=False) -> None:
    """Fill ``results.total`` and both facets from [(section id, year, n)].
    Each facet ignores its own filter, so readers can switch to another.
    ``about``: the counts are estimates, rounded once summed."""
    from articles.models import Category

    years, sections = Counter(), Counter()
    total = 0
    for section_id, row_year, n in counts:
        section_ok = in_section is None or section_id in in_section
        year_ok = not year or row_year == year
        if section_ok:
            years[row_year] += n
        if year_ok:
            sections[section_id] += n
        if section_ok and year_ok:
            total += n
    shown = _about if about else round
    results.total = shown(total)
    results.year_facets = [
        Facet(y, shown(n), selected=y == year) for y, n in sorted(years.items(), reverse=True)
    ]
    categories = Category.objects.in_bulk(sections)
    results.section_facets = sorted(
        (
            Facet(categories[pk], shown(n), selected=section is not None and pk == section.pk)
            for pk, n in sections.items()
            if pk in categories
        ),
        key=lambda f: (-f.count, f.value.name),
    )


def _pg_search(results, base, parsed, language, *, section, year) -> None:
    """PostgreSQL: fill ``results`` ranking only the newest
    ``SEARCH_CANDIDATES`` matches (see the module docstring).

    Queries: the column's statistics (_pg_common), the candidates (ids,
    sections, years: one to three; the GIN probe's also counts its matches),
    section names, the ranked page with snippets, its authors; when more
    articles match than are ranked, the sample that estimates the counts
    (unless the probe counted them), and when a section or year is chosen
    then, one more for the candidates within it."""
    limit = SEARCH_CANDIDATES

    def find(parsed):
        # The statistics first: when they say the words are common,
        # the GIN probe would only overflow (and cost the most for the
        # commonest words).
        common = _pg_common(parsed, language, 2 * GIN_PROBE)
        return _pg_candidates(base, parsed, language, limit + 1, probe=not common, estimate=common)

    candidates, complete, exact, sampled = find(parsed)
    if not candidates and complete and len(parsed.words) > 1:
        parsed = parsed.any_word()
        results.any_word = True
        candidates, complete, exact, sampled = find(parsed)
    if not candidates:
        return
    in_section = set(section.descendant_ids()) if section is not None else None

    def kept(section_id, row_year):
        return (in_section is None or section_id in in_section) and (not year or row_year == year)

    found = Counter((section_id, row_year) for _, section_id, row_year in candidates)
    if complete and len(candidates) <= limit:  # every match is here: exact counts
        counts = [(section_id, row_year, n) for (section_id, row_year), n in found.items()]
        _tally(results, counts, in_section=in_section, section=section, year=year)
        ids = [pk for pk, section_id, row_year in candidates if kept(section_id, row_year)]
    else:
        if exact is not None:
            # The probe counted every match: only the ranking is bounded.
            cells = exact
        else:
            # The candidates are exact lower bounds for their cells; the
            # sample says how many more there are.
            cells = sampled if sampled is not None else _pg_estimate(base, parsed, language)
            for cell, n in found.items():
                cells[cell] = max(n, cells.get(cell, 0))
        counts = [(section_id, row_year, n) for (section_id, row_year), n in cells.items()]
        about = exact is None
        _tally(results, counts, in_section=in_section, section=section, year=year, about=about)
        results.estimated = about
        if in_section is None and not year:
            ids = [pk for pk, _, _ in candidates[:limit]]
        else:
            # A chosen section or year is often small enough to hold fewer
            # matches than a window of articles: those are counted exactly.
            narrowed = _narrowed(base, in_section, year)
            chosen, complete, _, _ = _pg_candidates(narrowed, parsed, language, RECENT_WINDOW + 1)
            ids = [pk for pk, _, _ in chosen[:limit]]
            if complete and len(chosen) <= RECENT_WINDOW:
                results.total, results.estimated = len(chosen), False
            else:  # the sample may have missed a small section or year
                results.total = max(results.total, len(ids))
        if results.total > len(ids):
            results.ranked = len(ids)
    if results.total and ids:
        results.items = _ranked_page(
            base.with_ids(ids),
            parsed,
            language,
            start=(results.page - 1) * results.per_page,
            count=results.per_page,
        )


def _narrowed(queryset, in_section, year):
    if in_section is not None:
        queryset = queryset.filter(section_id__in=in_section)
    if year:
        queryset = queryset.filter(publish_at__year=year)
    return queryset


def filter_queryset(queryset, query: str, *, language: str | None = None):
    """``queryset`` narrowed to matches of ``query``; an empty or unsearchable
    query matches nothing. On PostgreSQL the result is ordered best first and
    carries ``search_score``; on SQLite it keeps the queryset's order (pages
    that rank use ``search_articles``)."""
    parsed = parse_query(query)
    if not parsed:
        return queryset.none()
    if _is_postgres():
        # Every match, not the search page's bounded candidates: the API
        # pages through them by date and the admin filters on them; ranking
        # happens only for the rows a LIMIT keeps. Ordered by date, the
        # planner walks the date index and tests each article: quick for
        # common words, but a rare word (or one found nowhere) made it test
        # the whole archive (0.7 s at 100 000 for a word found nowhere). So
        # the GIN index is asked first, for at most FILTER_PROBE documents:
        # when it has no more, those are every match, and only they are read.
        # Unless the column's statistics say the words are common: the
        # probe would build the index's bitmap of every match before its
        # LIMIT (89 ms for "oil" at 1 000 000 articles), and the walk by date
        # meets common words at once.
        if not _pg_common(parsed, language, 2 * FILTER_PROBE):
            found = _pg_probe(parsed, language, FILTER_PROBE)
            if len(found) <= FILTER_PROBE:
                return _pg_ranked(
                    queryset.filter(pk__in=found), parsed, language, snippets=False, matched=True
                )
        return _pg_ranked(queryset, parsed, language, snippets=False)
    # A constant table name; the expression is a parameter.
    match = RawSQL(  # noqa: S611
        f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",  # noqa: S608
        [parsed.as_fts5(_stemmed_forms)],
    )
    return queryset.filter(pk__in=match)


def _on_articles_alone(queryset):
    """``queryset`` as a filter on articles_article alone, which the raw
    statements here need (_where_sql): a filter through a join (the API's
    ``category``: the section's slug) becomes a subquery of ids."""
    query = queryset.query
    joined = any(
        getattr(join, "join_type", None) and query.alias_refcount.get(alias)
        for alias, join in query.alias_map.items()
    )
    if not joined:
        return queryset
    return queryset.model.objects.filter(pk__in=queryset.order_by().values("pk"))


def ranked_ids(queryset, query: str, *, start: int = 0, count: int = PAGE_SIZE):
    """The matches of ``query`` among ``queryset``'s articles, best first as
    the search page ranks them (relevance times recency): the ids from
    ``start`` to ``start + count``, and whether more ranked ones follow.
    This is the API's ``?q=`` in relevance order.

    On PostgreSQL only the newest ``SEARCH_CANDIDATES`` matches are ranked,
    as on the search page, so a page costs the same at a million articles
    whatever the words; ranked pages end there. On SQLite every match is
    ranked (bm25), to ``MAX_PAGE`` pages of ``PAGE_SIZE``.

    Queries: PostgreSQL, the words' lexemes (_pg_common), the candidates
    (one to three) and the ranked page; SQLite, one."""
    parsed = parse_query(query)
    depth = SEARCH_CANDIDATES if _is_postgres() else MAX_PAGE * PAGE_SIZE
    count = min(count, depth - start)
    if not parsed or count <= 0:
        return [], False
    queryset = _on_articles_alone(queryset)
    if _is_postgres():
        common = _pg_common(parsed, language=None, threshold=2 * GIN_PROBE)
        found = _pg_candidates(
            queryset, parsed, None, SEARCH_CANDIDATES, probe=not common, estimate=common
        )
        if not found.rows:
            return [], False
        matched = queryset.model.objects.with_ids([pk for pk, _, _ in found.rows])
        ranked = _pg_ranked(matched, parsed, None, snippets=False, matched=True)
        ids = list(ranked.values_list("pk", flat=True)[start : start + count + 1])
    else:
        sql, params = _sqlite_match_sql(
            queryset, parsed, f"articles_article.id, {_SQLITE_SCORE} AS score", _SQLITE_BEST_FIRST
        )
        ids = [pk for pk, _ in _rows(sql, [*params, count + 1, start])]
    return ids[:count], len(ids) > count and start + count < depth


def render_snippet(raw: str | None) -> str:
    """Snippet text as safe HTML: escaped, matches in <mark>."""
    from django.utils.safestring import mark_safe

    text = html.escape(html.unescape(raw or ""), quote=False)
    return mark_safe(text.replace(_START, "<mark>").replace(_STOP, "</mark>"))  # noqa: S308


def search_articles(
    query: str,
    *,
    language: str | None = None,
    section=None,
    year: int | None = None,
    tag=None,
    page: int = 1,
    per_page: int = PAGE_SIZE,
    queryset=None,
    suggest: bool = True,
) -> SearchResults:
    """Search public articles (``_search``), with spelling suggestions: when
    a word of ``query`` matched nothing (no results, or results of some of
    the words only) and the vocabulary knows a close word
    (``articles.spelling``), ``suggestion`` is the corrected query; when
    ``query`` found nothing and the correction finds articles, the results
    are the correction's (``corrected``). Costs nothing more when every word
    matched; otherwise one query for the words, one per unknown word and
    either an EXISTS of the correction (when some words matched) or the
    corrected search (a correction is offered only when public articles
    have all of its words).
    """
    filters = {
        "language": language, "section": section, "year": year, "tag": tag,
        "page": page, "per_page": per_page, "queryset": queryset,
    }  # fmt: skip
    results = _search(query, **filters)
    if not suggest or results.timed_out or (results.total and not results.any_word):
        return results
    from articles import spelling
    from articles.models import Article

    parsed = parse_query(query)
    fixes = spelling.corrections(parsed.words)
    if not fixes:
        return results
    suggestion = parsed.replaced(fixes).as_websearch()
    # Offered only when public articles have every word of it: the
    # vocabulary also holds the words of scheduled and expired articles,
    # which a reader must not learn from a suggestion.
    if results.total:
        # Some words matched: one EXISTS over public articles, not a search.
        base = Article.objects.public() if queryset is None else queryset
        if base.search(suggestion).exists():
            results.suggestion = suggestion
        return results
    instead = _search(suggestion, **filters)
    if not instead.total or instead.any_word:
        return results
    instead.query, instead.suggestion, instead.corrected = results.query, suggestion, True
    return instead


def _search(
    query: str,
    *,
    language: str | None = None,
    section=None,
    year: int | None = None,
    tag=None,
    page: int = 1,
    per_page: int = PAGE_SIZE,
    queryset=None,
) -> SearchResults:
    """Search public articles.

    ``query`` uses websearch syntax (words, "phrases", OR, -excluded). Filters
    combine with it: ``language`` (code), ``section`` (a Category: it and its
    sub-sections), ``year`` and ``tag`` (a Tag). Results are ranked by
    relevance boosted by recency; each item carries ``search_score`` and
    ``search_snippet`` (safe HTML with <mark>). Facets count matches by
    section and by year, each ignoring its own filter so readers can switch.
    When all the words together match nothing, the results are those of any
    of the words (``any_word``). Never raises on user input.

    On PostgreSQL only the newest ``SEARCH_CANDIDATES`` matches are ranked;
    when more match, ``total`` and the facets are rounded estimates
    (``estimated``) and pages stop at ``ranked``. A query cancelled by the
    statement timeout returns empty results with ``timed_out`` set.

    Queries, whatever the archive size: SQLite: section and year counts,
    section names, results, their authors. PostgreSQL: the words' lexemes
    (_pg_common), the candidates (one to three), the sample when more match
    than are ranked (and then one more for a chosen section or year),
    section names, results, their authors. Plus one per section
    level when filtering by section. The search page adds the teasers'
    pictures.
    """
    from articles.models import Article

    parsed = parse_query(query)
    page = max(1, min(int(page or 1), MAX_PAGE))
    results = SearchResults(query=query[:MAX_QUERY_LENGTH], page=page, per_page=per_page)
    if not parsed:
        return results
    base = Article.objects.public() if queryset is None else queryset
    if language:
        base = base.filter(language=language)
    if tag is not None:
        # A subquery, not a join: the SQLite path needs a filter on
        # articles_article alone.
        base = base.filter(pk__in=Article.tags.through.objects.filter(tag=tag).values("article"))

    if _is_postgres():
        try:
            # Under the search timeout, in a transaction of its own, and
            # without sequential scans: the GIN probe of _pg_candidates has
            # a LIMIT, and the planner, which thinks @@ costs next to
            # nothing, would rather read the table from the start until
            # enough rows match (tens of ms of detoasting) than ask the
            # index (a few). The API's ?q= runs the same way (articles.api).
            with search_limits(seqscan=False):
                _pg_search(results, base, parsed, language, section=section, year=year)
        except OperationalError as error:
            if not is_statement_timeout(error):
                raise
            logger.warning("Search timed out after %s ms: %r", search_timeout_ms(), query)
            results = SearchResults(
                query=results.query, page=page, per_page=per_page, timed_out=True
            )
        return results

    counts = _counts(base, parsed, language)
    if not counts and len(parsed.words) > 1:
        parsed = parsed.any_word()
        results.any_word = True
        counts = _counts(base, parsed, language)
    if not counts:
        return results
    in_section = set(section.descendant_ids()) if section is not None else None
    _tally(results, counts, in_section=in_section, section=section, year=year)
    if results.total:
        results.items = _ranked_page(
            _narrowed(base, in_section, year),
            parsed,
            language,
            start=(page - 1) * per_page,
            count=per_page,
        )
    return results


# --- keeping the index current ------------------------------------------------------


def _pg_config_sql(column: str) -> str:
    cases = " ".join(f"WHEN '{code}' THEN '{cfg}'" for code, cfg in PG_CONFIGS.items())
    return f"(CASE {column} {cases} ELSE '{PG_DEFAULT_CONFIG}' END)::regconfig"


def _pg_index_sql(where: str) -> str:
    """INSERT ... SELECT that (re)builds search documents for the articles
    ``where`` selects; every text is computed in the database."""
    from articles.models import Article, ArticleAuthor, Author, SearchDocument, Tag
    from media_assets.models import MediaAsset

    cfg = _pg_config_sql("a.language")
    tags = Article.tags.through._meta.db_table

    arabic = ", ".join(f"'{code}'" for code, name in PG_CONFIGS.items() if name == "arabic")

    def text(expression):
        # Arabic text loses the letter before the article (ARABIC_PROCLITIC),
        # as _pg_query_text takes it off queries.
        return (
            f"to_tsvector({cfg}, CASE WHEN a.language IN ({arabic}) "
            f"THEN regexp_replace({expression}, '{ARABIC_PROCLITIC}', '', 'g') "
            f"ELSE {expression} END)"
        )

    people = f"""concat_ws(' ', a.byline,
        (SELECT string_agg(au.name, ' ' ORDER BY aa.position, aa.id)
           FROM {ArticleAuthor._meta.db_table} aa
           JOIN {Author._meta.db_table} au ON au.id = aa.author_id
           WHERE aa.article_id = a.id))"""  # noqa: S608
    extra = f"""concat_ws(' ',
        coalesce(nullif(a.lead_caption, ''), m.caption), m.credit, m.photographer,
        (SELECT string_agg(t.name, ' ' ORDER BY t.name) FROM {tags} at
           JOIN {Tag._meta.db_table} t ON t.id = at.tag_id WHERE at.article_id = a.id))"""  # noqa: S608
    # Only table names, constant configuration names and a constant pattern
    # are interpolated.
    return f"""
        INSERT INTO {SearchDocument._meta.db_table} (article_id, vector)
        SELECT a.id,
            setweight({text("coalesce(a.headline, '')")}, 'A')
            || setweight({text("coalesce(a.dek, '')")}, 'B')
            || setweight({text(people)}, 'B')
            || setweight({text("left(coalesce(a.body, ''), 300000)")}, 'C')
            || setweight({text(extra)}, 'D')
        FROM {Article._meta.db_table} a
        LEFT JOIN {MediaAsset._meta.db_table} m ON m.id = a.lead_media_id
        WHERE {where}
        ON CONFLICT (article_id) DO UPDATE SET vector = EXCLUDED.vector
    """  # noqa: S608


def _fts_rows(ids: list[int]) -> list[tuple]:
    """SQLite: the FTS rows (rowid, headline, dek, body, extra, people,
    stems) of ``ids``.

    Three plain queries (articles with their lead photo, tag names, author
    names) and no model instances: the importers call this per batch, and
    building instances and per-article prefetch querysets cost more than
    the rest of the indexing together."""
    from articles.models import Article, ArticleAuthor

    tags = _names_by_article(
        Article.tags.through.objects.filter(article_id__in=ids)
        .order_by("tag__name", "tag_id")
        .values_list("article_id", "tag__name")
    )
    authors = _names_by_article(
        ArticleAuthor.objects.filter(article_id__in=ids)
        .order_by("position", "id")
        .values_list("article_id", "author__name")
    )
    articles = (
        Article.objects.filter(pk__in=ids)
        .order_by()
        .values_list(
            "id",
            "language",
            "headline",
            "dek",
            "body",
            "byline",
            "lead_caption",
            "lead_media__caption",
            "lead_media__credit",
            "lead_media__photographer",
        )
    )
    rows = []
    for pk, language, headline, dek, body, byline, *photo in articles:
        lead_caption, caption, credit, photographer = photo
        extra = [lead_caption or caption or "", credit or "", photographer or "", *tags.get(pk, ())]
        people = [byline, *authors.get(pk, ())]
        texts = [
            headline,
            dek,
            strip_tags(body),
            " ".join(x for x in extra if x),
            " ".join(x for x in people if x),
        ]
        algorithm = SQLITE_STEMMERS.get(language)
        stems = " ".join(_stem(algorithm, _words(" ".join(texts)))) if algorithm else ""
        rows.append((pk, *texts, stems))
    return rows


_stemmers = threading.local()  # a Snowball stemmer keeps state while it works


def _stem(algorithm: str, words) -> list[str]:
    """``words`` stemmed by the Snowball ``algorithm`` (for "arabic", without
    the letter before the article first: ARABIC_PROCLITIC)."""
    cache = _stemmers.__dict__
    if algorithm not in cache:
        cache[algorithm] = snowballstemmer.stemmer(algorithm)
    if algorithm == "arabic":
        words = [_ARABIC_PROCLITIC_RE.sub("", word) for word in words]
    return cache[algorithm].stemWords(words)


def _stemmed_forms(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """SQLite: ``words`` (a phrase of a query) as each of SQLITE_STEMMERS
    stems it: alternatives of the phrase, met in the ``stems`` column (or in
    the text itself, where a word is written as its stem: الوزير's stem is
    the word وزير). The article's language is not known here: stems in
    another script, or unchanged, only repeat an alternative (dropped by
    as_fts5)."""
    return [tuple(_stem(algorithm, words)) for algorithm in dict.fromkeys(SQLITE_STEMMERS.values())]


def reindex_articles(ids: Iterable[int], *, content: bool = True) -> None:
    """Rebuild the search index entries of the articles ``ids`` (missing ids
    are dropped from the index), and the index of their body figures
    (``media_usage.sync_body_figures``); mark their sections, tags and
    authors as changed (``term_counts.mark_articles``) and add their new
    words to the spelling vocabulary (``spelling.add_words``), both left
    out with ``content=False``, when only a related name or photo changed.
    Call it after any write that skips ``save()`` signals: bulk_create,
    QuerySet.update, imports. Runs in the caller's transaction; one
    statement per 2 000 articles on PostgreSQL, plus the figures' three,
    the marks' one and the words' one (two on SQLite)."""
    from articles.spelling import add_words
    from articles.term_counts import mark_articles

    ids = sorted({int(pk) for pk in ids})
    for start in range(0, len(ids), REINDEX_CHUNK):
        chunk = ids[start : start + REINDEX_CHUNK]
        sync_body_figures(chunk)
        if content:
            mark_articles(chunk)
            add_words(chunk)
        with connection.cursor() as cursor:
            if _is_postgres():
                cursor.execute(_pg_index_sql("a.id = ANY(%s)"), [chunk])
                continue
            marks = ",".join(["%s"] * len(chunk))
            rows = _fts_rows(chunk)
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})", chunk)  # noqa: S608
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE} "  # noqa: S608
                "(rowid, headline, dek, body, extra, people, stems) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                rows,
            )


def _names_by_article(links) -> dict[int, list[str]]:
    """``(article_id, name)`` rows, in their order, grouped by article."""
    names: dict[int, list[str]] = {}
    for article_id, name in links:
        names.setdefault(article_id, []).append(name)
    return names


def reindex_id_range(first: int, last: int, *, chunk: int = 5000) -> None:
    """PostgreSQL: index the articles with ``first <= id <= last`` (bulk
    loads; each chunk is one statement). Safe to run in parallel on disjoint
    ranges. Only ``index_unindexed`` calls it, and only on PostgreSQL;
    elsewhere, ``reindex_articles``."""
    with connection.cursor() as cursor:
        for low in range(first, last + 1, chunk):
            high = min(low + chunk - 1, last)
            cursor.execute(_pg_index_sql("a.id BETWEEN %s AND %s"), [low, high])
            sync_body_figures(range(low, high + 1))


def rebuild_index(*, stdout=None, chunk: int = 20_000, jobs: int = 1) -> int:
    """Index every article from scratch (after a bulk load or a change of
    configuration). Returns the number of articles indexed.

    ``jobs`` > 1 on PostgreSQL, outside a transaction: the documents are
    built by that many processes with the GIN index dropped meanwhile and
    made once at the end (``index_unindexed``); searches find nothing until
    it is done, as with one process."""
    from articles.models import Article, SearchDocument

    with connection.cursor() as cursor:
        if _is_postgres():
            # TRUNCATE is the fast way, but refuses to run inside a transaction
            # with pending (deferred) foreign-key checks.
            verb = "DELETE FROM" if connection.in_atomic_block else "TRUNCATE"
            cursor.execute(f"{verb} {SearchDocument._meta.db_table}")
        else:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608
    if jobs > 1 and _is_postgres() and not connection.in_atomic_block:
        done = index_unindexed(jobs=jobs, rebuild_gin=True)  # analyzes first
        if stdout is not None:
            stdout.write(f"  indexed {done} articles with {jobs} processes")
        return done
    return _index_in_batches(Article.objects.all(), content=True, stdout=stdout, chunk=chunk)


def reindex_in_place(language: str | None = None, *, stdout=None, chunk: int = 20_000) -> int:
    """Rebuild the search documents of every article, or of those in
    ``language`` (after the index's definition or a language's configuration
    changed), over the old ones, keeping the index: searches keep working
    meanwhile, each article found as before until its turn (unlike
    ``rebuild_index``, which empties the index first). Each batch is its own
    statement, so on PostgreSQL it runs outside a transaction without
    holding anything long. Returns the number indexed."""
    from articles.models import Article

    articles = Article.objects.all()
    if language is not None:
        articles = articles.filter(language=language)
    return _index_in_batches(articles, content=False, stdout=stdout, chunk=chunk)


def _index_in_batches(articles, *, content: bool, stdout, chunk: int) -> int:
    """Index ``articles`` (a queryset) ``chunk`` ids at a time, then refresh
    the column's statistics (PostgreSQL). ``content``: also index their body
    figures (and on SQLite mark their terms and words, reindex_articles)."""
    from articles.models import SearchDocument

    if _is_postgres():
        no_statement_timeout()  # a batch outlasts a page's timeout
        _analyze_sources()
    done = 0
    last = 0
    while ids := list(
        articles.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk]
    ):
        if _is_postgres():
            with connection.cursor() as cursor:
                cursor.execute(_pg_index_sql("a.id = ANY(%s)"), [ids])
            if content:
                sync_body_figures(ids)
        else:
            reindex_articles(ids, content=content)
        done += len(ids)
        last = ids[-1]
        if stdout is not None:
            stdout.write(f"  indexed {done} articles")
    if _is_postgres() and done:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {SearchDocument._meta.db_table}")
        forget_statistics()
    return done


# --- bulk builds on PostgreSQL (generate_archive, rebuild_search_index --jobs) ---------

GIN_INDEX = "search_document_vector_gin"
PARALLEL_SLICE = 5000  # articles per task: every process stays busy to the end


def index_unindexed(*, jobs: int = 1, rebuild_gin: bool = False) -> int:
    """PostgreSQL: build the search documents of every article that has none
    (after a bulk load, or a load interrupted before its indexing), in
    ``jobs`` processes. ``rebuild_gin``: drop the GIN index meanwhile and
    make it once at the end, as migration 0004 defines it (much faster than
    maintaining it row by row for a big load). Returns the number of
    documents built. Not inside a transaction when ``jobs`` > 1: the
    processes must see the committed articles."""
    from articles.models import Article, SearchDocument

    no_statement_timeout()  # bulk statements outlast a page's timeout
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MIN(a.id), MAX(a.id) FROM {Article._meta.db_table} a "  # noqa: S608
            f"WHERE NOT EXISTS (SELECT 1 FROM {SearchDocument._meta.db_table} d "
            "WHERE d.article_id = a.id)"
        )
        first, last = cursor.fetchone()
        cursor.execute(f"SELECT COUNT(*) FROM {SearchDocument._meta.db_table}")  # noqa: S608
        before = cursor.fetchone()[0]
    if first is None:
        return 0
    _analyze_sources()
    if rebuild_gin:
        _drop_gin()
    try:
        _index_in_parallel(first, last, jobs)
    finally:
        if rebuild_gin:
            _create_gin()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {SearchDocument._meta.db_table}")  # noqa: S608
        return cursor.fetchone()[0] - before


def _analyze_sources():
    """Statistics for the tables a document's text is gathered from (tags,
    authors, their links, photos) before a bulk build. Without them (a
    freshly loaded database; this machine's PostgreSQL runs no autovacuum)
    the planner took the tag table for a few rows and scanned all of it for
    each article, probing its links per tag: with the 17 000 tags of a
    generated million-article archive, indexing went from 12 minutes to
    hours. A few hundred milliseconds."""
    from articles.models import Article, ArticleAuthor, Author, Tag
    from media_assets.models import MediaAsset

    tables = [
        Tag._meta.db_table,
        Article.tags.through._meta.db_table,
        Author._meta.db_table,
        ArticleAuthor._meta.db_table,
        MediaAsset._meta.db_table,
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(tables)}")


def no_statement_timeout():
    """Bulk statements (a million rows' COPY, an index build, VACUUM) may take
    longer than the site's DB_STATEMENT_TIMEOUT_MS allows a page."""
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")


def _index_range(bounds):
    """One task of ``_index_in_parallel``, in a child process."""
    no_statement_timeout()
    reindex_id_range(*bounds)
    connection.close()


def _index_in_parallel(first, last, jobs):
    if jobs <= 1:
        reindex_id_range(first, last)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    step = PARALLEL_SLICE
    ranges = [(low, min(low + step - 1, last)) for low in range(first, last + 1, step)]
    connection.close()  # children must not share the parent's connection
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(_index_range, ranges))
    no_statement_timeout()  # the parent's next connection is a new session


def _drop_gin():
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")


def _create_gin():
    # The same index as migration 0004 (search: vector @@ tsquery).
    from articles.models import SearchDocument

    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} "
            f"ON {SearchDocument._meta.db_table} USING gin (vector)"
        )
        cursor.execute("RESET maintenance_work_mem")


def remove_articles(ids: Iterable[int]) -> None:
    """Drop the index entries of deleted articles.

    On PostgreSQL the entry cascades with the article, but deleting an article
    first deletes its author links, whose signal reindexes the article and so
    writes a fresh entry after the cascade ran: delete it here, last.
    """
    ids = [int(pk) for pk in ids]
    if ids and _is_postgres():
        from articles.models import SearchDocument

        SearchDocument.objects.filter(article_id__in=ids).delete()
    elif ids:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({','.join(['%s'] * len(ids))})",  # noqa: S608
                ids,
            )


# --- signals -------------------------------------------------------------------------
# The index is derived data in the same database, so it is updated inside the
# writer's transaction (not on commit): a rolled-back save leaves no trace,
# and a committed one is searchable at once.


def _on_article_save(sender, instance, raw=False, **kwargs):
    if not raw:
        reindex_articles([instance.pk])


def _on_article_delete(sender, instance, **kwargs):
    remove_articles([instance.pk])


def _on_tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action == "pre_clear" and reverse:
        # tag.articles.clear(): post_clear no longer knows which articles had it.
        instance._search_cleared_ids = list(instance.articles.values_list("pk", flat=True))
    elif action in {"post_add", "post_remove", "post_clear"}:
        if not reverse:
            reindex_articles([instance.pk])
        elif action == "post_clear":
            reindex_articles(getattr(instance, "_search_cleared_ids", []))
        else:
            reindex_articles(pk_set or [])


def _on_related_save(sender, instance, raw=False, **kwargs):
    """A photo, tag or author changed: reindex the articles that show it."""
    from articles.models import Article, Author, Tag

    if raw:
        return
    if isinstance(instance, Tag):
        articles = Article.objects.filter(tags=instance)
    elif isinstance(instance, Author):
        articles = Article.objects.filter(authors=instance)
    else:
        articles = Article.objects.filter(lead_media=instance)
    reindex_articles(articles.values_list("pk", flat=True), content=False)


def _on_article_author_change(sender, instance, raw=False, origin=None, **kwargs):
    """A byline changed: reindex its article, unless the article itself is
    being deleted (``origin``, on post_delete): its index rows go with it,
    and rewriting them before its row is gone would leave them dangling."""
    from articles.models import Article

    # origin: the deleted article, or the queryset whose delete() this is.
    if raw or isinstance(origin, Article) or getattr(origin, "model", None) is Article:
        return
    reindex_articles([instance.article_id])


def connect_signals() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from articles.models import Article, ArticleAuthor, Author, Tag
    from media_assets.models import MediaAsset

    post_save.connect(_on_article_save, sender=Article, dispatch_uid="search-article-save")
    post_delete.connect(_on_article_delete, sender=Article, dispatch_uid="search-article-del")
    m2m_changed.connect(_on_tags_changed, sender=Article.tags.through, dispatch_uid="search-tags")
    for model in (Tag, Author, MediaAsset):
        post_save.connect(
            _on_related_save, sender=model, dispatch_uid=f"search-related-{model.__name__}"
        )
    for signal in (post_save, post_delete):
        signal.connect(
            _on_article_author_change,
            sender=ArticleAuthor,
            dispatch_uid=f"search-article-author-{signal is post_save}",
        )
