from django.http import HttpResponse
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet

# Wagtail's read API (wagtail.api.v2), as its documentation sets it up.
api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PagesAPIViewSet)


def bare(request):
    """The limit, as in our bench/urls.py: a view that does nothing."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("api/v2/", api_router.urls),
    path("", include(wagtail_urls)),
]
