"""Build a large synthetic archive quickly, for scale tests and ``make bench``.

Articles are written with ``bulk_create`` in batches (no per-row save(), no
revisions: this is test data), with realistic lengths (a 6–16 word headline,
a dek, 300–1 100 words of body), publication dates spread over 2005–2017,
a section, one or two authors, up to four tags, a lead photo (a MediaAsset
without a file) on most of them and about one in ten in Arabic. The search
index is built batch by batch with ``reindex_articles``; on PostgreSQL the
GIN index is dropped during a big run and rebuilt once at the end.

``--articles N`` is the number of synthetic articles the archive should hold:
a second run with the same N creates nothing, a larger N adds the difference.
"""

import datetime
import multiprocessing
import random
import time
from concurrent.futures import ProcessPoolExecutor

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.text import slugify

from articles import demo
from articles.models import Article, ArticleAuthor, Author, Category, Tag
from articles.search import reindex_articles, reindex_id_range
from media_assets.models import MediaAsset

SOURCE = "synthetic"
BATCH = 2000
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
        sections = self._sections()
        authors = self._authors()
        tags = self._tags()
        photos = self._photos(rng, media)
        have = Article.objects.filter(legacy_source=SOURCE).count()
        wanted = articles - have
        if wanted <= 0:
            self.stdout.write(f"The archive already holds {have} synthetic articles.")
            return
        # A big PostgreSQL run writes the articles first and then builds the
        # search index in parallel, with the GIN index made once at the end.
        big = connection.vendor == "postgresql" and wanted >= 20_000
        writer = _Writer(rng, sections, authors, tags, photos, index=not big)
        first_id = last_id = None
        for start in range(have, articles, BATCH):
            count = min(BATCH, articles - start)
            with transaction.atomic():
                batch_first, batch_last = writer.write(start, count)
            first_id = batch_first if first_id is None else first_id
            last_id = batch_last
            if verbosity >= 2 or (verbosity and (start // BATCH) % 25 == 0):
                self.stdout.write(f"  {start + count} articles")
        if big:
            inserted = time.monotonic() - started
            self.stdout.write(f"  articles written in {inserted:.1f} s; indexing with {jobs} jobs…")
            _drop_gin()
            try:
                _index_in_parallel(first_id, last_id, max(1, jobs))
            finally:
                _create_gin()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
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
        return list(Tag.objects.values_list("pk", flat=True))

    def _photos(self, rng, wanted):
        have = MediaAsset.objects.filter(source_url__startswith="synthetic:").count()
        for start in range(have, wanted, BATCH):
            batch = []
            for n in range(start, min(start + BATCH, wanted)):
                agency = rng.choice(AGENCIES)
                person = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
                place = rng.choice(demo.PLACES)
                batch.append(
                    MediaAsset(
                        media_id=50_000_000 + n,
                        title=f"{place} {n}",
                        caption=f"{rng.choice(demo.SUBJECTS)} in {place}, "
                        f"{rng.choice(demo.DAYS)}. {_sentence(rng, 10)}",
                        credit=f"{agency}/{person}",
                        agency=agency,
                        photographer=person,
                        alt_text=f"A scene in {place}",
                        source_url=f"synthetic:{n}",
                        width=1200,
                        height=800,
                    )
                )
            MediaAsset.objects.bulk_create(batch, ignore_conflicts=True)
        return list(
            MediaAsset.objects.filter(source_url__startswith="synthetic:").values_list(
                "pk", flat=True
            )[:wanted]
        )


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


class _Writer:
    """Writes one batch of articles with their authors, tags and index."""

    def __init__(self, rng, sections, authors, tags, photos, *, index=True):
        self.rng, self.index = rng, index
        self.sections, self.authors, self.tags, self.photos = sections, authors, tags, photos
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
        self.span = (END - START).total_seconds()

    def _headline(self, language):
        rng = self.rng
        if language == "ar":
            return " ".join(rng.choices(ARABIC_WORDS, k=rng.randint(5, 9)))
        place = rng.choice(demo.PLACES)
        return (
            f"{rng.choice(demo.SUBJECTS)} in {place} {rng.choice(demo.ACTIONS)} "
            f"{rng.choice(demo.TOPICS)}"
        )

    def write(self, start, count):
        rng = self.rng
        rows = []
        for n in range(start, start + count):
            language = "ar" if rng.random() < 0.1 else "en"
            headline = self._headline(language)
            pool = self.arabic if language == "ar" else self.paragraphs
            opening = (
                f"<p>{headline}. {rng.choice(demo.PLACES)}, {rng.choice(demo.DAYS)}.</p>"
                if language == "en"
                else ""
            )
            body = opening + "".join(rng.choices(pool, k=rng.randint(4, 14)))
            published = START + datetime.timedelta(seconds=rng.random() * self.span)
            status = Article.Status.PUBLISHED if rng.random() < 0.98 else Article.Status.DRAFT
            rows.append(
                Article(
                    headline=headline,
                    slug=slugify(headline, allow_unicode=True)[:180] or "article",
                    dek=_sentence(rng, rng.randint(18, 30)) if language == "en" else "",
                    body=body,
                    section_id=rng.choice(self.sections),
                    language=language,
                    lead_media_id=(
                        rng.choice(self.photos) if self.photos and rng.random() < 0.7 else None
                    ),
                    status=status,
                    publish_at=published if status == Article.Status.PUBLISHED else None,
                    first_published_at=published if status == Article.Status.PUBLISHED else None,
                    created_at=published,
                    legacy_source=SOURCE,
                    legacy_id=f"s{n}",
                    word_count=len(body.split()),
                )
            )
        created = Article.objects.bulk_create(rows)
        ArticleAuthor.objects.bulk_create(
            ArticleAuthor(article_id=a.pk, author_id=author, position=i)
            for a in created
            for i, author in enumerate(rng.sample(self.authors, rng.choice((1, 1, 1, 2))))
        )
        Tags = Article.tags.through
        Tags.objects.bulk_create(
            Tags(article_id=a.pk, tag_id=tag)
            for a in created
            for tag in rng.sample(self.tags, rng.randint(0, 4))
        )
        if self.index:
            reindex_articles(a.pk for a in created)
        return created[0].pk, created[-1].pk


def _index_range(bounds):
    reindex_id_range(*bounds)
    connection.close()


def _index_in_parallel(first, last, jobs):
    """Build search documents for ids first..last in ``jobs`` processes, each
    with its own database connection."""
    step = (last - first) // jobs + 1
    ranges = [(low, min(low + step - 1, last)) for low in range(first, last + 1, step)]
    if jobs == 1:
        reindex_id_range(first, last)
        return
    connection.close()  # children must not share the parent's connection
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(_index_range, ranges))


def _drop_gin():
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS search_document_vector_gin")


def _create_gin():
    # The same index as migration 0004 (search_articles(): vector @@ tsquery).
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS search_document_vector_gin "
            "ON articles_searchdocument USING gin (vector)"
        )


def _bump_page_cache():
    try:
        from cms.caching import bump_generation
    except ImportError:  # the page cache is optional
        return
    bump_generation()
