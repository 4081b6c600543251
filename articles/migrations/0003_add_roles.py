"""The newsroom's roles as groups (README "Editorial workflow").

- Writers: add and change their own articles (services.can_edit keeps them to
  their own drafts and articles in review), submit for review; never publish.
- Editors: every article and taxonomy right plus ``articles.publish_article``
  (publish, schedule, withdraw).
- Photo desk: media rights.

Everyone gets the view rights the article form's autocompletes need.
"""

from django.db import migrations

ROLES = {
    "Writers": [
        "articles.add_article", "articles.change_article", "articles.view_article",
        "articles.view_category", "articles.view_author", "articles.view_tag",
        "articles.add_tag", "media_assets.view_mediaasset",
    ],
    "Editors": [
        "articles.add_article", "articles.change_article", "articles.delete_article",
        "articles.view_article", "articles.publish_article",
        "articles.add_category", "articles.change_category", "articles.delete_category",
        "articles.view_category",
        "articles.add_author", "articles.change_author", "articles.delete_author",
        "articles.view_author",
        "articles.add_tag", "articles.change_tag", "articles.delete_tag", "articles.view_tag",
        "media_assets.view_mediaasset",
    ],
    "Photo desk": [
        "media_assets.add_mediaasset", "media_assets.change_mediaasset",
        "media_assets.delete_mediaasset", "media_assets.view_mediaasset",
        "media_assets.view_rendition",
    ],
}  # fmt: skip


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran (post_migrate);
    # on a fresh database they must exist before the groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is None:
                raise RuntimeError(f"Permission {perm} is missing; cannot create {name}.")
            group.permissions.add(permission)


def delete_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_add_article_history"),
        ("media_assets", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
