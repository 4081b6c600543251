"""Side effects on files, after commit: a deleted asset or rendition takes its
file with it, but only once the deletion is committed (a rolled-back delete
must not lose the file). Connected in ``MediaAssetsConfig.ready()``."""

from django.db import transaction
from django.db.models.signals import post_delete


def _delete_file_on_commit(sender, instance, **kwargs):
    file = instance.file
    if not file:
        return
    storage, name = file.storage, file.name
    transaction.on_commit(lambda: storage.delete(name), robust=True)


def connect():
    from media_assets.models import MediaAsset, Rendition

    for model in (MediaAsset, Rendition):
        post_delete.connect(
            _delete_file_on_commit, sender=model, dispatch_uid=f"media_assets_file_{model.__name__}"
        )
