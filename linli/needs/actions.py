"""Every write to needs and claims. Pages, the API, the admin, the demo seeder
and tests call these functions; nothing else writes.

As in core.actions: keyword-only, `actor=` (None is the system, e.g. the demo
seeder, and acts without a scope), one transaction per call, permission
checked, and an audit event (`needs.submitted`, `needs.claimed`, …) written
in the same transaction.

Who may do what:
- CHANGE over the need's neighborhood (or its owner organization): create and
  edit a draft, set a wish's details, submit, withdraw;
- REVIEW over the need's neighborhood (secretaries, community, subdistrict and
  district staff): approve, reject, publish, record the fulfilment, close, and
  release anyone's claim before fulfilment;
- any signed-in resident (an account with a person record), or an
  organization's liaison in its name, whom the publication scope reaches:
  claim; the claimant may cancel within settings.LINLI_CLAIM_CANCEL_HOURS;
- DISPATCH over a service order's neighborhood (the center: community,
  subdistrict and district staff): dispatch it to a team or unit;
- a liaison or volunteer of that team or unit: accept the dispatch (a claim
  in the team's name);
- the requesting resident, or staff with CHANGE on their behalf: rate it.

Every state change goes through `_move`, which locks the need's row first:
of two people acting on one need at once (a claimant cancelling while staff
record the hand-over), the second one waits, then sees the first one's result
and is refused. A claim, the one step many press at once, is a single
conditional UPDATE instead (see claim_need): the same row lock, fewer trips.
"""

from __future__ import annotations

import datetime
import functools
import json
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core import audit
from linli.core.actions import Conflict
from linli.core.models import Area, AuditEvent, Organization, Person, Role
from linli.core.scoping import Perm, can, grants_for
from linli.core.uploads import check_upload
from linli.core.validators import validate_not_future
from linli.needs import files
from linli.needs.models import (
    Claim,
    Dispatch,
    Feedback,
    HandoverItem,
    HandoverPhoto,
    Need,
    ThankYouLetter,
    WishDetails,
    subdistrict_path,
)
from linli.needs.queries import need_to_claim


class IllegalTransition(Conflict):
    """The need is not (or no longer) in a state this step starts from; nothing changed.

    A Conflict, so the API answers 409: the request was fine, the record's
    state does not allow it (often because someone else acted first).
    """


class AlreadyClaimed(IllegalTransition):
    """Someone else claimed the need first."""


# One sentence per step, naming the state the need is in now.
_REFUSALS: dict[str, Promise] = {
    "submit": gettext_lazy("Only a draft can be submitted (this need is now: %(state)s)."),
    "approve": gettext_lazy("Only a submitted need can be approved (this need is now: %(state)s)."),
    "reject": gettext_lazy("Only a submitted or approved need can be rejected (this need is now: %(state)s)."),
    "publish": gettext_lazy("Only an approved need can be published (this need is now: %(state)s)."),
    "withdraw": gettext_lazy("A need can be withdrawn only before it is claimed (this need is now: %(state)s)."),
    "claim": gettext_lazy("Only a published need can be claimed (this need is now: %(state)s)."),
    "cancel_claim": gettext_lazy("A claim can be cancelled only before fulfilment (this need is now: %(state)s)."),
    "fulfil": gettext_lazy("Only a claimed need can be marked fulfilled (this need is now: %(state)s)."),
    "close": gettext_lazy("Only a fulfilled need can be closed (this need is now: %(state)s)."),
    "dispatch": gettext_lazy("Only an approved or published service order that nobody has accepted can be "
                             "dispatched (this need is now: %(state)s)."),
    "accept": gettext_lazy("Only a dispatched service order can be accepted (this need is now: %(state)s)."),
    "rate": gettext_lazy("A service order can be rated only after it is fulfilled (this need is now: %(state)s)."),
    "handover": gettext_lazy("The thank-you letter, photos and items are recorded after the hand-over "
                             "(this need is now: %(state)s)."),
    "edit": gettext_lazy("Only a draft can be edited (this need is now: %(state)s)."),
    "edit_details": gettext_lazy("A wish's details can be changed only before it is published "
                                 "(this need is now: %(state)s)."),
}


# The permission each staff step needs over the need (claims have their own rules, see claim_need).
STEP_PERMISSIONS: dict[str, Perm] = {
    "edit": Perm.CHANGE, "submit": Perm.CHANGE, "withdraw": Perm.CHANGE,
    "approve": Perm.REVIEW, "reject": Perm.REVIEW, "publish": Perm.REVIEW, "fulfil": Perm.REVIEW,
    "close": Perm.REVIEW, "dispatch": Perm.DISPATCH,
}


def _refusal(step: str, state: str) -> IllegalTransition:
    if step == "claim" and state in (Need.State.CLAIMED, Need.State.FULFILLED, Need.State.CLOSED):
        return AlreadyClaimed(_("This need has already been claimed."), code="already_claimed")
    return IllegalTransition(_REFUSALS[step] % {"state": Need.State(state).label}, code="illegal_transition")


