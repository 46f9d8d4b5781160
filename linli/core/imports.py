"""The write actions behind spreadsheet imports: upload → preview → confirm.

These are actions in the sense of actions.py — keyword-only, `actor=`,
transactional, permission-checked (Perm.IMPORT), audited — and belong there;
they live in their own module only because actions.py was being edited by
someone else when imports were written. Move them when convenient.

All or nothing: a file with any bad row cannot be confirmed, and confirming
checks the records again inside the transaction that writes them, because
the database may have changed since the preview (someone registered one of
the people meanwhile, or the actor lost a role).

The preview keeps the records it built with the job (`ImportJob.checked`),
so confirming does not read and check the file a second time; see
spreadsheets.recheck_stored. Processing is synchronous, within the request:
bench/import_people.py measures preview and confirmation (figures in the
README). Uploads much beyond the row cap belong in a background task, which
can call these same functions unchanged.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.bulk import insert_many
from linli.core.models import ImportJob
from linli.core.scoping import Perm, can
from linli.core.spreadsheets import CHECKERS, Checked, recheck_stored, store_checked


def _require_import(actor: Any) -> None:
    if actor is None or not can(actor, Perm.IMPORT):
        raise PermissionDenied(_("You do not have permission to import records."))


def _check(kind: str, content: bytes, actor: Any) -> Checked:
    try:
        checker = CHECKERS[kind]
    except KeyError:
        raise ValidationError(_("Unknown kind of import: %(kind)s.") % {"kind": kind}) from None
    return checker(content, actor=actor)


def _recheck(job: ImportJob, actor: Any) -> Checked:
    """Check a previewed job again against the database as it is now (see spreadsheets.recheck_stored)."""
    checked = recheck_stored(job.kind, job.checked, actor=actor)
    if checked is None:
        checked = _check(job.kind, bytes(job.content), actor)
    return checked


def import_jobs_visible_to(user: Any) -> models.QuerySet[ImportJob]:
    """An upload is seen only by whoever made it: it holds residents' numbers in full."""
    if user is None or not user.is_authenticated:
        return ImportJob.objects.none()
    return ImportJob.objects.filter(created_by=user).defer("content", "checked").order_by("-created_at", "-id")


@transaction.atomic
def preview_import(*, actor: Any, kind: str, filename: str, content: bytes) -> ImportJob:
    """Check an uploaded spreadsheet and keep it for confirmation.

    A file that cannot be used at all (not an xlsx, damaged, empty, a required
    column missing, too many rows) raises ValidationError and nothing is kept.
    A readable file always gives a job: `previewed` when every row passes,
    `rejected` with every bad row listed (row number, column, reason) otherwise.
    """
    _require_import(actor)
    checked = _check(kind, content, actor)
    job = ImportJob.objects.create(
        kind=kind,
        status=ImportJob.Status.REJECTED if checked.errors else ImportJob.Status.PREVIEWED,
        created_by=actor,
        filename=filename[-255:],
        content=content,
        row_count=checked.row_count,
        errors=checked.error_dicts(),
        # Confirmation inserts these records after checking them again; a file with errors is never confirmed.
        checked={} if checked.errors else store_checked(kind, checked),
    )
    audit.record(actor=actor, action="core.import_previewed", target=job,
                 data={"kind": kind, "filename": job.filename, "rows": checked.row_count,
                       "errors": len(checked.errors)})
    return job


