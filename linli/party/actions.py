"""Every write to party records. Pages, the API, the admin, the demo seeder and
tests call these functions; nothing else writes.

As in core.actions: keyword-only, `actor=` (None is the system and acts
without a scope), one transaction per call, permission checked, an audit
event (`party.meeting_recorded`, …) in the same transaction. Input is checked
completely before the first write, and every refusal names its field, so a
refused call leaves nothing half-saved.

Who may do what:
- CHANGE over the party organization: record a meeting, change it while it
  is recorded or returned, add decisions and attachments, submit it; manage
  the organization's committee seats;
- REVIEW over the *upper* organization: accept a submitted record or return
  it with a comment;
- REVIEW over a branch's *upper* organization: leave the branch out of the
  compliance board, with a reason, or put it back (a branch does not exempt
  itself from the board its upper organization reads);
- CHANGE over a training course's area: the course, its sessions, enrolment
  and attendance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from linli.core import audit
from linli.core.actions import Conflict
from linli.core.models import Organization, PartyOrganization, Person
from linli.core.scoping import Perm, can, scope_queryset
from linli.core.uploads import check_upload
from linli.party import queries, tally
from linli.party.models import (
    Attachment,
    Attendance,
    BoardExclusion,
    Campaign,
    CampaignLecture,
    CampaignOrganization,
    CampaignTask,
    CampaignTaskDone,
    CommitteeMember,
    Decision,
    Enrolment,
    Meeting,
    SessionAttendance,
    TrainingCourse,
    TrainingSession,
)
from linli.problems import actions as problem_actions
from linli.problems.models import Problem


class IllegalTransition(Conflict):
    """The record is not (or no longer) in a state this step starts from; nothing changed. The API answers 409."""


def _require(actor: Any, perm: Perm, obj: models.Model | None = None) -> None:
    if actor is None:  # the system (seeding) acts without a scope
        return
    if not can(actor, perm, obj):
        raise PermissionDenied(_("You do not have permission to do this here."))


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


_REFUSALS = {
    "edit": gettext_noop("Only a recorded or returned meeting record can be changed (this one is now: %(state)s)."),
    "submit": gettext_noop("Only a recorded or returned meeting record can be submitted (this one is now: %(state)s)."),
    "accept": gettext_noop("Only a submitted meeting record can be accepted (this one is now: %(state)s)."),
    "return": gettext_noop("Only a submitted meeting record can be returned (this one is now: %(state)s)."),
}


def _refuse(step: str, state: str) -> IllegalTransition:
    # Translated at call time, in the request's language.
    return IllegalTransition(_(_REFUSALS[step]) % {"state": Meeting.State(state).label}, code="illegal_transition")


def _lock(meeting: Meeting, step: str) -> Meeting:
    """The meeting's current row, locked to the end of the transaction; refused unless `step` is allowed.

    The lock makes the state check hold: someone submitting the record while
    another person adds a decision waits here and then sees the new state.
    """
    locked = Meeting.objects.select_for_update(of=("self",)).select_related("party_organization").get(pk=meeting.pk)
    if not locked.allows(step):
        raise _refuse(step, locked.state)
    return locked


# Attendance --------------------------------------------------------------------------

Guest = Person | str  # a person on record, or the name of someone who is not (a visiting lecturer)


def _attendance_rows(
    meeting: Meeting, *, present: Iterable[Person], absent: Mapping[Person, str], guests: Iterable[Guest],
) -> list[Attendance]:
    """The attendance of `meeting` as rows to save, or a ValidationError naming each problem's field.

    The expected members come from the membership (or, for a 支委会, the
    committee) on the meeting's date; each must be present or absent with a
    reason. Anyone else is a guest, and must be marked so.
    """
    expected = {e.person.pk: e for e in queries.expected_attendees(
        meeting.party_organization, meeting.kind, meeting.held_on)}
    errors: dict[str, list[str]] = {}
    present = list(present)
    present_ids = {p.pk for p in present}
    absent_ids = {p.pk for p in absent}
    for person in present:
        if person.pk not in expected:
            errors.setdefault("present", []).append(
                _("%(name)s is not an expected member of this meeting on %(date)s: add them as a guest.")
                % {"name": person.name, "date": meeting.held_on})
    for person, reason in absent.items():
        if person.pk not in expected:
            errors.setdefault("absent", []).append(
                _("%(name)s is not an expected member of this meeting: only members are recorded as absent.")
                % {"name": person.name})
        elif person.pk in present_ids:
            errors.setdefault("absent", []).append(
                _("%(name)s is marked both present and absent.") % {"name": person.name})
        elif not (reason or "").strip():
            errors.setdefault("absent", []).append(
                _("Give the reason for %(name)s's absence.") % {"name": person.name})
    if meeting.kind == Meeting.Kind.TALK:
        # A 谈心谈话 is between a few members: only those who took part are recorded.
        expected = {pk: e for pk, e in expected.items() if pk in present_ids or pk in absent_ids}
    missing = [e.person.name for pk, e in expected.items() if pk not in present_ids and pk not in absent_ids]
    if missing:
        errors.setdefault("present", []).append(
            _("Mark each expected member present or absent: %(names)s.") % {"names": "、".join(missing)})
    rows = [Attendance(meeting=meeting, person=e.person, name=e.person.name, role=Attendance.Role.MEMBER,
                       present=pk in present_ids, absence_reason=(absent.get(e.person) or "").strip()
                       if pk not in present_ids else "", voting=e.voting, committee=e.committee)
            for pk, e in expected.items()]
    seen_guests: set[int] = set()
    for guest in guests:
        if isinstance(guest, str):
            name = guest.strip()
            if name:
                rows.append(Attendance(meeting=meeting, name=name[:100], role=Attendance.Role.GUEST))
            continue
        if guest.pk in expected:
            errors.setdefault("guests", []).append(
                _("%(name)s is an expected member: mark them present, not as a guest.") % {"name": guest.name})
        elif guest.pk not in seen_guests:
            seen_guests.add(guest.pk)
            rows.append(Attendance(meeting=meeting, person=guest, name=guest.name, role=Attendance.Role.GUEST))
    attending = present_ids | seen_guests
    for field in ("chair", "recorder"):
        person = getattr(meeting, field)
        if person is not None and person.pk not in attending:
            errors.setdefault(field, []).append(
                _("%(name)s is not recorded as present at this meeting.") % {"name": person.name})
    if errors:
        raise ValidationError(errors)
    return rows


def _check_references(actor: Any, meeting: Meeting) -> None:
    """Chair and recorder are people the actor can see (guests may come from anywhere)."""
    if actor is None:
        return
    errors = {f: _("Choose a person in your area.") for f in ("chair", "recorder")
              if getattr(meeting, f) is not None and not can(actor, Perm.VIEW, getattr(meeting, f))}
    if errors:
        raise ValidationError(errors)


MEETING_FIELDS = ("held_on", "place", "topic", "agenda", "campaign", "chair", "recorder", "minutes")


def _validate(meeting: Meeting) -> None:
    # Before full_clean, whose constraint check would say the same without naming the field.
    if meeting.kind == Meeting.Kind.SPECIAL and meeting.campaign_id is None:
        raise ValidationError({"campaign": _("Choose the campaign this special meeting belongs to.")})
    if meeting.campaign_id is not None:
        porg = meeting.party_organization
        covered = {porg.pk} | ({porg.parent_id} if porg.level == PartyOrganization.Level.GROUP else set())
        if not CampaignOrganization.objects.filter(campaign=meeting.campaign_id,
                                                   party_organization__in=covered).exists():
            raise ValidationError({"campaign": _("%(org)s is not covered by the campaign %(campaign)s.")
                                   % {"org": porg, "campaign": meeting.campaign}})
    meeting.full_clean(exclude=["party_organization"])


@transaction.atomic
def record_meeting(
    *, actor: Any, party_organization: PartyOrganization, kind: str, present: Iterable[Person] = (),
    absent: Mapping[Person, str] | None = None, guests: Iterable[Guest] = (), **fields: Any,
) -> Meeting:
    """Record a meeting that was held: its details and its whole attendance at once.

    Refused, with nothing saved, when the date is in the future, an expected
    member is neither present nor absent with a reason, or someone who is not
    an expected member is recorded as present instead of as a guest.
    """
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"record_meeting() got unexpected fields: {sorted(unknown)}")
    _require(actor, Perm.CHANGE, party_organization)
    is_group = party_organization.level == PartyOrganization.Level.GROUP
    if kind == Meeting.Kind.GROUP and not is_group:
        raise ValidationError({"kind": _("Only a party group holds a party group meeting: record it under the group.")})
    if is_group and kind in (Meeting.Kind.GENERAL_ASSEMBLY, Meeting.Kind.COMMITTEE):
        raise ValidationError({"kind": _("A party group does not hold a %(kind)s: record it under its branch.")
                               % {"kind": Meeting.Kind(kind).label}})
    meeting = Meeting(party_organization=party_organization, kind=kind, created_by=_user(actor), **fields)
    _validate(meeting)
    _check_references(actor, meeting)
    rows = _attendance_rows(meeting, present=present, absent=absent or {}, guests=guests)
    meeting.save()
    tally.add(party_organization.pk, kind, meeting.held_on, 1)
    for row in rows:
        row.meeting = meeting
    Attendance.objects.bulk_create(rows)
    if kind == Meeting.Kind.TALK:
        tally.recount_talks(tally.branch_of(party_organization))
    audit.record(actor=actor, action="party.meeting_recorded", target=meeting,
                 changes=audit.diff({}, audit.snapshot(meeting)), data=_attendance_summary(rows))
    return meeting


def _attendance_summary(rows: Sequence[Attendance]) -> dict[str, Any]:
    members = [r for r in rows if r.role == Attendance.Role.MEMBER]
    return {"expected": len(members), "present": sum(r.present for r in members),
            "absent": {r.name: r.absence_reason for r in members if not r.present},
            "guests": "、".join(r.name for r in rows if r.role == Attendance.Role.GUEST)}


@transaction.atomic
def update_meeting(
    *, actor: Any, meeting: Meeting, present: Iterable[Person] | None = None,
    absent: Mapping[Person, str] | None = None, guests: Iterable[Guest] | None = None, **fields: Any,
) -> Meeting:
    """Change a recorded or returned meeting; with `present` given, its attendance is recorded afresh.

    A change of date re-checks the attendance against the membership on the
    new date (with the attendance given, or else the one on record).
    """
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"update_meeting() got unexpected fields: {sorted(unknown)}")
    _require(actor, Perm.CHANGE, meeting)
    locked = _lock(meeting, "edit")
    before = audit.snapshot(locked)
    held_before = locked.held_on
    for name, value in fields.items():
        setattr(locked, name, value)
    _validate(locked)
    _check_references(actor, locked)
    rows: list[Attendance] | None = None
    if present is not None or "held_on" in fields or "chair" in fields or "recorder" in fields:
        current = list(locked.attendances.select_related("person"))
        if present is None:
            present = [a.person for a in current if a.present and a.role == Attendance.Role.MEMBER and a.person]
            absent = {a.person: a.absence_reason for a in current if not a.present and a.person}
            guests = [a.person or a.name for a in current if a.role == Attendance.Role.GUEST]
        rows = _attendance_rows(locked, present=present, absent=absent or {}, guests=guests or ())
    locked.save()
    if locked.held_on != held_before:  # the board's count moves with the date (kind and organization are fixed)
        tally.add(locked.party_organization_id, locked.kind, held_before, -1)
        tally.add(locked.party_organization_id, locked.kind, locked.held_on, 1)
    data: dict[str, Any] = {}
    if rows is not None:
        locked.attendances.all().delete()
        Attendance.objects.bulk_create(rows)
        data = _attendance_summary(rows)
        if locked.kind == Meeting.Kind.TALK:  # its pairs or its date (and so the seats that count) changed
            tally.recount_talks(tally.branch_of(locked.party_organization))
    audit.record(actor=actor, action="party.meeting_updated", target=locked,
                 changes=audit.diff(before, audit.snapshot(locked)), data=data)
    for name in (*fields, "updated_at"):
        setattr(meeting, name, getattr(locked, name))
    return meeting


@transaction.atomic
def record_decision(
    *, actor: Any, meeting: Meeting, text: str, kind: str = Decision.Kind.RESOLUTION, votes_for: int = 0,
    votes_against: int = 0, abstentions: int = 0,
) -> Decision:
    """Add a decision (or an election result) with its votes to a 党员大会 or 支委会.

    Refused when the meeting lacked its quorum: more than half of the voting
    members (committee members for a 支委会), four fifths for an election at a
    党员大会; and when more votes are recorded than there were voters present.
    """
    _require(actor, Perm.CHANGE, meeting)
    locked = _lock(meeting, "edit")
    if locked.kind not in Meeting.DECIDING_KINDS:
        raise ValidationError({"kind": _("Only a branch general assembly or a branch committee meeting "
                                         "records decisions and votes.")})
    quorum = locked.quorum()
    assert quorum is not None  # a deciding kind
    if kind == Decision.Kind.ELECTION and quorum.election_needed is not None:
        if not quorum.election_met:
            raise ValidationError({"kind": _(
                "An election needs four fifths of the voting members present: %(present)s of %(electorate)s "
                "were present, %(needed)s are needed.") % {
                "present": quorum.present, "electorate": quorum.electorate, "needed": quorum.election_needed}})
    elif not quorum.met:
        raise ValidationError({"kind": _(
            "A decision needs more than half of the %(who)s present: %(present)s of %(electorate)s were "
            "present, %(needed)s are needed.") % {
            "who": _("committee members") if locked.kind == Meeting.Kind.COMMITTEE else _("voting members"),
            "present": quorum.present, "electorate": quorum.electorate, "needed": quorum.needed}})
    decision = Decision(meeting=locked, kind=kind, text=text, votes_for=votes_for, votes_against=votes_against,
                        abstentions=abstentions)
    decision.full_clean(exclude=["meeting"])
    if votes_for + votes_against + abstentions > quorum.present:
        raise ValidationError({"votes_for": _(
            "%(votes)s votes are more than the %(present)s voters present.") % {
            "votes": votes_for + votes_against + abstentions, "present": quorum.present}})
    decision.save()
    audit.record(actor=actor, action="party.decision_recorded", target=locked,
                 data={"kind": kind, "text": text[:200], "votes": f"{votes_for}/{votes_against}/{abstentions}",
                       "passed": decision.passed(quorum)})
    return decision


# Attachments ------------------------------------------------------------------------

# What a meeting's record may carry: each name's extension, and the kind of
# content (see core.uploads) a file of that name must hold.
_EXTENSIONS: dict[str, str] = {
    "pdf": "pdf", "jpg": "jpg", "jpeg": "jpg", "png": "png",
    "docx": "ooxml", "xlsx": "ooxml", "pptx": "ooxml", "doc": "ole", "xls": "ole", "ppt": "ole",
}


def _check_file(upload: UploadedFile) -> None:
    name = upload.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in _EXTENSIONS:
        raise ValidationError({"file": _("Attach a PDF, a photo (JPG, PNG) or an Office document "
                                         "(Word, Excel, PowerPoint).")})
    # Size and content by the platform's one rule; then the content must be what the name says.
    checked = check_upload(upload, field="file", office=True)
    if checked.extension != _EXTENSIONS[extension]:
        raise ValidationError({"file": _("The file's content is not a .%(ext)s file.") % {"ext": extension}})


@transaction.atomic
def add_attachment(*, actor: Any, meeting: Meeting, file: UploadedFile) -> Attachment:
    _require(actor, Perm.CHANGE, meeting)
    locked = _lock(meeting, "edit")
    _check_file(file)
    attachment = Attachment(meeting=locked, file=file, name=(file.name or "")[:200], size=file.size or 0,
                            uploaded_by=_user(actor))
    attachment.save()
    audit.record(actor=actor, action="party.attachment_added", target=locked,
                 data={"name": attachment.name, "size": attachment.size})
    return attachment


# Submission and review -------------------------------------------------------------

def _move(meeting: Meeting, step: str, to: str, *, also: Q | None = None, **fields: Any) -> str:
    """Take the meeting through `step` to `to` by a conditional UPDATE; return the state it left.

    The WHERE on the state is what settles a race: of two reviewers pressing
    accept and return at once, the second waits for the first's row lock,
    then matches no row and is refused. `also` adds a condition checked in
    the same WHERE.
    """
    current = Meeting.objects.filter(pk=meeting.pk).values_list("state", flat=True).first()
    allowed = Meeting.TRANSITIONS[step]
    fields.update(state=to, updated_at=timezone.now())
    moving = Meeting.objects.filter(also or Q(), pk=meeting.pk, state__in=allowed)
    if current is None or not moving.update(**fields):
        raise _refuse(step, Meeting.objects.filter(pk=meeting.pk).values_list("state", flat=True).first() or "")
    for name, value in fields.items():
        setattr(meeting, name, value)
    return str(current)


@transaction.atomic
def submit_meeting(*, actor: Any, meeting: Meeting) -> Meeting:
    """Send the record to the upper organization for review. The minutes must be written."""
    _require(actor, Perm.CHANGE, meeting)
    if meeting.party_organization.parent_id is None:
        raise ValidationError(_("%(org)s has no upper organization to submit to.")
                              % {"org": meeting.party_organization})
    if not Meeting.objects.filter(pk=meeting.pk).exclude(minutes="").exists():
        raise ValidationError({"minutes": _("Write the minutes before submitting the record.")})
    # Checked again in the UPDATE: an edit emptying the minutes may commit in between.
    before = _move(meeting, "submit", Meeting.State.SUBMITTED, also=~Q(minutes=""), submitted_at=timezone.now())
    audit.record(actor=actor, action="party.meeting_submitted", target=meeting,
                 changes={"state": [before, meeting.state]})
    return meeting


def _require_reviewer(actor: Any, meeting: Meeting) -> None:
    upper = meeting.party_organization.parent
    if upper is None:
        raise ValidationError(_("%(org)s has no upper organization.") % {"org": meeting.party_organization})
    if actor is not None and not can(actor, Perm.REVIEW, upper):
        raise PermissionDenied(_("Only the upper organization (%(upper)s) reviews this record.") % {"upper": upper})


@transaction.atomic
def accept_meeting(*, actor: Any, meeting: Meeting, comment: str = "") -> Meeting:
    _require_reviewer(actor, meeting)
    before = _move(meeting, "accept", Meeting.State.ACCEPTED, review_comment=comment.strip(),
                   reviewed_by=_user(actor), reviewed_at=timezone.now())
    audit.record(actor=actor, action="party.meeting_accepted", target=meeting,
                 changes={"state": [before, meeting.state]}, data={"comment": comment.strip()})
    return meeting


@transaction.atomic
def return_meeting(*, actor: Any, meeting: Meeting, comment: str) -> Meeting:
    """Send the record back to the branch, saying what to put right."""
    _require_reviewer(actor, meeting)
    if not comment.strip():
        raise ValidationError({"comment": _("Say what the branch should put right.")})
    before = _move(meeting, "return", Meeting.State.RETURNED, review_comment=comment.strip(),
                   reviewed_by=_user(actor), reviewed_at=timezone.now())
    audit.record(actor=actor, action="party.meeting_returned", target=meeting,
                 changes={"state": [before, meeting.state]}, data={"comment": comment.strip()})
    return meeting


# Committees --------------------------------------------------------------------------

@transaction.atomic
def add_committee_member(
    *, actor: Any, party_organization: PartyOrganization, person: Person, started_on: Any,
    position: str = CommitteeMember.Position.MEMBER,
) -> CommitteeMember:
    """Seat a member of the organization on its committee from `started_on`."""
    _require(actor, Perm.CHANGE, party_organization)
    if not queries.members_on(party_organization, started_on).filter(pk=person.pk).exists():
        raise ValidationError({"person": _("%(name)s is not a member of %(org)s.")
                               % {"name": person.name, "org": party_organization}})
    seat = CommitteeMember(party_organization=party_organization, person=person, started_on=started_on,
                           position=position)
    seat.full_clean()
    if CommitteeMember.objects.filter(party_organization=party_organization, person=person,
                                      ended_on__isnull=True).exists():
        raise ValidationError({"person": _("%(name)s already sits on this committee.") % {"name": person.name}})
    seat.save()
    tally.recount_talks(party_organization.pk)  # the seat may cover talks already recorded
    audit.record(actor=actor, action="party.committee_member_added", target=party_organization,
                 data={"name": person.name, "position": position, "from": str(started_on)})
    return seat


@transaction.atomic
def end_committee_seat(*, actor: Any, seat: CommitteeMember, ended_on: Any) -> CommitteeMember:
    _require(actor, Perm.CHANGE, seat.party_organization)
    seat.ended_on = ended_on
    seat.full_clean()
    seat.save(update_fields=["ended_on"])
    tally.recount_talks(seat.party_organization_id)  # talks after the end no longer count the seat
    audit.record(actor=actor, action="party.committee_member_ended", target=seat.party_organization,
                 data={"name": seat.person.name, "until": str(ended_on)})
    return seat


# The compliance board ------------------------------------------------------------------

def _require_board_reviewer(actor: Any, party_organization: PartyOrganization) -> None:
    """REVIEW over the organization above the branch, as for its meeting records: the branch's own secretary
    holds REVIEW over their neighborhood, and must not be able to take their branch off the board."""
    upper = party_organization.parent
    if upper is None:  # nobody above: whoever reviews the branch itself
        _require(actor, Perm.REVIEW, party_organization)
    elif actor is not None and not can(actor, Perm.REVIEW, upper):
        raise PermissionDenied(_("Only the upper organization (%(upper)s) leaves a branch out of the board "
                                 "or puts it back.") % {"upper": upper})


@transaction.atomic
def exclude_from_board(*, actor: Any, party_organization: PartyOrganization, reason: str) -> BoardExclusion:
    """Leave a branch off the compliance board (newly founded, being merged), saying why."""
    _require_board_reviewer(actor, party_organization)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why this branch is left out of the board.")})
    exclusion, _created = BoardExclusion.objects.update_or_create(
        party_organization=party_organization, defaults={"reason": reason.strip(), "created_by": _user(actor)})
    audit.record(actor=actor, action="party.board_excluded", target=party_organization,
                 data={"reason": reason.strip()})
    return exclusion


@transaction.atomic
def include_in_board(*, actor: Any, party_organization: PartyOrganization) -> None:
    _require_board_reviewer(actor, party_organization)
    if BoardExclusion.objects.filter(party_organization=party_organization).delete()[0]:
        audit.record(actor=actor, action="party.board_included", target=party_organization)


# Training courses --------------------------------------------------------------------

@transaction.atomic
def create_course(
    *, actor: Any, title: str, area: Any, starts_on: Any, ends_on: Any, organizer: PartyOrganization | None = None,
    description: str = "",
) -> TrainingCourse:
    """A course run for an area (the street's training of its secretaries); CHANGE over that area."""
    course = TrainingCourse(title=title, area=area, organizer=organizer, starts_on=starts_on, ends_on=ends_on,
                            description=description, created_by=_user(actor))
    course.full_clean()
    if organizer is not None:
        _require(actor, Perm.VIEW, organizer)
    course.save()
    _require(actor, Perm.CHANGE, course)  # after the write, as in core: not in an area the actor does not hold
    audit.record(actor=actor, action="party.course_created", target=course,
                 changes=audit.diff({}, audit.snapshot(course)))
    return course


@transaction.atomic
def add_session(
    *, actor: Any, course: TrainingCourse, topic: str, starts_at: Any, ends_at: Any, lecturer: str = "",
    format: str = TrainingSession.Format.LECTURE, place: str = "",
) -> TrainingSession:
    _require(actor, Perm.CHANGE, course)
    session = TrainingSession(course=course, topic=topic, lecturer=lecturer, format=format, starts_at=starts_at,
                              ends_at=ends_at, place=place)
    session.full_clean()
    day = timezone.localtime(starts_at).date() if timezone.is_aware(starts_at) else starts_at.date()
    if not course.starts_on <= day <= course.ends_on:
        raise ValidationError({"starts_at": _("The session is outside the course's dates (%(start)s – %(end)s).")
                               % {"start": course.starts_on, "end": course.ends_on}})
    session.save()
    audit.record(actor=actor, action="party.session_added", target=course,
                 data={"topic": topic, "lecturer": lecturer, "format": format, "starts_at": str(starts_at)})
    return session


@transaction.atomic
def enrol(*, actor: Any, course: TrainingCourse, people: Iterable[Person]) -> list[Enrolment]:
    """Enrol people in a course (those already enrolled are left as they are); each must be in the actor's view."""
    _require(actor, Perm.CHANGE, course)
    people = list(people)
    if actor is not None:
        hidden = [p.name for p in people if not can(actor, Perm.VIEW, p)]
        if hidden:
            raise ValidationError({"people": _("Choose people in your area: %(names)s.")
                                   % {"names": "、".join(hidden)}})
    already = set(Enrolment.objects.filter(course=course).values_list("person_id", flat=True))
    new = [Enrolment(course=course, person=p) for p in {p.pk: p for p in people}.values() if p.pk not in already]
    Enrolment.objects.bulk_create(new)
    if new:
        audit.record(actor=actor, action="party.enrolled", target=course,
                     data={"count": len(new), "names": "、".join(e.person.name for e in new)})
    return new


@transaction.atomic
def record_session_attendance(
    *, actor: Any, session: TrainingSession, present: Iterable[Person], absent: Mapping[Person, str] | None = None,
) -> list[SessionAttendance]:
    """Who attended a session, recorded afresh: every enrolled person present, or absent with a reason.

    Refused, with nothing saved, before the session has started, for a
    person who is not enrolled, or for an absentee without a reason.
    """
    _require(actor, Perm.CHANGE, session.course)
    absent = absent or {}
    if session.starts_at > timezone.now():
        raise ValidationError({"session": _("This session has not started yet: attendance is recorded afterwards.")})
    enrolled = {e.person_id: e.person for e in Enrolment.objects.filter(course=session.course_id)
                .select_related("person")}
    present = list(present)
    errors: dict[str, list[str]] = {}
    for person in [*present, *absent]:
        if person.pk not in enrolled:
            errors.setdefault("present" if person in present else "absent", []).append(
                _("%(name)s is not enrolled in this course.") % {"name": person.name})
    present_ids = {p.pk for p in present}
    for person, reason in absent.items():
        if person.pk in present_ids:
            errors.setdefault("absent", []).append(_("%(name)s is marked both present and absent.")
                                                   % {"name": person.name})
        elif not (reason or "").strip():
            errors.setdefault("absent", []).append(_("Give the reason for %(name)s's absence.")
                                                   % {"name": person.name})
    absent_ids = {p.pk for p in absent}
    missing = [p.name for pk, p in enrolled.items() if pk not in present_ids and pk not in absent_ids]
    if missing:
        errors.setdefault("present", []).append(
            _("Mark each enrolled person present or absent: %(names)s.") % {"names": "、".join(missing)})
    if errors:
        raise ValidationError(errors)
    reasons = {p.pk: r.strip() for p, r in absent.items()}
    rows = [SessionAttendance(session=session, person=p, present=pk in present_ids,
                              absence_reason="" if pk in present_ids else reasons[pk])
            for pk, p in enrolled.items()]
    SessionAttendance.objects.filter(session=session).delete()
    SessionAttendance.objects.bulk_create(rows)
    audit.record(actor=actor, action="party.session_attendance_recorded", target=session.course,
                 data={"session": session.topic, "present": len(present_ids),
                       "absent": {enrolled[pk].name: r for pk, r in reasons.items()}})
    return rows


# Campaigns ---------------------------------------------------------------------------

@transaction.atomic
def create_campaign(
    *, actor: Any, name: str, area: Any, lead: PartyOrganization | None, starts_on: Any, ends_on: Any,
    description: str = "",
) -> Campaign:
    """A street-level campaign plan (主题教育): CHANGE over its area, a lead organization in view."""
    if lead is None:
        raise ValidationError({"lead": _("Choose the organization that leads the campaign.")})
    campaign = Campaign(name=name.strip(), area=area, lead=lead, starts_on=starts_on, ends_on=ends_on,
                        description=description.strip(), created_by=_user(actor))
    campaign.full_clean()
    _require(actor, Perm.VIEW, lead)
    campaign.save()
    _require(actor, Perm.CHANGE, campaign)  # after the write, as in core: not in an area the actor does not hold
    audit.record(actor=actor, action="party.campaign_created", target=campaign,
                 changes=audit.diff({}, audit.snapshot(campaign)))
    return campaign


def subtree(root: PartyOrganization, levels: Iterable[str] = (PartyOrganization.Level.BRANCH,)) -> list[int]:
    """Ids of `root` and the organizations below it whose level is one of `levels`."""
    ids = {root.pk, *root.descendant_ids()}
    return list(PartyOrganization.objects.filter(pk__in=ids, level__in=list(levels)).values_list("pk", flat=True))


@transaction.atomic
def cover_organizations(
    *, actor: Any, campaign: Campaign, party_organizations: Iterable[PartyOrganization],
) -> list[CampaignOrganization]:
    """Add party organizations to the campaign (those already covered stay as they are).

    Pick them by subtree with `subtree()`: a community committee's branches,
    say. Each must be in the actor's view.
    """
    _require(actor, Perm.CHANGE, campaign)
    orgs = {p.pk: p for p in party_organizations}
    if actor is not None and orgs:
        visible = set(scope_queryset(PartyOrganization.objects.filter(pk__in=orgs), actor)
                      .values_list("pk", flat=True))
        hidden = [p.name for pk, p in orgs.items() if pk not in visible]
        if hidden:
            raise ValidationError({"party_organizations": _("Choose party organizations in your area: %(names)s.")
                                   % {"names": "、".join(hidden)}})
    # Two people covering organizations at once (a subtree each, overlapping): the campaign's row lock
    # makes the second wait, then read the first one's entries, so nobody is added twice or refused.
    Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
    already = set(campaign.entries.values_list("party_organization_id", flat=True))
    new = [CampaignOrganization(campaign=campaign, party_organization=p) for pk, p in orgs.items()
           if pk not in already]
    CampaignOrganization.objects.bulk_create(new)
    if new:
        audit.record(actor=actor, action="party.campaign_organizations_added", target=campaign,
                     data={"count": len(new), "organizations": "、".join(e.party_organization.name for e in new[:200])})
    return new


@transaction.atomic
def add_campaign_task(
    *, actor: Any, campaign: Campaign, kind: str, title: str = "", due_on: Any = None,
    party_organization: PartyOrganization | None = None,
) -> CampaignTask:
    """A task every covered organization must do, or (with `party_organization`) one of them only."""
    _require(actor, Perm.CHANGE, campaign)
    if kind not in CampaignTask.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of task.")})
    if party_organization is not None and not campaign.entries.filter(
            party_organization=party_organization).exists():
        raise ValidationError({"party_organization": _(
            "%(org)s is not covered by this campaign: add it to the campaign first.")
            % {"org": party_organization}})
    task = CampaignTask(campaign=campaign, kind=kind, title=(title or "").strip() or str(CampaignTask.Kind(kind).label),
                        due_on=due_on, party_organization=party_organization)
    task.full_clean()
    task.save()
    audit.record(actor=actor, action="party.campaign_task_added", target=campaign,
                 data={"task": task.title, "kind": kind, "organization": str(party_organization or "")})
    return task


def _entry(campaign: Campaign, party_organization: PartyOrganization, field: str) -> CampaignOrganization:
    entry = campaign.entries.filter(party_organization=party_organization).first()
    if entry is None:
        raise ValidationError({field: _("%(org)s is not covered by the campaign %(campaign)s.")
                               % {"org": party_organization, "campaign": campaign}})
    return entry


@transaction.atomic
def log_lecture(
    *, actor: Any, campaign: Campaign, party_organization: PartyOrganization, speaker: str, given_on: Any,
    topic: str = "", audience: int | None = None,
) -> CampaignLecture:
    """A lecture of the campaign given at a covered organization; CHANGE over that organization."""
    _require(actor, Perm.CHANGE, party_organization)
    if not (speaker or "").strip():
        raise ValidationError({"speaker": _("Name the speaker.")})
    _entry(campaign, party_organization, "party_organization")
    lecture = CampaignLecture(campaign=campaign, party_organization=party_organization, speaker=speaker.strip(),
                              given_on=given_on, topic=(topic or "").strip(), audience=audience,
                              recorded_by=_user(actor))
    lecture.full_clean()
    lecture.save()
    audit.record(actor=actor, action="party.campaign_lecture_logged", target=campaign,
                 data={"speaker": lecture.speaker, "organization": party_organization.name,
                       "date": str(given_on), "topic": lecture.topic})
    return lecture


@transaction.atomic
def mark_task_done(
    *, actor: Any, task: CampaignTask, party_organization: PartyOrganization, done_on: Any, note: str,
) -> CampaignTaskDone:
    """An organization records that it did a task of kind "other", saying what it did.

    The other kinds are done by their records (a meeting, a problem list, a
    lecture), never by a tick.
    """
    _require(actor, Perm.CHANGE, party_organization)
    if task.kind != CampaignTask.Kind.OTHER:
        raise ValidationError({"task": _("This task is done by its record (%(kind)s), not by a tick.")
                               % {"kind": CampaignTask.Kind(task.kind).label}})
    if task.party_organization_id not in (None, party_organization.pk):
        raise ValidationError({"party_organization": _("This task is for %(org)s only.")
                               % {"org": task.party_organization}})
    _entry(task.campaign, party_organization, "party_organization")
    if not (note or "").strip():
        raise ValidationError({"note": _("Say what was done.")})
    done = CampaignTaskDone(task=task, party_organization=party_organization, done_on=done_on, note=note.strip(),
                            recorded_by=_user(actor))
    done.full_clean()
    done.save()
    audit.record(actor=actor, action="party.campaign_task_done", target=task.campaign,
                 data={"task": task.title, "organization": party_organization.name, "note": done.note})
    return done


@dataclass(frozen=True)
class ProblemItem:
    """One line of a problem list."""

    title: str
    description: str = ""
    kind: str = "deadline"
    deadline: Any = None


@transaction.atomic
def submit_problem_list(
    *, actor: Any, campaign: Campaign, party_organization: PartyOrganization, problems: Sequence[ProblemItem],
    owner: Organization | None = None, found_on: Any = None,
) -> list[Any]:
    """A covered organization's problem list from its self-examination, put on the problems app's list.

    Each line becomes a problem (source: self-examination) whose origin is the
    organization's place in the campaign; that is what "its problem list"
    means. The owner who rectifies is the unit the party organization belongs
    to, or, for a branch attached to an area only, the organization named.
    All lines are saved or none.
    """
    _require(actor, Perm.CHANGE, party_organization)
    entry = _entry(campaign, party_organization, "party_organization")
    lines = [p for p in problems if p.title.strip()]
    if not lines:
        raise ValidationError({"problems": _("List at least one problem found.")})
    owner = owner or party_organization.organization
    if owner is None:
        raise ValidationError({"owner": _("%(org)s belongs to no unit: choose the organization that rectifies "
                                          "the problems.") % {"org": party_organization}})
    area = party_organization.area or (party_organization.organization.area
                                       if party_organization.organization else None)
    if area is None:
        raise ValidationError({"party_organization": _("%(org)s is in no area.") % {"org": party_organization}})
    created = []
    for n, line in enumerate(lines, 1):
        try:
            created.append(problem_actions.create_problem(
                actor=actor, title=line.title, description=line.description, source=Problem.Source.SELF_EXAMINATION,
                area=area, owner=owner, kind=line.kind, deadline=line.deadline, found_on=found_on, origin=entry))
        except ValidationError as error:
            fields = error.message_dict if hasattr(error, "error_dict") else {"problems": error.messages}
            raise ValidationError({"problems": [_("Line %(n)s: %(msg)s") % {"n": n, "msg": " ".join(msgs)}
                                                for msgs in fields.values()]}) from error
    audit.record(actor=actor, action="party.campaign_problem_list_submitted", target=campaign,
                 data={"organization": party_organization.name, "problems": len(created)})
    return created
