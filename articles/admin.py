"""The newsroom admin. Article writes go through articles.services (the same
rules as the API and importers); the admin adds the workflow buttons, the
version check, the soft lock, revisions (history, diff, revert) and preview."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from articles import locks, services
from articles.forms import (
    PUBLISHER_ACTIONS,
    WORKFLOW_ACTIONS,
    ArticleActionForm,
    ArticleAdminForm,
    workflow_action,
)
from articles.models import Article, ArticleAuthor, Author, Category, Tag
from articles.revisions import record_relations, revision_diff
from media_assets.admin import ScaledChangeList
from media_assets.models import MediaAsset
from media_assets.pagination import EstimatedCountPaginator

Status = Article.Status
# The form fields that article_create / article_update take as content.
CONTENT_FIELDS = (
    "headline", "slug", "dek", "body", "byline", "section", "language", "translation_of",
    "lead_media", "lead_caption", "expires_at", "legacy_source", "legacy_id", "legacy_url",
    "seo_title", "seo_description",
)  # fmt: skip


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent", "position"]
    list_editable = ["position"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user"]
    list_select_related = ["user"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["photo", "user"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class ArticleAuthorInline(admin.TabularInline):
    model = ArticleAuthor
    extra = 1
    autocomplete_fields = ["author"]
    fields = ["author", "position"]

    # The byline is part of the article: whoever may edit the article edits
    # its authors (as Django does for auto-created m2m tables). The roles
    # hold no ArticleAuthor permissions, which hid the inline from them.
    def _may_edit(self, request, obj):
        if obj is None:
            return request.user.has_perm("articles.add_article")
        return services.can_edit(request.user, obj)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("articles.view_article") or self._may_edit(request, obj)

    def has_add_permission(self, request, obj):
        return self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request, obj)


# --- changelist filters ----------------------------------------------------------


class AuthorFilter(admin.SimpleListFilter):
    title = "author"
    parameter_name = "author"

    def lookups(self, request, model_admin):
        return list(Author.objects.values_list("pk", "name"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(article_authors__author_id=self.value())
        return queryset


class ScheduleFilter(admin.SimpleListFilter):
    title = "schedule"
    parameter_name = "scheduled"

    def lookups(self, request, model_admin):
        return [
            ("scheduled", "Scheduled (publishes later)"),
            ("expiring", "Expires later"),
            ("expired", "Expired"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "scheduled":
            return queryset.filter(status=Status.PUBLISHED, publish_at__gt=now)
        if self.value() == "expiring":
            return queryset.filter(expires_at__gt=now)
        if self.value() == "expired":
            return queryset.filter(expires_at__lte=now)
        return queryset


class MineFilter(admin.SimpleListFilter):
    title = "mine"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("created", "Created by me"), ("updated", "Last changed by me")]

    def queryset(self, request, queryset):
        if self.value() == "created":
            return queryset.filter(created_by=request.user)
        if self.value() == "updated":
            return queryset.filter(updated_by=request.user)
        return queryset


# --- the article admin -----------------------------------------------------------


class ArticleChangeList(ScaledChangeList):
    """The status filter's "published" also says what the check constraint
    article_published_has_publish_at already guarantees: a publication
    time. Newest first, every draft (no publication time) comes first in
    article_pub_idx, and PostgreSQL, which takes published rows to be spread
    evenly through the index, walked past all of them testing each one's
    status before the first published row (104 ms at 1 000 000 articles
    with 20 000 drafts); with "publication time not null" the index is read
    from its first dated row (2 ms). The rows are the same."""

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        if self.params.get("status__exact") == Article.Status.PUBLISHED:
            queryset = queryset.filter(publish_at__isnull=False)
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    action_form = ArticleActionForm
    list_display = [
        "headline",
        "lead_thumbnail",
        "status_label",
        "section",
        "author_names",
        "publish_at",
        "updated_at",
    ]
    list_filter = ["status", ScheduleFilter, "section", "language", AuthorFilter, MineFilter]
    list_select_related = ["section", "lead_media"]
    list_per_page = 100
    search_fields = ["headline", "dek", "=legacy_id"]
    date_hierarchy = "publish_at"
    # A million rows: no COUNT(*) of the whole table on each load, and a
    # planner estimate instead of an exact count for big filtered lists.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section", "categories", "tags", "lead_media", "translation_of"]
    readonly_fields = [
        "status_label",
        "lead_preview",
        "version",
        "word_count",
        "first_published_at",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
    ]
    inlines = [ArticleAuthorInline]
    actions = ["publish_selected", "schedule_selected", "withdraw_selected"]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "dek", "body", "loaded_version"]}),
        ("Byline and placement", {"fields": ["byline", "section", "categories", "tags"]}),
        ("Lead photo", {"fields": ["lead_media", "lead_preview", "lead_caption"]}),
        (
            "Publication",
            {
                "fields": ["status_label", "publish_at", "expires_at", "language"],
                "description": "“Publish” uses the publication time: empty or past publishes "
                "now, a future time schedules the article (it appears then, no cron needed).",
            },
        ),
        (
            "Search engines and legacy",
            {
                "classes": ["collapse"],
                "fields": [
                    "seo_title",
                    "seo_description",
                    "translation_of",
                    "legacy_source",
                    "legacy_id",
                    "legacy_url",
                ],
            },
        ),
        (
            "Record",
            {
                "classes": ["collapse"],
                "fields": [
                    "version",
                    "word_count",
                    "first_published_at",
                    "created_at",
                    "updated_at",
                    "created_by",
                    "updated_by",
                ],
            },
        ),
    ]

    class Media:
        js = ["articles/admin/article_form.js"]
        css = {"all": ["articles/admin/article_admin.css"]}

    # --- queries ---------------------------------------------------------------

    def get_queryset(self, request):
        # The changelist's authors column reads this prefetch (one query for
        # the page, not one per row).
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "article_authors",
                    queryset=ArticleAuthor.objects.select_related("author").order_by(
                        "position", "id"
                    ),
                )
            )
        )

    # --- permissions: writers edit their own drafts, editors everything ----------

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return services.can_edit(request.user, obj)

    def has_publish_permission(self, request):
        return services.can_publish(request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not services.can_publish(request.user):
            fields.append("publish_at")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user
        return form

    # --- list columns ----------------------------------------------------------

    @admin.display(description="photo")
    def lead_thumbnail(self, obj):
        if not obj.lead_media or not obj.lead_media.file:
            return "—"
        return format_html(
            '<img src="{}" alt="" width="60" style="height:auto" loading="lazy">',
            obj.lead_media.file.url,
        )

    def get_search_results(self, request, queryset, search_term):
        # The full-text index (articles.search, every status) instead of
        # LIKE '%…%' scans over headline and dek; legacy IDs still match exactly.
        # The matches are filtered in place, not through "pk IN (matches)":
        # the changelist's own order (newest first) then walks the date
        # index and tests each article, which meets common words at once;
        # the IN made PostgreSQL collect every match first (0.4 s for "oil"
        # at 100 000 articles). A legacy ID (an indexed lookup) is added only
        # when one matches, since an OR would defeat that walk.
        term = search_term.strip()
        if not term:
            return queryset, False
        # Newest first, as the list is without a search (search() would sort
        # by relevance, and ranking every match is what is slow).
        found = queryset.search(term).order_by(*queryset.query.order_by)
        legacy = list(queryset.filter(legacy_id=term[:64]).values_list("pk", flat=True)[:10])
        if legacy:
            found = queryset.filter(pk__in=found.values("pk")) | queryset.filter(pk__in=legacy)
        return found, False

    def get_changelist(self, request, **kwargs):
        # A date drill-down that probes the index (none while searching), and
        # the status's own index when one status is chosen.
        return ArticleChangeList

    @admin.display(description="status", ordering="status")
    def status_label(self, obj):
        label = obj.get_status_display()
        now = timezone.now()
        if obj.status == Status.PUBLISHED and obj.publish_at and obj.publish_at > now:
            label = f"Scheduled for {timezone.localtime(obj.publish_at):%d %b %Y %H:%M}"
        elif obj.status == Status.PUBLISHED and obj.expires_at and obj.expires_at <= now:
            label = "Expired"
        return format_html('<span class="article-status status-{}">{}</span>', obj.status, label)

    @admin.display(description="authors")
    def author_names(self, obj):
        return ", ".join(link.author.name for link in obj.article_authors.all()) or "—"

    @admin.display(description="current photo")
    def lead_preview(self, obj):
        asset = obj.lead_media if obj and obj.pk else None
        if asset is None:
            return "—"
        image = (
            format_html('<img src="{}" alt="" width="160">', asset.file.url) if asset.file else ""
        )
        return format_html(
            '<div class="lead-preview">{}<p>Media ID {} — {} <em>{}</em></p></div>',
            image,
            asset.media_id or asset.pk,
            asset.caption,
            asset.credit,
        )

    # --- saving through the services ----------------------------------------------

    def save_model(self, request, obj, form, change):
        """Write through article_create / article_update (version-checked),
        then apply the workflow button, if one was pressed. created_by and
        updated_by are set by the services."""
        data = {name: form.cleaned_data[name] for name in CONTENT_FIELDS if name in form.fields}
        relations = {
            name: form.cleaned_data[name] for name in ("tags", "categories") if name in form.fields
        }
        if change:
            saved = services.article_update(
                article=obj,
                user=request.user,
                expected_version=form.cleaned_data.get("loaded_version"),
                **data,
                **relations,
            )
        else:
            saved = services.article_create(user=request.user, **data, **relations)
        # Revisions recorded by this request have this version or a later
        # one (the row stays locked until the request's transaction ends);
        # save_related stores the authors on them once the inlines are saved.
        obj._first_revision_version = saved.version
        saved = self._apply_workflow(request, saved, form)
        # The admin carries on with ``obj`` (inlines, log entry, redirect).
        for field in Article._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False
        locks.lock_release(obj.pk, request.user)

    def _apply_workflow(self, request, article, form):
        action = workflow_action(request.POST)
        user = request.user
        if action == "_submit":
            article = services.article_submit(article=article, user=user)
            self.message_user(request, f"“{article}” was sent to the editors for review.")
        elif action == "_return_to_draft":
            article = services.article_return_to_draft(article=article, user=user)
            self.message_user(request, f"“{article}” is a draft again.")
        elif action == "_withdraw":
            article = services.article_withdraw(article=article, user=user)
            self.message_user(request, f"“{article}” was withdrawn from the site.")
        elif action == "_publish":
            article = services.article_publish(
                article=article, user=user, publish_at=form.cleaned_data.get("publish_at")
            )
            self.message_user(request, self._published_message(article))
        elif (
            article.status == Status.PUBLISHED
            and services.can_publish(user)
            and form.cleaned_data.get("publish_at")
            and form.cleaned_data["publish_at"] != article.publish_at
        ):
            # An editor moved the time of a published article: re-schedule it.
            article = services.article_publish(
                article=article, user=user, publish_at=form.cleaned_data["publish_at"]
            )
            self.message_user(request, self._published_message(article))
        return article

    @staticmethod
    def _published_message(article):
        if article.publish_at > timezone.now():
            when = timezone.localtime(article.publish_at).strftime("%d %b %Y %H:%M")
            return f"“{article}” is scheduled: it appears on the site at {when}."
        return f"“{article}” is published."

    def save_related(self, request, form, formsets, change):
        # Tags and categories were set by the service; only the inlines remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
        # The authors inline saves after the service recorded this save's
        # revision(s): update their relations snapshot to what was saved.
        first = getattr(form.instance, "_first_revision_version", None)
        if first is not None:
            record_relations([form.instance.pk], since_version=first - 1)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.EditConflict:
            # Someone saved between our form check and the write (the write
            # was refused and rolled back). A second pass validates against
            # the newer version and shows the form again, filled, with who
            # saved and when.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def response_add(self, request, obj, post_url_continue=None):
        if workflow_action(request.POST):
            return HttpResponseRedirect(self._change_url(obj))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if workflow_action(request.POST):
            return HttpResponseRedirect(self._change_url(obj))
        return super().response_change(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        user = request.user
        can_edit = add or (obj is not None and services.can_edit(user, obj))
        status = obj.status if obj is not None else Status.DRAFT
        buttons = []
        if can_edit:
            for name, (label, allowed) in WORKFLOW_ACTIONS.items():
                if status in allowed and (
                    name not in PUBLISHER_ACTIONS or services.can_publish(user)
                ):
                    if name == "_publish" and status == Status.PUBLISHED:
                        label = "Update publication time"
                    buttons.append((name, label))
        context.update(
            workflow_buttons=buttons,
            preview_url=(
                reverse("admin:articles_article_preview", args=[obj.pk])
                if obj is not None
                else reverse("admin:articles_article_preview_new")
            ),
            lock_url=(
                reverse("admin:articles_article_lock", args=[obj.pk])
                if obj is not None and can_edit
                else ""
            ),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        if request.method == "GET":
            article = self.get_object(request, object_id)
            if article is not None and services.can_edit(request.user, article):
                held = locks.lock_acquire(article.pk, request.user)
                if held is not None:
                    extra_context["edit_lock"] = held
        return super().change_view(request, object_id, form_url, extra_context)

    # --- bulk actions -------------------------------------------------------------

    def _bulk(self, request, queryset, verb, call):
        done, refused = [], []
        for article in queryset.select_related("section"):
            try:
                call(article)
                done.append(article.headline)
            except (ValidationError, PermissionDenied) as error:
                reason = "; ".join(getattr(error, "messages", None) or [str(error)])
                refused.append(f"“{article.headline}” ({reason})")
        if done:
            self.message_user(
                request,
                f"{verb.capitalize()} {len(done)} article{'s' if len(done) != 1 else ''}: "
                + ", ".join(f"“{h}”" for h in done)
                + ".",
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request,
                f"Not {verb} ({len(refused)}): " + "; ".join(refused),
                messages.WARNING,
            )

    @admin.action(permissions=["publish"], description="Publish now")
    def publish_selected(self, request, queryset):
        self._bulk(
            request,
            queryset,
            "published",
            lambda a: services.article_publish(article=a, user=request.user),
        )

    @admin.action(permissions=["publish"], description="Schedule at the time given")
    def schedule_selected(self, request, queryset):
        form = ArticleActionForm(request.POST)
        form.fields["action"].choices = self.get_action_choices(request)
        form.is_valid()
        publish_at = form.cleaned_data.get("publish_at")
        if not publish_at:
            self.message_user(
                request, "Give the time to schedule at, next to the action.", messages.ERROR
            )
            return
        self._bulk(
            request,
            queryset,
            "scheduled",
            lambda a: services.article_schedule(
                article=a, user=request.user, publish_at=publish_at
            ),
        )

    @admin.action(permissions=["publish"], description="Unpublish (withdraw)")
    def withdraw_selected(self, request, queryset):
        self._bulk(
            request,
            queryset,
            "withdrawn",
            lambda a: services.article_withdraw(article=a, user=request.user),
        )

    # --- extra views: preview, revisions, lock, media lookup ------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("preview/", view(self.preview_view), name="articles_article_preview_new"),
            path(
                "media-lookup/", view(self.media_lookup_view), name="articles_article_media_lookup"
            ),
            path(
                "<path:object_id>/preview/",
                view(self.preview_view),
                name="articles_article_preview",
            ),
            path("<path:object_id>/lock/", view(self.lock_view), name="articles_article_lock"),
            path(
                "<path:object_id>/revisions/compare/",
                view(self.compare_view),
                name="articles_article_compare",
            ),
            path(
                "<path:object_id>/revisions/<int:history_id>/revert/",
                view(self.revert_view),
                name="articles_article_revert",
            ),
            *super().get_urls(),
        ]

    def _change_url(self, obj):
        return reverse("admin:articles_article_change", args=[obj.pk])

    def _get_viewable(self, request, object_id):
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404("No such article.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def preview_view(self, request, object_id=None):
        """The public article template, for a saved article (GET) or for the
        form's unsaved content (POST). An unsaved preview is written inside a
        transaction that is always rolled back, so the page is rendered by
        exactly the code readers get and nothing is kept."""
        obj = self._get_viewable(request, object_id) if object_id else None
        if request.method == "POST":
            if obj is None and not self.has_add_permission(request):
                raise PermissionDenied
            if obj is not None and not self.has_change_permission(request, obj):
                raise PermissionDenied
            response = self._preview_unsaved(request, obj)
        else:
            if obj is None:
                raise Http404("Preview an unsaved article from its form.")
            response = self._render_preview(request, obj.pk)
        # Never cached, never indexed.
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    def _render_preview(self, request, pk):
        article = Article.objects.for_detail().get(pk=pk)
        return render(
            request,
            "articles/article_detail.html",
            {
                "article": article,
                "section": article.section,
                "preview": True,
                "site_url": settings.SITE_URL,
                "related": [],
                "translations": [],
            },
        )

    def _preview_unsaved(self, request, obj):
        form_class = self.get_form(request, obj, change=obj is not None)
        form_class.for_preview = True
        form = form_class(request.POST, request.FILES, instance=obj)
        with transaction.atomic():
            if form.is_valid():
                article = form.save(commit=False)
                if obj is None:
                    article.created_by = request.user
                article.updated_by = request.user
                article.save()
                form.save_m2m()
                formsets, _ = self._create_formsets(request, article, change=obj is not None)
                for formset in formsets:
                    if formset.is_valid():
                        formset.save()
                response = self._render_preview(request, article.pk)
            else:
                response = TemplateResponse(
                    request,
                    "admin/articles/article/preview_errors.html",
                    {**self.admin_site.each_context(request), "form": form, "opts": self.opts},
                    status=400,
                )
                response.render()
            transaction.set_rollback(True)
        return response

    def lock_view(self, request, object_id):
        if request.method != "POST":
            return JsonResponse({"error": "POST only."}, status=405)
        obj = self._get_viewable(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        held = locks.lock_acquire(obj.pk, request.user)
        return JsonResponse(
            {"held_by": held.username if held else None, "message": held.message() if held else ""}
        )

    def media_lookup_view(self, request):
        """The body editor's "insert photo by Media ID"."""
        if not request.user.has_perm("media_assets.view_mediaasset"):
            return JsonResponse({"error": "You may not look up photos."}, status=403)
        raw = request.GET.get("media_id", "").strip()
        asset = MediaAsset.objects.filter(media_id=int(raw)).first() if raw.isdigit() else None
        if asset is None:
            return JsonResponse({"error": f"No photo with Media ID {raw[:20]}."}, status=404)
        return JsonResponse(
            {
                "media_id": asset.media_id,
                "src": asset.file.url if asset.file else "",
                "alt": asset.alt_text,
                "caption": asset.caption,
                "credit": asset.credit,
            }
        )

    def history_view(self, request, object_id, extra_context=None):
        """Revisions: who saved, when and what; compare any two; revert."""
        obj = self._get_viewable(request, object_id)
        revisions = list(
            obj.history.select_related("history_user").order_by("-history_date", "-history_id")[
                :500
            ]
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Revisions of “{obj}”",
            "subtitle": None,
            "opts": self.opts,
            "original": obj,
            "revisions": revisions,
            "can_revert": self.has_change_permission(request, obj),
            "compare_url": reverse("admin:articles_article_compare", args=[obj.pk]),
        }
        return TemplateResponse(request, "admin/articles/article/revisions.html", context)

    def compare_view(self, request, object_id):
        obj = self._get_viewable(request, object_id)
        history = obj.history.select_related("history_user")
        try:
            ids = sorted({int(request.GET["a"]), int(request.GET["b"])})
        except (KeyError, ValueError):
            return HttpResponseRedirect(reverse("admin:articles_article_history", args=[obj.pk]))
        old = get_object_or_404(history, history_id=ids[0])
        new = get_object_or_404(history, history_id=ids[-1])
        context = {
            **self.admin_site.each_context(request),
            "title": f"Changes to “{obj}”",
            "subtitle": None,
            "opts": self.opts,
            "original": obj,
            "old": old,
            "new": new,
            "changes": revision_diff(old, new),
            "can_revert": self.has_change_permission(request, obj),
        }
        return TemplateResponse(request, "admin/articles/article/revision_compare.html", context)

    def revert_view(self, request, object_id, history_id):
        """Restore a revision's content through services.article_revert (a
        new revision; nothing is deleted). POST only."""
        history_url = reverse("admin:articles_article_history", args=[object_id])
        if request.method != "POST":
            return HttpResponseRedirect(history_url)
        obj = self._get_viewable(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        revision = get_object_or_404(obj.history, history_id=history_id)
        raw_version = request.POST.get("expected_version", "")
        try:
            article = services.article_revert(
                article=obj,
                revision=revision,
                user=request.user,
                expected_version=int(raw_version) if raw_version.isdigit() else obj.version,
            )
        except services.EditConflict as conflict:
            self.message_user(request, str(conflict), messages.ERROR)
            return HttpResponseRedirect(history_url)
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(history_url)
        self.message_user(
            request,
            f"“{article}” was reverted to revision {revision.history_id}. The revert is a new "
            "revision; nothing was deleted from the history.",
        )
        return HttpResponseRedirect(self._change_url(article))
