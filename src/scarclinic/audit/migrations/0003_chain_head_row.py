"""The chain head exists from the start, so concurrent first writers lock the same row
instead of racing to create it."""

from typing import Any

from django.db import migrations


def create_head(apps: Any, schema_editor: Any) -> None:
    apps.get_model("audit", "AuditChainHead").objects.get_or_create(id=1)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]
    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
