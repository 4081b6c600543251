"""Media on S3-compatible storage: django-storages and the real boto3 client
against moto's S3 API served over HTTP on a loopback port (no patching)."""

import contextlib
import socket

import pytest
from django.core.files.base import ContentFile

from cms.storage import storages_from_env

moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")
boto3 = pytest.importorskip("boto3")

BUCKET = "newsroom-media"


def _storages(settings):
    return storages_from_env(static_backend=settings.STORAGES["staticfiles"]["BACKEND"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    try:
        server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"moto's S3 server could not start: {exc}")
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, monkeypatch, settings):
    """Point STORAGES at the local S3 API exactly as the environment would."""
    env = {
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "S3_CUSTOM_DOMAIN": "",
        "S3_PRIVATE_ORIGINALS": "1",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = _storages(settings)
    return client


def test_default_storage_saves_reads_and_deletes_on_s3(s3):
    from django.core.files.storage import default_storage, storages
    from storages.backends.s3 import S3Storage

    assert isinstance(storages["default"], S3Storage)
    name = default_storage.save("renditions/photo.jpg", ContentFile(b"\xff\xd8jpeg-bytes"))
    assert name == "renditions/photo.jpg"
    head = s3.head_object(Bucket=BUCKET, Key=name)
    assert head["ContentType"] == "image/jpeg"
    assert head["CacheControl"] == "public, max-age=86400"
    with default_storage.open(name) as handle:
        assert handle.read() == b"\xff\xd8jpeg-bytes"
    assert default_storage.size(name) == 12
    # Never overwritten: a second file with the same name gets a new one.
    other = default_storage.save("renditions/photo.jpg", ContentFile(b"second"))
    assert other != name and other.startswith("renditions/photo_")
    default_storage.delete(name)
    default_storage.delete(other)
    assert not default_storage.exists(name)
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="renditions/")["KeyCount"] == 0


def test_public_urls_use_the_cdn_domain(s3, monkeypatch, settings):
    monkeypatch.setenv("S3_CUSTOM_DOMAIN", "media.news.example.com")
    settings.STORAGES = _storages(settings)
    from django.core.files.storage import default_storage

    assert default_storage.url("renditions/a b.jpg") == (
        "https://media.news.example.com/renditions/a%20b.jpg"
    )


def test_private_originals_are_not_public_and_get_signed_urls(s3):
    from django.core.files.storage import storages

    originals = storages["originals"]
    name = originals.save("2026/11/original.jpg", ContentFile(b"original"))
    assert name == "2026/11/original.jpg"
    key = f"originals/{name}"
    grants = s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert not [g for g in grants if g["Grantee"].get("URI", "").endswith("/AllUsers")]
    url = originals.url(name)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=600" in url
    assert url.startswith(f"{s3.meta.endpoint_url}/{BUCKET}/originals/2026/11/original.jpg?")
    originals.delete(name)


@pytest.mark.django_db
def test_readyz_checks_object_storage(s3, client, settings, monkeypatch):
    assert client.get("/readyz").json()["checks"]["storage"]["ok"] is True
    # Nothing listens on port 1: storage unreachable, the instance is not ready.
    monkeypatch.setenv("S3_ENDPOINT_URL", "http://127.0.0.1:1")
    settings.STORAGES = _storages(settings)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == {"ok": False, "error": "EndpointConnectionError"}
