"""/api/v1/needs: scope (404), authentication (401), the lifecycle over HTTP, claims (409), masking."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.needs import actions
from linli.needs.models import Claim, Need
from linli.needs.tests.factories import make_need

pytestmark = pytest.mark.django_db

API = "/api/v1/needs"
S = Need.State


def post(client: Client, url: str, data: dict | None = None):
    return client.post(url, json.dumps(data or {}), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


# Scope and authentication ----------------------------------------------------------------

def test_unauthenticated_calls_are_401(tree):
    need = make_need(tree.lianyang2)
    client = Client()
    assert client.get(API).status_code == 401
    assert client.get(f"{API}/{need.pk}").status_code == 401
    assert post(client, f"{API}/{need.pk}/claim").status_code == 401
    assert not Claim.objects.exists()


def test_the_list_holds_only_needs_in_scope(tree, login, lianyang2_secretary):
    ours = make_need(tree.lianyang2, S.SUBMITTED)
    make_need(tree.peihua1, S.SUBMITTED)

    body = login(lianyang2_secretary).get(API).json()

    assert body["count"] == 1
    assert [n["id"] for n in body["items"]] == [ours.pk]


def test_an_out_of_scope_need_is_404_for_reading_and_for_every_step(tree, login, lianyang2_secretary):
    theirs = make_need(tree.peihua1, S.SUBMITTED)
    client = login(lianyang2_secretary)

    response = client.get(f"{API}/{theirs.pk}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert post(client, f"{API}/{theirs.pk}/approve").status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == S.SUBMITTED


def test_a_step_without_permission_is_403(tree, login, lianyang2_staff):
    need = make_need(tree.lianyang2, S.SUBMITTED)
    assert post(login(lianyang2_staff), f"{API}/{need.pk}/approve").status_code == 403


# The lifecycle over HTTP ---------------------------------------------------------------

def test_create_submit_approve_publish_claim_fulfil_close(tree, login, lianyang2_secretary, beicai_claimant):
    staff = login(lianyang2_secretary)
    created = post(staff, API, {
        "kind": "wish", "title": "一个书包", "category": "study", "value_band": "100-300",
        "neighborhood": tree.lianyang2.code,
        "wish": {"child_name": "刘小鹏", "public_name": "小鹏", "birth_date": "2015-02-03",
                 "guardian_name": "刘强", "guardian_phone": "13912345678"},
    })
    assert created.status_code == 201, created.json()
    need_id = created.json()["id"]
    assert created.json()["state"] == "draft"
    assert created.json()["beneficiary"]["guardian_phone"] == "139****5678"

    assert post(staff, f"{API}/{need_id}/submit").json()["state"] == "submitted"
    assert post(staff, f"{API}/{need_id}/approve").json()["state"] == "approved"
    refused = post(staff, f"{API}/{need_id}/publish", {"scope": "city"})
    assert refused.status_code == 422
    assert "consent" in refused.json()["detail"]
    consent = staff.put(f"{API}/{need_id}/wish", json.dumps({"guardian_consent": True}),
                        content_type="application/json")
    assert consent.json()["beneficiary"]["guardian_consent"] is True
    published = post(staff, f"{API}/{need_id}/publish", {"scope": "city"}).json()
    assert (published["state"], published["publication_scope"]) == ("published", "city")

    claimed = post(login(beicai_claimant), f"{API}/{need_id}/claim")
    assert claimed.status_code == 201
    assert claimed.json()["cross_region"] is True

    staff = login(lianyang2_secretary)
    today = timezone.localdate().isoformat()
    assert post(staff, f"{API}/{need_id}/fulfil", {"fulfilled_on": today, "event": "梦想见面会"}).json()[
        "state"] == "fulfilled"
    closed = post(staff, f"{API}/{need_id}/close").json()
    assert closed["state"] == "closed"
    assert closed["allowed_steps"] == []
    assert AuditEvent.objects.filter(action__startswith="needs.", target_id=str(need_id)).count() == 9


def test_a_step_from_the_wrong_state_is_409_naming_the_state(tree, login, lianyang2_secretary):
    need = make_need(tree.lianyang2, S.DRAFT)
    response = post(login(lianyang2_secretary), f"{API}/{need.pk}/approve")
    assert response.status_code == 409
    assert response.json() == {"detail": "Only a submitted need can be approved (this need is now: Draft)."}


def test_reject_without_a_reason_names_the_field(tree, login, lianyang2_secretary):
    need = make_need(tree.lianyang2, S.SUBMITTED)
    response = post(login(lianyang2_secretary), f"{API}/{need.pk}/reject", {"reason": ""})
    assert response.status_code == 422
    assert "reason" in response.json()["errors"]


def test_creating_in_an_out_of_scope_neighborhood_is_refused(tree, login, lianyang2_secretary):
    response = post(login(lianyang2_secretary), API, {"kind": "service", "title": "修门锁",
                                                      "neighborhood": tree.peihua1.code})
    assert response.status_code == 422
    assert "neighborhood" in response.json()["errors"]
    assert not Need.objects.exists()


# Claims ----------------------------------------------------------------------------------

def test_the_second_claim_is_409_already_claimed(tree, login, ly2_claimant, ph1_claimant):
    need = make_need(tree.lianyang2, scope=Need.Scope.SUBDISTRICT)
    assert post(login(ly2_claimant), f"{API}/{need.pk}/claim").status_code == 201

    response = post(login(ph1_claimant), f"{API}/{need.pk}/claim")

    assert response.status_code == 409
    assert response.json() == {"detail": "This need has already been claimed."}
    assert Claim.objects.filter(need=need).count() == 1
    # but the claimed need's details stay closed to them
    assert login(ph1_claimant).get(f"{API}/{need.pk}").status_code == 404


def test_claiming_a_need_not_published_for_you(tree, login, beicai_claimant):
    client = login(beicai_claimant)
    project = make_need(tree.lianyang2, kind=Need.Kind.PROJECT, scope=Need.Scope.SUBDISTRICT)
    assert post(client, f"{API}/{project.pk}/claim").status_code == 404  # never shown to them
    wish = make_need(tree.lianyang2, scope=Need.Scope.SUBDISTRICT)
    refused = post(client, f"{API}/{wish.pk}/claim")  # on the public wall, so they hear why
    assert refused.status_code == 403
    assert "cannot be claimed from where you are" in refused.json()["detail"]
    draft = make_need(tree.lianyang2, S.APPROVED)
    assert post(client, f"{API}/{draft.pk}/claim").status_code == 404
    assert not Claim.objects.exists()


def test_open_needs_and_my_claims(tree, login, ly2_claimant):
    city = make_need(tree.lianyang2, scope=Need.Scope.CITY)
    make_need(tree.peihua1, scope=Need.Scope.NEIGHBORHOOD)
    client = login(ly2_claimant)

    assert [n["id"] for n in client.get(f"{API}/open").json()["items"]] == [city.pk]
    claim_id = post(client, f"{API}/{city.pk}/claim").json()["id"]
    mine = client.get(f"{API}/claims").json()
    assert [c["id"] for c in mine["items"]] == [claim_id]
    assert mine["items"][0]["need_title"] == city.title

    cancelled = post(client, f"{API}/claims/{claim_id}/cancel", {"reason": "时间冲突"})
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    city.refresh_from_db()
    assert city.state == S.PUBLISHED


def test_the_claimant_sees_the_child_but_not_the_guardian(tree, login, ly2_claimant):
    need = make_need(tree.lianyang2)
    client = login(ly2_claimant)
    assert client.get(f"{API}/{need.pk}").json()["beneficiary"] is None
    post(client, f"{API}/{need.pk}/claim")

    seen = client.get(f"{API}/{need.pk}").json()["beneficiary"]
    assert seen["child_name"] == "王小明"
    assert (seen["guardian_name"], seen["guardian_phone"]) == (None, None)


# The public wall ----------------------------------------------------------------------------

def test_the_wall_needs_no_login_and_shows_no_private_detail(tree):
    make_need(tree.lianyang2, title="一套乐高")
    make_need(tree.lianyang2, S.APPROVED)

    response = Client().get(f"{API}/wall")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    wish = body["items"][0]
    assert (wish["title"], wish["public_name"], wish["community"]) == ("一套乐高", "小明", "联洋社区")
    assert isinstance(wish["age"], int)
    text = response.content.decode()
    for private in ("王小明", "花木实验小学", "三(2)班", "王大海", "1111"):
        assert private not in text


def test_the_api_schema_lists_the_needs_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/needs", "/api/v1/needs/wall", "/api/v1/needs/{need_id}", "/api/v1/needs/{need_id}/claim",
                 "/api/v1/needs/{need_id}/publish", "/api/v1/needs/claims/{claim_id}/cancel",
                 "/api/v1/needs/figures"):
        assert path in paths, path


@pytest.mark.parametrize("url", ["", "/open", "/wall", "/claims"])
def test_lists_take_the_same_number_of_queries_for_one_row_or_many(tree, login, ly2_claimant, lianyang2_secretary,
                                                                    url):
    def count() -> int:
        client = login(lianyang2_secretary if url == "" else ly2_claimant)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{API}{url}").status_code == 200
        return len(ctx.captured_queries)

    def add() -> None:
        need = make_need(tree.lianyang2, organization=None)
        if url == "/claims":
            actions.claim_need(actor=ly2_claimant, need=need)

    add()
    one = count()
    for _ in range(4):
        add()
    assert count() == one


def test_figures_are_scoped(tree, login, lianyang2_secretary, huamu_staff, ly2_claimant):
    actions.claim_need(actor=ly2_claimant, need=make_need(tree.lianyang2))
    make_need(tree.peihua1)

    assert login(huamu_staff).get(f"{API}/figures").json()["published"] == 2
    mine = login(lianyang2_secretary).get(f"{API}/figures").json()
    assert (mine["published"], mine["claimed"], mine["claiming_individuals"]) == (1, 1, 1)
    assert Client().get(f"{API}/figures").status_code == 401
