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
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from linli.core.api import AreaRef, Pagination, PartyOrganizationRef, PersonRef
from linli.core.models import Area, Organization, PartyOrganization, Person
from linli.core.scoping import scope_queryset
from linli.party import actions, queries
from linli.party.models import (
    Attendance,
    Campaign,
    CampaignLecture,
    CampaignTask,
    CommitteeMember,
    Decision,
    Meeting,
    TrainingCourse,
    TrainingSession,
)

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


class CampaignRef(Schema):
    id: int
    name: str


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
    campaign: CampaignRef | None
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
    campaign: int | None = Field(None, description="A campaign's id; required for a special meeting.")
    chair: int | None = None
    recorder: int | None = None
    minutes: str = ""
    present: list[int] = Field(default_factory=list, description="Ids of the expected members present.")
    absent: list[AbsenceIn] = Field(default_factory=list, description="Every other expected member, with a reason.")
    guests: list[GuestIn] = Field(default_factory=list, description="Anyone else who attended.")


class MeetingChangeIn(Schema):
    """Only the fields sent change. With `present`, the attendance is recorded afresh (`absent` and `guests`
    as sent); without it, the attendance on record stays and is re-checked against a new date."""

    held_on: datetime.date | None = None
    topic: str | None = None
    place: str | None = None
    agenda: str | None = None
    campaign: int | None = None
    chair: int | None = None
    recorder: int | None = None
    minutes: str | None = None
    present: list[int] | None = None
    absent: list[AbsenceIn] = Field(default_factory=list)
    guests: list[GuestIn] = Field(default_factory=list)


class ReviewIn(Schema):
    comment: str = ""


class ExclusionIn(Schema):
    reason: str = Field(description="Why the branch is left out of the board (newly founded, being merged).")


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


class TalkCoverageOut(Schema):
    covered: int = Field(description="Members who had a 谈心谈话 with a committee member in the year.")
    members: int


class BranchRowOut(Schema):
    branch: PartyOrganizationRef
    talks: TalkCoverageOut | None = Field(description="谈心谈话 coverage; null when not required.")
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
    talk_covered: int
    talk_members: int


class ExcludedOut(Schema):
    branch: PartyOrganizationRef
    reason: str


class BoardOut(Schema):
    area: AreaRef
    year: int
    rollups: list[RollupOut] = Field(description="Over every branch on the board, not only this page's.")
    total: RollupOut
    page: int = Field(description="The page of branches listed (50 a page, in name order).")
    pages: int
    branches: list[BranchRowOut] = Field(description="The branches of this page, with their period cells.")
    excluded: list[ExcludedOut]

    @staticmethod
    def resolve_page(obj: queries.Board) -> int:
        return obj.page.number if obj.page else 1

    @staticmethod
    def resolve_pages(obj: queries.Board) -> int:
        return obj.page.paginator.num_pages if obj.page else 1

    @staticmethod
    def resolve_branches(obj: queries.Board) -> list[queries.BranchRow]:
        return obj.rows

    @staticmethod
    def resolve_excluded(obj: queries.Board) -> list[dict[str, Any]]:
        return [{"branch": b, "reason": b.board_exclusion.reason} for b in obj.excluded]  # type: ignore[attr-defined]


class BoardIn(Schema):
    area: str = Field("", description="An area code; by default the widest area the caller holds.")
    year: int | None = Field(None, ge=2000, le=2100)
    page: int = Field(1, ge=1, description="The page of branches (50 a page); the roll-up covers them all.")


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
    campaign = _campaign(porg, payload.campaign)
    meeting = actions.record_meeting(
        actor=actor, party_organization=porg, kind=payload.kind, held_on=payload.held_on, topic=payload.topic,
        place=payload.place, agenda=payload.agenda, campaign=campaign, minutes=payload.minutes,
        chair=people.get(payload.chair) if payload.chair else None,
        recorder=people.get(payload.recorder) if payload.recorder else None,
        present=[people[i] for i in payload.present], absent={people[a.person]: a.reason for a in payload.absent},
        guests=guests,
    )
    return Status(201, queries.meeting_for(actor, meeting.pk))


