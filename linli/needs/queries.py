"""Reads of needs and claims. Staff lists go through core's scoping function;
the public wish wall reads only the fields the public may see."""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from linli.core import queries as core_queries
from linli.core.models import Area, Organization, Role
from linli.core.scoping import Perm, can, grants_for, scope_filter, scope_queryset, under_area
from linli.needs.models import Claim, Dispatch, Feedback, Need, WishDetails, open_to, subdistrict_path


def _choice(params: Mapping[str, Any], name: str, choices: list[str]) -> str:
    value = (params.get(name) or "").strip()
    return value if value in choices else ""


@dataclass(frozen=True)
class NeedFilter:
    kind: str = ""
    state: str = ""
    category: str = ""
    area: str = ""  # an area code: that area and everything under it
    q: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> NeedFilter:
        """The staff list's filters from GET parameters; an unknown choice is dropped, an area kept (see core)."""
        return cls(
            kind=_choice(params, "kind", Need.Kind.values),
            state=_choice(params, "state", Need.State.values),
            category=_choice(params, "category", Need.Category.values),
            area=(params.get("area") or "").strip()[:32],
            q=(params.get("q") or "").strip()[:50],
        )

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None)}


def _filtered(qs: QuerySet[Need], f: NeedFilter) -> QuerySet[Need]:
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.area:
        # An unknown code, or one out of scope, matches nothing (never "everything").
        area = Area.objects.filter(code=f.area).only("path").first()
        qs = qs.filter(under_area("neighborhood__path", area.path)) if area else qs.none()
    if f.q:
        qs = qs.filter(title__icontains=f.q)
    return qs


def needs_visible_to(user: Any, filters: NeedFilter | None = None, perm: Perm = Perm.VIEW) -> QuerySet[Need]:
    """The needs staff manage: those placed in their areas (or of their organization)."""
    qs = scope_queryset(Need.objects.select_related("neighborhood", "organization"), user, perm)
    return _filtered(qs, filters or NeedFilter()).order_by("-created_at", "-id")


def _liaison_roles(user: Any) -> list[Any]:
    """The user's liaison roles (from the grants core resolves once per request)."""
    if user is None or not user.is_authenticated:
        return []
    return [ra for ra in grants_for(user).roles if ra.role == Role.ORGANIZATION_LIAISON and ra.organization_id]


def team_ids(user: Any) -> list[int]:
    """The teams and units the user acts for on service orders: as their liaison or one of their volunteers."""
    if user is None or not user.is_authenticated:
        return []
    return [ra.organization_id for ra in grants_for(user).roles
            if ra.role in (Role.ORGANIZATION_LIAISON, Role.VOLUNTEER) and ra.organization_id]


def claimant_areas(user: Any) -> list[Area | None]:
    """Where `user` may claim from: their own neighborhood as a resident, and
    the area of each organization they are the liaison of (None: placed nowhere)."""
    if user is None or not user.is_authenticated:
        return []
    areas: list[Area | None] = [user.person.neighborhood] if user.person_id else []
    return areas + [ra.organization.area for ra in _liaison_roles(user)]


def _open_to_user(user: Any, states: tuple[str, ...] = (Need.State.PUBLISHED,)) -> Q | None:
    areas = claimant_areas(user)
    if not areas:
        return None
    q = Q(pk__in=[])
    for area in areas:
        q |= open_to(area)
    return Q(state__in=states) & q


def needs_open_to(user: Any, filters: NeedFilter | None = None) -> QuerySet[Need]:
    """Published needs whose publication scope reaches the user (as a resident or a liaison)."""
    q = _open_to_user(user)
    if q is None:
        return Need.objects.none()
    qs = Need.objects.filter(q).select_related("neighborhood", "organization")
    return _filtered(qs, filters or NeedFilter()).order_by("-published_at", "-id")


