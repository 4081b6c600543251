"""The redirect fallback: when nothing answers a path (404), an old address
is looked up — first among Redirect rows, then among articles' legacy URLs —
and the reader is sent on (like django.contrib.redirects, plus legacy URLs,
hit counting and the open-redirect rules of articles.redirects)."""

from django.http import HttpResponsePermanentRedirect, HttpResponseRedirect

from articles.redirects import count_hit, target_of


class RedirectFallbackMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        return find_redirect(request) or response


def find_redirect(request):
    """The redirect response for an old address, or None."""
    from articles.models import Article, Redirect

    full_path = request.get_full_path()
    candidates = list(dict.fromkeys([full_path, request.path]))
    # One indexed query (redirect_unique_old_path); the exact path with its
    # query string wins over the bare path.
    rows = {r.old_path: r for r in Redirect.objects.filter(old_path__in=candidates)}
    for candidate in candidates:
        redirect = rows.get(candidate)
        if redirect is None:
            continue
        target = target_of(redirect)
        if target is None:
            return None
        count_hit(redirect)
        if redirect.status_code == 301:
            return HttpResponsePermanentRedirect(target)
        return HttpResponseRedirect(target)
    # Then the old system's own URLs (article_legacy_path_idx).
    article = (
        Article.objects.public()
        .filter(legacy_path__in=candidates)
        .select_related("section")
        .order_by("-publish_at", "-id")
        .first()
    )
    if article is not None:
        return HttpResponsePermanentRedirect(article.get_absolute_url())
    return None
