"""Build a large synthetic archive quickly, for scale tests and ``make bench``.

Articles have realistic lengths (a 6–16 word headline, a dek, 300–1 100
words of body), publication dates spread over 2005–2017, a section, one or
two authors, up to four tags, a lead photo (a MediaAsset without a file) on
most of them and about one in ten in Arabic. The tags are of two kinds, as in
a newsroom's archive: some 170 subjects and places spread over the years
(about one article in a hundred each), and a long tail of stories ("Story
N"), each on a few of the articles of a few days (``STORY_SPAN``
consecutive articles, ``STORY_SHARE`` of them): rare tags whose articles are
all of one moment, the lists that a walk of the date index serves worst.
Every fourth year has its elections (``ELECTION_YEARS``): ``ELECTION_SHARE``
of the articles of its autumn carry "General elections" and that year's own
tag ("General elections 2009"): big terms, all of a few weeks or in spells
years apart.
Within a run the articles are written in publication order, as a newsroom's
database fills up (ids and dates rise together). No revisions and no
per-row save(): this is test data.

``--articles N`` is the number of synthetic articles the archive should hold:
a second run with the same N creates nothing, a larger N adds the difference.

- **PostgreSQL**: rows go in with ``COPY`` (psycopg 3), 10 000 articles per
  transaction, with their author and tag links; photos likewise. The search
  documents are then built by the database (``articles.search``'s own SQL,
  so they are exactly what ``rebuild_search_index`` makes) in ``--jobs``
  processes, with the GIN index dropped during a big run and made again
  once, as migration 0004 defines it (``search.index_unindexed``).
  Sequences are moved past the new ids and the run ends with
  ``VACUUM ANALYZE``. The other indexes and the foreign keys stay: the
  writes are a fifth of the time of a big run, the index build the rest.
- **SQLite**: ``bulk_create`` in batches of 2 000, indexed batch by batch
  with ``reindex_articles``.
"""

import datetime
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils.text import slugify

from articles import archive_months, demo, search, spelling, term_counts
from articles.models import Article, ArticleAuthor, Author, Category, Tag
from articles.search import index_unindexed, no_statement_timeout, reindex_articles
from media_assets.models import MediaAsset