def _require(actor: Any, perm: Perm, obj: models.Model | None = None) -> None:
    if actor is None:  # the system (seeding) acts without a scope
        return
    if not can(actor, perm, obj):
        raise PermissionDenied(_("You do not have permission to do this here."))


def _clean(obj: models.Model, exclude: list[str] | None = None) -> None:
    fill = getattr(obj, "fill_derived_fields", None)
    if fill is not None:
        fill()
    obj.full_clean(exclude=exclude)


def _lock(need: Need, step: str, allowed: frozenset[str]) -> Need:
    """The need's current row, locked until the transaction ends; refused unless in an `allowed` state.

    The lock is what makes the check hold: a second transaction acting on
    the same need waits here until the first commits, then reads its result.
    (SQLite takes the database's write lock at BEGIN IMMEDIATE, see
    settings, which serializes the same way.)
    """
    # of=("self",): the neighborhood joined in stays unlocked, or every claim in it would queue here.
    locked = Need.objects.select_for_update(of=("self",)).select_related("neighborhood").get(pk=need.pk)
    if locked.state not in allowed:
        raise _refusal(step, locked.state)
    return locked


def _move(need: Need, step: str, to: str, *, guard: Callable[[Need], None] | None = None,
          **fields: Any) -> str:
    """Take `need` through `step` to state `to`, setting `fields`; return the state it left.

    `guard` runs on the locked, current row before anything is written and
    refuses by raising. The caller's instance is updated in place.
    """
    locked = _lock(need, step, Need.TRANSITIONS[step])
    if guard is not None:
        guard(locked)
    before = locked.state
    fields.update(state=to, updated_at=timezone.now())
    Need.objects.filter(pk=need.pk).update(**fields)
    for name, value in fields.items():
        setattr(need, name, value)
    return before


def _record(actor: Any, action: str, need: Need, before: str, *, changes: dict[str, list[Any]] | None = None,
            data: dict[str, Any] | None = None) -> None:
    audit.record(actor=actor, action=action, target=need,
                 changes={"state": [before, need.state], **(changes or {})}, data=data)


# Drafts ------------------------------------------------------------------------

NEED_FIELDS = ("title", "description", "category", "value_band", "neighborhood", "organization", "requester",
               "place", "window_start", "window_end")


def _require_requester(actor: Any, requester: Person | None, current_id: int | None = None) -> None:
    """A service order's requester is a resident the actor may see (unchanged ones are not re-checked)."""
    if requester is not None and requester.pk != current_id:
        _require(actor, Perm.VIEW, requester)


@transaction.atomic
def create_need(*, actor: Any, kind: str, wish: dict[str, Any] | None = None, **fields: Any) -> Need:
    """A new draft need; `wish` holds a wish's details (see set_wish_details)."""
    unknown = set(fields) - set(NEED_FIELDS)
    if unknown:
        raise TypeError(f"create_need() got unexpected fields: {sorted(unknown)}")
    if fields.get("organization") is not None:
        _require(actor, Perm.VIEW, fields["organization"])
    _require_requester(actor, fields.get("requester"))
    need = Need(kind=kind, created_by=actor if actor is not None and actor.is_authenticated else None, **fields)
    _clean(need)
    need.save()
    # Checked after the write, as in core: a need cannot be created in an area the actor does not hold.
    _require(actor, Perm.CHANGE, need)
    audit.record(actor=actor, action="needs.created", target=need, changes=audit.diff({}, audit.snapshot(need)))
    if wish is not None:
        set_wish_details(actor=actor, need=need, **wish)
    return need


@transaction.atomic
def update_need(*, actor: Any, need: Need, **fields: Any) -> Need:
    """Change a draft's fields (title, description, category, value band, neighborhood, organization)."""
    unknown = set(fields) - set(NEED_FIELDS)
    if unknown:
        raise TypeError(f"update_need() got unexpected fields: {sorted(unknown)}")
    _require(actor, STEP_PERMISSIONS["edit"], need)
    locked = _lock(need, "edit", frozenset({Need.State.DRAFT}))
    if fields.get("organization") is not None and fields["organization"].pk != locked.organization_id:
        _require(actor, Perm.VIEW, fields["organization"])
    _require_requester(actor, fields.get("requester"), locked.requester_id)
    before = audit.snapshot(locked)
    for name, value in fields.items():
        setattr(locked, name, value)
    _clean(locked)
    locked.save()
    _require(actor, Perm.CHANGE, locked)  # and it may not be moved out of the actor's scope
    changes = audit.diff(before, audit.snapshot(locked))
    if changes:
        audit.record(actor=actor, action="needs.updated", target=locked, changes=changes)
    for name in (*fields, "updated_at"):
        setattr(need, name, getattr(locked, name))
    return need


