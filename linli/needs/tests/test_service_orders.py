"""群众点单-中心派单-志愿者接单-群众评单: service orders dispatched to a team, accepted by its
volunteer, rated by the requester; the overdue board and the ratings per team."""

from __future__ import annotations

import datetime
import json

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from linli.core import actions as core_actions
from linli.core.models import AuditEvent, Organization, Role
from linli.core.tests.factories import OrganizationFactory, UserFactory
from linli.needs import actions, queries
from linli.needs.actions import IllegalTransition
from linli.needs.models import Claim, Dispatch, Feedback, Need
from linli.needs.tests.factories import make_need, make_order

pytestmark = pytest.mark.django_db

S = Need.State
HTMX = {"HTTP_HX_REQUEST": "true"}
API = "/api/v1/needs"


def later(days: int = 3) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


def events(need: Need, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, target_id=str(need.pk)))


@pytest.fixture
def community_staff(tree):
    user = UserFactory(username="ly_staff", display_name="联洋社区干部")
    core_actions.assign_role(actor=None, user=user, role=Role.COMMUNITY_STAFF, area=tree.lianyang)
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def order(tree, ly2_resident):
    return make_order(tree.lianyang2, requester=ly2_resident)


def served(order, huamu_staff, team, volunteer) -> Need:
    """Dispatch, accept and hand over `order`."""
    dispatch = actions.dispatch_need(actor=huamu_staff, need=order, organization=team, deadline=later())
    actions.accept_dispatch(actor=volunteer, dispatch=dispatch)
    return actions.record_fulfilment(actor=huamu_staff, need=order, fulfilled_on=timezone.localdate())


# Drafts -------------------------------------------------------------------------------------

def test_an_order_names_its_requester_place_and_window_before_it_is_submitted(tree, lianyang2_staff, ly2_resident):
    need = actions.create_need(actor=lianyang2_staff, kind=Need.Kind.SERVICE, neighborhood=tree.lianyang2,
                               title="修理水龙头")
    with pytest.raises(ValidationError) as err:
        actions.submit_need(actor=lianyang2_staff, need=need)
    assert "the requesting resident" in err.value.messages[0] and "the time window" in err.value.messages[0]
    start = later()
    actions.update_need(actor=lianyang2_staff, need=need, requester=ly2_resident, place="联洋二 3号楼",
                        window_start=start, window_end=start + datetime.timedelta(hours=1))
    assert actions.submit_need(actor=lianyang2_staff, need=need).state == S.SUBMITTED


def test_a_window_ending_before_it_starts_is_refused(tree, lianyang2_staff, ly2_resident):
    start = later()
    with pytest.raises(ValidationError) as err:
        actions.create_need(actor=lianyang2_staff, kind=Need.Kind.SERVICE, neighborhood=tree.lianyang2, title="助浴",
                            requester=ly2_resident, window_start=start, window_end=start - datetime.timedelta(hours=1))
    assert "window_end" in err.value.message_dict
    assert not Need.objects.exists()


def test_a_requester_out_of_scope_is_refused(tree, lianyang2_staff, ph1_resident):
    with pytest.raises(PermissionDenied):
        actions.create_need(actor=lianyang2_staff, kind=Need.Kind.SERVICE, neighborhood=tree.lianyang2,
                            title="助浴", requester=ph1_resident)
    assert not Need.objects.exists()


def test_only_a_service_order_has_a_requester(tree, lianyang2_staff, ly2_resident):
    with pytest.raises(ValidationError):
        actions.create_need(actor=lianyang2_staff, kind=Need.Kind.PROJECT, neighborhood=tree.lianyang2,
                            title="项目", requester=ly2_resident)


# Dispatch -----------------------------------------------------------------------------------

def test_community_staff_dispatch_an_approved_order_and_it_is_audited(order, community_staff, volunteer_team):
    deadline = later()
    dispatch = actions.dispatch_need(actor=community_staff, need=order, organization=volunteer_team,
                                     deadline=deadline)

    order.refresh_from_db()
    assert order.state == S.DISPATCHED
    assert dispatch.status == Dispatch.Status.PENDING and dispatch.dispatched_by == community_staff
    event = events(order, "needs.dispatched")[0]
    assert event.actor == community_staff
    assert event.changes["state"] == [S.APPROVED, S.DISPATCHED]
    assert event.data["organization"] == volunteer_team.name


def test_a_neighborhood_secretary_cannot_dispatch(order, lianyang2_secretary, volunteer_team):
    with pytest.raises(PermissionDenied):
        actions.dispatch_need(actor=lianyang2_secretary, need=order, organization=volunteer_team, deadline=later())
    assert not Dispatch.objects.exists()


