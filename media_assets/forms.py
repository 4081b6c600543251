"""Admin forms for media assets: the upload form runs the same validation as
``media_create`` so a bad file is refused on the field, before anything is
stored."""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from media_assets.models import MediaAsset
from media_assets.services import DuplicateMedia, describe_upload


class FocalPointWidget(forms.NumberInput):
    """A number box the focal-point picker (``media_assets/admin/focal_point.js``)
    fills when the editor clicks the preview."""

    def __init__(self, axis: str):
        super().__init__(attrs={"step": "0.001", "min": "0", "max": "1", "data-focal": axis})


class MediaAssetAdminForm(forms.ModelForm):
    class Meta:
        model = MediaAsset
        fields = "__all__"  # the admin's fieldsets decide what is shown  # noqa: DJ007
        widgets = {"focal_x": FocalPointWidget("x"), "focal_y": FocalPointWidget("y")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "file" in self.fields and not self.instance.pk:
            self.fields["file"].required = True
            self.fields["file"].help_text = (
                "JPEG, PNG, GIF or WebP. Caption, credit, photographer and keywords "
                "are read from the file where you leave them empty."
            )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if self.instance.pk or not upload:
            return upload
        try:
            info, self.suggested = describe_upload(upload)
        except ValidationError as error:
            raise ValidationError(error.message_dict["file"]) from None
        existing = MediaAsset.objects.filter(sha256=info.sha256).first()
        if existing is not None:
            raise ValidationError(duplicate_message(DuplicateMedia(existing)))
        return upload


def duplicate_message(duplicate: DuplicateMedia):
    existing = duplicate.existing
    url = reverse("admin:media_assets_mediaasset_change", args=[existing.pk])
    return format_html(
        'This file is already in the library: <a href="{}">Media ID {}</a>.',
        url,
        existing.media_id,
    )
