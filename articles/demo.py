"""Demo content: the seed article plus a generated archive to browse.

Everything is deterministic (a fixed random seed) and keyed by legacy IDs, so
running it twice changes nothing. Photos are drawn with Pillow; nothing is
fetched from the network.
"""

import datetime
import io
import random
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify
from PIL import Image, ImageDraw

from articles import seed
from articles.models import Article, ArticleAuthor, Author, Category, Tag
from media_assets.models import MediaAsset
from media_assets.services import media_create

DEMO_SOURCE = "demo"
GENERATED_ARTICLES = 300
GENERATED_PHOTOS = 36

SECTIONS = [
    # (slug, name, parent slug, position, description)
    ("middle-east", "Middle-east", None, 1, "News and analysis from across the region."),
    ("arab-news", "Arab News", None, 2, "Reporting from the Arab world."),
    ("opinion", "Opinion", None, 3, "Columns, editorials and comment."),
    ("gulf", "Gulf", "middle-east", 1, "Saudi Arabia, the Emirates and their neighbours."),
    ("levant", "Levant", "middle-east", 2, "Syria, Lebanon, Jordan and Iraq."),
    ("editorials", "Editorials", "opinion", 1, "The newspaper's own view."),
]
AUTHORS = [
    ("Asharq Al-Awsat", "The newspaper's own staff and desk reports."),
    ("Mina Haddad", "Diplomatic correspondent covering the Gulf and the Levant."),
    ("Karim Nassar", "Economics editor; writes on oil, trade and sanctions."),
    ("Laila Mansour", "Columnist on regional politics and society."),
    ("Omar Fares", "Reporter on security and defence."),
    ("Sara Al-Qahtani", "Correspondent in Riyadh."),
]
TAGS = [
    "Russia", "North Korea", "Oil", "Sanctions", "Diplomacy", "Elections", "Syria", "Iran",
    "Saudi Arabia", "Economy", "United Nations", "Energy", "Security", "Refugees", "Trade",
]  # fmt: skip
PLACES = [
    "Riyadh", "Cairo", "Beirut", "Baghdad", "Amman", "Dubai", "Moscow", "Tehran", "Damascus",
    "Doha", "Kuwait City", "Muscat", "Geneva", "Washington", "London", "Ankara",
]  # fmt: skip
SUBJECTS = [
    "Ministers", "Negotiators", "Oil producers", "Lawmakers", "Central bankers",
    "Aid agencies", "Diplomats", "Investors", "Regional leaders", "Security officials",
]  # fmt: skip
ACTIONS = [
    "weigh new talks on", "push for a deal on", "warn over", "debate the future of",
    "agree a plan for", "signal a shift on", "seek answers on", "clash over",
]  # fmt: skip
TOPICS = [
    "energy prices", "border security", "the reconstruction fund", "trade routes",
    "the refugee crisis", "water rights", "sanctions relief", "the ceasefire",
    "currency reform", "the election timetable", "port investment", "desalination projects",
]  # fmt: skip
SENTENCE_PARTS = [
    "officials said on {day} that", "according to people familiar with the talks,",
    "in a statement released late on {day},", "analysts expect that", "diplomats in {place} said",
]  # fmt: skip
CLAIMS = [
    "the proposal would be discussed again before the end of the month",
    "the measures could take several years to show results",
    "neither side was ready to give ground on the central questions",
    "the agreement would depend on financing from regional partners",
    "the economy had grown faster than forecast in the first quarter",
    "the plan had broad support among the member states",
    "a delegation would travel to {place} next week for further meetings",
    "the figures showed a sharp rise in exports compared with last year",
]  # fmt: skip
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
PALETTE = [(38, 70, 83), (42, 157, 143), (233, 196, 106), (244, 162, 97), (231, 111, 81)]

ARABIC_HEADLINE = "موسكو تقدم دعماً اقتصادياً لبيونغ يانغ"
ARABIC_PARAGRAPHS = [
    "سارعت موسكو بهدوء إلى دعم موقع كيم جونغ أون بمساعدات اقتصادية إضافية.",
    "وتخشى روسيا أن يهدد النفوذ الأميركي في المنطقة حدودها الشرقية في المستقبل.",
]


@dataclass
class DemoResult:
    sections: int
    authors: int
    tags: int
    photos: int
    articles: int


