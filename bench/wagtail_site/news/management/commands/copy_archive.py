"""Copy the public articles of our archive (the database URL given, built by
our generate_archive; which articles are public is the query of our
``Article.objects.public()``, given as JSON by bench/wagtail_compare.py)
into this Wagtail site: one section page per
category (subsections under their parent), one article page per article
under its section, with its authors and tags.

Pages are written in bulk with their tree paths computed here (treebeard's
materialised path: 4 base-36 characters a level), as Page.add_child() one
by one would take an hour at 100 000 articles; the result is the tree
add_child() builds."""

import json
import uuid

import psycopg
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from taggit.models import Tag
from wagtail.models import Locale, Page, Site

from news.models import ArticlePage, Author, HomePage, SectionPage

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
BATCH = 5000
CATEGORIES = (
    "SELECT id, name, slug, parent_id FROM articles_category"
    " ORDER BY parent_id NULLS FIRST, position, id"
)
# Our public articles (their ids: the public query), oldest first.
ARTICLES = (
    "SELECT id, headline, slug, dek, body, section_id, publish_at, seo_title"
    " FROM articles_article WHERE id IN ({public}) ORDER BY publish_at, id"
)


def step(number: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = ALPHABET[rest] + digits
    return digits.rjust(Page.steplen, "0")


class Command(BaseCommand):
    help = "Copy our archive's public articles into this Wagtail site."

    def add_arguments(self, parser):
        parser.add_argument("source", help="our database's URL (postgres://...)")
        parser.add_argument(
            "public_query", help='[sql, params] of our Article.objects.public().values("pk")'
        )

    @transaction.atomic
    def handle(self, source, public_query, **options):
        public_sql, public_params = json.loads(public_query)
        with psycopg.connect(source) as src:
            categories = src.execute(CATEGORIES).fetchall()
            authors = src.execute("SELECT id, name, slug FROM articles_author").fetchall()
            tags = src.execute("SELECT id, name, slug FROM articles_tag").fetchall()
            sections = self.tree(categories)
            page_ids = self.articles(src, sections, public_sql, public_params)
            bylines = src.execute(
                "SELECT article_id, author_id FROM articles_articleauthor ORDER BY position"
            )
            Author.objects.bulk_create(
                Author(id=pk, name=name, slug=slug) for pk, name, slug in authors
            )
            self.copy_links(
                "news_articlepage_authors (articlepage_id, author_id)", bylines, page_ids
            )
            Tag.objects.bulk_create(Tag(id=pk, name=name, slug=slug) for pk, name, slug in tags)
            tagged = src.execute("SELECT article_id, tag_id FROM articles_article_tags")
            self.copy_links("news_articlepagetag (content_object_id, tag_id)", tagged, page_ids)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(f"copied {len(page_ids)} articles, {len(sections)} sections")

    def tree(self, categories):
        """The home page and a section page per category (subsections under
        their parent), through add_child(); our category id -> its page."""
        if Page.objects.filter(depth__gt=2).exists():
            # Deleting a tree of pages goes page by page (an hour at 100 000).
            raise CommandError("Copy into a new database: this one holds pages already.")
        Page.objects.filter(depth=2).delete()  # the welcome page of Wagtail's migrations
        root = Page.get_first_root_node()
        home = root.add_child(instance=HomePage(title="Home", slug="home"))
        Site.objects.all().delete()
        Site.objects.create(hostname="127.0.0.1", port=80, root_page=home, is_default_site=True)
        sections = {}
        for pk, name, slug, parent_id in categories:
            parent = sections[parent_id] if parent_id else home
            page = SectionPage(title=name, slug=slug, show_in_menus=parent_id is None)
            sections[pk] = parent.add_child(instance=page)
            parent.refresh_from_db()
        return sections

    def articles(self, src, sections, public_sql, public_params) -> dict:
        """Our public articles as article pages under their sections, oldest
        first, in batches; our article id -> the page's."""
        locale = Locale.get_default()
        content_type = ContentType.objects.get_for_model(ArticlePage)
        # Articles come after the subsections that add_child() numbered.
        children = {pk: Page.objects.get(pk=page.pk).numchild for pk, page in sections.items()}
        page_ids = {}
        with src.cursor(name="articles") as rows_cursor:
            rows_cursor.execute(ARTICLES.format(public=public_sql), public_params)
            while rows := rows_cursor.fetchmany(BATCH):
                pages = []
                for pk, headline, slug, _dek, _body, section_id, published, seo_title in rows:
                    section = sections[section_id]
                    children[section_id] += 1
                    slug = f"{slug}-{pk}"[:255]  # unique among the section's pages
                    pages.append(
                        Page(
                            title=headline, draft_title=headline, slug=slug,
                            seo_title=seo_title or "", content_type=content_type, live=True,
                            has_unpublished_changes=False, depth=section.depth + 1,
                            path=section.path + step(children[section_id]), numchild=0,
                            url_path=f"{section.url_path}{slug}/", locale=locale,
                            translation_key=uuid.uuid4(), first_published_at=published,
                            last_published_at=published,
                        )
                    )  # fmt: skip
                Page.objects.bulk_create(pages)
                with (
                    connection.cursor() as cursor,
                    cursor.copy(
                        "COPY news_articlepage (page_ptr_id, date, dek, body) FROM STDIN"
                    ) as copy,
                ):
                    for page, row in zip(pages, rows, strict=True):
                        copy.write_row((page.pk, row[6], row[3], row[4]))
                page_ids.update({row[0]: page.pk for page, row in zip(pages, rows, strict=True)})
                if len(page_ids) % 100_000 < BATCH:
                    self.stdout.write(f"  {len(page_ids)} articles")
        for pk, count in children.items():
            Page.objects.filter(pk=sections[pk].pk).update(numchild=count)
        return page_ids

    def copy_links(self, table, rows, page_ids):
        """Our article's links as the page's (COPY: millions at 1 000 000 articles)."""
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} FROM STDIN") as copy:
            for article_id, other_id in rows:
                if article_id in page_ids:  # public articles only
                    copy.write_row((page_ids[article_id], other_id))
