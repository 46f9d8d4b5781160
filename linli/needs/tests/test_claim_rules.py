"""The claim's scope and cross-region rules, as PostgreSQL's one statement tests them on the row, against
the Python rules they replaced (Need.covers, actions._is_cross_region — the reference), for claimants
placed at every level and needs of every scope in their own and another subdistrict; and the id-only
claim's behavior around refusals, callers' transactions and prepared statements."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext

from linli.core import actions as core_actions
from linli.core.models import AuditEvent, Organization, Role, User
from linli.core.tests.factories import OrganizationFactory, PersonFactory, UserFactory
from linli.needs import actions
from linli.needs.models import Claim, Need
from linli.needs.tests.factories import make_need

S = Need.State
SCOPES = [Need.Scope.NEIGHBORHOOD, Need.Scope.SUBDISTRICT, Need.Scope.CITY]

# Where the claimant is: a resident's neighborhood (or a community, as imported records may have it),
# or the area of the organization a liaison claims for (any level, or none).
PLACES = ["resident:lianyang2", "resident:lianyang", "resident:beicai_nbhd",
          "org:lianyang2", "org:lianyang", "org:huamu", "org:pudong", "org:shanghai", "org:beicai", "org:none"]


def _claimant(tree, place: str) -> tuple[User, Organization | None]:
    kind, where = place.split(":")
    area = None if where == "none" else getattr(tree, where)
    if kind == "resident":
        user = UserFactory(username=f"r_{where}", person=PersonFactory(name="认领人", neighborhood=area))
        return User.objects.get(pk=user.pk), None
    org = OrganizationFactory(name=f"单位{where}", kind=Organization.Kind.SOCIAL_ORGANIZATION, area=area)
    user = UserFactory(username=f"l_{where}", display_name="联络员")
    core_actions.assign_role(actor=None, user=user, role=Role.ORGANIZATION_LIAISON, organization=org)
    return User.objects.get(pk=user.pk), org


@pytest.mark.parametrize("by_id", [True, False], ids=["id only", "need"])
@pytest.mark.parametrize("place", PLACES)
def test_who_may_claim_and_whether_it_crosses_regions_follow_the_python_rules(tree, place, by_id):
    actor, organization = _claimant(tree, place)
    claimant_area = organization.area if organization else actor.person.neighborhood
    for need_area in (tree.lianyang2, tree.beicai_nbhd):
        for scope in SCOPES:
            need = Need.objects.select_related("neighborhood").get(pk=make_need(need_area, scope=scope).pk)
            allowed = need.covers(claimant_area)
            assert (scope in actions._scopes_reaching(claimant_area, need_area)) == allowed
            crosses = actions._is_cross_region(claimant_area, need_area)
            label = f"{place} → {need_area.name} {scope}"
            if allowed:
                claim = actions.claim_need(actor=actor, need=need.pk if by_id else need, organization=organization)
                stored = Claim.objects.get(need=need)
                assert (stored.pk, stored.cross_region, stored.need_area_id, stored.claimant_area_id) == (
                    claim.pk, crosses, need_area.pk, claimant_area.pk if claimant_area else None), label
                assert (claim.cross_region, claim.need_area_id) == (crosses, need_area.pk), label
                event = AuditEvent.objects.get(action="needs.claimed", target_id=str(need.pk))
                assert event.data["cross_region"] is crosses, label
                assert Need.objects.get(pk=need.pk).state == S.CLAIMED, label
            else:
                with pytest.raises(PermissionDenied, match="cannot be claimed from where you are"):
                    actions.claim_need(actor=actor, need=need.pk if by_id else need, organization=organization)
                assert not Claim.objects.filter(need=need).exists(), label
                assert Need.objects.get(pk=need.pk).state == S.PUBLISHED, label


def test_an_unknown_id_or_a_refusal_leaves_the_callers_transaction_usable(tree, ly2_claimant, beicai_claimant):
    own_sub = make_need(tree.lianyang2, scope=Need.Scope.SUBDISTRICT)
    draft = make_need(tree.lianyang2, S.DRAFT)
    with transaction.atomic():
        with pytest.raises(Need.DoesNotExist):
            actions.claim_need(actor=ly2_claimant, need=own_sub.pk + 10_000)
        with pytest.raises(PermissionDenied):
            actions.claim_need(actor=beicai_claimant, need=own_sub.pk)
        # A draft is not the claimant's to see: given its id, the answer is the unknown id's, not "a draft".
        with pytest.raises(Need.DoesNotExist):
            actions.claim_need(actor=ly2_claimant, need=draft.pk)
        with pytest.raises(ValidationError):  # given the Need (the caller looked it up), the state is named
            actions.claim_need(actor=ly2_claimant, need=draft)
        # Still usable: the claim goes through in the same transaction.
        claim = actions.claim_need(actor=ly2_claimant, need=own_sub.pk)
        assert Claim.objects.get(need=own_sub).pk == claim.pk
    assert Need.objects.get(pk=draft.pk).state == S.DRAFT


def test_a_need_passed_in_is_the_claims_need_and_is_updated_in_memory(tree, ly2_claimant):
    """As before the commit: the Claim returned holds the caller's Need, claimed (state and times)."""
    need = Need.objects.get(pk=make_need(tree.lianyang2).pk)  # fetched without select_related
    claim = actions.claim_need(actor=ly2_claimant, need=need)
    assert need.state == S.CLAIMED and need.claimed_at == claim.created_at
    assert claim.need is need
    assert claim.need.claimed_at == claim.created_at


