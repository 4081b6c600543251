"""Where files go: ``STORAGES`` built from the environment.

``MEDIA_STORAGE=local`` (the default) keeps media under ``MEDIA_ROOT``.
``MEDIA_STORAGE=s3`` puts them on any S3-compatible store (AWS S3, MinIO,
Ceph, R2, ...) through django-storages and boto3:

==========================  ==============================================
``S3_BUCKET``               bucket name (required)
``S3_ENDPOINT_URL``         e.g. ``https://minio.internal:9000``; empty = AWS
``S3_REGION``               e.g. ``eu-west-1`` (optional)
``AWS_ACCESS_KEY_ID``       credentials; empty = boto3's own chain (instance
``AWS_SECRET_ACCESS_KEY``   role, ``~/.aws``), which is preferable on AWS
``S3_CUSTOM_DOMAIN``        CDN/media host serving the bucket, e.g.
                            ``media.news.example.com``: public URLs use it
``S3_PRIVATE_ORIGINALS``    ``1``: the ``originals`` storage is private
                            (no public ACL, short-lived signed URLs)
``S3_LOCATION``             key prefix inside the bucket (optional)
==========================  ==============================================

Two storages are defined: ``default`` (renditions and other public media)
and ``originals`` (uploaded originals). With ``S3_PRIVATE_ORIGINALS`` off, or
on local disk, ``originals`` is the same store as ``default``.

Objects are written with ``Cache-Control`` and never overwritten
(``file_overwrite=False``: a name clash gets a new name). Content types come
from the (validated) file extension.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from cms.env import env_bool, env_int, env_str


def _s3_options(*, private: bool) -> dict:
    from botocore.config import Config

    bucket = env_str("S3_BUCKET")
    if not bucket:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs S3_BUCKET.")
    endpoint = env_str("S3_ENDPOINT_URL") or None
    if endpoint and not endpoint.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"S3_ENDPOINT_URL needs a scheme, got {endpoint!r}.")
    location = (env_str("S3_LOCATION") or "").strip("/")
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": env_str("S3_REGION") or None,
        "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
        "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
        "location": location,
        "file_overwrite": False,
        "object_parameters": {
            "CacheControl": env_str("S3_CACHE_CONTROL", "public, max-age=86400"),
        },
        # Fail fast when the store is down (bounded requests, few retries):
        # a hung upload must not hold an app-server worker for minutes.
        # (With client_config given, django-storages ignores its own
        # signature_version/addressing_style options, so they are set here.)
        "client_config": Config(
            signature_version="s3v4",
            # Path-style works with every S3-compatible server (MinIO, moto...).
            s3={"addressing_style": env_str("S3_ADDRESSING_STYLE", "path" if endpoint else "auto")},
            connect_timeout=env_int("S3_CONNECT_TIMEOUT", 3, minimum=1),
            read_timeout=env_int("S3_READ_TIMEOUT", 20, minimum=1),
            retries={"max_attempts": 2, "mode": "standard"},
        ),
    }
    if private:
        options.update(
            {
                "location": "/".join(p for p in (location, "originals") if p),
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": env_int("S3_SIGNED_URL_SECONDS", 600, minimum=10),
                "custom_domain": None,
                "object_parameters": {"CacheControl": "private, max-age=600"},
            }
        )
    else:
        options.update(
            {
                "custom_domain": env_str("S3_CUSTOM_DOMAIN") or None,
                # Public objects get plain URLs (served by the CDN or bucket policy).
                "querystring_auth": env_bool("S3_SIGNED_URLS", False),
            }
        )
    return options


def storages_from_env(*, static_backend: str) -> dict:
    """The ``STORAGES`` setting for ``MEDIA_STORAGE`` (``local`` or ``s3``)."""
    kind = (env_str("MEDIA_STORAGE") or "local").lower()
    staticfiles = {"BACKEND": static_backend}
    if kind == "local":
        local = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
        return {"default": local, "originals": local, "staticfiles": staticfiles}
    if kind != "s3":
        raise ImproperlyConfigured(f"MEDIA_STORAGE must be local or s3, got {kind!r}.")
    default = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options(private=False)}
    if env_bool("S3_PRIVATE_ORIGINALS", False):
        originals = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": _s3_options(private=True),
        }
    else:
        originals = default
    return {"default": default, "originals": originals, "staticfiles": staticfiles}


def media_origins(media_url: str) -> list[str]:
    """Origins media are served from, for the CSP ``img-src``."""
    origins = []
    if env_str("MEDIA_STORAGE", "local").lower() == "s3":
        domain = env_str("S3_CUSTOM_DOMAIN")
        endpoint = env_str("S3_ENDPOINT_URL")
        if domain:
            origins.append(f"https://{domain}")
        elif endpoint:
            parts = urlsplit(endpoint)
            origins.append(f"{parts.scheme}://{parts.netloc}")
        else:
            origins.append("https://*.amazonaws.com")
    parts = urlsplit(media_url)
    if parts.scheme and parts.netloc:
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return origins
