# The API's order for writers and editors (publication time, or creation time
# for drafts: COALESCE), served by an expression index (models.py).

import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0012_covering_public_indexes'),
        ('media_assets', '0002_add_text_search_trgm'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='article',
            index=models.Index(models.OrderBy(django.db.models.functions.comparison.Coalesce('publish_at', 'created_at'), descending=True), models.OrderBy(models.F('id'), descending=True), name='article_published_sort_idx'),
        ),
    ]
