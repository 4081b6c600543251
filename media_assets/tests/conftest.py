"""Fixtures for the media_assets tests that need no database."""

from pathlib import Path

import pytest

# ../shared/data beside the repository root (see STYLE.md: never copied into the repo).
SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The shared third-party test files, or a skip when they are not checked out."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA} (clone shared/ beside the repo)")
    return SHARED_DATA


def pytest_ignore_collect(collection_path, config):
    # The REST API is wired into a project by its router (cms/api.py); with
    # settings_media_only there is no router, so its tests do not apply.
    if collection_path.name == "test_api.py":
        import os

        return os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith("settings_media_only") or None
    return None
