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
