"""Reads that matter: every list, search and export of core records starts here,
and every one of them goes through the scoping function."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from linli.core.models import Area, AuditEvent, Organization, PartyOrganization, Person
from linli.core.scoping import Perm, scope_queryset, under_area

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _tristate(value: Any) -> bool | None:
    value = str(value or "").strip().lower()
    return True if value in _TRUE else False if value in _FALSE else None


def _name_search(q: str) -> Q:
    """Pinyin (initials or full) starting with the text, or the name containing it: `zs` finds 张三.

    Latin letters are looked up in the pinyin keys only, an indexed prefix
    match; a name-contains search would read every row in scope.
    """
    q = q.strip()
    key = q.lower().replace(" ", "")
    if key.isascii() and key.isalnum():
        cond = Q(name_initials__startswith=key) | Q(name_pinyin__startswith=key)
        first = key[0]
        if "a" <= first <= "z":
            # Both keys begin with the same letter, so every match lies in one
            # letter's range of the list's (name_pinyin, id) index. Saying so
            # lets the planner walk that range in list order instead of the
            # whole index: `zs` read 185,000 rows without it, ~1,000 with it.
            cond &= Q(name_pinyin__gte=first)
            if first != "z":
                cond &= Q(name_pinyin__lt=chr(ord(first) + 1))
        return cond
    return Q(name__icontains=q)


def _under_area(qs: QuerySet[Any], path_lookup: str, code: str) -> QuerySet[Any]:
    """Rows placed in the area with this code or below it; an unknown code matches nothing."""
    area = Area.objects.filter(code=code).only("path").first()
    return qs.filter(under_area(path_lookup, area.path)) if area else qs.none()


@dataclass(frozen=True)
class PeopleFilter:
    q: str = ""
    area: str = ""  # an area code: that area and everything under it
    gender: str = ""
    party_member: bool | None = None
    volunteer: bool | None = None
    organization: int | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> PeopleFilter:
        """The people list's filters from GET parameters; the list page and the export share this.

        An area the user does not hold is kept, not dropped: the query then finds
        nothing, where dropping it would silently widen the list to all their areas.
        """
        gender = (params.get("gender") or "").strip()
        organization = (params.get("organization") or "").strip()
        return cls(
            q=(params.get("q") or "").strip()[:50],
            area=(params.get("area") or "").strip()[:32],
            gender=gender if gender in Person.Gender.values else "",
            party_member=_tristate(params.get("party_member")),
            volunteer=_tristate(params.get("volunteer")),
            organization=int(organization) if organization.isdigit() else None,
        )

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None)}


def people_visible_to(user: Any, filters: PeopleFilter | None = None, perm: Perm = Perm.VIEW) -> QuerySet[Person]:
    qs = scope_queryset(Person.objects.all(), user, perm).select_related(
        "neighborhood", "organization", "party_membership__party_organization"
    )
    f = filters or PeopleFilter()
    if f.q:
        qs = qs.filter(_name_search(f.q))
    if f.area:
        qs = _under_area(qs, "neighborhood__path", f.area)
    if f.gender:
        qs = qs.filter(gender=f.gender)
    if f.party_member is not None:
        qs = qs.filter(party_membership__isnull=not f.party_member)
    if f.volunteer is not None:
        qs = qs.filter(is_volunteer=f.volunteer)
    if f.organization:
        qs = qs.filter(organization_id=f.organization)
    return qs.order_by("name_pinyin", "id")


@dataclass(frozen=True)
class OrganizationFilter:
    q: str = ""
    area: str = ""
    kind: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> OrganizationFilter:
        """The organization list's filters from GET parameters (see PeopleFilter.from_params)."""
        kind = (params.get("kind") or "").strip()
        return cls(
            q=(params.get("q") or "").strip()[:50],
            area=(params.get("area") or "").strip()[:32],
            kind=kind if kind in Organization.Kind.values else "",
        )

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None)}


def organizations_visible_to(
    user: Any, filters: OrganizationFilter | None = None, perm: Perm = Perm.VIEW
) -> QuerySet[Organization]:
    qs = scope_queryset(Organization.objects.all(), user, perm).select_related("area")
    f = filters or OrganizationFilter()
    if f.q:
        qs = qs.filter(_name_search(f.q))
    if f.area:
        qs = _under_area(qs, "area__path", f.area)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    return qs.order_by("name_pinyin", "id")


def party_organizations_visible_to(user: Any, q: str = "") -> QuerySet[PartyOrganization]:
    qs = scope_queryset(PartyOrganization.objects.all(), user).select_related(
        "area", "organization", "parent", "secretary"
    ).annotate(member_count=Count("members"))
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.order_by("name", "id")


def areas_visible_to(user: Any) -> QuerySet[Area]:
    return scope_queryset(Area.objects.all(), user).order_by("path")


@dataclass
class AreaNode:
    area: Area
    people: int
    children: list[AreaNode]


def area_tree(user: Any) -> list[AreaNode]:
    """The areas the user holds, as a tree, with the number of residents under
    each node — three queries whatever the size of the tree."""
    areas = list(areas_visible_to(user))
    if not areas:
        return []
    per_neighborhood = dict(
        scope_queryset(Person.objects.all(), user).values_list("neighborhood__path").annotate(n=Count("id"))
    )
    nodes = {a.path: AreaNode(area=a, people=0, children=[]) for a in areas}
    totals: dict[str, int] = defaultdict(int)
    for path, n in per_neighborhood.items():
        parts = path.rstrip("/").split("/")
        for i in range(1, len(parts) + 1):
            totals["/".join(parts[:i]) + "/"] += n
    roots: list[AreaNode] = []
    for a in areas:
        node = nodes[a.path]
        node.people = totals.get(a.path, 0)
        parent_path = a.path[: a.path.rstrip("/").rfind("/") + 1]
        if parent_path in nodes:
            nodes[parent_path].children.append(node)
        else:
            roots.append(node)
    return roots


def area_choices_for(user: Any, levels: tuple[str, ...] | None = None) -> QuerySet[Area]:
    qs = areas_visible_to(user)
    return qs.filter(level__in=levels) if levels else qs


def audit_events(*, q: str = "", action: str = "", actor: str = "") -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.select_related("target_type")
    if q:
        qs = qs.filter(Q(target_repr__icontains=q) | Q(target_id=q))
    if action:
        qs = qs.filter(action__startswith=action)
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    return qs.order_by("-created_at", "-id")


def home_figures(user: Any, area: Area | None = None) -> dict[str, int]:
    """Counts of what the user holds, optionally under one area."""
    people = scope_queryset(Person.objects.all(), user)
    orgs = scope_queryset(Organization.objects.all(), user)
    porgs = scope_queryset(PartyOrganization.objects.all(), user)
    if area is not None:
        people = people.filter(neighborhood__path__startswith=area.path)
        orgs = orgs.filter(area__path__startswith=area.path)
        porgs = porgs.filter(area__path__startswith=area.path)
    counts = people.aggregate(
        people=Count("id"),
        party_members=Count("id", filter=Q(party_membership__isnull=False)),
        volunteers=Count("id", filter=Q(is_volunteer=True)),
    )
    return {**counts, "organizations": orgs.count(), "party_organizations": porgs.count()}
