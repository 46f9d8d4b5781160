"""Reads of volunteer records, every list through core's scoping function:
volunteers, teams, activities and rosters in scope, a volunteer's ledger and
totals, the rollups per team and neighborhood, and the anomaly checks."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.models import PATH_SEP, Area, Person
from linli.core.scoping import Perm, get_in_scope_or_404, scope_queryset
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
    consent_covering,
)

ZERO = Decimal("0.00")


def _sum(qs: QuerySet[Any]) -> Decimal:
    value = qs.aggregate(total=Sum("hours"))["total"]
    return Decimal(value or 0).quantize(Decimal("0.01"))


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


# Volunteers and teams -----------------------------------------------------------------

def volunteers_visible_to(user: Any, q: str = "", team: Team | None = None) -> QuerySet[Volunteer]:
    qs = scope_queryset(Volunteer.objects.select_related("person__neighborhood").prefetch_related("consents"), user)
    if q:
        qs = qs.filter(Q(person__name__contains=q) | Q(person__name_pinyin__startswith=q.lower())
                       | Q(person__name_initials__startswith=q.lower()))
    if team is not None:
        qs = qs.filter(memberships__team=team, memberships__left_on__isnull=True)
    total = ServiceRecord.objects.filter(volunteer=OuterRef("pk")).order_by().values("volunteer")
    return qs.annotate(total_hours=Coalesce(
        total.annotate(s=Sum("hours")).values("s")[:1], ZERO)).order_by("person__name_pinyin", "id")


def volunteer_for(user: Any, pk: Any, perm: Perm = Perm.VIEW) -> Volunteer:
    return get_in_scope_or_404(Volunteer.objects.select_related("person__neighborhood", "registered_by")
                               .prefetch_related("consents__recorded_by", "consents__withdrawn_by"),
                               user, perm, pk=pk)


def own_volunteer(user: Any) -> Volunteer | None:
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return None
    return (Volunteer.objects.select_related("person__neighborhood").prefetch_related("consents")
            .filter(person_id=person_id).first())


def people_to_register(user: Any) -> QuerySet[Person]:
    """People in scope that staff may register (those not yet volunteers, or whose consent was withdrawn)."""
    registered = Consent.objects.filter(volunteer__person_id=OuterRef("pk"), withdrawn_at__isnull=True)
    return scope_queryset(Person.objects.all(), user, Perm.CHANGE).exclude(Exists(registered))


def teams_visible_to(user: Any) -> QuerySet[Team]:
    return scope_queryset(Team.objects.select_related("area", "organization"), user).annotate(
        members=Count("memberships", filter=Q(memberships__left_on__isnull=True))).order_by("name", "id")


def team_for(user: Any, pk: Any, perm: Perm = Perm.VIEW) -> Team:
    return get_in_scope_or_404(Team.objects.select_related("area", "organization"), user, perm, pk=pk)


def team_members(team: Team) -> QuerySet[TeamMembership]:
    return (team.memberships.filter(left_on__isnull=True).select_related("volunteer__person")
            .order_by("volunteer__person__name_pinyin"))


def teams_of(volunteer: Volunteer) -> QuerySet[TeamMembership]:
    return volunteer.memberships.select_related("team").order_by("-joined_on")


# Activities ---------------------------------------------------------------------------

@dataclass
class ActivityFilter:
    kind: str = ""
    area: Area | None = None
    upcoming: bool = False


def activities_visible_to(user: Any, f: ActivityFilter | None = None) -> QuerySet[Activity]:
    f = f or ActivityFilter()
    qs = scope_queryset(Activity.objects.select_related("area", "organizer", "team"), user)
    return _filtered(qs, f)


def _filtered(qs: QuerySet[Activity], f: ActivityFilter) -> QuerySet[Activity]:
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.area is not None:
        qs = qs.filter(area__path__startswith=f.area.path)
    if f.upcoming:
        qs = qs.filter(ends_at__gt=timezone.now())
    return qs.annotate(signed=Count("signups", filter=Q(signups__state=SignUp.State.SIGNED_UP))).order_by(
        "-starts_at", "-id")


def activities_open_to(user: Any, kind: str = "", *, signed_up: bool = True) -> QuerySet[Activity]:
    """What a volunteer may sign up for: activities of their neighborhood and the areas above it, not yet
    ended; `mine` marks those they are already signed up for, and `signed_up=False` leaves those out (a
    cancelled sign-up may be made again, so that activity stays)."""
    volunteer = own_volunteer(user)
    if volunteer is None:
        return Activity.objects.none()
    path = volunteer.person.neighborhood.path
    codes = path.rstrip(PATH_SEP).split(PATH_SEP)
    qs = Activity.objects.select_related("area", "organizer", "team").filter(area__code__in=codes)
    mine = SignUp.objects.filter(activity=OuterRef("pk"), volunteer=volunteer, state=SignUp.State.SIGNED_UP)
    if not signed_up:
        qs = qs.exclude(Exists(mine))
    return (_filtered(qs, ActivityFilter(kind=kind, upcoming=True)).annotate(mine=Exists(mine))
            .order_by("starts_at", "id"))


def activities_to_sign_up(user: Any) -> QuerySet[Activity]:
    """The activities to offer a volunteer: open to them, and not already theirs."""
    return activities_open_to(user, signed_up=False)


def activity_for(user: Any, pk: Any, perm: Perm = Perm.VIEW) -> Activity:
    """An activity the user may `perm`; a volunteer may also see one open to them. Out of scope is 404."""
    qs = Activity.objects.select_related("area", "organizer", "team")
    own = own_volunteer(user) if perm == Perm.VIEW else None
    if own is not None:
        # Open for sign-up now, or one they signed up for (their history links to it).
        found = (activities_open_to(user).filter(pk=pk).exists()
                 or SignUp.objects.filter(activity_id=pk, volunteer=own).exists()) if str(pk).isdigit() else False
        if found:
            return qs.get(pk=pk)
    return get_in_scope_or_404(qs, user, perm, pk=pk)


def volunteers_to_sign_up(user: Any, activity: Activity) -> QuerySet[Volunteer]:
    """Volunteers in scope whom staff may sign up for `activity`: not those already signed up, nor those who
    withdrew their consent (the action refuses both)."""
    signed = SignUp.objects.filter(activity=activity, volunteer=OuterRef("pk"), state=SignUp.State.SIGNED_UP)
    consenting = Consent.objects.filter(volunteer=OuterRef("pk"), withdrawn_at__isnull=True)
    return volunteers_visible_to(user).exclude(Exists(signed)).filter(Exists(consenting))


def signups_of(activity: Activity) -> QuerySet[SignUp]:
    return (activity.signups.filter(state=SignUp.State.SIGNED_UP).select_related("volunteer__person", "signed_up_by")
            .order_by("created_at", "id"))


def activities_of(volunteer: Volunteer) -> QuerySet[SignUp]:
    return volunteer.signups.select_related("activity__area").order_by("-activity__starts_at")


# The ledger ---------------------------------------------------------------------------

def records_of(volunteer: Volunteer) -> QuerySet[ServiceRecord]:
    return (ServiceRecord.objects.filter(volunteer=volunteer)
            .select_related("activity", "recorded_by", "team", "assignment__shift__post")
            .annotate(reversed=Exists(ServiceRecord.objects.filter(reverses=OuterRef("pk"))))
            .order_by("-served_on", "-id"))


def record_for(user: Any, pk: Any, perm: Perm = Perm.VIEW) -> ServiceRecord:
    return get_in_scope_or_404(ServiceRecord.objects.select_related("volunteer__person", "activity", "team"),
                               user, perm, pk=pk)


def hours_of(volunteer: Volunteer, *, start: datetime.date | None = None, end: datetime.date | None = None) -> Decimal:
    """Net hours in the ledger (reversals included, so a reversed entry counts for nothing)."""
    qs = ServiceRecord.objects.filter(volunteer=volunteer)
    if start:
        qs = qs.filter(served_on__gte=start)
    if end:
        qs = qs.filter(served_on__lte=end)
    return _sum(qs)


@dataclass
class Totals:
    total: Decimal
    by_year: list[tuple[int, Decimal]]
    by_source: dict[str, Decimal]


def totals_of(volunteer: Volunteer) -> Totals:
    """A volunteer's totals: all time, per year and per source. One grouped query over the ledger's index."""
    rows = (ServiceRecord.objects.filter(volunteer=volunteer).order_by()
            .values("served_on__year", "source").annotate(h=Sum("hours")))
    by_year: dict[int, Decimal] = defaultdict(Decimal)
    by_source: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        by_year[row["served_on__year"]] += Decimal(row["h"])
        by_source[row["source"]] += Decimal(row["h"])
    q = Decimal("0.01")
    return Totals(total=sum(by_year.values(), Decimal(0)).quantize(q),
                  by_year=sorted(((y, h.quantize(q)) for y, h in by_year.items()), reverse=True),
                  by_source={s: h.quantize(q) for s, h in by_source.items()})


def team_totals(user: Any, year: int) -> list[tuple[Team, Decimal]]:
    start, end = year_bounds(year)
    teams = {t.pk: t for t in teams_visible_to(user)}
    rows = (ServiceRecord.objects.filter(team_id__in=list(teams), served_on__range=(start, end)).order_by()
            .values("team_id").annotate(h=Sum("hours")))
    hours = {r["team_id"]: Decimal(r["h"]).quantize(Decimal("0.01")) for r in rows}
    return [(t, hours.get(pk, ZERO)) for pk, t in teams.items()]


def neighborhood_totals(user: Any, year: int) -> list[tuple[Area, Decimal]]:
    """Hours served in `year` by the volunteers of each neighborhood in scope (where they lived when credited)."""
    start, end = year_bounds(year)
    rows = (scope_queryset(ServiceRecord.objects.all(), user).filter(served_on__range=(start, end)).order_by()
            .values("neighborhood_id").annotate(h=Sum("hours")))
    hours = {r["neighborhood_id"]: Decimal(r["h"]).quantize(Decimal("0.01")) for r in rows}
    areas = Area.objects.in_bulk(list(hours))
    return sorted(((areas[pk], h) for pk, h in hours.items()), key=lambda pair: pair[0].path)


def issuer_for(volunteer: Volunteer) -> str:
    """Who issues a volunteer's certificate: the subdistrict office over their neighborhood."""
    codes = volunteer.person.neighborhood.ancestor_codes()
    subdistrict = Area.objects.filter(code__in=codes, level=Area.Level.SUBDISTRICT).first()
    return f"{subdistrict.name}" if subdistrict else str(volunteer.person.neighborhood)


