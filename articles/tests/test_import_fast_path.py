"""The WordPress import's bulk path (``_Importer._bulk_create``, prepared
INSERTs run with executemany) writes exactly what the one-by-one path
(``_sync_article``: ``save()``, relations, ``record_relations``) writes: the
articles, their revisions with their relations snapshot, the relations, the
import records, the redirects and the search index.

Everything that is neither a generated key nor a time stamp of the run is
compared, keyed by the WordPress ID.
"""

import pytest
from django.db import connection

from articles.importers import inserts
from articles.importers.wordpress import ImportOptions, import_wordpress
from articles.models import Article, ArticleAuthor, ImportRecord, Redirect, SearchDocument
from articles.search import FTS_TABLE
from articles.tests import wxr_samples as samples
from articles.tests.factories import make_article, make_category
from media_assets.models import MediaAsset

pytestmark = pytest.mark.django_db(transaction=False)

# Generated keys and time stamps of the run: they differ between two runs
# (an article's created_at is its WordPress date, compared like the rest).
RUN_COLUMNS = {"id", "history_id", "history_date", "updated_at", "imported_at"}


def terms(*pairs: tuple[str, str, str]) -> str:
    return "".join(
        f'<category domain="{domain}" nicename="{slug}"><![CDATA[{name}]]></category>'
        for domain, slug, name in pairs
    )


def export(tmp_path):
    """Posts with several tags and further categories whose names sort
    differently by case and accent, a draft, a scheduled post, a featured
    image, an excerpt, two posts sharing an old address and one whose old
    address already redirects elsewhere."""
    extra = terms(
        ("post_tag", "zebra", "zebra"), ("post_tag", "apple", "apple"),
        ("post_tag", "banana", "Banana"), ("post_tag", "eclair", "Éclair"),
        ("category", "news", "News"), ("category", "arts", "arts"),
        ("category", "culture", "Culture"),
    )  # fmt: skip
    posts = [samples.attachment(100, caption="A cat. REUTERS/Jane Doe")]
    for n in range(1, 13):
        post = samples.post(
            n,
            status={3: "draft", 4: "future", 5: "pending"}.get(n, "publish"),
            thumbnail=100 if n % 2 else None,
            excerpt=f"Excerpt {n}" if n % 3 == 0 else "",
            body=f"<p>Body {n} with <b>bold</b> words.</p><script>x()</script>[gallery]",
        )
        if n % 2 == 0:
            post = post.replace("</item>", extra + "</item>")
        if n == 7:  # the same guid as post 6: the second redirect is skipped
            post = post.replace("/?p=7<", "/?p=6<")
        posts.append(post)
    return samples.document(posts)


def rows(table: str, order: str, select: str = "*") -> list[dict]:
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(table)
        cursor.execute(f"SELECT {select} FROM {table} ORDER BY {order}")  # noqa: S608
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def written() -> dict:
    """Every row the import wrote for the articles, keyed by WordPress ID."""
    legacy = dict(Article.objects.exclude(legacy_source="").values_list("pk", "legacy_id"))

    def keyed(table, order, link, ignore=RUN_COLUMNS):
        result = []
        for row in rows(table, order):
            if row[link] not in legacy:  # not an imported article's row
                continue
            row[link] = legacy[row[link]]
            result.append({k: v for k, v in row.items() if k not in ignore or k == link})
        return sorted(result, key=repr)

    history = Article.history.model
    if connection.vendor == "postgresql":
        entries = SearchDocument.objects.filter(article_id__in=legacy)
        index = [(legacy[pk], str(vector)) for pk, vector in
                 entries.values_list("article_id", "vector")]  # fmt: skip
    else:
        index = [
            (legacy[row["rowid"]], row["headline"], row["dek"], row["body"], row["extra"])
            for row in rows(FTS_TABLE, "rowid", "rowid, *")
            if row["rowid"] in legacy
        ]
    return {
        "articles": keyed(Article._meta.db_table, "id", "id"),
        "revisions": keyed(history._meta.db_table, "history_id", "id"),
        "authors": keyed(ArticleAuthor._meta.db_table, "id", "article_id"),
        "tags": keyed(Article.tags.through._meta.db_table, "id", "article_id"),
        "categories": keyed(Article.categories.through._meta.db_table, "id", "article_id"),
        # Other kinds' object IDs are not articles'.
        "records": [
            r
            for r in keyed(ImportRecord._meta.db_table, "id", "object_id")
            if r["kind"] == "article"
        ],
        "redirects": keyed(
            Redirect._meta.db_table, "id", "article_id", ignore={"id", "created_at"}
        ),
        "index": sorted(index),
    }


