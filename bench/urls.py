"""The site's URLs plus /bench/bare/: a bare Django view that does nothing,
served by the same server and middleware, so every figure in RESULTS.md is a
ratio to what Django itself costs on this machine."""

from django.http import HttpResponse
from django.urls import path

from cms.urls import urlpatterns as site_urlpatterns


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), *site_urlpatterns]
