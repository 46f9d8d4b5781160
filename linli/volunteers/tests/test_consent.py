"""No hours are credited for a day the volunteer's consent does not cover, by any path: staff entries,
corrections, check-out (page and API), duty attendance (page and API)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from linli.volunteers import actions
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
