"""The figures page: wishes and service orders in the user's scope, per area and period."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linli.needs import actions
from linli.needs.models import Feedback, Need
from linli.needs.tests.factories import make_need, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_pages(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def table(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start:page.index("</table>", start)]


def test_staff_see_wishes_service_orders_and_team_ratings(login, tree, huamu_staff, volunteer_team, team_volunteer,
                                                         ly2_resident, requester_account):
    make_need(tree.lianyang2, Need.State.PUBLISHED, submitted_at=timezone.now())
    order = make_order(tree.lianyang2, requester=ly2_resident)
    dispatch = actions.dispatch_need(actor=huamu_staff, need=order, organization=volunteer_team,
                                     deadline=timezone.now() + datetime.timedelta(days=1))
    actions.accept_dispatch(actor=team_volunteer, dispatch=dispatch)
    actions.record_fulfilment(actor=huamu_staff, need=order, fulfilled_on=timezone.localdate())
    actions.rate_service(actor=requester_account, need=order, rating=4)

    page = login(huamu_staff).get(reverse("needs:figures")).content.decode()

    assert "Published" in table(page, "wish-figures")
    service = table(page, "service-figures")
    assert "Fulfilled" in service and "4.0" in service
    assert volunteer_team.name in table(page, "team-ratings")


def test_figures_keep_to_the_users_scope_and_the_area_chosen(login, tree, lianyang2_secretary, peihua1_secretary,
                                                             huamu_staff, ly2_resident):
    make_order(tree.lianyang2, requester=ly2_resident)
    assert "<td>1</td>" in table(login(lianyang2_secretary).get(reverse("needs:figures")).content.decode(),
                                 "service-figures")
    page = login(peihua1_secretary).get(reverse("needs:figures")).content.decode()
    assert "Approved" not in table(page, "service-figures")
    page = login(huamu_staff).get(reverse("needs:figures"), {"area": tree.peihua.code}).content.decode()
    assert "Approved" not in table(page, "service-figures")


def test_a_period_ending_before_it_starts_is_refused(login, tree, huamu_staff):
    response = login(huamu_staff).get(reverse("needs:figures"), {"start": "2026-05-01", "end": "2026-04-01"},
                                      HTTP_HX_REQUEST="true", HTTP_HX_TARGET="figures-results")
    body = response.content.decode()
    assert "The period ends before it starts." in body and "<html" not in body


def test_the_figures_page_is_404_without_a_staff_role(login, requester_account):
    assert login(requester_account).get(reverse("needs:figures")).status_code == 404


def test_the_figures_take_the_same_queries_for_few_or_many_teams(login, tree, huamu_staff, volunteer_team,
                                                                 ly2_resident):
    def rated(n: int) -> None:
        for _ in range(n):
            need = make_order(tree.lianyang2, Need.State.FULFILLED, requester=ly2_resident)
            Feedback.objects.create(need=need, organization=volunteer_team, rating=5)

    client = login(huamu_staff)
    rated(1)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("needs:figures"))
    rated(5)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("needs:figures"))
    assert len(many) == len(few)