def test_a_draft_or_a_wish_is_not_dispatched(tree, huamu_staff, volunteer_team, ly2_resident):
    draft = make_order(tree.lianyang2, S.DRAFT, requester=ly2_resident)
    with pytest.raises(IllegalTransition) as err:
        actions.dispatch_need(actor=huamu_staff, need=draft, organization=volunteer_team, deadline=later())
    assert "this need is now: Draft" in str(err.value)
    wish = make_need(tree.lianyang2, S.APPROVED)
    with pytest.raises(ValidationError):
        actions.dispatch_need(actor=huamu_staff, need=wish, organization=volunteer_team, deadline=later())
    assert not Dispatch.objects.exists()


def test_a_deadline_in_the_past_is_refused(order, huamu_staff, volunteer_team):
    with pytest.raises(ValidationError) as err:
        actions.dispatch_need(actor=huamu_staff, need=order, organization=volunteer_team, deadline=later(-1))
    assert "deadline" in err.value.message_dict
    order.refresh_from_db()
    assert order.state == S.APPROVED


def test_dispatching_again_recalls_the_pending_dispatch(tree, order, huamu_staff, volunteer_team):
    other = OrganizationFactory(name="培花社区志愿服务队", kind=Organization.Kind.VOLUNTEER_TEAM, area=tree.peihua)
    first = actions.dispatch_need(actor=huamu_staff, need=order, organization=volunteer_team, deadline=later())
    second = actions.dispatch_need(actor=huamu_staff, need=order, organization=other, deadline=later())

    first.refresh_from_db()
    assert first.status == Dispatch.Status.RECALLED and first.recalled_at is not None
    assert second.status == Dispatch.Status.PENDING
    assert [e.data.get("recalled") for e in events(order, "needs.dispatched")
            if e.data["dispatch"] == second.pk] == [first.pk]


def test_the_database_refuses_a_second_open_dispatch(order, volunteer_team):
    Dispatch.objects.create(need=order, organization=volunteer_team, deadline=later())
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispatch.objects.create(need=order, organization=volunteer_team, deadline=later())


# Acceptance -----------------------------------------------------------------------------------

def test_the_teams_volunteer_accepts_as_a_claim_in_the_teams_name(order, huamu_staff, volunteer_team,
                                                                  team_volunteer):
    dispatch = actions.dispatch_need(actor=huamu_staff, need=order, organization=volunteer_team, deadline=later())
    claim = actions.accept_dispatch(actor=team_volunteer, dispatch=dispatch)

    order.refresh_from_db()
    dispatch.refresh_from_db()
    assert order.state == S.CLAIMED
    assert claim.organization == volunteer_team and claim.claimant == team_volunteer
    assert dispatch.status == Dispatch.Status.ACCEPTED and dispatch.accepted_by == team_volunteer
    event = events(order, "needs.accepted")[0]
    assert event.actor == team_volunteer and event.data["dispatch"] == dispatch.pk


def test_the_public_verification_of_an_orders_acknowledgement_shows_its_category_not_its_title(
        client, tree, ly2_resident, huamu_staff, volunteer_team, team_volunteer):
    """The QR on the team's paper opens a public page; an order's title is free text that can name the resident."""
    from linli.core.documents import verification_token

    order = make_order(tree.lianyang2, requester=ly2_resident, title="张阿姨（12号楼301）上门助浴")
    served(order, huamu_staff, volunteer_team, team_volunteer)
    claim = Claim.objects.get(need=order)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("needs:acknowledgement_verify",
                              args=[verification_token("handover", claim.pk)])).content.decode()
    assert "Service order · Care and company" in body and "联洋社区" in body and volunteer_team.name in body
    assert "Valid" in body
    assert "张阿姨" not in body and "12号楼" not in body and "上门助浴" not in body


def test_someone_outside_the_team_cannot_accept(order, huamu_staff, volunteer_team, org_liaison):
    dispatch = actions.dispatch_need(actor=huamu_staff, need=order, organization=volunteer_team, deadline=later())
    with pytest.raises(PermissionDenied) as err:
        actions.accept_dispatch(actor=org_liaison, dispatch=dispatch)
    assert volunteer_team.name in str(err.value)
    assert not Claim.objects.exists()


def test_a_recalled_dispatch_cannot_be_accepted(tree, order, huamu_staff, volunteer_team, team_volunteer):
    first = actions.dispatch_need(actor=huamu_staff, need=order, organization=volunteer_team, deadline=later())
    other = OrganizationFactory(name="另一支队伍", kind=Organization.Kind.VOLUNTEER_TEAM, area=tree.huamu)
    actions.dispatch_need(actor=huamu_staff, need=order, organization=other, deadline=later())
    with pytest.raises(IllegalTransition) as err:
        actions.accept_dispatch(actor=team_volunteer, dispatch=first)
    assert err.value.code == "dispatch_recalled"
    assert not Claim.objects.exists()


