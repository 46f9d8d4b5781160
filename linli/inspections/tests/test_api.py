"""/api/v1/inspections: scope (404), authentication (401), idempotent submission (201 then 200), notices (422)."""

from __future__ import annotations

import datetime
import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.inspections.models import Inspection, RectificationNotice
from linli.inspections.tests.factories import default_version
from linli.problems.models import Problem

pytestmark = pytest.mark.django_db

API = "/api/v1/inspections"


def post(client: Client, url: str, data: dict):
    return client.post(url, json.dumps(data, default=str), content_type="application/json",
                       HTTP_ACCEPT_LANGUAGE="en")


def _payload(establishment, officer, departments, **answers):
    version = default_version()
    passing: dict[str, dict] = {i.code: {"value": True} for i in version.items.filter(answer_type="yes_no")}
    passing.update({"hose_length_m": {"value": "1.5"}, "pipe_wire_clearance": {"value": "clear"}})
    passing.update(answers)
    return {"client_id": str(uuid.uuid4()), "establishment": establishment.pk, "version": version.pk,
            "date": timezone.localdate().isoformat(), "departments": [d.pk for d in departments],
            "officers": [officer.pk], "answers": passing}


def test_unauthenticated_calls_are_401(tree):
    assert Client().get(API).status_code == 401
    assert Client().get(f"{API}/establishments").status_code == 401


def test_establishments_are_scoped_and_their_contact_masked(tree, login, lianyang2_secretary, snack_shop,
                                                            ly2_restaurant):
    client = login(lianyang2_secretary)
    body = client.get(f"{API}/establishments").json()
    assert [e["name"] for e in body["items"]] == ["联洋面馆"]
    assert body["items"][0]["contact_phone"] == "137****1234"
    assert client.get(f"{API}/establishments/{snack_shop.pk}").status_code == 404


def test_the_owners_phone_is_revealed_to_who_may_and_audited(tree, login, lianyang2_secretary, lianyang2_staff,
                                                             snack_shop, ly2_restaurant):
    url = f"{API}/establishments/{ly2_restaurant.pk}/reveal"
    response = post(login(lianyang2_secretary), url, {})
    assert response.status_code == 200 and response.json() == {"field": "contact_phone", "value": "13700001234"}
    assert response["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action="core.sensitive_revealed", target_id=str(ly2_restaurant.pk)).count() == 1
    assert post(login(lianyang2_secretary), url, {"field": "name"}).status_code == 422
    assert post(login(lianyang2_secretary), f"{API}/establishments/{snack_shop.pk}/reveal", {}).status_code == 404
    assert post(login(lianyang2_staff), url, {}).status_code == 403  # sees it masked, may not reveal
    assert AuditEvent.objects.filter(action="core.sensitive_revealed").count() == 1


def test_the_phone_reads_the_current_checklist(tree, login, officer):
    body = login(officer).get(f"{API}/checklists/restaurant-gas").json()
    assert body["number"] == 1 and body["config"]["hose_max_m"] == 2.0
    assert body["items"][0]["code"] == "gas_alarm_installed"
    assert login(officer).get(f"{API}/checklists/nothing").status_code == 404


def test_a_submission_is_201_and_its_retry_200_with_the_same_inspection(tree, login, officer, fire_service,
                                                                        snack_shop):
    client = login(officer)
    payload = _payload(snack_shop, officer, [fire_service],
                       pipe_wire_clearance={"value": "too_close", "finding": {"location": "后厨"}})
    payload["answers"]["pipe_wire_clearance"]["value"] = "too_close"
    payload["answers"]["hose_not_aged"] = {"value": True}
    first = post(client, API, payload)
    # The wire item needs a photo when it fails: the API refuses it until photos can be sent.
    assert first.status_code == 422 and "pipe_wire_clearance" in first.json()["errors"]
    payload["answers"]["hose_length_m"] = {"value": "2.5", "finding": {"description": "软管过长"}}
    payload["answers"]["pipe_wire_clearance"] = {"value": "clear"}
    first = post(client, API, payload)
    assert first.status_code == 201, first.json()
    retry = post(client, API, payload)
    assert retry.status_code == 200 and retry.json()["id"] == first.json()["id"]
    assert Inspection.objects.count() == 1 and Problem.objects.count() == 1
    finding = first.json()["findings"][0]
    assert finding["item"] == "hose_length_m" and finding["problem"] == Problem.objects.get().pk


def test_an_inspection_out_of_scope_is_404(tree, login, officer, lianyang2_secretary, fire_service, snack_shop):
    created = post(login(officer), API, _payload(snack_shop, officer, [fire_service]))
    assert created.status_code == 201
    client = login(lianyang2_secretary)
    assert client.get(f"{API}/{created.json()['id']}").status_code == 404
    assert post(client, API, _payload(snack_shop, officer, [fire_service])).status_code == 404


def test_a_missing_required_answer_is_422(tree, login, officer, fire_service, snack_shop):
    payload = _payload(snack_shop, officer, [fire_service])
    del payload["answers"]["gas_alarm_installed"]
    response = post(login(officer), API, payload)
    assert response.status_code == 422 and "gas_alarm_installed" in response.json()["errors"]
    assert not Inspection.objects.exists()


def test_a_notice_over_the_api(tree, login, officer, second_officer, gas_office, snack_shop):
    client = login(officer)
    payload = _payload(snack_shop, officer, [gas_office], hose_length_m={"value": "2.5"})
    inspection = post(client, API, payload).json()
    finding = inspection["findings"][0]["id"]
    notice = {"agency": gas_office.pk, "findings": {str(finding): "软管长度超过2米"}, "requirements": "更换软管",
              "deadline": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
              "officers": [officer.pk]}
    refused = post(client, f"{API}/{inspection['id']}/notices", notice)
    assert refused.status_code == 422 and "officers" in refused.json()["errors"]
    notice["officers"] = [officer.pk, second_officer.pk]
    issued = post(client, f"{API}/{inspection['id']}/notices", notice)
    assert issued.status_code == 201, issued.json()
    assert issued.json()["number"].endswith("No. 001")
    assert RectificationNotice.objects.count() == 1
    assert client.get(f"{API}/notices").json()["count"] == 1


def test_the_endpoints_are_in_the_openapi_schema(tree):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/inspections", "/api/v1/inspections/establishments",
                 "/api/v1/inspections/checklists/{code}", "/api/v1/inspections/{inspection_id}/notices",
                 "/api/v1/inspections/with-photos", "/api/v1/inspections/campaigns",
                 "/api/v1/inspections/campaigns/{campaign_id}/board",
                 "/api/v1/inspections/campaigns/{campaign_id}/figures",
                 "/api/v1/inspections/campaigns/{campaign_id}/summary", "/api/v1/inspections/seizures",
                 "/api/v1/inspections/{inspection_id}/seizures", "/api/v1/inspections/reinspections",
                 "/api/v1/inspections/campaigns/{campaign_id}/reinspections",
                 "/api/v1/inspections/reinspections/{reinspection_id}", "/api/v1/inspections/hazard-ledger.xlsx",
                 "/api/v1/inspections/campaigns/{campaign_id}/lists.xlsx"):
        assert path in paths, path


