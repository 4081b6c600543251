from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from articles import admin_redirects, signals  # noqa: F401 - registers the admin

        signals.connect()

        from articles import search

        search.connect_signals()

        from articles import revisions

        revisions.connect_signals()

        from articles import media_usage

        media_usage.register()

        from articles import archive_months

        archive_months.connect_signals()

        from articles import term_counts

        term_counts.connect_signals()