def test_accepting_twice_is_refused(order, huamu_staff, volunteer_team, team_volunteer):
    dispatch = actions.dispatch_need(actor=huamu_staff, need=order, organization=volunteer_team, deadline=later())
    actions.accept_dispatch(actor=team_volunteer, dispatch=dispatch)
    with pytest.raises(IllegalTransition) as err:
        actions.accept_dispatch(actor=team_volunteer, dispatch=dispatch)
    assert "this need is now: Claimed" in str(err.value)
    assert Claim.objects.count() == 1


def test_a_dispatched_order_is_not_claimable_from_the_open_list(order, huamu_staff, volunteer_team,
                                                                requester_account):
    dispatch = actions.dispatch_need(actor=huamu_staff, need=order, organization=volunteer_team, deadline=later())
    with pytest.raises(IllegalTransition):
        actions.claim_need(actor=requester_account, need=dispatch.need)


def test_releasing_an_accepted_order_returns_it_to_the_center(order, huamu_staff, volunteer_team, team_volunteer):
    dispatch = actions.dispatch_need(actor=huamu_staff, need=order, organization=volunteer_team, deadline=later())
    claim = actions.accept_dispatch(actor=team_volunteer, dispatch=dispatch)
    actions.cancel_claim(actor=huamu_staff, claim=claim, reason="队员生病")

    order.refresh_from_db()
    dispatch.refresh_from_db()
    assert order.state == S.APPROVED
    assert dispatch.status == Dispatch.Status.RECALLED


def test_withdrawing_a_dispatched_order_recalls_its_dispatch(order, huamu_staff, volunteer_team):
    dispatch = actions.dispatch_need(actor=huamu_staff, need=order, organization=volunteer_team, deadline=later())
    actions.withdraw_need(actor=huamu_staff, need=order, reason="居民已自行解决")
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.RECALLED


# Overdue, derived -----------------------------------------------------------------------------

def test_overdue_is_derived_from_the_deadline_and_the_orders_state(order, huamu_staff, volunteer_team,
                                                                    team_volunteer):
    dispatch = actions.dispatch_need(actor=huamu_staff, need=order, organization=volunteer_team, deadline=later(1))
    assert queries.overdue_dispatches(huamu_staff) == []
    in_two_days = timezone.now() + datetime.timedelta(days=2)
    assert [d.pk for d in queries.overdue_dispatches(huamu_staff, on=in_two_days)] == [dispatch.pk]
    # Accepted but not served: still overdue; served: no longer.
    actions.accept_dispatch(actor=team_volunteer, dispatch=dispatch)
    assert [d.pk for d in queries.overdue_dispatches(huamu_staff, on=in_two_days)] == [dispatch.pk]
    actions.record_fulfilment(actor=huamu_staff, need=order, fulfilled_on=timezone.localdate())
    assert queries.overdue_dispatches(huamu_staff, on=in_two_days) == []


def test_the_board_shows_staff_their_scope_and_a_team_its_own_orders(tree, order, huamu_staff, volunteer_team,
                                                                     team_volunteer, peihua1_secretary):
    dispatch = actions.dispatch_need(actor=huamu_staff, need=order, organization=volunteer_team, deadline=later())
    assert [d.pk for d in queries.dispatch_board(huamu_staff)] == [dispatch.pk]
    assert [d.pk for d in queries.dispatch_board(team_volunteer)] == [dispatch.pk]
    assert queries.dispatch_board(peihua1_secretary) == []


# Rating ----------------------------------------------------------------------------------------

def test_the_requester_rates_a_fulfilled_order(order, huamu_staff, volunteer_team, team_volunteer,
                                               requester_account):
    served(order, huamu_staff, volunteer_team, team_volunteer)
    feedback = actions.rate_service(actor=requester_account, need=order, rating=5, comment="很及时，谢谢！")

    assert feedback.organization == volunteer_team and not feedback.on_behalf
    event = events(order, "needs.rated")[0]
    assert event.actor == requester_account
    assert event.data == {"rating": 5, "comment": "很及时，谢谢！", "on_behalf": False,
                          "organization": volunteer_team.name}


