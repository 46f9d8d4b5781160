"""/api/v1/problems: authentication (401), scope (404), permission (403), state (409), bad input (422)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from linli.problems.models import Evidence, Problem
from linli.problems.tests.factories import fake_jpeg, make_problem, png_upload

pytestmark = pytest.mark.django_db

API = "/api/v1/problems"
S = Problem.State


def post(client: Client, url: str, data: dict | None = None):
    return client.post(url, json.dumps(data or {}), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def test_unauthenticated_calls_are_401(tree, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit)
    client = Client()
    assert client.get(API).status_code == 401
    assert client.get(f"{API}/{problem.pk}").status_code == 401
    assert post(client, f"{API}/{problem.pk}/start").status_code == 401


def test_the_list_and_detail_are_scoped(tree, login, lianyang2_secretary, resident_unit, ph1_unit):
    ours = make_problem(tree.lianyang2, resident_unit, deadline=timezone.localdate())
    theirs = make_problem(tree.peihua1, ph1_unit)
    client = login(lianyang2_secretary)
    body = client.get(API).json()
    assert body["count"] == 1 and body["items"][0]["id"] == ours.pk
    assert body["items"][0]["overdue"] is False and body["items"][0]["owner"]["name"] == "联洋物业"
    assert client.get(f"{API}/{theirs.pk}").status_code == 404
    assert post(client, f"{API}/{theirs.pk}/start").status_code == 404


def test_create_and_take_every_step(tree, login, lianyang2_secretary, resident_unit):
    client = login(lianyang2_secretary)
    deadline = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    created = post(client, API, {"title": "钢瓶超量存放", "source": "inspection", "area": tree.lianyang2.code,
                                 "owner": resident_unit.pk, "deadline": deadline})
    assert created.status_code == 201, created.json()
    pid = created.json()["id"]
    assert created.json()["allowed_steps"] == ["start", "rectify"]
    assert post(client, f"{API}/{pid}/start", {"measures": "清退多余钢瓶"}).json()["state"] == "rectifying"
    assert post(client, f"{API}/{pid}/rectify", {"note": "已清退"}).json()["state"] == "rectified"
    verified = post(client, f"{API}/{pid}/verify")
    assert verified.json()["state"] == "verified"
    assert [e["note"] for e in verified.json()["evidence"]] == ["已清退"]


def test_a_past_deadline_is_422_and_nothing_saved(tree, login, lianyang2_secretary, resident_unit):
    response = post(login(lianyang2_secretary), API, {
        "title": "x", "source": "other", "area": tree.lianyang2.code, "owner": resident_unit.pk,
        "deadline": "2020-01-01"})
    assert response.status_code == 422
    assert "deadline" in response.json()["errors"]
    assert not Problem.objects.exists()


def test_verifying_without_the_role_is_403_and_without_evidence_422(tree, login, lianyang2_staff,
                                                                      lianyang2_secretary, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit, S.RECTIFIED)
    assert post(login(lianyang2_staff), f"{API}/{problem.pk}/verify").status_code == 403
    response = post(login(lianyang2_secretary), f"{API}/{problem.pk}/verify")
    assert response.status_code == 422
    assert "only with evidence" in response.json()["detail"]
    assert Problem.objects.get(pk=problem.pk).state == S.RECTIFIED


def test_a_step_from_the_wrong_state_is_409(tree, login, lianyang2_secretary, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit, S.VERIFIED, evidence=True)
    response = post(login(lianyang2_secretary), f"{API}/{problem.pk}/start")
    assert response.status_code == 409
    assert "Verified (closed)" in response.json()["detail"]


def test_evidence_upload_checks_the_file(tree, login, org_liaison, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit, S.RECTIFYING)
    client = login(org_liaison)
    bad = client.post(f"{API}/{problem.pk}/evidence", {"note": "照片", "file": fake_jpeg()},
                      HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 422 and "file" in bad.json()["errors"]
    assert not Evidence.objects.exists()
    good = client.post(f"{API}/{problem.pk}/evidence", {"note": "照片", "file": png_upload()})
    assert good.status_code == 201 and good.json()["content_type"] == "image/png"


def test_the_board_over_the_api(tree, login, huamu_staff, resident_unit):
    make_problem(tree.lianyang2, resident_unit, S.VERIFIED, evidence=True)
    make_problem(tree.lianyang2, resident_unit)
    rows = login(huamu_staff).get(f"{API}/board", {"by": "organization"}).json()
    assert rows == [{"key": resident_unit.pk, "label": "联洋物业", "total": 2, "verified": 1,
                     "awaiting_verification": 0, "long_term": 0, "overdue": 0, "open": 1, "completion_rate": 50.0}]


def test_the_endpoints_are_in_the_openapi_schema(tree):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/problems", "/api/v1/problems/board", "/api/v1/problems/{problem_id}/verify",
                 "/api/v1/problems/{problem_id}/evidence"):
        assert path in paths, path
