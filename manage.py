#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
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
