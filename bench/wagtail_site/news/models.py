"""The page types of a Wagtail news site, written the way Wagtail's
documentation and tutorial write them (Page subclasses, a snippet for
authors, tags through modelcluster), with an index on the article date so
that its listings are fair to Wagtail at scale."""

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import models
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.snippets.models import register_snippet

RELATED_ITEMS = 4  # as ours (articles.views.RELATED_ITEMS)
PAGE_SIZE = 20


def sections():
    """The menu: the home page's sections, cached as ours is (cms.context_processors)."""

    def read():
        home = HomePage.objects.first()
        return list(home.get_children().live().in_menu().specific()) if home else []

    return cache.get_or_set("wagtail-bench-menu", read, 3600)


def sections_by_path():
    """Every section page by its tree path, cached likewise, for the
    teasers' section links (instead of a get_parent() query per teaser)."""

    def read():
        return {page.path: page for page in SectionPage.objects.live()}

    return cache.get_or_set("wagtail-bench-sections", read, 3600)


class HomePage(Page):
    subpage_types = ["news.SectionPage"]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["menu"] = sections()
        context["articles"] = ArticlePage.objects.live().public().order_by("-date")[:PAGE_SIZE]
        return context


class SectionPage(Page):
    subpage_types = ["news.SectionPage", "news.ArticlePage"]  # subsections, as ours

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["menu"] = sections()
        articles = ArticlePage.objects.child_of(self).live().public().order_by("-date", "-id")
        paginator = Paginator(articles, PAGE_SIZE)
        page_obj = paginator.get_page(request.GET.get("page"))
        for article in page_obj.object_list:  # evaluated once, here
            article.section = self
        context["page_obj"] = page_obj
        return context


@register_snippet
class Author(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200)

    def __str__(self):
        return self.name


class ArticlePageTag(TaggedItemBase):
    content_object = ParentalKey(
        "news.ArticlePage", related_name="tagged_items", on_delete=models.CASCADE
    )


class ArticlePage(Page):
    date = models.DateTimeField(db_index=True)
    dek = models.TextField(blank=True)
    body = RichTextField(blank=True)
    authors = ParentalManyToManyField(Author, blank=True)
    tags = ClusterTaggableManager(through=ArticlePageTag, blank=True)

    parent_page_types = ["news.SectionPage"]
    api_fields = [APIField("date"), APIField("dek"), APIField("tags")]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        section = self.get_parent()
        tags = list(self.tags.all())
        # The newest few of the section and of the tags, each from its own
        # index, then merged: one query with "section OR tag" and DISTINCT
        # took 19 ms at 100 000 articles, the tags' articles through a join
        # and DISTINCT 31 ms; these two take a few.
        shown = ArticlePage.objects.live().public().exclude(pk=self.pk).order_by("-date")
        related = list(shown.child_of(section)[:RELATED_ITEMS])
        if tags:
            tagged = ArticlePageTag.objects.filter(tag__in=tags).values("content_object_id")
            related += shown.filter(pk__in=tagged)[:RELATED_ITEMS]
        related = sorted({a.pk: a for a in related}.values(), key=lambda a: a.date, reverse=True)
        related = related[:RELATED_ITEMS]
        by_path = sections_by_path()
        for article in related:
            article.section = by_path.get(article.path[: -Page.steplen])
        context.update(
            menu=sections(),
            section=section,
            tags=tags,
            authors=list(self.authors.all()),
            related=related,
        )
        return context
