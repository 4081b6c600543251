"""Where a media asset is used, found without knowing who uses it.

Two sources, combined:

- **Reverse relations**, discovered: every ForeignKey or OneToOneField from any
  installed model to ``MediaAsset`` (a lead photo, an author photo) counts,
  with no registration. ``Rendition`` is the asset's own and is skipped.
- **Finders**, registered by other apps in their ``AppConfig.ready()`` for uses
  that are not a relation, such as figures in an article body::

      from media_assets.usage import register_usage
      register_usage(Article, find_body_figures, "body figure")

  A finder is ``finder(media_ids: Collection[int] | None) -> Iterable[(media_id,
  obj)]``; ``None`` means "every Media ID referenced anywhere" (used by the
  admin's *unused* filter). ``register_usage(model, "field_name", label)``
  gives a relation a nicer label than the discovered one.

``media_assets`` never imports the apps that use it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice

from django.db import models
from django.db.models import Count, Exists, OuterRef
from django.urls import NoReverseMatch, reverse

from media_assets.models import MediaAsset, Rendition

Finder = Callable[[Collection[int] | None], Iterable[tuple[int, models.Model]]]


@dataclass(frozen=True)
class Use:
    """One place that uses an asset: ``label`` ("lead photo"), the object, and
    links to its admin page and its public page where they exist."""

    label: str
    obj: models.Model = field(compare=False)
    admin_url: str = ""
    public_url: str = ""

    def __str__(self) -> str:
        return f"{self.label}: {self.obj}"


@dataclass(frozen=True)
class _Registration:
    model: type[models.Model]
    label: str
    field_name: str = ""
    finder: Finder | None = None
    select_related: tuple[str, ...] = ()
    referenced: Callable[[], models.QuerySet] | None = None
    public: Callable[[models.QuerySet], models.QuerySet] | None = None


_registry: list[_Registration] = []


def register_usage(
    model: type[models.Model],
    field_or_finder: str | Finder,
    label: str,
    *,
    select_related: Sequence[str] = (),
    referenced: Callable[[], models.QuerySet] | None = None,
    public: Callable[[models.QuerySet], models.QuerySet] | None = None,
) -> None:
    """Tell media_assets that ``model`` uses assets, through the relation
    ``field_or_finder`` (a field name) or a finder function (see the module
    docstring). ``select_related``: for a relation, what a use's links need
    loaded with each object (an article's section for its address), so that
    a page of uses costs one query, not one more per use. ``referenced``:
    for a finder, a function returning a QuerySet whose ``media_id`` column
    lists the Media IDs in use, so that the *unused* filter asks the
    database (NOT EXISTS) instead of collecting every Media ID the finder
    knows. ``public``: narrows a QuerySet of those rows (of ``model`` for a
    relation, of ``referenced()`` for a finder) to the uses readers may see,
    the same ones as the objects' ``is_public``, so that readers' counts are
    made in SQL (``count_uses_of``). Registering the same thing twice is
    harmless (pass module-level functions, not lambdas)."""
    if isinstance(field_or_finder, str):
        registration = _Registration(
            model,
            label,
            field_name=field_or_finder,
            select_related=tuple(select_related),
            public=public,
        )
    else:
        registration = _Registration(
            model, label, finder=field_or_finder, referenced=referenced, public=public
        )
    if registration not in _registry:
        _registry.append(registration)


def unregister_usage(model: type[models.Model], label: str) -> None:
    """Forget registrations of ``model`` with ``label`` (tests use this)."""
    _registry[:] = [r for r in _registry if not (r.model is model and r.label == label)]


def relations() -> list[tuple[type[models.Model], str, str]]:
    """``(model, field_name, label)`` for every relation to ``MediaAsset``:
    registered labels first, then discovered ones."""
    labelled = {(r.model, r.field_name): r.label for r in _registry if r.field_name}
    found = []
    for rel in MediaAsset._meta.related_objects:
        # Seen from MediaAsset, a ForeignKey to it is one-to-many.
        if rel.related_model is Rendition or not (rel.one_to_many or rel.one_to_one):
            continue
        model, name = rel.related_model, rel.field.name
        label = labelled.get((model, name)) or (
            f"{model._meta.verbose_name} ({rel.field.verbose_name})"
        )
        found.append((model, name, str(label)))
    return found


def finders() -> list[_Registration]:
    return [r for r in _registry if r.finder is not None]


def find_uses(asset: MediaAsset, *, limit: int | None = None) -> list[Use]:
    """Every use of ``asset``: one query per relation and per finder. With
    ``limit``, at most that many from each relation (the newest rows) and
    each finder, so that a file photo used by thousands of articles is not
    read whole to show a few of them (``count_uses_of`` counts them all)."""
    return find_uses_of([asset], limit=limit).get(asset.pk, [])


def find_uses_of(assets: Sequence[MediaAsset], *, limit: int | None = None) -> dict[int, list[Use]]:
    """Uses of several assets at once, keyed by asset pk. The cost depends on
    the number of relations and finders, not on the number of assets.
    ``limit``: at most that many uses from each relation and each finder, for
    all the assets together (see ``find_uses``)."""
    by_pk = {asset.pk: asset for asset in assets}
    by_media_id = {asset.media_id: asset for asset in assets if asset.media_id is not None}
    result: dict[int, list[Use]] = defaultdict(list)
    if not by_pk:
        return {}
    joined = {(r.model, r.field_name): r.select_related for r in _registry if r.field_name}
    for model, name, label in relations():
        attname = model._meta.get_field(name).attname
        objects = model._default_manager.filter(**{f"{name}__in": list(by_pk)})
        if joined.get((model, name)):
            objects = objects.select_related(*joined[(model, name)])
        if limit is not None:
            objects = objects.order_by("-pk")[:limit]
        for obj in objects:
            result[getattr(obj, attname)].append(_use(label, obj))
    for registration in finders():
        found = registration.finder(list(by_media_id))
        for media_id, obj in found if limit is None else islice(found, limit):
            asset = by_media_id.get(media_id)
            if asset is not None:
                result[asset.pk].append(_use(registration.label, obj))
    return dict(result)


def usage_counts(assets: Sequence[MediaAsset]) -> dict[int, int]:
    """How many uses each asset has (pk -> count), for listings."""
    return count_uses_of(assets)


def count_uses_of(assets: Sequence[MediaAsset], *, public_only: bool = False) -> dict[int, int]:
    """How many uses each asset has (pk -> count; every asset given is a
    key), or with ``public_only`` how many readers may see (objects whose
    ``is_public`` is true, or that have none). One query per relation and
    per finder, as ``find_uses_of``, but counted by the database: a photo
    used by thousands of articles (a file photo) costs what an unused one
    does, where collecting its uses read every one of those articles.

    Counted in SQL: relations, and finders registered with ``referenced``,
    each narrowed by its ``public`` function for readers. A relation or
    finder that cannot be (a finder without ``referenced``; for readers, a
    model with ``is_public`` but no ``public`` function) has its uses
    collected and tested one by one, as before."""
    counts = {asset.pk: 0 for asset in assets}
    by_media_id = {asset.media_id: asset.pk for asset in assets if asset.media_id is not None}
    registered = {(r.model, r.field_name): r for r in _registry if r.field_name}

    def seen(obj) -> bool:
        return not public_only or getattr(obj, "is_public", True)

    for model, name, _label in relations():
        narrow = getattr(registered.get((model, name)), "public", None)
        attname = model._meta.get_field(name).attname
        objects = model._default_manager.filter(**{f"{name}__in": list(counts)})
        if public_only and narrow is None and hasattr(model, "is_public"):
            for obj in objects:
                counts[getattr(obj, attname)] += seen(obj)
            continue
        if public_only and narrow is not None:
            objects = narrow(objects)
        rows = objects.order_by().values(attname).annotate(n=Count("pk"))
        for pk, n in rows.values_list(attname, "n"):
            counts[pk] += n
    for registration in finders():
        if not by_media_id:
            break
        if registration.referenced is None or (public_only and registration.public is None):
            for media_id, obj in registration.finder(list(by_media_id)):
                if media_id in by_media_id:
                    counts[by_media_id[media_id]] += seen(obj)
            continue
        rows = registration.referenced().filter(media_id__in=list(by_media_id))
        if public_only:
            rows = registration.public(rows)
        rows = rows.order_by().values("media_id").annotate(n=Count("pk"))
        for media_id, n in rows.values_list("media_id", "n"):
            counts[by_media_id[media_id]] += n
    return counts


def filter_unused(queryset: models.QuerySet) -> models.QuerySet:
    """The assets of ``queryset`` that nothing uses. Relations, and finders
    registered with ``referenced``, are checked in SQL (NOT EXISTS, one index
    probe per asset looked at); other finders are asked once for every Media
    ID they know."""
    for model, name, _label in relations():
        queryset = queryset.filter(~Exists(model._default_manager.filter(**{name: OuterRef("pk")})))
    referenced: set[int] = set()
    for registration in finders():
        if registration.referenced is not None:
            in_use = registration.referenced().filter(media_id=OuterRef("media_id"))
            queryset = queryset.filter(~Exists(in_use))
            continue
        referenced.update(media_id for media_id, _obj in registration.finder(None))
    if referenced:
        queryset = queryset.exclude(media_id__in=referenced)
    return queryset


def filter_used(queryset: models.QuerySet) -> models.QuerySet:
    """The complement of ``filter_unused`` within ``queryset``."""
    return queryset.exclude(pk__in=filter_unused(queryset).values("pk"))


def _use(label: str, obj: models.Model) -> Use:
    opts = obj._meta
    try:
        admin_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        admin_url = ""
    public_url = ""
    if hasattr(obj, "get_absolute_url"):
        try:
            public_url = obj.get_absolute_url()
        except Exception:  # a half-filled object must not break the asset page
            public_url = ""
    return Use(label=label, obj=obj, admin_url=admin_url, public_url=public_url)
