"""The media API: photos looked up by Media ID (DESIGN.md §5).

Readers see only photos whose rights have not expired; the photo desk (the
model permissions of the admin) sees and manages everything.
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError, transaction
from django.http import Http404
from django.utils.module_loading import import_string
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import permissions, status, viewsets
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from cms.caching import cache_api_response
from media_assets import services, usage
from media_assets.db import is_statement_timeout, search_limits
from media_assets.filters import MediaFilter
from media_assets.models import MediaAsset
from media_assets.serializers import (
    MediaSerializer,
    MediaUploadSerializer,
    MediaWriteSerializer,
    check_query_params,
)

MEDIA_ORDERINGS = {
    "-created_at": ("-created_at", "-id"),
    "created_at": ("created_at", "id"),
    "-media_id": ("-media_id",),
    "media_id": ("media_id",),
}
SHAPE_PARAMETERS = [
    OpenApiParameter(
        "fields",
        OpenApiTypes.STR,
        description="Comma-separated names of the fields to return.",
    ),
]
ERRORS = {
    400: OpenApiResponse(description="Bad parameter or body."),
    401: OpenApiResponse(description="Bad credentials."),
    403: OpenApiResponse(description="Not allowed for this user."),
    404: OpenApiResponse(description="No such photo, or not visible to this user."),
    429: OpenApiResponse(description="Too many requests."),
}
NOT_MODIFIED = {
    304: OpenApiResponse(description="Not modified (If-None-Match / If-Modified-Since).")
}
PRECONDITION = {
    412: OpenApiResponse(description="If-Match names a stale ETag; nothing was changed."),
}
logger = logging.getLogger(__name__)

SEARCH_TIMED_OUT = (
    "The search took too long and was stopped. Try more specific words or add a filter."
)
SEARCH_TOO_SLOW = {503: OpenApiResponse(description=f"`q` only: {SEARCH_TIMED_OUT}")}


def limited_search(request, produce, *, seqscan=True):
    """``produce()``, a list's response, under the search timeout when the
    request searches (``?q=``; PostgreSQL, ``media_assets.db.search_limits``):
    a search's cost depends on what the caller types, so it gets the search
    page's limit, not only the connection's far longer
    DB_STATEMENT_TIMEOUT_MS. Past it: 503 with a clear message, never
    cached. ``produce`` must evaluate everything (the page and its
    serialization) before it returns."""
    if not request.query_params.get("q", "").strip():
        return produce()
    try:
        with search_limits(seqscan=seqscan):
            return produce()
    except OperationalError as error:
        if not is_statement_timeout(error):
            raise
        logger.warning("API search timed out: %s %r", request.path, request.query_params["q"][:200])
        response = Response(
            {"detail": SEARCH_TIMED_OUT}, status=status.HTTP_503_SERVICE_UNAVAILABLE
        )
        response["Cache-Control"] = "no-store"
        return response


def if_match_parameter(what: str) -> OpenApiParameter:
    """The If-Match header as the schema documents it (IfMatchMixin)."""
    return OpenApiParameter(
        "If-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description=f"The ETag a GET of {what} gave; a stale one gives 412.",
    )


IF_MATCH = if_match_parameter("this photo")


class Conflict(APIException):
    status_code = 409
    default_detail = "Conflict."
    default_code = "conflict"


class StorageUnavailable(APIException):
    """Media storage is full, read-only or unreachable: the upload was not
    stored, and a retry may work once it is fixed."""

    status_code = 503
    default_detail = services.MediaStorageUnavailable.message
    default_code = "storage_unavailable"


class IfMatchMixin:
    """PATCH and DELETE of a ``ModelViewSet`` honour ``If-Match``: 412 unless
    it names the ETag a GET of the same URL would give this user now (no
    header: no check). For rows without a version number; articles have one
    and compare it instead (``articles.api``).

    The ETag is a hash of what GET sends, so ``check_if_match`` renders that
    same representation (``if_match_data``) and compares with
    ``settings.API_IF_MATCH_CHECK``, which computes ETags as GET's middleware
    does. The view calls it inside the write's transaction, after
    ``get_object()``: the row is locked (``filter_queryset``) until the write
    commits, so that two writers holding one ETag cannot both pass. Rather
    than add version columns: no migration, and the ETags clients already
    hold stay valid. Anything else GET shows (a usage or article count) also
    makes an ETag stale, which only costs the client a fresh GET.

    Also used by the categories, authors and tags of ``articles.api``
    (imports run articles -> media_assets, never back).
    """

    if_match_actions = ("partial_update", "destroy")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action in self.if_match_actions and self.request.headers.get("If-Match"):
            queryset = queryset.select_for_update(of=("self",))
        return queryset

    def if_match_data(self, instance):
        """The data a GET of this URL would serialize for ``instance``."""
        raise NotImplementedError

    def check_if_match(self, instance):
        def representation():
            return self.request.accepted_renderer.render(
                self.if_match_data(instance),
                self.request.accepted_media_type,
                self.get_renderer_context(),
            )

        import_string(settings.API_IF_MATCH_CHECK)(self.request, representation)


def can_manage_media(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("media_assets.view_mediaasset"))


def attach_usage_counts(assets, *, public_only: bool):
    """Set ``usage_count`` on each asset from the usage registry
    (``media_assets.usage.count_uses_of``): a fixed number of queries per
    page, whatever its size and however many uses each photo has, counted by
    the database. For readers, uses by objects that are not public (a draft
    article: ``is_public`` false) are not counted, so no draft shows through."""
    counts = usage.count_uses_of(assets, public_only=public_only)
    for asset in assets:
        asset.usage_count = counts.get(asset.pk, 0)
    return assets


class MediaPermission(permissions.BasePermission):
    """Reading is open (the queryset decides what is visible); writing needs
    the admin's model permission for the method, on every method."""

    perms = {"POST": "add", "PATCH": "change", "PUT": "change", "DELETE": "delete"}

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        if not (request.user and request.user.is_authenticated):
            return False
        action = self.perms.get(request.method)
        return bool(action and request.user.has_perm(f"media_assets.{action}_mediaasset"))


