"""Make the service-hours ledger append-only in the database itself, as core's
audit trail is (see linli/core/append_only.py)."""

from django.db import migrations

from linli.core.append_only import SERVICE_LEDGER


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]
    operations = [migrations.RunPython(SERVICE_LEDGER.forward, SERVICE_LEDGER.backward)]