def _draw_photo(index: int, *, width: int = 1200, height: int = 800, label: str = "") -> bytes:
    """A simple, unique landscape picture: a sky, a horizon and a few shapes."""
    rng = random.Random(index)
    top, bottom = rng.sample(PALETTE, 2)
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(top[c] * (1 - t) + bottom[c] * t) for c in range(3)),
        )
    horizon = int(height * rng.uniform(0.55, 0.75))
    draw.rectangle([0, horizon, width, height], fill=(60 + index % 40, 60, 55))
    for _ in range(5):
        x = rng.randrange(0, width - 120)
        w, h = rng.randrange(40, 160), rng.randrange(60, 260)
        draw.rectangle([x, horizon - h, x + w, horizon], fill=rng.choice(PALETTE))
    if label:
        draw.rectangle([40, 40, 40 + 14 * len(label) + 20, 90], fill=(250, 250, 250))
        draw.text((50, 55), label, fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _photo(source_key: str, index: int, **fields) -> MediaAsset:
    existing = MediaAsset.objects.filter(source_url=source_key).first()
    if existing:
        return existing
    content = ContentFile(_draw_photo(index, label=fields.pop("label", "")), name="photo.jpg")
    return media_create(file=content, source_url=source_key, **fields)


def _sentence(rng: random.Random) -> str:
    part = rng.choice(SENTENCE_PARTS).format(day=rng.choice(DAYS), place=rng.choice(PLACES))
    claim = rng.choice(CLAIMS).format(place=rng.choice(PLACES))
    sentence = f"{part} {claim}."
    return sentence[0].upper() + sentence[1:]


def _body(rng: random.Random) -> str:
    paragraphs = []
    for _ in range(rng.randint(4, 9)):
        paragraphs.append(" ".join(_sentence(rng) for _ in range(rng.randint(2, 4))))
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def _set_authors(article: Article, authors: list[Author]) -> None:
    ArticleAuthor.objects.filter(article=article).delete()
    ArticleAuthor.objects.bulk_create(
        ArticleAuthor(article=article, author=author, position=i)
        for i, author in enumerate(authors)
    )


def _upsert_article(legacy_id: str, *, authors, tags, categories=(), **fields) -> Article:
    article, created = Article.objects.get_or_create(
        legacy_source=DEMO_SOURCE, legacy_id=legacy_id, defaults=fields
    )
    if created:
        _set_authors(article, authors)
        article.tags.set(tags)
        article.categories.set(categories)
    return article


@transaction.atomic
def load_demo() -> DemoResult:
    """Create (or leave alone, when already there) the demo archive."""
    sections: dict[str, Category] = {}
    for slug, name, parent, position, description in SECTIONS:
        sections[slug], _ = Category.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "parent": sections.get(parent),
                "position": position,
                "description": description,
            },
        )
    authors = [
        Author.objects.get_or_create(slug=slugify(name), defaults={"name": name, "bio": bio})[0]
        for name, bio in AUTHORS
    ]
    tags = [
        Tag.objects.get_or_create(slug=slugify(name), defaults={"name": name})[0] for name in TAGS
    ]

    seed_photo = MediaAsset.objects.filter(media_id=seed.SEED_MEDIA_ID).first() or _photo(
        "demo:seed",
        0,
        label="DPRK  |  RUSSIA",
        media_id=seed.SEED_MEDIA_ID,
        title="Russia–North Korea border crossing at Tumangan",
        caption=seed.SEED_CAPTION,
        credit=seed.SEED_CREDIT,
        agency=seed.SEED_AGENCY,
        photographer=seed.SEED_PHOTOGRAPHER,
        copyright="Reuters",
        is_file_photo=True,
        alt_text="A guard walks along a railway platform past signs reading Russia and DPRK.",
        keywords=["Russia", "North Korea", "border"],
    )
    photos = [
        _photo(
            f"demo:photo-{i}",
            i,
            caption=f"A view of {PLACES[i % len(PLACES)]}. Generated demo picture {i}.",
            credit="Demo Desk/Staff",
            agency="Demo Desk",
            photographer="Staff",
            alt_text=f"Buildings on the skyline of {PLACES[i % len(PLACES)]}.",
        )
        for i in range(1, GENERATED_PHOTOS + 1)
    ]

    rng = random.Random(2017)
    start = datetime.datetime(2005, 1, 3, 8, 0, tzinfo=datetime.UTC)
    end = datetime.datetime(2017, 6, 1, 8, 0, tzinfo=datetime.UTC)
    span = (end - start).total_seconds()
    leaf_sections = list(sections.values())
    for i in range(GENERATED_ARTICLES):
        headline = (
            f"{rng.choice(SUBJECTS)} in {rng.choice(PLACES)} "
            f"{rng.choice(ACTIONS)} {rng.choice(TOPICS)}"
        )
        published = start + datetime.timedelta(seconds=span * i / GENERATED_ARTICLES)
        published += datetime.timedelta(minutes=rng.randrange(0, 600))
        section = leaf_sections[i % len(leaf_sections)]
        _upsert_article(
            f"gen-{i:04d}",
            headline=headline,
            slug=slugify(headline)[:200],
            dek=_sentence(rng),
            body=_body(rng),
            section=section,
            status=Article.Status.PUBLISHED,
            publish_at=published,
            lead_media=photos[i % len(photos)] if i % 3 else None,
            authors=rng.sample(authors[1:], rng.randint(1, 2)),
            tags=rng.sample(tags, rng.randint(1, 4)),
            categories=[rng.choice(leaf_sections)] if i % 5 == 0 else [],
        )

    _upsert_article(
        "seed-000_dd55aa0d2e07bab0",
        headline=seed.SEED_HEADLINE,
        slug=seed.SEED_SLUG,
        dek="",
        byline=seed.SEED_BYLINE,
        body="".join(f"<p>{p}</p>" for p in seed.SEED_PARAGRAPHS),
        section=sections[seed.SEED_SECTION],
        status=Article.Status.PUBLISHED,
        publish_at=seed.SEED_PUBLISHED,
        lead_media=seed_photo,
        authors=[authors[0]],
        tags=[t for t in tags if t.slug in {"russia", "north-korea", "sanctions"}],
    )
    _upsert_article(
        "seed-arabic",
        headline=ARABIC_HEADLINE,
        slug="moscow-economic-support-pyongyang-ar",
        body="".join(f"<p>{p}</p>" for p in ARABIC_PARAGRAPHS),
        section=sections["arab-news"],
        language="ar",
        status=Article.Status.PUBLISHED,
        publish_at=seed.SEED_PUBLISHED - datetime.timedelta(hours=2),
        lead_media=seed_photo,
        authors=[authors[0]],
        tags=[t for t in tags if t.slug in {"russia", "north-korea"}],
    )
    return DemoResult(
        sections=Category.objects.count(),
        authors=Author.objects.count(),
        tags=Tag.objects.count(),
        photos=MediaAsset.objects.count(),
        articles=Article.objects.count(),
    )
