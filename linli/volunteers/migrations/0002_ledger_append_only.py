"""Make the service-hours ledger append-only in the database itself, as core's audit trail is.

UPDATE is refused on both databases, DELETE on PostgreSQL (the test suite's
flush uses TRUNCATE there, which row triggers do not see; on SQLite the flush
issues DELETE, so the embedded database blocks UPDATE only). SQLite drops a
table's triggers when a migration alters it by copying: such a migration must
put this one back, as core's 0003 does for the audit trail.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION volunteers_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the service-hours ledger is append-only: correct an entry with a reversing entry';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER volunteers_servicerecord_append_only BEFORE UPDATE OR DELETE ON volunteers_servicerecord
    FOR EACH ROW EXECUTE FUNCTION volunteers_ledger_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS volunteers_servicerecord_append_only ON volunteers_servicerecord;
DROP FUNCTION IF EXISTS volunteers_ledger_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER volunteers_servicerecord_no_update BEFORE UPDATE ON volunteers_servicerecord
BEGIN SELECT RAISE(ABORT, 'the service-hours ledger is append-only: correct an entry with a reversing entry'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS volunteers_servicerecord_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