def test_the_claims_need_area_is_in_memory_when_the_need_came_with_its_neighborhood(tree, ly2_claimant):
    """The API's ClaimOut reads claim.need_area: before the commit it was the need's neighborhood, in memory."""
    need = Need.objects.select_related("neighborhood").get(pk=make_need(tree.lianyang2).pk)
    claim = actions.claim_need(actor=ly2_claimant, need=need)
    with CaptureQueriesContext(connection) as ctx:
        assert claim.need_area == tree.lianyang2
    assert len(ctx) == 0


@pytest.mark.postgres_only
def test_the_prepared_claim_survives_schema_changes_and_rollbacks_in_the_session(tree, ly2_claimant):
    """The statement is prepared once per connection; DDL on its tables and rolled-back savepoints
    (as the test suite's transactions do) must not leave psycopg pointing at a stale or missing statement."""
    first = actions.claim_need(actor=ly2_claimant, need=make_need(tree.lianyang2).pk)
    assert first.pk
    extra: models.IntegerField = models.IntegerField(null=True)
    extra.set_attributes_from_name("review_extra")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks: DDL may run
    with connection.schema_editor() as editor:
        editor.add_field(Claim, extra)
        editor.add_index(Claim, models.Index(fields=["claimant"], name="review_claimant"))
    actions.claim_need(actor=ly2_claimant, need=make_need(tree.lianyang2).pk)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:
        editor.remove_field(Claim, extra)
        editor.remove_index(Claim, models.Index(fields=["claimant"], name="review_claimant"))
    actions.claim_need(actor=ly2_claimant, need=make_need(tree.lianyang2).pk)
    for _ in range(3):
        try:
            with transaction.atomic():
                actions.claim_need(actor=ly2_claimant, need=make_need(tree.lianyang2).pk)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    last = actions.claim_need(actor=ly2_claimant, need=make_need(tree.lianyang2).pk)
    assert Claim.objects.filter(claimant=ly2_claimant).count() == 4
    assert Claim.objects.get(pk=last.pk).need_area == tree.lianyang2


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_claim_commits_itself_and_survives_a_reconnect(tree, ly2_claimant,
                                                                              beicai_claimant):
    """The one-round-trip path (autocommit): a claim commits alone, a refusal writes nothing, and after
    the connection is closed and opened again (a new psycopg connection, no prepared statement) it works."""
    assert not connection.in_atomic_block
    need = make_need(tree.lianyang2, scope=Need.Scope.SUBDISTRICT)
    with pytest.raises(PermissionDenied):
        actions.claim_need(actor=beicai_claimant, need=need.pk)
    claim = actions.claim_need(actor=ly2_claimant, need=need.pk)
    connection.close()
    assert Claim.objects.get(need=need).pk == claim.pk  # committed, seen from a new connection
    again = actions.claim_need(actor=ly2_claimant, need=make_need(tree.lianyang2).pk)
    assert Claim.objects.get(pk=again.pk).cross_region is False
    with pytest.raises(actions.AlreadyClaimed):
        actions.claim_need(actor=beicai_claimant, need=again.need_id)