def _campaign(porg: PartyOrganization, campaign_id: int | None) -> Campaign | None:
    """The campaign (by id) a meeting of `porg` may belong to, or 422 naming the field."""
    if campaign_id is None:
        return None
    campaign = queries.campaigns_for_meeting(porg).filter(pk=campaign_id).first()
    if campaign is None:
        raise ValidationError({"campaign": _("There is no campaign with id %(id)s covering %(org)s.")
                               % {"id": campaign_id, "org": porg}})
    return campaign


@router.patch("/meetings/{meeting_id}", response=MeetingDetailOut)
def update_meeting(request: HttpRequest, meeting_id: int, payload: MeetingChangeIn) -> Meeting:
    """Change a recorded or returned meeting (409 once it is submitted or accepted): a returned record is put
    right here and submitted again."""
    actor = _actor(request)
    meeting = queries.meeting_for(actor, meeting_id)
    sent = payload.dict(exclude_unset=True)
    porg = meeting.party_organization
    members_of = {porg.pk, *porg.descendant_ids()}
    fields: dict[str, Any] = {name: sent[name] for name in ("held_on", "topic", "place", "agenda", "minutes")
                              if name in sent}
    if any(fields.get(name) is None for name in fields):
        raise ValidationError({name: _("This field cannot be empty.") for name in fields if fields[name] is None})
    people = {
        **_people(request, [p for p in (payload.chair, payload.recorder) if p is not None], "chair", members_of),
        **_people(request, payload.present or [], "present", members_of),
        **_people(request, [a.person for a in payload.absent], "absent", members_of),
        **_people(request, [g.person for g in payload.guests if g.person is not None], "guests", members_of),
    }
    for name in ("chair", "recorder"):
        if name in sent:
            fields[name] = people[sent[name]] if sent[name] is not None else None
    if "campaign" in sent:
        fields["campaign"] = _campaign(porg, payload.campaign)
    attendance: dict[str, Any] = {}
    if payload.present is not None:
        attendance = {
            "present": [people[i] for i in payload.present],
            "absent": {people[a.person]: a.reason for a in payload.absent},
            "guests": [people[g.person] if g.person is not None else g.name for g in payload.guests]}
    actions.update_meeting(actor=actor, meeting=meeting, **attendance, **fields)
    return queries.meeting_for(actor, meeting_id)


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


@router.put("/organizations/{party_organization_id}/board-exclusion", response=ExcludedOut)
def exclude_from_board(request: HttpRequest, party_organization_id: int, payload: ExclusionIn) -> dict[str, Any]:
    """Leave a branch out of the compliance board, saying why (REVIEW over its upper organization)."""
    porg = queries.party_organization_for(_actor(request), party_organization_id)
    exclusion = actions.exclude_from_board(actor=_actor(request), party_organization=porg, reason=payload.reason)
    return {"branch": porg, "reason": exclusion.reason}


@router.delete("/organizations/{party_organization_id}/board-exclusion", response={204: None})
def include_in_board(request: HttpRequest, party_organization_id: int) -> Status[None]:
    """Put a branch back on the compliance board."""
    porg = queries.party_organization_for(_actor(request), party_organization_id)
    actions.include_in_board(actor=_actor(request), party_organization=porg)
    return Status(204, None)


@router.get("/board", response=BoardOut)
def compliance_board(request: HttpRequest, filters: Query[BoardIn]) -> queries.Board:
    actor = _actor(request)
    area = (queries.board_areas_for(actor).filter(code=filters.area).first() if filters.area
            else queries.default_board_area(actor))
    if area is None:
        raise ValidationError({"area": _("There is no area with code %(code)s in your area.")
                               % {"code": filters.area}})
    return queries.compliance_board(actor, area, filters.year or timezone.localdate().year, page=filters.page)