def certificates_of(volunteer: Volunteer) -> QuerySet[Certificate]:
    return volunteer.certificates.all()


# Anomalies ----------------------------------------------------------------------------

@dataclass
class Anomaly:
    kind: str
    label: str
    volunteer: Volunteer
    day: datetime.date
    detail: str
    records: list[ServiceRecord] = field(default_factory=list)


ANOMALY_LABELS = {
    "overlap": _("Overlapping service"),
    "over_24h": _("More than 24 hours in a day"),
    "no_consent": _("Hours without consent"),
    "under_age": _("Under the team's minimum age"),
}


def _standing(qs: QuerySet[ServiceRecord]) -> QuerySet[ServiceRecord]:
    """Entries that still count: not reversals, not reversed."""
    return qs.exclude(source=ServiceRecord.Source.REVERSAL).exclude(
        Exists(ServiceRecord.objects.filter(reverses=OuterRef("pk"))))


def anomalies(user: Any, *, start: datetime.date | None = None, end: datetime.date | None = None) -> list[Anomaly]:
    """Impossible records in the ledger the user may see: the same person serving in two places at once,
    more than 24 hours on one day, hours served without (or outside) consent, a child under a team's minimum age."""
    base = scope_queryset(ServiceRecord.objects.all(), user)
    if start:
        base = base.filter(served_on__gte=start)
    if end:
        base = base.filter(served_on__lte=end)
    standing = _standing(base).select_related("volunteer__person", "team", "activity")
    found: list[Anomaly] = []

    # Overlaps: another standing entry of the same volunteer whose time crosses this one's.
    other = _standing(ServiceRecord.objects.filter(
        volunteer_id=OuterRef("volunteer_id"), started_at__lt=OuterRef("ended_at"),
        ended_at__gt=OuterRef("started_at"))).exclude(pk=OuterRef("pk"))
    overlapping = list(standing.filter(started_at__isnull=False, ended_at__isnull=False)
                       .filter(Exists(other)).order_by("volunteer_id", "started_at", "id"))
    groups: dict[tuple[int, datetime.date], list[ServiceRecord]] = defaultdict(list)
    for r in overlapping:
        groups[(r.volunteer_id, r.served_on)].append(r)
    for (_vid, day), rows in groups.items():
        found.append(Anomaly("overlap", str(ANOMALY_LABELS["overlap"]), rows[0].volunteer, day,
                             "; ".join(f"{r.description or r.get_source_display()} "
                                       f"{timezone.localtime(r.started_at):%H:%M}–{timezone.localtime(r.ended_at):%H:%M}"
                                       for r in rows if r.started_at and r.ended_at), rows))

    # More than 24 hours in one day (net of reversals).
    days = (base.order_by().values("volunteer_id", "served_on").annotate(h=Sum("hours")).filter(h__gt=24))
    day_rows = list(days)
    if day_rows:
        vols = Volunteer.objects.select_related("person").in_bulk([d["volunteer_id"] for d in day_rows])
        for d in day_rows:
            found.append(Anomaly("over_24h", str(ANOMALY_LABELS["over_24h"]), vols[d["volunteer_id"]], d["served_on"],
                                 _("%(hours)s hours credited on one day.") % {"hours": d["h"]}))

    # Hours for a day no consent period of the volunteer covers (before the first, after a withdrawal and
    # before the next registration).
    covering = Consent.objects.filter(consent_covering(OuterRef("served_on")), volunteer_id=OuterRef("volunteer_id"))
    for r in standing.exclude(Exists(covering)).prefetch_related("volunteer__consents"):
        periods = ", ".join(f"{c.given_on}–{c.withdrawn_on or ''}" for c in r.volunteer.consents.all()) or "—"
        found.append(Anomaly("no_consent", str(ANOMALY_LABELS["no_consent"]), r.volunteer, r.served_on,
                             _("%(hours)s hours on a day not covered by the volunteer's consent (given %(given)s).")
                             % {"hours": r.hours, "given": periods}, [r]))

    # A child credited with a team whose minimum age they had not reached that day.
    for r in standing.filter(team__minimum_age__isnull=False, volunteer__person__birth_date__isnull=False):
        born = r.volunteer.person.birth_date
        assert born is not None and r.team is not None and r.team.minimum_age is not None
        age = r.served_on.year - born.year - ((r.served_on.month, r.served_on.day) < (born.month, born.day))
        if age < r.team.minimum_age:
            found.append(Anomaly("under_age", str(ANOMALY_LABELS["under_age"]), r.volunteer, r.served_on,
                                 _("%(age)s years old on the day; %(team)s takes volunteers from %(min)s.")
                                 % {"age": age, "team": r.team.name, "min": r.team.minimum_age}, [r]))
    return sorted(found, key=lambda a: (a.day, a.kind), reverse=True)


