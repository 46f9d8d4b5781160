"""/api/v1/party: scope (404), authentication (401), permission (403), state conflicts (409), input (422)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client

from linli.core.models import AuditEvent
from linli.party.models import BoardExclusion, Meeting
from linli.party.tests.factories import hold

pytestmark = pytest.mark.django_db

API = "/api/v1/party"


def post(client: Client, url: str, data: dict | None = None):
    return client.post(url, json.dumps(data or {}), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def _payload(party, **extra) -> dict:
    body = {"party_organization": party.ly2.pk, "kind": "general_assembly", "held_on": "2026-03-10",
            "topic": "学习条例", "present": [p.pk for p in party.everyone[1:]],
            "absent": [{"person": party.everyone[0].pk, "reason": "出差"}],
            "guests": [{"name": "顾燕峰(区委党校)"}], "chair": party.everyone[1].pk}
    body.update(extra)
    return body


def test_unauthenticated_calls_are_401(party):
    meeting = hold(party.ly2)
    client = Client()
    assert client.get(f"{API}/meetings").status_code == 401
    assert client.get(f"{API}/meetings/{meeting.pk}").status_code == 401
    assert post(client, f"{API}/meetings", _payload(party)).status_code == 401
    assert client.get(f"{API}/board").status_code == 401


def test_the_list_holds_only_meetings_in_scope(party, login, lianyang2_secretary):
    ours = hold(party.ly2)
    hold(party.ph1)
    body = login(lianyang2_secretary).get(f"{API}/meetings").json()
    assert body["count"] == 1 and [m["id"] for m in body["items"]] == [ours.pk]


def test_out_of_scope_meetings_and_organizations_are_404(party, login, peihua1_secretary):
    meeting = hold(party.ly2, minutes="记录")
    client = login(peihua1_secretary)
    assert client.get(f"{API}/meetings/{meeting.pk}").status_code == 404
    assert post(client, f"{API}/meetings/{meeting.pk}/submit").status_code == 404
    assert post(client, f"{API}/meetings", _payload(party)).status_code == 404
    assert client.get(f"{API}/organizations/{party.ly2.pk}/expected?kind=committee").status_code == 404
    assert Meeting.objects.get(pk=meeting.pk).state == Meeting.State.RECORDED


def test_recording_a_meeting(party, login, lianyang2_secretary):
    response = post(login(lianyang2_secretary), f"{API}/meetings", _payload(party))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["quorum"] == {"electorate": 7, "present": 6, "needed": 4, "election_needed": 6, "met": True,
                              "election_met": True}
    absent = [a for a in body["attendances"] if not a["present"]]
    assert [(a["name"], a["absence_reason"]) for a in absent] == [("赵一", "出差")]
    assert any(a["role"] == "guest" and a["person"] is None for a in body["attendances"])


@pytest.mark.parametrize(("change", "field"), [
    ({"held_on": "2099-01-01"}, "held_on"),
    ({"absent": [{"person": 0, "reason": ""}]}, "absent"),
])
def test_bad_input_is_422_naming_the_field_and_nothing_saved(party, login, lianyang2_secretary, change, field):
    payload = _payload(party, **change)
    if field == "absent":
        payload["absent"] = [{"person": party.everyone[0].pk, "reason": " "}]
    response = post(login(lianyang2_secretary), f"{API}/meetings", payload)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not Meeting.objects.exists()


def test_a_non_member_present_not_as_guest_is_422(party, login, lianyang2_secretary, ly2_resident):
    payload = _payload(party, present=[*[p.pk for p in party.everyone[1:]], ly2_resident.pk])
    response = post(login(lianyang2_secretary), f"{API}/meetings", payload)
    assert response.status_code == 422
    assert "add them as a guest" in response.json()["errors"]["present"][0]


def test_an_unknown_person_id_is_422_not_a_leak(party, login, lianyang2_secretary, ph1_resident):
    payload = _payload(party, guests=[{"person": ph1_resident.pk}])
    response = post(login(lianyang2_secretary), f"{API}/meetings", payload)
    assert response.status_code == 422
    assert "李四" not in response.content.decode()


def test_review_by_the_upper_organization_403_for_the_branch_and_409_twice(
        party, login, lianyang2_secretary, lianyang_staff):
    meeting = hold(party.ly2, minutes="记录")
    branch = login(lianyang2_secretary)
    assert post(branch, f"{API}/meetings/{meeting.pk}/submit").json()["state"] == "submitted"
    assert post(branch, f"{API}/meetings/{meeting.pk}/accept").status_code == 403

    reviewer = login(lianyang_staff)
    assert post(reviewer, f"{API}/meetings/{meeting.pk}/return", {"comment": "缺签到表"}).json()["state"] == "returned"
    conflict = post(reviewer, f"{API}/meetings/{meeting.pk}/accept")
    assert conflict.status_code == 409
    assert "now: Returned" in conflict.json()["detail"]


def test_a_decision_without_quorum_is_422(party, login, lianyang2_secretary):
    meeting = hold(party.ly2, absent={p: "出差" for p in party.full[:4]})
    response = post(login(lianyang2_secretary), f"{API}/meetings/{meeting.pk}/decisions",
                    {"text": "决议", "votes_for": 3})
    assert response.status_code == 422 and "kind" in response.json()["errors"]


def test_expected_attendees_for_a_committee_meeting(party, login, lianyang2_secretary):
    body = login(lianyang2_secretary).get(f"{API}/organizations/{party.ly2.pk}/expected?kind=committee").json()
    assert [e["person"]["name"] for e in body] == [p.name for p in sorted(
        party.committee, key=lambda p: p.name_pinyin)]


def test_the_board(party, login, huamu_staff, tree):
    hold(party.ly2, "committee", datetime.date(2026, 1, 8))
    body = login(huamu_staff).get(f"{API}/board?area={tree.huamu.code}&year=2026", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["area"]["code"] == tree.huamu.code and body["total"]["branches"] == 2
    assert (body["page"], body["pages"]) == (1, 1)
    ly2 = next(b for b in body["branches"] if b["branch"]["id"] == party.ly2.pk)
    committee = next(r for r in ly2["requirements"] if r["kind"] == "committee")
    assert committee["periods"][0] == {"label": "Month 1", "held": 1, "needed": 1, "status": "met"}
    assert ly2["talks"] == {"covered": 0, "members": 8}
    assert body["total"]["talk_members"] == 10


def test_the_board_of_an_area_out_of_scope_is_422(party, login, lianyang2_secretary, tree):
    response = login(lianyang2_secretary).get(f"{API}/board?area={tree.peihua1.code}")
    assert response.status_code == 422


def test_the_party_endpoints_are_in_the_openapi_schema(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/party/meetings", "/api/v1/party/meetings/{meeting_id}",
                 "/api/v1/party/meetings/{meeting_id}/accept", "/api/v1/party/board",
                 "/api/v1/party/organizations/{party_organization_id}/expected"):
        assert path in paths


def test_attaching_a_file_checks_its_type(party, login, lianyang2_secretary, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    meeting = hold(party.ly2)
    client = login(lianyang2_secretary)
    url = f"{API}/meetings/{meeting.pk}/attachments"
    ok = client.post(url, {"file": SimpleUploadedFile("签到表.png", b"\x89PNG\r\n\x1a\n...")})
    assert ok.status_code == 201 and ok.json()["name"] == "签到表.png"
    refused = client.post(url, {"file": SimpleUploadedFile("x.png", b"GIF89a")}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422 and "file" in refused.json()["errors"]


def patch(client: Client, url: str, data: dict):
    return client.patch(url, json.dumps(data), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def test_a_returned_record_is_put_right_through_the_api_and_submitted_again(
        party, login, lianyang2_secretary, lianyang_staff):
    meeting = hold(party.ly2, minutes="记录")
    branch = login(lianyang2_secretary)
    post(branch, f"{API}/meetings/{meeting.pk}/submit")
    post(login(lianyang_staff), f"{API}/meetings/{meeting.pk}/return", {"comment": "赵一缺席,请补记原因"})
    branch = login(lianyang2_secretary)
    refused = patch(branch, f"{API}/meetings/{meeting.pk}", {
        "present": [p.pk for p in party.everyone[1:]], "absent": [{"person": party.everyone[0].pk, "reason": ""}]})
    assert refused.status_code == 422 and "absent" in refused.json()["errors"]
    assert Meeting.objects.get(pk=meeting.pk).attendances.filter(present=False).count() == 0  # nothing half-saved
    fixed = patch(branch, f"{API}/meetings/{meeting.pk}", {
        "minutes": "记录(已补签到表)", "present": [p.pk for p in party.everyone[1:]],
        "absent": [{"person": party.everyone[0].pk, "reason": "出差"}]})
    assert fixed.status_code == 200, fixed.json()
    body = fixed.json()
    assert body["minutes"] == "记录(已补签到表)" and body["quorum"]["present"] == 6
    assert [(a["name"], a["absence_reason"]) for a in body["attendances"] if not a["present"]] == [("赵一", "出差")]
    assert AuditEvent.objects.filter(action="party.meeting_updated", target_id=str(meeting.pk)).exists()
    assert post(branch, f"{API}/meetings/{meeting.pk}/submit").json()["state"] == "submitted"
    conflict = patch(branch, f"{API}/meetings/{meeting.pk}", {"topic": "改"})
    assert conflict.status_code == 409
    assert patch(Client(), f"{API}/meetings/{meeting.pk}", {"topic": "x"}).status_code == 401


def test_changing_a_meeting_out_of_scope_is_404_and_a_future_date_422(party, login, lianyang2_secretary,
                                                                      peihua1_secretary):
    meeting = hold(party.ly2)
    assert patch(login(peihua1_secretary), f"{API}/meetings/{meeting.pk}", {"topic": "x"}).status_code == 404
    future = patch(login(lianyang2_secretary), f"{API}/meetings/{meeting.pk}", {"held_on": "2099-01-01"})
    assert future.status_code == 422 and "held_on" in future.json()["errors"]
    assert Meeting.objects.get(pk=meeting.pk).held_on == datetime.date(2026, 3, 10)


def test_leaving_a_branch_out_of_the_board_through_the_api(party, login, lianyang_staff, lianyang2_secretary):
    url = f"{API}/organizations/{party.ly2.pk}/board-exclusion"
    reviewer = login(lianyang_staff)
    assert client_put(reviewer, url, {"reason": " "}).status_code == 422
    excluded = client_put(reviewer, url, {"reason": "新成立"})
    assert excluded.status_code == 200 and excluded.json()["reason"] == "新成立"
    assert BoardExclusion.objects.filter(party_organization=party.ly2).exists()
    assert login(lianyang2_secretary).delete(url).status_code == 403  # the branch does not judge itself
    assert login(lianyang_staff).delete(url).status_code == 204
    assert not BoardExclusion.objects.exists()
    assert client_put(login(lianyang_staff), f"{API}/organizations/{party.ph1.pk}/board-exclusion",
                      {"reason": "x"}).status_code == 404


def client_put(client: Client, url: str, data: dict):
    return client.put(url, json.dumps(data), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
