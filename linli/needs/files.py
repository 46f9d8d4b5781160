"""Files an action stores (hand-over photos, scans of thank-you letters) are kept only if the transaction
that recorded them commits.

Storage is not transactional. A file saved inside a transaction that then rolls back — the action's own (a
later step refused, the COMMIT failed) or a caller's around it (an import, a test, a page that fails after
the action returned), or a savepoint around either — would stay on disk with no record pointing at it.

Django has transaction.on_commit but no on_rollback. What it does do is forget the on-commit callbacks of
work that rolls back: rolling back a transaction or a savepoint, or closing a connection in the middle of one,
drops them from the connection's list uncalled. So each stored file gets an on-commit callback that marks it
kept, and a weakref finalizer on that callback: when Django lets go of the callback without having called
it, the file is deleted. The callback is referenced by nothing else and is in no reference cycle, so CPython
frees it, and the file goes, as the rollback happens, in the thread that rolls back.

Writing the files only on commit instead would be simpler to state but worse: the record needs the file's
final name before it is saved, and a write that fails after the commit would leave a record without its file.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass

from django.core.files.storage import Storage
from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass
class _Fate:
    kept: bool = False


def delete_unless_committed(storage: Storage, name: str, *, using: str | None = None) -> None:
    """Delete `name` from `storage` if the current transaction (or savepoint) rolls back; keep it if it commits.

    Call right after storing the file, inside the transaction that records it.
    """
    fate = _Fate()

    def keep() -> None:
        fate.kept = True

    # The finalizer must not refer to `keep` (it would never be freed): it shares only `fate`.
    finalizer = weakref.finalize(keep, _delete_unless_kept, fate, storage, name, using)
    finalizer.atexit = False  # a process exiting mid-transaction: leave the file rather than guess
    transaction.on_commit(keep, using=using)


def _delete_unless_kept(fate: _Fate, storage: Storage, name: str, using: str | None) -> None:
    if fate.kept:
        return
    connection = transaction.get_connection(using)
    # Dropped by a rollback, a transaction is still open (a savepoint rolled back) or was just rolled back
    # (autocommit is not back on yet). Otherwise Django dropped it after the commit, skipping the callbacks
    # after one that raised: the record is committed, so its file stays.
    if not (connection.in_atomic_block or not connection.autocommit):
        return
    try:
        storage.delete(name)
    except Exception:  # a finalizer cannot raise to anyone; say it in the log
        logger.exception("could not delete %s after its transaction rolled back", name)
