"""The inspections pages: establishments (一户一档), campaigns, an inspection, issuing a notice."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.inspections import actions
from linli.inspections.models import Campaign, Establishment, RectificationNotice
from linli.inspections.tests.factories import make_establishment
from linli.inspections.tests.page_factories import RULE, inspect_with_hazard, issue

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def english_pages(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_the_establishment_list_shows_what_is_in_scope_with_the_phone_masked(login, lianyang2_secretary,
                                                                             snack_shop, ly2_restaurant):
    page = login(lianyang2_secretary).get(reverse("inspections:establishments")).content.decode()
    assert "联洋面馆" in page and "培花小吃店" not in page
    assert "13700001234" not in page and "137****1234" in page


def test_the_establishment_list_searches_and_filters_by_area_in_place(tree, login, huamu_staff, snack_shop,
                                                                      ly2_restaurant):
    client = login(huamu_staff)
    response = client.get(reverse("inspections:establishments"), {"area": tree.peihua.code},
                          HTTP_HX_TARGET="establishments-results", **HTMX)
    page = response.content.decode()
    assert "培花小吃店" in page and "联洋面馆" not in page and "<html" not in page
    page = client.get(reverse("inspections:establishments"), {"q": "面馆"}).content.decode()
    assert "联洋面馆" in page and "培花小吃店" not in page


def test_the_establishment_list_is_constant_in_queries(tree, login, huamu_staff):
    client = login(huamu_staff)
    make_establishment(tree.lianyang2, name="店0")
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("inspections:establishments"))
    for n in range(1, 8):
        make_establishment(tree.lianyang2, name=f"店{n}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("inspections:establishments"))
    assert len(many) == len(one)


def test_the_establishment_page_is_its_file_with_history_hazards_and_notices(login, officer, second_officer,
                                                                            gas_office, snack_shop):
    inspection = inspect_with_hazard(officer, snack_shop, [gas_office])
    notice = issue(officer, second_officer, inspection, gas_office)
    page = login(officer).get(reverse("inspections:establishment_detail", args=[snack_shop.pk])).content.decode()
    assert "花木路1号" in page and "陈老板" in page and "137****1234" in page and "13700001234" not in page
    assert reverse("inspections:inspection_detail", args=[inspection.pk]) in page
    assert "钢瓶超量存放" in page  # the open hazard
    assert notice.number in page


def test_the_owners_phone_is_revealed_in_place_for_who_may_and_audited(login, peihua1_secretary, lianyang2_staff,
                                                                       lianyang2_secretary, ly2_restaurant,
                                                                       snack_shop):
    url = reverse("inspections:establishment_reveal", args=[snack_shop.pk, "contact_phone"])
    client = login(peihua1_secretary)
    page = client.get(reverse("inspections:establishment_detail", args=[snack_shop.pk])).content.decode()
    assert url in page and "13700001234" not in page
    assert "13700001234" in client.post(url, **HTMX).content.decode()
    [event] = AuditEvent.objects.filter(action="core.sensitive_revealed")
    assert (event.actor, event.target_id, event.target_type.model, event.data) == (
        peihua1_secretary, str(snack_shop.pk), "establishment", {"field": "contact_phone"})
    assert client.post(reverse("inspections:establishment_reveal", args=[snack_shop.pk, "name"])).status_code == 404
    assert client.get(url).status_code == 405  # a read that is audited is a POST (CSRF-protected)

    staff = login(lianyang2_staff)  # neighborhood staff see their shops, masked, and may not reveal
    own = reverse("inspections:establishment_reveal", args=[ly2_restaurant.pk, "contact_phone"])
    page = staff.get(reverse("inspections:establishment_detail", args=[ly2_restaurant.pk])).content.decode()
    assert "137****" in page and own not in page and staff.post(own).status_code == 403
    assert login(lianyang2_secretary).post(url).status_code == 404  # another neighborhood's shop
    assert AuditEvent.objects.filter(action="core.sensitive_revealed").count() == 1


def test_the_establishment_page_is_constant_in_queries(login, officer, gas_office, snack_shop):
    client = login(officer)
    inspect_with_hazard(officer, snack_shop, [gas_office])
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("inspections:establishment_detail", args=[snack_shop.pk]))
    for _ in range(4):
        inspect_with_hazard(officer, snack_shop, [gas_office])
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("inspections:establishment_detail", args=[snack_shop.pk]))
    assert len(many) == len(one)


def test_out_of_scope_pages_are_404(login, officer, second_officer, peihua1_secretary, lianyang2_secretary,
                                    gas_office, snack_shop, ly2_restaurant):
    inspection = inspect_with_hazard(officer, ly2_restaurant, [gas_office])
    client = login(peihua1_secretary)
    for url in (reverse("inspections:establishment_detail", args=[ly2_restaurant.pk]),
                reverse("inspections:inspection_detail", args=[inspection.pk]),
                reverse("inspections:notice_new", args=[inspection.pk])):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("inspections:notice_new", args=[inspection.pk]), {}).status_code == 404


def test_the_inspection_page_shows_answers_and_hazards(login, officer, gas_office, snack_shop):
    inspection = inspect_with_hazard(officer, snack_shop, [gas_office])
    page = login(officer).get(reverse("inspections:inspection_detail", args=[inspection.pk])).content.decode()
    assert "液化气钢瓶数量（个）" in page and "钢瓶超量存放" in page and "failed" in page
    assert reverse("inspections:notice_new", args=[inspection.pk]) in page


def _campaign(tree, gas_office, *targets):
    return actions.create_campaign(
        actor=None, name="餐饮行业用气安全专项整治", area=tree.huamu, lead_department=gas_office,
        start=timezone.localdate() - datetime.timedelta(days=30), end=timezone.localdate() + datetime.timedelta(30),
        departments=[gas_office], phases=[("concentrated", timezone.localdate() - datetime.timedelta(days=30),
                                           timezone.localdate())], targets=targets)


def test_the_campaign_pages_show_baseline_inspections_and_notices(tree, login, officer, second_officer, gas_office,
                                                                  snack_shop, ly2_restaurant):
    campaign = _campaign(tree, gas_office, snack_shop, ly2_restaurant)
    inspection = inspect_with_hazard(officer, snack_shop, [gas_office], campaign=campaign)
    notice = issue(officer, second_officer, inspection, gas_office)
    client = login(officer)
    listing = client.get(reverse("inspections:campaigns")).content.decode()
    assert "餐饮行业用气安全专项整治" in listing
    page = client.get(reverse("inspections:campaign_detail", args=[campaign.pk])).content.decode()
    assert "燃气管理所" in page and "Concentrated rectification" in page
    assert "培花小吃店" in page and "联洋面馆" in page and "not yet" in page
    assert notice.number in page


def test_a_campaign_out_of_scope_is_404(tree, login, lianyang2_secretary, gas_office):
    campaign = actions.create_campaign(
        actor=None, name="培花专项", area=tree.peihua, lead_department=gas_office,
        start=timezone.localdate(), end=timezone.localdate())
    client = login(lianyang2_secretary)
    assert client.get(reverse("inspections:campaign_detail", args=[campaign.pk])).status_code == 404
    assert "培花专项" not in client.get(reverse("inspections:campaigns")).content.decode()


# Issuing a notice --------------------------------------------------------------------------

def _notice_post(inspection, team, **overrides):
    finding = inspection.findings.get()
    data = {"agency": inspection.departments.get().pk, f"finding_{finding.pk}": "on", f"rule_{finding.pk}": RULE,
            "requirements": "清退超量钢瓶", "deadline": (inspection.date + datetime.timedelta(days=3)).isoformat(),
            "issued_on": inspection.date.isoformat(), "officers": [o.pk for o in team],
            "recipient_name": "陈老板", "signature": "signed"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_notice_is_issued_from_an_inspections_findings(login, officer, second_officer, gas_office, snack_shop):
    inspection = inspect_with_hazard(officer, snack_shop, [gas_office])
    client = login(officer)
    form = client.get(reverse("inspections:notice_new", args=[inspection.pk])).content.decode()
    assert "钢瓶超量存放" in form and "李执法" in form
    response = client.post(reverse("inspections:notice_new", args=[inspection.pk]),
                           _notice_post(inspection, [officer, second_officer]))
    notice = RectificationNotice.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("inspections:notice_detail",
                                                                           args=[notice.pk])
    assert notice.items.get().rule == RULE and set(notice.officers.all()) == {officer, second_officer}


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"deadline": None}, "deadline", "A notice needs a deadline"),
    ({"officers": "ONE"}, "officers", "signed by two officers"),
    ({"deadline": "BEFORE"}, "deadline", "cannot be before the inspection date"),
])
def test_a_notice_is_refused_on_its_field_and_nothing_is_saved(login, officer, second_officer, gas_office,
                                                               snack_shop, overrides, field, message):
    day = timezone.localdate() - datetime.timedelta(days=5)
    inspection = inspect_with_hazard(officer, snack_shop, [gas_office], day=day)
    if overrides.get("officers") == "ONE":
        overrides = {"officers": [officer.pk]}
    if overrides.get("deadline") == "BEFORE":
        overrides = {"deadline": (day - datetime.timedelta(days=1)).isoformat()}
    response = login(officer).post(reverse("inspections:notice_new", args=[inspection.pk]),
                                   _notice_post(inspection, [officer, second_officer], **overrides))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-field="{field}"' in page and message in page
    assert not RectificationNotice.objects.exists()


def test_the_notice_and_campaign_lists_are_constant_in_queries(tree, login, officer, second_officer, gas_office):
    client = login(officer)

    def add(n):
        shop = make_establishment(tree.peihua1, name=f"店{n}")
        campaign = _campaign(tree, gas_office, shop)
        issue(officer, second_officer, inspect_with_hazard(officer, shop, [gas_office], campaign=campaign),
              gas_office)

    add(0)
    with CaptureQueriesContext(connection) as one_notice:
        client.get(reverse("inspections:notices"))
    with CaptureQueriesContext(connection) as one_campaign:
        client.get(reverse("inspections:campaigns"))
    for n in range(1, 6):
        add(n)
    with CaptureQueriesContext(connection) as many_notices:
        page = client.get(reverse("inspections:notices")).content.decode()
    with CaptureQueriesContext(connection) as many_campaigns:
        client.get(reverse("inspections:campaigns"))
    assert len(re.findall(r'href="/inspections/notices/\d+/"', page)) == 6  # the rows, not the menu's link
    assert len(many_notices) == len(one_notice) and len(many_campaigns) == len(one_campaign)


def test_the_inspection_page_is_constant_in_queries(login, officer, second_officer, gas_office, snack_shop):
    from linli.inspections.actions import AnswerIn
    from linli.inspections.tests.factories import default_version, passing_answers

    client = login(officer)
    one = inspect_with_hazard(officer, snack_shop, [gas_office])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("inspections:inspection_detail", args=[one.pk]))
    version = default_version()
    failing = {code: AnswerIn(value="no", note=f"问题{code}") for code in
               ("gas_alarm_working", "auto_shutoff_valve", "flame_failure_protection", "hose_unjointed")}
    many_findings, _created = actions.submit_inspection(
        actor=officer, client_id=uuid.uuid4(), establishment=snack_shop, version=version, date=one.date,
        departments=[gas_office], officers=[officer, second_officer], answers=passing_answers(version, **failing))
    issue(officer, second_officer, many_findings, gas_office,
          findings={f: "规定" for f in many_findings.findings.all()})
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("inspections:inspection_detail", args=[many_findings.pk]))
    assert len(many) == len(few)  # nothing grows per answer, finding or notice


# Registering and correcting an establishment ----------------------------------------------------

def test_an_establishment_is_registered_and_corrected_without_showing_the_phone(tree, login, lianyang2_secretary,
                                                                               resident_unit):
    client = login(lianyang2_secretary)
    data = {"name": "联洋小吃", "address": "联洋路9号", "area": tree.lianyang2.pk, "organization": resident_unit.pk,
            "responsible_name": "周老板", "contact_phone": "13755556666", "gas_type": "lpg",
            "cylinder_labels": "E9, E8"}
    response = client.post(reverse("inspections:establishment_new"), data)
    shop = Establishment.objects.get(name="联洋小吃")
    assert response["Location"] == reverse("inspections:establishment_detail", args=[shop.pk])
    assert shop.cylinder_labels == ["E8", "E9"]
    edit = client.get(reverse("inspections:establishment_edit", args=[shop.pk])).content.decode()
    assert "13755556666" not in edit and "137****6666" in edit
    client.post(reverse("inspections:establishment_edit", args=[shop.pk]),
                {**data, "contact_phone": "", "supplier": "浦东液化气"})
    shop.refresh_from_db()
    assert shop.contact_phone == "13755556666" and shop.supplier == "浦东液化气"  # kept, not blanked
    assert AuditEvent.objects.filter(action="inspections.establishment_updated").exists()


def test_an_establishment_is_refused_on_its_field(tree, login, lianyang2_secretary, resident_unit):
    data = {"name": "管道店", "address": "联洋路9号", "area": tree.lianyang2.pk, "organization": resident_unit.pk,
            "gas_type": "pipeline", "cylinder_labels": "E1"}
    page = login(lianyang2_secretary).post(reverse("inspections:establishment_new"), data).content.decode()
    assert 'data-field="cylinder_labels"' in page and "Only premises on LPG cylinders" in page
    assert not Establishment.objects.exists()


def test_an_establishment_out_of_scope_cannot_be_edited(login, peihua1_secretary, ly2_restaurant):
    client = login(peihua1_secretary)
    assert client.get(reverse("inspections:establishment_edit", args=[ly2_restaurant.pk])).status_code == 404
    assert client.post(reverse("inspections:establishment_edit", args=[ly2_restaurant.pk]),
                       {"name": "x"}).status_code == 404


def test_a_campaign_is_created_with_its_phases_and_baseline(tree, login, huamu_staff, gas_office, fire_service,
                                                            snack_shop, ly2_restaurant):
    today = timezone.localdate()
    data = {"name": "餐饮行业用气安全专项整治", "area": tree.huamu.pk, "lead_department": gas_office.pk,
            "departments": [fire_service.pk], "start": today.isoformat(),
            "end": (today + datetime.timedelta(days=60)).isoformat(),
            "concentrated_start": today.isoformat(), "concentrated_end": (today + datetime.timedelta(30)).isoformat(),
            "targets": [snack_shop.pk, ly2_restaurant.pk]}
    response = login(huamu_staff).post(reverse("inspections:campaign_new"), data)
    campaign = Campaign.objects.get()
    assert response["Location"] == reverse("inspections:campaign_detail", args=[campaign.pk])
    assert set(campaign.targets.all()) == {snack_shop, ly2_restaurant}
    assert [p.kind for p in campaign.phases.all()] == ["concentrated"]


def test_a_campaign_is_refused_on_its_field(tree, login, huamu_staff, gas_office, resident_unit):
    today = timezone.localdate()
    data = {"name": "整治", "area": tree.huamu.pk, "lead_department": gas_office.pk, "start": today.isoformat(),
            "end": (today + datetime.timedelta(days=10)).isoformat(),
            "concentrated_start": today.isoformat(),
            "concentrated_end": (today + datetime.timedelta(days=30)).isoformat()}
    page = login(huamu_staff).post(reverse("inspections:campaign_new"), data).content.decode()
    assert "Each phase must lie within the campaign" in page and 'data-field="concentrated_start"' in page
    data["concentrated_end"] = ""
    page = login(huamu_staff).post(reverse("inspections:campaign_new"), data).content.decode()
    assert "first and last day" in page and 'data-field="concentrated_end"' in page
    assert not Campaign.objects.exists()


def test_the_hazard_ledger_page_lists_hazards_in_scope_constant_in_queries(tree, login, officer, gas_office,
                                                                          lianyang2_secretary, snack_shop,
                                                                          ly2_restaurant):
    inspect_with_hazard(officer, snack_shop, [gas_office])
    client = login(officer)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("inspections:hazards"))
    for _ in range(4):
        inspect_with_hazard(officer, ly2_restaurant, [gas_office])
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("inspections:hazards")).content.decode()
    assert len(many) == len(one) and page.count("钢瓶超量存放") == 5
    ly2 = login(lianyang2_secretary).get(reverse("inspections:hazards"), {"open": "1"}).content.decode()
    assert "联洋面馆" in ly2 and "培花小吃店" not in ly2
    ledger = login(lianyang2_secretary).get(reverse("inspections:hazard_ledger"))
    assert ledger.status_code == 200 and "attachment" in ledger["Content-Disposition"]
