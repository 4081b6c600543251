"""Articles, their sections (categories), authors and tags."""

import math
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, F, Min, OuterRef, Prefetch, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from articles.html import count_words, sanitize_body
from articles.urlbuild import build_url
from media_assets.models import MediaAsset, Rendition
from media_assets.renditions import picture_specs

# URL words the site uses itself; a section slug may not take them because
# sections live at /<slug>/.
RESERVED_SLUGS = frozenset(
    {
        "a", "admin", "api", "archive", "author", "authors", "feeds", "feed", "healthz",
        "media", "preview", "readyz", "robots.txt", "search", "section", "sitemap.xml",
        "sitemaps", "static", "tag", "tags", "accounts",
    }
)  # fmt: skip

LANGUAGES = [("en", "English"), ("ar", "Arabic"), ("fr", "French"), ("fa", "Persian")]
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})
WORDS_PER_MINUTE = 230


def validate_section_slug(value):
    if value in RESERVED_SLUGS:
        raise ValidationError(f"“{value}” is used by the site itself; choose another slug.")


class Category(models.Model):
    """A section (top level, shown in the navigation) or a sub-section."""

    name = models.CharField("name", max_length=120)
    # The unique constraint's index serves every lookup by slug (Django's own
    # index on a SlugField, and its LIKE twin, would be two more copies).
    slug = models.SlugField(
        "slug",
        max_length=120,
        allow_unicode=True,
        validators=[validate_section_slug],
        db_index=False,
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="parent section",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="Leave empty for a top-level section shown in the navigation.",
    )
    description = models.TextField("description", blank=True)
    position = models.PositiveSmallIntegerField(
        "position", default=0, help_text="Order in the navigation; lower comes first."
    )

    class Meta:
        verbose_name = "category"
        verbose_name_plural = "categories"
        ordering = ["position", "name"]
        constraints = [
            # Section pages are looked up by slug at /<slug>/.
            models.UniqueConstraint(fields=["slug"], name="category_unique_slug"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="category_not_own_parent"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return build_url("articles:section", slug=self.slug)

    def clean(self):
        ancestor, seen = self.parent, {self.pk}
        while ancestor is not None:
            if ancestor.pk in seen:
                raise ValidationError({"parent": "A section cannot be inside itself."})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent

    @property
    def path(self) -> str:
        """Slash-separated slugs from the top-level section down to this one."""
        parts, node = [], self
        while node is not None:
            parts.append(node.slug)
            node = node.parent
        return "/".join(reversed(parts))

    def descendant_ids(self, categories=None) -> list[int]:
        """This category's id and those of every category below it, from
        ``categories`` (every category), by default the tree kept per content
        generation (``category_tree``): no query. The section pages, the
        API's and the search's section filters and the section feeds read it;
        each level below once cost a query."""
        if categories is None:
            categories = category_tree()
        ids, frontier = [self.pk], [self.pk]
        while frontier:
            frontier = [c.pk for c in categories if c.parent_id in frontier and c.pk not in ids]
            ids.extend(frontier)
        return ids


CATEGORY_TREE_SECONDS = 3600


def category_tree() -> list[Category]:
    """Every category in navigation order, each with its parent attached (no
    query to read ``parent``): one query per content generation, shared by
    the workers (``cms.caching.per_generation``). A news site has tens of
    sections, not thousands; the section page read its section, its
    children and each level below in four queries."""
    from cms.caching import per_generation

    def read():
        categories = list(Category.objects.all())
        by_id = {category.pk: category for category in categories}
        for category in categories:
            if category.parent_id is not None:
                category.parent = by_id[category.parent_id]
        return categories

    return per_generation("category-tree", read, CATEGORY_TREE_SECONDS)


class Author(models.Model):
    name = models.CharField("name", max_length=200)
    # The unique constraint's index serves every lookup by slug (Django's own
    # index on a SlugField, and its LIKE twin, would be two more copies).
    slug = models.SlugField("slug", max_length=200, allow_unicode=True, db_index=False)
    bio = models.TextField("biography", blank=True)
    photo = models.ForeignKey(
        MediaAsset,
        verbose_name="photo",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author_photos",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="user account",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author_profile",
    )

    class Meta:
        verbose_name = "author"
        verbose_name_plural = "authors"
        ordering = ["name"]
        constraints = [
            # Author pages are looked up by slug at /author/<slug>/.
            models.UniqueConstraint(fields=["slug"], name="author_unique_slug"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return build_url("articles:author", slug=self.slug)


class Tag(models.Model):
    name = models.CharField("name", max_length=120)
    # The unique constraint's index serves every lookup by slug (Django's own
    # index on a SlugField, and its LIKE twin, would be two more copies).
    slug = models.SlugField("slug", max_length=120, allow_unicode=True, db_index=False)

    class Meta:
        verbose_name = "tag"
        verbose_name_plural = "tags"
        ordering = ["name"]
        constraints = [
            # Tag pages are looked up by slug at /tag/<slug>/.
            models.UniqueConstraint(fields=["slug"], name="tag_unique_slug"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return build_url("articles:tag", slug=self.slug)


def _revision_user(instance, request=None, **kwargs):
    """Who a revision is credited to: the article's ``updated_by`` (set by
    every service), else the signed-in user of the request, if any."""
    if instance.updated_by_id is not None:
        return instance.updated_by
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def legacy_path_of(url: str) -> str:
    """``/2015/03/slug/`` from ``http://old.example.com/2015/03/slug/`` (or
    from a bare path); the query string is kept (``/?p=123``)."""
    if not url:
        return ""
    parts = urlsplit(url.strip())
    path = parts.path or "/"
    if not path.startswith("/"):
        path = "/" + path
    return (f"{path}?{parts.query}" if parts.query else path)[:500]


# The ``{% picture %}`` spec of listing teasers (templates/includes/article_teaser.html).
TEASER_PICTURE_SPEC = "card"


def teaser_renditions(lookup: str = "lead_media__renditions") -> Prefetch:
    """The renditions a teaser's picture reads (its spec and the smaller ones
    of its srcset), for every lead photo of a list in one query."""
    return Prefetch(
        lookup, queryset=Rendition.objects.filter(spec__in=picture_specs(TEASER_PICTURE_SPEC))
    )


# What a teaser's lead photo is read for: ``|public_media`` (the rights
# expiry) and ``{% picture %}`` (media_assets_tags.picture: the file, its
# type for the fallback format, its size when a rendition is missing, the
# alt text). Any other field of a teaser's photo would cost a query per teaser.
TEASER_MEDIA_FIELDS = ("file", "mime_type", "width", "height", "alt_text", "rights_expire_at")

# What a teaser (templates/includes/article_teaser.html) reads of the article,
# its section and its lead photo. Lists of teasers (sections, tags, authors,
# months, related articles, search results) load only these
# (``for_teasers``): fewer columns cost less to build and to read, a page of
# teasers reads no article bodies, and no photo captions or keywords.
TEASER_FIELDS = (
    "headline",
    "slug",
    "dek",
    "language",
    "publish_at",
    "section__slug",
    "section__name",
    "lead_media",
    *(f"lead_media__{name}" for name in TEASER_MEDIA_FIELDS),
)


def listing_prefetches(*, pictures: bool = True, authors: bool = True) -> list[Prefetch]:
    """The prefetches of ``for_listing()``, also for ``prefetch_related_objects()``
    over teasers gathered by several queries (the home page)."""
    lookups = []
    if authors:
        lookups.append(
            Prefetch(
                "article_authors",
                queryset=ArticleAuthor.objects.select_related("author").order_by("position"),
            )
        )
    if pictures:
        lookups.append(teaser_renditions())
    return lookups


class ArticleRevisionBase(models.Model):
    """What a revision (HistoricalArticle) keeps besides the article's own
    columns: its authors (in byline order), tags and further categories, as
    ``{"authors": [{"id": …, "name": …}, …], "tags": […], "categories": […]}``.
    Names are copied so that a revision still reads after a tag is deleted.
    Filled by ``articles.revisions`` (see ``record_relations``); empty (null)
    on revisions older than this field and on deletions."""

    relations = models.JSONField("authors, tags and categories", null=True, blank=True)

    class Meta:
        abstract = True


def public_q(now) -> Q:
    """The condition of ``ArticleQuerySet.public()`` at the time ``now``
    (also counted per month by ``articles.archive_months``)."""
    return Q(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now),
        status=Article.Status.PUBLISHED,
        publish_at__lte=now,
    )


def public_figures(now) -> dict:
    """Aggregates over published articles (``status`` already filtered):
    how many are public at ``now`` (``public_q``), and the two moments at
    which that changes with time alone, which ``public_until`` turns into
    one. The kept counts (``articles.archive_months``,
    ``articles.term_counts``) store both."""
    return {
        "count": Count("pk", filter=public_q(now)),
        "next_publication": Min("publish_at", filter=Q(publish_at__gt=now)),
        "next_expiry": Min("expires_at", filter=Q(publish_at__lte=now, expires_at__gt=now)),
    }


def public_until(figures: dict):
    """The next scheduled publication or rights expiry in ``figures``
    (``public_figures``): the count holds until then. None: for ever."""
    changes = [m for m in (figures["next_publication"], figures["next_expiry"]) if m]
    return min(changes) if changes else None


class _TestedPerRow(Exists):
    """EXISTS that PostgreSQL keeps as a test of each row it reaches:
    ``OFFSET 0`` stops the planner from turning it into a join, which may
    read the whole subquery first."""

    template = "EXISTS(%(subquery)s OFFSET 0)"


# ArticleQuerySet.linked_to(links, shown=n): a tag or author with at most
# max(SMALL_TERM_MIN * n, sqrt(SMALL_TERM_FACTOR * n * articles)) articles is
# listed from its links (read by primary key and sorted: a cost that grows
# with the term), a bigger one by walking the date index (a cost that grows
# with the articles shown and shrinks as the term grows). The two meet near
# that size (measured at 1 000 000 articles: an author of 4 000 articles,
# listed 20 to a page, 33 ms from the links, 44 walking): for pages of 20,
# 2 000 at 100 000 articles, 6 300 at 1 000 000, 20 000 at 10 000 000.
SMALL_TERM_MIN = 50
SMALL_TERM_FACTOR = 2
# The editors' sort key (ArticleQuerySet.with_published_sort).
PUBLISHED_SORT = "published_sort"


def _nearest_link_sql(relation: str, terms: str, condition: str, *, older: bool) -> str:
    """SQL for the sort time of the newest link of ``relation`` that meets
    ``condition`` (``older``; on the link's ``sorted_at`` and
    ``article_id``, with parameters), or of the oldest, over the term ids of
    ``terms`` (a FROM item with an ``id`` column): one probe of the links'
    date index per term (migration articles.0019)."""
    from django.db import connection

    through, column = LINKS[relation]
    table = connection.ops.quote_name(through._meta.db_table)
    column = connection.ops.quote_name(column)
    pick, order = ("MAX", "DESC") if older else ("MIN", "ASC")
    return (
        f"SELECT {pick}(nearest.sorted_at) FROM {terms}, LATERAL ("  # noqa: S608
        f"SELECT sorted_at FROM {table} WHERE {column} = terms.id AND {condition}"
        f" ORDER BY sorted_at {order}, article_id {order} LIMIT 1) AS nearest"
    )


def nearest_link_past(relation, term_ids, stamp, pk=None, *, older: bool = True) -> RawSQL:
    """The sort time of the terms' nearest link past the keyset position
    (``stamp``, ``pk``), older or newer (ArticleQuerySet.walk_from); without
    ``pk``, past ``stamp`` itself."""
    sign = "<" if older else ">"
    if pk is None:
        condition, params = f"sorted_at {sign} %s::timestamptz", [stamp]
    else:
        condition = f"(sorted_at, article_id) {sign} (%s::timestamptz, %s)"
        params = [stamp, pk]
    terms = "unnest(%s::bigint[]) AS terms(id)"
    return RawSQL(  # noqa: S611 - names from LINKS, values as parameters
        f"({_nearest_link_sql(relation, terms, condition, older=older)})",
        [list(term_ids), *params],
    )


class ArticleQuerySet(models.QuerySet):
    def public(self):
        """Articles readers may see: published, ``publish_at`` reached and not
        expired. Every public path (pages, API, feeds, sitemaps, search,
        counts) goes through this one method, evaluated at query time so that
        scheduling needs no cron."""
        now = timezone.now()
        public = self.filter(public_q(now))
        # Kept through later filters (a query's clone copies its attributes):
        # what linked_to knows of a list that holds public articles only.
        public.query.public_at = now
        return public

    def for_listing(self, *, pictures: bool = True, authors: bool = True):
        """What a list of teasers shows: section, lead photo, the ordered
        authors (unless ``authors=False``: the public pages' teasers show no
        byline, see ``for_teasers``; feeds do) and (unless ``pictures=False``,
        for lists without teaser pictures such as feeds) the lead photos'
        renditions that the teaser's ``{% picture %}`` reads, in a fixed
        number of queries whatever the page size."""
        return self.select_related("section", "lead_media").prefetch_related(
            *listing_prefetches(pictures=pictures, authors=authors)
        )

    def for_teasers(self, *, pictures: bool = True):
        """A list of teasers as the public pages show them
        (templates/includes/article_teaser.html): no byline, so no authors,
        and only the columns a teaser reads of the article, its section and
        its lead photo (``TEASER_FIELDS``)."""
        return self.for_listing(pictures=pictures, authors=False).only(*TEASER_FIELDS)

    def for_detail(self, *, lead_renditions: bool = True):
        """What the article page shows: the listing's data plus the tags and
        the lead photo's renditions (every spec; left out with
        ``lead_renditions=False`` by a caller that fetches them together with
        other photos'). The section's parent is not joined: the page (and the
        admin preview, which renders it) reads only the section's own fields
        and ``parent_id``."""
        queryset = self.for_listing(pictures=False).prefetch_related("tags")
        if lead_renditions:
            queryset = queryset.prefetch_related("lead_media__renditions")
        return queryset

    def in_sections(self, category: Category):
        """Articles whose primary section is ``category`` or one below it."""
        return self.filter(section_id__in=category.descendant_ids())

    def linked_to(self, relation: str, terms, *, shown: int = 20):
        """The articles linked to ``terms`` through ``relation`` ("tags" or
        "authors"; ``LINKS``), for a list of a term's articles newest first,
        ``shown`` at a time: the tag page, the author page and the API's
        ?tag= and ?author= (an article's related articles: newest_sharing).
        ``terms`` is a list
        of ids or a query of them (``Tag.objects.filter(slug=...)
        .values("pk")``). Costs one query, for the links.

        On PostgreSQL that query counts the terms' links up to a bound that
        grows with the archive and with ``shown`` (``SMALL_TERM_FACTOR``;
        from an index that carries the article: article_tags_by_tag_idx,
        article_author_by_author_idx) and, when there are no more, brings
        their article ids: the list is then exactly those articles (one
        array parameter), read by primary key and sorted, however old they
        are. As a subquery, the planner, which takes a term's articles to be
        spread evenly over the dates, walked the date index from the newest
        article testing each one: a tag of 29 articles from 2005 read most
        of a million articles (1.2 s for its page, 1.5 s for the API's
        ?tag=); this way 9 and 21 ms.

        A bigger term is left to that walk, which meets its articles soon
        when they are spread over the years. For a list of public articles
        (``public()``) the walk starts at the term's newest article
        published by then (oldest first, at its oldest), which the same
        query reads, one index probe per term, from the publication times
        the links carry (migration articles.0019): a big term whose
        articles are all old (an author who left years ago, the tag of a
        past election) was walked from the newest article of the archive
        down to its own (a tag of 3 000 articles of 2006: 99 ms for its page
        at 100 000 articles). Pages after a cursor: ``walk_from``.
        Other databases keep the subquery (SQLite serves it from its
        indexes)."""
        from django.db import connection

        through, column = LINKS[relation]
        if isinstance(terms, models.QuerySet):
            terms_sql, terms_params = terms.order_by().query.sql_with_params()
            terms_sql = f"ARRAY({terms_sql})"
        else:
            terms_sql, terms_params = "%s::bigint[]", [list(terms)]
        if connection.vendor != "postgresql":
            links = through.objects.filter(**{f"{column}__in": terms})
            return self.filter(pk__in=links.values("article_id"))
        table = connection.ops.quote_name(through._meta.db_table)
        column_sql = connection.ops.quote_name(column)
        # The field a list of the term is sorted by, which the links' sort
        # time bounds, and the latest time it may hold: publish_at for public
        # lists, whose articles were all published by public()'s time; the
        # editors' sort key, which is the links' sort time itself, for
        # theirs (``with_published_sort``), with no end.
        published_by = getattr(self.query, "public_at", None)
        if published_by is not None:
            sort_field, latest = "publish_at", published_by
        elif PUBLISHED_SORT in self.query.annotations:
            sort_field, latest = PUBLISHED_SORT, "infinity"
        else:
            sort_field, latest = None, None
        up_to = "sorted_at <= %s::timestamptz"
        with connection.cursor() as cursor:
            # Only the terms query's own SQL and names from LINKS are
            # interpolated; values are parameters. The bound from the table's
            # size as the planner knows it; the links are read once, at most
            # one past the bound.
            cursor.execute(
                f"""
                WITH terms AS MATERIALIZED (SELECT unnest({terms_sql}) AS id),
                bound AS (
                    SELECT GREATEST(%s, SQRT(GREATEST(reltuples, 0) * %s))::bigint AS n
                    FROM pg_class WHERE oid = %s::regclass
                ), few AS (
                    SELECT article_id FROM {table}
                    WHERE {column_sql} IN (SELECT id FROM terms)
                    LIMIT (SELECT n + 1 FROM bound)
                )
                SELECT
                    CASE WHEN COUNT(*) <= (SELECT n FROM bound)
                        THEN COALESCE(array_agg(article_id), '{{}}') END,
                    (SELECT COALESCE(array_agg(id), '{{}}') FROM terms),
                    ({_nearest_link_sql(relation, "terms", "TRUE", older=False)}),
                    ({_nearest_link_sql(relation, "terms", up_to, older=True)})
                FROM few
                """,  # noqa: S608
                [
                    *terms_params,
                    SMALL_TERM_MIN * shown,
                    SMALL_TERM_FACTOR * shown,
                    self.model._meta.db_table,
                    latest,
                ],
            )
            ids, term_ids, oldest, newest = cursor.fetchone()
        if ids is not None:
            return self.with_ids(ids)
        # A big term: the walk, kept a walk. As a plain subquery the planner
        # may read every link instead (with fresh statistics it did for a
        # tag of 11 000 articles at 1 000 000: 69 ms, against 6 ms walking).
        links = through.objects.filter(article_id=OuterRef("pk"), **{f"{column}__in": term_ids})
        walk = self.filter(_TestedPerRow(links))
        if sort_field is not None:
            # No article of the list is newer than ``newest`` (the term's
            # newest link by ``latest``; None: it has none) nor older than
            # its oldest link (for lists oldest first: the API's
            # ?ordering=published_at).
            if newest is None:
                return walk.none()
            walk = walk.filter(**{f"{sort_field}__gte": oldest, f"{sort_field}__lte": newest})
            # For a page after a keyset position (walk_from).
            walk.query.linked_terms = (relation, term_ids, sort_field)
        return walk

    def newest_sharing(self, section_id: int, tag_ids: list[int], limit: int) -> list[int]:
        """PostgreSQL: the ids of the newest ``limit`` articles of this list
        (a filter on articles alone, such as ``public()``) that are in section
        ``section_id`` or have one of ``tag_ids``, newest first, in one raw
        statement (an article's related articles).

        Each kind is read by its own index and only the newest few of each
        are merged: the section's from its date index
        (article_section_pub_idx), each tag's from its links' date index
        (article_tags_by_tag_date_idx, walked newest first until ``limit``
        of its articles pass the filter), so a tag of 29 articles from 2005 is
        read from its 29 links and a tag of 50 000 from its newest few.
        Written with the ORM (a UNION of two sliced querysets in a subquery,
        after ``linked_to``'s query for the tags' links), the same list cost
        two queries and 3.9 ms, most of it building the SQL; this one and
        the teasers' query take 2.1 ms (in process, 100 000 articles)."""
        from django.db import connection

        from articles.search import _where_sql

        table = connection.ops.quote_name(self.model._meta.db_table)
        through, column = LINKS["tags"]
        links = connection.ops.quote_name(through._meta.db_table)
        column = connection.ops.quote_name(column)
        where, where_params = _where_sql(self)
        where = f"AND {where}" if where else ""
        newest = f"{table}.publish_at DESC, {table}.id DESC"
        # Only the table names, LINKS' column and the compiled filter are
        # interpolated; values are parameters.
        sql = f"""
            SELECT id FROM (
                (SELECT id, publish_at FROM {table}
                 WHERE section_id = %s {where} ORDER BY {newest} LIMIT %s)
                UNION
                (SELECT tagged.id, tagged.publish_at
                 FROM unnest(%s::bigint[]) AS terms(id), LATERAL (
                     SELECT {table}.id, {table}.publish_at
                     FROM {links} AS link JOIN {table} ON {table}.id = link.article_id
                     WHERE link.{column} = terms.id AND link.sorted_at <= %s::timestamptz {where}
                     ORDER BY link.sorted_at DESC, link.article_id DESC LIMIT %s
                 ) AS tagged)
            ) AS picked
            ORDER BY publish_at DESC, id DESC LIMIT %s
        """  # noqa: S608
        # The links' sort time is the article's publication time: none of a
        # public list's articles is past public()'s time (no end otherwise).
        latest = getattr(self.query, "public_at", None) or "infinity"
        params = [
            section_id, *where_params, limit,
            list(tag_ids), latest, *where_params, limit,
            limit,
        ]  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [pk for (pk,) in cursor.fetchall()]

    def with_published_sort(self):
        """Annotate ``PUBLISHED_SORT``, the editors' order: the publication
        time, or the creation time of a draft without one
        (article_published_sort_idx)."""
        return self.annotate(**{PUBLISHED_SORT: Coalesce("publish_at", "created_at")})

    def walk_from(self, stamp, pk=None, *, older: bool = True, field: str = "publish_at"):
        """Only articles published at or before the keyset position
        (``stamp``, ``pk``) (``older``) or at or after it, for the page past
        it; without ``pk`` (the API's cursors, which hold a time alone) the
        position is ``stamp`` and the articles at it are past it too. The
        keyset filters themselves are the caller's (articles.pagination,
        cms.http). On a big term's walk (``linked_to``) the walk then starts
        at the term's nearest link past the position, in the same query (one
        index probe per term), not at the position: a term with years
        without articles (the elections of every fourth year, an author who
        came back) was walked through every article of those years by the
        page that crossed them. Other lists are left as they are."""
        linked = getattr(self.query, "linked_terms", None)
        if linked is None or linked[2] != field:
            return self
        nearest = nearest_link_past(*linked[:2], stamp, pk, older=older)
        return self.filter(**{f"{field}__lte" if older else f"{field}__gte": nearest})

    def for_api(self, *, expand=None, fields=None):
        """What the API shows, in a constant number of queries: the row with
        its section and lead photo, then the authors (in byline order), tags
        and categories. ``expand`` (the names of ``expand=``; None: every
        one) adds what the full forms read: the section's and categories'
        parents (their ``path``), the authors' photos and the lead photo's
        renditions. ``fields`` (``fields=``; None: every field) leaves out
        the relations the response does not show. A default list (compact,
        every field) so reads no renditions and no parents.

        The authors' photos are shown compact even in the authors' full form
        (a nested object is never expanded further), so their renditions are
        never read."""

        def shown(*names):
            return fields is None or any(name in fields for name in names)

        def expanded(name):
            return shown(name) and (expand is None or name in expand)

        related = ["section__parent__parent" if expanded("section") else "section", "lead_media"]
        lookups = []
        if shown("authors", "byline"):
            author = "author__photo" if expanded("authors") else "author"
            links = ArticleAuthor.objects.select_related(author).order_by("position")
            lookups.append(Prefetch("article_authors", queryset=links))
        if shown("tags"):
            lookups.append("tags")
        if shown("categories"):
            categories = Category.objects.all()
            if expanded("categories"):
                categories = categories.select_related("parent__parent")
            lookups.append(Prefetch("categories", queryset=categories))
        if expanded("lead_media"):
            lookups.append("lead_media__renditions")
        return self.select_related(*related).prefetch_related(*lookups)

    def with_ids(self, ids: list[int]):
        """The articles whose ids are ``ids``: one array parameter, not a
        placeholder per id (PostgreSQL; a list of a few thousand ids)."""
        return self.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [list(ids)]))  # noqa: S611

    def search(self, query: str):
        """Articles matching the full-text ``query`` (websearch syntax), with a
        ``search_score`` annotation, best first. Chain it after ``public()``
        on public paths; see ``articles.search`` for the index and syntax."""
        from articles.search import filter_queryset

        return filter_queryset(self, query)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    headline = models.CharField("headline", max_length=300)
    # Indexed by article_slug_idx (Meta.indexes), not by Django's own index
    # on a SlugField and its LIKE twin, which were two more copies.
    slug = models.SlugField(
        "slug",
        max_length=200,
        allow_unicode=True,
        db_index=False,
        help_text="The last part of the address; changing it keeps the old address working.",
    )
    dek = models.TextField("dek", blank=True, help_text="The standfirst under the headline.")
    body = models.TextField("body", blank=True)
    byline = models.CharField(
        "byline",
        max_length=300,
        blank=True,
        help_text="As printed. Leave empty to use the authors' names.",
    )
    authors = models.ManyToManyField(
        Author, verbose_name="authors", through="ArticleAuthor", related_name="articles", blank=True
    )
    # article_section_pub_idx, which starts with the section, serves every
    # lookup by section (section pages, feeds, the API's ?section=, the
    # PROTECT check on deleting a section): no index of its own.
    section = models.ForeignKey(
        Category,
        verbose_name="section",
        on_delete=models.PROTECT,
        related_name="section_articles",
        help_text="The primary section; it decides the address and the navigation.",
        db_index=False,
    )
    categories = models.ManyToManyField(
        Category, verbose_name="further categories", related_name="articles", blank=True
    )
    tags = models.ManyToManyField(Tag, verbose_name="tags", related_name="articles", blank=True)
    language = models.CharField("language", max_length=8, choices=LANGUAGES, default="en")
    # Indexed (Django's index on a foreign key): an article's language
    # versions (hreflang links; has_translations on the article page).
    translation_of = models.ForeignKey(
        "self",
        verbose_name="translation of",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
    )
    # Indexed (Django's index on a foreign key): a photo's uses (its admin
    # page, the media API's usage counts) and the PROTECT check on deleting it.
    lead_media = models.ForeignKey(
        MediaAsset,
        verbose_name="lead photo",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_articles",
    )
    lead_caption = models.TextField(
        "lead caption override",
        blank=True,
        help_text="Replaces the photo's own caption on this article only.",
    )

    status = models.CharField("status", max_length=12, choices=Status.choices, default=Status.DRAFT)
    publish_at = models.DateTimeField(
        "publish at",
        null=True,
        blank=True,
        help_text="Publication time; a future time schedules the article.",
    )
    expires_at = models.DateTimeField(
        "expires at", null=True, blank=True, help_text="Taken off the site at this time."
    )
    first_published_at = models.DateTimeField("first published at", null=True, blank=True)
    created_at = models.DateTimeField("created at", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("updated at", auto_now=True)
    # created_by and updated_by are indexed (Django's index on a foreign key):
    # deleting a user sets them to NULL on that user's articles only.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="created by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="updated by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    legacy_source = models.CharField(
        "legacy source",
        max_length=200,
        blank=True,
        help_text="The old system the article came from (e.g. a WordPress site URL).",
    )
    legacy_id = models.CharField("legacy ID", max_length=64, blank=True)
    legacy_url = models.CharField("legacy URL", max_length=500, blank=True)
    legacy_path = models.CharField(
        "legacy path",
        max_length=500,
        blank=True,
        editable=False,
        help_text="The path (and query) of the legacy URL; old links 301 here.",
    )
    seo_title = models.CharField("SEO title", max_length=200, blank=True)
    seo_description = models.CharField("SEO description", max_length=300, blank=True)
    version = models.PositiveIntegerField(
        "version", default=1, editable=False, help_text="Raised on every save; guards edits."
    )
    word_count = models.PositiveIntegerField("word count", default=0, editable=False)

    objects = ArticleQuerySet.as_manager()
    # Revisions: django-simple-history writes one historical row per save()
    # (admin, API, import alike). Its FKs carry no DB constraint, so a revision
    # survives the deletion of its section, photo or user. Bulk writes must
    # write the revisions too: simple_history.utils.bulk_create_with_history /
    # bulk_update_with_history, or, as the WordPress importer does for speed,
    # prepared INSERTs of both rows (articles/importers/inserts.py; its test
    # checks row for row that they match what save() writes).
    # Each revision also snapshots the authors, tags and categories
    # (ArticleRevisionBase.relations, kept by articles.revisions).
    history = HistoricalRecords(
        get_user=_revision_user, cascade_delete_history=False, bases=[ArticleRevisionBase]
    )

    class Meta:
        verbose_name = "article"
        verbose_name_plural = "articles"
        ordering = ["-publish_at", "-id"]
        permissions = [("publish_article", "Can publish, schedule and withdraw articles")]
        constraints = [
            # public() needs a publication time on every published article.
            models.CheckConstraint(
                condition=~Q(status="published") | Q(publish_at__isnull=False),
                name="article_published_has_publish_at",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True)
                | Q(publish_at__isnull=True)
                | Q(expires_at__gt=models.F("publish_at")),
                name="article_expires_after_publish",
            ),
            # Imports find an article again by (source, old ID): a second run
            # updates instead of duplicating, and two archives can coexist.
            models.UniqueConstraint(
                fields=["legacy_source", "legacy_id"],
                condition=~Q(legacy_id=""),
                name="article_unique_legacy_id",
            ),
        ]
        indexes = [
            # Home page, feeds, sitemaps, archives and the API: public() ordered by
            # date (when nearly every article is published, PostgreSQL may walk
            # article_pub_idx below instead); the admin's status filter. It
            # carries (INCLUDE, PostgreSQL) the rest of public()'s condition and
            # the last change, so that the archive's month counts and the
            # sitemap index's months are read from the index alone, not the
            # table (78 -> 15 ms at 100 000 articles).
            models.Index(
                fields=["status", "-publish_at", "-id"],
                name="article_status_pub_idx",
                include=["expires_at", "updated_at"],
            ),
            # Section pages: one section (or its sub-sections) ordered by date;
            # with expires_at carried, the API's count of a section's public
            # articles reads the index alone (29 -> 1.6 ms for a section of
            # 8 000 articles).
            models.Index(
                fields=["section", "status", "-publish_at", "-id"],
                name="article_section_pub_idx",
                include=["expires_at"],
            ),
            # API filter ?slug= and redirects by old slug.
            models.Index(fields=["slug"], name="article_slug_idx"),
            # API filter ?legacy_id= without a source.
            models.Index(fields=["legacy_id"], name="article_legacy_id_idx"),
            # The 404 redirect fallback: an old system's URL → its article.
            models.Index(fields=["legacy_path"], name="article_legacy_path_idx"),
            # The page cache's "next scheduled change": the soonest expires_at.
            models.Index(fields=["expires_at"], name="article_expires_idx"),
            # The API's ?ordering=-updated_at / updated_at (cursor order: the
            # date, then the id) and the admin changelist sorted by last
            # change (the admin adds -pk): without the id, articles saved
            # together (a bulk import) were sorted in full for each page
            # (84 ms at 100 000 articles).
            models.Index(fields=["-updated_at", "-id"], name="article_updated_idx"),
            # The API for writers and editors (who see drafts too): newest
            # first by publication or, for drafts, creation time
            # (ArticleViewSet's published_sort), both ways: each page sorted
            # every article (150 ms at 100 000 articles).
            models.Index(
                Coalesce("publish_at", "created_at").desc(),
                F("id").desc(),
                name="article_published_sort_idx",
            ),
            # (PostgreSQL only, migration 0014: article_public_by_id_idx, by id
            # with public()'s columns carried, for the search's candidates and
            # the taxonomy API's counts.)
            # The API's ?ordering=headline / -headline and the admin sorted by
            # headline: the whole table was sorted for each page (54 ms at
            # 100 000 articles).
            models.Index(fields=["headline", "id"], name="article_headline_idx"),
            # Admin changelist in its default order (every status, newest
            # first): without it PostgreSQL sorted the whole table for each
            # page (1.7 s at 1 000 000 articles); also the date hierarchy's
            # first and last dates.
            models.Index(fields=["-publish_at", "-id"], name="article_pub_idx"),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        # Only the article's own derived fields are set here; rules that span
        # rows (publishing, revisions, redirects) live in services.py.
        if not self.slug:
            self.slug = slugify(self.headline, allow_unicode=True)[:200] or "article"
        self.body = sanitize_body(self.body)
        if self.status == self.Status.PUBLISHED:
            # public() needs a publication time; first publication is kept.
            if self.publish_at is None:
                self.publish_at = timezone.now()
            if self.first_published_at is None:
                self.first_published_at = self.publish_at
        self.word_count = count_words(self.body)
        self.legacy_path = legacy_path_of(self.legacy_url)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return self.address(self.section.slug, self.pk, self.slug)

    @staticmethod
    def address(section_slug: str, pk: int, slug: str) -> str:
        """An article's public address from its parts: ``get_absolute_url``,
        and lists read as plain rows (articles.sitemaps)."""
        return build_url("articles:article", section=section_slug, pk=pk, slug=slug)

    def get_short_url(self):
        return build_url("articles:short", pk=self.pk)

    @property
    def is_public(self) -> bool:
        now = timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= now
            and (self.expires_at is None or self.expires_at > now)
        )

    @property
    def text_direction(self) -> str:
        return "rtl" if self.language in RTL_LANGUAGES else "ltr"

    @property
    def reading_time(self) -> int:
        """Minutes, rounded up; at least one."""
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))

    @property
    def ordered_authors(self) -> list[Author]:
        """Authors in byline order, from the prefetch of for_listing()."""
        return [link.author for link in self.article_authors.all()]

    @property
    def display_byline(self) -> str:
        if self.byline:
            return self.byline
        names = [author.name for author in self.ordered_authors]
        if len(names) > 1:
            return ", ".join(names[:-1]) + " and " + names[-1]
        return names[0] if names else ""

    @staticmethod
    def lead_caption_of(override: str, photo_caption: str | None) -> str:
        """The caption shown under a lead photo: the article's own, else the
        photo's (``effective_lead_caption``; lists read as plain rows)."""
        return override or photo_caption or ""

    @property
    def effective_lead_caption(self) -> str:
        return self.lead_caption_of(
            self.lead_caption, self.lead_media.caption if self.lead_media else ""
        )


