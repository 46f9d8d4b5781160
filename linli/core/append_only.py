"""Tables the database itself keeps append-only: the audit trail, the service-hours ledger.

One rule for every such table, used by their migrations: UPDATE is refused on
both databases; DELETE on PostgreSQL only — the test suite's flush uses
TRUNCATE there, which row triggers do not see, while on SQLite the flush
issues DELETE, so the embedded database blocks UPDATE only (the models refuse
delete() themselves). SQLite drops a table's triggers when a migration alters
the table by copying it: such a migration must call `restore_sqlite` (core's
0003 does for the audit trail).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AppendOnly:
    table: str
    function: str  # the PostgreSQL trigger function's name
    message: str  # what the refused statement reports

    def _pg_forward(self) -> str:
        return f"""
CREATE OR REPLACE FUNCTION {self.function}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{self.message}';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {self.table}_append_only BEFORE UPDATE OR DELETE ON {self.table}
    FOR EACH ROW EXECUTE FUNCTION {self.function}();
"""

    def _pg_backward(self) -> str:
        return f"""
DROP TRIGGER IF EXISTS {self.table}_append_only ON {self.table};
DROP FUNCTION IF EXISTS {self.function}();
"""

    def _sqlite_forward(self) -> str:
        return f"""
CREATE TRIGGER {self.table}_no_update BEFORE UPDATE ON {self.table}
BEGIN SELECT RAISE(ABORT, '{self.message}'); END;
"""

    def _sqlite_backward(self) -> str:
        return f"DROP TRIGGER IF EXISTS {self.table}_no_update;"

    def forward(self, apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(self._pg_forward())
        elif vendor == "sqlite":
            schema_editor.execute(self._sqlite_forward())

    def backward(self, apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(self._pg_backward())
        elif vendor == "sqlite":
            schema_editor.execute(self._sqlite_backward())

    def restore_sqlite(self, apps: Any, schema_editor: Any) -> None:
        """Put the SQLite trigger back after a migration that copied the table."""
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(self._sqlite_backward())
            schema_editor.execute(self._sqlite_forward())


AUDIT_TRAIL = AppendOnly("core_auditevent", "core_audit_append_only", "the audit trail is append-only")
SERVICE_LEDGER = AppendOnly("volunteers_servicerecord", "volunteers_ledger_append_only",
                            "the service-hours ledger is append-only: correct an entry with a reversing entry")
