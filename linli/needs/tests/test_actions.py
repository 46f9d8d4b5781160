"""The need lifecycle: every step, its refusals, who may take it, and the audit row it leaves."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.core.models import AuditEvent, User
from linli.needs import actions
from linli.needs.actions import AlreadyClaimed, IllegalTransition
from linli.needs.models import Claim, Need, WishDetails
from linli.needs.tests.factories import make_need

pytestmark = pytest.mark.django_db

S = Need.State

WISH = {"child_name": "陈小雨", "public_name": "小雨", "birth_date": datetime.date(2016, 4, 3), "school": "花木小学",
        "school_class": "二(1)班", "guardian_name": "陈建国", "guardian_phone": "13611112222"}


def events(need: Need, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, target_id=str(need.pk)))


def draft_wish(tree, actor, **wish) -> Need:
    return actions.create_need(actor=actor, kind=Need.Kind.WISH, neighborhood=tree.lianyang2, title="一双跑步鞋",
                               category=Need.Category.SPORTS, value_band=Need.ValueBand.UP_TO_300,
                               wish={**WISH, **wish})


# Drafts ----------------------------------------------------------------------------

def test_create_wish_saves_a_draft_and_audits_with_the_guardian_phone_masked(tree, lianyang2_staff):
    need = draft_wish(tree, lianyang2_staff)

    assert need.state == S.DRAFT
    assert need.created_by == lianyang2_staff
    assert need.wish_details.child_name == "陈小雨"
    created = events(need, "needs.created")[0]
    assert created.actor == lianyang2_staff
    assert created.changes["title"] == [None, "一双跑步鞋"]
    details = events(need, "needs.wish_details_set")[0]
    assert details.changes["guardian_phone"] == [None, "136****2222"]


def test_staff_cannot_create_a_need_in_another_neighborhood(tree, lianyang2_staff):
    with pytest.raises(PermissionDenied):
        actions.create_need(actor=lianyang2_staff, kind=Need.Kind.SERVICE, neighborhood=tree.peihua1, title="修水管")
    assert not Need.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="needs.").exists()


def test_a_need_belongs_to_a_neighborhood_not_a_community(tree, huamu_staff):
    with pytest.raises(ValidationError) as err:
        actions.create_need(actor=huamu_staff, kind=Need.Kind.PROJECT, neighborhood=tree.lianyang, title="项目")
    assert "neighborhood" in err.value.message_dict


def test_public_name_may_not_be_the_full_name(tree, lianyang2_staff):
    with pytest.raises(ValidationError) as err:
        draft_wish(tree, lianyang2_staff, public_name="陈小雨")
    assert "public_name" in err.value.message_dict
    assert not Need.objects.exists()


def test_only_a_wish_has_a_child(tree, lianyang2_staff):
    with pytest.raises(ValidationError):
        actions.create_need(actor=lianyang2_staff, kind=Need.Kind.SERVICE, neighborhood=tree.lianyang2,
                            title="助浴", wish=WISH)


def test_update_changes_a_draft_and_records_what_changed(tree, lianyang2_staff):
    need = draft_wish(tree, lianyang2_staff)
    actions.update_need(actor=lianyang2_staff, need=need, title="一双篮球鞋")

    need.refresh_from_db()
    assert need.title == "一双篮球鞋"
    assert events(need, "needs.updated")[0].changes == {"title": ["一双跑步鞋", "一双篮球鞋"]}


def test_update_is_refused_once_submitted(tree, lianyang2_staff):
    need = draft_wish(tree, lianyang2_staff)
    actions.submit_need(actor=lianyang2_staff, need=need)
    with pytest.raises(IllegalTransition, match="Submitted"):
        actions.update_need(actor=lianyang2_staff, need=need, title="别的")


def test_staff_cannot_move_a_draft_out_of_their_neighborhood(tree, lianyang2_staff):
    need = draft_wish(tree, lianyang2_staff)
    with pytest.raises(PermissionDenied):
        actions.update_need(actor=lianyang2_staff, need=need, neighborhood=tree.peihua1)
    need.refresh_from_db()
    assert need.neighborhood == tree.lianyang2


# The lifecycle -----------------------------------------------------------------------

def test_a_wish_goes_from_draft_to_closed_with_an_audit_row_for_each_step(
    tree, lianyang2_staff, lianyang2_secretary, beicai_claimant,
):
    need = draft_wish(tree, lianyang2_staff)
    actions.submit_need(actor=lianyang2_staff, need=need)
    actions.approve_need(actor=lianyang2_secretary, need=need)
    actions.set_wish_details(actor=lianyang2_staff, need=need, guardian_consent=True)
    actions.publish_need(actor=lianyang2_secretary, need=need, scope=Need.Scope.CITY)
    claim = actions.claim_need(actor=beicai_claimant, need=need)
    actions.record_fulfilment(actor=lianyang2_secretary, need=need, fulfilled_on=timezone.localdate(),
                              event="梦想见面会", note="孩子很开心")
    actions.close_need(actor=lianyang2_secretary, need=need)

    need.refresh_from_db()
    assert need.state == S.CLOSED
    assert need.fulfilment_event == "梦想见面会"
    assert need.published_at and need.claimed_at and need.closed_at and need.submitted_at
    steps = [
        ("needs.submitted", S.DRAFT, S.SUBMITTED, lianyang2_staff),
        ("needs.approved", S.SUBMITTED, S.APPROVED, lianyang2_secretary),
        ("needs.published", S.APPROVED, S.PUBLISHED, lianyang2_secretary),
        ("needs.claimed", S.PUBLISHED, S.CLAIMED, beicai_claimant),
        ("needs.fulfilled", S.CLAIMED, S.FULFILLED, lianyang2_secretary),
        ("needs.closed", S.FULFILLED, S.CLOSED, lianyang2_secretary),
    ]
    for action, before, after, actor in steps:
        (event,) = events(need, action)
        assert event.changes["state"] == [before, after], action
        assert event.actor == actor, action
    assert events(need, "needs.published")[0].data == {"scope": "city"}
    assert events(need, "needs.claimed")[0].data["claim"] == claim.pk


def test_reject_needs_a_reason_and_keeps_it(tree, lianyang2_secretary):
    need = make_need(tree.lianyang2, S.SUBMITTED)
    with pytest.raises(ValidationError) as err:
        actions.reject_need(actor=lianyang2_secretary, need=need, reason="  ")
    assert "reason" in err.value.message_dict

    actions.reject_need(actor=lianyang2_secretary, need=need, reason="家庭情况不符合条件")
    need.refresh_from_db()
    assert need.state == S.REJECTED
    assert need.rejection_reason == "家庭情况不符合条件"
    assert events(need, "needs.rejected")[0].data == {"reason": "家庭情况不符合条件"}


def test_a_wish_without_guardian_consent_is_not_published(tree, lianyang2_secretary):
    need = make_need(tree.lianyang2, S.APPROVED)
    WishDetails.objects.filter(need=need).update(guardian_consent=False)

    with pytest.raises(ValidationError, match="consent"):
        actions.publish_need(actor=lianyang2_secretary, need=need, scope=Need.Scope.CITY)
    need.refresh_from_db()
    assert need.state == S.APPROVED
    assert not events(need, "needs.published")


def test_a_wish_without_its_child_cannot_be_submitted(tree, lianyang2_staff):
    need = make_need(tree.lianyang2, S.DRAFT, details=False)
    with pytest.raises(ValidationError, match="who the wish is for"):
        actions.submit_need(actor=lianyang2_staff, need=need)
    need.refresh_from_db()
    assert need.state == S.DRAFT


def test_publish_needs_a_known_scope(tree, lianyang2_secretary):
    need = make_need(tree.lianyang2, S.APPROVED)
    with pytest.raises(ValidationError) as err:
        actions.publish_need(actor=lianyang2_secretary, need=need, scope="world")
    assert "scope" in err.value.message_dict


def test_wish_details_are_frozen_once_published(tree, lianyang2_secretary):
    need = make_need(tree.lianyang2, S.PUBLISHED)
    with pytest.raises(IllegalTransition):
        actions.set_wish_details(actor=lianyang2_secretary, need=need, school="别的学校")


def test_withdraw_before_claim_only(tree, lianyang2_staff):
    published = make_need(tree.lianyang2, S.PUBLISHED)
    actions.withdraw_need(actor=lianyang2_staff, need=published, reason="家庭已自行解决")
    published.refresh_from_db()
    assert published.state == S.WITHDRAWN
    assert events(published, "needs.withdrawn")[0].data == {"reason": "家庭已自行解决"}

    claimed = make_need(tree.lianyang2, S.CLAIMED)
    with pytest.raises(IllegalTransition, match="Claimed"):
        actions.withdraw_need(actor=lianyang2_staff, need=claimed)


STEPS = {
    "submit": lambda actor, need: actions.submit_need(actor=actor, need=need),
    "approve": lambda actor, need: actions.approve_need(actor=actor, need=need),
    "reject": lambda actor, need: actions.reject_need(actor=actor, need=need, reason="不符合"),
    "publish": lambda actor, need: actions.publish_need(actor=actor, need=need, scope=Need.Scope.CITY),
    "withdraw": lambda actor, need: actions.withdraw_need(actor=actor, need=need),
    "fulfil": lambda actor, need: actions.record_fulfilment(actor=actor, need=need, fulfilled_on=timezone.localdate()),
    "close": lambda actor, need: actions.close_need(actor=actor, need=need),
}
ILLEGAL = [(step, state) for step in STEPS for state in S.values if state not in Need.TRANSITIONS[step]]


@pytest.mark.parametrize(("step", "state"), ILLEGAL)
def test_a_step_from_the_wrong_state_is_refused_naming_the_current_state(tree, lianyang2_secretary, step, state):
    need = make_need(tree.lianyang2, state)

    with pytest.raises(IllegalTransition) as err, transaction.atomic():
        STEPS[step](lianyang2_secretary, need)

    assert str(Need.State(state).label) in err.value.messages[0]
    need.refresh_from_db()
    assert need.state == state
    assert not AuditEvent.objects.filter(action__startswith="needs.").exists()


# Who may take each step --------------------------------------------------------------

@pytest.mark.parametrize("step", ["approve", "reject"])
def test_neighborhood_staff_without_review_cannot_approve_or_reject(tree, lianyang2_staff, step):
    need = make_need(tree.lianyang2, S.SUBMITTED)
    with pytest.raises(PermissionDenied):
        STEPS[step](lianyang2_staff, need)
    need.refresh_from_db()
    assert need.state == S.SUBMITTED


@pytest.mark.parametrize(("step", "state"), [("approve", S.SUBMITTED), ("publish", S.APPROVED),
                                              ("fulfil", S.CLAIMED), ("close", S.FULFILLED),
                                              ("withdraw", S.PUBLISHED), ("submit", S.DRAFT)])
def test_out_of_scope_secretary_cannot_take_any_step(tree, peihua1_secretary, step, state):
    need = make_need(tree.lianyang2, state)
    with pytest.raises(PermissionDenied):
        STEPS[step](peihua1_secretary, need)
    need.refresh_from_db()
    assert need.state == state


def test_owner_organization_liaison_submits_but_cannot_approve(tree, org_liaison, resident_unit):
    need = actions.create_need(actor=org_liaison, kind=Need.Kind.PROJECT, neighborhood=tree.lianyang2,
                               organization=resident_unit, title="楼道微更新")
    actions.submit_need(actor=org_liaison, need=need)
    with pytest.raises(PermissionDenied):
        actions.approve_need(actor=org_liaison, need=need)


def test_subdistrict_staff_review_every_neighborhood_below(tree, huamu_staff):
    need = make_need(tree.peihua1, S.SUBMITTED)
    actions.approve_need(actor=huamu_staff, need=need)
    assert need.state == S.APPROVED


# Claims ----------------------------------------------------------------------------

@pytest.mark.parametrize(("scope", "allowed"), [
    (Need.Scope.NEIGHBORHOOD, {"zhangsan"}),
    (Need.Scope.SUBDISTRICT, {"zhangsan", "lisi"}),
    (Need.Scope.CITY, {"zhangsan", "lisi", "wangwu"}),
])
@pytest.mark.parametrize("by_id", [False, True], ids=["need", "id only"])
def test_publication_scope_decides_who_may_claim(tree, ly2_claimant, ph1_claimant, beicai_claimant, scope, allowed,
                                                 by_id):
    # Given only the id, nothing about the need is read first: the scope is tested on its row.
    for claimant in (ly2_claimant, ph1_claimant, beicai_claimant):
        need = make_need(tree.lianyang2, S.PUBLISHED, scope=scope)
        if claimant.username in allowed:
            actions.claim_need(actor=claimant, need=need.pk if by_id else need)
            need.refresh_from_db()
            assert need.state == S.CLAIMED
        else:
            with pytest.raises(PermissionDenied, match="cannot be claimed from where you are"):
                actions.claim_need(actor=claimant, need=need.pk if by_id else need)
            need.refresh_from_db()
            assert need.state == S.PUBLISHED
            assert not need.claims.exists()


@pytest.mark.parametrize("by_id", [False, True], ids=["need", "id only"])
def test_a_claim_records_both_regions_and_whether_it_crosses_them(tree, ly2_claimant, beicai_liaison, beicai_center,
                                                                  by_id):
    wish = make_need(tree.lianyang2)
    local = actions.claim_need(actor=ly2_claimant, need=wish.pk if by_id else wish)
    assert (local.claimant_area, local.need_area, local.cross_region) == (tree.lianyang2, tree.lianyang2, False)
    assert Claim.objects.get(pk=local.pk).cross_region is False

    project = make_need(tree.lianyang2, kind=Need.Kind.PROJECT, title="圆梦项目")
    remote = actions.claim_need(actor=beicai_liaison, need=project.pk if by_id else project,
                                organization=beicai_center)
    assert Claim.objects.get(pk=remote.pk).cross_region is True
    assert remote.organization == beicai_center
    assert (remote.claimant_area, remote.need_area, remote.cross_region) == (tree.beicai, tree.lianyang2, True)
    # On PostgreSQL the claim and its audit event are one SQL statement: the event is the ORM path's all the same.
    [event] = events(project, "needs.claimed")
    assert (event.actor_id, event.actor_name, event.target_repr) == (beicai_liaison.pk, str(beicai_liaison), "圆梦项目")
    assert event.changes == {"state": ["published", "claimed"]}
    assert event.data == {"claim": remote.pk, "organization": str(beicai_center), "cross_region": True}


def test_a_liaison_claims_only_in_the_name_of_their_own_organization(tree, beicai_liaison, resident_unit):
    need = make_need(tree.lianyang2)
    with pytest.raises(PermissionDenied):
        actions.claim_need(actor=beicai_liaison, need=need, organization=resident_unit)


def test_an_account_without_a_person_or_organization_cannot_claim(tree, no_person_user):
    need = make_need(tree.lianyang2)
    with pytest.raises(PermissionDenied, match="registered resident"):
        actions.claim_need(actor=no_person_user, need=need)


def test_nobody_claims_their_own_need(tree, lianyang2_staff, org_liaison, resident_unit):
    from linli.core.tests.factories import PersonFactory

    lianyang2_staff.person = PersonFactory(neighborhood=tree.lianyang2)
    lianyang2_staff.save()
    mine = make_need(tree.lianyang2, created_by=lianyang2_staff)
    with pytest.raises(ValidationError, match="own need"):
        actions.claim_need(actor=lianyang2_staff, need=mine)

    ours = make_need(tree.lianyang2, kind=Need.Kind.PROJECT, organization=resident_unit)
    with pytest.raises(ValidationError, match="own need"):
        actions.claim_need(actor=org_liaison, need=ours, organization=resident_unit)


def test_a_claimed_need_cannot_be_claimed_again(tree, ly2_claimant, ph1_claimant):
    need = make_need(tree.lianyang2)
    actions.claim_need(actor=ly2_claimant, need=need)
    stale = Need.objects.get(pk=need.pk)

    with pytest.raises(AlreadyClaimed, match="already been claimed"):
        actions.claim_need(actor=ph1_claimant, need=stale)
    assert Claim.objects.filter(need=need).count() == 1


def _statements(ctx: CaptureQueriesContext) -> list[str]:
    # The test's own transaction turns claim_need's atomic block into a savepoint; outside tests it is BEGIN.
    return [q["sql"].split()[0].upper() for q in ctx.captured_queries
            if q["sql"].split()[0].upper() not in ("SAVEPOINT", "RELEASE", "ROLLBACK")]


def test_a_claim_is_one_update_one_claim_and_one_audit_row(tree, ly2_claimant, ph1_claimant):
    """The step many press at once stays lean: the claimant's neighborhood, then one conditional
    UPDATE, the claim and its audit row (no lock-then-read, no scope query) — on PostgreSQL as one
    statement."""
    published = make_need(tree.lianyang2, scope=Need.Scope.SUBDISTRICT)
    need = Need.objects.select_related("neighborhood").get(pk=published.pk)  # as the claim view fetches it
    actor = User.objects.get(pk=ph1_claimant.pk)  # as a request's user: nothing cached yet
    with CaptureQueriesContext(connection) as ctx:
        claim = actions.claim_need(actor=actor, need=need)
    one_statement = connection.vendor == "postgresql"
    assert _statements(ctx) == (["SELECT", "WITH"] if one_statement else ["SELECT", "UPDATE", "INSERT", "INSERT"])

    # Whichever way it was written, the records are the same.
    stored = Claim.objects.get(need=need)
    assert (stored.pk, stored.claimant, stored.claimant_area, stored.need_area, stored.cross_region,
            stored.status) == (claim.pk, ph1_claimant, tree.peihua1, tree.lianyang2, False, Claim.Status.ACTIVE)
    need.refresh_from_db()
    assert need.state == S.CLAIMED and need.claimed_at == stored.created_at
    [event] = events(need, "needs.claimed")
    assert (event.actor_id, event.actor_name, event.target_repr) == (ph1_claimant.pk, str(ph1_claimant), need.title)
    assert event.changes == {"state": ["published", "claimed"]}
    assert event.data == {"claim": claim.pk, "organization": "", "cross_region": False}

    # A refused claim reads the row once more, to say why.
    stale = Need.objects.select_related("neighborhood").get(pk=need.pk)
    actor = User.objects.get(pk=ly2_claimant.pk)
    with CaptureQueriesContext(connection) as refused, pytest.raises(AlreadyClaimed):
        actions.claim_need(actor=actor, need=stale)
    assert _statements(refused) == (["SELECT", "WITH", "SELECT"] if one_statement else ["SELECT", "UPDATE", "SELECT"])


def test_given_only_the_id_a_claim_reads_nothing_of_the_need_first(tree, ph1_claimant):
    need = make_need(tree.lianyang2, scope=Need.Scope.SUBDISTRICT)
    actor = User.objects.get(pk=ph1_claimant.pk)
    with CaptureQueriesContext(connection) as ctx:
        claim = actions.claim_need(actor=actor, need=need.pk)
    # The claimant's neighborhood, then the claim (on SQLite the need and its neighborhood are read first).
    assert _statements(ctx) == (["SELECT", "WITH"] if connection.vendor == "postgresql"
                                else ["SELECT", "SELECT", "UPDATE", "INSERT", "INSERT"])
    stored = Claim.objects.get(need=need)
    assert (stored.pk, stored.need_area, stored.claimant_area) == (claim.pk, tree.lianyang2, tree.peihua1)
    assert events(need, "needs.claimed")

    with pytest.raises(Need.DoesNotExist):
        actions.claim_need(actor=actor, need=need.pk + 1000)


def test_a_claim_the_database_refuses_leaves_the_callers_transaction_usable_and_changes_nothing(
        tree, ly2_claimant, ph1_claimant):
    """An active claim the need's state does not show (data written around the actions) makes the claim's
    INSERT fail after its UPDATE: the claimant hears "already claimed", the need stays published with no
    audit row, and the caller's transaction (here the test's) goes on — on PostgreSQL a savepoint undoes the
    one statement, which would otherwise abort the whole transaction."""
    need = make_need(tree.lianyang2)
    Claim.objects.create(need=need, claimant=ly2_claimant, need_area=tree.lianyang2)
    with pytest.raises(AlreadyClaimed, match="already been claimed"):
        actions.claim_need(actor=ph1_claimant, need=Need.objects.select_related("neighborhood").get(pk=need.pk))
    need.refresh_from_db()  # a query in the same transaction: it still works
    assert need.state == S.PUBLISHED and need.claimed_at is None
    assert Claim.objects.filter(need=need).count() == 1 and events(need, "needs.claimed") == []


def test_a_need_claimed_and_given_back_while_one_pressed_says_already_claimed(tree, ph1_claimant, monkeypatch):
    """The claim's UPDATE found the need claimed; by the time the refusal reads the row to say why, the
    claim was cancelled and the need is published again. The claimant was too late, not out of region."""
    need = make_need(tree.lianyang2, scope=Need.Scope.SUBDISTRICT)  # reaches 培花一
    monkeypatch.setattr(actions, "_claim_in_one_statement", lambda *args: False)
    monkeypatch.setattr(actions, "_claim_in_statements", lambda *args: False)
    with pytest.raises(AlreadyClaimed, match="already been claimed"):
        actions.claim_need(actor=ph1_claimant, need=Need.objects.select_related("neighborhood").get(pk=need.pk))


def test_unpublished_needs_cannot_be_claimed(tree, ly2_claimant):
    need = make_need(tree.lianyang2, S.APPROVED)
    with pytest.raises(IllegalTransition, match="Approved"):
        actions.claim_need(actor=ly2_claimant, need=need)


def test_the_database_refuses_a_second_active_claim(tree, ly2_claimant, ph1_claimant):
    need = make_need(tree.lianyang2)
    claim = actions.claim_need(actor=ly2_claimant, need=need)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(need=need, claimant=ph1_claimant, need_area=tree.lianyang2)
    # a cancelled claim does not count
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.CANCELLED)
    Claim.objects.create(need=need, claimant=ph1_claimant, need_area=tree.lianyang2)


# Cancelling a claim --------------------------------------------------------------------

def test_the_claimant_cancels_within_the_window_and_the_need_is_published_again(tree, ly2_claimant, ph1_claimant):
    need = make_need(tree.lianyang2)
    claim = actions.claim_need(actor=ly2_claimant, need=need)

    actions.cancel_claim(actor=ly2_claimant, claim=claim, reason="时间冲突")

    need.refresh_from_db()
    claim.refresh_from_db()
    assert need.state == S.PUBLISHED
    assert need.claimed_at is None
    assert (claim.status, claim.cancelled_by, claim.cancel_reason) == (Claim.Status.CANCELLED, ly2_claimant, "时间冲突")
    (event,) = events(need, "needs.claim_cancelled")
    assert event.changes["state"] == [S.CLAIMED, S.PUBLISHED]
    assert event.data["by_staff"] is False
    # and someone else may claim it now
    actions.claim_need(actor=ph1_claimant, need=need)


@override_settings(LINLI_CLAIM_CANCEL_HOURS=2)
def test_after_the_window_only_staff_can_release_a_claim(tree, ly2_claimant, lianyang2_secretary):
    need = make_need(tree.lianyang2)
    claim = actions.claim_need(actor=ly2_claimant, need=need)
    Claim.objects.filter(pk=claim.pk).update(created_at=timezone.now() - datetime.timedelta(hours=3))
    claim.refresh_from_db()

    with pytest.raises(ValidationError, match="within 2 hours"):
        actions.cancel_claim(actor=ly2_claimant, claim=claim)
    need.refresh_from_db()
    assert need.state == S.CLAIMED

    actions.cancel_claim(actor=lianyang2_secretary, claim=claim, reason="联系不上认领人")
    need.refresh_from_db()
    assert need.state == S.PUBLISHED
    assert events(need, "needs.claim_cancelled")[0].data["by_staff"] is True


def test_nobody_else_cancels_a_claim(tree, ly2_claimant, ph1_claimant, peihua1_secretary):
    claim = actions.claim_need(actor=ly2_claimant, need=make_need(tree.lianyang2))
    for other in (ph1_claimant, peihua1_secretary):
        with pytest.raises(PermissionDenied):
            actions.cancel_claim(actor=other, claim=claim)
    claim.refresh_from_db()
    assert claim.is_active


def test_a_fulfilled_need_keeps_its_claim(tree, ly2_claimant, lianyang2_secretary):
    need = make_need(tree.lianyang2)
    claim = actions.claim_need(actor=ly2_claimant, need=need)
    actions.record_fulfilment(actor=lianyang2_secretary, need=need, fulfilled_on=timezone.localdate())

    with pytest.raises(IllegalTransition, match="Fulfilled"):
        actions.cancel_claim(actor=ly2_claimant, claim=claim)
    claim.refresh_from_db()
    assert claim.is_active


def test_a_cancelled_claim_cannot_be_cancelled_again(tree, ly2_claimant, ph1_claimant):
    need = make_need(tree.lianyang2)
    first = actions.claim_need(actor=ly2_claimant, need=need)
    actions.cancel_claim(actor=ly2_claimant, claim=first)
    actions.claim_need(actor=ph1_claimant, need=need)

    with pytest.raises(IllegalTransition, match="already been cancelled"):
        actions.cancel_claim(actor=ly2_claimant, claim=first)
    need.refresh_from_db()
    assert need.state == S.CLAIMED


# Fulfilment ----------------------------------------------------------------------------

def test_a_hand_over_cannot_be_in_the_future_or_before_the_claim(tree, ly2_claimant, lianyang2_secretary):
    need = make_need(tree.lianyang2)
    actions.claim_need(actor=ly2_claimant, need=need)
    for day in (timezone.localdate() + datetime.timedelta(days=1), timezone.localdate() - datetime.timedelta(days=1)):
        with pytest.raises(ValidationError) as err:
            actions.record_fulfilment(actor=lianyang2_secretary, need=need, fulfilled_on=day)
        assert "fulfilled_on" in err.value.message_dict
    need.refresh_from_db()
    assert need.state == S.CLAIMED