def confirm_import(*, actor: Any, job: ImportJob) -> int:
    """Write every record of a previewed job, with one audit event per record; return how many.

    Raises ValidationError, saving no record, when the job is not waiting for
    confirmation or when the file no longer passes the checks — in that case
    the job is marked rejected with the new list of errors.
    """
    _require_import(actor)
    try:
        with transaction.atomic():
            # The row lock makes a double click (or two tabs) import the file once:
            # the second confirmation waits here, then finds the job already imported.
            # The file itself is read again only for a job previewed without kept records.
            locked = ImportJob.objects.select_for_update().defer("content").get(pk=job.pk)
            if locked.created_by_id != actor.pk:
                raise PermissionDenied(_("Only the person who uploaded a file can import it."))
            if locked.status == ImportJob.Status.IMPORTED:
                raise ValidationError(_("This file has already been imported."), code="already_imported")
            if locked.status == ImportJob.Status.EXPIRED:
                raise ValidationError(_("This upload was not confirmed in time and has been erased. Upload the "
                                        "file again."), code="expired")
            if locked.status != ImportJob.Status.PREVIEWED:
                raise ValidationError(_("This file has errors. Correct them in Excel and upload the file again."),
                                      code="has_errors")
            # The records are the previewed ones, so only what depends on the
            # database (scope, areas, duplicates) can have changed: recheck that.
            checked = _recheck(locked, actor)
            if checked.errors:
                locked.status = ImportJob.Status.REJECTED
                locked.errors = checked.error_dicts()
                locked.save(update_fields=["status", "errors"])
                audit.record(actor=actor, action="core.import_rejected", target=locked,
                             data={"kind": locked.kind, "errors": len(checked.errors)})
                count = None
            else:
                count = _insert(actor=actor, job=locked, checked=checked)
    except IntegrityError:
        # Only a record registered between our check and our insert gets here;
        # the transaction is rolled back whole, so nothing of the file is saved.
        raise ValidationError(
            _("Someone registered some of these records while the file was being imported; nothing was "
              "imported. Upload the file again to see which rows are affected."), code="conflict") from None
    job.refresh_from_db()
    if count is None:
        raise ValidationError(
            _("The records changed since the preview and some rows no longer pass the checks; nothing was "
              "imported. See the list of errors."), code="changed")
    return count


def _insert(*, actor: Any, job: ImportJob, checked: Checked) -> int:
    records = [record for _row, record in checked.records]
    if not records:
        return 0
    model = type(records[0])
    insert_many(model, records)
    # The same event a single create writes (actions._create), plus where the record came from.
    audit.record_created_many(actor=actor, targets=records,
                              data=[{"import": job.pk, "row": row} for row, _record in checked.records])
    job.status = ImportJob.Status.IMPORTED
    job.imported_count = len(records)
    job.imported_at = timezone.now()
    job.errors = []
    # The upload holds residents' numbers in full; once imported, the records are the copy to keep.
    job.content = b""
    job.checked = {}
    job.save(update_fields=["status", "imported_count", "imported_at", "errors", "content", "checked"])
    audit.record(actor=actor, action="core.import_confirmed", target=job,
                 data={"kind": job.kind, "filename": job.filename, "count": len(records)})
    return len(records)


# Other apps keep uploads of their own between preview and confirmation (the establishments' import);
# `linli purge_uploads` calls each of these with `before=` too. Each returns how many uploads it erased.
PURGE_HOOKS: list[Callable[..., int]] = []


def purge_stale_imports(*, before: datetime.datetime) -> int:
    """Erase the files (and the records built from them) of imports uploaded before `before` and never
    imported; return how many. An upload holds residents' ID and phone numbers in full and is needed only
    until it is confirmed; the job itself stays, marked expired, with its row count and list of errors.

    Run by `linli purge_uploads` (a system job, not a user's action: audited with no actor).
    """
    with transaction.atomic():
        stale = list(ImportJob.objects.filter(created_at__lt=before)
                     .exclude(status__in=[ImportJob.Status.IMPORTED, ImportJob.Status.EXPIRED])
                     .select_for_update().only("pk", "kind", "filename", "status"))
        if stale:
            ImportJob.objects.filter(pk__in=[job.pk for job in stale]).update(
                status=ImportJob.Status.EXPIRED, content=b"", checked={})
            audit.record_many(audit.event(actor=None, action="core.import_expired", target=job,
                                          changes={"status": [job.status, ImportJob.Status.EXPIRED]},
                                          data={"kind": job.kind, "filename": job.filename}) for job in stale)
    return len(stale)