SOURCE = "synthetic"
BATCH = 2000  # SQLite: articles per bulk_create
COPY_BATCH = 10_000  # PostgreSQL: articles per COPY transaction
# A PostgreSQL run this big builds the search index after the articles, in
# parallel, with the GIN index made once at the end.
BIG_RUN = 20_000
START = datetime.datetime(2005, 1, 1, tzinfo=datetime.UTC)
END = datetime.datetime(2017, 12, 31, 23, 59, tzinfo=datetime.UTC)
EXTRA_SECTIONS = [
    ("business", "Business"), ("sports", "Sports"), ("culture", "Culture"),
    ("world", "World"), ("technology", "Technology"), ("health", "Health"),
]  # fmt: skip
FIRST_NAMES = [
    "Mina", "Karim", "Laila", "Omar", "Sara", "Yusuf", "Huda", "Tariq", "Rania", "Samir",
    "Noura", "Faisal", "Dina", "Khaled", "Amal", "Hassan", "Leila", "Nabil", "Reem", "Walid",
]  # fmt: skip
LAST_NAMES = [
    "Haddad", "Nassar", "Mansour", "Fares", "Al-Qahtani", "Khalil", "Saleh", "Aziz",
    "Hamdan", "Rahman", "Qasim", "Jaber", "Barakat", "Darwish", "Sabri", "Othman",
]  # fmt: skip
AGENCIES = ["REUTERS", "AFP", "AP", "EPA", "Getty Images", "Asharq Al-Awsat"]
# Story tags: article number n (in publication order within a run) belongs to
# story n // STORY_SPAN, and carries its tag with probability STORY_SHARE.
STORY_SPAN = 60
STORY_SHARE = 0.3
# Elections: the autumn (ELECTION_MONTHS) of every fourth year, ELECTION_SHARE
# of its articles tagged "General elections" and "General elections <year>".
ELECTION_YEARS = (2005, 2009, 2013, 2017)
ELECTION_MONTHS = (9, 10, 11)
ELECTION_SHARE = 0.4
NEWS_WORDS = [
    "government",
    "minister",
    "president",
    "parliament",
    "election",
    "vote",
    "campaign",
    "policy",
    "economy",
    "oil",
    "gas",
    "energy",
    "price",
    "market",
    "trade",
    "export",
    "import",
    "budget",
    "deficit",
    "inflation",
    "currency",
    "bank",
    "investment",
    "growth",
    "unemployment",
    "reform",
    "protest",
    "security",
    "army",
    "border",
    "ceasefire",
    "talks",
    "negotiations",
    "agreement",
    "treaty",
    "sanctions",
    "embargo",
    "refugees",
    "humanitarian",
    "aid",
    "crisis",
    "war",
    "peace",
    "conflict",
    "militants",
    "attack",
    "bombing",
    "police",
    "court",
    "trial",
    "judge",
    "law",
    "constitution",
    "coalition",
    "opposition",
    "party",
    "leader",
    "summit",
    "delegation",
    "ambassador",
    "embassy",
    "foreign",
    "defence",
    "nuclear",
    "missile",
    "weapons",
    "inspection",
    "report",
    "statement",
    "official",
    "spokesman",
    "analyst",
    "survey",
    "poll",
    "rate",
    "tax",
    "revenue",
    "infrastructure",
    "port",
    "railway",
    "airport",
    "housing",
    "water",
    "electricity",
    "drought",
    "harvest",
    "wheat",
    "tourism",
    "hotel",
    "football",
    "league",
    "championship",
    "festival",
    "film",
    "museum",
    "university",
    "students",
    "school",
    "hospital",
    "health",
    "vaccine",
    "outbreak",
    "technology",
    "internet",
    "startup",
    "telecom",
    "satellite",
    "climate",
    "emissions",
    "solar",
    "desert",
    "city",
    "province",
    "capital",
    "region",
    "country",
    "nation",
    "people",
    "families",
    "children",
    "women",
    "workers",
    "company",
    "shares",
    "profit",
    "losses",
    "contract",
    "deal",
    "merger",
    "production",
    "output",
    "barrels",
    "pipeline",
    "refinery",
    "exploration",
    "field",
    "reserves",
    "demand",
    "supply",
    "forecast",
    "quarter",
    "annual",
    "monthly",
]
FUNCTION_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "that",
    "for",
    "on",
    "with",
    "as",
    "by",
    "at",
    "from",
    "was",
    "is",
    "said",
    "were",
    "has",
    "have",
    "had",
    "will",
    "would",
    "could",
    "after",
    "before",
    "while",
    "during",
    "against",
    "between",
    "over",
    "under",
    "about",
    "more",
    "than",
    "its",
    "their",
    "this",
    "these",
    "those",
    "new",
    "last",
    "first",
    "second",
    "year",
    "week",
    "month",
]
ARABIC_WORDS = [
    "الحكومة",
    "الوزير",
    "الرئيس",
    "البرلمان",
    "الانتخابات",
    "النفط",
    "الغاز",
    "الاقتصاد",
    "السوق",
    "التجارة",
    "الأمن",
    "الحدود",
    "المفاوضات",
    "الاتفاق",
    "العقوبات",
    "اللاجئين",
    "الأزمة",
    "الحرب",
    "السلام",
    "المعارضة",
    "القمة",
    "السفير",
    "الرياض",
    "القاهرة",
    "بيروت",
    "بغداد",
    "دمشق",
    "موسكو",
    "طهران",
    "المنطقة",
    "الدولة",
    "الشعب",
    "الشركة",
    "الإنتاج",
]


