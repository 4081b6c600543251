"""The production settings plus one bare view (the benchmark's limit)."""

from cms.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
