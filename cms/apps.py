from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Newsroom CMS"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from cms.middleware import clear_login_failures, record_login_failure

        # Admin login throttling counts failures through Django's own signals.
        user_login_failed.connect(record_login_failure, dispatch_uid="cms-login-failed")
        user_logged_in.connect(clear_login_failures, dispatch_uid="cms-login-ok")
