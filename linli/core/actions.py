"""Every write to a core record. Pages, the API, imports, the admin, the demo
seeder and tests all call these functions; nothing else writes.

Each action is keyword-only, takes the acting user as `actor=` (None means
the system itself, e.g. the demo seeder), runs in one transaction, validates
with the model's own rules, checks the actor's scope *after* the write (so a
record cannot be created in, or moved into, an area the actor does not hold)
and writes its audit event in the same transaction.
"""

from __future__ import annotations

import secrets
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.models import (
    APIToken,
    Area,
    Organization,
    PartyMembership,
    PartyOrganization,
    Person,
    Role,
    RoleAssignment,
    User,
)
from linli.core.scoping import Perm, can

M = TypeVar("M", bound=models.Model)


def _require(actor: Any, perm: Perm, obj: models.Model | None = None) -> None:
    if actor is None:  # the system (seeding, migrations) acts without a scope
        return
    if not can(actor, perm, obj):
        raise PermissionDenied(_("You do not have permission to do this here."))


def _label(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def _clean(obj: models.Model) -> None:
    # Normalize first (e.g. a lowercase x in an ID number), so that the
    # uniqueness checks in full_clean see what will actually be stored.
    fill = getattr(obj, "fill_derived_fields", None)
    if fill is not None:
        fill()
    obj.full_clean()


class Conflict(ValidationError):
    """A write lost a race to another transaction (the database refused it);
    nothing was saved. Pages show it like any validation error; the API answers 409."""


def _save(obj: models.Model) -> None:
    """Save; a constraint that only failed because another transaction won a
    race (e.g. two clerks entering the same ID number at once) becomes a
    ValidationError with a message, not a server error."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise Conflict(
            _("This conflicts with a record saved at the same time (for example the same ID number). "
              "Nothing was saved; reload and try again."), code="conflict",
        ) from None


def _create(model: type[M], *, actor: Any, fields: dict[str, Any]) -> M:
    obj = model(**fields)
    _clean(obj)
    _save(obj)
    _require(actor, Perm.CHANGE, obj)
    audit.record(actor=actor, action=f"{_label(obj)}.created", target=obj, changes=audit.diff({}, audit.snapshot(obj)))
    return obj


def _update(obj: M, *, actor: Any, fields: dict[str, Any]) -> M:
    _require(actor, Perm.CHANGE, obj)
    before = audit.snapshot(obj)
    for name, value in fields.items():
        setattr(obj, name, value)
    _clean(obj)
    _save(obj)
    _require(actor, Perm.CHANGE, obj)  # and it may not be moved out of the actor's scope
    changes = audit.diff(before, audit.snapshot(obj))
    if changes:
        audit.record(actor=actor, action=f"{_label(obj)}.updated", target=obj, changes=changes)
    return obj


def _delete(obj: models.Model, *, actor: Any) -> None:
    _require(actor, Perm.CHANGE, obj)
    before = audit.snapshot(obj)
    audit.record(actor=actor, action=f"{_label(obj)}.deleted", target=obj,
                 changes={k: [v, None] for k, v in before.items() if v not in (None, "")})
    try:
        with transaction.atomic():
            obj.delete()
    except models.ProtectedError:
        raise ValidationError(_("%(record)s is still referenced by other records and cannot be deleted.")
                              % {"record": obj}) from None


# Areas -----------------------------------------------------------------------

@transaction.atomic
def create_area(*, actor: Any, code: str, name: str, level: str, parent: Area | None) -> Area:
    return _create(Area, actor=actor, fields={"code": code, "name": name, "level": level, "parent": parent})


@transaction.atomic
def rename_area(*, actor: Any, area: Area, name: str) -> Area:
    return _update(area, actor=actor, fields={"name": name})


# Organizations ---------------------------------------------------------------

@transaction.atomic
def create_organization(*, actor: Any, **fields: Any) -> Organization:
    return _create(Organization, actor=actor, fields=fields)


@transaction.atomic
def update_organization(*, actor: Any, organization: Organization, **fields: Any) -> Organization:
    return _update(organization, actor=actor, fields=fields)


@transaction.atomic
def delete_organization(*, actor: Any, organization: Organization) -> None:
    _delete(organization, actor=actor)


# Party organizations ---------------------------------------------------------

# The records a party organization points to. Its own place (area or
# organization) is checked by the scope check after the write; these are
# checked before it, so that nobody can hang a branch under, or name as its
# secretary, a record they cannot see.
_PARTY_ORGANIZATION_REFERENCES = ("parent", "area", "organization", "secretary")


def _require_visible_references(
    actor: Any, fields: dict[str, Any], current: PartyOrganization | None = None
) -> None:
    """Refuse, on its field, each newly chosen reference the actor may not see.
    A reference left as it was is not checked again: an edit must not fail
    because someone else chose, say, an upper organization outside the actor's area."""
    if actor is None:
        return
    errors: dict[str, str] = {}
    for name in _PARTY_ORGANIZATION_REFERENCES:
        value = fields.get(name)
        if value is None or (current is not None and getattr(current, f"{name}_id") == value.pk):
            continue
        if not can(actor, Perm.VIEW, value):
            errors[name] = _("Choose a record in your area.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_party_organization(*, actor: Any, **fields: Any) -> PartyOrganization:
    """Create a party organization. Its level, parent and attachment are
    checked by PartyOrganization.clean(); the actor must be able to see every
    record it points to and hold the change permission where it is placed."""
    _require(actor, Perm.CHANGE)
    _require_visible_references(actor, fields)
    return _create(PartyOrganization, actor=actor, fields=fields)


@transaction.atomic
def update_party_organization(*, actor: Any, party_organization: PartyOrganization, **fields: Any) -> PartyOrganization:
    """Change a party organization (see create_party_organization for the checks)."""
    _require(actor, Perm.CHANGE, party_organization)  # before the references say anything about other records
    _require_visible_references(actor, fields, current=party_organization)
    return _update(party_organization, actor=actor, fields=fields)


# People ----------------------------------------------------------------------

@transaction.atomic
def create_person(*, actor: Any, **fields: Any) -> Person:
    return _create(Person, actor=actor, fields=fields)


@transaction.atomic
def update_person(*, actor: Any, person: Person, **fields: Any) -> Person:
    return _update(person, actor=actor, fields=fields)


@transaction.atomic
def delete_person(*, actor: Any, person: Person) -> None:
    _delete(person, actor=actor)


@transaction.atomic
def set_party_membership(
    *, actor: Any, person: Person, party_organization: PartyOrganization | None, status: str = "full",
    joined_on: Any = None,
) -> PartyMembership | None:
    """Make `person` a member of `party_organization`, or end the membership when None."""
    _require(actor, Perm.CHANGE, person)
    current = PartyMembership.objects.filter(person=person).first()
    if party_organization is None:
        if current is not None:
            audit.record(actor=actor, action="core.party_membership_ended", target=person,
                         changes={"party_organization": [str(current.party_organization), None]})
            current.delete()
        return None
    _require(actor, Perm.VIEW, party_organization)
    membership = current or PartyMembership(person=person)
    before = audit.snapshot(membership) if current else {}
    membership.party_organization = party_organization
    membership.status = status
    membership.joined_on = joined_on
    membership.full_clean(exclude=["person"])
    membership.save()
    audit.record(actor=actor, action="core.party_membership_set", target=person,
                 changes=audit.diff(before, audit.snapshot(membership)))
    return membership


@transaction.atomic
def reveal_sensitive(*, actor: Any, record: models.Model, field: str) -> str:
    """Return the unmasked value of a sensitive field (a person's phone or ID
    number, a unit's or an establishment's contact phone: a model's
    `sensitive_fields`), and audit the read."""
    if field not in getattr(record, "sensitive_fields", {}):
        raise ValidationError({"field": _("This field is not a sensitive field.")})
    if actor is None or not can(actor, Perm.REVEAL, record):
        raise PermissionDenied(_("You do not have permission to see this number."))
    audit.record(actor=actor, action="core.sensitive_revealed", target=record, data={"field": field})
    return getattr(record, field) or ""


def record_export(*, actor: Any, kind: str, count: int, filters: dict[str, Any], unmasked: bool) -> None:
    """Every export is audited: who took which list, how many rows, masked or not."""
    if unmasked and not can(actor, Perm.REVEAL):
        raise PermissionDenied(_("You do not have permission to export unmasked numbers."))
    audit.record(actor=actor, action=f"core.{kind}_exported",
                 data={"count": count, "filters": filters, "unmasked": unmasked})


# Accounts and roles ----------------------------------------------------------

def _require_admin(actor: Any) -> None:
    if actor is None:
        return
    if not (actor.is_superuser or RoleAssignment.objects.filter(user=actor, role=Role.PLATFORM_ADMIN).exists()):
        raise PermissionDenied(_("Only a platform administrator can manage accounts and roles."))


@transaction.atomic
def create_user(
    *, actor: Any, username: str, password: str | None, display_name: str = "", person: Person | None = None,
    is_staff: bool = False, is_superuser: bool = False, password_hash: str | None = None,
) -> User:
    """Create an account. `password_hash` (from make_password) lets a seeder
    hash one password once instead of once per account."""
    _require_admin(actor)
    if is_superuser and actor is not None and not actor.is_superuser:
        raise PermissionDenied(_("Only a superuser can create another superuser."))
    user = User(username=username, display_name=display_name, person=person, is_staff=is_staff or is_superuser,
                is_superuser=is_superuser)
    if password_hash:
        user.password = password_hash
    elif password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit.record(actor=actor, action="core.user_created", target=user,
                 data={"username": username, "is_staff": user.is_staff, "is_superuser": is_superuser})
    return user


@transaction.atomic
def assign_role(
    *, actor: Any, user: User, role: str, area: Area | None = None, organization: Organization | None = None
) -> RoleAssignment:
    _require_admin(actor)
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, area=area, organization=organization
    )
    if created:
        assignment.full_clean()
        audit.record(actor=actor, action="core.role_assigned", target=user,
                     data={"role": role, "scope": str(assignment.scope or "")})
        user.__dict__.pop("_linli_grants", None)
    return assignment


@transaction.atomic
def revoke_role(*, actor: Any, assignment: RoleAssignment) -> None:
    _require_admin(actor)
    audit.record(actor=actor, action="core.role_revoked", target=assignment.user,
                 data={"role": assignment.role, "scope": str(assignment.scope or "")})
    assignment.delete()


@transaction.atomic
def create_api_token(*, actor: Any, name: str) -> tuple[APIToken, str]:
    """Create a token for the actor's own account. The key is returned once and never stored."""
    key = "ll_" + secrets.token_urlsafe(32)
    token = APIToken.objects.create(user=actor, name=name, prefix=key[:8], key_hash=APIToken.hash_key(key))
    audit.record(actor=actor, action="core.api_token_created", target=actor,
                 data={"name": name, "prefix": token.prefix})
    return token, key


@transaction.atomic
def revoke_api_token(*, actor: Any, token: APIToken) -> None:
    if token.user_id != actor.pk:
        _require_admin(actor)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action="core.api_token_revoked", target=token.user, data={"prefix": token.prefix})
