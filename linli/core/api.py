"""JSON endpoints for areas, organizations, party organizations and people.

Thin, like the views: parse → one query or action → schema. Reads go through
linli.core.queries (scoped), writes through linli.core.actions (permission-
checked, audited). Records out of the caller's scope answer 404, and area or
organization codes out of scope are "unknown" — the API does not confirm
that a record exists elsewhere.

Phone and ID numbers are always masked in output; POST /people/{id}/reveal
is the one way to an unmasked value, and it is audited.
"""

import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from linli.core import actions, audit, queries
from linli.core.models import Area, Organization, PartyMembership, PartyOrganization, Person

router = Router()

MAX_PAGE_SIZE = 500


class Pagination(LimitOffsetPagination):
    """`limit`/`offset` in, `{"items": [...], "count": total}` out.

    ninja's default has no upper limit, so `limit=10000000` would load a
    whole district; every list endpoint of linli uses this class instead.
    """

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_PAGE_SIZE, description="Items per page (at most 500).")
        offset: int = Field(0, ge=0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_PAGE_SIZE, **kwargs)


def _actor(request: HttpRequest) -> Any:
    # The account found by the session or by the bearer token.
    return request.auth  # type: ignore[attr-defined]  # set by ninja's authentication; HttpRequest lacks it


def _parent_code(area: Area) -> str | None:
    # The materialized path holds the parent's code, so no join is needed.
    codes = area.ancestor_codes()
    return codes[-2] if len(codes) > 1 else None


def neighborhood_in_scope(request: HttpRequest, code: str) -> Area:
    """The neighborhood a payload names by code, among those the caller holds; else a 422 naming the field."""
    area = queries.area_choices_for(_actor(request), levels=(Area.Level.NEIGHBORHOOD,)).filter(code=code).first()
    if area is None:
        raise ValidationError(
            {"neighborhood": _("There is no neighborhood with code %(code)s in your area.") % {"code": code}}
        )
    return area


def _area(request: HttpRequest, code: str) -> Area:
    area = queries.areas_visible_to(_actor(request)).filter(code=code).first()
    if area is None:
        raise ValidationError({"area": _("There is no area with code %(code)s in your area.") % {"code": code}})
    return area


def organization_in_scope(request: HttpRequest, pk: int) -> Organization:
    """The organization a payload names by id, among those the caller may see; else a 422 naming the field."""
    org = queries.organizations_visible_to(_actor(request)).filter(pk=pk).first()
    if org is None:
        raise ValidationError(
            {"organization": _("There is no organization with id %(id)s in your area.") % {"id": pk}}
        )
    return org


# Schemas ---------------------------------------------------------------------

class AreaOut(Schema):
    code: str
    name: str
    level: Area.Level
    parent: str | None = Field(None, description="The parent area's code.")

    @staticmethod
    def resolve_parent(obj: Area) -> str | None:
        return _parent_code(obj)


class AreaRef(Schema):
    code: str
    name: str


class OrganizationRef(Schema):
    id: int
    name: str


class OrganizationOut(Schema):
    id: int
    name: str
    kind: Organization.Kind
    area: AreaRef | None
    credit_code: str
    address: str
    contact_name: str
    contact_phone: str = Field(description="Masked, like residents' numbers.")
    created_at: datetime.datetime

    @staticmethod
    def resolve_contact_phone(obj: Organization) -> str:
        return obj.masked_contact_phone
    updated_at: datetime.datetime


class OrganizationIn(Schema):
    name: str
    kind: Organization.Kind
    area: str | None = Field(None, description="The code of the area the organization sits in.")
    credit_code: str = ""
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""


class OrganizationPatch(Schema):
    name: str | None = None
    kind: Organization.Kind | None = None
    area: str | None = Field(None, description="An area code; null detaches the organization from its area.")
    credit_code: str | None = None
    address: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None


class OrganizationFilterIn(Schema):
    q: str = Field("", description="Name, or pinyin initials / full pinyin of the name.")
    area: str = Field("", description="An area code: that area and everything under it.")
    kind: Organization.Kind | Literal[""] = ""


class PartyOrganizationRef(Schema):
    id: int
    name: str
    level: PartyOrganization.Level


class PersonRef(Schema):
    id: int
    name: str


class PartyOrganizationOut(Schema):
    id: int
    name: str
    level: PartyOrganization.Level
    parent: PartyOrganizationRef | None = Field(description="The upper organization.")
    area: AreaRef | None = Field(description="The area it is attached to.")
    organization: OrganizationRef | None = Field(description="The organization it is attached to.")
    secretary: PersonRef | None
    member_count: int = Field(description="Party members registered in this organization.")
    created_at: datetime.datetime
    updated_at: datetime.datetime


