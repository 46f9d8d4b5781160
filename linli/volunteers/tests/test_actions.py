"""Volunteers, teams, activities, sign-up and check-in: what each action does, and what it refuses
(with a message naming the field, and nothing half-saved)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from linli.core.documents import verification_token
from linli.core.models import AuditEvent, Person
from linli.core.tests.factories import PersonFactory
from linli.volunteers import actions
from linli.volunteers.models import ServiceRecord, SignUp, TeamMembership, Volunteer
from linli.volunteers.tests.conftest import make_activity, make_volunteer

pytestmark = pytest.mark.django_db


def _messages(error: pytest.ExceptionInfo[ValidationError], field: str) -> str:
    return " ".join(error.value.message_dict[field])


# Registration -------------------------------------------------------------------------

def test_a_person_registers_themself_and_that_is_their_consent(tree, ly2_resident, django_user_model):
    user = django_user_model.objects.create(username="zhang", person=ly2_resident)
    volunteer = actions.register_volunteer(actor=user, person=ly2_resident)
    assert volunteer.registration == Volunteer.Registration.SELF
    consent = volunteer.consents.get()
    assert consent.given_by == "张三" and consent.method == Volunteer.ConsentMethod.ONLINE
    assert consent.registration == Volunteer.Registration.SELF and consent.withdrawn_at is None
    assert Person.objects.get(pk=ly2_resident.pk).is_volunteer
    assert AuditEvent.objects.filter(action="volunteers.volunteer_registered", target_id=str(volunteer.pk)).exists()


def test_staff_registration_without_consent_is_refused_and_nothing_is_saved(ly2_resident, lianyang2_secretary):
    with pytest.raises(ValidationError) as error:
        actions.register_volunteer(actor=lianyang2_secretary, person=ly2_resident)
    assert "nobody is registered as a volunteer without consent" in _messages(error, "consent_by")
    assert set(error.value.message_dict) == {"consent_by", "consent_method", "consent_at"}
    assert not Volunteer.objects.exists()
    assert not Person.objects.get(pk=ly2_resident.pk).is_volunteer
    assert not AuditEvent.objects.filter(action__startswith="volunteers.").exists()


def test_staff_register_with_the_consent_recorded(ly2_resident, lianyang2_secretary):
    when = timezone.now() - datetime.timedelta(days=1)
    volunteer = actions.register_volunteer(actor=lianyang2_secretary, person=ly2_resident, consent_by="张三",
                                           consent_at=when, consent_method="signed_form")
    assert volunteer.registration == Volunteer.Registration.STAFF
    consent = volunteer.consents.get()
    assert volunteer.registered_by == lianyang2_secretary and consent.given_at == when
    assert consent.recorded_by == lianyang2_secretary and consent.given_by == "张三"
    event = AuditEvent.objects.get(action="volunteers.volunteer_registered")
    assert event.data["consent_by"] == "张三"


def test_consent_cannot_be_dated_in_the_future(ly2_resident, lianyang2_secretary):
    with pytest.raises(ValidationError) as error:
        actions.register_volunteer(actor=lianyang2_secretary, person=ly2_resident, consent_by="张三",
                                   consent_at=timezone.now() + datetime.timedelta(days=1), consent_method="in_person")
    assert "future" in _messages(error, "consent_at")


def test_staff_cannot_register_someone_out_of_scope(ph1_resident, lianyang2_secretary):
    with pytest.raises(PermissionDenied):
        actions.register_volunteer(actor=lianyang2_secretary, person=ph1_resident, consent_by="李四",
                                   consent_at=timezone.now(), consent_method="in_person")
    assert not Volunteer.objects.exists()


def test_registering_twice_is_refused(ly2_volunteer, lianyang2_secretary):
    with pytest.raises(ValidationError) as error:
        actions.register_volunteer(actor=lianyang2_secretary, person=ly2_volunteer.person, consent_by="x",
                                   consent_at=timezone.now(), consent_method="in_person")
    assert "already registered" in _messages(error, "person")


# Teams --------------------------------------------------------------------------------

def test_a_team_refuses_a_child_under_its_minimum_age(tree, ly2_team, lianyang2_secretary):
    child = make_volunteer(tree.lianyang2, "小明", birth_date=timezone.localdate() - datetime.timedelta(days=365 * 10))
    with pytest.raises(ValidationError) as error:
        actions.add_team_member(actor=lianyang2_secretary, team=ly2_team, volunteer=child)
    assert "takes volunteers from 14 years" in _messages(error, "volunteer")
    assert not TeamMembership.objects.exists()


def test_a_team_member_joins_once(ly2_team, ly2_volunteer, lianyang2_secretary):
    actions.add_team_member(actor=lianyang2_secretary, team=ly2_team, volunteer=ly2_volunteer)
    with pytest.raises(ValidationError):
        actions.add_team_member(actor=lianyang2_secretary, team=ly2_team, volunteer=ly2_volunteer)
    assert TeamMembership.objects.count() == 1


# Sign-up ------------------------------------------------------------------------------

def test_a_volunteer_signs_up_themself(activity, ly2_volunteer, ly2_volunteer_user):
    signup = actions.sign_up(actor=ly2_volunteer_user, activity=activity, volunteer=ly2_volunteer)
    assert not signup.by_staff and signup.consent_by == ""


def test_staff_sign_up_on_behalf_needs_recorded_consent(activity, ly2_volunteer, lianyang2_secretary):
    with pytest.raises(ValidationError) as error:
        actions.sign_up(actor=lianyang2_secretary, activity=activity, volunteer=ly2_volunteer)
    assert "only with their consent" in _messages(error, "consent_by")
    assert not SignUp.objects.exists()
    signup = actions.sign_up(actor=lianyang2_secretary, activity=activity, volunteer=ly2_volunteer,
                             consent_by="孙志愿(电话确认)", consent_method="in_person")
    assert signup.by_staff and signup.signed_up_by == lianyang2_secretary


def test_a_full_activity_refuses_the_next_sign_up(tree, lianyang2_secretary):
    activity = make_activity(tree.lianyang2, capacity=1)
    first, second = make_volunteer(tree.lianyang2, "甲"), make_volunteer(tree.lianyang2, "乙")
    for v in (first, second):
        try:
            actions.sign_up(actor=lianyang2_secretary, activity=activity, volunteer=v, consent_by=v.person.name,
                            consent_method="in_person")
        except ValidationError as error:
            assert "The activity is full (1 places)" in " ".join(error.message_dict["activity"])
    assert SignUp.objects.filter(activity=activity).count() == 1


def test_a_volunteer_cannot_sign_up_for_an_activity_that_ended(tree, ly2_volunteer, ly2_volunteer_user):
    past = make_activity(tree.lianyang2, start=timezone.now() - datetime.timedelta(days=2))
    with pytest.raises(ValidationError) as error:
        actions.sign_up(actor=ly2_volunteer_user, activity=past, volunteer=ly2_volunteer)
    assert "ended" in _messages(error, "activity")


# Check-in and check-out ---------------------------------------------------------------

def later(monkeypatch, minutes: int) -> None:
    """Move the clock on: the volunteer leaves `minutes` from now."""
    then = timezone.now() + datetime.timedelta(minutes=minutes)
    monkeypatch.setattr(timezone, "now", lambda: then)


def test_check_in_and_out_by_qr_credit_attendance_hours(activity, ly2_volunteer, ly2_volunteer_user, monkeypatch):
    token = actions.check_in_token(activity)
    signup = actions.check_in(actor=ly2_volunteer_user, activity=activity, token=token)
    assert signup.check_in_method == SignUp.Method.QR  # signed up on the way in: there was room
    later(monkeypatch, 90)
    signup, record = actions.check_out(actor=ly2_volunteer_user, activity=activity, token=token)
    assert record is not None and record.source == ServiceRecord.Source.ATTENDANCE
    # Stayed an hour and a half of the two-hour activity: credited the time spent.
    assert record.hours == Decimal("1.50") and record.activity == activity and record.recorded_by is None


def test_the_qr_code_of_another_activity_is_refused(tree, activity, ly2_volunteer_user):
    other = make_activity(tree.lianyang2, title="另一场活动")
    with pytest.raises(ValidationError) as error:
        actions.check_in(actor=ly2_volunteer_user, activity=activity, token=actions.check_in_token(other))
    assert "This QR code is for another activity" in _messages(error, "token")
    assert not SignUp.objects.exists()


def test_a_forged_or_foreign_token_is_refused(activity, ly2_volunteer_user):
    for token in ("garbage", verification_token("notice", activity.pk)):
        with pytest.raises(ValidationError) as error:
            actions.check_in(actor=ly2_volunteer_user, activity=activity, token=token)
        assert "not a check-in code" in _messages(error, "token")


def test_check_in_before_the_activity_starts_is_refused(tree, ly2_volunteer_user):
    later = make_activity(tree.lianyang2, start=timezone.now() + datetime.timedelta(hours=3))
    with pytest.raises(ValidationError) as error:
        actions.check_in(actor=ly2_volunteer_user, activity=later, token=actions.check_in_token(later))
    assert "has not started" in _messages(error, "activity")
    assert not SignUp.objects.exists()


def test_check_in_after_the_grace_period_is_refused_and_the_grace_is_a_setting(tree, ly2_volunteer_user, settings):
    ended = make_activity(tree.lianyang2, start=timezone.now() - datetime.timedelta(hours=3), hours=2)
    token = actions.check_in_token(ended)
    with pytest.raises(ValidationError) as error:
        actions.check_in(actor=ly2_volunteer_user, activity=ended, token=token)
    assert "more than 30 minutes ago" in _messages(error, "activity")
    settings.LINLI_CHECKIN_GRACE_MINUTES = 90
    actions.check_in(actor=ly2_volunteer_user, activity=ended, token=token)


def test_check_out_before_check_in_is_refused(activity, ly2_volunteer, ly2_volunteer_user):
    actions.sign_up(actor=ly2_volunteer_user, activity=activity, volunteer=ly2_volunteer)
    with pytest.raises(ValidationError) as error:
        actions.check_out(actor=ly2_volunteer_user, activity=activity, token=actions.check_in_token(activity))
    assert "has not checked in" in _messages(error, "volunteer")
    assert not ServiceRecord.objects.exists()


def test_staff_check_out_time_before_the_check_in_is_refused(activity, ly2_volunteer, lianyang2_secretary):
    actions.sign_up(actor=lianyang2_secretary, activity=activity, volunteer=ly2_volunteer, consent_by="孙志愿",
                    consent_method="in_person")
    came = timezone.now() - datetime.timedelta(minutes=5)
    actions.check_in(actor=lianyang2_secretary, activity=activity, volunteer=ly2_volunteer, at=came)
    with pytest.raises(ValidationError) as error:
        actions.check_out(actor=lianyang2_secretary, activity=activity, volunteer=ly2_volunteer,
                          at=came - datetime.timedelta(minutes=1))
    assert "cannot be before the check-in" in _messages(error, "at")
    assert SignUp.objects.get().checked_out_at is None and not ServiceRecord.objects.exists()


def test_staff_record_a_past_activity_from_the_paper_sheet(tree, ly2_volunteer, lianyang2_secretary):
    start = timezone.now() - datetime.timedelta(days=3)
    past = make_activity(tree.lianyang2, start=start, hours=3)
    actions.sign_up(actor=lianyang2_secretary, activity=past, volunteer=ly2_volunteer, consent_by="孙志愿",
                    consent_method="signed_form")
    actions.check_in(actor=lianyang2_secretary, activity=past, volunteer=ly2_volunteer, at=start)
    _signup, record = actions.check_out(actor=lianyang2_secretary, activity=past, volunteer=ly2_volunteer,
                                        at=start + datetime.timedelta(hours=4))
    assert record.hours == Decimal("3.00")  # capped at what the activity credits
    assert record.started_at == start and record.ended_at == past.ends_at


def test_checking_in_twice_is_refused(activity, ly2_volunteer_user):
    token = actions.check_in_token(activity)
    actions.check_in(actor=ly2_volunteer_user, activity=activity, token=token)
    with pytest.raises(ValidationError) as error:
        actions.check_in(actor=ly2_volunteer_user, activity=activity, token=token)
    assert "already checked in" in _messages(error, "volunteer")


def test_a_qr_code_checks_in_only_a_registered_volunteer(activity, tree, django_user_model):
    stranger = django_user_model.objects.create(username="s", person=PersonFactory(neighborhood=tree.lianyang2))
    with pytest.raises(ValidationError) as error:
        actions.check_in(actor=stranger, activity=activity, token=actions.check_in_token(activity))
    assert "not registered as a volunteer" in _messages(error, "volunteer")


def test_an_activity_cannot_credit_more_than_it_lasts(tree):
    with pytest.raises(ValidationError) as error:
        actions.create_activity(
            actor=None, title="x", kind="service", area=tree.lianyang2, place="p", starts_at=timezone.now(),
            ends_at=timezone.now() + datetime.timedelta(hours=2), capacity=5, hours=Decimal("3"))
    assert "more hours" in _messages(error, "hours")


def test_a_withdrawn_volunteer_cannot_sign_up(activity, ly2_volunteer, ly2_volunteer_user):
    actions.withdraw_consent(actor=ly2_volunteer_user, volunteer=ly2_volunteer)
    with pytest.raises(ValidationError) as error:
        actions.sign_up(actor=ly2_volunteer_user, activity=activity, volunteer=Volunteer.objects.get())
    assert "withdrew their consent" in _messages(error, "volunteer")
