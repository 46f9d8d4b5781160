"""/api/v1/inspections: scope (404), authentication (401), idempotent submission (201 then 200), notices (422)."""

from __future__ import annotations

import datetime
import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

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
                 "/api/v1/inspections/checklists/{code}", "/api/v1/inspections/{inspection_id}/notices"):
        assert path in paths, path
