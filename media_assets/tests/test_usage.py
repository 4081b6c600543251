import sys

import pytest
from django.apps import apps

from media_assets import usage
from media_assets.tests.factories import make_media

pytestmark = pytest.mark.django_db


def test_media_assets_never_imports_articles():
    if apps.is_installed("articles"):
        pytest.skip("meaningful only with settings_media_only")
    assert not [name for name in sys.modules if name == "articles" or name.startswith("articles.")]
    assert usage.relations() == []


def test_reverse_relations_and_body_figures_are_found_generically():
    if not apps.is_installed("articles"):
        pytest.skip("needs an app that uses media")
    from articles.tests.factories import make_article  # only when installed

    asset = make_media(with_file=True)
    other = make_media(with_file=True)
    lead = make_article(lead_media=asset, headline="Lead use")
    figure = make_article(
        headline="Figure use", body=f'<figure data-media-id="{asset.media_id}"></figure>'
    )
    found = usage.find_uses(asset)
    assert sorted((use.label, use.obj.pk) for use in found) == sorted(
        [("lead photo", lead.pk), ("body figure", figure.pk)]
    )
    assert all(use.admin_url.startswith("/admin/articles/article/") for use in found)
    assert usage.find_uses(other) == []
    assert usage.usage_counts([asset, other]) == {asset.pk: 2, other.pk: 0}
    from media_assets.models import MediaAsset

    assert list(usage.filter_unused(MediaAsset.objects.all())) == [other]
