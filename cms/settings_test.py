"""Settings for the test suite: the real settings with test-only defaults.

Only variables the environment leaves unset are filled in, so CI can point
the same suite at PostgreSQL and Redis with DATABASE_URL and CACHE_URL.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="cms-test-media-"))
os.environ.setdefault("STATIC_ROOT", tempfile.mkdtemp(prefix="cms-test-static-"))

from cms.settings import *  # noqa: E402,F403

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Hashing passwords slowly only costs test time here.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The test client speaks plain HTTP; the production redirect is tested on its own.
SECURE_SSL_REDIRECT = False
# No collectstatic before tests: the manifest storage is for production.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
