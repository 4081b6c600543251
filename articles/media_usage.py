"""Tells media_assets which articles show a photo as a body figure, and
keeps the index that answers it.

Lead photos and author photos are foreign keys, which media_assets finds by
itself; figures live in the body HTML (``<figure data-media-id="N">``). Each
article's figures are written out as ``BodyFigure`` rows (indexed by Media
ID) whenever ``reindex_articles`` refreshes what is derived from its row, so
the finder registered from ``ArticlesConfig.ready()`` asks that index
instead of reading every body.
"""

from collections.abc import Collection, Iterable, Iterator

from media_assets.figures import referenced_media_ids
from media_assets.usage import register_usage

# What a body must contain to name any figure (sanitised bodies write it so).
_MARKER = "data-media-id"
_CHUNK = 2000
_MAX_MEDIA_ID = 2**63 - 1


def figure_rows(pk: int, body: str) -> list[tuple[int, int]]:
    """``(article id, Media ID)`` for each distinct figure in ``body``."""
    return [(pk, media_id) for media_id in referenced_media_ids(body) if media_id <= _MAX_MEDIA_ID]


def sync_body_figures(ids: Iterable[int]) -> None:
    """Rewrite the ``BodyFigure`` rows of the articles ``ids`` from their
    bodies (missing ids lose theirs). In the caller's transaction; two
    statements and one read per 2 000 articles."""
    from articles.models import Article, BodyFigure

    ids = sorted({int(pk) for pk in ids})
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        BodyFigure.objects.filter(article_id__in=chunk).delete()
        bodies = Article.objects.filter(pk__in=chunk, body__contains=_MARKER).values_list(
            "pk", "body"
        )
        BodyFigure.objects.bulk_create(
            BodyFigure(article_id=article_id, media_id=media_id)
            for pk, body in bodies
            for article_id, media_id in figure_rows(pk, body)
        )


def find_body_figures(media_ids: Collection[int] | None) -> Iterator[tuple[int, object]]:
    """``(media_id, article)`` for every body figure naming one of
    ``media_ids`` (any Media ID when None), drafts included: an editor must
    not delete a photo that a draft is about to publish. One indexed query
    (body_figure_media_idx), whatever the archive's size."""
    from articles.models import BodyFigure

    figures = BodyFigure.objects.all()
    if media_ids is not None:
        wanted = {int(media_id) for media_id in media_ids}
        if not wanted:
            return
        figures = figures.filter(media_id__in=wanted)
    figures = figures.select_related("article__section").only(
        # What a use shows and checks: title, addresses, is_public.
        "media_id",
        "article__headline",
        "article__slug",
        "article__status",
        "article__publish_at",
        "article__expires_at",
        "article__section__slug",
        "article__section__name",
    )
    for figure in figures.order_by("pk").iterator(chunk_size=_CHUNK):
        yield figure.media_id, figure.article


def _figures():
    from articles.models import BodyFigure

    return BodyFigure.objects.all()


def _public_articles(articles):
    """The articles readers may see (``Article.is_public``), for counts made
    in SQL (media_assets.usage.count_uses_of)."""
    return articles.public()


def _public_figures(figures):
    """The body figures of articles readers may see."""
    from articles.models import Article

    return figures.filter(article__in=Article.objects.public().values("pk"))


def register():
    from articles.models import Article, Author

    register_usage(
        Article,
        "lead_media",
        "lead photo",
        select_related=("section",),
        public=_public_articles,
    )
    register_usage(
        Article, find_body_figures, "body figure", referenced=_figures, public=_public_figures
    )
    register_usage(Author, "photo", "author photo")
