"""No hours are credited for a day the volunteer's consent does not cover, by any path: staff entries,
corrections, check-out (page and API), duty attendance (page and API)."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from linli.volunteers import actions, queries
from linli.volunteers.models import DutyAssignment, ServiceRecord, SignUp
from linli.volunteers.tests.conftest import make_volunteer

pytestmark = pytest.mark.django_db

API = "/api/v1/volunteers"


def _messages(error: pytest.ExceptionInfo[ValidationError], field: str) -> str:
    return " ".join(error.value.message_dict[field])


def test_staff_cannot_enter_hours_for_a_day_before_the_consent(tree, lianyang2_secretary):
    volunteer = make_volunteer(tree.lianyang2, "迟")  # consented 400 days ago
    with pytest.raises(ValidationError) as error:
        actions.record_hours(actor=lianyang2_secretary, volunteer=volunteer, hours="1", reason="纸质签到表",
                             served_on=timezone.localdate() - datetime.timedelta(days=500))
    assert "consented to volunteering on" in _messages(error, "served_on")
    assert not ServiceRecord.objects.exists()


def test_staff_cannot_enter_hours_after_the_consent_was_withdrawn_but_may_for_days_before(
        ly2_volunteer, lianyang2_secretary, login):
    actions.withdraw_consent(actor=lianyang2_secretary, volunteer=ly2_volunteer)
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        actions.record_hours(actor=lianyang2_secretary, volunteer=ly2_volunteer, hours="1", reason="纸质签到表",
                             served_on=today)
    assert "withdrew their consent" in _messages(error, "served_on")
    # The API says the same (422 naming the field) and saves nothing.
    response = login(lianyang2_secretary).post(
        f"{API}/volunteers/{ly2_volunteer.pk}/hours", json.dumps({"hours": "1", "served_on": str(today),
                                                                  "reason": "纸质签到表"}),
        content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422 and "withdrew their consent" in response.content.decode()
    assert not ServiceRecord.objects.exists()
    # Hours served while the consent held may still be entered from the paper sheet.
    actions.record_hours(actor=lianyang2_secretary, volunteer=ly2_volunteer, hours="1", reason="纸质签到表",
                         served_on=today - datetime.timedelta(days=3))
    assert ServiceRecord.objects.count() == 1


def test_a_check_out_after_the_consent_was_withdrawn_credits_nothing(activity, ly2_volunteer_user, ly2_volunteer,
                                                                    login):
    token = actions.check_in_token(activity)
    actions.check_in(actor=ly2_volunteer_user, activity=activity, token=token)
    actions.withdraw_consent(actor=ly2_volunteer_user, volunteer=ly2_volunteer)
    response = login(ly2_volunteer_user).post(
        f"{API}/activities/{activity.pk}/check-out", json.dumps({"token": token}),
        content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422 and "withdrew their consent" in response.content.decode()
    assert not ServiceRecord.objects.exists()
    assert SignUp.objects.get(activity=activity).checked_out_at is None  # nothing half-saved


def test_duty_attendance_of_a_volunteer_who_withdrew_credits_nothing(tree, ly2_team, lianyang2_secretary, login):
    post = actions.create_post(actor=None, name="联洋二3号垃圾投放点", area=tree.lianyang2, team=ly2_team)
    now = timezone.localtime()
    shift = actions.create_shift(actor=None, post=post, day=now.date(), starts_at=datetime.time(0, 0),
                                 ends_at=datetime.time(0, 30))
    volunteer = make_volunteer(tree.lianyang2, "退出者")
    assignment = actions.assign_duty(actor=lianyang2_secretary, shift=shift, volunteer=volunteer)
    actions.withdraw_consent(actor=lianyang2_secretary, volunteer=volunteer)
    with pytest.raises(ValidationError) as error:
        actions.record_duty_attendance(actor=lianyang2_secretary, assignment=assignment)
    assert "withdrew their consent" in _messages(error, "assignment")
    client = login(lianyang2_secretary)
    response = client.post(f"{API}/rosters/assignments/{assignment.pk}/attended", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    client.post(reverse("volunteers:duty_attended", args=[assignment.pk]))
    assert not ServiceRecord.objects.exists()
    assert not DutyAssignment.objects.get(pk=assignment.pk).attended


# Consent periods: a volunteer who withdrew and registered again ---------------------------------

def _withdrew_and_came_back(monkeypatch, volunteer, actor):
    """`volunteer` (consent given 400 days ago) withdrew 200 days ago and registered again 100 days ago.
    The withdrawal is recorded through the action with the clock set back to that day."""
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now - datetime.timedelta(days=200))
    actions.withdraw_consent(actor=actor, volunteer=volunteer)
    monkeypatch.setattr(timezone, "now", lambda: now)
    actions.register_volunteer(actor=actor, person=volunteer.person, consent_by="孙志愿",
                               consent_at=now - datetime.timedelta(days=100), consent_method="signed_form")
    today = timezone.localdate()
    return today - datetime.timedelta(days=300), today - datetime.timedelta(days=150)  # first period, gap


def test_re_registration_opens_a_new_period_and_keeps_the_first(monkeypatch, ly2_volunteer, lianyang2_secretary):
    _withdrew_and_came_back(monkeypatch, ly2_volunteer, lianyang2_secretary)
    first, second = ly2_volunteer.consents.order_by("given_at")
    assert first.withdrawn_at is not None and first.withdrawn_by == lianyang2_secretary
    assert second.withdrawn_at is None and second.given_by == "孙志愿"
    assert timezone.localdate() - first.given_on == datetime.timedelta(days=400)  # not overwritten
    # Withdrawing again closes the open period only.
    actions.withdraw_consent(actor=lianyang2_secretary, volunteer=ly2_volunteer)
    assert ly2_volunteer.consents.filter(withdrawn_at__isnull=True).count() == 0
    assert ly2_volunteer.consents.get(pk=first.pk).withdrawn_at == first.withdrawn_at


def test_hours_of_the_first_period_stay_clean_on_the_anomaly_page(monkeypatch, ly2_volunteer, lianyang2_secretary,
                                                                  login):
    first_period, gap = _withdrew_and_came_back(monkeypatch, ly2_volunteer, lianyang2_secretary)
    # Entered while the first consent held (from the paper sheet), and one written into the gap by an import
    # that bypassed the checks: only the latter is flagged.
    actions._append(volunteer=ly2_volunteer, hours=Decimal("2"), served_on=first_period,
                    source=ServiceRecord.Source.STAFF, reason="纸质签到表", recorded_by=lianyang2_secretary)
    actions._append(volunteer=ly2_volunteer, hours=Decimal("1"), served_on=gap,
                    source=ServiceRecord.Source.STAFF, reason="旧系统导入", recorded_by=lianyang2_secretary)
    found = [(a.kind, a.day) for a in queries.anomalies(lianyang2_secretary)]
    assert found == [("no_consent", gap)]
    client = login(lianyang2_secretary)
    for day, flagged in ((first_period, False), (gap, True)):
        page = client.get(reverse("volunteers:ledger"), {"year": day.year}).content.decode()
        table = page.split('data-testid="anomalies-table"')[1].split("</table>")[0]
        assert (f"<td data-label=\"Day\">{day:%Y-%m-%d}</td>" in table) is flagged, day


def test_staff_enter_hours_for_a_day_of_the_first_period_not_for_one_in_the_gap(monkeypatch, ly2_volunteer,
                                                                               lianyang2_secretary, login):
    first_period, gap = _withdrew_and_came_back(monkeypatch, ly2_volunteer, lianyang2_secretary)
    wrong = actions.record_hours(actor=lianyang2_secretary, volunteer=ly2_volunteer, hours="2", reason="纸质签到表",
                                 served_on=first_period)
    # ... and correct it (a reversal and the right hours, for that day).
    actions.correct_record(actor=lianyang2_secretary, record=wrong, hours="3", reason="签到表上是3小时")
    with pytest.raises(ValidationError) as error:
        actions.record_hours(actor=lianyang2_secretary, volunteer=ly2_volunteer, hours="1", reason="纸质签到表",
                             served_on=gap)
    assert "withdrew their consent on" in _messages(error, "served_on")
    # The page says so on the form and saves nothing; the API answers 422.
    client = login(lianyang2_secretary)
    response = client.post(reverse("volunteers:record_hours", args=[ly2_volunteer.pk]),
                           {"hours": "1", "served_on": str(gap), "reason": "纸质签到表"})
    assert "withdrew their consent on" in response.content.decode()
    response = client.post(f"{API}/volunteers/{ly2_volunteer.pk}/hours",
                           json.dumps({"hours": "1", "served_on": str(gap), "reason": "纸质签到表"}),
                           content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert set(ServiceRecord.objects.values_list("served_on", flat=True)) == {first_period}
    assert sum(ServiceRecord.objects.values_list("hours", flat=True)) == 3
    # Today, in the second period, is fine too.
    actions.record_hours(actor=lianyang2_secretary, volunteer=ly2_volunteer, hours="1", reason="纸质签到表",
                         served_on=timezone.localdate())


def test_the_volunteer_page_and_the_api_show_the_consent_history(monkeypatch, ly2_volunteer, lianyang2_secretary,
                                                                 login):
    _withdrew_and_came_back(monkeypatch, ly2_volunteer, lianyang2_secretary)
    client = login(lianyang2_secretary)
    page = client.get(reverse("volunteers:volunteer_detail", args=[ly2_volunteer.pk])).content.decode()
    periods = page.split('data-testid="consent-periods"')[1].split("</ul>")[0]
    assert periods.count("<li>") == 2 and "withdrawn" in periods and "current" in periods
    assert 'data-testid="withdraw"' in page  # registered again: the withdrawal can be recorded again
    body = client.get(f"{API}/volunteers/{ly2_volunteer.pk}").json()
    assert body["active"] is True
    assert [c["withdrawn_at"] is None for c in body["consents"]] == [False, True]


def test_a_new_consent_cannot_be_backdated_into_the_gap(monkeypatch, ly2_volunteer, lianyang2_secretary):
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now - datetime.timedelta(days=200))
    actions.withdraw_consent(actor=lianyang2_secretary, volunteer=ly2_volunteer)
    monkeypatch.setattr(timezone, "now", lambda: now)
    with pytest.raises(ValidationError) as error:
        actions.register_volunteer(actor=lianyang2_secretary, person=ly2_volunteer.person, consent_by="孙志愿",
                                   consent_at=now - datetime.timedelta(days=300), consent_method="signed_form")
    assert "withdrew their consent on" in _messages(error, "consent_at")
    assert ly2_volunteer.consents.count() == 1


def test_a_volunteer_who_withdrew_registers_again_on_their_own_page(client, ly2_volunteer, ly2_volunteer_user):
    client.force_login(ly2_volunteer_user)
    client.post(reverse("volunteers:withdraw", args=[ly2_volunteer.pk]))
    page = client.get(reverse("volunteers:me")).content.decode()
    assert 'data-testid="self-register"' in page and 'data-testid="withdraw"' not in page
    client.post(reverse("volunteers:me"))
    periods = list(ly2_volunteer.consents.order_by("given_at"))
    assert [c.withdrawn_at is None for c in periods] == [False, True]
    assert periods[1].registration == "self" and periods[1].method == "online"
    page = client.get(reverse("volunteers:me")).content.decode()
    assert 'data-testid="self-register"' not in page and 'data-testid="withdraw"' in page