# Campaigns ---------------------------------------------------------------------------

class CampaignOut(Schema):
    id: int
    name: str
    area: AreaRef
    lead: PartyOrganizationRef | None
    starts_on: datetime.date
    ends_on: datetime.date
    description: str


class CampaignListOut(CampaignOut):
    organizations: int = Field(description="Party organizations the campaign covers (all of them, not only in scope).")

    @staticmethod
    def resolve_organizations(obj: Any) -> int:
        return getattr(obj, "organization_count", 0)


class CampaignIn(Schema):
    name: str = Field(max_length=200)
    area: str = Field(description="The area code the campaign is run for (the street).")
    lead: int | None = Field(None, description="The lead party organization's id.")
    starts_on: datetime.date
    ends_on: datetime.date
    description: str = ""


class CoverIn(Schema):
    party_organizations: list[int] = Field(default_factory=list, description="Party organizations to add.")
    subtree_of: int | None = Field(None, description="Also add this organization and those below it at `levels`.")
    levels: list[PartyOrganization.Level] = Field(default_factory=lambda: [PartyOrganization.Level.BRANCH])


class TaskOut(Schema):
    id: int
    kind: CampaignTask.Kind
    title: str
    due_on: datetime.date | None
    party_organization: PartyOrganizationRef | None = Field(description="Null: every covered organization.")


class TaskIn(Schema):
    kind: CampaignTask.Kind
    title: str = ""
    due_on: datetime.date | None = None
    party_organization: int | None = Field(None, description="Only this covered organization.")


class TaskStatusOut(Schema):
    task_id: int
    kind: CampaignTask.Kind
    done: bool
    records: int = Field(description="Meetings, problems or lectures that did it.")
    last: datetime.date | None

    @staticmethod
    def resolve_task_id(obj: queries.TaskStatus) -> int:
        return obj.task.pk

    @staticmethod
    def resolve_kind(obj: queries.TaskStatus) -> str:
        return obj.task.kind


class EntryProgressOut(Schema):
    party_organization: PartyOrganizationRef
    area: AreaRef | None
    complete: bool
    tasks: list[TaskStatusOut]

    @staticmethod
    def resolve_party_organization(obj: queries.EntryProgress) -> Any:
        return obj.entry.party_organization

    @staticmethod
    def resolve_area(obj: queries.EntryProgress) -> Any:
        return obj.group_area


class TaskCountOut(Schema):
    task_id: int
    done: int
    due: int


class CampaignRollupOut(Schema):
    area: AreaRef | None
    organizations: int
    complete: int
    tasks: list[TaskCountOut]

    @staticmethod
    def resolve_tasks(obj: queries.CampaignRollup) -> list[dict[str, int]]:
        return [{"task_id": pk, "done": obj.done_by_task.get(pk, 0), "due": due} for pk, due in obj.due_by_task.items()]


class CampaignProgressOut(Schema):
    campaign: CampaignOut
    tasks: list[TaskOut]
    rollups: list[CampaignRollupOut]
    total: CampaignRollupOut
    organizations: list[EntryProgressOut]

    @staticmethod
    def resolve_organizations(obj: queries.CampaignProgress) -> list[queries.EntryProgress]:
        return obj.rows


class LectureOut(Schema):
    id: int
    party_organization: PartyOrganizationRef
    speaker: str
    given_on: datetime.date
    topic: str
    audience: int | None


class LectureIn(Schema):
    party_organization: int
    speaker: str = Field(description="Required: who gave the lecture.")
    given_on: datetime.date = Field(description="Not in the future.")
    topic: str = ""
    audience: int | None = Field(None, ge=0)


class ProblemLineIn(Schema):
    title: str
    description: str = ""
    kind: Literal["immediate", "deadline", "long_term"] = "deadline"
    deadline: datetime.date | None = None


class ProblemListIn(Schema):
    problems: list[ProblemLineIn]
    owner: int | None = Field(None, description="The organization that rectifies; by default the unit the party "
                                                "organization belongs to.")
    found_on: datetime.date | None = None