@transaction.atomic
def set_wish_details(*, actor: Any, need: Need, **fields: Any) -> WishDetails:
    """Record or change who a wish is for: the child, school, guardian and the guardian's consent.

    Allowed until the wish is published; consent often arrives after approval.
    """
    if need.kind != Need.Kind.WISH:
        raise ValidationError(_("Only a wish has a beneficiary child."))
    _require(actor, STEP_PERMISSIONS["edit"], need)
    _lock(need, "edit_details", Need.EDITABLE_DETAILS_STATES)
    details = WishDetails.objects.filter(need=need).first()
    before = audit.snapshot(details) if details is not None else {}
    if "birth_date" in fields and "birth_date_estimated" not in fields and (
            details is None or fields["birth_date"] != details.birth_date):
        # A birth date entered as such is the real one. The same (estimated) date sent back by the edit
        # form with other changes, such as the guardian's consent arriving later, is not.
        fields["birth_date_estimated"] = False
    details = details or WishDetails(need=need)
    for name, value in fields.items():
        setattr(details, name, value)
    _clean(details, exclude=["need"])
    details.save()
    changes = audit.diff(before, audit.snapshot(details))
    changes.pop("need", None)
    if changes:
        # Masked like residents' numbers (WishDetails.sensitive_fields): the trail is no copy of the guardian's phone.
        audit.record(actor=actor, action="needs.wish_details_set", target=need, changes=changes)
    return details


@transaction.atomic
def reveal_guardian_phone(*, actor: Any, need: Need) -> str:
    """The guardian's unmasked phone, for staff who may reveal numbers in the wish's area; audited.

    The same rule as core.actions.reveal_sensitive for a resident's phone; a claimant never gets it.
    """
    if actor is None or not can(actor, Perm.REVEAL, need):
        raise PermissionDenied(_("You do not have permission to see this number."))
    details = WishDetails.objects.filter(need=need).first()
    if details is None:
        raise ValidationError(_("This need has no guardian recorded."))
    audit.record(actor=actor, action="needs.guardian_phone_revealed", target=need,
                 data={"field": "guardian_phone"})
    return details.guardian_phone


# Review --------------------------------------------------------------------------

def _has_details(need: Need) -> None:
    if need.kind == Need.Kind.WISH and not WishDetails.objects.filter(need=need).exists():
        raise ValidationError(_("Enter who the wish is for (the child's name, the name shown publicly and the "
                                "birth date) before submitting it."))
    missing = need.missing_order_details() if need.is_service else []
    if missing:
        raise ValidationError(_("Enter %(missing)s of the service order before submitting it.")
                              % {"missing": ", ".join(missing)}, code="incomplete_order")


@transaction.atomic
def submit_need(*, actor: Any, need: Need) -> Need:
    _require(actor, STEP_PERMISSIONS["submit"], need)
    before = _move(need, "submit", Need.State.SUBMITTED, guard=_has_details, submitted_at=timezone.now())
    _record(actor, "needs.submitted", need, before)
    return need


@transaction.atomic
def approve_need(*, actor: Any, need: Need) -> Need:
    _require(actor, STEP_PERMISSIONS["approve"], need)
    before = _move(need, "approve", Need.State.APPROVED)
    _record(actor, "needs.approved", need, before)
    return need


@transaction.atomic
def reject_need(*, actor: Any, need: Need, reason: str) -> Need:
    _require(actor, STEP_PERMISSIONS["reject"], need)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the need is rejected; the person who submitted it reads this.")})
    before = _move(need, "reject", Need.State.REJECTED, rejection_reason=reason)
    _record(actor, "needs.rejected", need, before, data={"reason": reason})
    return need


def _publishable(need: Need) -> None:
    if need.kind != Need.Kind.WISH:
        return
    details = WishDetails.objects.filter(need=need).first()
    if details is None or not details.guardian_consent:
        raise ValidationError(_("A wish can be published only with the guardian's consent: record it in the "
                                "wish's details first."), code="no_consent")


@transaction.atomic
def publish_need(*, actor: Any, need: Need, scope: str) -> Need:
    """Open an approved need to claimants in `scope`: its neighborhood, its subdistrict or the whole city."""
    _require(actor, STEP_PERMISSIONS["publish"], need)
    if scope not in Need.Scope.values:
        raise ValidationError({"scope": _("Choose who may claim the need: the neighborhood, the subdistrict or "
                                          "the whole city.")})
    before = _move(need, "publish", Need.State.PUBLISHED, guard=_publishable,
                      publication_scope=scope, published_at=timezone.now())
    _record(actor, "needs.published", need, before, data={"scope": scope})
    return need


@transaction.atomic
def withdraw_need(*, actor: Any, need: Need, reason: str = "") -> Need:
    """Take a need back before anyone claims it (a claimed need's claim is cancelled first)."""
    _require(actor, STEP_PERMISSIONS["withdraw"], need)
    before = _move(need, "withdraw", Need.State.WITHDRAWN)
    _recall_open_dispatch(need)
    _record(actor, "needs.withdrawn", need, before, data={"reason": reason.strip()} if reason.strip() else None)
    return need


# Claims --------------------------------------------------------------------------