def test_photos_go_with_the_submission_as_multipart(tree, login, officer, fire_service, snack_shop):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from linli.inspections.models import AnswerPhoto
    from linli.problems.tests.factories import PNG

    client = login(officer)
    payload = _payload(snack_shop, officer, [fire_service],
                       pipe_wire_clearance={"value": "touching", "note": "电线紧贴燃气管道"})
    refused = client.post(f"{API}/with-photos", {"payload": json.dumps(payload),
                                                 "photo:pipe_wire_clearance": SimpleUploadedFile("a.png", b"not")},
                          HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422 and "pipe_wire_clearance" in refused.json()["errors"]
    assert not Inspection.objects.exists()
    saved = client.post(f"{API}/with-photos", {"payload": json.dumps(payload),
                                               "photo:pipe_wire_clearance": SimpleUploadedFile("a.png", PNG)},
                        HTTP_ACCEPT_LANGUAGE="en")
    assert saved.status_code == 201, saved.json()
    assert AnswerPhoto.objects.get().content_type == "image/png"
    assert saved.json()["findings"][0]["item"] == "pipe_wire_clearance"


@pytest.fixture
def api_campaign(tree, officer, second_officer, gas_office, snack_shop):
    from linli.inspections.tests.factories import inspect_with_hazards, make_campaign

    campaign = make_campaign(officer, gas_office, tree.huamu, [snack_shop])
    inspection = inspect_with_hazards(officer, snack_shop, [gas_office], campaign=campaign)
    return campaign, inspection


def test_a_seizure_through_the_api_and_a_zero_quantity_refused(login, officer, second_officer, gas_office,
                                                               api_campaign, lianyang2_secretary):
    campaign, inspection = api_campaign
    client = login(officer)
    body = {"agency": gas_office.pk, "legal_basis": "《上海市燃气管理条例》", "storage_place": "仓库",
            "seized_on": timezone.localdate(), "officers": [officer.pk, second_officer.pk],
            "items": [{"kind": "lpg_cylinder", "quantity": 2, "identifiers": ["E1", "E2"]},
                      {"kind": "stove", "quantity": 0}]}
    refused = post(client, f"{API}/{inspection.pk}/seizures", body)
    assert refused.status_code == 422
    assert refused.json()["errors"]["items"] == ["Row 2: the quantity must be more than zero (it is 0)."]
    body["items"] = body["items"][:1]
    made = post(client, f"{API}/{inspection.pk}/seizures", body)
    assert made.status_code == 201, made.json()
    assert made.json()["items"] == [{"kind": "lpg_cylinder", "quantity": 2, "identifiers": ["E1", "E2"],
                                     "description": ""}]
    assert client.get(f"{API}/seizures?campaign={campaign.pk}").json()["count"] == 1
    assert login(lianyang2_secretary).get(f"{API}/seizures").json()["count"] == 0


def test_reinspections_board_and_figures_through_the_api(login, officer, api_campaign, lianyang2_secretary):
    campaign, _inspection = api_campaign
    client = login(officer)
    scheduled = post(client, f"{API}/campaigns/{campaign.pk}/reinspections", {})
    assert scheduled.status_code == 201 and len(scheduled.json()) == 1
    again = post(client, f"{API}/campaigns/{campaign.pk}/reinspections", {})
    assert (again.status_code, again.json()) == (200, [])
    visit = scheduled.json()[0]["id"]
    refused = post(client, f"{API}/reinspections/{visit}", {"outcome": "not_fixed"})
    assert refused.status_code == 422 and "new_deadline" in refused.json()["errors"]
    fixed = post(client, f"{API}/reinspections/{visit}", {"outcome": "fixed", "note": "已清退"})
    assert fixed.status_code == 200 and fixed.json()["outcome"] == "fixed"
    assert post(client, f"{API}/reinspections/{visit}", {"outcome": "fixed"}).status_code == 409

    board = client.get(f"{API}/campaigns/{campaign.pk}/board").json()
    assert board[0]["establishment_name"] == "培花小吃店" and board[0]["findings_closed"] == 1
    figures = client.get(f"{API}/campaigns/{campaign.pk}/figures").json()
    assert (figures["findings"], figures["findings_closed"], figures["establishments_reinspected"]) == (1, 1, 1)
    assert figures["summary"] == client.get(f"{API}/campaigns/{campaign.pk}/summary").json()["summary"]
    assert figures["summary"].startswith("餐饮行业用气安全专项整治：共检查1家单位")
    outsider = login(lianyang2_secretary)
    assert outsider.get(f"{API}/campaigns/{campaign.pk}/figures").status_code == 404
    assert outsider.get(f"{API}/reinspections").json()["count"] == 0


def test_the_board_endpoint_reads_a_fixed_number_of_queries_and_overdue_notices_filter(
        login, officer, second_officer, gas_office, api_campaign, django_assert_max_num_queries):
    from linli.inspections import actions
    from linli.inspections.tests.factories import make_establishment

    campaign, inspection = api_campaign
    for n in range(5):  # more establishments in the baseline do not mean more queries
        actions.add_campaign_targets(actor=officer, campaign=campaign,
                                     establishments=[make_establishment(campaign.area, name=f"店{n}")])
    client = login(officer)
    client.get(f"{API}/campaigns/{campaign.pk}/board")
    with django_assert_max_num_queries(12):
        board = client.get(f"{API}/campaigns/{campaign.pk}/board")
    assert len(board.json()) == 6
    post(client, f"{API}/{inspection.pk}/notices", {
        "agency": gas_office.pk, "findings": {str(inspection.findings.get().pk): "《上海市燃气管理条例》"},
        "requirements": "清退", "deadline": timezone.localdate(), "officers": [officer.pk, second_officer.pk]})
    assert client.get(f"{API}/notices?campaign={campaign.pk}").json()["count"] == 1
    assert client.get(f"{API}/notices?overdue=true").json()["count"] == 0  # due today: not yet overdue


def test_the_ledger_and_the_four_lists_download_as_excel_within_scope(login, officer, api_campaign, org_liaison,
                                                                       lianyang2_secretary):
    import io

    from openpyxl import load_workbook

    campaign, _inspection = api_campaign
    client = login(officer)
    ledger = client.get(f"{API}/hazard-ledger.xlsx?campaign={campaign.pk}")
    assert ledger.status_code == 200 and ledger["Content-Type"].endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(ledger.content), read_only=True).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == "培花小吃店"
    lists = client.get(f"{API}/campaigns/{campaign.pk}/lists.xlsx", HTTP_ACCEPT_LANGUAGE="en")
    assert load_workbook(io.BytesIO(lists.content), read_only=True).sheetnames == [
        "Baseline", "Hazards", "Rectification", "Acceptance"]
    assert login(lianyang2_secretary).get(f"{API}/campaigns/{campaign.pk}/lists.xlsx").status_code == 404
    assert login(org_liaison).get(f"{API}/hazard-ledger.xlsx").status_code == 403