class ProblemRef(Schema):
    id: int
    title: str
    state: str


class TaskDoneIn(Schema):
    party_organization: int
    done_on: datetime.date
    note: str


class EntryDetailOut(Schema):
    party_organization: PartyOrganizationRef
    tasks: list[TaskStatusOut]
    meetings: list[MeetingOut]
    lectures: list[LectureOut]
    problems: list[ProblemRef]

    @staticmethod
    def resolve_party_organization(obj: queries.EntryDetail) -> Any:
        return obj.progress.entry.party_organization

    @staticmethod
    def resolve_tasks(obj: queries.EntryDetail) -> list[queries.TaskStatus]:
        return obj.progress.tasks


def _covered(campaign: Campaign, party_organization_id: int, field: str) -> PartyOrganization:
    porg = PartyOrganization.objects.filter(pk=party_organization_id, campaign_entries__campaign=campaign).first()
    if porg is None:
        raise ValidationError({field: _("There is no party organization with id %(id)s in this campaign.")
                               % {"id": party_organization_id}})
    return porg


@router.get("/campaigns", response=list[CampaignListOut])
@paginate(Pagination)
def list_campaigns(request: HttpRequest) -> QuerySet[Campaign]:
    return queries.campaigns_visible_to(_actor(request))


@router.post("/campaigns", response={201: CampaignOut})
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status[Campaign]:
    actor = _actor(request)
    area = scope_queryset(Area.objects.all(), actor).filter(code=payload.area).first()
    if area is None:
        raise ValidationError({"area": _("There is no area with code %(code)s in your area.") % {"code": payload.area}})
    lead = None
    if payload.lead is not None:
        lead = scope_queryset(PartyOrganization.objects.all(), actor).filter(pk=payload.lead).first()
        if lead is None:
            raise ValidationError({"lead": _("There is no party organization with id %(id)s in your area.")
                                   % {"id": payload.lead}})
    return Status(201, actions.create_campaign(
        actor=actor, name=payload.name, area=area, lead=lead, starts_on=payload.starts_on, ends_on=payload.ends_on,
        description=payload.description))


@router.get("/campaigns/{campaign_id}", response=CampaignProgressOut)
def campaign_progress(request: HttpRequest, campaign_id: int) -> queries.CampaignProgress:
    """The campaign with each covered organization's tasks, done or not, and the roll-up per area."""
    actor = _actor(request)
    return queries.campaign_progress(actor, queries.campaign_for(actor, campaign_id))


@router.post("/campaigns/{campaign_id}/organizations", response={201: list[PartyOrganizationRef]})
def cover_organizations(request: HttpRequest, campaign_id: int, payload: CoverIn) -> Status[list[Any]]:
    """Add party organizations: by id, and/or a whole subtree at the given levels (every branch of a community)."""
    actor = _actor(request)
    campaign = queries.campaign_for(actor, campaign_id)
    ids = set(payload.party_organizations)
    if payload.subtree_of is not None:
        root = scope_queryset(PartyOrganization.objects.all(), actor).filter(pk=payload.subtree_of).first()
        if root is None:
            raise ValidationError({"subtree_of": _("There is no party organization with id %(id)s in your area.")
                                   % {"id": payload.subtree_of}})
        ids.update(actions.subtree(root, payload.levels))
    orgs = list(PartyOrganization.objects.filter(pk__in=ids))
    missing = ids - {o.pk for o in orgs}
    if missing:
        raise ValidationError({"party_organizations": _("There is no party organization with id %(ids)s.")
                               % {"ids": ", ".join(map(str, sorted(missing)))}})
    new = actions.cover_organizations(actor=actor, campaign=campaign, party_organizations=orgs)
    return Status(201, [e.party_organization for e in new])


