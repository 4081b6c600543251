"""{% picture %} and |render_figures."""

import datetime
import re

import pytest
from django.core.files.base import ContentFile
from django.template import Context, Template, TemplateSyntaxError
from django.utils import timezone

from media_assets.figures import render_figures
from media_assets.models import MediaAsset
from media_assets.renditions import generate_standard_renditions
from media_assets.services import media_create
from media_assets.tests.factories import image_bytes

pytestmark = pytest.mark.django_db

SPECS = {
    "thumb": {"width": 32},
    "card": {"width": 64},
    "large": {"width": 100},
    "social": {"width": 40, "height": 20, "crop": True},
}


@pytest.fixture(autouse=True)
def _small_specs(settings):
    settings.MEDIA_ASSETS_RENDITIONS = SPECS


def upload(size=(200, 150), **fields):
    return media_create(file=ContentFile(image_bytes(size=size), name="a.jpg"), **fields)


def render(source, **context):
    return Template("{% load media_assets_tags %}" + source).render(Context(context))


def url_of(asset, spec, fmt):
    return asset.renditions.get(spec=spec, format=fmt).url


def test_picture_with_generated_renditions():
    asset = upload(alt_text='Guard & "friend"')
    generate_standard_renditions(asset, formats=["JPEG", "WEBP"])
    html = render('{% picture asset "large" sizes="50vw" %}', asset=asset)
    webp, jpeg = (
        ", ".join(
            f"{url_of(asset, spec, fmt)} {width}w"
            for spec, width in [("thumb", 32), ("card", 64), ("large", 100)]
        )
        for fmt in ("WEBP", "JPEG")
    )
    assert f'<source type="image/webp" srcset="{webp}" sizes="50vw">' in html
    assert (
        f'<img src="{url_of(asset, "large", "JPEG")}" srcset="{jpeg}" sizes="50vw" width="100" '
        'height="75" alt="Guard &amp; &quot;friend&quot;" loading="lazy" decoding="async">'
    ) in html
    assert "avif" not in html  # no AVIF renditions were made, so no AVIF source


def test_avif_source_comes_first_when_generated():
    asset = upload()
    generate_standard_renditions(asset)
    html = render('{% picture asset "card" loading="eager" %}', asset=asset)
    types = re.findall(r'<source type="([^"]+)"', html)
    from media_assets.imaging import available_formats

    assert types == (
        ["image/avif", "image/webp"] if "AVIF" in available_formats("JPEG") else ["image/webp"]
    )
    assert 'loading="eager"' in html and 'sizes="(max-width: 64px) 100vw, 64px"' in html
    # The srcset stops at the asked size.
    assert "100w" not in html


def test_missing_renditions_fall_back_to_the_original_with_the_display_size():
    asset = upload()
    html = render('{% picture asset "large" %}', asset=asset)
    assert f'<img src="{asset.file.url}"' in html
    assert 'width="100" height="75"' in html and "<source" not in html
    assert asset.renditions.count() == 0  # rendering a page never encodes images


def test_social_crop_has_its_own_size():
    asset = upload()
    generate_standard_renditions(asset, specs=["social"], formats=["JPEG"])
    html = render('{% picture asset "social" %}', asset=asset)
    assert 'width="40" height="20"' in html and "srcset" not in html


def test_expired_rights_render_nothing_or_a_placeholder():
    asset = upload(rights_expire_at=timezone.now() - datetime.timedelta(minutes=1))
    assert render("{% picture asset %}", asset=asset) == ""
    assert 'class="media-unavailable"' in render(
        "{% picture asset placeholder=True %}", asset=asset
    )
    assert render("{% picture asset %}", asset=None) == ""


def test_unknown_spec_is_a_template_error():
    with pytest.raises(TemplateSyntaxError):
        render('{% picture asset "poster" %}', asset=upload())


def test_fifty_pictures_cost_one_query(django_assert_num_queries):
    for _ in range(50):
        asset = upload(size=(40, 30))
        generate_standard_renditions(asset, specs=["thumb"], formats=["JPEG"])
    # 1 assets + 1 renditions (prefetched); then nothing per picture.
    with django_assert_num_queries(2):
        assets = list(MediaAsset.objects.prefetch_renditions())
        html = render("{% for a in assets %}{% picture a 'thumb' %}{% endfor %}", assets=assets)
    assert html.count("<img ") == 50 and html.count("/media/renditions/") == 50


# --- body figures -----------------------------------------------------------------


def test_figures_render_with_current_caption_and_credit(django_assert_num_queries):
    first = upload(caption="Old <b>caption</b>", credit="REUTERS/Jane Doe")
    second = upload(caption="Second", credit="AP Photo/John Roe")
    generate_standard_renditions(first, formats=["JPEG"])
    first.caption = "Corrected caption"
    first.save()
    body = (
        f'<p>Intro</p><figure data-media-id="{first.media_id}"><img src="/old.jpg">'
        f"<figcaption>stale</figcaption></figure><p>Middle</p>"
        f'<figure class="x" data-media-id="{second.media_id}"></figure>'
        f'<figure data-media-id="{first.media_id}"></figure>'
    )
    # 1 assets, 2 their renditions: constant for any number of figures.
    with django_assert_num_queries(2):
        html = render_figures(body)
    assert html.startswith("<p>Intro</p><figure")
    assert "stale" not in html and "/old.jpg" not in html
    assert html.count("Corrected caption") == 2
    assert '<span class="credit">REUTERS/Jane Doe</span>' in html
    assert '<span class="credit">AP Photo/John Roe</span>' in html
    assert html.count("<figcaption>") == 3 and "<p>Middle</p>" in html
    assert f'src="{url_of(first, "large", "JPEG")}"' in html


def test_figure_text_is_escaped():
    asset = upload(caption="<script>alert(1)</script>", credit='"><img onerror=x>')
    html = render_figures(f'<figure data-media-id="{asset.media_id}"></figure>')
    assert "<script>" not in html and "<img onerror" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_expired_figures_are_removed_for_readers_and_flagged_in_preview():
    asset = upload(rights_expire_at=timezone.now() - datetime.timedelta(days=1))
    body = f'<p>a</p><figure data-media-id="{asset.media_id}"><img src="/x.jpg"></figure><p>b</p>'
    assert render_figures(body) == "<p>a</p><p>b</p>"
    preview = render_figures(body, public_only=False)
    assert "rights expired" in preview and "<img" not in preview
    assert render("{{ body|render_figures }}", body=body) == "<p>a</p><p>b</p>"
    assert "rights expired" in render('{{ body|render_figures:"preview" }}', body=body)


def test_unknown_media_ids_and_bodies_without_figures(django_assert_num_queries):
    body = '<figure data-media-id="999"><img src="/imported.jpg" alt=""></figure>'
    assert render_figures(body) == body
    with django_assert_num_queries(0):
        assert render_figures("<p>No figures</p>") == "<p>No figures</p>"
