from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = f"{settings.SITE_NAME} newsroom"
admin.site.site_title = f"{settings.SITE_NAME} newsroom"
admin.site.index_title = "Newsroom"

from articles import admin_import  # noqa: E402

urlpatterns = [
    *admin_import.urls(admin.site),  # /admin/articles/import-wxr/, before the admin's own
    path("admin/", admin.site.urls),
    path("", include("cms.api")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# The articles app owns the site's root and its catch-all section URLs, so it
# comes last.
urlpatterns += [path("", include("articles.urls"))]