def _claimant_area(actor: Any, organization: Organization | None) -> Area | None:
    """Where the claimant is: the organization's area when claiming in its name, else the resident's neighborhood."""
    if organization is not None:
        liaison = any(ra.role == Role.ORGANIZATION_LIAISON and ra.organization_id == organization.pk
                      for ra in grants_for(actor).roles)
        if not liaison:
            raise PermissionDenied(_("Only a liaison of %(organization)s can claim in its name.")
                                   % {"organization": organization})
        return organization.area
    if actor.person_id is None:
        raise PermissionDenied(_("Only a registered resident, or an organization's liaison in its name, "
                                 "can claim a need."))
    if "person" not in actor._state.fields_cache:
        # One query for the person and their neighborhood (a claim's hot path), cached on the account.
        actor.person = Person.objects.select_related("neighborhood").get(pk=actor.person_id)
    return actor.person.neighborhood


def _is_cross_region(claimant_area: Area | None, need_area: Area) -> bool:
    """A claim from outside the need's subdistrict (e.g. a 北蔡 sub-center taking a 花木 project)."""
    if claimant_area is None:  # an organization placed nowhere: its region is unknown, not "other"
        return False
    return subdistrict_path(claimant_area) != subdistrict_path(need_area)


def _scopes_reaching(claimant_area: Area | None, need_area: Area) -> list[str]:
    """The publication scopes under which a need placed in `need_area` is open to a claimant in `claimant_area`.

    Need.covers() as a list, so that the claim's UPDATE can test the scope on the row itself.
    """
    scopes = [Need.Scope.CITY.value]
    if claimant_area is None:
        return scopes
    if claimant_area.pk == need_area.pk:
        scopes.append(Need.Scope.NEIGHBORHOOD.value)
    own = subdistrict_path(need_area)
    if own is not None and claimant_area.path.startswith(own):
        scopes.append(Need.Scope.SUBDISTRICT.value)
    return scopes


def claim_need(*, actor: Any, need: Need | int, organization: Organization | None = None) -> Claim:
    """Claim a published need (a Need, or only its id), as a resident or in an organization's name.

    However many claim at once, exactly one succeeds. The claim is one
    conditional UPDATE (state still published, the scope reaches the
    claimant, not the claimant's own need): PostgreSQL makes every other
    claimant's UPDATE wait for the first one's row lock, re-reads the row
    after it commits, finds it claimed and changes nothing, so they get
    AlreadyClaimed (SQLite serializes writers at BEGIN IMMEDIATE). The
    conditional unique constraint `needs_claim_one_active` is the database's
    own guarantee behind that. Only a refused claim reads the row to say why.

    It is the step many press at once, so it is lean: on PostgreSQL the
    UPDATE (which tests the publication scope and works out whether the claim
    crosses regions from the need's own neighborhood), the claim's INSERT and
    its audit event's INSERT are one prepared statement, so one round trip and
    one commit when called outside a transaction (in one, under a savepoint),
    and the need need not be read first: given an id, nothing else is read.
    Elsewhere three statements in a transaction. A Need passed in has its
    state updated in memory.
    """
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Log in to claim a need."))
    claimant_area = _claimant_area(actor, organization)
    claim = Claim(need_id=need.pk if isinstance(need, Need) else need, claimant=actor, organization=organization,
                  claimant_area=claimant_area, created_at=timezone.now())
    if isinstance(need, Need):
        claim.need = need
        if "neighborhood" in need._state.fields_cache:
            claim.need_area = need.neighborhood  # in memory for the caller (the API's answer names it)
    connection = transaction.get_connection()
    try:
        if connection.vendor == "postgresql":
            if connection.in_atomic_block:
                with transaction.atomic():  # a savepoint: a refusal leaves the caller's transaction usable
                    claimed = _claim_in_one_statement(connection, claim)
            else:
                claimed = _claim_in_one_statement(connection, claim)
        else:
            claimed = _claim_in_statements(claim)
    except IntegrityError:
        # Unreachable while the UPDATE holds the row; the constraint's word if it ever is not.
        raise AlreadyClaimed(_("This need has already been claimed."), code="already_claimed") from None
    if not claimed:
        if not isinstance(need, Need):
            # Given only an id, the claimant learns why only about a need they may see or claim; any other
            # id is answered as one of no need.
            try:
                need_to_claim(actor, need)
            except Http404:
                raise Need.DoesNotExist(f"No need {need} for this claimant.") from None
        _refuse_claim(actor, claim.need_id, organization, claimant_area)
    if isinstance(need, Need):
        need.state, need.claimed_at, need.updated_at = Need.State.CLAIMED, claim.created_at, claim.created_at
    return claim


def _claimable(claim: Claim, scopes: list[str]) -> models.QuerySet[Need]:
    """The need, if it may be claimed by this claim's claimant now: every condition on the need's own row."""
    qs = Need.objects.filter(pk=claim.need_id, state=Need.State.PUBLISHED, publication_scope__in=scopes)
    qs = qs.exclude(created_by_id=claim.claimant_id)
    if claim.organization_id is not None:
        qs = qs.exclude(organization_id=claim.organization_id)
    return qs


def _claim_audit_data(claim: Claim) -> dict[str, Any]:
    return {"claim": claim.pk, "organization": str(claim.organization or ""), "cross_region": claim.cross_region}


