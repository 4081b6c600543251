"""Side effects of content changes: the public page cache, and redirects
left behind when an article or section moves.

Every change to something a public page, feed or sitemap shows bumps the
page-cache generation (the ``cms.tasks.purge_public_pages`` task) once the
transaction commits (a bump before the commit would let a concurrent
request cache the old content again).
Writes that bypass ``save()``/``delete()`` (``QuerySet.update()``,
``bulk_create``) must call ``cms.caching.bump_generation()`` themselves.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from cms.tasks import enqueue_on_commit, purge_public_pages


def invalidate_public_pages(**kwargs):
    """Signal receiver: enqueue a cache generation bump (a background task,
    run at once by the immediate backend) after the commit."""
    if kwargs.get("raw"):  # loaddata: nothing is served from fixtures mid-load
        return
    enqueue_on_commit(purge_public_pages)


def connect():
    from articles.models import Article, ArticleAuthor, Author, Category, Tag
    from media_assets.models import MediaAsset, Rendition

    # A photo's caption, credit, alt text, file or rights expiry show on
    # pages, feeds, sitemaps and JSON-LD; renditions appear in srcsets.
    senders = (Article, ArticleAuthor, Author, Category, Tag, MediaAsset, Rendition)
    for sender in senders:
        for signal in (post_save, post_delete):
            signal.connect(
                invalidate_public_pages,
                sender=sender,
                dispatch_uid=f"public-pages-{signal is post_save}-{sender.__name__}",
            )
    connect_redirects()
    for through in (Article.tags.through, Article.categories.through):
        m2m_changed.connect(
            invalidate_public_pages, sender=through, dispatch_uid=f"public-pages-m2m-{through}"
        )


# --- moved articles and sections keep their old addresses ---------------------------


def remember_old_address(sender, instance, raw=False, **kwargs):
    """pre_save: note where the row lived before this save (one query). For
    an article, the same query notes its old publication time: the archive
    month it may leave (``articles.archive_months``) and its old section,
    whose count it may leave (``articles.term_counts``)."""
    if raw or instance.pk is None:
        return
    if sender.__name__ == "Article":
        old = (
            sender.objects.filter(pk=instance.pk)
            .values_list("section__slug", "slug", "first_published_at", "publish_at", "section_id")
            .first()
        )
        instance._old_address = old[:3] if old else None
        instance._old_publish_at = old[3] if old else None
        instance._old_section_id = old[4] if old else None
    else:
        instance._old_address = (
            sender.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
        )


def record_moved_address(sender, instance, created=False, raw=False, **kwargs):
    """post_save: a changed slug or section leaves a 301 behind
    (articles.redirects.record_redirect). Drafts never had a public address."""
    from django.urls import reverse

    from articles.redirects import record_redirect

    old = instance.__dict__.pop("_old_address", None)
    if raw or created or not old:
        return
    if sender.__name__ == "Article":
        section_slug, slug, first_published_at = old
        if first_published_at is None:
            return
        old_path = reverse(
            "articles:article", kwargs={"section": section_slug, "pk": instance.pk, "slug": slug}
        )
        if old_path != instance.get_absolute_url():
            record_redirect(old_path, instance)
    else:
        from articles.models import Redirect

        old_path = reverse("articles:section", kwargs={"slug": old})
        new_path = instance.get_absolute_url()
        if old_path != new_path:
            Redirect.objects.filter(old_path=new_path).delete()
            Redirect.objects.update_or_create(
                old_path=old_path,
                defaults={"new_path": new_path, "article": None, "note": "Section renamed"},
            )


def connect_redirects():
    from articles.models import Article, Category

    for sender in (Article, Category):
        pre_save.connect(
            remember_old_address, sender=sender, dispatch_uid=f"old-address-{sender.__name__}"
        )
        post_save.connect(
            record_moved_address, sender=sender, dispatch_uid=f"moved-address-{sender.__name__}"
        )
