"""The group whose members are dashboard operators (station/dashboard/permissions.py)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

OPERATORS_GROUP = "operators"


def create_group(apps: Any, schema_editor: Any) -> None:
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name=OPERATORS_GROUP)


def remove_group(apps: Any, schema_editor: Any) -> None:
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name=OPERATORS_GROUP, user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("dashboard", "0002_local_list_change_log"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
