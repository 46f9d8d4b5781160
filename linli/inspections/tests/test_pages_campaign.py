"""A campaign's page: summary, figures and board from the records, the look-back, the hazard ledger and the four
lists to download, and each seizure's printable list."""

from __future__ import annotations

import datetime
import io

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from linli.core.models import AuditEvent
from linli.core.tests.pdfs import embedded_fonts, pdf_text
from linli.inspections import actions
from linli.inspections.actions import SeizureItemIn
from linli.inspections.models import Reinspection, SupervisionNotice
from linli.inspections.tests.factories import make_establishment
from linli.inspections.tests.page_factories import inspect_with_hazard, issue

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def english_pages(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def campaign(tree, gas_office, snack_shop, ly2_restaurant):
    return actions.create_campaign(
        actor=None, name="餐饮行业用气安全专项整治", area=tree.huamu, lead_department=gas_office,
        start=TODAY() - datetime.timedelta(days=30), end=TODAY() + datetime.timedelta(days=30),
        departments=[gas_office], targets=[snack_shop, ly2_restaurant])


def _seize(officer, second_officer, gas_office, inspection, n=3):
    return actions.record_seizure(
        actor=officer, agency=gas_office, legal_basis="《上海市燃气管理条例》第五十条",
        storage_place="街道城运中心仓库",
        seized_on=inspection.date, officers=[officer, second_officer], inspection=inspection,
        items=[SeizureItemIn(kind="lpg_cylinder", quantity=n, identifiers=[f"E{i:03d}" for i in range(n)])])


def test_the_campaign_page_shows_the_summary_figures_and_board_from_records(
        login, officer, second_officer, gas_office, snack_shop, campaign):
    day = TODAY() - datetime.timedelta(days=10)
    inspection = inspect_with_hazard(officer, snack_shop, [gas_office], day=day, campaign=campaign)
    notice = issue(officer, second_officer, inspection, gas_office)  # deadline three days after: now overdue
    _seize(officer, second_officer, gas_office, inspection)
    page = login(officer).get(reverse("inspections:campaign_detail", args=[campaign.pk])).content.decode()
    assert "共检查1家单位（底数2家），发现隐患1处，其中重大隐患1处，开具1张整改单，收缴钢瓶3个" in page
    board = page.split('data-testid="board"')[1].split("</table>")[0]
    assert "培花小吃店" in board and "联洋面馆" in board and "not yet" in board
    assert notice.number in board and 'data-testid="notice-overdue"' in board
    figures = page.split('data-testid="figures"')[1].split("</section>")[0]
    assert "Notices overdue" in figures and "Establishments inspected" in figures
    assert reverse("inspections:campaign_ledger", args=[campaign.pk]) in page


def test_the_campaign_page_is_constant_in_queries(tree, login, officer, second_officer, gas_office, snack_shop,
                                                  campaign):
    client = login(officer)
    inspection = inspect_with_hazard(officer, snack_shop, [gas_office], campaign=campaign)
    issue(officer, second_officer, inspection, gas_office)
    _seize(officer, second_officer, gas_office, inspection)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("inspections:campaign_detail", args=[campaign.pk]))
    for n in range(4):
        shop = make_establishment(tree.peihua1, name=f"小吃{n}")
        actions.add_campaign_targets(actor=None, campaign=campaign, establishments=[shop])
        more = inspect_with_hazard(officer, shop, [gas_office], campaign=campaign)
        issue(officer, second_officer, more, gas_office)
        _seize(officer, second_officer, gas_office, more)
    actions.schedule_reinspections(actor=officer, campaign=campaign)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("inspections:campaign_detail", args=[campaign.pk]))
    assert len(many) <= len(one) + 2  # the re-inspection list appears; nothing grows per row


def test_the_look_back_is_scheduled_and_recorded_from_the_page(login, officer, second_officer, gas_office,
                                                               snack_shop, campaign):
    day = TODAY() - datetime.timedelta(days=10)
    inspection = inspect_with_hazard(officer, snack_shop, [gas_office], day=day, campaign=campaign)
    issue(officer, second_officer, inspection, gas_office)
    client = login(officer)
    client.post(reverse("inspections:campaign_schedule_reinspections", args=[campaign.pk]))
    client.post(reverse("inspections:campaign_schedule_reinspections", args=[campaign.pk]))  # twice: still one
    reinspection = Reinspection.objects.get()
    page = client.get(reverse("inspections:campaign_detail", args=[campaign.pk])).content.decode()
    assert reverse("inspections:reinspection_record", args=[reinspection.pk]) in page

    refused = client.post(reverse("inspections:reinspection_record", args=[reinspection.pk]),
                          {"outcome": "not_fixed"}, follow=True).content.decode()
    assert "give the deadline" in refused and not SupervisionNotice.objects.exists()

    client.post(reverse("inspections:reinspection_record", args=[reinspection.pk]),
                {"outcome": "not_fixed", "note": "仍超量",
                 "new_deadline": (TODAY() + datetime.timedelta(5)).isoformat()})
    reinspection.refresh_from_db()
    assert reinspection.outcome == "not_fixed" and SupervisionNotice.objects.count() == 1