def needs_accessible_to(user: Any) -> QuerySet[Need]:
    """Every need the user may open: managed in their scope, open to them to claim, or claimed by them."""
    if user is None or not user.is_authenticated:
        return Need.objects.none()
    scoped = scope_filter(Need, user, Perm.VIEW)
    if scoped is None:  # the platform administrator
        return Need.objects.select_related("neighborhood", "organization")
    q = scoped | Q(pk__in=Claim.objects.filter(claimant=user).values("need_id"))
    teams = team_ids(user)
    if teams:  # orders dispatched to the user's team, to accept and serve
        q |= Q(pk__in=Dispatch.objects.filter(organization_id__in=teams).exclude(
            status=Dispatch.Status.RECALLED).values("need_id"))
    if user.person_id is not None:  # the service orders the user asked for, to follow and rate
        q |= Q(kind=Need.Kind.SERVICE, requester_id=user.person_id) & ~Q(state=Need.State.DRAFT)
    open_q = _open_to_user(user)
    if open_q is not None:
        q |= open_q
    return Need.objects.filter(q).select_related("neighborhood", "organization")


def need_for(user: Any, pk: Any) -> Need:
    """One need the user may open; any other answers 404 (out of scope or not there: the same)."""
    try:
        return needs_accessible_to(user).get(pk=pk)
    except (Need.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# A need stays known to those it was published for once someone has claimed it.
_PUBLISHED_ONCE = (Need.State.PUBLISHED, Need.State.CLAIMED, Need.State.FULFILLED, Need.State.CLOSED)


def need_to_claim(user: Any, pk: Any) -> Need:
    """The need a claim is pressed on: one the user may open, a wish from the public wall, or
    one published for them that someone has claimed meanwhile. The action then says why not
    ("already claimed", "not published for where you are") rather than a bare 404."""
    try:
        return needs_accessible_to(user).get(pk=pk)
    except (Need.DoesNotExist, ValueError, TypeError):
        pass
    known = Q(kind=Need.Kind.WISH)  # the wall shows every published wish to everyone
    open_q = _open_to_user(user, _PUBLISHED_ONCE)
    if open_q is not None:
        known |= open_q
    try:
        # With its neighborhood: claim_need reads it (the claimant's scope, cross-region).
        return Need.objects.filter(known, state__in=_PUBLISHED_ONCE).select_related("neighborhood").get(pk=pk)
    except (Need.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# The public wish wall ------------------------------------------------------------

# What the public may read of a published wish (DESIGN.md, Privacy). Anything
# else of the need, and all of WishDetails but the shown name and the age, is
# never selected.
PUBLIC_WISH_FIELDS = ("id", "kind", "state", "title", "description", "category", "value_band", "published_at",
                      "neighborhood__name", "neighborhood__parent__name", "neighborhood__parent__code")


@dataclass(frozen=True)
class WallFilter:
    category: str = ""
    value_band: str = ""
    community: str = ""  # a community's area code

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> WallFilter:
        return cls(
            category=_choice(params, "category", Need.Category.values),
            value_band=_choice(params, "value_band", Need.ValueBand.values),
            community=(params.get("community") or "").strip()[:32],
        )


def public_wishes(filters: WallFilter | None = None) -> QuerySet[Need]:
    """Published wishes, newest first, with only their public fields.

    Each row carries `public_name` and `beneficiary_birth_date` (read as
    `Need.public_age`), selected from WishDetails by name: the child's full
    name, school and guardian are not part of the query.
    """
    f = filters or WallFilter()
    qs = (
        Need.objects.filter(kind=Need.Kind.WISH, state=Need.State.PUBLISHED)
        .select_related("neighborhood__parent")
        .only(*PUBLIC_WISH_FIELDS)
        .annotate(public_name=F("wish_details__public_name"), beneficiary_birth_date=F("wish_details__birth_date"))
    )
    if f.category:
        qs = qs.filter(category=f.category)
    if f.value_band:
        qs = qs.filter(value_band=f.value_band)
    if f.community:
        qs = qs.filter(neighborhood__parent__code=f.community)
    return qs.order_by("-published_at", "-id")


def wall_communities() -> QuerySet[Area]:
    """The communities with a published wish, for the wall's filter.

    One EXISTS probe per community (stopping at its first published wish on the
    (neighborhood, state) index) rather than a DISTINCT over a join with every
    published wish: 127 ms → a few with 100,000 on the wall (bench/needs_wall.py).
    """
    published = Need.objects.filter(neighborhood__parent_id=OuterRef("pk"), state=Need.State.PUBLISHED,
                                    kind=Need.Kind.WISH)
    return Area.objects.filter(Exists(published), level=Area.Level.COMMUNITY).order_by("code")


def count_public_wishes(filters: WallFilter | None = None) -> int:
    """How many wishes the wall shows, counted on the published-needs index without the child's table."""
    f = filters or WallFilter()
    qs = Need.objects.filter(kind=Need.Kind.WISH, state=Need.State.PUBLISHED)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.value_band:
        qs = qs.filter(value_band=f.value_band)
    if f.community:
        qs = qs.filter(neighborhood__parent__code=f.community)
    return qs.count()


# Claims ----------------------------------------------------------------------------

def claims_of(user: Any) -> QuerySet[Claim]:
    """The claims a user made, and those made in the name of an organization they are the liaison of."""
    if user is None or not user.is_authenticated:
        return Claim.objects.none()
    return (
        Claim.objects.filter(_claimed_by(user))
        .select_related("need__neighborhood", "organization", "claimant", "claimant_area", "need_area")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class ClaimFilter:
    """The staff claims list's filters: who claimed (part of a person's or organization's name), how the claim
    stands, when it was made (both days count)."""

    claimant: str = ""
    state: str = ""  # "active" (claimed, not yet handed over), "fulfilled" or "cancelled"
    start: datetime.date | None = None
    end: datetime.date | None = None
    cross_region: bool = False

    STATES: ClassVar[tuple[str, ...]] = ("active", "fulfilled", "cancelled")


def claims_in_scope(user: Any, f: ClaimFilter | None = None) -> QuerySet[Claim]:
    """The claims on needs placed in the user's areas (or of their organization), newest first."""
    f = f or ClaimFilter()
    qs = scope_queryset(Claim.objects.select_related("need__neighborhood", "organization", "claimant",
                                                     "claimant_area"), user, Perm.VIEW)
    if f.claimant:
        qs = qs.filter(Q(claimant__display_name__icontains=f.claimant) | Q(claimant__username__icontains=f.claimant)
                       | Q(organization__name__icontains=f.claimant))
    if f.state == "cancelled":
        qs = qs.filter(status=Claim.Status.CANCELLED)
    elif f.state == "active":
        qs = qs.filter(status=Claim.Status.ACTIVE, need__state=Need.State.CLAIMED)
    elif f.state == "fulfilled":
        qs = qs.filter(status=Claim.Status.ACTIVE, need__state__in=(Need.State.FULFILLED, Need.State.CLOSED))
    tz = timezone.get_default_timezone()
    if f.start:
        qs = qs.filter(created_at__gte=datetime.datetime.combine(f.start, datetime.time.min, tz))
    if f.end:
        qs = qs.filter(created_at__lt=datetime.datetime.combine(f.end + datetime.timedelta(days=1),
                                                                datetime.time.min, tz))
    if f.cross_region:
        qs = qs.filter(cross_region=True)
    return qs.order_by("-created_at", "-id")


def _claimed_by(user: Any) -> Q:
    return Q(claimant=user) | Q(organization_id__in=[ra.organization_id for ra in _liaison_roles(user)])


def active_claim(need: Need) -> Claim | None:
    return need.claims.filter(status=Claim.Status.ACTIVE).select_related("claimant", "organization").first()


@dataclass(frozen=True)
class Beneficiary:
    """Who a wish is for, as one user may see it."""

    public_name: str
    age: int | None
    child_name: str
    school: str
    school_class: str
    guardian_consent: bool
    age_estimated: bool  # only the age was known (a paper form); the birth date was worked out from it
    # None when this user may not see the guardian (a claimant: the hand-over goes through staff).
    guardian_name: str | None
    guardian_phone: str | None  # masked


def beneficiary_for(user: Any, need: Need) -> Beneficiary | None:
    """The child's details for staff in scope (guardian's phone masked) and for
    the active claimant (no guardian); None for everyone else."""
    if need.kind != Need.Kind.WISH:
        return None
    staff = can(user, Perm.VIEW, need)
    claimant = (not staff and user is not None and user.is_authenticated
                and need.claims.filter(_claimed_by(user), status=Claim.Status.ACTIVE).exists())
    if not (staff or claimant):
        return None
    details = WishDetails.objects.filter(need=need).first()
    if details is None:
        return None
    return Beneficiary(
        public_name=details.public_name, age=details.age, child_name=details.child_name, school=details.school,
        school_class=details.school_class, guardian_consent=details.guardian_consent,
        age_estimated=details.birth_date_estimated, guardian_name=details.guardian_name if staff else None,
        guardian_phone=details.masked_guardian_phone if staff else None,
    )


def sees_handover(user: Any, need: Need) -> bool:
    """May `user` read a need's hand-over record (the thank-you letter, its scan, the photos)?

    A wish's letter is the child's own words, and names them (full name, school, class): the same
    readers as the child's details (beneficiary_for) — staff in scope and the active claimant —
    not everyone who may open the need, such as a claimant who gave it back. Other needs: those
    who may open it.
    """
    if need.kind != Need.Kind.WISH or can(user, Perm.VIEW, need):
        return True
    return (user is not None and user.is_authenticated
            and need.claims.filter(_claimed_by(user), status=Claim.Status.ACTIVE).exists())


def acknowledgements_for(user: Any) -> Q:
    """The claims whose acknowledgement `user` may open: their own or their organization's, or on needs
    in their scope (not another unit's on a need they once claimed and gave back)."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    return _claimed_by(user) | Q(need__in=scope_queryset(Need.objects.all(), user, Perm.VIEW).values("pk"))


# Figures ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class WishFigures:
    """The 圆梦 figures of an area and period, computed from the records (reports read these)."""

    submitted: int
    published: int
    claimed: int
    fulfilled: int
    claiming_units: int
    claiming_individuals: int
    cross_region_claims: int
    median_days_to_claim: float | None
    median_days_to_fulfilment: float | None


def _median(days: list[float]) -> float | None:
    return round(statistics.median(days), 1) if days else None


def wish_figures(user: Any, *, area: str = "", start: datetime.date | None = None,
                 end: datetime.date | None = None) -> WishFigures:
    """Wishes in the user's scope (optionally under one area), counted by what happened between
    `start` and `end` inclusive: submitted, published, claimed (claims standing now), fulfilled.

    A claim counts once, for the claimant's organization when made in its name, else for the
    person; cross-region claims came from another subdistrict. The medians are days from
    publication to the standing claim, and to the hand-over.
    """
    wishes = needs_visible_to(user, NeedFilter(kind=Need.Kind.WISH, area=area)).order_by()

    def within(field: str) -> Q:
        # A timestamp counts on its day in the street's time zone (settings.TIME_ZONE).
        day = field if field == "fulfilled_on" else f"{field}__date"
        q = Q(**{f"{field}__isnull": False})
        if start is not None:
            q &= Q(**{f"{day}__gte": start})
        if end is not None:
            q &= Q(**{f"{day}__lte": end})
        return q

    claims = Claim.objects.filter(need__in=wishes.values("pk"), status=Claim.Status.ACTIVE).filter(
        within("created_at"))
    counts = claims.aggregate(
        claimed=Count("id"),
        units=Count("organization", distinct=True),
        individuals=Count("claimant", distinct=True, filter=Q(organization__isnull=True)),
        cross_region=Count("id", filter=Q(cross_region=True)),
    )
    fulfilled = wishes.filter(within("fulfilled_on"))
    return WishFigures(
        submitted=wishes.filter(within("submitted_at")).count(),
        published=wishes.filter(within("published_at")).count(),
        claimed=counts["claimed"],
        fulfilled=fulfilled.count(),
        claiming_units=counts["units"],
        claiming_individuals=counts["individuals"],
        cross_region_claims=counts["cross_region"],
        median_days_to_claim=_median([
            (claimed - published).total_seconds() / 86400
            for claimed, published in claims.values_list("created_at", "need__published_at") if published
        ]),
        # The hand-over is a date: counted in whole days from the day of publication.
        median_days_to_fulfilment=_median([
            (day - timezone.localdate(published)).days
            for day, published in fulfilled.values_list("fulfilled_on", "published_at") if day and published
        ]),
    )


# Service orders ----------------------------------------------------------------------------

def dispatch_targets(user: Any, need: Need) -> QuerySet[Organization]:
    """The teams and units an order may be sent to: those the user may see, and every one placed
    in the order's subdistrict (the street's volunteer association serves all its communities)."""
    q = Q(pk__in=core_queries.organizations_visible_to(user).values("pk")) if user is not None else Q()
    own = subdistrict_path(need.neighborhood)
    if own is not None:
        q |= under_area("area__path", own)
    return Organization.objects.filter(q).select_related("area")


def open_dispatch(need: Need) -> Dispatch | None:
    """The order's pending or accepted dispatch, if any."""
    return need.dispatches.filter(status__in=Dispatch.OPEN).select_related("organization", "accepted_by").first()


def dispatch_board(user: Any, *, now: datetime.datetime | None = None) -> list[Dispatch]:
    """The open dispatches the user follows, overdue first, then by deadline.

    Staff see those of the orders in their scope; a team's liaison or volunteer
    those sent to the team. Overdue (deadline passed, order not yet served) is
    worked out here from the deadline and the order's state, never stored.
    """
    if user is None or not user.is_authenticated:
        return []
    now = now or timezone.now()
    teams = team_ids(user)
    scoped = scope_filter(Dispatch, user, Perm.VIEW)
    q = Q() if scoped is None else scoped | Q(organization_id__in=teams)
    rows = list(
        Dispatch.objects.filter(q, status__in=Dispatch.OPEN,
                                need__state__in=(Need.State.DISPATCHED, Need.State.CLAIMED))
        .select_related("need__neighborhood", "organization", "accepted_by")
        .order_by("deadline", "id")
    )
    for row in rows:
        row.overdue = row.deadline < now  # type: ignore[attr-defined]  # the board's derived flag
        row.can_accept = row.status == Dispatch.Status.PENDING and row.organization_id in teams  # type: ignore[attr-defined]
    rows.sort(key=lambda r: not r.overdue)  # type: ignore[attr-defined]  # stable: by deadline within each group
    return rows


def overdue_dispatches(user: Any, *, on: datetime.datetime | None = None) -> list[Dispatch]:
    """Open dispatches past their deadline whose order is not yet served."""
    return [d for d in dispatch_board(user, now=on) if d.overdue]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class TeamRating:
    organization_id: int | None
    organization: str
    ratings: int
    average: float


def _period(field: str, start: datetime.date | None, end: datetime.date | None) -> Q:
    q = Q()
    if start is not None:
        q &= Q(**{f"{field}__date__gte": start})
    if end is not None:
        q &= Q(**{f"{field}__date__lte": end})
    return q


def team_ratings(user: Any, *, area: str = "", start: datetime.date | None = None,
                 end: datetime.date | None = None) -> list[TeamRating]:
    """Ratings of the service orders in the user's scope, given in the period, rolled up per team (best first)."""
    orders = needs_visible_to(user, NeedFilter(kind=Need.Kind.SERVICE, area=area)).order_by()
    rows = (
        Feedback.objects.filter(need__in=orders.values("pk")).filter(_period("created_at", start, end))
        .values("organization_id", "organization__name")
        .annotate(ratings=Count("need_id"), average=Avg("rating"))
        .order_by("-average", "organization__name")
    )
    return [TeamRating(r["organization_id"], r["organization__name"] or "", r["ratings"],
                       round(float(r["average"]), 2)) for r in rows]


@dataclass(frozen=True)
class ServiceFigures:
    """Service orders of an area and period (created in it), by state now, and their ratings."""

    by_state: dict[str, int]
    total: int
    overdue: int
    rated: int
    average_rating: float | None


def service_figures(user: Any, *, area: str = "", start: datetime.date | None = None,
                    end: datetime.date | None = None, now: datetime.datetime | None = None) -> ServiceFigures:
    orders = needs_visible_to(user, NeedFilter(kind=Need.Kind.SERVICE, area=area)).order_by().filter(
        _period("created_at", start, end))
    counts = dict(orders.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    by_state = {state: counts.get(state, 0) for state in Need.State.values}
    overdue = Dispatch.objects.filter(
        need__in=orders.values("pk"), status__in=Dispatch.OPEN, deadline__lt=now or timezone.now(),
        need__state__in=(Need.State.DISPATCHED, Need.State.CLAIMED),
    ).count()
    ratings = Feedback.objects.filter(need__in=orders.values("pk")).aggregate(n=Count("need_id"), avg=Avg("rating"))
    return ServiceFigures(
        by_state=by_state, total=sum(by_state.values()), overdue=overdue, rated=ratings["n"],
        average_rating=round(float(ratings["avg"]), 2) if ratings["avg"] is not None else None,
    )