# Duty rosters -------------------------------------------------------------------------

def posts_visible_to(user: Any) -> QuerySet[Post]:
    return scope_queryset(Post.objects.select_related("area", "team"), user).order_by("area__path", "name", "id")


def post_for(user: Any, pk: Any, perm: Perm = Perm.VIEW) -> Post:
    return get_in_scope_or_404(Post.objects.select_related("area", "team"), user, perm, pk=pk)


def shifts_of(posts: QuerySet[Post] | list[Post], *, start: datetime.date, end: datetime.date,
              gaps_only: bool = False) -> QuerySet[DutyShift]:
    """Shifts of the posts between two days, with how many people are on each; gaps are short of people."""
    qs = (DutyShift.objects.filter(post__in=posts, day__range=(start, end)).select_related("post")
          .annotate(assigned=Count("assignments")).order_by("day", "starts_at", "post__name", "id"))
    if gaps_only:
        qs = qs.filter(assigned__lt=F("people_needed"))
    return qs


def shift_for(user: Any, pk: Any, perm: Perm = Perm.VIEW) -> DutyShift:
    return get_in_scope_or_404(DutyShift.objects.select_related("post__area", "post__team"), user, perm, pk=pk)


def assignments_of(shifts: list[DutyShift]) -> dict[int, list[DutyAssignment]]:
    by_shift: dict[int, list[DutyAssignment]] = defaultdict(list)
    for a in DutyAssignment.objects.filter(shift__in=shifts).select_related("volunteer__person").order_by("id"):
        by_shift[a.shift_id].append(a)
    return by_shift


