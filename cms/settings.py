"""Settings for the newsroom CMS, read from the environment only.

Defaults are the embedded ones (SQLite under var/, local-memory cache, local
file storage) so that ``make run`` and ``make test`` need no services. Every
variable is listed in README.md.
"""

from importlib.util import find_spec
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

# Django 6 ships the Tasks framework as django.tasks; 5.2 gets the backport.
HAS_DJANGO_TASKS = find_spec("django.tasks") is not None
TASK_APPS = [] if HAS_DJANGO_TASKS else ["django_tasks"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # SearchVectorField (articles.SearchDocument) needs it on Django 6 (postgres.E005);
    # it only registers lookups and does nothing on SQLite.
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    # Background tasks: django.tasks on Django 6, the django-tasks backport on 5.2
    # (see TASKS below), stored in the database by django-tasks-db.
    *TASK_APPS,
    "django_tasks_db",
    # Article revisions and the body editor (README "Editorial workflow").
    "simple_history",
    "django_prose_editor",
    "cms",
    "articles",
    "media_assets",
]

MIDDLEWARE = [
    # Probes first: answered before Host validation and the HTTPS redirect.
    "cms.middleware.HealthCheckMiddleware",
    "cms.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "cms.middleware.ContentSecurityPolicyMiddleware",
    "cms.middleware.RequestSizeLimitMiddleware",
    # Compressed, hashed static files straight from the app server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Cached public pages are answered here, before sessions, CSRF and URL
    # resolution run (cms.caching); everything above still applies to them.
    "cms.caching.PageCacheMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # ETag, Last-Modified, 304 and Cache-Control for /api/ (cms.http).
    "cms.http.ApiConditionalGetMiddleware",
    "cms.middleware.LoginThrottleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Old addresses (Redirect rows, legacy URLs) answer what would be a 404.
    "articles.middleware.RedirectFallbackMiddleware",
    # Last, so a view's "database down" error becomes 503 before anything else.
    "cms.middleware.DatabaseUnavailableMiddleware",
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
# Standard renditions are a background task (TASKS below), enqueued after the
# upload commits; media_assets itself would make them in the request.
MEDIA_ASSETS_RENDITION_DISPATCHER = "cms.tasks.enqueue_standard_renditions"

# Public pages (README "Public site"): anonymous pages are cached server-side
# for at most this long (0 turns the page cache off), browsers are told to
# revalidate after PUBLIC_PAGE_MAX_AGE, and redirects may only leave the site
# for these hosts.
PUBLIC_PAGE_CACHE_SECONDS = env_int("PUBLIC_PAGE_CACHE_SECONDS", 600, minimum=0)
PUBLIC_PAGE_MAX_AGE = env_int("PUBLIC_PAGE_MAX_AGE", 0, minimum=0)
# Anonymous API reads (lists and details) are cached the same way, with the
# same generation and scheduled-change rules (cms.caching.cache_api_response).
API_RESPONSE_CACHE_SECONDS = env_int(
    "API_RESPONSE_CACHE_SECONDS", PUBLIC_PAGE_CACHE_SECONDS, minimum=0
)
# Each worker keeps its own copy of what it last read of that (shared) cache:
# the content generation, trusted for PAGE_CACHE_LOCAL_SECONDS (0 = ask the
# shared cache on every request), and its most recent entries, up to
# PAGE_CACHE_LOCAL_MB. A change made in another process shows within those
# seconds (cms.caching.LocalTier).
PAGE_CACHE_LOCAL_SECONDS = env_int("PAGE_CACHE_LOCAL_SECONDS", 1, minimum=0)
PAGE_CACHE_LOCAL_MB = env_int("PAGE_CACHE_LOCAL_MB", 32, minimum=1)
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
# PostgreSQL: the search page's statements, and an API list with ?q=, are
# stopped after this long (media_assets.db.search_limits; 0 = only
# DB_STATEMENT_TIMEOUT_MS applies).
SEARCH_STATEMENT_TIMEOUT_MS = env_int("SEARCH_STATEMENT_TIMEOUT_MS", 1500, minimum=0)
# How long the time a representation was first served is remembered.
API_LAST_MODIFIED_TTL = 7 * 24 * 3600
# If-Match for media, categories, authors and tags (articles compare their
# version); named here so the apps' API modules need not import cms.
API_IF_MATCH_CHECK = "cms.http.check_if_match"
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
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",  # the default
        "cms.api.unicode_slugs",
    ],
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

# --- Production: serving, storage, tasks, hardening (README "Production") ----

from cms.storage import media_origins, storages_from_env  # noqa: E402