def test_staff_rate_on_the_requesters_behalf_and_it_is_recorded(order, huamu_staff, volunteer_team,
                                                                team_volunteer, lianyang2_staff):
    served(order, huamu_staff, volunteer_team, team_volunteer)
    feedback = actions.rate_service(actor=lianyang2_staff, need=order, rating=4)
    assert feedback.on_behalf and feedback.recorded_by == lianyang2_staff
    assert events(order, "needs.rated")[0].data["on_behalf"] is True


@pytest.mark.parametrize("rating", [0, 6, -1, "5星", None, 4.5, True])
def test_a_rating_outside_one_to_five_is_refused(order, huamu_staff, volunteer_team, team_volunteer,
                                                 requester_account, rating):
    served(order, huamu_staff, volunteer_team, team_volunteer)
    with pytest.raises(ValidationError) as err:
        actions.rate_service(actor=requester_account, need=order, rating=rating)
    assert err.value.message_dict == {"rating": ["Rate from 1 to 5."]}
    assert not Feedback.objects.exists()
    assert not events(order, "needs.rated")


def test_an_unfulfilled_order_cannot_be_rated(order, huamu_staff, volunteer_team, requester_account):
    actions.dispatch_need(actor=huamu_staff, need=order, organization=volunteer_team, deadline=later())
    with pytest.raises(IllegalTransition) as err:
        actions.rate_service(actor=requester_account, need=order, rating=5)
    assert "only after it is fulfilled" in str(err.value) and "Dispatched" in str(err.value)
    assert not Feedback.objects.exists()


def test_an_order_is_rated_once_and_only_by_its_requester_or_staff(order, huamu_staff, volunteer_team,
                                                                   team_volunteer, requester_account):
    served(order, huamu_staff, volunteer_team, team_volunteer)
    with pytest.raises(PermissionDenied):
        actions.rate_service(actor=team_volunteer, need=order, rating=5)  # the team does not rate itself
    actions.rate_service(actor=requester_account, need=order, rating=3)
    with pytest.raises(IllegalTransition):
        actions.rate_service(actor=requester_account, need=order, rating=5)
    assert Feedback.objects.get().rating == 3


def test_the_database_refuses_a_rating_out_of_range(order):
    with pytest.raises(IntegrityError), transaction.atomic():
        Feedback.objects.create(need=order, rating=9)


def test_ratings_roll_up_per_team(tree, huamu_staff, volunteer_team, team_volunteer, ly2_resident,
                                  requester_account):
    for rating in (5, 4):
        need = make_order(tree.lianyang2, requester=ly2_resident)
        served(need, huamu_staff, volunteer_team, team_volunteer)
        actions.rate_service(actor=requester_account, need=need, rating=rating)
    unrated = make_order(tree.lianyang2, requester=ly2_resident)
    served(unrated, huamu_staff, volunteer_team, team_volunteer)

    [row] = queries.team_ratings(huamu_staff)
    assert (row.organization, row.ratings, row.average) == (volunteer_team.name, 2, 4.5)
    figures = queries.service_figures(huamu_staff)
    assert figures.by_state[S.FULFILLED] == 3 and figures.rated == 2 and figures.average_rating == 4.5
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert queries.team_ratings(huamu_staff, end=yesterday) == []


# Pages --------------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def english_pages(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_staff_dispatch_from_the_orders_page_with_htmx(login, order, huamu_staff, volunteer_team):
    client = login(huamu_staff)
    page = client.get(reverse("needs:detail", args=[order.pk])).content.decode()
    assert 'data-step="dispatch"' in page and volunteer_team.name in page

    deadline = later().strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("needs:step", args=[order.pk, "dispatch"]),
                           {"dispatch-organization": volunteer_team.pk, "dispatch-deadline": deadline}, **HTMX)

    body = response.content.decode()
    assert "<html" not in body and 'data-testid="dispatch"' in body
    assert Dispatch.objects.get().organization == volunteer_team


def test_a_bad_dispatch_deadline_is_said_on_the_form(login, order, huamu_staff, volunteer_team):
    response = login(huamu_staff).post(reverse("needs:step", args=[order.pk, "dispatch"]),
                                       {"dispatch-organization": volunteer_team.pk,
                                        "dispatch-deadline": later(-1).strftime("%Y-%m-%dT%H:%M")}, **HTMX)
    assert "The deadline must be in the future." in response.content.decode()
    assert not Dispatch.objects.exists()


def test_the_volunteer_accepts_on_the_board_in_place(login, order, huamu_staff, volunteer_team, team_volunteer):
    dispatch = actions.dispatch_need(actor=huamu_staff, need=order, organization=volunteer_team, deadline=later())
    client = login(team_volunteer)
    board = client.get(reverse("needs:dispatch_board")).content.decode()
    assert order.title in board and "Accept the order" in board

    response = client.post(reverse("needs:accept_dispatch", args=[dispatch.pk]),
                           HTTP_HX_TARGET=f"dispatch-{dispatch.pk}", **HTMX)

    body = response.content.decode()
    assert body.strip().startswith("<tr") and "Accepted" in body and "Accept the order" not in body
    order.refresh_from_db()
    assert order.state == S.CLAIMED