@router.post("/campaigns/{campaign_id}/tasks", response={201: TaskOut})
def add_task(request: HttpRequest, campaign_id: int, payload: TaskIn) -> Status[CampaignTask]:
    actor = _actor(request)
    campaign = queries.campaign_for(actor, campaign_id)
    porg = None
    if payload.party_organization is not None:
        porg = scope_queryset(PartyOrganization.objects.all(), actor).filter(pk=payload.party_organization).first()
        if porg is None:
            raise ValidationError({"party_organization": _("There is no party organization with id %(id)s in your "
                                                           "area.") % {"id": payload.party_organization}})
    return Status(201, actions.add_campaign_task(actor=actor, campaign=campaign, kind=payload.kind,
                                                 title=payload.title, due_on=payload.due_on,
                                                 party_organization=porg))


@router.post("/campaigns/{campaign_id}/tasks/{task_id}/done", response={201: TaskStatusOut})
def mark_task_done(request: HttpRequest, campaign_id: int, task_id: int, payload: TaskDoneIn) -> Status[Any]:
    """A covered organization records that it did a task of kind "other"."""
    actor = _actor(request)
    campaign = queries.campaign_for(actor, campaign_id)
    task = CampaignTask.objects.filter(campaign=campaign, pk=task_id).first()
    if task is None:
        raise Http404
    porg = _covered(campaign, payload.party_organization, "party_organization")
    queries.campaign_entry_for(actor, campaign, porg.pk)  # 404 out of scope
    done = actions.mark_task_done(actor=actor, task=task, party_organization=porg, done_on=payload.done_on,
                                  note=payload.note)
    return Status(201, queries.TaskStatus(task, True, 1, done.done_on))


@router.get("/campaigns/{campaign_id}/organizations/{party_organization_id}", response=EntryDetailOut)
def campaign_organization(request: HttpRequest, campaign_id: int, party_organization_id: int) -> Any:
    """One covered organization's tasks and the meetings, lectures and problems that did them."""
    actor = _actor(request)
    campaign = queries.campaign_for(actor, campaign_id)
    return queries.campaign_entry_detail(actor, queries.campaign_entry_for(actor, campaign, party_organization_id))


@router.post("/campaigns/{campaign_id}/organizations/{party_organization_id}/problems",
             response={201: list[ProblemRef]})
def submit_problem_list(request: HttpRequest, campaign_id: int, party_organization_id: int,
                        payload: ProblemListIn) -> Status[list[Any]]:
    """The organization's problem list from its self-examination, put on the problems list (all lines or none)."""
    actor = _actor(request)
    campaign = queries.campaign_for(actor, campaign_id)
    entry = queries.campaign_entry_for(actor, campaign, party_organization_id)
    owner = None
    if payload.owner is not None:
        owner = scope_queryset(Organization.objects.all(), actor).filter(pk=payload.owner).first()
        if owner is None:
            raise ValidationError({"owner": _("There is no organization with id %(id)s in your area.")
                                   % {"id": payload.owner}})
    problems = actions.submit_problem_list(
        actor=actor, campaign=campaign, party_organization=entry.party_organization, owner=owner,
        found_on=payload.found_on, problems=[actions.ProblemItem(**line.dict()) for line in payload.problems])
    return Status(201, problems)


@router.get("/campaigns/{campaign_id}/lectures", response=list[LectureOut])
@paginate(Pagination)
def list_lectures(request: HttpRequest, campaign_id: int) -> QuerySet[CampaignLecture]:
    actor = _actor(request)
    return queries.lectures_visible_to(actor, queries.campaign_for(actor, campaign_id))


@router.post("/campaigns/{campaign_id}/lectures", response={201: LectureOut})
def log_lecture(request: HttpRequest, campaign_id: int, payload: LectureIn) -> Status[CampaignLecture]:
    actor = _actor(request)
    campaign = queries.campaign_for(actor, campaign_id)
    porg = _covered(campaign, payload.party_organization, "party_organization")
    queries.campaign_entry_for(actor, campaign, porg.pk)  # 404 out of scope
    return Status(201, actions.log_lecture(actor=actor, campaign=campaign, party_organization=porg,
                                           speaker=payload.speaker, given_on=payload.given_on, topic=payload.topic,
                                           audience=payload.audience))


