"""Suite-wide fixtures."""

import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    # Every test writes files into its own temporary folder.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from cms.caching import local_tier

    cache.clear()
    local_tier.reset()
    yield
    cache.clear()
    local_tier.reset()