@transaction.atomic
def _claim_in_statements(claim: Claim) -> bool:
    """The claim as an UPDATE, the claim's INSERT and the audit event's, in one transaction."""
    need = claim.need if "need" in claim._state.fields_cache else None
    if need is None:  # given only the id
        need = Need.objects.select_related("neighborhood").filter(pk=claim.need_id).first()
        if need is None:
            return False
    claim.need, claim.need_area = need, need.neighborhood  # the caller's Need stays the claim's
    claim.cross_region = _is_cross_region(claim.claimant_area, need.neighborhood)
    now = claim.created_at
    scopes = _scopes_reaching(claim.claimant_area, need.neighborhood)
    if not _claimable(claim, scopes).update(state=Need.State.CLAIMED, claimed_at=now, updated_at=now):
        return False
    claim.save(force_insert=True)
    need.state = Need.State.CLAIMED
    _record(claim.claimant, "needs.claimed", need, Need.State.PUBLISHED, data=_claim_audit_data(claim))
    return True


_CLAIM_CHANGES = json.dumps({"state": [Need.State.PUBLISHED.value, Need.State.CLAIMED.value]})


@functools.cache
def _claim_sql(connection_alias: str) -> str:
    """The claim as one statement (see _claim_in_one_statement); built once per database."""
    qn = connections[connection_alias].ops.quote_name
    need_table, claim_table = qn(Need._meta.db_table), qn(Claim._meta.db_table)
    audit_table, area_table = qn(AuditEvent._meta.db_table), qn(Area._meta.db_table)
    # The scope test is Need.covers() on the row: city-wide; the claimant's own neighborhood; or the
    # claimant's subdistrict (a need's neighborhood path starts with the claimant's subdistrict path
    # exactly when the claimant lies in the need's subdistrict). Cross-region is _is_cross_region().
    return f"""
        WITH claimed AS (
            UPDATE {need_table} AS n SET state = %(claimed)s, claimed_at = %(now)s, updated_at = %(now)s
            FROM {area_table} AS na
            WHERE n.id = %(need)s AND na.id = n.neighborhood_id AND n.state = %(published)s
              AND (n.publication_scope = %(city)s
                   OR (n.publication_scope = %(neighborhood)s AND n.neighborhood_id = %(claimant_area)s::bigint)
                   OR (n.publication_scope = %(subdistrict)s AND starts_with(na.path, %(claimant_sub)s::text)))
              AND n.created_by_id IS DISTINCT FROM %(actor)s::bigint
              AND (%(organization)s::bigint IS NULL OR n.organization_id IS DISTINCT FROM %(organization)s::bigint)
            RETURNING n.id, n.title, n.neighborhood_id,
                      (%(claimant_area)s::bigint IS NOT NULL
                       AND NOT coalesce(starts_with(na.path, %(claimant_sub)s::text), false)) AS cross_region
        ), new_claim AS (
            INSERT INTO {claim_table} (need_id, claimant_id, organization_id, claimant_area_id, need_area_id,
                                       cross_region, status, created_at, cancel_reason)
            SELECT id, %(actor)s::bigint, %(organization)s::bigint, %(claimant_area)s::bigint, neighborhood_id,
                   cross_region, %(active)s, %(now)s, '' FROM claimed
            RETURNING id, need_area_id, cross_region
        ), event AS (
            INSERT INTO {audit_table} (created_at, actor_id, actor_name, action, target_type_id, target_id,
                                       target_repr, changes, data)
            SELECT %(now)s, %(actor)s::bigint, %(actor_name)s::text, 'needs.claimed', %(need_type)s::integer,
                   claimed.id::text, left(claimed.title, 200), %(changes)s::jsonb,
                   jsonb_build_object('claim', new_claim.id, 'organization', %(organization_name)s::text,
                                      'cross_region', new_claim.cross_region)
            FROM claimed, new_claim
        )
        SELECT id, need_area_id, cross_region FROM new_claim
    """


def _claim_in_one_statement(connection: Any, claim: Claim) -> bool:
    """PostgreSQL: the same three writes as _claim_in_statements, and the same rows, as one statement.

    The UPDATE's conditions are all on the need's own row, so a claimant who
    waited for another's lock re-checks them on the row that one committed.
    The audit event is what audit.record writes for needs.claimed; core's
    audit tests read events by action and data, as they do here.

    Prepared (server-side binding, `prepare=True`): parsed and planned once per
    connection, not on every claim. Django's cursors bind on the client, so the
    statement goes through a psycopg cursor of its own, entered in Django's
    query log like any other when queries are logged (tests count it).
    """
    import psycopg

    actor = claim.claimant
    area = claim.claimant_area
    scope = Need.Scope
    params = {
        "claimed": Need.State.CLAIMED.value, "published": Need.State.PUBLISHED.value,
        "city": scope.CITY.value, "neighborhood": scope.NEIGHBORHOOD.value, "subdistrict": scope.SUBDISTRICT.value,
        "active": Claim.Status.ACTIVE.value, "now": claim.created_at, "need": claim.need_id,
        "actor": actor.pk, "actor_name": str(actor), "organization": claim.organization_id,
        "organization_name": str(claim.organization or ""),
        "claimant_area": area.pk if area is not None else None,
        "claimant_sub": subdistrict_path(area) if area is not None else None,
        "need_type": ContentType.objects.get_for_model(Need).pk, "changes": _CLAIM_CHANGES,
    }
    sql = _claim_sql(connection.alias)
    connection.ensure_connection()
    started = time.monotonic()
    # wrap_database_errors: psycopg's errors as Django's (IntegrityError), as Django's own cursors raise them.
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        row = cursor.fetchone()
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
    if row is None:
        return False
    claim.pk, need_area_id, claim.cross_region = row
    if claim.need_area_id != need_area_id:  # not already in memory from the Need passed in
        claim.need_area_id = need_area_id
    claim._state.adding = False
    return True


