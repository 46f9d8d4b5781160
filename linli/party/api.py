"""JSON endpoints for party work, under /api/v1/party.

Thin, like core's: parse → one query or action → schema. A meeting or party
organization out of the caller's scope answers 404; one they may see but not
act on (a branch reviewing its own record) 403; a step from the wrong state
(accepting a record already accepted or returned) 409, with a sentence
naming the record's state; invalid input 422 naming the field.
"""

import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from linli.core.api import AreaRef, Pagination, PartyOrganizationRef, PersonRef
from linli.core.models import Person
from linli.core.scoping import scope_queryset
from linli.party import actions, queries
from linli.party.models import Attendance, Decision, Meeting

router = Router(tags=["party"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]  # set by ninja's authentication


# Schemas -----------------------------------------------------------------------------

class AttendanceOut(Schema):
    person: PersonRef | None = Field(description="Null for a guest kept by name only.")
    name: str
    role: Attendance.Role
    present: bool
    absence_reason: str
    voting: bool = Field(description="A full member as the membership stood when recorded.")
    committee: bool


class QuorumOut(Schema):
    electorate: int = Field(description="Voting members (党员大会) or committee members (支委会) expected.")
    present: int
    needed: int = Field(description="More than half of the electorate.")
    election_needed: int | None = Field(description="Four fifths of the voting members, 党员大会 only.")
    met: bool
    election_met: bool


class DecisionOut(Schema):
    id: int
    kind: Decision.Kind
    text: str
    votes_for: int
    votes_against: int
    abstentions: int


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    uploaded_at: datetime.datetime


class MeetingOut(Schema):
    id: int
    party_organization: PartyOrganizationRef
    kind: Meeting.Kind
    state: Meeting.State
    held_on: datetime.date
    topic: str
    place: str
    campaign: str
    chair: PersonRef | None
    recorder: PersonRef | None
    submitted_at: datetime.datetime | None
    reviewed_at: datetime.datetime | None
    review_comment: str


class MeetingDetailOut(MeetingOut):
    agenda: str
    minutes: str
    attendances: list[AttendanceOut]
    quorum: QuorumOut | None = Field(description="For a 党员大会 or 支委会 only.")
    decisions: list[DecisionOut]
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attendances(obj: Meeting) -> list[Attendance]:
        return list(obj.attendances.select_related("person"))

    @staticmethod
    def resolve_quorum(obj: Meeting) -> Any:
        return obj.quorum()

    @staticmethod
    def resolve_decisions(obj: Meeting) -> list[Decision]:
        return list(obj.decisions.all())

    @staticmethod
    def resolve_attachments(obj: Meeting) -> list[Any]:
        return list(obj.attachments.all())


class MeetingFilterIn(Schema):
    party_organization: int | None = None
    kind: Meeting.Kind | Literal[""] = ""
    state: Meeting.State | Literal[""] = ""
    start: datetime.date | None = None
    end: datetime.date | None = None


class AbsenceIn(Schema):
    person: int
    reason: str = Field(description="Required: why the member was absent.")


class GuestIn(Schema):
    person: int | None = Field(None, description="A person on record, or null with `name`.")
    name: str = Field("", max_length=100, description="A guest who is not on record.")


class MeetingIn(Schema):
    party_organization: int
    kind: Meeting.Kind
    held_on: datetime.date = Field(description="The day it was held; not in the future.")
    topic: str
    place: str = ""
    agenda: str = ""
    campaign: str = Field("", description="Required for a special meeting.")
    chair: int | None = None
    recorder: int | None = None
    minutes: str = ""
    present: list[int] = Field(default_factory=list, description="Ids of the expected members present.")
    absent: list[AbsenceIn] = Field(default_factory=list, description="Every other expected member, with a reason.")
    guests: list[GuestIn] = Field(default_factory=list, description="Anyone else who attended.")


class ReviewIn(Schema):
    comment: str = ""


class DecisionIn(Schema):
    kind: Decision.Kind = Decision.Kind.RESOLUTION
    text: str
    votes_for: int = Field(0, ge=0)
    votes_against: int = Field(0, ge=0)
    abstentions: int = Field(0, ge=0)


class ExpectedOut(Schema):
    person: PersonRef
    voting: bool
    committee: bool


class PeriodOut(Schema):
    label: str
    held: int
    needed: int
    status: Literal["met", "missing", "open", "none"]


class RequirementCellsOut(Schema):
    kind: Meeting.Kind
    period: str
    periods: list[PeriodOut]

    @staticmethod
    def resolve_kind(obj: queries.RequirementCells) -> str:
        return obj.requirement.kind

    @staticmethod
    def resolve_period(obj: queries.RequirementCells) -> str:
        return obj.requirement.period


class BranchRowOut(Schema):
    branch: PartyOrganizationRef
    area: AreaRef | None = Field(description="The area one level below the board's area that holds the branch.")
    missing: int = Field(description="Periods missing, all kinds together.")
    requirements: list[RequirementCellsOut]

    @staticmethod
    def resolve_area(obj: queries.BranchRow) -> Any:
        return obj.group_area

    @staticmethod
    def resolve_missing(obj: queries.BranchRow) -> int:
        return obj.missing_count

    @staticmethod
    def resolve_requirements(obj: queries.BranchRow) -> list[queries.RequirementCells]:
        return obj.cells


class RollupOut(Schema):
    area: AreaRef | None
    branches: int
    with_gaps: int
    missing_by_kind: dict[str, int]


class ExcludedOut(Schema):
    branch: PartyOrganizationRef
    reason: str


class BoardOut(Schema):
    area: AreaRef
    year: int
    rollups: list[RollupOut]
    total: RollupOut
    branches: list[BranchRowOut]
    excluded: list[ExcludedOut]

    @staticmethod
    def resolve_branches(obj: queries.Board) -> list[queries.BranchRow]:
        return obj.rows

    @staticmethod
    def resolve_excluded(obj: queries.Board) -> list[dict[str, Any]]:
        return [{"branch": b, "reason": b.board_exclusion.reason} for b in obj.excluded]  # type: ignore[attr-defined]


class BoardIn(Schema):
    area: str = Field("", description="An area code; by default the widest area the caller holds.")
    year: int | None = Field(None, ge=2000, le=2100)


# Helpers -----------------------------------------------------------------------------

def _people(request: HttpRequest, ids: list[int], field: str, members_of: set[int]) -> dict[int, Person]:
    """The people a payload names, among those the caller may see or the organization's members; else 422."""
    if not ids:
        return {}
    visible = scope_queryset(Person.objects.all(), _actor(request)).values("pk")
    found = {p.pk: p for p in Person.objects.filter(pk__in=ids).filter(
        Q(pk__in=visible) | Q(party_membership__party_organization_id__in=members_of))}
    unknown = [str(i) for i in ids if i not in found]
    if unknown:
        raise ValidationError({field: _("There is no person with id %(ids)s in your area.")
                               % {"ids": ", ".join(unknown)}})
    return found


# Endpoints ---------------------------------------------------------------------------

@router.get("/meetings", response=list[MeetingOut])
@paginate(Pagination)
def list_meetings(request: HttpRequest, filters: Query[MeetingFilterIn]) -> QuerySet[Meeting]:
    f = queries.MeetingFilter(party_organization=filters.party_organization, kind=filters.kind, state=filters.state,
                              start=filters.start, end=filters.end)
    return queries.meetings_visible_to(_actor(request), f).select_related("recorder")


@router.get("/meetings/{meeting_id}", response=MeetingDetailOut)
def get_meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    return queries.meeting_for(_actor(request), meeting_id)


@router.post("/meetings", response={201: MeetingDetailOut})
def record_meeting(request: HttpRequest, payload: MeetingIn) -> Status[Meeting]:
    actor = _actor(request)
    porg = queries.party_organization_for(actor, payload.party_organization)
    members_of = {porg.pk, *porg.descendant_ids()}
    people = {
        **_people(request, payload.present, "present", members_of),
        **_people(request, [a.person for a in payload.absent], "absent", members_of),
        **_people(request, [g.person for g in payload.guests if g.person is not None], "guests", members_of),
        **_people(request, [p for p in (payload.chair, payload.recorder) if p is not None], "chair", members_of),
    }
    guests: list[actions.Guest] = [people[g.person] if g.person is not None else g.name for g in payload.guests]
    meeting = actions.record_meeting(
        actor=actor, party_organization=porg, kind=payload.kind, held_on=payload.held_on, topic=payload.topic,
        place=payload.place, agenda=payload.agenda, campaign=payload.campaign, minutes=payload.minutes,
        chair=people.get(payload.chair) if payload.chair else None,
        recorder=people.get(payload.recorder) if payload.recorder else None,
        present=[people[i] for i in payload.present], absent={people[a.person]: a.reason for a in payload.absent},
        guests=guests,
    )
    return Status(201, queries.meeting_for(actor, meeting.pk))


@router.post("/meetings/{meeting_id}/submit", response=MeetingDetailOut)
def submit_meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    meeting = queries.meeting_for(_actor(request), meeting_id)
    actions.submit_meeting(actor=_actor(request), meeting=meeting)
    return queries.meeting_for(_actor(request), meeting_id)


@router.post("/meetings/{meeting_id}/accept", response=MeetingDetailOut)
def accept_meeting(request: HttpRequest, meeting_id: int, payload: ReviewIn) -> Meeting:
    meeting = queries.meeting_for(_actor(request), meeting_id)
    actions.accept_meeting(actor=_actor(request), meeting=meeting, comment=payload.comment)
    return queries.meeting_for(_actor(request), meeting_id)


@router.post("/meetings/{meeting_id}/return", response=MeetingDetailOut)
def return_meeting(request: HttpRequest, meeting_id: int, payload: ReviewIn) -> Meeting:
    meeting = queries.meeting_for(_actor(request), meeting_id)
    actions.return_meeting(actor=_actor(request), meeting=meeting, comment=payload.comment)
    return queries.meeting_for(_actor(request), meeting_id)


@router.post("/meetings/{meeting_id}/decisions", response={201: DecisionOut})
def record_decision(request: HttpRequest, meeting_id: int, payload: DecisionIn) -> Status[Decision]:
    meeting = queries.meeting_for(_actor(request), meeting_id)
    return Status(201, actions.record_decision(actor=_actor(request), meeting=meeting, **payload.dict()))


@router.post("/meetings/{meeting_id}/attachments", response={201: AttachmentOut})
def add_attachment(request: HttpRequest, meeting_id: int, file: File[UploadedFile]) -> Status[Any]:
    """Attach a file (multipart field `file`): PDF, JPG, PNG or an Office document, checked by its first bytes."""
    meeting = queries.meeting_for(_actor(request), meeting_id)
    return Status(201, actions.add_attachment(actor=_actor(request), meeting=meeting, file=file))


@router.get("/organizations/{party_organization_id}/expected", response=list[ExpectedOut])
def expected_attendees(request: HttpRequest, party_organization_id: int, kind: Meeting.Kind,
                       on: datetime.date | None = None) -> list[queries.Expected]:
    """Who is expected at a meeting of `kind` on `on` (today by default): the members, or the committee."""
    porg = queries.party_organization_for(_actor(request), party_organization_id)
    return queries.expected_attendees(porg, kind, on or timezone.localdate())


@router.get("/board", response=BoardOut)
def compliance_board(request: HttpRequest, filters: Query[BoardIn]) -> queries.Board:
    actor = _actor(request)
    area = (queries.board_areas_for(actor).filter(code=filters.area).first() if filters.area
            else queries.default_board_area(actor))
    if area is None:
        raise ValidationError({"area": _("There is no area with code %(code)s in your area.")
                               % {"code": filters.area}})
    return queries.compliance_board(actor, area, filters.year or timezone.localdate().year)
