"""The site's URLs plus the bench's own views, served by the same server and
middleware as the site:

- /bench/bare/: a bare Django view that does nothing, so every figure in
  RESULTS.md is a ratio to what Django itself costs on this machine;
- /bench/floor/<id>/: the least any page of the site can cost: one article
  read by its primary key through the ORM and shown by a template that
  extends the site's layout (base.html, with its navigation and context
  processors) with the headline alone. No real page costs less, so its ratio
  bounds what a page rendered for every request can reach;
- /bench/api-floor/<id>/: the same for the API: a DRF view with the API's
  authentication, throttling and JSON renderer returning one article's id
  and headline.
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.response import Response

from articles.models import Article
from cms.urls import urlpatterns as site_urlpatterns


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


def floor(request, pk):
    article = get_object_or_404(Article.objects.public().only("headline"), pk=pk)
    return render(request, "bench/floor.html", {"article": article})


@api_view(["GET"])
def api_floor(request, pk):
    article = get_object_or_404(Article.objects.public().only("headline"), pk=pk)
    return Response({"id": article.pk, "headline": article.headline})


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/floor/<int:pk>/", floor),
    path("bench/api-floor/<int:pk>/", api_floor),
    *site_urlpatterns,
]