def test_the_board_marks_overdue_orders(login, order, huamu_staff, volunteer_team):
    dispatch = actions.dispatch_need(actor=huamu_staff, need=order, organization=volunteer_team, deadline=later())
    Dispatch.objects.filter(pk=dispatch.pk).update(deadline=timezone.now() - datetime.timedelta(hours=1))
    board = login(huamu_staff).get(reverse("needs:dispatch_board")).content.decode()
    assert 'data-testid="overdue"' in board


def test_the_board_is_404_for_someone_with_no_staff_or_team_role(login, tree, requester_account):
    assert login(requester_account).get(reverse("needs:dispatch_board")).status_code == 404


def test_the_requester_rates_on_the_orders_page(login, order, huamu_staff, volunteer_team, team_volunteer,
                                                requester_account):
    served(order, huamu_staff, volunteer_team, team_volunteer)
    client = login(requester_account)
    assert 'data-testid="rating-form"' in client.get(reverse("needs:detail", args=[order.pk])).content.decode()

    response = client.post(reverse("needs:rate", args=[order.pk]), {"rate-rating": "5", "rate-comment": "好"}, **HTMX)

    assert 'data-testid="feedback"' in response.content.decode()
    assert Feedback.objects.get().rating == 5


def test_a_rating_of_seven_is_refused_on_the_page(login, order, huamu_staff, volunteer_team, team_volunteer,
                                                  requester_account):
    served(order, huamu_staff, volunteer_team, team_volunteer)
    response = login(requester_account).post(reverse("needs:rate", args=[order.pk]), {"rate-rating": "7"}, **HTMX)
    assert "invalid-feedback" in response.content.decode()
    assert not Feedback.objects.exists()


# API ---------------------------------------------------------------------------------------------

def post(client, url: str, data: dict | None = None):
    return client.post(url, json.dumps(data or {}), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def test_the_order_cycle_over_the_api(login, order, huamu_staff, volunteer_team, team_volunteer, requester_account):
    client = login(huamu_staff)
    response = post(client, f"{API}/{order.pk}/dispatch",
                    {"organization": volunteer_team.pk, "deadline": later().isoformat()})
    assert response.status_code == 201, response.content
    dispatch_id = response.json()["id"]
    assert response.json()["overdue"] is False
    assert [d["id"] for d in client.get(f"{API}/dispatches").json()] == [dispatch_id]

    client = login(team_volunteer)
    assert post(client, f"{API}/dispatches/{dispatch_id}/accept").status_code == 201
    assert post(client, f"{API}/dispatches/{dispatch_id}/accept").status_code == 409

    actions.record_fulfilment(actor=huamu_staff, need=order, fulfilled_on=timezone.localdate())
    client = login(requester_account)
    assert post(client, f"{API}/{order.pk}/rate", {"rating": 6}).status_code == 422
    response = post(client, f"{API}/{order.pk}/rate", {"rating": 4, "comment": "不错"})
    assert response.status_code == 201 and response.json()["organization"]["id"] == volunteer_team.pk

    client = login(huamu_staff)
    assert client.get(f"{API}/ratings").json() == [
        {"organization_id": volunteer_team.pk, "organization": volunteer_team.name, "ratings": 1, "average": 4.0}]
    assert client.get(f"{API}/service-figures").json()["by_state"]["fulfilled"] == 1


def test_rating_an_unfulfilled_order_over_the_api_is_409(login, order, huamu_staff, requester_account):
    order.state = S.CLAIMED
    order.save()
    response = post(login(requester_account), f"{API}/{order.pk}/rate", {"rating": 5})
    # The requester may open their own order once it left the draft state.
    assert response.status_code == 409
    assert "only after it is fulfilled" in response.json()["detail"]


def test_dispatch_by_a_secretary_is_403_and_out_of_scope_is_404(login, tree, order, lianyang2_secretary,
                                                                 peihua1_secretary, volunteer_team):
    body = {"organization": volunteer_team.pk, "deadline": later().isoformat()}
    assert post(login(lianyang2_secretary), f"{API}/{order.pk}/dispatch", body).status_code in (403, 422)
    assert post(login(peihua1_secretary), f"{API}/{order.pk}/dispatch", body).status_code == 404
    assert not Dispatch.objects.exists()