@extend_schema_view(
    list=extend_schema(
        parameters=SHAPE_PARAMETERS,
        responses={200: MediaSerializer(many=True), **ERRORS, **SEARCH_TOO_SLOW},
    ),
    retrieve=extend_schema(
        parameters=SHAPE_PARAMETERS, responses={200: MediaSerializer, **NOT_MODIFIED, **ERRORS}
    ),
    create=extend_schema(
        request={"multipart/form-data": MediaUploadSerializer},
        responses={
            201: MediaSerializer,
            409: OpenApiResponse(description="The same file exists; `media_id` names it."),
            413: OpenApiResponse(description="Body too large."),
            **ERRORS,
        },
    ),
    partial_update=extend_schema(
        request=MediaWriteSerializer,
        parameters=[IF_MATCH],
        responses={200: MediaSerializer, **ERRORS, **PRECONDITION},
    ),
    destroy=extend_schema(
        parameters=[IF_MATCH],
        responses={
            204: None,
            409: OpenApiResponse(description="The photo is in use."),
            **ERRORS,
            **PRECONDITION,
        },
    ),
)
class MediaViewSet(IfMatchMixin, viewsets.ModelViewSet):
    """Photos, looked up by Media ID."""

    lookup_field = "media_id"
    lookup_value_regex = r"[0-9]{1,18}"
    filterset_class = MediaFilter
    permission_classes = [MediaPermission]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            check_query_params(self, request)

    def get_queryset(self):
        user = self.request.user
        if can_manage_media(user):
            queryset = MediaAsset.objects.all()
        else:
            queryset = MediaAsset.objects.public()
        return queryset.prefetch_renditions()

    @cache_api_response
    def list(self, request, *args, **kwargs):
        # ?q= is a substring search on title, caption and credit (trigram
        # indexes on PostgreSQL, migration 0002), under the search timeout.
        return limited_search(request, lambda: self._list_response(request))

    def _list_response(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        attach_usage_counts(page, public_only=not can_manage_media(request.user))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @cache_api_response
    def retrieve(self, request, *args, **kwargs):
        asset = self.get_object()
        attach_usage_counts([asset], public_only=not can_manage_media(request.user))
        return Response(self.get_serializer(asset).data)

    def get_cursor_ordering(self, request):
        return MEDIA_ORDERINGS.get(
            request.query_params.get("ordering"), MEDIA_ORDERINGS["-created_at"]
        )

    def get_serializer_class(self):
        if self.action == "create":
            return MediaUploadSerializer
        if self.action == "partial_update":
            return MediaWriteSerializer
        return MediaSerializer

    def get_serializer(self, *args, **kwargs):
        if self.get_serializer_class() is MediaSerializer and "only" not in kwargs:
            kwargs["only"] = self.requested_fields()
        return super().get_serializer(*args, **kwargs)

    def requested_fields(self):
        raw = self.request.query_params.get("fields")
        if raw is None:
            return None
        names = {name.strip() for name in raw.split(",") if name.strip()}
        unknown = names - set(MediaSerializer.Meta.fields)
        if unknown or not names:
            raise ValidationError(
                {"fields": [f"Unknown field(s): {', '.join(sorted(unknown)) or '(none given)'}."]}
            )
        return names

    def get_object(self):
        raw = self.kwargs.get(self.lookup_field, "")
        if not raw.isdigit() or int(raw) > 2**63 - 1:
            raise Http404
        return super().get_object()

    def _read(self, asset, status_code=status.HTTP_200_OK):
        asset = MediaAsset.objects.prefetch_renditions().get(pk=asset.pk)
        attach_usage_counts([asset], public_only=False)
        return Response(
            MediaSerializer(asset, context=self.get_serializer_context()).data, status=status_code
        )

    def create(self, request, *args, **kwargs):
        serializer = MediaUploadSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        upload = fields.pop("file")
        try:
            asset = services.media_create(file=upload, uploaded_by=request.user, **fields)
        except services.DuplicateMedia as duplicate:
            return Response(
                {
                    "detail": "This file has already been uploaded.",
                    "media_id": duplicate.existing.media_id,
                },
                status=status.HTTP_409_CONFLICT,
            )
        except DjangoValidationError as error:
            if hasattr(error, "error_dict"):
                raise ValidationError(error.message_dict) from None
            raise ValidationError({"file": list(error.messages)}) from None
        except services.MediaStorageUnavailable:
            raise StorageUnavailable() from None
        return self._read(asset, status.HTTP_201_CREATED)

    def if_match_data(self, asset):
        attach_usage_counts([asset], public_only=not can_manage_media(self.request.user))
        return MediaSerializer(
            asset, only=self.requested_fields(), context=self.get_serializer_context()
        ).data

    def partial_update(self, request, *args, **kwargs):
        with transaction.atomic():
            asset = self.get_object()
            self.check_if_match(asset)
            serializer = MediaWriteSerializer(asset, data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            asset = services.media_update(asset=asset, **serializer.validated_data)
        return self._read(asset)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            asset = self.get_object()
            self.check_if_match(asset)
            try:
                services.media_delete(asset=asset)
            except services.MediaInUse as in_use:
                raise Conflict(str(in_use)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)
