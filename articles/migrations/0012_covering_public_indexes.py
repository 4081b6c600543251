# public()'s date indexes carry the rest of its condition (expires_at) and, for
# the sitemap index, updated_at, so that counts over public articles read the
# index alone on PostgreSQL (INCLUDE; other databases build them without it).

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0011_api_ordering_indexes'),
        ('media_assets', '0002_add_text_search_trgm'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='article',
            name='article_status_pub_idx',
        ),
        migrations.RemoveIndex(
            model_name='article',
            name='article_section_pub_idx',
        ),
        migrations.AddIndex(
            model_name='article',
            index=models.Index(fields=['status', '-publish_at', '-id'], include=('expires_at', 'updated_at'), name='article_status_pub_idx'),
        ),
        migrations.AddIndex(
            model_name='article',
            index=models.Index(fields=['section', 'status', '-publish_at', '-id'], include=('expires_at',), name='article_section_pub_idx'),
        ),
    ]
