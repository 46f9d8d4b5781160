"""Staff's list of the claims in their areas (/needs/claims/in-my-areas/), and the menu's needs entries."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linli.needs import actions
from linli.needs.models import Claim, Need
from linli.needs.tests.factories import make_need

pytestmark = pytest.mark.django_db

URL = reverse("needs:claims")


@pytest.fixture(autouse=True)
def english_pages(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def claims(tree, ly2_claimant, ph1_claimant, beicai_liaison, beicai_center):
    shoes = actions.claim_need(actor=ly2_claimant, need=make_need(tree.lianyang2, title="一双跑步鞋"))
    books = actions.claim_need(actor=beicai_liaison, need=make_need(tree.lianyang2, title="一套绘本"),
                               organization=beicai_center)
    Claim.objects.filter(pk=books.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
    lamp = actions.claim_need(actor=ph1_claimant, need=make_need(tree.lianyang2, title="一盏台灯"))
    actions.cancel_claim(actor=ph1_claimant, claim=lamp)
    elsewhere = actions.claim_need(actor=ly2_claimant, need=make_need(tree.peihua1, title="一个篮球"))
    return {"shoes": shoes, "books": books, "lamp": lamp, "elsewhere": elsewhere}


def titles(page: str) -> set[str]:
    return {t for t in ("一双跑步鞋", "一套绘本", "一盏台灯", "一个篮球") if t in page}


def test_staff_see_the_claims_in_their_areas_only(login, claims, lianyang2_secretary):
    page = login(lianyang2_secretary).get(URL).content.decode()
    assert titles(page) == {"一双跑步鞋", "一套绘本", "一盏台灯"}  # 一个篮球 is 培花一's
    assert "北蔡镇新时代文明实践分中心" in page and "cross-region" in page


@pytest.mark.parametrize(("params", "expected"), [
    ({"claimant": "分中心"}, {"一套绘本"}),
    ({"claimant": "zhangsan"}, {"一双跑步鞋"}),
    ({"state": "active"}, {"一双跑步鞋", "一套绘本"}),
    ({"state": "cancelled"}, {"一盏台灯"}),
    ({"cross_region": "on"}, {"一套绘本"}),
    ({"start": (timezone.localdate() - datetime.timedelta(days=7)).isoformat()}, {"一双跑步鞋", "一盏台灯"}),
    ({"end": (timezone.localdate() - datetime.timedelta(days=30)).isoformat()}, {"一套绘本"}),
])
def test_the_filters(login, claims, lianyang2_secretary, params, expected):
    assert titles(login(lianyang2_secretary).get(URL, params).content.decode()) == expected


def test_a_fulfilled_claim_and_a_period_that_ends_before_it_starts(login, claims, lianyang2_secretary):
    actions.record_fulfilment(actor=lianyang2_secretary, need=claims["shoes"].need, fulfilled_on=timezone.localdate())
    client = login(lianyang2_secretary)
    assert titles(client.get(URL, {"state": "fulfilled"}).content.decode()) == {"一双跑步鞋"}
    page = client.get(URL, {"start": "2026-03-01", "end": "2026-02-01"}).content.decode()
    assert "The period ends before it starts." in page
    assert titles(page) == {"一双跑步鞋", "一套绘本", "一盏台灯"}  # not applied, not "nothing"


@pytest.mark.parametrize(("params", "said"), [
    ({"start": "2026-02-31"}, "Check “Claimed from”: Enter a valid date."),
    ({"end": "yesterday"}, "Check “Claimed until”: Enter a valid date."),
    ({"start": "2026-03-01", "end": "2026-02-01"}, "Check “Claimed until”: The period ends before it starts."),
    ({"state": "lost"}, "Check “State”: Select a valid choice. lost is not one of the available choices."),
], ids=["from", "until", "period", "state"])
def test_a_wrong_filter_is_named_and_no_filter_is_applied(login, claims, lianyang2_secretary, params, said):
    page = login(lianyang2_secretary).get(URL, {"claimant": "分中心", **params}).content.decode()
    errors = page.split('data-testid="filter-errors">', 1)[1].split("</div>", 1)[0]
    assert said in errors and "No filter was applied: all claims are listed." in errors
    assert "period" not in errors.replace("The period ends before it starts.", "")  # not "the period" for all
    assert titles(page) == {"一双跑步鞋", "一套绘本", "一盏台灯"}


def test_residents_get_404_and_the_htmx_answer_is_the_table(login, claims, ly2_claimant, lianyang2_secretary):
    assert login(ly2_claimant).get(URL).status_code == 404
    fragment = login(lianyang2_secretary).get(URL, {"state": "cancelled"}, HTTP_HX_REQUEST="true",
                                              HTTP_HX_TARGET="claims-results").content.decode()
    assert "<html" not in fragment and titles(fragment) == {"一盏台灯"}


def test_the_list_takes_the_same_number_of_queries_for_one_row_or_many(login, tree, claims, lianyang2_secretary,
                                                                         ly2_claimant):
    client = login(lianyang2_secretary)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n in range(5):
        actions.claim_need(actor=ly2_claimant, need=make_need(tree.lianyang2, title=f"书包{n}"))
    with CaptureQueriesContext(connection) as many:
        page = client.get(URL).content.decode()
    assert "书包4" in page
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_the_menu_offers_the_dispatch_board_and_figures_to_staff_and_the_board_to_a_team(
        login, tree, lianyang2_secretary, team_volunteer, ly2_claimant):
    staff = login(lianyang2_secretary).get(reverse("needs:wall")).content.decode()
    assert 'data-testid="nav-dispatch-board"' in staff and 'data-testid="nav-needs-figures"' in staff
    team = login(team_volunteer).get(reverse("needs:wall")).content.decode()
    assert 'data-testid="nav-dispatch-board"' in team and 'data-testid="nav-needs-figures"' not in team
    resident = login(ly2_claimant).get(reverse("needs:wall")).content.decode()
    assert 'data-testid="nav-dispatch-board"' not in resident and 'data-testid="nav-needs-figures"' not in resident
    assert Need.objects.count() == 0
