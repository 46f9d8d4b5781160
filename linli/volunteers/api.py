"""JSON endpoints for volunteer work, under /api/v1/volunteers.

Thin, like the pages: parse → one query or action → schema. A record out of
the caller's scope answers 404; an act they may not do 403; a refusal (no
consent, a full activity, a child under a team's minimum age, a QR code of
another activity, absurd hours) 422 with a sentence naming the field. Phone
and ID numbers are never in the output.
"""

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from linli.core import queries as core_queries
from linli.core.api import AreaRef, Pagination, PersonRef
from linli.core.models import Area
from linli.core.scoping import Perm, can, get_in_scope_or_404
from linli.volunteers import actions, calendar, queries
from linli.volunteers.models import (
    Activity,
    Certificate,
    Consent,
    DutyAssignment,
    DutyShift,
    Post,
    ServiceRecord,
    SignUp,
    Team,
    TeamMembership,
    Volunteer,
)

router = Router(tags=["volunteers"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]  # set by ninja's authentication


# Schemas -----------------------------------------------------------------------------

class ConsentOut(Schema):
    given_at: datetime.datetime
    given_by: str = Field(description="Who consented: the person, or for a child the guardian.")
    method: Volunteer.ConsentMethod
    registration: Volunteer.Registration = Field(description="Recorded by the person themself or by staff.")
    withdrawn_at: datetime.datetime | None = Field(description="Empty while the period is open.")


class VolunteerOut(Schema):
    id: int
    person: PersonRef
    neighborhood: AreaRef
    registration: Volunteer.Registration
    registered_at: datetime.datetime
    active: bool = Field(description="An open consent period: false after the volunteer withdrew.")
    consents: list[ConsentOut] = Field(description="The consent periods, oldest first: hours count only for "
                                                   "days one of them covers.")

    @staticmethod
    def resolve_neighborhood(obj: Volunteer) -> Area:
        return obj.person.neighborhood

    @staticmethod
    def resolve_active(obj: Volunteer) -> bool:
        return obj.is_active

    @staticmethod
    def resolve_consents(obj: Volunteer) -> list[Consent]:
        return list(obj.consents.all())


class YearHours(Schema):
    year: int
    hours: Decimal


class VolunteerDetailOut(VolunteerOut):
    total_hours: Decimal
    hours_by_year: list[YearHours]

    @staticmethod
    def resolve_total_hours(obj: Volunteer) -> Decimal:
        return queries.totals_of(obj).total

    @staticmethod
    def resolve_hours_by_year(obj: Volunteer) -> list[dict[str, Any]]:
        return [{"year": y, "hours": h} for y, h in queries.totals_of(obj).by_year]


class CertificateOut(Schema):
    id: int
    period_start: datetime.date
    period_end: datetime.date
    hours: Decimal = Field(description="As the ledger had them on the day of issue.")
    issuer: str
    issued_at: datetime.datetime
    pdf: str = Field(description="The printable PDF (a signed-in request).")
    verify: str = Field(description="The public page the certificate's QR code opens.")

    @staticmethod
    def resolve_pdf(obj: Certificate) -> str:
        return obj.get_absolute_url()

    @staticmethod
    def resolve_verify(obj: Certificate) -> str:
        return obj.verification_path()


class PeriodIn(Schema):
    period_start: datetime.date
    period_end: datetime.date


class RegisterIn(Schema):
    person: int = Field(description="The person's record id; staff must record their consent.")
    consent_by: str = ""
    consent_at: datetime.datetime | None = None
    consent_method: Volunteer.ConsentMethod | Literal[""] = ""


class ServiceRecordOut(Schema):
    id: int
    served_on: datetime.date
    hours: Decimal
    source: ServiceRecord.Source
    description: str
    reason: str
    activity_id: int | None
    assignment_id: int | None
    team_id: int | None
    reverses_id: int | None = Field(description="For a reversal: the entry it cancels.")
    recorded_by: str | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_recorded_by(obj: ServiceRecord) -> str | None:
        return str(obj.recorded_by) if obj.recorded_by_id else None


class HoursIn(Schema):
    hours: Decimal = Field(description="More than 0 and at most 24.")
    served_on: datetime.date
    reason: str
    description: str = ""


class ReverseIn(Schema):
    reason: str
    hours: Decimal | None = Field(None, description="The right hours, entered after the reversal; omit to cancel.")


class TeamOut(Schema):
    id: int
    name: str
    kind: Team.Kind
    area: AreaRef | None
    organization_id: int | None
    minimum_age: int | None
    description: str


class TeamIn(Schema):
    name: str
    kind: Team.Kind
    area: str = Field(description="The area's code.")
    minimum_age: int | None = Field(None, ge=0, description="Empty when the team takes any age.")
    description: str = ""


class TeamPatch(Schema):
    """The fields to change; those left out stay as they are."""

    name: str | None = None
    kind: Team.Kind | None = None
    area: str | None = Field(None, description="The area's code (null only for a team under an organization).")
    minimum_age: int | None = Field(None, ge=0, description="Null: the team takes any age.")
    description: str | None = None


class MemberOut(Schema):
    id: int = Field(description="The membership (DELETE /teams/{team_id}/members/{id} ends it).")
    volunteer_id: int
    person: PersonRef
    joined_on: datetime.date
    left_on: datetime.date | None

    @staticmethod
    def resolve_person(obj: TeamMembership) -> Any:
        return obj.volunteer.person


class MemberIn(Schema):
    volunteer: int = Field(description="The volunteer's id.")


class ActivityOut(Schema):
    id: int
    title: str
    kind: Activity.Kind
    area: AreaRef
    place: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int
    hours: Decimal
    team_id: int | None
    signed: int = Field(0, description="Live sign-ups.")


class MyActivityOut(Schema):
    """One of my sign-ups, with its activity."""

    id: int
    activity: ActivityOut
    state: SignUp.State
    checked_in_at: datetime.datetime | None
    checked_out_at: datetime.datetime | None


class ActivityIn(Schema):
    title: str
    kind: Activity.Kind
    area: str = Field(description="The area's code.")
    place: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int = Field(ge=1)
    hours: Decimal | None = None
    team: int | None = None
    description: str = ""


class SignUpIn(Schema):
    volunteer: int | None = Field(None, description="Staff: the volunteer signed up on their behalf. Omit for "
                                                    "oneself.")
    consent_by: str = ""
    consent_method: Volunteer.ConsentMethod | Literal[""] = ""


class SignUpOut(Schema):
    id: int
    activity_id: int
    volunteer: PersonRef
    state: SignUp.State
    by_staff: bool
    consent_by: str
    checked_in_at: datetime.datetime | None
    checked_out_at: datetime.datetime | None

    @staticmethod
    def resolve_volunteer(obj: SignUp) -> Any:
        return obj.volunteer.person


class CheckIn(Schema):
    token: str | None = Field(None, description="The token of the activity's QR code (a volunteer checking "
                                                "themself in or out).")
    volunteer: int | None = Field(None, description="Staff: the volunteer checked in or out.")
    at: datetime.datetime | None = Field(None, description="Staff: when it happened (default now).")


class CheckOutOut(Schema):
    signup: SignUpOut
    record: ServiceRecordOut | None


class PostOut(Schema):
    id: int
    name: str
    area: AreaRef
    team_id: int | None
    place: str
    people_needed: int


class PostIn(Schema):
    name: str
    area: str = Field(description="The area's code.")
    team: int | None = None
    place: str = ""
    people_needed: int = Field(1, ge=1, le=50, description="People needed on each shift.")


class ShiftIn(Schema):
    day: datetime.date
    starts_at: datetime.time
    ends_at: datetime.time
    people_needed: int | None = Field(None, ge=1, le=50, description="Default: the post's.")


class ShiftOut(Schema):
    id: int
    post_id: int
    post: str
    day: datetime.date
    starts_at: datetime.time
    ends_at: datetime.time
    people_needed: int
    assigned: int
    gap: bool

    @staticmethod
    def resolve_post(obj: DutyShift) -> str:
        return obj.post.name

    @staticmethod
    def resolve_gap(obj: DutyShift) -> bool:
        return obj.assigned < obj.people_needed  # type: ignore[attr-defined]  # annotated by the query


class AssignmentOut(Schema):
    id: int
    shift_id: int
    volunteer: PersonRef
    self_signed: bool
    attended: bool

    @staticmethod
    def resolve_volunteer(obj: DutyAssignment) -> Any:
        return obj.volunteer.person


class SwapIn(Schema):
    first: int
    second: int


class NeighborhoodHours(Schema):
    area: AreaRef
    hours: Decimal


class AnomalyOut(Schema):
    kind: Literal["overlap", "over_24h", "no_consent", "under_age"]
    label: str
    volunteer: int
    day: datetime.date
    detail: str
    records: list[int]


# Volunteers --------------------------------------------------------------------------

@router.get("/volunteers", response=list[VolunteerOut])
@paginate(Pagination)
def list_volunteers(request: HttpRequest, q: str = "") -> QuerySet[Volunteer]:
    return queries.volunteers_visible_to(_actor(request), q=q)


def _own(request: HttpRequest) -> Volunteer:
    own = queries.own_volunteer(_actor(request))
    if own is None:
        raise Http404(_("Your account is not registered as a volunteer."))
    return own


@router.get("/volunteers/me", response=VolunteerDetailOut)
def my_volunteer(request: HttpRequest) -> Volunteer:
    """My volunteer record, with my consent periods and my hours (404 while I am not registered). My ledger
    entries are at /volunteers/{id}/hours, my certificates at /volunteers/{id}/certificates."""
    return _own(request)


@router.get("/volunteers/me/activities", response=list[MyActivityOut])
@paginate(Pagination)
def my_activities(request: HttpRequest) -> QuerySet[SignUp]:
    """The activities I signed up for (or was signed up for with my consent), newest first."""
    return queries.activities_of(_own(request)).select_related("activity__area")


@router.get("/volunteers/{volunteer_id}", response=VolunteerDetailOut)
def get_volunteer(request: HttpRequest, volunteer_id: int) -> Volunteer:
    return queries.volunteer_for(_actor(request), volunteer_id)


@router.post("/volunteers", response={201: VolunteerDetailOut})
def register_volunteer(request: HttpRequest, payload: RegisterIn) -> Status[Volunteer]:
    actor = _actor(request)
    person = (actor.person if actor.person_id == payload.person else
              get_in_scope_or_404(core_queries.people_visible_to(actor), actor, Perm.VIEW, pk=payload.person))
    volunteer = actions.register_volunteer(actor=actor, person=person, consent_by=payload.consent_by,
                                           consent_at=payload.consent_at, consent_method=payload.consent_method)
    return Status(201, volunteer)


@router.get("/volunteers/{volunteer_id}/hours", response=list[ServiceRecordOut])
@paginate(Pagination)
def list_hours(request: HttpRequest, volunteer_id: int) -> QuerySet[ServiceRecord]:
    return queries.records_of(queries.volunteer_for(_actor(request), volunteer_id))


@router.post("/volunteers/{volunteer_id}/hours", response={201: ServiceRecordOut})
def record_hours(request: HttpRequest, volunteer_id: int, payload: HoursIn) -> Status[ServiceRecord]:
    volunteer = queries.volunteer_for(_actor(request), volunteer_id)
    return Status(201, actions.record_hours(actor=_actor(request), volunteer=volunteer, hours=payload.hours,
                                            served_on=payload.served_on, reason=payload.reason,
                                            description=payload.description))


@router.post("/hours/{record_id}/reverse", response={201: list[ServiceRecordOut]})
def reverse_hours(request: HttpRequest, record_id: int, payload: ReverseIn) -> Status[list[ServiceRecord]]:
    """Cancel an entry with a reversing entry (and enter the right hours, when given); the entry stays."""
    record = queries.record_for(_actor(request), record_id)
    if payload.hours is not None:
        return Status(201, list(actions.correct_record(actor=_actor(request), record=record, hours=payload.hours,
                                                       reason=payload.reason)))
    return Status(201, [actions.reverse_record(actor=_actor(request), record=record, reason=payload.reason)])


@router.get("/volunteers/{volunteer_id}/certificates", response=list[CertificateOut])
def list_certificates(request: HttpRequest, volunteer_id: int) -> QuerySet[Certificate]:
    return queries.certificates_of(queries.volunteer_for(_actor(request), volunteer_id))


@router.post("/volunteers/{volunteer_id}/certificates", response={201: CertificateOut})
def issue_certificate(request: HttpRequest, volunteer_id: int, payload: PeriodIn) -> Status[Certificate]:
    """A certificate of the hours in a period: for the volunteer themself, or staff over them."""
    volunteer = queries.volunteer_for(_actor(request), volunteer_id)
    return Status(201, actions.issue_certificate(actor=_actor(request), volunteer=volunteer,
                                                 period_start=payload.period_start, period_end=payload.period_end))


@router.get("/hours/neighborhoods", response=list[NeighborhoodHours])
def hours_per_neighborhood(request: HttpRequest, year: int | None = None) -> list[dict[str, Any]]:
    year = year or timezone.localdate().year
    return [{"area": a, "hours": h} for a, h in queries.neighborhood_totals(_actor(request), year)]


@router.get("/anomalies", response=list[AnomalyOut])
def anomalies(request: HttpRequest, year: int | None = None) -> list[dict[str, Any]]:
    start, end = queries.year_bounds(year or timezone.localdate().year)
    return [{"kind": a.kind, "label": a.label, "volunteer": a.volunteer.pk, "day": a.day, "detail": a.detail,
             "records": [r.pk for r in a.records]} for a in queries.anomalies(_actor(request), start=start, end=end)]


# Teams and activities ----------------------------------------------------------------

@router.get("/teams", response=list[TeamOut])
@paginate(Pagination)
def list_teams(request: HttpRequest) -> QuerySet[Team]:
    return queries.teams_visible_to(_actor(request))


@router.get("/teams/{team_id}", response=TeamOut)
def get_team(request: HttpRequest, team_id: int) -> Team:
    return queries.team_for(_actor(request), team_id)


@router.post("/teams", response={201: TeamOut})
def create_team(request: HttpRequest, payload: TeamIn) -> Status[Team]:
    """A team placed in an area of the caller's (CHANGE over it)."""
    actor = _actor(request)
    team = actions.create_team(actor=actor, name=payload.name, kind=payload.kind, area=_area(actor, payload.area),
                               minimum_age=payload.minimum_age, description=payload.description)
    return Status(201, team)


@router.patch("/teams/{team_id}", response=TeamOut)
def update_team(request: HttpRequest, team_id: int, payload: TeamPatch) -> Team:
    """Change a team (CHANGE over it, and over the area it moves to). Members stay as they are."""
    actor = _actor(request)
    team = queries.team_for(actor, team_id)
    fields = payload.dict(exclude_unset=True)
    if "area" in fields:
        fields["area"] = _area(actor, fields["area"]) if fields["area"] is not None else None
    if "description" in fields and fields["description"] is None:
        fields["description"] = ""
    return actions.update_team(actor=actor, team=team, **fields)


@router.get("/teams/{team_id}/members", response=list[MemberOut])
@paginate(Pagination)
def list_team_members(request: HttpRequest, team_id: int) -> QuerySet[TeamMembership]:
    """The team's current members, by name."""
    return queries.team_members(queries.team_for(_actor(request), team_id))


@router.post("/teams/{team_id}/members", response={201: MemberOut})
def add_team_member(request: HttpRequest, team_id: int, payload: MemberIn) -> Status[TeamMembership]:
    """Add a volunteer of the caller's area; refused under the team's minimum age or when already a member."""
    actor = _actor(request)
    team = queries.team_for(actor, team_id)
    try:
        volunteer = queries.volunteer_for(actor, payload.volunteer)
    except Http404:  # the team is the record addressed: a volunteer it cannot take is bad input
        raise ValidationError({"volunteer": _("Choose a volunteer in your area.")}) from None
    return Status(201, actions.add_team_member(actor=actor, team=team, volunteer=volunteer))


@router.delete("/teams/{team_id}/members/{membership_id}", response={204: None})
def remove_team_member(request: HttpRequest, team_id: int, membership_id: int) -> Status[None]:
    """The member leaves the team today; the membership stays in their history, ended."""
    team = queries.team_for(_actor(request), team_id)
    membership = get_object_or_404(queries.team_members(team), pk=membership_id)
    actions.remove_team_member(actor=_actor(request), membership=membership)
    return Status(204, None)


@router.get("/activities", response=list[ActivityOut])
@paginate(Pagination)
def list_activities(request: HttpRequest, kind: Activity.Kind | Literal[""] = "",
                    upcoming: bool = False) -> QuerySet[Activity]:
    actor = _actor(request)
    f = queries.ActivityFilter(kind=kind, upcoming=upcoming)
    if not can(actor, Perm.VIEW):
        return queries.activities_open_to(actor, kind=kind)  # a volunteer: what they may sign up for
    return queries.activities_visible_to(actor, f)


@router.get("/activities/{activity_id}", response=ActivityOut)
def get_activity(request: HttpRequest, activity_id: int) -> Activity:
    return queries.activity_for(_actor(request), activity_id)


def _area(actor: Any, code: str) -> Area:
    """An area of the actor's by its code, or 422 naming the field."""
    area = core_queries.area_choices_for(actor).filter(code=code).first()
    if area is None:
        raise ValidationError({"area": _("There is no area with code %(code)s in your area.") % {"code": code}})
    return area


def _area_and_team(actor: Any, area_code: str, team_id: int | None) -> tuple[Area, Team | None]:
    """An area (by its code) and a team (by its id, optional) of the actor's, or 422 naming the field."""
    area = _area(actor, area_code)
    team = queries.teams_visible_to(actor).filter(pk=team_id).first() if team_id else None
    if team_id and team is None:
        raise ValidationError({"team": _("Choose a team in your area.")})
    return area, team


@router.post("/activities", response={201: ActivityOut})
def create_activity(request: HttpRequest, payload: ActivityIn) -> Status[Activity]:
    actor = _actor(request)
    area, team = _area_and_team(actor, payload.area, payload.team)
    activity = actions.create_activity(
        actor=actor, title=payload.title, kind=payload.kind, area=area, place=payload.place,
        starts_at=payload.starts_at, ends_at=payload.ends_at, capacity=payload.capacity, hours=payload.hours,
        team=team, description=payload.description)
    return Status(201, activity)


@router.get("/activities/{activity_id}/signups", response=list[SignUpOut])
def list_signups(request: HttpRequest, activity_id: int) -> QuerySet[SignUp]:
    return queries.signups_of(queries.activity_for(_actor(request), activity_id, Perm.CHANGE))


@router.post("/activities/{activity_id}/signups", response={201: SignUpOut})
def sign_up(request: HttpRequest, activity_id: int, payload: SignUpIn) -> Status[SignUp]:
    actor = _actor(request)
    activity = queries.activity_for(actor, activity_id)
    if payload.volunteer is None:
        volunteer = queries.own_volunteer(actor)
        if volunteer is None:
            raise ValidationError({"volunteer": _("Register as a volunteer first (on your volunteer page).")})
    else:
        volunteer = queries.volunteer_for(actor, payload.volunteer)
    return Status(201, actions.sign_up(actor=actor, activity=activity, volunteer=volunteer,
                                       consent_by=payload.consent_by, consent_method=payload.consent_method))


def _checking(request: HttpRequest, activity_id: int, payload: CheckIn) -> dict[str, Any]:
    actor = _actor(request)
    # With a token the activity is the one in the URL (the token must name it); staff need it in scope.
    activity = (get_object_or_404(Activity, pk=activity_id) if payload.token is not None
                else queries.activity_for(actor, activity_id, Perm.CHANGE))
    volunteer = queries.volunteer_for(actor, payload.volunteer) if payload.volunteer is not None else None
    return {"actor": actor, "activity": activity, "volunteer": volunteer, "token": payload.token, "at": payload.at}


@router.post("/activities/{activity_id}/check-in", response=SignUpOut)
def check_in(request: HttpRequest, activity_id: int, payload: CheckIn) -> SignUp:
    return actions.check_in(**_checking(request, activity_id, payload))


@router.post("/activities/{activity_id}/check-out", response=CheckOutOut)
def check_out(request: HttpRequest, activity_id: int, payload: CheckIn) -> dict[str, Any]:
    signup, record = actions.check_out(**_checking(request, activity_id, payload))
    return {"signup": signup, "record": record}


@router.get("/areas/{code}/calendar.ics", response={200: str}, openapi_extra={
    "responses": {200: {"description": "iCalendar (RFC 5545)", "content": {"text/calendar": {}}}}})
def area_calendar(request: HttpRequest, code: str) -> HttpResponse:
    area = core_queries.areas_visible_to(_actor(request)).filter(code=code).first()
    if area is None:
        raise ValidationError({"code": _("There is no area with code %(code)s in your area.") % {"code": code}})
    return calendar.response(area)


# Rosters -----------------------------------------------------------------------------

@router.get("/rosters/posts", response=list[PostOut])
@paginate(Pagination)
def list_posts(request: HttpRequest) -> QuerySet[Post]:
    return queries.posts_visible_to(_actor(request))


@router.post("/rosters/posts", response={201: PostOut})
def create_post(request: HttpRequest, payload: PostIn) -> Status[Post]:
    actor = _actor(request)
    area, team = _area_and_team(actor, payload.area, payload.team)
    return Status(201, actions.create_post(actor=actor, name=payload.name, area=area, team=team, place=payload.place,
                                           people_needed=payload.people_needed))


@router.post("/rosters/posts/{post_id}/shifts", response={201: ShiftOut})
def create_shift(request: HttpRequest, post_id: int, payload: ShiftIn) -> Status[DutyShift]:
    actor = _actor(request)
    post = queries.post_for(actor, post_id)
    shift = actions.create_shift(actor=actor, post=post, day=payload.day, starts_at=payload.starts_at,
                                 ends_at=payload.ends_at, people_needed=payload.people_needed)
    return Status(201, queries.shifts_of([post], start=shift.day, end=shift.day).get(pk=shift.pk))


@router.get("/rosters/shifts", response=list[ShiftOut])
def list_shifts(request: HttpRequest, start: datetime.date | None = None, end: datetime.date | None = None,
                gaps: bool = False) -> QuerySet[DutyShift]:
    start = start or timezone.localdate()
    end = end or start + datetime.timedelta(days=6)
    if (end - start).days > 62:
        raise ValidationError({"end": _("Ask for at most two months of shifts at once.")})
    return queries.shifts_of(queries.posts_visible_to(_actor(request)), start=start, end=end, gaps_only=gaps)


@router.post("/rosters/shifts/{shift_id}/assignments", response={201: AssignmentOut})
def assign(request: HttpRequest, shift_id: int, payload: SignUpIn) -> Status[DutyAssignment]:
    """Staff put a volunteer on a shift; a volunteer (no `volunteer`) takes an open shift of their neighborhood."""
    actor = _actor(request)
    if payload.volunteer is None:
        shift = queries.shift_open_to(actor, shift_id) or queries.shift_for(actor, shift_id)
        volunteer = queries.own_volunteer(actor)
        if volunteer is None:
            raise ValidationError({"volunteer": _("Register as a volunteer first (on your volunteer page).")})
    else:
        shift = queries.shift_for(actor, shift_id)
        volunteer = queries.volunteer_for(actor, payload.volunteer)
    return Status(201, actions.assign_duty(actor=actor, shift=shift, volunteer=volunteer))


def _assignment(request: HttpRequest, pk: int) -> DutyAssignment:
    return get_in_scope_or_404(DutyAssignment.objects.select_related("shift__post", "volunteer__person"),
                               _actor(request), pk=pk)


@router.post("/rosters/swap", response=list[AssignmentOut])
def swap(request: HttpRequest, payload: SwapIn) -> list[DutyAssignment]:
    first, second = actions.swap_duties(actor=_actor(request), first=_assignment(request, payload.first),
                                        second=_assignment(request, payload.second))
    return [first, second]


@router.post("/rosters/assignments/{assignment_id}/attended", response={201: ServiceRecordOut})
def attended(request: HttpRequest, assignment_id: int) -> Status[ServiceRecord]:
    return Status(201, actions.record_duty_attendance(actor=_actor(request),
                                                      assignment=_assignment(request, assignment_id)))
