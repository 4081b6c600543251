"""The articles API: articles, categories (sections), authors and tags
(DESIGN.md §5).

Readers see what ``Article.objects.public()`` allows; writers also see their
own work, editors everything. Every write goes through ``articles.services``,
so permissions, version checks and revisions are those of the admin.
"""

import base64
import contextlib
import re

from django.db import transaction
from django.http import Http404
from django.utils.http import parse_etags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from articles import search, services, term_counts
from articles.filters import (
    ARTICLE_ORDERINGS,
    ArticleFilter,
    AuthorFilter,
    CategoryFilter,
    TagFilter,
    ranks_by_relevance,
)
from articles.models import Article, Author, Category, Tag, TermCount
from articles.serializers import (
    ArticleSerializer,
    ArticleWriteSerializer,
    AuthorSerializer,
    AuthorWriteSerializer,
    CategorySerializer,
    CategoryWriteSerializer,
    PublishSerializer,
    ScheduleSerializer,
    TagSerializer,
    TagWriteSerializer,
)
from cms.caching import cache_api_response
from media_assets.api import (
    NOT_MODIFIED,
    PRECONDITION,
    SEARCH_TOO_SLOW,
    IfMatchMixin,
    if_match_parameter,
    limited_search,
)
from media_assets.serializers import check_query_params

ERRORS = {
    400: OpenApiResponse(description="Bad parameter or body."),
    401: OpenApiResponse(description="Bad or missing credentials."),
    403: OpenApiResponse(description="Not allowed for this user."),
    404: OpenApiResponse(description="Not found, or not visible to this user."),
    429: OpenApiResponse(description="Too many requests."),
}
READ_ERRORS = {code: ERRORS[code] for code in (400, 401, 404, 429)}
CONFLICT = {409: OpenApiResponse(description="A stale `version`, or the object is in use.")}
IF_MATCH = if_match_parameter("the object")


def _shape_parameters(names, *, expand=()):
    parameters = [
        OpenApiParameter(
            "fields",
            OpenApiTypes.STR,
            description=f"Comma-separated fields to return, among: {', '.join(names)}.",
        )
    ]
    if expand:
        parameters.append(
            OpenApiParameter(
                "expand",
                OpenApiTypes.STR,
                description=f"Comma-separated related objects to inline: {', '.join(expand)}.",
            )
        )
    return parameters


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict."
    default_code = "conflict"


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The article changed since the version named in If-Match; nothing was saved."
    default_code = "precondition_failed"


def visible_articles(user):
    """The articles ``user`` may read: editors everything, writers the public
    ones and their own, everybody else the public ones (``public()``)."""
    if user and user.is_authenticated:
        if services.can_publish(user):
            return Article.objects.all()
        if user.has_perm("articles.add_article") or user.has_perm("articles.change_article"):
            return Article.objects.public() | Article.objects.filter(created_by=user)
    return Article.objects.public()


class ShapedViewSetMixin:
    """``fields=``, ``expand=`` and the cursor ordering, validated against
    what the serializer declares."""

    read_serializer_class = None
    expandable = ()
    orderings = {}
    default_ordering = ()
    list_omit = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            shaping = ("fields", "expand") if self.expandable else ("fields",)
            check_query_params(self, request, shaping=shaping)

    def _names(self, param, allowed):
        raw = self.request.query_params.get(param)
        if raw is None:
            return None
        names = {name.strip() for name in raw.split(",") if name.strip()}
        unknown = names - set(allowed)
        if unknown:
            raise ValidationError({param: [f"Unknown: {', '.join(sorted(unknown))[:200]}."]})
        return names

    def requested_fields(self):
        fields = self._names("fields", self.read_serializer_class.Meta.fields)
        if fields is not None and not fields:
            raise ValidationError({"fields": ["Name at least one field."]})
        return fields

    def requested_expand(self):
        return self._names("expand", self.expandable) or set()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["expand"] = self.requested_expand()
        return context

    def read(self, instance, **kwargs):
        only = self.requested_fields()
        omit = self.list_omit if kwargs.get("many") else ()
        return self.read_serializer_class(
            instance, only=only, omit=omit, context=self.get_serializer_context(), **kwargs
        )

    def get_cursor_ordering(self, request):
        return self.orderings.get(request.query_params.get("ordering"), self.default_ordering)

    @cache_api_response
    def list(self, request, *args, **kwargs):
        return self.list_response(request)

    def list_response(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.read(page, many=True).data)

    @cache_api_response
    def retrieve(self, request, *args, **kwargs):
        return Response(self.read(self.get_object()).data)

    def get_object(self):
        raw = str(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, ""))
        if not raw.isdigit() or int(raw) > 2**63 - 1:
            raise Http404
        return super().get_object()


# --- articles -----------------------------------------------------------------------


