"""Writes to articles that carry rules: creation, editing with conflict
detection, and the workflow (submit, publish, schedule, withdraw).

The admin, the API, importers and management commands all call these, so the
rules — who may do what, the version check, the publication fields — hold on
every path. Each function is keyword-only and runs in one transaction.
"""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from articles.models import Article, ArticleAuthor, Author, Category, Tag
from articles.revisions import record_relations
from articles.search import reindex_articles
from media_assets.models import MediaAsset

Status = Article.Status

# Fields a caller may set through article_create / article_update. Status and
# the publication times change only through the workflow functions below.
EDITABLE_FIELDS = frozenset(
    {
        "headline", "slug", "dek", "body", "byline", "section", "section_id", "language",
        "translation_of", "translation_of_id", "lead_media", "lead_media_id", "lead_caption",
        "expires_at", "legacy_source", "legacy_id", "legacy_url", "seo_title",
        "seo_description",
    }
)  # fmt: skip
PUBLISH_PERMISSION = "articles.publish_article"


class EditConflict(Exception):
    """Someone saved the article after the caller loaded it."""

    def __init__(self, article: Article):
        self.article = article
        who = article.updated_by.get_username() if article.updated_by else "someone"
        when = timezone.localtime(article.updated_at).strftime("%d %b %Y %H:%M")
        super().__init__(
            f"{who} saved this article at {when} (version {article.version}) after you opened "
            "it. Your changes were not saved; reload to see theirs."
        )


# --- permissions ---------------------------------------------------------------


def can_publish(user) -> bool:
    return bool(user and user.is_active and user.has_perm(PUBLISH_PERMISSION))


def can_edit(user, article: Article) -> bool:
    """Editors (publish permission) edit everything; writers edit their own
    articles while they are drafts or in review."""
    if not (user and user.is_active and user.has_perm("articles.change_article")):
        return False
    if can_publish(user):
        return True
    return article.created_by_id == user.pk and article.status in {Status.DRAFT, Status.REVIEW}


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


# --- writing ---------------------------------------------------------------------


def _set_authors(article: Article, authors: Iterable[Author]) -> None:
    ArticleAuthor.objects.filter(article=article).delete()
    ArticleAuthor.objects.bulk_create(
        ArticleAuthor(article=article, author=author, position=position)
        for position, author in enumerate(authors)
    )
    # bulk_create sends no signals: the search index (author names) is told here.
    reindex_articles([article.pk])


def _apply_relations(
    article, *, authors=None, tags=None, categories=None, created: bool = False
) -> None:
    if authors is not None:
        _set_authors(article, authors)
    if tags is not None:
        article.tags.set(tags)
    if categories is not None:
        article.categories.set(categories)
    if created or not (authors is None and tags is None and categories is None):
        # The revision of the save() just made was written before these were
        # set: store them, as saved, on it (articles.revisions).
        record_relations([article.pk])


def _check_fields(fields: dict) -> None:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(f"These fields cannot be set here: {', '.join(sorted(unknown))}.")


@transaction.atomic
def article_create(*, user, authors=None, tags=None, categories=None, **fields) -> Article:
    """Create a draft written by ``user``."""
    _require(user.has_perm("articles.add_article"), "You may not create articles.")
    _check_fields(fields)
    article = Article(status=Status.DRAFT, created_by=user, updated_by=user, **fields)
    article.full_clean(exclude=["slug"] if not fields.get("slug") else None)
    article._change_reason = "Created"
    article.save()
    _apply_relations(article, authors=authors, tags=tags, categories=categories, created=True)
    return article


@transaction.atomic
def article_update(
    *,
    article: Article,
    user,
    expected_version: int | None = None,
    authors=None,
    tags=None,
    categories=None,
    change_reason: str = "Edited",
    **fields,
) -> Article:
    """Change ``article``'s content.

    With ``expected_version`` the save is refused (EditConflict) when anyone
    saved since that version was read, and nothing is written. Every save
    records a revision (django-simple-history) credited to ``user`` with
    ``change_reason``.
    """
    _require(can_edit(user, article), "You may not edit this article.")
    _check_fields(fields)
    locked = _lock_version(article, expected_version)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.updated_by = user
    locked.full_clean()
    locked._change_reason = change_reason
    # When relations change, _apply_relations stores their snapshot on this
    # revision once they are set; the one save() would take now is not needed.
    locked._relations_follow = not (authors is None and tags is None and categories is None)
    try:
        locked.save()
    finally:
        locked._relations_follow = False  # a later save() takes its own
    _apply_relations(locked, authors=authors, tags=tags, categories=categories)
    return locked


def _lock_version(article: Article, expected_version: int | None) -> Article:
    """Raise the version by one with a conditional UPDATE, so that of two
    concurrent saves from the same version exactly one wins."""
    filters = {"pk": article.pk}
    if expected_version is not None:
        filters["version"] = expected_version
    if not Article.objects.filter(**filters).update(version=F("version") + 1):
        current = Article.objects.select_related("updated_by").get(pk=article.pk)
        raise EditConflict(current)
    return Article.objects.select_for_update().get(pk=article.pk)


def _transition(
    article: Article, user, *, allowed_from: set[str], to: str, reason: str = "", **changes
) -> Article:
    if article.status not in allowed_from:
        raise ValidationError(
            f"An article that is {article.get_status_display().lower()} cannot become "
            f"{Status(to).label.lower()}."
        )
    locked = _lock_version(article, None)
    locked.status = to
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.updated_by = user
    locked.full_clean()
    locked._change_reason = reason or Status(to).label
    locked.save()
    return locked