class PartyOrganizationFilterIn(Schema):
    q: str = Field("", max_length=50, description="Part of the name.")


class PartyMembershipOut(Schema):
    party_organization: str
    status: PartyMembership.Status
    joined_on: datetime.date | None

    @staticmethod
    def resolve_party_organization(obj: PartyMembership) -> str:
        return obj.party_organization.name


class PersonOut(Schema):
    id: int
    name: str
    gender: Person.Gender | Literal[""]
    birth_date: datetime.date | None
    age: int | None
    phone: str = Field(description="Always masked; see POST /people/{id}/reveal.")
    id_number: str = Field(description="Always masked; see POST /people/{id}/reveal.")
    address: str
    neighborhood: AreaRef
    organization: OrganizationRef | None
    position: str
    is_volunteer: bool
    party_membership: PartyMembershipOut | None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_phone(obj: Person) -> str:
        return obj.masked("phone")

    @staticmethod
    def resolve_id_number(obj: Person) -> str:
        return obj.masked("id_number")

    @staticmethod
    def resolve_party_membership(obj: Person) -> PartyMembership | None:
        try:
            return obj.party_membership
        except PartyMembership.DoesNotExist:
            return None


class PersonIn(Schema):
    name: str
    gender: Person.Gender | None = None
    birth_date: datetime.date | None = None
    phone: str = ""
    id_number: str | None = None
    address: str = ""
    neighborhood: str = Field(description="The neighborhood's area code.")
    organization: int | None = Field(None, description="The id of the organization the person works at.")
    position: str = ""
    is_volunteer: bool = False


class PersonPatch(Schema):
    name: str | None = None
    gender: Person.Gender | None = None
    birth_date: datetime.date | None = None
    phone: str | None = None
    id_number: str | None = None
    address: str | None = None
    neighborhood: str | None = Field(None, description="The neighborhood's area code.")
    organization: int | None = None
    position: str | None = None
    is_volunteer: bool | None = None


class PeopleFilterIn(Schema):
    q: str = Field("", description="Name, or pinyin initials / full pinyin of the name.")
    area: str = Field("", description="An area code: that area and everything under it.")
    gender: Person.Gender | Literal[""] = ""
    party_member: bool | None = None
    volunteer: bool | None = None


class RevealIn(Schema):
    field: Literal["phone", "id_number"]


class RevealOut(Schema):
    field: str
    value: str


class AuditEventOut(Schema):
    id: int
    created_at: datetime.datetime
    actor_name: str
    action: str
    changes: dict[str, Any]
    data: dict[str, Any]


# Input → action keyword arguments -----------------------------------------------

