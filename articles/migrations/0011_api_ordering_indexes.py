# Indexes for the API's other cursor orderings (updated_at and headline, each
# with the id that breaks ties) and the admin sorted by them (models.py).

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0010_add_body_figures'),
        ('media_assets', '0002_add_text_search_trgm'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='article',
            name='article_updated_idx',
        ),
        migrations.AddIndex(
            model_name='article',
            index=models.Index(fields=['-updated_at', '-id'], name='article_updated_idx'),
        ),
        migrations.AddIndex(
            model_name='article',
            index=models.Index(fields=['headline', 'id'], name='article_headline_idx'),
        ),
    ]
