"""/api/v1/volunteers: authentication (401), scope (404), refusals (422 naming the field), the OpenAPI schema."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from linli.volunteers import actions
from linli.volunteers.models import ServiceRecord, SignUp, Volunteer
from linli.volunteers.tests.conftest import make_activity, make_volunteer

pytestmark = pytest.mark.django_db

API = "/api/v1/volunteers"


def post(client: Client, url: str, data: dict | None = None):
    return client.post(url, json.dumps(data or {}), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def test_unauthenticated_calls_are_401(activity):
    client = Client()
    assert client.get(f"{API}/volunteers").status_code == 401
    assert post(client, f"{API}/activities/{activity.pk}/check-in", {"token": "x"}).status_code == 401


def test_lists_hold_only_records_in_scope(login, lianyang2_secretary, tree, ly2_volunteer, activity):
    make_volunteer(tree.peihua1, "培花人")
    make_activity(tree.peihua1, title="培花活动")
    client = login(lianyang2_secretary)
    body = client.get(f"{API}/volunteers").json()
    assert [v["person"]["name"] for v in body["items"]] == ["孙志愿"]
    assert "phone" not in json.dumps(body)
    assert [a["title"] for a in client.get(f"{API}/activities").json()["items"]] == ["红色文化参观"]


def test_out_of_scope_is_404(login, peihua1_secretary, ly2_volunteer, activity):
    client = login(peihua1_secretary)
    assert client.get(f"{API}/volunteers/{ly2_volunteer.pk}").status_code == 404
    assert client.get(f"{API}/activities/{activity.pk}").status_code == 404
    assert post(client, f"{API}/volunteers/{ly2_volunteer.pk}/hours",
                {"hours": "2", "served_on": "2026-01-05", "reason": "x"}).status_code == 404


def test_registering_without_consent_is_422_naming_the_field(login, lianyang2_secretary, ly2_resident):
    response = post(login(lianyang2_secretary), f"{API}/volunteers", {"person": ly2_resident.pk})
    assert response.status_code == 422
    assert "consent_by" in response.json()["errors"]
    assert not Volunteer.objects.exists()
    response = post(login(lianyang2_secretary), f"{API}/volunteers", {
        "person": ly2_resident.pk, "consent_by": "张三", "consent_method": "signed_form",
        "consent_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat()})
    assert response.status_code == 201 and response.json()["total_hours"] == "0.00"


def test_absurd_hours_are_422_and_a_correction_reverses(login, lianyang2_secretary, ly2_volunteer):
    client = login(lianyang2_secretary)
    url = f"{API}/volunteers/{ly2_volunteer.pk}/hours"
    for hours in ("-1", "48"):
        response = post(client, url, {"hours": hours, "served_on": "2026-01-05", "reason": "签到表"})
        assert response.status_code == 422 and "hours" in response.json()["errors"]
    assert not ServiceRecord.objects.exists()
    created = post(client, url, {"hours": "4", "served_on": "2026-01-05", "reason": "签到表"})
    assert created.status_code == 201 and created.json()["source"] == "staff"
    fixed = post(client, f"{API}/hours/{created.json()['id']}/reverse", {"reason": "抄错", "hours": "3"})
    assert fixed.status_code == 201 and [r["hours"] for r in fixed.json()] == ["-4.00", "3.00"]
    assert client.get(f"{API}/volunteers/{ly2_volunteer.pk}").json()["total_hours"] == "3.00"


def test_a_volunteer_signs_up_and_checks_in_with_the_qr_token(client, tree, activity, ly2_volunteer_user):
    client.force_login(ly2_volunteer_user)
    assert [a["id"] for a in client.get(f"{API}/activities").json()["items"]] == [activity.pk]
    assert post(client, f"{API}/activities/{activity.pk}/signups").status_code == 201
    other = make_activity(tree.lianyang2, title="别的")
    wrong = post(client, f"{API}/activities/{activity.pk}/check-in", {"token": actions.check_in_token(other)})
    assert wrong.status_code == 422 and "another activity" in wrong.json()["detail"]
    early_out = post(client, f"{API}/activities/{activity.pk}/check-out", {"token": actions.check_in_token(activity)})
    assert early_out.status_code == 422 and "has not checked in" in early_out.json()["detail"]
    ok = post(client, f"{API}/activities/{activity.pk}/check-in", {"token": actions.check_in_token(activity)})
    assert ok.status_code == 200 and ok.json()["checked_in_at"] is not None


def test_staff_sign_up_on_behalf_needs_consent(login, lianyang2_secretary, activity, ly2_volunteer):
    client = login(lianyang2_secretary)
    url = f"{API}/activities/{activity.pk}/signups"
    refused = post(client, url, {"volunteer": ly2_volunteer.pk})
    assert refused.status_code == 422 and "consent_by" in refused.json()["errors"]
    assert post(client, url, {"volunteer": ly2_volunteer.pk, "consent_by": "孙志愿",
                              "consent_method": "in_person"}).status_code == 201
    assert SignUp.objects.get().by_staff


def test_rosters_gaps_and_the_yearly_rollup(login, lianyang2_secretary, tree, ly2_team, ly2_volunteer):
    post_ = actions.create_post(actor=None, name="3号点", area=tree.lianyang2, people_needed=2)
    shift = actions.create_shift(actor=None, post=post_, day=timezone.localdate() + datetime.timedelta(days=1),
                                 starts_at=datetime.time(7), ends_at=datetime.time(9))
    client = login(lianyang2_secretary)
    url = f"{API}/rosters/shifts/{shift.pk}/assignments"
    assert post(client, url, {"volunteer": ly2_volunteer.pk}).status_code == 201
    shifts = client.get(f"{API}/rosters/shifts", {"gaps": "true"}).json()
    assert [(s["id"], s["assigned"], s["gap"]) for s in shifts] == [(shift.pk, 1, True)]
    actions.record_hours(actor=lianyang2_secretary, volunteer=ly2_volunteer, hours="2",
                         served_on=timezone.localdate(), reason="x")
    rollup = client.get(f"{API}/hours/neighborhoods").json()
    assert rollup == [{"area": {"code": tree.lianyang2.code, "name": "联洋二"}, "hours": "2.00"}]


def test_the_area_calendar_in_the_api(login, lianyang2_secretary, tree, activity):
    client = login(lianyang2_secretary)
    response = client.get(f"{API}/areas/{tree.lianyang2.code}/calendar.ics")
    assert response.status_code == 200 and b"BEGIN:VCALENDAR" in response.content
    assert client.get(f"{API}/areas/{tree.peihua1.code}/calendar.ics").status_code == 422


def test_the_endpoints_are_in_the_openapi_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/volunteers/volunteers", "/api/v1/volunteers/activities/{activity_id}/check-in",
                 "/api/v1/volunteers/volunteers/{volunteer_id}/hours", "/api/v1/volunteers/rosters/swap",
                 "/api/v1/volunteers/teams", "/api/v1/volunteers/areas/{code}/calendar.ics",
                 "/api/v1/volunteers/volunteers/me", "/api/v1/volunteers/volunteers/me/activities",
                 "/api/v1/volunteers/volunteers/{volunteer_id}/certificates", "/api/v1/volunteers/rosters/posts",
                 "/api/v1/volunteers/rosters/posts/{post_id}/shifts",
                 "/api/v1/volunteers/teams/{team_id}/members",
                 "/api/v1/volunteers/teams/{team_id}/members/{membership_id}"):
        assert path in paths, path
    methods = {("post", "/api/v1/volunteers/teams"), ("patch", "/api/v1/volunteers/teams/{team_id}"),
               ("get", "/api/v1/volunteers/teams/{team_id}/members"),
               ("post", "/api/v1/volunteers/teams/{team_id}/members"),
               ("delete", "/api/v1/volunteers/teams/{team_id}/members/{membership_id}")}
    for method, path in methods:
        assert method in paths[path], (method, path)


def test_the_admin_shows_the_ledger_read_only(client, platform_admin, ly2_volunteer, lianyang2_secretary):
    record = actions.record_hours(actor=lianyang2_secretary, volunteer=ly2_volunteer, hours="2",
                                  served_on=timezone.localdate(), reason="签到表")
    platform_admin.is_superuser = True  # the demo's admin account is one
    platform_admin.save()
    client.force_login(platform_admin)
    assert client.get("/admin/volunteers/servicerecord/").status_code == 200
    assert client.get(f"/admin/volunteers/servicerecord/{record.pk}/delete/").status_code == 403
    assert ServiceRecord.objects.filter(pk=record.pk).exists()


def test_staff_add_a_post_and_its_shifts_and_out_of_scope_is_404_or_422(login, lianyang2_secretary,
                                                                        peihua1_secretary, tree, ly2_team):
    client = login(lianyang2_secretary)
    created = post(client, f"{API}/rosters/posts", {"name": "联洋二3号垃圾投放点", "area": tree.lianyang2.code,
                                                    "team": ly2_team.pk, "people_needed": 2})
    assert created.status_code == 201 and created.json()["team_id"] == ly2_team.pk
    post_id = created.json()["id"]
    assert [p["id"] for p in client.get(f"{API}/rosters/posts").json()["items"]] == [post_id]
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    shift = post(client, f"{API}/rosters/posts/{post_id}/shifts", {"day": tomorrow, "starts_at": "07:00",
                                                                   "ends_at": "09:00"})
    assert shift.status_code == 201 and shift.json()["people_needed"] == 2 and shift.json()["gap"]
    backwards = post(client, f"{API}/rosters/posts/{post_id}/shifts", {"day": tomorrow, "starts_at": "18:00",
                                                                       "ends_at": "17:00"})
    assert backwards.status_code == 422 and "ends_at" in backwards.json()["errors"]
    elsewhere = post(client, f"{API}/rosters/posts", {"name": "x", "area": tree.peihua1.code})
    assert elsewhere.status_code == 422 and "area" in elsewhere.json()["errors"]
    other = login(peihua1_secretary)
    assert other.get(f"{API}/rosters/posts").json()["items"] == []
    assert post(other, f"{API}/rosters/posts/{post_id}/shifts", {"day": tomorrow, "starts_at": "18:00",
                                                                 "ends_at": "20:00"}).status_code == 404


def test_my_volunteer_record_activities_and_certificate(client, tree, activity, ly2_volunteer_user, ly2_volunteer,
                                                        lianyang2_secretary):
    client.force_login(ly2_volunteer_user)
    me = client.get(f"{API}/volunteers/me").json()
    assert me["id"] == ly2_volunteer.pk and me["total_hours"] == "0.00"
    assert post(client, f"{API}/activities/{activity.pk}/signups").status_code == 201
    mine = client.get(f"{API}/volunteers/me/activities").json()["items"]
    assert [(m["activity"]["title"], m["state"]) for m in mine] == [("红色文化参观", "signed_up")]
    url = f"{API}/volunteers/{ly2_volunteer.pk}/certificates"
    today = timezone.localdate()
    empty = post(client, url, {"period_start": f"{today.year}-01-01", "period_end": today.isoformat()})
    assert empty.status_code == 422 and "period_start" in empty.json()["errors"]
    actions.record_hours(actor=lianyang2_secretary, volunteer=ly2_volunteer, hours="3", served_on=today,
                         reason="签到表")
    issued = post(client, url, {"period_start": f"{today.year}-01-01", "period_end": today.isoformat()})
    assert issued.status_code == 201 and issued.json()["hours"] == "3.00"
    assert client.get(issued.json()["pdf"])["Content-Type"] == "application/pdf"
    assert "3.00" in Client().get(issued.json()["verify"]).content.decode()
    assert [c["id"] for c in client.get(url).json()] == [issued.json()["id"]]


def test_my_record_is_404_for_an_account_not_registered(login, lianyang2_secretary, peihua1_secretary,
                                                        ly2_volunteer):
    assert login(lianyang2_secretary).get(f"{API}/volunteers/me").status_code == 404
    other = login(peihua1_secretary)
    assert other.get(f"{API}/volunteers/{ly2_volunteer.pk}/certificates").status_code == 404
    today = timezone.localdate().isoformat()
    assert post(other, f"{API}/volunteers/{ly2_volunteer.pk}/certificates",
                {"period_start": today, "period_end": today}).status_code == 404


def test_a_volunteer_taking_a_shift_twice_is_told_why_not_404(client, tree, ly2_volunteer_user):
    post_ = actions.create_post(actor=None, name="3号点", area=tree.lianyang2, people_needed=2)
    shift = actions.create_shift(actor=None, post=post_, day=timezone.localdate() + datetime.timedelta(days=1),
                                 starts_at=datetime.time(7), ends_at=datetime.time(9))
    client.force_login(ly2_volunteer_user)
    url = f"{API}/rosters/shifts/{shift.pk}/assignments"
    assert post(client, url).status_code == 201
    again = post(client, url)
    assert again.status_code == 422 and "already on this shift" in json.dumps(again.json())


def test_a_volunteer_lists_the_activities_open_to_them_by_kind(client, tree, ly2_volunteer_user):
    soon = timezone.now() + datetime.timedelta(days=2)
    make_activity(tree.lianyang2, start=soon, title="参观", kind="study_visit")
    make_activity(tree.lianyang2, start=soon, title="值守", kind="garbage_duty")
    client.force_login(ly2_volunteer_user)
    items = client.get(f"{API}/activities", {"kind": "garbage_duty"}).json()["items"]
    assert [a["title"] for a in items] == ["值守"]