def open_shifts_for(user: Any) -> QuerySet[DutyShift]:
    """Shifts a volunteer may sign up for: posts of their neighborhood, still to come, with a place open,
    and not one they are already on."""
    volunteer = own_volunteer(user)
    if volunteer is None:
        return DutyShift.objects.none()
    now = timezone.localtime()
    on_it = DutyAssignment.objects.filter(shift=OuterRef("pk"), volunteer=volunteer)
    return shifts_of(Post.objects.filter(area_id=volunteer.person.neighborhood_id), start=now.date(),
                     end=now.date() + datetime.timedelta(days=60), gaps_only=True).exclude(
        day=now.date(), ends_at__lte=now.time()).exclude(Exists(on_it))


def shift_open_to(user: Any, pk: Any) -> DutyShift | None:
    """A shift at a post of the volunteer's own neighborhood, whatever its state: a volunteer who asks for one
    that has filled up, is over, or is already theirs gets the action's refusal saying so, not a 404."""
    volunteer = own_volunteer(user)
    if volunteer is None or not str(pk).isdigit():
        return None
    return (DutyShift.objects.select_related("post__area", "post__team")
            .filter(pk=pk, post__area_id=volunteer.person.neighborhood_id).first())


def duties_of(volunteer: Volunteer) -> QuerySet[DutyAssignment]:
    return volunteer.duty_assignments.select_related("shift__post").order_by("-shift__day", "-shift__starts_at")
