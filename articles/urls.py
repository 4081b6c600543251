from django.urls import path

from articles import feeds, sitemaps, views
from cms.caching import cache_public_page

app_name = "articles"

# Fixed words first: the last two patterns catch every other /<slug>/ (their
# words are in RESERVED_SLUGS so that no section can take them).
urlpatterns = [
    path("", views.home, name="home"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("a/<int:pk>/", views.short_link, name="short"),
    path("archive/", views.archive_index, name="archive"),
    path("archive/<int:year>/", views.archive_year, name="archive_year"),
    path("archive/<int:year>/<int:month>/", views.archive_month, name="archive_month"),
    path("search/", views.search, name="search"),
    path("tag/<str:slug>/", views.tag_detail, name="tag"),
    path("author/<str:slug>/", views.author_detail, name="author"),
    path("feeds/rss/", cache_public_page(feeds.RssFeed()), name="rss"),
    path("feeds/atom/", cache_public_page(feeds.AtomFeed()), name="atom"),
    path("feeds/<str:slug>/rss/", cache_public_page(feeds.RssFeed()), name="section_rss"),
    path("feeds/<str:slug>/atom/", cache_public_page(feeds.AtomFeed()), name="section_atom"),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap_index"),
    path("sitemap-news.xml", sitemaps.news_sitemap, name="sitemap_news"),
    path("sitemaps/sections.xml", sitemaps.sections_sitemap, name="sitemap_sections"),
    path(
        "sitemaps/articles-<int:year>-<int:month>.xml",
        sitemaps.month_sitemap,
        name="sitemap_month",
    ),
    path(
        "sitemaps/articles-<int:year>-<int:month>-<int:page>.xml",
        sitemaps.month_sitemap,
        name="sitemap_month_page",
    ),
    path("<str:section>/<int:pk>/<str:slug>/", views.article_detail, name="article"),
    path("<str:slug>/", views.section_detail, name="section"),
]
