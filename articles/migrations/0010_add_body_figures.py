# The index of body figures (articles.models.BodyFigure): which Media IDs
# each article's body shows, so that "where is this photo used" no longer
# reads every body. Filled here for the articles that already exist, 2 000
# at a time (about a minute per million articles with figures).

import django.db.models.deletion
from django.db import migrations, models

CHUNK = 2000


def fill(apps, schema_editor):
    from articles.media_usage import figure_rows

    Article = apps.get_model("articles", "Article")
    BodyFigure = apps.get_model("articles", "BodyFigure")
    with_figures = Article.objects.filter(body__contains="data-media-id").order_by("pk")
    last = 0
    while True:
        rows = list(with_figures.filter(pk__gt=last).values_list("pk", "body")[:CHUNK])
        if not rows:
            break
        BodyFigure.objects.bulk_create(
            BodyFigure(article_id=article_id, media_id=media_id)
            for pk, body in rows
            for article_id, media_id in figure_rows(pk, body)
        )
        last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_add_article_pub_idx"),
    ]

    operations = [
        migrations.CreateModel(
            name="BodyFigure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("media_id", models.BigIntegerField(verbose_name="Media ID")),
                (
                    "article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="body_figures",
                        to="articles.article",
                    ),
                ),
            ],
            options={
                "verbose_name": "body figure",
                "verbose_name_plural": "body figures",
                "indexes": [models.Index(fields=["media_id"], name="body_figure_media_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("article", "media_id"), name="body_figure_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
