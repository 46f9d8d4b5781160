"""Make the audit trail append-only in the database itself (see linli/core/append_only.py)."""

from django.db import migrations

from linli.core.append_only import AUDIT_TRAIL


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(AUDIT_TRAIL.forward, AUDIT_TRAIL.backward)]