RANK_CURSOR = re.compile(r"rank=([0-9]{1,6})")


def _encode_rank_cursor(start: int) -> str:
    return base64.urlsafe_b64encode(f"rank={start}".encode()).decode().rstrip("=")


def _decode_rank_cursor(value: str | None) -> int:
    """The position a relevance-ordered page starts at; 0 without a cursor,
    400 for one that is not a relevance cursor (a date cursor included)."""
    if not value:
        return 0
    raw = ""
    if len(value) <= 40:
        with contextlib.suppress(ValueError):  # binascii.Error and UnicodeError are ValueErrors
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
    match = RANK_CURSOR.fullmatch(raw)
    if match is None:
        raise ValidationError({"cursor": ["Invalid cursor."]})  # as cms.http's
    return int(match.group(1))


class ArticlePermission(permissions.BasePermission):
    """Checked on every method, list and create included; the services check
    the object-level rules (own drafts, publishing) again."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if view.action == "create":
            return user.has_perm("articles.add_article")
        if view.action in ("publish", "schedule", "withdraw"):
            return services.can_publish(user)
        if view.action == "destroy":
            return user.has_perm("articles.delete_article")
        return user.has_perm("articles.change_article")

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        return services.can_edit(request.user, obj)


ARTICLE_FIELDS = ArticleSerializer.Meta.fields
ARTICLE_WRITE = {
    "request": ArticleWriteSerializer,
}


@extend_schema_view(
    list=extend_schema(
        parameters=_shape_parameters(ARTICLE_FIELDS, expand=ArticleSerializer.EXPANDABLE),
        responses={200: ArticleSerializer(many=True), **READ_ERRORS, **SEARCH_TOO_SLOW},
        description="Articles, newest first; with `q`, best first unless `ordering` names an "
        "order (a ranking's pages end after its newest 200 matches on PostgreSQL). "
        "`body` is left out unless `fields` names it.",
    ),
    retrieve=extend_schema(
        parameters=_shape_parameters(ARTICLE_FIELDS, expand=ArticleSerializer.EXPANDABLE),
        responses={200: ArticleSerializer, **NOT_MODIFIED, **READ_ERRORS},
    ),
    create=extend_schema(
        request=ArticleWriteSerializer,
        responses={201: ArticleSerializer, **ERRORS},
        description="Create a draft credited to the caller.",
    ),
    partial_update=extend_schema(
        request=ArticleWriteSerializer,
        parameters=[IF_MATCH],
        responses={200: ArticleSerializer, **ERRORS, **CONFLICT, **PRECONDITION},
    ),
    destroy=extend_schema(parameters=[IF_MATCH], responses={204: None, **ERRORS, **PRECONDITION}),
)
class ArticleViewSet(ShapedViewSetMixin, viewsets.ModelViewSet):
    """Articles. Readers see public ones; writers also their own; editors all."""

    filterset_class = ArticleFilter
    permission_classes = [ArticlePermission]
    read_serializer_class = ArticleSerializer
    serializer_class = ArticleSerializer
    expandable = ArticleSerializer.EXPANDABLE
    list_omit = ("body",)
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        fields = self.requested_fields()
        queryset = visible_articles(self.request.user).for_api(
            expand=self.requested_expand(), fields=fields
        )
        if self.action == "list" and "body" not in (fields or ()):
            # Bodies are the bulk of a row; lists leave them out.
            queryset = queryset.defer("body")
        if self._sees_unpublished():
            # Drafts have no publication time yet: order them by creation.
            queryset = queryset.with_published_sort()
        return queryset

    def list_response(self, request):
        # A full-text search (?q=) runs under the search page's limits (and,
        # like it, without sequential scans: media_assets.db.search_limits):
        # a word with a few hundred matches, all of them old, makes the walk
        # by date long on a big archive.
        if ranks_by_relevance(request.query_params):
            produce = self._ranked_response
        else:
            produce = super().list_response
        return limited_search(request, lambda: produce(request), seqscan=False)

    def _ranked_response(self, request):
        """?q= best first: the search page's ranking (articles.search
        .ranked_ids) over the articles the other filters keep, paged by
        position in the ranking (the cursor holds it: a ranking has no
        column to continue from)."""
        queryset = self.filter_queryset(self.get_queryset())
        size = self.paginator.get_page_size(request)
        start = _decode_rank_cursor(request.query_params.get("cursor"))
        ids, more = search.ranked_ids(queryset, request.query_params["q"], start=start, count=size)
        found = queryset.in_bulk(ids)
        page = [found[pk] for pk in ids if pk in found]
        url = request.build_absolute_uri()
        previous = None
        if start:
            back = max(0, start - size)
            previous = (
                replace_query_param(url, "cursor", _encode_rank_cursor(back))
                if back
                else remove_query_param(url, "cursor")
            )
        following = (
            replace_query_param(url, "cursor", _encode_rank_cursor(start + size)) if more else None
        )
        results = self.read(page, many=True).data
        return Response({"next": following, "previous": previous, "results": results})

    def _sees_unpublished(self):
        user = self.request.user
        return bool(user and user.is_authenticated)

    @property
    def orderings(self):
        """Each ordering the API names (ARTICLE_ORDERINGS, which also tells
        a search ranked best first from one in another order), as fields."""
        published = "published_sort" if self._sees_unpublished() else "publish_at"
        fields = {"published_at": published, "updated_at": "updated_at", "headline": "headline"}
        orderings = {}
        for name in ARTICLE_ORDERINGS:
            sign = "-" if name.startswith("-") else ""
            orderings[name] = (f"{sign}{fields[name.lstrip('-')]}", f"{sign}id")
        return orderings

    @property
    def default_ordering(self):
        return self.orderings["-published_at"]

    @cache_api_response
    def retrieve(self, request, *args, **kwargs):
        article = self.get_object()
        return self._article_response(article)

    def _article_response(self, article, status_code=status.HTTP_200_OK):
        response = Response(self.read(article).data, status=status_code)
        # If-Match compares the version (cms.http.ApiConditionalGetMiddleware).
        response.etag_prefix = f"v{article.version}-"
        return response

    def _reload(self, article):
        return self.get_queryset().get(pk=article.pk)

    def _write_input(self, *, partial):
        serializer = ArticleWriteSerializer(
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _expected_version(self, article):
        """The version named by If-Match, or None without the header. A stale
        or unreadable one is refused before anything is written."""
        header = self.request.headers.get("If-Match")
        if not header:
            return None
        if header.strip() == "*":
            return article.version
        for tag in parse_etags(header):
            match = re.fullmatch(r'"v(\d{1,10})(?:-[0-9a-f]*)?"', tag)
            if match and int(match.group(1)) == article.version:
                return article.version
        raise PreconditionFailed()

    def create(self, request, *args, **kwargs):
        fields = self._write_input(partial=False)
        fields.pop("version", None)
        article = services.article_create(user=request.user, **fields)
        return self._article_response(self._reload(article), status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        article = self.get_object()
        from_header = self._expected_version(article)
        fields = self._write_input(partial=True)
        from_body = fields.pop("version", None)
        if from_body is not None and from_body != article.version:
            raise Conflict(
                f"The article is at version {article.version}; you edited version {from_body}."
            )
        expected = from_header if from_header is not None else from_body
        try:
            article = services.article_update(
                article=article, user=request.user, expected_version=expected, **fields
            )
        except services.EditConflict as conflict:
            if from_header is not None:
                raise PreconditionFailed(str(conflict)) from None
            raise Conflict(str(conflict)) from None
        return self._article_response(self._reload(article))

    def destroy(self, request, *args, **kwargs):
        article = self.get_object()
        self._expected_version(article)
        services.article_delete(article=article, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _transition(self, service, **kwargs):
        article = self.get_object()
        self._expected_version(article)
        article = service(article=article, user=self.request.user, **kwargs)
        return self._article_response(self._reload(article))

    @extend_schema(
        request=None,
        parameters=[IF_MATCH],
        responses={200: ArticleSerializer, **ERRORS, **PRECONDITION},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send a draft to the editors (its writer or an editor)."""
        return self._transition(services.article_submit)

    @extend_schema(
        request=PublishSerializer,
        parameters=[IF_MATCH],
        responses={200: ArticleSerializer, **ERRORS, **PRECONDITION},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish now, or at `publish_at` (editors only)."""
        serializer = PublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._transition(
            services.article_publish, publish_at=serializer.validated_data.get("publish_at")
        )

    @extend_schema(
        request=ScheduleSerializer,
        parameters=[IF_MATCH],
        responses={200: ArticleSerializer, **ERRORS, **PRECONDITION},
    )
    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        """Publish at a future time (editors only)."""
        serializer = ScheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._transition(
            services.article_schedule, publish_at=serializer.validated_data["publish_at"]
        )

    @extend_schema(
        request=None,
        parameters=[IF_MATCH],
        responses={200: ArticleSerializer, **ERRORS, **PRECONDITION},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take a published article off the site (editors only)."""
        return self._transition(services.article_withdraw)


# --- categories, authors, tags -------------------------------------------------------


class TaxonomyPermission(permissions.BasePermission):
    """Reading is open; writing needs the admin's model permission."""

    actions = {"POST": "add", "PATCH": "change", "PUT": "change", "DELETE": "delete"}

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if not (user and user.is_authenticated):
            return False
        model = view.model
        action = self.actions.get(request.method)
        return bool(
            action and user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}")
        )