class Command(BaseCommand):
    help = "Generate a synthetic archive of N articles (bulk inserts) for scale tests and bench."

    def add_arguments(self, parser):
        parser.add_argument(
            "--articles", type=int, required=True, help="Synthetic articles wanted."
        )
        parser.add_argument("--media", type=int, help="Photos wanted (default: articles / 3).")
        parser.add_argument("--seed", type=int, default=2005)
        parser.add_argument(
            "--jobs",
            type=int,
            default=2,
            help="Processes that build the PostgreSQL search index of a big run in parallel.",
        )

    def handle(self, *args, articles, media, seed, jobs, verbosity=1, **options):
        if articles < 0:
            raise CommandError("--articles must be 0 or more.")
        media = articles // 3 if media is None else media
        rng = random.Random(seed)
        started = time.monotonic()
        postgres = connection.vendor == "postgresql"
        if postgres:
            no_statement_timeout()
        sections = self._sections()
        authors = self._authors()
        tags = self._tags()
        stories = self._stories(articles)
        elections = self._elections()
        photos = _copy_photos(rng, media) if postgres else self._photos(rng, media)
        have = Article.objects.filter(legacy_source=SOURCE).count()
        wanted = articles - have
        if wanted <= 0:
            self.stdout.write(f"The archive already holds {have} synthetic articles.")
            return
        # Publication order: the dates of this run, sorted, in id order.
        span = (END - START).total_seconds()
        dates = sorted(
            START + datetime.timedelta(seconds=rng.random() * span) for _ in range(wanted)
        )
        synth = _Synth(rng, sections, authors, tags, photos, stories, elections)

        def progress(done):
            if verbosity >= 2 or (verbosity and done % 50_000 < COPY_BATCH):
                self.stdout.write(f"  {have + done} articles ({time.monotonic() - started:.0f} s)")

        if postgres:
            _copy_articles(synth, have, dates, progress)
            written = time.monotonic() - started
            big = wanted >= BIG_RUN
            if verbosity:
                self.stdout.write(
                    f"  articles written in {written:.1f} s; "
                    f"indexing with {jobs if big else 1} job(s)…"
                )
            index_unindexed(jobs=max(1, jobs) if big else 1, rebuild_gin=big)
            indexed = time.monotonic() - started
            _vacuum_analyze()
            if verbosity:
                self.stdout.write(
                    f"  search index built in {indexed - written:.1f} s; "
                    f"VACUUM ANALYZE in {time.monotonic() - started - indexed:.1f} s"
                )
        else:
            for start in range(0, wanted, BATCH):
                count = min(BATCH, wanted - start)
                with transaction.atomic():
                    _bulk_write(synth, have + start, dates[start : start + count])
                if verbosity >= 2 or (verbosity and (start // BATCH) % 25 == 0):
                    self.stdout.write(f"  {have + start + count} articles")
        # Bulk INSERTs and COPY send no signal.
        archive_months.rebuild()
        term_counts.rebuild()
        spelling.rebuild()
        _bump_page_cache()
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {wanted} articles ({len(photos)} photos) in {elapsed:.1f} s "
                f"({wanted / max(elapsed, 0.001):.0f} articles/s)."
            )
        )

    # --- reference data ----------------------------------------------------------

    def _sections(self):
        for slug, name, parent, position, description in demo.SECTIONS:
            Category.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "position": position,
                    "description": description,
                    "parent": Category.objects.filter(slug=parent).first() if parent else None,
                },
            )
        for position, (slug, name) in enumerate(EXTRA_SECTIONS, start=10):
            Category.objects.get_or_create(slug=slug, defaults={"name": name, "position": position})
        return list(Category.objects.values_list("pk", flat=True))

    def _authors(self):
        wanted = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
        Author.objects.bulk_create(
            [Author(name=name, slug=slugify(name)) for name in wanted], ignore_conflicts=True
        )
        return list(Author.objects.values_list("pk", flat=True))

    def _tags(self):
        names = list(dict.fromkeys([*demo.TAGS, *demo.PLACES, *(w.title() for w in NEWS_WORDS)]))
        Tag.objects.bulk_create(
            [Tag(name=name, slug=slugify(name)) for name in names], ignore_conflicts=True
        )
        return list(
            Tag.objects.filter(slug__in=[slugify(n) for n in names]).values_list("pk", flat=True)
        )

    def _stories(self, articles):
        """The story tags' ids, story number k at index k, for ``articles``."""
        count = -(-articles // STORY_SPAN)
        Tag.objects.bulk_create(
            [Tag(name=f"Story {k}", slug=f"story-{k}") for k in range(count)],
            ignore_conflicts=True,
            batch_size=BATCH,
        )
        ids = dict(Tag.objects.filter(slug__startswith="story-").values_list("slug", "pk"))
        return [ids[f"story-{k}"] for k in range(count)]

    def _elections(self):
        """{year: ids of the "General elections" tag and of that year's} for
        ELECTION_YEARS."""
        names = {"general-elections": "General elections"}
        names.update(
            {f"general-elections-{year}": f"General elections {year}" for year in ELECTION_YEARS}
        )
        Tag.objects.bulk_create(
            [Tag(name=name, slug=slug) for slug, name in names.items()], ignore_conflicts=True
        )
        ids = dict(Tag.objects.filter(slug__in=names).values_list("slug", "pk"))
        return {
            year: [ids["general-elections"], ids[f"general-elections-{year}"]]
            for year in ELECTION_YEARS
        }

    def _photos(self, rng, wanted):
        have = _synthetic_photos().count()
        for start in range(have, wanted, BATCH):
            batch = [MediaAsset(**_photo(rng, n)) for n in range(start, min(start + BATCH, wanted))]
            MediaAsset.objects.bulk_create(batch, ignore_conflicts=True)
        return list(_synthetic_photos().values_list("pk", flat=True)[:wanted])


def _synthetic_photos():
    return MediaAsset.objects.filter(source_url__startswith="synthetic:")


def _photo(rng, n) -> dict:
    agency = rng.choice(AGENCIES)
    person = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    place = rng.choice(demo.PLACES)
    return {
        "media_id": 50_000_000 + n,
        "title": f"{place} {n}",
        "caption": f"{rng.choice(demo.SUBJECTS)} in {place}, "
        f"{rng.choice(demo.DAYS)}. {_sentence(rng, 10)}",
        "credit": f"{agency}/{person}",
        "agency": agency,
        "photographer": person,
        "alt_text": f"A scene in {place}",
        "source_url": f"synthetic:{n}",
        "width": 1200,
        "height": 800,
    }


def _zipf_words(rng, count):
    """News words with a long-tailed frequency, glued with function words."""
    words = rng.choices(NEWS_WORDS, weights=_WEIGHTS, k=count)
    for i in range(0, count, 3):
        words[i] = rng.choice(FUNCTION_WORDS)
    return words


_WEIGHTS = [1 / (rank + 1) ** 0.8 for rank in range(len(NEWS_WORDS))]


def _sentence(rng, length):
    words = _zipf_words(rng, length)
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


class _Synth:
    """Synthetic articles: the fields of one, its authors and its tags."""

    def __init__(self, rng, sections, authors, tags, photos, stories=(), elections=None):
        self.rng = rng
        self.sections, self.authors, self.tags, self.photos = sections, authors, tags, photos
        self.elections = elections or {}
        self.stories = stories
        # A pool of paragraphs: bodies are assembled from it, so generating a
        # million bodies costs string joins, not a million random walks.
        self.paragraphs = [
            "<p>" + " ".join(_sentence(rng, rng.randint(12, 24)) for _ in range(4)) + "</p>"
            for _ in range(3000)
        ]
        self.arabic = [
            "<p>" + " ".join(rng.choices(ARABIC_WORDS, k=rng.randint(30, 60))) + ".</p>"
            for _ in range(300)
        ]

    def _headline(self, language):
        rng = self.rng
        if language == "ar":
            return " ".join(rng.choices(ARABIC_WORDS, k=rng.randint(5, 9)))
        place = rng.choice(demo.PLACES)
        return (
            f"{rng.choice(demo.SUBJECTS)} in {place} {rng.choice(demo.ACTIONS)} "
            f"{rng.choice(demo.TOPICS)}"
        )

    def article(self, n, published) -> dict:
        """The fields of synthetic article number ``n`` (its legacy id)."""
        rng = self.rng
        language = "ar" if rng.random() < 0.1 else "en"
        headline = self._headline(language)
        pool = self.arabic if language == "ar" else self.paragraphs
        opening = (
            f"<p>{headline}. {rng.choice(demo.PLACES)}, {rng.choice(demo.DAYS)}.</p>"
            if language == "en"
            else ""
        )
        body = opening + "".join(rng.choices(pool, k=rng.randint(4, 14)))
        public = rng.random() < 0.98
        return {
            "headline": headline,
            "slug": slugify(headline, allow_unicode=True)[:180] or "article",
            "dek": _sentence(rng, rng.randint(18, 30)) if language == "en" else "",
            "body": body,
            "section_id": rng.choice(self.sections),
            "language": language,
            "lead_media_id": rng.choice(self.photos)
            if self.photos and rng.random() < 0.7
            else None,
            "status": Article.Status.PUBLISHED if public else Article.Status.DRAFT,
            "publish_at": published if public else None,
            "first_published_at": published if public else None,
            "created_at": published,
            "legacy_source": SOURCE,
            "legacy_id": f"s{n}",
            "word_count": len(body.split()),
        }

    def author_ids(self):
        return self.rng.sample(self.authors, self.rng.choice((1, 1, 1, 2)))

    def tag_ids(self, n, published):
        """Tags of article number ``n``, published at ``published``: up to
        four, its story's tag among them for STORY_SHARE of the articles,
        and the election's two for ELECTION_SHARE of an election's autumn."""
        special = []
        story = n // STORY_SPAN
        if story < len(self.stories) and self.rng.random() < STORY_SHARE:
            special.append(self.stories[story])
        election = self.elections.get(published.year)
        in_season = election and published.month in ELECTION_MONTHS
        if in_season and self.rng.random() < ELECTION_SHARE:
            special += election
        return [*self.rng.sample(self.tags, self.rng.randint(0, 4 - len(special))), *special]


# --- SQLite (and any database without COPY): bulk_create ------------------------------


def _bulk_write(synth, first, dates):
    """One batch of articles with their authors, tags and search index."""
    created = Article.objects.bulk_create(
        [Article(**synth.article(first + i, published)) for i, published in enumerate(dates)]
    )
    ArticleAuthor.objects.bulk_create(
        ArticleAuthor(article_id=a.pk, author_id=author, position=i)
        for a in created
        for i, author in enumerate(synth.author_ids())
    )
    Tags = Article.tags.through
    Tags.objects.bulk_create(
        Tags(article_id=a.pk, tag_id=tag)
        for i, (a, published) in enumerate(zip(created, dates, strict=True))
        for tag in synth.tag_ids(first + i, published)
    )
    reindex_articles(a.pk for a in created)


# --- PostgreSQL: COPY -----------------------------------------------------------------


def _template_row(model, **values) -> dict:
    """Every column of ``model`` as the ORM would write it for a new row with
    ``values`` (defaults and auto_now included): the constant part of the
    COPY rows, computed once rather than per row."""
    instance = model(**values)
    return {
        field.column: field.get_db_prep_save(field.pre_save(instance, True), connection)
        for field in model._meta.concrete_fields
    }


def _copy(model, columns: list[str], rows) -> None:
    """COPY ``rows`` (sequences in ``columns`` order) into ``model``'s table,
    through psycopg 3 under Django's connection (same transaction)."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _next_id(model) -> int:
    """The first free id of ``model``, with its table locked against other
    writers until the transaction ends (ids are assigned here, not by the
    sequence, so that links can be written in the same COPY stream)."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608
        return cursor.fetchone()[0]


def _reset_sequences(*models) -> None:
    """Move each id sequence past the largest id, as loaddata does."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def _copy_photos(rng, wanted) -> list[int]:
    have = _synthetic_photos().count()
    if wanted > have:
        template = _template_row(MediaAsset)
        columns = list(template)
        with transaction.atomic():
            first = _next_id(MediaAsset)

            def rows():
                for i, n in enumerate(range(have, wanted)):
                    row = {**template, **_photo(rng, n), "id": first + i}
                    yield [row[c] for c in columns]

            _copy(MediaAsset, columns, rows())
            _reset_sequences(MediaAsset)
    return list(_synthetic_photos().values_list("pk", flat=True)[:wanted])


def _copy_articles(synth, have, dates, progress) -> None:
    """Write the articles of ``dates`` (numbered from ``have``) with their
    author and tag links, COPY_BATCH articles per transaction."""
    template = _template_row(Article)
    columns = list(template)
    Tags = Article.tags.through
    for start in range(0, len(dates), COPY_BATCH):
        chunk = dates[start : start + COPY_BATCH]
        authors, tags = [], []
        with transaction.atomic():
            rows = _article_rows(
                synth, template, _next_id(Article), have + start, chunk, authors, tags
            )
            _copy(Article, columns, rows)
            first = _next_id(ArticleAuthor)
            rows = ((first + i, *link) for i, link in enumerate(authors))
            _copy(ArticleAuthor, ["id", "article_id", "author_id", "position"], rows)
            first = _next_id(Tags)
            rows = ((first + i, *link) for i, link in enumerate(tags))
            _copy(Tags, ["id", "article_id", "tag_id"], rows)
            _reset_sequences(Article, ArticleAuthor, Tags)
        progress(start + len(chunk))


def _article_rows(synth, template, first_id, first_number, dates, authors, tags):
    """COPY rows of articles (ids from ``first_id``), collecting their
    (article, author, position) and (article, tag) links on the way."""
    columns = list(template)
    for i, published in enumerate(dates):
        pk = first_id + i
        row = {**template, **synth.article(first_number + i, published), "id": pk}
        authors.extend((pk, author, position) for position, author in enumerate(synth.author_ids()))
        tags.extend((pk, tag) for tag in synth.tag_ids(first_number + i, published))
        yield [row[c] for c in columns]


def _vacuum_analyze():
    """Fresh statistics for the planner and a visibility map for index-only
    scans. VACUUM cannot run inside a transaction (a test's): ANALYZE then."""
    no_statement_timeout()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    search.forget_statistics()


def _bump_page_cache():
    try:
        from cms.caching import bump_generation
    except ImportError:  # the page cache is optional
        return
    bump_generation()