def _refuse_claim(actor: Any, need_id: int, organization: Organization | None, claimant_area: Area | None) -> None:
    """Say why the claim's UPDATE changed nothing: the state, one's own need, or the publication scope.

    (Need.DoesNotExist for an id of no need: callers look the need up, scoped, before claiming.)
    """
    current = Need.objects.select_related("neighborhood").get(pk=need_id)
    if current.state != Need.State.PUBLISHED:
        raise _refusal("claim", current.state)
    if current.created_by_id == actor.pk or (organization is not None and current.organization_id == organization.pk):
        raise ValidationError(_("You cannot claim your own need."), code="own_need")
    if current.covers(claimant_area):
        # Published again by now, and open to this claimant: when the UPDATE ran, another claim held it
        # (claimed, then given back in between). They were too late, not out of region.
        raise _refusal("claim", Need.State.CLAIMED)
    raise PermissionDenied(_("This need is published for %(scope)s only; it cannot be claimed from "
                             "where you are.") % {"scope": current.get_publication_scope_display()})


@transaction.atomic
def cancel_claim(*, actor: Any, claim: Claim, reason: str = "") -> Claim:
    """Give a claimed need back: it is published again for others to claim.

    The claimant may cancel within settings.LINLI_CLAIM_CANCEL_HOURS of
    claiming; staff who review the need may release a claim at any time
    before fulfilment (a claimant who can no longer be reached).
    """
    need = claim.need
    staff = actor is not None and can(actor, Perm.REVIEW, need)
    if not staff:
        if actor is None or claim.claimant_id != actor.pk:
            raise PermissionDenied(_("Only the claimant or the staff in charge can cancel this claim."))
        if timezone.now() > claim.cancel_deadline():
            raise ValidationError(
                _("A claim can be cancelled by the claimant within %(hours)s hours of claiming; ask the staff in "
                  "charge of the need to release it.") % {"hours": settings.LINLI_CLAIM_CANCEL_HOURS},
                code="cancel_window_passed",
            )
    # The need first, then the claim: the same order as claim_need, so two cancellations cannot deadlock.
    # A service order a team accepted without publication goes back to the center to dispatch again.
    dispatched = need.is_service and not need.publication_scope
    before = _move(need, "cancel_claim", Need.State.APPROVED if dispatched else Need.State.PUBLISHED,
                   claimed_at=None)
    recalled = _recall_open_dispatch(need)
    current = Claim.objects.select_for_update().get(pk=claim.pk)
    if current.status != Claim.Status.ACTIVE:
        raise IllegalTransition(_("This claim has already been cancelled."), code="claim_cancelled")
    fields = {"status": Claim.Status.CANCELLED, "cancelled_at": timezone.now(), "cancelled_by": actor,
              "cancel_reason": reason.strip()[:200]}
    Claim.objects.filter(pk=claim.pk).update(**fields)
    for name, value in fields.items():
        setattr(claim, name, value)
    _record(actor, "needs.claim_cancelled", need, before,
            data={"claim": claim.pk, "claimant": str(claim.claimant), "reason": claim.cancel_reason,
                  "by_staff": staff and (actor is None or claim.claimant_id != actor.pk),
                  **({"recalled": recalled} if recalled else {})})
    return claim


# Fulfilment ----------------------------------------------------------------------

@transaction.atomic
def record_fulfilment(*, actor: Any, need: Need, fulfilled_on: datetime.date, event: str = "",
                      note: str = "") -> Need:
    """The hand-over happened: on which day, at which event (e.g. a 梦想见面会), with what note."""
    _require(actor, STEP_PERMISSIONS["fulfil"], need)

    def after_claim(current: Need) -> None:
        try:
            validate_not_future(fulfilled_on)
        except ValidationError as error:
            raise ValidationError({"fulfilled_on": error.messages}) from None
        claimed_on = timezone.localdate(current.claimed_at) if current.claimed_at else None
        if claimed_on is not None and fulfilled_on < claimed_on:
            raise ValidationError({"fulfilled_on": _("The hand-over cannot be before the claim (%(date)s).")
                                   % {"date": claimed_on}})

    before = _move(need, "fulfil", Need.State.FULFILLED, guard=after_claim, fulfilled_on=fulfilled_on,
                      fulfilment_event=event.strip(), fulfilment_note=note.strip())
    _record(actor, "needs.fulfilled", need, before,
            changes={"fulfilled_on": [None, str(fulfilled_on)]}, data={"event": event.strip()})
    return need