def test_the_hazard_ledger_and_the_four_lists_download(login, officer, second_officer, gas_office, snack_shop,
                                                       campaign):
    inspect_with_hazard(officer, snack_shop, [gas_office], campaign=campaign)
    client = login(officer)
    ledger = client.get(reverse("inspections:campaign_ledger", args=[campaign.pk]))
    assert ledger.status_code == 200 and "attachment" in ledger["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(ledger.content)).worksheets[0]
    assert "钢瓶超量存放" in " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    lists = client.get(reverse("inspections:campaign_lists", args=[campaign.pk]))
    assert len(load_workbook(io.BytesIO(lists.content)).worksheets) == 4
    assert AuditEvent.objects.filter(action="inspections.exported").count() == 2


def test_campaign_downloads_and_actions_are_404_out_of_scope(tree, login, lianyang2_secretary, gas_office):
    campaign = actions.create_campaign(actor=None, name="培花专项", area=tree.peihua, lead_department=gas_office,
                                       start=TODAY(), end=TODAY())
    client = login(lianyang2_secretary)
    for name in ("campaign_detail", "campaign_ledger", "campaign_lists"):
        assert client.get(reverse(f"inspections:{name}", args=[campaign.pk])).status_code == 404, name
    assert client.post(reverse("inspections:campaign_schedule_reinspections",
                               args=[campaign.pk])).status_code == 404


def test_the_seizure_list_prints_in_chinese_with_every_cylinder(login, officer, second_officer, gas_office,
                                                                snack_shop, campaign, lianyang2_secretary):
    inspection = inspect_with_hazard(officer, snack_shop, [gas_office], campaign=campaign)
    seizure = _seize(officer, second_officer, gas_office, inspection, n=3)
    page = login(officer).get(reverse("inspections:campaign_detail", args=[campaign.pk])).content.decode()
    assert reverse("inspections:seizure_pdf", args=[seizure.pk]) in page
    response = login(officer).get(reverse("inspections:seizure_pdf", args=[seizure.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert any("CJK" in name for name in embedded_fonts(response.content))
    text = pdf_text(response.content)
    for part in ("收缴物品清单", "培花小吃店", "液化石油气钢瓶", "E000", "E001", "E002",
                 "《上海市燃气管理条例》第五十条", "街道城运中心仓库", "王执法", "李执法", "合计"):
        assert part in text, part
    assert login(lianyang2_secretary).get(reverse("inspections:seizure_pdf",
                                                  args=[seizure.pk])).status_code == 404


# Recording a seizure at an inspection ---------------------------------------------------------

def _seizure_post(inspection, team, **overrides):
    data = {"agency": inspection.departments.get().pk, "legal_basis": "《上海市燃气管理条例》第五十条",
            "storage_place": "街道城运中心仓库", "seized_on": inspection.date.isoformat(),
            "officers": [o.pk for o in team], "item_1_kind": "lpg_cylinder", "item_1_quantity": "2",
            "item_1_identifiers": "E100，E101"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_seizure_is_recorded_at_an_inspection_and_printed_from_it(login, officer, second_officer, gas_office,
                                                                    snack_shop, campaign):
    inspection = inspect_with_hazard(officer, snack_shop, [gas_office], campaign=campaign)
    client = login(officer)
    assert "E-labels" in client.get(reverse("inspections:seizure_new", args=[inspection.pk])).content.decode()
    response = client.post(reverse("inspections:seizure_new", args=[inspection.pk]),
                           _seizure_post(inspection, [officer, second_officer]), follow=True)
    seizure = inspection.seizures.get()
    assert seizure.campaign == campaign and [(i.kind, i.quantity, i.identifiers) for i in seizure.items.all()] == [
        ("lpg_cylinder", 2, ["E100", "E101"])]
    assert reverse("inspections:seizure_pdf", args=[seizure.pk]) in response.content.decode()


@pytest.mark.parametrize(("overrides", "message"), [
    ({"item_1_quantity": "0"}, "Row 1: the quantity must be more than zero (it is 0)."),
    ({"officers": "ONE"}, "A seizure is made by at least two officers."),
    ({"item_1_identifiers": "E100"}, "Row 1: 2 cylinders but 1 e-labels"),
    ({"legal_basis": ""}, "Name the legal basis of the seizure."),
])
def test_a_bad_seizure_is_refused_with_its_reason_and_nothing_is_saved(login, officer, second_officer, gas_office,
                                                                       snack_shop, overrides, message):
    inspection = inspect_with_hazard(officer, snack_shop, [gas_office])
    if overrides.get("officers") == "ONE":
        overrides = {"officers": [officer.pk]}
    response = login(officer).post(reverse("inspections:seizure_new", args=[inspection.pk]),
                                   _seizure_post(inspection, [officer, second_officer], **overrides))
    assert response.status_code == 200 and message in response.content.decode()
    assert not inspection.seizures.exists()


def test_recording_a_seizure_out_of_scope_is_404(login, officer, gas_office, ly2_restaurant, peihua1_secretary):
    inspection = inspect_with_hazard(officer, ly2_restaurant, [gas_office])
    client = login(peihua1_secretary)
    assert client.get(reverse("inspections:seizure_new", args=[inspection.pk])).status_code == 404
    assert client.post(reverse("inspections:seizure_new", args=[inspection.pk]), {}).status_code == 404


def test_establishments_are_added_to_the_baseline_from_the_page(tree, login, officer, gas_office, campaign):
    shop = make_establishment(tree.peihua1, name="新开小吃")
    outside = make_establishment(tree.beicai_nbhd, name="北蔡的店")
    client = login(officer)
    page = client.get(reverse("inspections:campaign_detail", args=[campaign.pk])).content.decode()
    form = page.split('data-testid="add-targets"')[1].split("</form>")[0]
    assert "新开小吃" in form and "培花小吃店" not in form and "北蔡的店" not in form
    client.post(reverse("inspections:campaign_add_targets", args=[campaign.pk]),
                {"establishments": [shop.pk, outside.pk]})
    assert set(campaign.targets.values_list("name", flat=True)) == {"培花小吃店", "联洋面馆", "新开小吃"}
    assert AuditEvent.objects.filter(action="inspections.targets_added").count() == 2  # at creation, and now
