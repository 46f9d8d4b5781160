"""The campaign board, figures, summary and four lists: every figure from records, the board in six queries."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from linli.core.scoping import grants_for
from linli.inspections import actions, queries
from linli.inspections.actions import SeizureItemIn
from linli.inspections.models import Reinspection
from linli.inspections.tests.factories import inspect_with_hazards, make_campaign, make_establishment

TODAY = timezone.localdate
DAYS = datetime.timedelta


@pytest.fixture
def gas_campaign(tree, officer, second_officer, gas_office, snack_shop, ly2_restaurant):
    """Three targets: the snack shop (a hazard, an overdue notice, 3 cylinders seized), the noodle shop (two
    hazards, one fixed on the spot), and a third not yet inspected. (The template rates both items major.)"""
    untouched = make_establishment(tree.peihua1, name="培花面包房")
    campaign = make_campaign(officer, gas_office, tree.huamu, [snack_shop, ly2_restaurant, untouched])
    day = TODAY() - DAYS(10)
    shop = inspect_with_hazards(officer, snack_shop, [gas_office], campaign=campaign, day=day)
    notice = actions.issue_notice(actor=officer, inspection=shop, agency=gas_office,
                                  findings={shop.findings.get(): "《上海市燃气管理条例》"}, requirements="清退超量钢瓶",
                                  deadline=TODAY() - DAYS(1), issued_on=day, officers=[officer, second_officer])
    actions.record_seizure(actor=officer, notice=notice, agency=gas_office, legal_basis="《上海市燃气管理条例》",
                           storage_place="燃气管理所仓库", seized_on=day, officers=[officer, second_officer],
                           items=[SeizureItemIn(kind="lpg_cylinder", quantity=3, identifiers=["A", "B", "C"])])
    inspect_with_hazards(officer, ly2_restaurant, [gas_office], campaign=campaign, major=True, fixed_on_spot=True)
    actions.schedule_reinspections(actor=officer, campaign=campaign)
    return campaign


@pytest.mark.django_db
def test_the_board_shows_each_baseline_establishment_in_six_queries(gas_campaign, huamu_staff, snack_shop,
                                                                    ly2_restaurant, django_assert_num_queries):
    grants_for(huamu_staff)
    with django_assert_num_queries(6):
        board = queries.campaign_board(huamu_staff, gas_campaign)
    rows = {r.establishment.name: r for r in board}
    assert list(rows) == ["培花小吃店", "培花面包房", "联洋面馆"]
    shop, bakery, noodles = rows["培花小吃店"], rows["培花面包房"], rows["联洋面馆"]
    assert (shop.inspected, shop.findings_open, shop.findings_closed, shop.seized) == (True, 1, 0, 3)
    assert shop.notice_overdue and shop.notices[0].number.endswith("No. 001")
    assert shop.reinspection_due is not None and not shop.reinspection_overdue
    assert not bakery.inspected and bakery.findings_open == 0 and bakery.notices == []
    # The major hazard (cylinder in the dining area) is open; the cylinders fixed on the spot are closed.
    assert (noodles.findings_open, noodles.findings_closed, noodles.notices) == (1, 1, [])
    late_day = shop.reinspection_due + DAYS(1)
    late = queries.campaign_board(huamu_staff, gas_campaign, on=late_day)
    assert [r.reinspection_overdue for r in late] == [True, False, noodles.reinspection_due < late_day]


@pytest.mark.django_db
def test_the_board_is_limited_to_the_viewers_scope(gas_campaign, peihua1_secretary):
    assert [r.establishment.name for r in queries.campaign_board(peihua1_secretary, gas_campaign)] == [
        "培花小吃店", "培花面包房"]


@pytest.mark.django_db
def test_figures_count_the_records(gas_campaign, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        figures = queries.campaign_figures(gas_campaign)
    assert (figures.targets, figures.establishments_inspected, figures.establishments_reinspected) == (3, 2, 0)
    assert figures.findings == 3 and figures.findings_by_severity == {"general": 0, "major": 3}
    assert dict(figures.findings_by_item) == {"液化气钢瓶数量（个）": 2, "就餐区、密闭柜内无钢瓶": 1}
    assert (figures.findings_fixed_on_spot, figures.findings_closed, figures.findings_open) == (1, 1, 2)
    assert (figures.notices_issued, figures.notices_overdue) == (1, 1)
    assert figures.seized_by_item == {"lpg_cylinder": 3} and figures.seizures == 1
    assert (figures.reinspections_scheduled, figures.reinspections_done) == (2, 0)


@pytest.mark.django_db
def test_the_summary_is_written_from_the_records(gas_campaign, officer):
    assert queries.campaign_summary(gas_campaign) == (
        "餐饮行业用气安全专项整治：共检查2家单位（底数3家），发现隐患3处，其中重大隐患3处，当场整改1处，"
        "开具1张整改单，收缴钢瓶3个。已整改销号1处，尚有2处在整改中，1张整改单已逾期。回头看已安排2处，待复查2处。")
    visit = Reinspection.objects.filter(campaign=gas_campaign).order_by("id").first()
    actions.record_reinspection(actor=officer, reinspection=visit, outcome=Reinspection.Outcome.FIXED)
    summary = queries.campaign_summary(gas_campaign)
    assert "已整改销号2处，尚有1处在整改中。" in summary  # the overdue notice is now fixed
    assert summary.endswith("回头看已安排2处，已复查1处，待复查1处。")
    assert queries.campaign_figures(gas_campaign).establishments_reinspected == 1


@pytest.mark.django_db
def test_an_empty_campaign_says_so_plainly(tree, officer, gas_office):
    campaign = make_campaign(officer, gas_office, tree.huamu, name="春节前检查")
    assert queries.campaign_summary(campaign) == "春节前检查：共检查0家单位，未发现隐患。"


@pytest.mark.django_db
def test_the_four_lists(gas_campaign, huamu_staff, peihua1_secretary):
    lists = queries.campaign_lists(huamu_staff, gas_campaign)
    assert [(e.name, e.inspection_count) for e in lists.baseline] == [
        ("培花小吃店", 1), ("培花面包房", 0), ("联洋面馆", 1)]
    assert lists.hazards.count() == 3
    rectification = list(lists.rectification)
    assert len(rectification) == 2
    shop = next(f for f in rectification if f.notice_serial)
    assert (shop.notice_agency, shop.notice_serial) == ("燃气管理所", 1)
    assert lists.acceptance.count() == 2
    mine = queries.campaign_lists(peihua1_secretary, gas_campaign)
    assert (mine.baseline.count(), mine.hazards.count(), mine.acceptance.count()) == (2, 1, 1)


@pytest.mark.django_db
def test_overdue_notices_are_derived(gas_campaign, huamu_staff, officer):
    assert queries.overdue_notices(huamu_staff, campaign=gas_campaign).count() == 1
    assert not queries.overdue_notices(huamu_staff, on=TODAY() - DAYS(8)).exists()
