"""Every write to problems. Pages, the API, other modules (inspections) and
tests call these functions; nothing else writes.

As everywhere in linli: keyword-only, `actor=` (None is the system, e.g. the
demo seeder), one transaction per call, permission-checked, and an audit
event (`problems.created`, `problems.verified`, …) in the same transaction.

Who may do what:
- CHANGE over the problem's area, or over its owner organization (the
  owner's liaison): record a problem, start rectifying, report it rectified,
  add evidence;
- VERIFY over the problem's area (named roles, see core.scoping): verify and
  close it, or reopen it. Verifying needs at least one piece of evidence.

Each step locks the problem's row first: of two people acting on one problem
at once (a verifier closing it while the owner adds a last photo or reports
it again), the second waits, then reads the first one's result.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core import audit
from linli.core.actions import Conflict
from linli.core.models import Area, Organization, Person
from linli.core.scoping import Perm, can
from linli.core.uploads import check_upload
from linli.problems.models import Evidence, Problem


class IllegalTransition(Conflict):
    """The problem is not (or no longer) in a state this step starts from; nothing changed (API: 409)."""


_REFUSALS: dict[str, Promise] = {
    "start": gettext_lazy("Only an open or reopened problem can be started (this problem is now: %(state)s)."),
    "rectify": gettext_lazy("This problem cannot be reported rectified now (it is: %(state)s)."),
    "verify": gettext_lazy("Only a problem reported rectified can be verified (this problem is now: %(state)s)."),
    "reopen": gettext_lazy("Only a rectified or verified problem can be reopened (this problem is now: %(state)s)."),
    "evidence": gettext_lazy("Evidence cannot be added to a closed problem (this problem is now: %(state)s)."),
}

STEP_PERMISSIONS: dict[str, Perm] = {
    "start": Perm.CHANGE, "rectify": Perm.CHANGE, "evidence": Perm.CHANGE,
    "verify": Perm.VERIFY, "reopen": Perm.VERIFY,
}


def _require(actor: Any, perm: Perm, obj: models.Model | None = None) -> None:
    if actor is None:  # the system acts without a scope
        return
    if not can(actor, perm, obj):
        raise PermissionDenied(_("You do not have permission to do this here."))


def _user(actor: Any) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def _lock(problem: Problem, step: str, allowed: frozenset[str]) -> Problem:
    """The problem's current row, locked until the transaction ends; refused unless in an `allowed` state."""
    locked = Problem.objects.select_for_update().get(pk=problem.pk)
    if locked.state not in allowed:
        raise IllegalTransition(_REFUSALS[step] % {"state": Problem.State(locked.state).label},
                                code="illegal_transition")
    return locked


def _move(problem: Problem, step: str, to: str, *, actor: Any, action: str, data: dict[str, Any] | None = None,
          guard: Any = None, **fields: Any) -> Problem:
    locked = _lock(problem, step, Problem.TRANSITIONS[step])
    if guard is not None:
        guard(locked)
    before = locked.state
    fields.update(state=to, updated_at=timezone.now())
    Problem.objects.filter(pk=problem.pk).update(**fields)
    for name, value in fields.items():
        setattr(problem, name, value)
    audit.record(actor=actor, action=action, target=problem, changes={"state": [before, to]}, data=data)
    return problem


# Recording -------------------------------------------------------------------------

@transaction.atomic
def create_problem(
    *,
    actor: Any,
    title: str,
    source: str,
    area: Area,
    owner: Organization,
    kind: str = Problem.Kind.DEADLINE,
    description: str = "",
    responsible_person: Person | None = None,
    found_on: datetime.date | None = None,
    deadline: datetime.date | None = None,
    origin: models.Model | None = None,
) -> Problem:
    """Record a problem. The one way every module puts something on the problem list.

    `origin` is the record the problem came from (an inspection finding, a
    meeting), kept as a generic reference. A deadline in the past makes no
    sense for a new problem and is refused; a 即知即改 problem without a
    deadline is due the day it was found.
    """
    if source not in Problem.Source.values:
        raise ValidationError({"source": _("Choose where the problem was found.")})
    found_on = found_on or timezone.localdate()
    if kind == Problem.Kind.IMMEDIATE and deadline is None:
        deadline = found_on
    if deadline is not None and deadline < timezone.localdate() and kind != Problem.Kind.IMMEDIATE:
        raise ValidationError({"deadline": _("The deadline %(date)s has already passed; give a day from today "
                                             "on.") % {"date": deadline}}, code="deadline_passed")
    if responsible_person is not None:
        _require(actor, Perm.VIEW, responsible_person)
    _require(actor, Perm.VIEW, owner)
    problem = Problem(
        title=title.strip(), description=description.strip(), source=source, kind=kind, area=area, owner=owner,
        responsible_person=responsible_person, found_on=found_on, deadline=deadline, created_by=_user(actor),
    )
    if origin is not None:
        problem.origin_type = ContentType.objects.get_for_model(origin)
        problem.origin_id = str(origin.pk)
    problem.full_clean()
    problem.save()
    # Checked after the write, as in core: a problem cannot be placed in an area the actor does not hold.
    _require(actor, Perm.CHANGE, problem)
    data = {"origin": f"{origin._meta.label_lower}:{origin.pk}"} if origin is not None else None
    audit.record(actor=actor, action="problems.created", target=problem,
                 changes=audit.diff({}, audit.snapshot(problem)), data=data)
    return problem