# Training courses ---------------------------------------------------------------------

class CourseOut(Schema):
    id: int
    title: str
    area: AreaRef
    organizer: PartyOrganizationRef | None
    starts_on: datetime.date
    ends_on: datetime.date
    description: str


class CourseListOut(CourseOut):
    sessions: int
    enrolled: int

    @staticmethod
    def resolve_sessions(obj: Any) -> int:
        return getattr(obj, "session_count", 0)


class CourseIn(Schema):
    title: str = Field(max_length=200)
    area: str = Field(description="The area code the course is run for.")
    organizer: int | None = None
    starts_on: datetime.date
    ends_on: datetime.date
    description: str = ""


class SessionOut(Schema):
    id: int
    topic: str
    lecturer: str
    format: TrainingSession.Format
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place: str


class SessionIn(Schema):
    topic: str = Field(max_length=200)
    lecturer: str = Field("", max_length=100)
    format: TrainingSession.Format = TrainingSession.Format.LECTURE
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place: str = Field("", max_length=200)


class EnrolIn(Schema):
    people: list[int] = Field(default_factory=list, description="Ids of people in your area.")
    group: Literal["", "neighborhood_secretaries", "branch_secretaries", "neighborhood_secretary_role"] = Field(
        "", description="Also everyone of a group under the course's area, e.g. the neighborhood secretaries.")


class SessionAttendanceIn(Schema):
    present: list[int] = Field(default_factory=list)
    absent: list[AbsenceIn] = Field(default_factory=list, description="Every other enrolled person, with a reason.")


class SessionLineOut(Schema):
    session: SessionOut
    recorded: bool
    present: int
    absent: int
    rate: int | None = Field(description="Percent present, once recorded.")


class MissedOut(Schema):
    session: str
    reason: str


class PersonLineOut(Schema):
    person: PersonRef
    attended: int
    recorded: int = Field(description="Sessions whose attendance is recorded.")
    rate: int | None
    missed: list[MissedOut]

    @staticmethod
    def resolve_missed(obj: queries.PersonLine) -> list[dict[str, str]]:
        return [{"session": topic, "reason": reason} for topic, reason in obj.missed]


class CourseReportOut(Schema):
    course: CourseOut
    rate: int | None = Field(description="Percent present over every recorded session and enrolled person.")
    completed: int = Field(description="People present at every recorded session.")
    sessions: list[SessionLineOut]
    people: list[PersonLineOut]


@router.get("/courses", response=list[CourseListOut])
@paginate(Pagination)
def list_courses(request: HttpRequest) -> QuerySet[TrainingCourse]:
    return queries.courses_visible_to(_actor(request))


@router.post("/courses", response={201: CourseOut})
def create_course(request: HttpRequest, payload: CourseIn) -> Status[TrainingCourse]:
    actor = _actor(request)
    area = scope_queryset(Area.objects.all(), actor).filter(code=payload.area).first()
    if area is None:
        raise ValidationError({"area": _("There is no area with code %(code)s in your area.") % {"code": payload.area}})
    organizer = None
    if payload.organizer is not None:
        organizer = scope_queryset(PartyOrganization.objects.all(), actor).filter(pk=payload.organizer).first()
        if organizer is None:
            raise ValidationError({"organizer": _("There is no party organization with id %(id)s in your area.")
                                   % {"id": payload.organizer}})
    return Status(201, actions.create_course(
        actor=actor, title=payload.title, area=area, organizer=organizer, starts_on=payload.starts_on,
        ends_on=payload.ends_on, description=payload.description))


@router.get("/courses/{course_id}", response=CourseReportOut)
def course_report(request: HttpRequest, course_id: int) -> queries.CourseReport:
    """The course with its sessions, who is enrolled, and the attendance rate per session and per person."""
    return queries.course_report(queries.course_for(_actor(request), course_id))