class ArticleAuthor(models.Model):
    """An author on an article, in byline order."""

    # No index of their own: article_author_unique (article, author) serves
    # an article's authors (and the CASCADE), article_author_by_author_idx
    # (author, article) an author's articles (and the PROTECT check).
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="article_authors", db_index=False
    )
    author = models.ForeignKey(
        Author, on_delete=models.PROTECT, related_name="article_links", db_index=False
    )
    position = models.PositiveSmallIntegerField("position", default=0)

    class Meta:
        verbose_name = "article author"
        verbose_name_plural = "article authors"
        ordering = ["position", "id"]
        constraints = [
            # An author once per article; its index serves an article's
            # authors (the bylines' prefetch) and the CASCADE.
            models.UniqueConstraint(fields=["article", "author"], name="article_author_unique"),
        ]
        indexes = [
            # Author pages: the articles of one author.
            models.Index(fields=["author", "article"], name="article_author_by_author_idx"),
        ]

    def __str__(self):
        return f"{self.author} on {self.article_id}"


# ArticleQuerySet.linked_to's relations: the link model and its term's column.
LINKS = {
    "tags": (Article.tags.through, "tag_id"),
    "authors": (ArticleAuthor, "author_id"),
}


class SearchDocument(models.Model):
    """An article's full-text index entry on PostgreSQL, kept by
    ``articles.search`` (on every save, and by ``reindex_articles`` for bulk
    writes): a weighted ``tsvector`` of headline (A), dek (B), body (C) and
    lead caption, credit, photographer, byline, authors and tags (D).

    On SQLite the table exists but stays empty: the index there is the FTS5
    table ``articles_search_fts`` made by the same migration. It is a table
    of its own, not an Article column, so that listings never load it."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    vector = SearchVectorField("search vector", null=True)

    class Meta:
        verbose_name = "search document"
        verbose_name_plural = "search documents"
        # The GIN index on ``vector`` (search_articles(): vector @@ tsquery) is
        # made by migration 0004 on PostgreSQL only; SQLite cannot build one.

    def __str__(self):
        return f"search document of {self.article_id}"


class SearchWord(models.Model):
    """A word of the headlines and standfirsts of published articles, with
    how many use it: the vocabulary that ``articles.spelling`` suggests
    corrections from ("Did you mean …?"). Kept by ``reindex_articles``
    (new words) and ``rebuild_search_words`` (counts). On PostgreSQL a GIN
    trigram index on ``word`` (migration 0017) serves the similarity search
    (``word % 'sumit'``)."""

    word = models.CharField("word", max_length=40, primary_key=True)
    documents = models.PositiveIntegerField("articles", default=1)

    class Meta:
        verbose_name = "search word"
        verbose_name_plural = "search words"

    def __str__(self):
        return self.word


class BodyFigure(models.Model):
    """A Media ID that an article's body shows as a figure
    (``<figure data-media-id="N">``): derived from the body by
    ``articles.media_usage.sync_body_figures``, which ``reindex_articles``
    calls on every save path and after bulk writes. "Where is this photo
    used" (the media API's usage counts, the photo's admin page) is then an
    index lookup, not a read of every article body (2.3 s at 100 000
    articles). The Media ID is a number, not a foreign key: a body may name
    a photo that does not exist (yet)."""

    # body_figure_unique (article, media_id) serves an article's figures:
    # no index of its own.
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="body_figures", db_index=False
    )
    media_id = models.BigIntegerField("Media ID")

    class Meta:
        verbose_name = "body figure"
        verbose_name_plural = "body figures"
        constraints = [
            # Also serves the per-article rewrite (DELETE ... WHERE article_id IN).
            models.UniqueConstraint(fields=["article", "media_id"], name="body_figure_unique"),
        ]
        indexes = [
            # find_body_figures(media_ids): WHERE media_id IN (...).
            models.Index(fields=["media_id"], name="body_figure_media_idx"),
        ]

    def __str__(self):
        return f"figure {self.media_id} in {self.article_id}"


class ArchiveMonth(models.Model):
    """How many public articles a calendar month (in ``TIME_ZONE``) holds, and
    their last change: what the archive index and the sitemap index list,
    read as a dozen rows a year instead of counted over the whole archive
    (0.4 s at 1 000 000 articles). Kept by ``articles.archive_months``:
    writers raise ``version``; a reader recounts a row whose
    ``counted_version`` lags or whose ``valid_until`` (the month's next
    scheduled publication or rights expiry) has passed."""

    month = models.DateField("month", primary_key=True, help_text="Its first day.")
    tzname = models.CharField("time zone", max_length=64, help_text="Months are of this zone.")
    count = models.PositiveIntegerField("public articles", default=0)
    lastmod = models.DateTimeField("last change", null=True, blank=True)
    valid_until = models.DateTimeField("counts hold until", null=True, blank=True)
    version = models.PositiveBigIntegerField(default=1)
    counted_version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "archive month"
        verbose_name_plural = "archive months"

    def __str__(self):
        return f"{self.month:%Y-%m}: {self.count}"


class TermCount(models.Model):
    """How many public articles a section, tag or author has: the taxonomy
    API's ``article_count``. Counted for a page of 50 tags at 1 000 000
    articles that was 250-320 ms per request (every public article of the
    page's tags, joined); here it is the page's rows, plus a recount of the
    terms that changed. Kept by ``articles.term_counts`` like
    ``ArchiveMonth``: writers raise ``version``; a reader recounts a row whose
    ``counted_version`` lags or whose ``valid_until`` (the term's next
    scheduled publication or rights expiry) has passed."""

    class Kind(models.TextChoices):
        # The Article relation counted through.
        SECTION = "section", "section"
        TAG = "tags", "tag"
        AUTHOR = "authors", "author"

    kind = models.CharField("kind", max_length=8, choices=Kind.choices)
    term_id = models.BigIntegerField("id of the section, tag or author")
    count = models.PositiveIntegerField("public articles", default=0)
    valid_until = models.DateTimeField("count holds until", null=True, blank=True)
    version = models.PositiveBigIntegerField(default=1)
    counted_version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "term count"
        verbose_name_plural = "term counts"
        constraints = [
            # Serves the reader's WHERE kind = %s AND term_id IN (a page's ids)
            # and the writers' INSERT ... ON CONFLICT (kind, term_id).
            models.UniqueConstraint(fields=["kind", "term_id"], name="term_count_unique"),
        ]

    def __str__(self):
        return f"{self.kind} {self.term_id}: {self.count}"


class Redirect(models.Model):
    """An old address that now lives elsewhere: a site-relative path or an
    allow-listed host (REDIRECT_ALLOWED_HOSTS), or an article (followed to
    its current address, so it survives later moves). Served by
    ``articles.middleware.RedirectFallbackMiddleware`` when nothing else
    answers the old path."""

    class Kind(models.IntegerChoices):
        PERMANENT = 301, "Permanent (301)"
        TEMPORARY = 302, "Temporary (302)"

    old_path = models.CharField(
        "old path",
        max_length=500,
        help_text="Site-relative, starting with /, with the query string if any: "
        "/2015/03/old-slug/ or /?p=123.",
    )
    new_path = models.CharField(
        "new path",
        max_length=500,
        blank=True,
        help_text="A site-relative path (/opinion/) or an https:// URL on an allowed host. "
        "Leave empty when an article is chosen.",
    )
    article = models.ForeignKey(
        Article,
        verbose_name="article",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="redirects",
        help_text="Redirect to this article's current address.",
    )
    status_code = models.PositiveSmallIntegerField(
        "type", choices=Kind.choices, default=Kind.PERMANENT
    )
    hits = models.PositiveIntegerField("hits", default=0, editable=False)
    last_hit_at = models.DateTimeField("last hit at", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("created at", default=timezone.now, editable=False)
    note = models.CharField(
        "note", max_length=200, blank=True, help_text="Why it exists (slug change, import…)."
    )

    class Meta:
        verbose_name = "redirect"
        verbose_name_plural = "redirects"
        ordering = ["old_path"]
        constraints = [
            # The fallback looks a request's path up here: one row per path.
            models.UniqueConstraint(fields=["old_path"], name="redirect_unique_old_path"),
            # A redirect goes somewhere: a path/URL or an article, not both.
            models.CheckConstraint(
                condition=(Q(article__isnull=False) & Q(new_path=""))
                | (Q(article__isnull=True) & ~Q(new_path="")),
                name="redirect_has_one_target",
            ),
            models.CheckConstraint(
                condition=Q(old_path__startswith="/"), name="redirect_old_path_site_relative"
            ),
            models.CheckConstraint(
                condition=Q(status_code__in=[301, 302]), name="redirect_status_301_or_302"
            ),
        ]

    def __str__(self):
        return f"{self.old_path} → {self.new_path or self.article_id}"

    def get_absolute_url(self):
        return self.old_path

    def clean(self):
        from articles.redirects import check_target, normalise_old_path

        self.old_path = normalise_old_path(self.old_path)
        if self.article_id and self.new_path:
            raise ValidationError("Choose an article or a new path, not both.")
        if not self.article_id and not self.new_path:
            raise ValidationError("Choose an article or give a new path.")
        if self.new_path:
            check_target(self.new_path)
            if self.new_path == self.old_path:
                raise ValidationError({"new_path": "A redirect cannot point at itself."})


class ImportRecord(models.Model):
    """What an importer last wrote for one object of an old system, so that a
    second run of the same import creates nothing and does not overwrite what
    editors changed since (``articles.importers.wordpress``).

    ``source_hash`` fingerprints the old system's item as last imported (did
    the export change?); ``object_hash`` fingerprints the object as the
    importer left it (has an editor changed it since?)."""

    class Kind(models.TextChoices):
        ARTICLE = "article", "Article"
        ATTACHMENT = "attachment", "Media asset"
        CATEGORY = "category", "Category"
        TAG = "tag", "Tag"
        AUTHOR = "author", "Author"

    source = models.CharField(
        "source", max_length=200, help_text="The old site, e.g. “example.com/blog”."
    )
    kind = models.CharField("kind", max_length=12, choices=Kind.choices)
    legacy_id = models.CharField("legacy ID", max_length=200)
    object_id = models.PositiveBigIntegerField("object ID")
    source_hash = models.CharField("source hash", max_length=40, blank=True)
    object_hash = models.CharField("object hash", max_length=40, blank=True)
    imported_at = models.DateTimeField("imported at", auto_now=True)

    class Meta:
        verbose_name = "import record"
        verbose_name_plural = "import records"
        ordering = ["source", "kind", "legacy_id"]
        constraints = [
            # An import finds what it wrote before by (source, kind, old ID).
            models.UniqueConstraint(
                fields=["source", "kind", "legacy_id"], name="import_record_unique_key"
            ),
        ]

    def __str__(self):
        return f"{self.source} {self.kind} {self.legacy_id} → {self.object_id}"


class ImportRun(models.Model):
    """One WordPress import started from the admin: the uploaded file (kept in
    the ``originals`` storage under a generated name until the run finishes),
    the options, and the report once ``cms.tasks.run_wordpress_import`` has
    run it in the background."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    status = models.CharField("status", max_length=8, choices=Status.choices, default=Status.QUEUED)
    file_name = models.CharField(
        "stored file", max_length=200, help_text="Generated name in the originals storage."
    )
    upload_name = models.CharField("uploaded as", max_length=200, blank=True)
    dry_run = models.BooleanField("dry run", default=False)
    default_section = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="default section",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="created by",
    )
    created_at = models.DateTimeField("created at", auto_now_add=True)
    started_at = models.DateTimeField("started at", null=True, blank=True)
    finished_at = models.DateTimeField("finished at", null=True, blank=True)
    report = models.JSONField("report", default=dict, blank=True)
    report_text = models.TextField("report (text)", blank=True)
    error = models.TextField("error", blank=True, help_text="Why the file was refused.")

    class Meta:
        verbose_name = "import run"
        verbose_name_plural = "import runs"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Import {self.pk} ({self.upload_name or self.file_name}): {self.status}"

    def get_absolute_url(self):
        return reverse("articles_import_wxr_run", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}