@transaction.atomic
def close_need(*, actor: Any, need: Need, note: str = "") -> Need:
    """The end: thanked, rated, nothing left to do."""
    _require(actor, STEP_PERMISSIONS["close"], need)
    before = _move(need, "close", Need.State.CLOSED, closed_at=timezone.now())
    _record(actor, "needs.closed", need, before, data={"note": note.strip()} if note.strip() else None)
    return need


# Service orders: dispatch, acceptance, feedback --------------------------------------------

def _recall_open_dispatch(need: Need) -> int | None:
    """Recall the order's open dispatch, if any (re-dispatch, withdrawal, a released acceptance).

    Called holding the need's row lock, so no acceptance can slip in between.
    """
    open_dispatch = Dispatch.objects.filter(need=need, status__in=Dispatch.OPEN).first()
    if open_dispatch is None:
        return None
    Dispatch.objects.filter(pk=open_dispatch.pk).update(status=Dispatch.Status.RECALLED, recalled_at=timezone.now())
    return open_dispatch.pk


@transaction.atomic
def dispatch_need(*, actor: Any, need: Need, organization: Organization, deadline: datetime.datetime) -> Dispatch:
    """中心派单: send a service order to a volunteer team or unit, to be served by `deadline`.

    From an approved or published order, or again from a dispatched one that nobody
    has accepted yet (the earlier dispatch is recalled).
    """
    _require(actor, STEP_PERMISSIONS["dispatch"], need)
    if need.kind != Need.Kind.SERVICE:
        raise ValidationError(_("Only a service order is dispatched; wishes and projects are claimed."),
                              code="not_a_service_order")
    from linli.needs.queries import dispatch_targets  # the reads module imports this one

    if actor is not None and not dispatch_targets(actor, need).filter(pk=organization.pk).exists():
        raise PermissionDenied(_("%(organization)s is neither in your areas nor in this order's subdistrict.")
                               % {"organization": organization})
    if deadline <= timezone.now():
        raise ValidationError({"deadline": _("The deadline must be in the future.")})
    before = _move(need, "dispatch", Need.State.DISPATCHED)
    recalled = _recall_open_dispatch(need)
    dispatch = Dispatch.objects.create(need=need, organization=organization, deadline=deadline,
                                       dispatched_by=actor if actor is not None else None)
    _record(actor, "needs.dispatched", need, before, data={
        "dispatch": dispatch.pk, "organization": str(organization), "deadline": deadline.isoformat(),
        **({"recalled": recalled} if recalled else {}),
    })
    return dispatch


def is_team_member(actor: Any, organization_id: int) -> bool:
    """A liaison or volunteer of the organization (role assignments scoped to it)."""
    return any(ra.role in (Role.ORGANIZATION_LIAISON, Role.VOLUNTEER) and ra.organization_id == organization_id
               for ra in grants_for(actor).roles)


@transaction.atomic
def accept_dispatch(*, actor: Any, dispatch: Dispatch) -> Claim:
    """志愿者接单: a volunteer or liaison of the team takes the order on, as a claim in the team's name.

    The need's row lock (`_move`) settles two volunteers accepting at once:
    the second finds the order claimed and is refused.
    """
    if actor is None or not actor.is_authenticated or not is_team_member(actor, dispatch.organization_id):
        raise PermissionDenied(_("Only a volunteer or liaison of %(organization)s can accept this order.")
                               % {"organization": dispatch.organization})
    need = dispatch.need

    def still_pending(current: Need) -> None:
        row = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
        if row.status != Dispatch.Status.PENDING:
            raise IllegalTransition(_("This dispatch was recalled; the order went to another team or was "
                                      "withdrawn."), code="dispatch_recalled")

    now = timezone.now()
    before = _move(need, "accept", Need.State.CLAIMED, guard=still_pending, claimed_at=now)
    team = dispatch.organization
    claim = Claim.objects.create(need=need, claimant=actor, organization=team, claimant_area=team.area,
                                 need_area=need.neighborhood,
                                 cross_region=_is_cross_region(team.area, need.neighborhood), created_at=now)
    Dispatch.objects.filter(pk=dispatch.pk).update(status=Dispatch.Status.ACCEPTED, accepted_by=actor,
                                                   accepted_at=now)
    dispatch.status, dispatch.accepted_by, dispatch.accepted_at = Dispatch.Status.ACCEPTED, actor, now
    _record(actor, "needs.accepted", need, before, data={
        "dispatch": dispatch.pk, "claim": claim.pk, "organization": str(team),
    })
    return claim


RATEABLE_STATES = frozenset({Need.State.FULFILLED, Need.State.CLOSED})


def _rating(value: Any) -> int:
    try:
        rating = int(value)
    except (TypeError, ValueError):
        rating = 0
    if isinstance(value, bool) or str(rating) != str(value).strip() or not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Rate from 1 to 5.")}, code="rating_out_of_range")
    return rating