@router.post("/courses/{course_id}/sessions", response={201: SessionOut})
def add_session(request: HttpRequest, course_id: int, payload: SessionIn) -> Status[TrainingSession]:
    actor = _actor(request)
    course = queries.course_for(actor, course_id)
    return Status(201, actions.add_session(actor=actor, course=course, **payload.dict()))


@router.post("/courses/{course_id}/enrolments", response={201: list[PersonRef]})
def enrol(request: HttpRequest, course_id: int, payload: EnrolIn) -> Status[list[Person]]:
    """Enrol people by id and/or a whole group; answers those newly enrolled."""
    actor = _actor(request)
    course = queries.course_for(actor, course_id)
    people = list(_people(request, payload.people, "people", set()).values())
    if payload.group:
        people += list(queries.enrolment_candidates(actor, course, payload.group))
    new = actions.enrol(actor=actor, course=course, people=people)
    return Status(201, [e.person for e in new])


@router.post("/sessions/{session_id}/attendance", response=SessionLineOut)
def record_session_attendance(request: HttpRequest, session_id: int, payload: SessionAttendanceIn) -> Any:
    """Who attended a session: every enrolled person present, or absent with a reason (recorded afresh)."""
    actor = _actor(request)
    session = TrainingSession.objects.filter(pk=session_id).first()
    if session is None:
        raise Http404
    course = queries.course_for(actor, session.course_id)
    enrolled = {e.person_id: e.person for e in course.enrolments.select_related("person")}
    unknown = [str(i) for i in [*payload.present, *(a.person for a in payload.absent)] if i not in enrolled]
    if unknown:
        raise ValidationError({"present": _("There is no enrolled person with id %(ids)s.")
                               % {"ids": ", ".join(unknown)}})
    actions.record_session_attendance(actor=actor, session=session, present=[enrolled[i] for i in payload.present],
                                      absent={enrolled[a.person]: a.reason for a in payload.absent})
    return next(line for line in queries.course_report(course).sessions if line.session.pk == session.pk)


# Committee seats ------------------------------------------------------------------------

class SeatOut(Schema):
    id: int
    person: PersonRef
    position: CommitteeMember.Position
    started_on: datetime.date
    ended_on: datetime.date | None


class SeatIn(Schema):
    person: int
    position: CommitteeMember.Position = CommitteeMember.Position.MEMBER
    started_on: datetime.date


class SeatEndIn(Schema):
    ended_on: datetime.date


@router.get("/organizations/{party_organization_id}/committee", response=list[SeatOut])
def committee(request: HttpRequest, party_organization_id: int, all: bool = False) -> list[CommitteeMember]:
    """Who holds which seat since when (today's committee; with `all`, every seat ever held)."""
    porg = queries.party_organization_for(_actor(request), party_organization_id)
    if all:
        return list(porg.committee_members.select_related("person").order_by("-started_on", "id"))
    return queries.committee_on(porg, timezone.localdate())


@router.post("/organizations/{party_organization_id}/committee", response={201: SeatOut})
def add_committee_member(request: HttpRequest, party_organization_id: int, payload: SeatIn) -> Status[Any]:
    actor = _actor(request)
    porg = queries.party_organization_for(actor, party_organization_id)
    person = _people(request, [payload.person], "person", {porg.pk, *porg.descendant_ids()})[payload.person]
    return Status(201, actions.add_committee_member(actor=actor, party_organization=porg, person=person,
                                                    position=payload.position, started_on=payload.started_on))


@router.post("/committee/{seat_id}/end", response=SeatOut)
def end_committee_seat(request: HttpRequest, seat_id: int, payload: SeatEndIn) -> CommitteeMember:
    actor = _actor(request)
    seat = queries.committee_seat_for(actor, seat_id)
    return actions.end_committee_seat(actor=actor, seat=seat, ended_on=payload.ended_on)