# Behind a TLS-terminating proxy: trust its X-Forwarded-Proto (the proxy must
# set or overwrite it on every request) and redirect plain HTTP to HTTPS,
# except the probes, which load balancers send over plain HTTP.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# The header only makes the domain eligible: listing needs a manual
# submission. Turning it off (a conscious choice) silences the deploy check.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Some article indexes carry columns (INCLUDE) so that PostgreSQL answers
# counts from the index alone (articles.models); SQLite, the embedded
# default, builds the same indexes without them, which newer Django reports
# as models.W040. Known and harmless there.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    SILENCED_SYSTEM_CHECKS.append("models.W040")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
# Redis is only ever a cache here: with it down, reads miss and writes are
# dropped (cms/cache_backends.py), so pages and the API answer uncached.
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "cms.cache_backends.FailOpenRedisCache"
# Sessions live in the database, not the cache: app servers stay stateless,
# and logins survive a Redis outage or flush.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Content-Security-Policy (cms.middleware.ContentSecurityPolicyMiddleware).
# Public pages: no inline script or style at all. The admin and the API docs
# bundle third-party JS/CSS with inline styles, so they get a looser policy.
_MEDIA_ORIGINS = media_origins(MEDIA_URL)
CSP_PUBLIC = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", *_MEDIA_ORIGINS],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
CSP_RELAXED = {
    **CSP_PUBLIC,
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:", *_MEDIA_ORIGINS],
    "worker-src": ["'self'", "blob:"],
}
CSP_RELAXED_PATH_PREFIXES = ["/admin/", "/api/docs/", "/api/redoc/"]

# Uploads: Django caps fields and files per request (above); this caps the
# whole body (RequestSizeLimitMiddleware answers 413 before reading it).
MAX_REQUEST_BYTES = (
    env_int("MAX_REQUEST_MB", MEDIA_ASSETS_MAX_UPLOAD_BYTES // (1024 * 1024) + 2, minimum=1)
    * 1024
    * 1024
)
FILE_UPLOAD_PERMISSIONS = 0o644
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o755

# Argon2 (argon2-cffi) hashes new passwords; older hashes still verify and
# are upgraded on the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# Admin login throttling (cms.middleware.LoginThrottleMiddleware).
LOGIN_THROTTLE_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_THROTTLE_MAX_FAILURES_PER_IP = env_int("LOGIN_MAX_FAILURES_PER_IP", 50, minimum=1)
LOGIN_THROTTLE_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900, minimum=1)
LOGIN_THROTTLE_PATHS = ["/admin/login/"]
# e.g. HTTP_X_REAL_IP when the proxy sets X-Real-IP; REMOTE_ADDR otherwise.
LOGIN_THROTTLE_IP_HEADER = env_str("CLIENT_IP_HEADER", "")

# Readiness probe deadline (cms.health).
READYZ_TIMEOUT = float(env_int("READYZ_TIMEOUT_MS", 2000, minimum=100)) / 1000
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast while the database is down or unreachable instead of hanging
    # workers: connect within DB_CONNECT_TIMEOUT, statements within
    # DB_STATEMENT_TIMEOUT_MS.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": env_int("DB_CONNECT_TIMEOUT", 3, minimum=1),
            "options": f"-c statement_timeout={env_int('DB_STATEMENT_TIMEOUT_MS', 30000)}",
        }
    )
# Persistent connections on every engine (SQLite included: opening one and
# setting its pragmas cost more than the article page's queries), checked
# before reuse so a restarted database costs one failed request at most.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Storage: media on local disk (default) or S3-compatible object storage
# (MEDIA_STORAGE=s3, see cms/storage.py); static files compressed and hashed
# by whitenoise (run collectstatic first; tests use the plain storage).
STORAGES = storages_from_env(
    static_backend=env_str(
        "STATIC_STORAGE",
        "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ),
)
WHITENOISE_MAX_AGE = 3600  # non-hashed names; hashed ones are cached "forever"

# Background tasks: run at once in development and tests; in production
# TASK_BACKEND=database queues them in the database for `manage.py db_worker`.
TASK_BACKEND = env_str("TASK_BACKEND", "immediate")
_TASK_BACKENDS = {
    "immediate": (
        "django.tasks.backends.immediate.ImmediateBackend"
        if HAS_DJANGO_TASKS
        else "django_tasks.backends.immediate.ImmediateBackend"
    ),
    "database": "django_tasks_db.DatabaseBackend",
}
if TASK_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASK_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, got {TASK_BACKEND!r}."
    )
TASKS = {
    "default": {
        "BACKEND": _TASK_BACKENDS[TASK_BACKEND],
        "QUEUES": ["default", "media", "imports", "cache"],
    }
}
# A task claimed by a worker that then died is run again after this long
# (see `manage.py run_worker`); tasks are written to be safe to rerun.
TASK_STALE_AFTER_SECONDS = env_int("TASK_STALE_AFTER_SECONDS", 900, minimum=10)

# Logs: one JSON object per line (cms.logging) with the request id; plain
# text when LOG_FORMAT=text (the default with DEBUG).
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, got {LOG_FORMAT!r}.")
LOGGING["formatters"] = {
    "json": {"()": "cms.logging.JsonFormatter"},
    "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
}
LOGGING["filters"] = {"request_id": {"()": "cms.logging.RequestIdFilter"}}
LOGGING["handlers"]["console"].update({"formatter": LOG_FORMAT, "filters": ["request_id"]})
