from django.apps import AppConfig


class MediaAssetsConfig(AppConfig):
    name = "media_assets"
    verbose_name = "Media assets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from media_assets import signals

        signals.connect()
