"""The article form of the admin: the body editor, the version it was loaded
with (no lost updates) and the workflow button that was pressed."""

from django import forms
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django_prose_editor.widgets import AdminProseEditorWidget

from articles import services
from articles.models import Article

Status = Article.Status

# The body editor's features. django-prose-editor (ProseMirror/Tiptap) ships
# its own JS and CSS, so the admin works offline with no CDN. Its output is
# still sanitised on the server by articles.html.sanitize_body in
# Article.save(), the one sanitiser for every path.
BODY_EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Heading": {"levels": [2, 3, 4]},
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto", "tel"]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HardBreak": True,
    "HorizontalRule": True,
    "HTML": True,
    "MediaFigure": True,  # articles/static/articles/admin/media_figure.js
}


class BodyEditorWidget(AdminProseEditorWidget):
    """The prose editor plus our "insert photo by Media ID" node."""

    def __init__(self, attrs=None):
        super().__init__(
            attrs=attrs, config={"extensions": BODY_EDITOR_EXTENSIONS}, preset="configurable"
        )

    def get_config(self):
        config = super().get_config()
        config["extensions"] = {
            **config["extensions"],
            "MediaFigure": {"lookupUrl": reverse("admin:articles_article_media_lookup")},
        }
        config["js_modules"] = [*config["js_modules"], static("articles/admin/media_figure.js")]
        return config


# Workflow buttons of the change form: POST name -> (label, status they apply to).
WORKFLOW_ACTIONS = {
    "_submit": ("Submit for review", {Status.DRAFT}),
    "_publish": ("Publish", {Status.DRAFT, Status.REVIEW, Status.WITHDRAWN, Status.PUBLISHED}),
    "_return_to_draft": ("Return to draft", {Status.REVIEW, Status.WITHDRAWN}),
    "_withdraw": ("Withdraw", {Status.PUBLISHED}),
}
PUBLISHER_ACTIONS = {"_publish", "_withdraw"}


def workflow_action(data) -> str | None:
    """The workflow button pressed, if any."""
    return next((name for name in WORKFLOW_ACTIONS if name in data), None)


class ArticleAdminForm(forms.ModelForm):
    # The version the editor loaded; a save over a newer one is refused.
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # Set by ArticleAdmin.get_form for the request.
    request_user = None
    for_preview = False

    class Meta:
        model = Article
        fields = [
            "headline", "slug", "dek", "body", "byline", "section", "categories", "tags",
            "lead_media", "lead_caption", "publish_at", "expires_at", "language", "seo_title",
            "seo_description", "translation_of", "legacy_source", "legacy_id", "legacy_url",
        ]  # fmt: skip
        widgets = {"body": BodyEditorWidget}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.for_preview:
            return cleaned
        self._check_version(cleaned)
        self._check_workflow(cleaned)
        return cleaned

    def _check_version(self, cleaned):
        if not self.instance.pk:
            return
        loaded = cleaned.get("loaded_version")
        if loaded is None:
            raise forms.ValidationError(
                "This form lacks the version it was loaded with; reload the page."
            )
        current = (
            Article.objects.select_related("updated_by")
            .only("version", "updated_at", "updated_by__username")
            .get(pk=self.instance.pk)
        )
        if current.version != loaded:
            # The editor's text stays in the form; only the save is refused.
            raise forms.ValidationError(
                f"{services.EditConflict(current)} Your text is kept below: copy what you "
                "need, then reload.",
                code="edit_conflict",
            )

    def _check_workflow(self, cleaned):
        action = workflow_action(self.data)
        if action is None:
            return
        user = self.request_user
        if action in PUBLISHER_ACTIONS and not services.can_publish(user):
            raise forms.ValidationError("You do not have permission to publish articles.")
        label, allowed = WORKFLOW_ACTIONS[action]
        status = self.instance.status if self.instance.pk else Status.DRAFT
        if status not in allowed:
            raise forms.ValidationError(
                f"“{label}” is not possible for an article that is {Status(status).label.lower()}."
            )
        publish_at = cleaned.get("publish_at")
        expires_at = cleaned.get("expires_at")
        if action == "_publish" and publish_at and expires_at and expires_at <= publish_at:
            self.add_error("expires_at", "The expiry must come after the publication time.")
        if action == "_publish" and expires_at and expires_at <= timezone.now():
            self.add_error("expires_at", "This expiry has passed; the article would not show.")


class ArticleActionForm(forms.Form):
    """The changelist's action bar, with the time used by "Schedule"."""

    action = forms.ChoiceField(label="Action:")
    select_across = forms.BooleanField(
        label="", required=False, initial=0, widget=forms.HiddenInput({"class": "select-across"})
    )
    publish_at = forms.DateTimeField(
        label="at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="For “Schedule”.",
    )