def _organization_fields(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    if "area" in data:
        data["area"] = _area(request, data["area"]) if data["area"] else None
    # null for an optional text field means "no value" (blank); for name and
    # kind it reaches the model, which names the field in its refusal.
    for name in ("credit_code", "address", "contact_name", "contact_phone"):
        if name in data and data[name] is None:
            data[name] = ""
    return data


def _person_fields(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    if "neighborhood" in data:
        if not data["neighborhood"]:
            raise ValidationError({"neighborhood": _("Give the neighborhood's area code.")})
        data["neighborhood"] = neighborhood_in_scope(request, data["neighborhood"])
    if "organization" in data:
        data["organization"] = organization_in_scope(request, data["organization"]) if data["organization"] else None
    if "gender" in data:
        data["gender"] = data["gender"] or ""
    if "id_number" in data:
        # An empty ID number is "unknown" (NULL), which the unique constraint ignores.
        data["id_number"] = data["id_number"] or None
    for name in ("phone", "address", "position"):
        if name in data and data[name] is None:
            data[name] = ""
    return data


def _people(request: HttpRequest, filters: queries.PeopleFilter | None = None) -> QuerySet[Person]:
    # Party membership is part of every person in the output; fetching it in
    # the same query keeps a page of people at a fixed number of queries.
    return queries.people_visible_to(_actor(request), filters).select_related(
        "party_membership__party_organization"
    )


# Areas -------------------------------------------------------------------------

@router.get("/areas", response=list[AreaOut], tags=["areas"])
@paginate(Pagination)
def list_areas(request: HttpRequest, level: Area.Level | Literal[""] = "") -> QuerySet[Area]:
    """The areas in the caller's scope, in tree order."""
    qs = queries.areas_visible_to(_actor(request))
    return qs.filter(level=level) if level else qs


@router.get("/areas/{code}", response=AreaOut, tags=["areas"])
def get_area(request: HttpRequest, code: str) -> Area:
    return get_object_or_404(queries.areas_visible_to(_actor(request)), code=code)


# Organizations -------------------------------------------------------------------

@router.get("/organizations", response=list[OrganizationOut], tags=["organizations"])
@paginate(Pagination)
def list_organizations(request: HttpRequest, filters: Query[OrganizationFilterIn]) -> QuerySet[Organization]:
    f = queries.OrganizationFilter(q=filters.q, area=filters.area, kind=filters.kind)
    return queries.organizations_visible_to(_actor(request), f)


@router.get("/organizations/{organization_id}", response=OrganizationOut, tags=["organizations"])
def get_organization(request: HttpRequest, organization_id: int) -> Organization:
    return get_object_or_404(queries.organizations_visible_to(_actor(request)), pk=organization_id)


@router.post("/organizations", response={201: OrganizationOut}, tags=["organizations"])
def create_organization(request: HttpRequest, payload: OrganizationIn) -> Status[Organization]:
    fields = _organization_fields(request, payload.dict())
    return Status(201, actions.create_organization(actor=_actor(request), **fields))


@router.patch("/organizations/{organization_id}", response=OrganizationOut, tags=["organizations"])
def update_organization(request: HttpRequest, organization_id: int, payload: OrganizationPatch) -> Organization:
    organization = get_object_or_404(queries.organizations_visible_to(_actor(request)), pk=organization_id)
    fields = _organization_fields(request, payload.dict(exclude_unset=True))
    return actions.update_organization(actor=_actor(request), organization=organization, **fields)


# Party organizations ---------------------------------------------------------------

@router.get("/party-organizations", response=list[PartyOrganizationOut], tags=["party organizations"])
@paginate(Pagination)
def list_party_organizations(
    request: HttpRequest, filters: Query[PartyOrganizationFilterIn]
) -> QuerySet[PartyOrganization]:
    """The party organizations in the caller's scope, by name."""
    return queries.party_organizations_visible_to(_actor(request), filters.q)


@router.get("/party-organizations/{party_organization_id}", response=PartyOrganizationOut,
            tags=["party organizations"])
def get_party_organization(request: HttpRequest, party_organization_id: int) -> PartyOrganization:
    return get_object_or_404(queries.party_organizations_visible_to(_actor(request)), pk=party_organization_id)


# People --------------------------------------------------------------------------

@router.get("/people", response=list[PersonOut], tags=["people"])
@paginate(Pagination)
def list_people(request: HttpRequest, filters: Query[PeopleFilterIn]) -> QuerySet[Person]:
    f = queries.PeopleFilter(
        q=filters.q, area=filters.area, gender=filters.gender,
        party_member=filters.party_member, volunteer=filters.volunteer,
    )
    return _people(request, f)


@router.get("/people/{person_id}", response=PersonOut, tags=["people"])
def get_person(request: HttpRequest, person_id: int) -> Person:
    return get_object_or_404(_people(request), pk=person_id)


@router.post("/people", response={201: PersonOut}, tags=["people"])
def create_person(request: HttpRequest, payload: PersonIn) -> Status[Person]:
    fields = _person_fields(request, payload.dict())
    person = actions.create_person(actor=_actor(request), **fields)
    return Status(201, get_object_or_404(_people(request), pk=person.pk))


@router.patch("/people/{person_id}", response=PersonOut, tags=["people"])
def update_person(request: HttpRequest, person_id: int, payload: PersonPatch) -> Person:
    person = get_object_or_404(_people(request), pk=person_id)
    fields = _person_fields(request, payload.dict(exclude_unset=True))
    actions.update_person(actor=_actor(request), person=person, **fields)
    return get_object_or_404(_people(request), pk=person_id)


@router.delete("/people/{person_id}", response={204: None}, tags=["people"])
def delete_person(request: HttpRequest, person_id: int) -> Status[None]:
    person = get_object_or_404(_people(request), pk=person_id)
    actions.delete_person(actor=_actor(request), person=person)
    return Status(204, None)


@router.post("/people/{person_id}/reveal", response=RevealOut, tags=["people"])
def reveal_person_field(request: HttpRequest, response: HttpResponse, person_id: int, payload: RevealIn) -> RevealOut:
    """The unmasked phone or ID number of one person. Audited; needs the reveal permission."""
    person = get_object_or_404(_people(request), pk=person_id)
    value = actions.reveal_sensitive(actor=_actor(request), record=person, field=payload.field)
    # An unmasked number must not linger in a proxy or browser cache.
    response["Cache-Control"] = "no-store"
    return RevealOut(field=payload.field, value=value)


@router.get("/people/{person_id}/history", response=list[AuditEventOut], tags=["people"])
@paginate(Pagination)
def person_history(request: HttpRequest, person_id: int) -> QuerySet[Any]:
    """The audit trail of one person's record, newest first (sensitive values stay masked)."""
    person = get_object_or_404(queries.people_visible_to(_actor(request)), pk=person_id)
    return audit.history_for(person)