# Steps -------------------------------------------------------------------------------

@transaction.atomic
def start_rectification(*, actor: Any, problem: Problem, measures: str = "") -> Problem:
    """The owner starts work; `measures` says what they will do (整改措施)."""
    _require(actor, STEP_PERMISSIONS["start"], problem)
    fields = {"measures": measures.strip()} if measures.strip() else {}
    return _move(problem, "start", Problem.State.RECTIFYING, actor=actor, action="problems.started",
                 data=fields or None, **fields)


@transaction.atomic
def mark_rectified(*, actor: Any, problem: Problem, note: str = "") -> Problem:
    """The owner reports the problem fixed; it now waits for verification.

    A note given here is kept as evidence (what was done).
    """
    _require(actor, STEP_PERMISSIONS["rectify"], problem)
    _move(problem, "rectify", Problem.State.RECTIFIED, actor=actor, action="problems.rectified",
          rectified_at=timezone.now())
    if note.strip():
        _add_evidence(actor, problem, note=note.strip(), upload=None)
    return problem


def _has_evidence(problem: Problem) -> None:
    if not problem.evidence.exists():
        raise ValidationError(_("A problem can be verified only with evidence that it was fixed: add a note, a "
                                "photo or a document first."), code="no_evidence")


@transaction.atomic
def verify_problem(*, actor: Any, problem: Problem, note: str = "") -> Problem:
    """Confirm the rectification and close the problem. Named roles only (Perm.VERIFY); needs evidence."""
    _require(actor, STEP_PERMISSIONS["verify"], problem)
    return _move(problem, "verify", Problem.State.VERIFIED, actor=actor, action="problems.verified",
                 guard=_has_evidence, data={"note": note.strip()} if note.strip() else None,
                 verified_at=timezone.now(), verified_by=_user(actor))


@transaction.atomic
def reopen_problem(*, actor: Any, problem: Problem, reason: str, deadline: datetime.date | None = None
                   ) -> Problem:
    """Not fixed after all (at verification, or it came back): back to the owner, optionally with a new deadline."""
    _require(actor, STEP_PERMISSIONS["reopen"], problem)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the problem is reopened; the owner reads this.")})
    fields: dict[str, Any] = {"verified_at": None, "verified_by": None, "rectified_at": None}
    if deadline is not None:
        if deadline < timezone.localdate():
            raise ValidationError({"deadline": _("The new deadline has already passed.")})
        fields["deadline"] = deadline
    data: dict[str, Any] = {"reason": reason}
    if deadline is not None:
        data["deadline"] = str(deadline)
    return _move(problem, "reopen", Problem.State.REOPENED, actor=actor, action="problems.reopened", data=data,
                 **fields)


# Evidence ----------------------------------------------------------------------------

def _add_evidence(actor: Any, problem: Problem, *, note: str, upload: UploadedFile | None) -> Evidence:
    evidence = Evidence(problem=problem, note=note, added_by=_user(actor))
    stored = ""
    try:
        if upload is not None:
            checked = check_upload(upload)
            evidence.file_name = (upload.name or "")[:255]
            evidence.content_type = checked.content_type
            evidence.size = checked.size
            evidence.file.save(f"evidence.{checked.extension}", upload, save=False)
            stored = evidence.file.name
        evidence.full_clean(exclude=["problem"])
        evidence.save()
        audit.record(actor=actor, action="problems.evidence_added", target=problem,
                     data={"evidence": evidence.pk, "file_name": evidence.file_name, "note": note[:200]})
    except BaseException:
        # The row was not saved: do not leave its file behind. (Django has no hook for a rollback
        # after this point; the actions write nothing after the evidence row, so none happens.)
        if stored:
            evidence.file.storage.delete(stored)
        raise
    return evidence


@transaction.atomic
def add_evidence(*, actor: Any, problem: Problem, note: str = "", file: UploadedFile | None = None) -> Evidence:
    """A note, a photo or a document showing the rectification. The file's type and size are checked
    first; a refused file leaves nothing stored."""
    _require(actor, STEP_PERMISSIONS["evidence"], problem)
    note = note.strip()
    if not note and file is None:
        raise ValidationError({"note": _("Write a note or choose a file.")}, code="empty_evidence")
    if file is not None:
        check_upload(file)  # before the lock and before anything is written
    _lock(problem, "evidence", Problem.EVIDENCE_STATES)
    return _add_evidence(actor, problem, note=note, upload=file)