@transaction.atomic
def rate_service(*, actor: Any, need: Need, rating: Any, comment: str = "") -> Feedback:
    """群众评单: the requester rates a fulfilled service order from 1 to 5, once.

    Staff who may change the order can enter the requester's rating for them
    (given by telephone or on paper); the feedback and its audit event say so.
    """
    if need.kind != Need.Kind.SERVICE:
        raise ValidationError(_("Only a service order is rated."), code="not_a_service_order")
    requester = (actor is not None and actor.is_authenticated and need.requester_id is not None
                 and actor.person_id == need.requester_id)
    if not requester and (actor is None or not can(actor, Perm.CHANGE, need)):
        raise PermissionDenied(_("Only the resident who ordered the service, or staff on their behalf, can "
                                 "rate it."))
    value = _rating(rating)
    locked = _lock(need, "rate", RATEABLE_STATES)
    if Feedback.objects.filter(need=need).exists():
        raise IllegalTransition(_("This service order has already been rated."), code="already_rated")
    claim = Claim.objects.filter(need=need, status=Claim.Status.ACTIVE).first()
    feedback = Feedback.objects.create(
        need=need, organization_id=claim.organization_id if claim else None, rating=value,
        comment=comment.strip(), recorded_by=actor if actor is not None else None, on_behalf=not requester,
    )
    audit.record(actor=actor, action="needs.rated", target=locked, data={
        "rating": value, "comment": feedback.comment, "on_behalf": feedback.on_behalf,
        "organization": str(claim.organization or "") if claim else "",
    })
    return feedback


# The hand-over record: thank-you letter, photos, items ---------------------------------------------

HANDOVER_STATES = frozenset({Need.State.FULFILLED, Need.State.CLOSED})

def _store(field_file: Any, upload: Any) -> None:
    """Save an upload into a FileField (without saving the record); the file is deleted unless the
    transaction recording it commits — this action's, or a caller's around it (see linli.needs.files)."""
    field_file.save(upload.name, upload, save=False)
    files.delete_unless_committed(field_file.storage, field_file.name)


def _handover_need(actor: Any, need: Need, step: str) -> Need:
    """The need's locked row, for staff who review it, once the hand-over is recorded."""
    _require(actor, Perm.REVIEW, need)
    return _lock(need, step, HANDOVER_STATES)


@transaction.atomic
def record_thanks(*, actor: Any, need: Need, text: str = "", scan: Any = None) -> ThankYouLetter:
    """Record the thank-you letter: its text, the scan of the handwritten letter, or both (a new scan replaces
    the old one)."""
    locked = _handover_need(actor, need, "handover")
    text = text.strip()
    if scan is not None:
        check_upload(scan, field="scan")
    letter = ThankYouLetter.objects.filter(need=need).first() or ThankYouLetter(need=need)
    if not text and scan is None and not letter.scan:
        raise ValidationError(_("Type the letter's text or upload its scan."), code="empty_letter")
    letter.text = text or letter.text
    if scan is not None:
        replaced = letter.scan.name
        _store(letter.scan, scan)
        if replaced:
            # The old scan goes once the new one is committed, not before: a failure keeps the letter whole.
            storage = letter.scan.storage
            transaction.on_commit(lambda: storage.delete(replaced))
    letter.recorded_by = actor if actor is not None and actor.is_authenticated else None
    letter.save()
    audit.record(actor=actor, action="needs.thanks_recorded", target=locked,
                 data={"scan": scan is not None, "note": text[:100]})
    return letter


@transaction.atomic
def add_handover_photo(*, actor: Any, need: Need, file: Any, no_faces_or_consent: bool,
                       caption: str = "") -> HandoverPhoto:
    """Add a photo of the hand-over; refused unless it shows no face or those shown consented."""
    locked = _handover_need(actor, need, "handover")
    if not no_faces_or_consent:
        raise ValidationError({"no_faces_or_consent": _(
            "Add a photo only if it shows no face, or everyone shown (for a child, the guardian) consented; "
            "tick the box to confirm it.")}, code="no_consent")
    check_upload(file, field="file", images_only=True)
    photo = HandoverPhoto(need=need, caption=caption.strip()[:200], no_faces_or_consent=True,
                          uploaded_by=actor if actor is not None and actor.is_authenticated else None)
    _store(photo.file, file)
    photo.save()
    audit.record(actor=actor, action="needs.photo_added", target=locked,
                 data={"photo": photo.pk, "caption": photo.caption})
    return photo


@transaction.atomic
def add_handover_item(*, actor: Any, need: Need, name: str, quantity: int = 1, note: str = "") -> HandoverItem:
    """Record one thing that was handed over."""
    locked = _handover_need(actor, need, "handover")
    item = HandoverItem(need=need, name=name.strip(), quantity=quantity, note=note.strip())
    item.full_clean(exclude=["need"])
    item.save()
    audit.record(actor=actor, action="needs.item_added", target=locked,
                 data={"item": item.name, "quantity": item.quantity})
    return item
