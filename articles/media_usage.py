"""Tells media_assets which articles show a photo as a body figure.

Lead photos and author photos are foreign keys, which media_assets finds by
itself; figures live in the body HTML (``<figure data-media-id="N">``), so a
finder is registered from ``ArticlesConfig.ready()``.
"""

from collections.abc import Collection, Iterator

from django.db.models import Q

from media_assets.figures import referenced_media_ids
from media_assets.usage import register_usage

# Sanitised bodies always write the attribute as data-media-id="N".
_NEEDLE = 'data-media-id="{}"'
# Above this many IDs one LIKE per ID costs more than reading every body with figures.
_MAX_LIKE_TERMS = 50


def find_body_figures(media_ids: Collection[int] | None) -> Iterator[tuple[int, object]]:
    """``(media_id, article)`` for every body figure naming one of
    ``media_ids`` (any Media ID when None), drafts included: an editor must
    not delete a photo that a draft is about to publish."""
    from articles.models import Article

    articles = Article.objects.filter(body__contains="data-media-id")
    wanted = None
    if media_ids is not None:
        wanted = set(media_ids)
        if not wanted:
            return
        if len(wanted) <= _MAX_LIKE_TERMS:
            condition = Q()
            for media_id in wanted:
                condition |= Q(body__contains=_NEEDLE.format(media_id))
            articles = articles.filter(condition)
    articles = articles.select_related("section").only(
        "pk", "headline", "slug", "body", "section__slug", "section__name"
    )
    for article in articles.iterator(chunk_size=500):
        for media_id in referenced_media_ids(article.body):
            if wanted is None or media_id in wanted:
                yield media_id, article


def register():
    from articles.models import Article, Author

    register_usage(Article, "lead_media", "lead photo")
    register_usage(Article, find_body_figures, "body figure")
    register_usage(Author, "photo", "author photo")