class TaxonomyViewSet(IfMatchMixin, ShapedViewSetMixin, viewsets.ModelViewSet):
    """Shared by categories, authors and tags: open reading with counts of
    public articles, writes through ``services.taxonomy_save``."""

    model = None
    write_serializer_class = None
    permission_classes = [TaxonomyPermission]
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    orderings = {"name": ("name", "id"), "-name": ("-name", "-id"), "id": ("id",)}
    default_ordering = ("name", "id")

    # The Article relation whose public articles ``article_count`` counts.
    counted_through = ""

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return self.write_serializer_class
        return self.read_serializer_class

    def read(self, instance, **kwargs):
        """Counts come after the page is chosen, from the kept counts
        (``articles.term_counts``): one query for the page's rows, plus a
        recount of the terms that changed (none when ``fields`` leaves
        ``article_count`` out)."""
        fields = self.requested_fields()
        if fields is None or "article_count" in fields:
            rows = list(instance) if kwargs.get("many") else [instance]
            counts = term_counts.public_counts(self.counted_through, [row.pk for row in rows])
            for row in rows:
                row.article_count = counts.get(row.pk, 0)
        return super().read(instance, **kwargs)

    def if_match_data(self, instance):
        return self.read(instance).data

    def _write(self, instance, *, partial, status_code):
        serializer = self.write_serializer_class(instance, data=self.request.data, partial=partial)
        unknown = set(getattr(self.request.data, "keys", dict)()) - set(serializer.fields)
        if unknown:
            raise ValidationError({name: ["This field cannot be set."] for name in sorted(unknown)})
        serializer.is_valid(raise_exception=True)
        instance = services.taxonomy_save(
            instance=instance or self.model(), user=self.request.user, **serializer.validated_data
        )
        return Response(self.read(self.get_queryset().get(pk=instance.pk)).data, status=status_code)

    def create(self, request, *args, **kwargs):
        return self._write(None, partial=False, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        with transaction.atomic():
            instance = self.get_object()
            self.check_if_match(instance)
            return self._write(instance, partial=True, status_code=status.HTTP_200_OK)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            instance = self.get_object()
            if not request.user.has_perm(
                f"{self.model._meta.app_label}.delete_{self.model._meta.model_name}"
            ):
                raise PermissionDenied()
            self.check_if_match(instance)
            services.taxonomy_delete(instance=instance, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _taxonomy_schema(read, write, name):
    fields = read.Meta.fields
    return extend_schema_view(
        list=extend_schema(
            parameters=_shape_parameters(fields),
            responses={200: read(many=True), **READ_ERRORS},
        ),
        retrieve=extend_schema(
            parameters=_shape_parameters(fields),
            responses={200: read, **NOT_MODIFIED, **READ_ERRORS},
        ),
        create=extend_schema(request=write, responses={201: read, **ERRORS}),
        partial_update=extend_schema(
            request=write,
            parameters=[IF_MATCH],
            responses={200: read, **ERRORS, **PRECONDITION},
        ),
        destroy=extend_schema(
            parameters=[IF_MATCH],
            responses={
                204: None,
                409: OpenApiResponse(description=f"The {name} is in use."),
                **ERRORS,
                **PRECONDITION,
            },
        ),
    )


@_taxonomy_schema(CategorySerializer, CategoryWriteSerializer, "category")
class CategoryViewSet(TaxonomyViewSet):
    """Sections and sub-sections, with parent, path and children."""

    model = Category
    filterset_class = CategoryFilter
    read_serializer_class = serializer_class = CategorySerializer
    write_serializer_class = CategoryWriteSerializer
    orderings = {
        **TaxonomyViewSet.orderings,
        "position": ("position", "id"),
    }
    default_ordering = ("position", "id")

    counted_through = TermCount.Kind.SECTION

    def get_queryset(self):
        return Category.objects.select_related("parent__parent").prefetch_related("children")


@_taxonomy_schema(AuthorSerializer, AuthorWriteSerializer, "author")
class AuthorViewSet(TaxonomyViewSet):
    model = Author
    filterset_class = AuthorFilter
    read_serializer_class = serializer_class = AuthorSerializer
    write_serializer_class = AuthorWriteSerializer

    counted_through = TermCount.Kind.AUTHOR

    def get_queryset(self):
        return Author.objects.select_related("photo").prefetch_related("photo__renditions")


@_taxonomy_schema(TagSerializer, TagWriteSerializer, "tag")
class TagViewSet(TaxonomyViewSet):
    model = Tag
    filterset_class = TagFilter
    read_serializer_class = serializer_class = TagSerializer
    write_serializer_class = TagWriteSerializer

    counted_through = TermCount.Kind.TAG

    def get_queryset(self):
        return Tag.objects.all()