def forget_articles():
    Article.objects.exclude(legacy_source="").delete()
    ImportRecord.objects.filter(kind="article").delete()
    Redirect.objects.filter(note="WordPress import").delete()


def import_both_ways(tmp_path, **options):
    path = tmp_path / "export.xml"
    path.write_text(export(tmp_path), encoding="utf-8")
    one_by_one = import_wordpress(path=path, options=ImportOptions(batch_size=1, **options))
    slow = written()
    forget_articles()
    bulk = import_wordpress(path=path, options=ImportOptions(batch_size=500, **options))
    return slow, written(), one_by_one, bulk


def test_bulk_path_writes_what_the_one_by_one_path_writes(tmp_path, django_user_model):
    # An old address of post 9 already redirects to another article.
    other = make_article(section=make_category(slug="elsewhere"))
    Redirect.objects.create(old_path="/?p=9", article=other, note="by hand")
    user = django_user_model.objects.create_user("importer")

    slow, bulk, one_by_one, bulk_report = import_both_ways(tmp_path, user=user)

    assert len(slow["articles"]) == 12
    # The export has what the comparison needs to mean something.
    revision = slow["revisions"][0]
    assert revision["history_user_id"] == user.pk
    assert revision["history_change_reason"] == "Imported from WordPress"
    assert len(slow["tags"]) == 12 + 6 * 4  # "politics" on every post
    assert len(slow["categories"]) == 6 * 3
    assert len(slow["redirects"]) == 12 - 2  # one shared guid, one taken
    for name in slow:
        assert bulk[name] == slow[name], name
    # The vocabulary was imported by the first run; the articles twice.
    for kind in ("article", "redirect"):
        assert bulk_report.counts[kind] == one_by_one.counts[kind], kind
    assert [p.as_dict() for p in bulk_report.warnings] == [p.as_dict() for p in one_by_one.warnings]


def test_revision_relations_follow_the_database_order_of_names(tmp_path):
    import_both_ways(tmp_path)
    article = Article.objects.get(legacy_id="2")
    relations = article.history.get().relations
    assert [t["name"] for t in relations["tags"]] == list(
        article.tags.order_by("name", "pk").values_list("name", flat=True)
    )
    assert [c["name"] for c in relations["categories"]] == list(
        article.categories.order_by("name", "pk").values_list("name", flat=True)
    )
    assert [a["name"] for a in relations["authors"]] == ["Ed Itor"]


def test_a_bulk_batch_that_fails_is_written_one_by_one(tmp_path, monkeypatch):
    """A failure in the prepared INSERTs (here the revisions') rolls the
    whole batch back; the articles are then written one by one, the same."""
    path = tmp_path / "export.xml"
    path.write_text(export(tmp_path), encoding="utf-8")
    import_wordpress(path=path, options=ImportOptions(batch_size=1))
    slow = written()
    forget_articles()
    original = inserts.Insert.execute

    def failing(self, rows):
        if "history" in self.sql:
            raise RuntimeError("disk full")
        original(self, rows)

    monkeypatch.setattr(inserts.Insert, "execute", failing)
    report = import_wordpress(path=path, options=ImportOptions(batch_size=500))
    assert report.counts["article"]["created"] == 12
    assert written() == slow


def test_insert_converts_only_what_the_driver_cannot_take():
    insert = inserts.Insert(MediaAsset, ["title", "is_file_photo"])
    assert insert.prepare(["Cat", True]) == ("Cat", True)
    history = inserts.Insert(Article.history.model, ["relations"], others=True)
    assert history.prepare([{"tags": []}]) != ({"tags": []},)  # JSON is encoded
    assert len(history.others) == len(history.other_fields) > 20
