#!/usr/bin/env python
import os
import secrets
import sys

# Commands that only read models and migration files: they never sign, hash
# or encrypt anything, so they run without DEBUG or a real SECRET_KEY (a
# migrations check in CI or a hook) on a throwaway key. Everything else
# still refuses to start without one.
KEYLESS_COMMANDS = {"makemigrations", "showmigrations", "sqlmigrate"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    if sys.argv[1:2] and sys.argv[1] in KEYLESS_COMMANDS and not os.environ.get("SECRET_KEY"):
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Load the settings first: Django's command runner swallows a settings
    # error and then fails with an unrelated "Models aren't loaded yet"
    # traceback, hiding the message that names the variable to fix.
    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - importing the settings is the point
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"Configuration error: {exc}\n")
        sys.exit(2)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
