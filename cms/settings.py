"""Settings for the newsroom CMS, read from the environment only.

Defaults are the embedded ones (SQLite under var/, local-memory cache, local
file storage) so that ``make run`` and ``make test`` need no services. Every
variable is listed in README.md.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from cms.env import (
    cache_from_url,
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CMS_VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (set DEBUG=1 for local development)."
        )
    # Only ever used with DEBUG on, on a developer's machine.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entries need a scheme (https://example.com), got {_origin!r}."
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    # Article revisions and the body editor (README "Editorial workflow").
    "simple_history",
    "django_prose_editor",
    "cms",
    "articles",
    "media_assets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # ETag, Last-Modified, 304 and Cache-Control for /api/ (cms.http).
    "cms.http.ApiConditionalGetMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Old addresses (Redirect rows, legacy URLs) answer what would be a 404.
    "articles.middleware.RedirectFallbackMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cms.context_processors.site",
            ],
        },
    },
]

if not env_str("DATABASE_URL"):
    # The embedded default keeps its SQLite file under var/ (ignored by git).
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": database_from_url("DATABASE_URL", f"sqlite:///{VAR_DIR / 'cms.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while the import or an editor writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": cache_from_url("CACHE_URL")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ar", "Arabic")]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
try:
    import zoneinfo

    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE is not a known time zone: {TIME_ZONE!r}.") from None
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or VAR_DIR / "static")
MEDIA_URL = env_str("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")

DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("DATA_UPLOAD_MAX_NUMBER_FILES", 20, minimum=1)

# --- The product -----------------------------------------------------------

SITE_NAME = env_str("SITE_NAME", "Asharq Al-Awsat")
SITE_TAGLINE = env_str("SITE_TAGLINE", "English Archive 2005 -2017")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL must start with http:// or https://, got {SITE_URL!r}.")

# Media assets (the media_assets app reads these with defaults of its own).
MEDIA_ASSETS_MAX_UPLOAD_BYTES = env_int("MEDIA_MAX_UPLOAD_MB", 40, minimum=1) * 1024 * 1024
# Below Pillow's own decompression-bomb threshold (about 89 megapixels).
MEDIA_ASSETS_MAX_PIXELS = env_int("MEDIA_MAX_PIXELS", 60_000_000, minimum=1)

# Public pages (README "Public site"): anonymous pages are cached server-side
# for at most this long (0 turns the page cache off), browsers are told to
# revalidate after PUBLIC_PAGE_MAX_AGE, and redirects may only leave the site
# for these hosts.
PUBLIC_PAGE_CACHE_SECONDS = env_int("PUBLIC_PAGE_CACHE_SECONDS", 600, minimum=0)
PUBLIC_PAGE_MAX_AGE = env_int("PUBLIC_PAGE_MAX_AGE", 0, minimum=0)
REDIRECT_ALLOWED_HOSTS = env_list("REDIRECT_ALLOWED_HOSTS")

# --- API -------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated write then gets 401 with
        # WWW-Authenticate rather than 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # JSON only: no browsable HTML API, and ?format= is not special.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "cms.http.CappedJSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_PAGINATION_CLASS": "cms.http.CursorPagination",
    "EXCEPTION_HANDLER": "cms.http.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "cms.http.AnonRateThrottle",
        "cms.http.UserRateThrottle",
    ],
}
# Rates as DRF writes them ("120/minute"); read on every request by cms.http.
API_THROTTLE_RATES = {
    "anon": env_str("API_THROTTLE_ANON", "120/minute"),
    "user": env_str("API_THROTTLE_USER", "600/minute"),
}
# Browsers and CDNs may keep anonymous API responses this long (seconds).
API_CACHE_MAX_AGE = env_int("API_CACHE_MAX_AGE", 60, minimum=0)
# How long the time a representation was first served is remembered.
API_LAST_MODIFIED_TTL = 7 * 24 * 3600
SPECTACULAR_SETTINGS = {
    "TITLE": "Newsroom CMS API",
    "DESCRIPTION": "Articles, sections, authors, tags and photos of the newsroom archive.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Separate request and response components, and no read-only property
    # marked required: ``fields=`` may leave any of them out.
    "COMPONENT_SPLIT_REQUEST": True,
    "COMPONENT_NO_READ_ONLY_REQUIRED": True,
}
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"

# --- Logging ---------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
