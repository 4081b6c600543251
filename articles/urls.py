from django.urls import path

from articles import views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("a/<int:pk>/", views.short_link, name="short"),
    path("tag/<str:slug>/", views.tag_detail, name="tag"),
    path("author/<str:slug>/", views.author_detail, name="author"),
    path("<str:section>/<int:pk>/<str:slug>/", views.article_detail, name="article"),
    path("<str:slug>/", views.section_detail, name="section"),
]