@transaction.atomic
def article_submit(*, article: Article, user) -> Article:
    """A writer sends a draft to the editors."""
    _require(can_edit(user, article), "You may not submit this article.")
    return _transition(
        article, user, allowed_from={Status.DRAFT}, to=Status.REVIEW, reason="Submitted for review"
    )


@transaction.atomic
def article_return_to_draft(*, article: Article, user) -> Article:
    """Send an article in review (or withdrawn) back to its writer."""
    _require(can_edit(user, article), "You may not change this article.")
    return _transition(
        article,
        user,
        allowed_from={Status.REVIEW, Status.WITHDRAWN},
        to=Status.DRAFT,
        reason="Returned to draft",
    )


@transaction.atomic
def article_publish(*, article: Article, user, publish_at: datetime | None = None) -> Article:
    """Publish now, or at ``publish_at`` (a future time schedules it)."""
    _require(can_publish(user), "You do not have permission to publish articles.")
    now = timezone.now()
    if publish_at is None:
        # Publish now, unless the article already carries a past date
        # (a back-dated archive item or a re-publication).
        past = article.publish_at is not None and article.publish_at <= now
        publish_at = article.publish_at if past else now
    return _transition(
        article,
        user,
        allowed_from={Status.DRAFT, Status.REVIEW, Status.WITHDRAWN, Status.PUBLISHED},
        to=Status.PUBLISHED,
        publish_at=publish_at,
        reason=(
            f"Scheduled for {timezone.localtime(publish_at):%d %b %Y %H:%M}"
            if publish_at > now
            else "Published"
        ),
    )


@transaction.atomic
def article_schedule(*, article: Article, user, publish_at: datetime) -> Article:
    """Publish at a future time; visible from then on with no cron."""
    if publish_at <= timezone.now():
        raise ValidationError("A scheduled time must be in the future.")
    return article_publish(article=article, user=user, publish_at=publish_at)


@transaction.atomic
def article_withdraw(*, article: Article, user) -> Article:
    """Take a published article off the site."""
    _require(can_publish(user), "You do not have permission to withdraw articles.")
    return _transition(article, user, allowed_from={Status.PUBLISHED}, to=Status.WITHDRAWN)


# --- revisions -------------------------------------------------------------------

# What a revert restores: the content an editor writes. Status and publication
# times stay as they are (they change only through the workflow above).
REVERTIBLE_FIELDS = (
    "headline", "slug", "dek", "body", "byline", "section_id", "language",
    "translation_of_id", "lead_media_id", "lead_caption", "expires_at", "seo_title",
    "seo_description",
)  # fmt: skip


@transaction.atomic
def article_revert(
    *, article: Article, revision, user, expected_version: int | None = None
) -> Article:
    """Restore ``revision``'s content (a HistoricalArticle row of ``article``).

    The revert is itself a new revision ("Reverted to revision N"); nothing
    is deleted from the history. A section, photo or translation that no
    longer exists is left as it is now rather than pointing at a missing row;
    the revision's authors (in byline order), tags and further categories are
    restored, less those deleted since. A revision without a relations
    snapshot (recorded before revisions kept one) leaves them as they are.
    """
    if revision.id != article.pk:
        raise ValidationError("That revision belongs to another article.")
    fields = {name: getattr(revision, name) for name in REVERTIBLE_FIELDS}
    if revision.relations is not None:
        fields.update(_reverted_relations(revision.relations))
    gone = {
        "section_id": Category,
        "lead_media_id": MediaAsset,
        "translation_of_id": Article,
    }
    for name, model in gone.items():
        value = fields[name]
        if value is not None and not model.objects.filter(pk=value).exists():
            del fields[name]
    return article_update(
        article=article,
        user=user,
        expected_version=expected_version,
        change_reason=f"Reverted to revision {revision.history_id}",
        **fields,
    )


def _reverted_relations(snapshot: dict) -> dict:
    """A relations snapshot as article_update arguments: rows that still
    exist, authors in the snapshot's order (one query per relation)."""
    restored = {}
    for name, model in (("authors", Author), ("tags", Tag), ("categories", Category)):
        ids = [item["id"] for item in snapshot.get(name, [])]
        existing = model.objects.in_bulk(ids)
        restored[name] = [existing[pk] for pk in ids if pk in existing]
    return restored


# --- deletion and taxonomy (the API's DELETE and category/author/tag writes) ------


@transaction.atomic
def article_delete(*, article: Article, user) -> None:
    """Delete ``article``: needs the delete permission and the right to edit
    it (so a writer may delete only their own drafts)."""
    _require(
        user.has_perm("articles.delete_article") and can_edit(user, article),
        "You may not delete this article.",
    )
    article.delete()


def _taxonomy_perm(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


@transaction.atomic
def taxonomy_save(*, instance, user, **fields):
    """Create (no pk yet) or change a Category, Author or Tag with the admin's
    add/change permission; the model's own validation applies."""
    action = "change" if instance.pk else "add"
    _require(
        user.has_perm(_taxonomy_perm(type(instance), action)),
        f"You may not {action} {type(instance)._meta.verbose_name_plural}.",
    )
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def taxonomy_delete(*, instance, user) -> None:
    """Delete a Category, Author or Tag with the admin's delete permission.
    One still used as a section or byline raises ProtectedError."""
    _require(
        user.has_perm(_taxonomy_perm(type(instance), "delete")),
        f"You may not delete {type(instance)._meta.verbose_name_plural}.",
    )
    instance.delete()
