"""A team's minimum age: a child under it cannot be signed up for the team's activities or put on its duty
shifts (by themself or by staff, on the page, through the API or by scanning the QR code), with a refusal
naming the age limit and nothing saved. Hours that still reach the team another way stay flagged."""

from __future__ import annotations

import datetime
import json

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from linli.core.models import AuditEvent, User
from linli.core.tests.factories import PersonFactory, UserFactory
from linli.volunteers import actions, queries
from linli.volunteers.models import DutyAssignment, ServiceRecord, SignUp, Team, Volunteer
from linli.volunteers.tests.conftest import make_activity, make_volunteer, register

pytestmark = pytest.mark.django_db

API = "/api/v1/volunteers"


def years_ago(years: int, day: datetime.date | None = None) -> datetime.date:
    day = day or timezone.localdate()
    return day.replace(year=day.year - years)


@pytest.fixture
def child(tree) -> Volunteer:
    """A ten-year-old of 联洋二, registered with a guardian's consent."""
    return register(PersonFactory(name="小明", neighborhood=tree.lianyang2, birth_date=years_ago(10)),
                    consent_by="小明妈妈", consent_method=Volunteer.ConsentMethod.GUARDIAN)


@pytest.fixture
def child_user(child) -> User:
    return User.objects.get(pk=UserFactory(username="xiaoming", person=child.person).pk)


@pytest.fixture
def team_activity(tree, ly2_team):
    """An activity of 联洋二's garbage-sorting team (from 14 years), running now."""
    return make_activity(tree.lianyang2, title="垃圾分类宣传", team=ly2_team)


def _messages(error: pytest.ExceptionInfo[ValidationError], field: str) -> str:
    return " ".join(error.value.message_dict[field])


def _nothing_saved() -> None:
    assert not SignUp.objects.exists()
    assert not AuditEvent.objects.filter(action="volunteers.signed_up").exists()


def test_a_child_cannot_sign_up_for_a_team_activity_themself_or_through_staff(child, child_user, team_activity,
                                                                               lianyang2_secretary):
    with pytest.raises(ValidationError) as by_self:
        actions.sign_up(actor=child_user, activity=team_activity, volunteer=child)
    with pytest.raises(ValidationError) as by_staff:
        actions.sign_up(actor=lianyang2_secretary, activity=team_activity, volunteer=child, consent_by="小明妈妈",
                        consent_method=Volunteer.ConsentMethod.GUARDIAN)
    for error in (by_self, by_staff):
        assert "联洋二垃圾分类志愿者队 takes volunteers from 14 years; 小明 is 10" in _messages(error, "volunteer")
    _nothing_saved()


def test_the_age_that_counts_is_the_age_on_the_day_of_the_activity(tree, ly2_team, lianyang2_secretary):
    start = timezone.localtime() + datetime.timedelta(days=10)
    later = make_activity(tree.lianyang2, start=start, team=ly2_team)
    turns_14_before = make_volunteer(tree.lianyang2, "甲", birth_date=years_ago(14, start.date()))
    turns_14_after = make_volunteer(tree.lianyang2, "乙",
                                    birth_date=years_ago(14, start.date()) + datetime.timedelta(days=1))
    actions.sign_up(actor=lianyang2_secretary, activity=later, volunteer=turns_14_before, consent_by="甲",
                    consent_method="in_person")
    with pytest.raises(ValidationError) as error:
        actions.sign_up(actor=lianyang2_secretary, activity=later, volunteer=turns_14_after, consent_by="乙",
                        consent_method="in_person")
    assert "乙 is 13 on" in _messages(error, "volunteer")
    assert list(SignUp.objects.values_list("volunteer__person__name", flat=True)) == ["甲"]


def test_an_unknown_age_is_refused_for_a_team_with_a_minimum_age(tree, team_activity, lianyang2_secretary):
    unknown = make_volunteer(tree.lianyang2, "丙", birth_date=None, id_number=None, gender="F")
    with pytest.raises(ValidationError) as error:
        actions.sign_up(actor=lianyang2_secretary, activity=team_activity, volunteer=unknown, consent_by="丙",
                        consent_method="in_person")
    assert "from 14 years: record 丙's birth date first" in _messages(error, "volunteer")
    _nothing_saved()


def test_any_age_may_sign_up_without_a_team_or_a_minimum_age(tree, child, child_user, activity):
    open_to_all = actions.create_team(actor=None, name="联洋二志愿者协会", kind=Team.Kind.ASSOCIATION,
                                      area=tree.lianyang2)
    with_team = make_activity(tree.lianyang2, title="读书会", team=open_to_all)
    for a in (activity, with_team):
        actions.sign_up(actor=child_user, activity=a, volunteer=child)
    assert SignUp.objects.filter(volunteer=child).count() == 2


def test_the_refusal_shows_on_the_pages(login, child, child_user, team_activity, lianyang2_secretary):
    url = reverse("volunteers:activity_signup", args=[team_activity.pk])
    mine = login(child_user).post(url)
    staff = login(lianyang2_secretary).post(url, {"volunteer": child.pk, "consent_by": "小明妈妈",
                                                  "consent_method": "guardian"})
    for response in (mine, staff):
        assert response.status_code == 302
        shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
        assert "takes volunteers from 14 years" in shown
    _nothing_saved()


def test_the_api_refuses_with_422_naming_the_volunteer(login, child, child_user, team_activity, lianyang2_secretary):
    url = f"{API}/activities/{team_activity.pk}/signups"
    mine = login(child_user).post(url, "{}", content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    staff = login(lianyang2_secretary).post(url, json.dumps({"volunteer": child.pk, "consent_by": "小明妈妈",
                                                             "consent_method": "guardian"}),
                                            content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    for response in (mine, staff):
        assert response.status_code == 422
        assert "takes volunteers from 14 years" in " ".join(response.json()["errors"]["volunteer"])
    _nothing_saved()


def test_scanning_the_qr_code_without_a_sign_up_is_refused_too(child, child_user, team_activity):
    with pytest.raises(ValidationError) as error:
        actions.check_in(actor=child_user, activity=team_activity, token=actions.check_in_token(team_activity))
    assert "from 14 years" in _messages(error, "volunteer")
    _nothing_saved()


def test_a_child_cannot_be_put_on_the_teams_duty_shifts(tree, child, child_user, ly2_team, lianyang2_secretary):
    post = actions.create_post(actor=None, name="联洋二3号垃圾投放点", area=tree.lianyang2, team=ly2_team)
    shift = actions.create_shift(actor=None, post=post, day=timezone.localdate() + datetime.timedelta(days=1),
                                 starts_at=datetime.time(7), ends_at=datetime.time(9))
    for actor in (lianyang2_secretary, child_user):
        with pytest.raises(ValidationError) as error:
            actions.assign_duty(actor=actor, shift=shift, volunteer=child)
        assert "from 14 years" in _messages(error, "volunteer")
    assert not DutyAssignment.objects.exists()


def test_hours_that_reach_the_team_another_way_are_still_flagged(tree, child, ly2_team, lianyang2_secretary):
    # Signed up while the team took any age; the minimum age was set afterwards.
    actions.update_team(actor=lianyang2_secretary, team=ly2_team, minimum_age=None)
    start = timezone.localtime() - datetime.timedelta(hours=3)
    past = make_activity(tree.lianyang2, start=start, team=ly2_team)
    actions.sign_up(actor=lianyang2_secretary, activity=past, volunteer=child, consent_by="小明妈妈",
                    consent_method="guardian")
    actions.update_team(actor=lianyang2_secretary, team=ly2_team, minimum_age=14)
    actions.check_in(actor=lianyang2_secretary, activity=past, volunteer=child, at=start)
    actions.check_out(actor=lianyang2_secretary, activity=past, volunteer=child,
                      at=start + datetime.timedelta(hours=1))
    # And hours entered by hand for the team.
    actions.record_hours(actor=lianyang2_secretary, volunteer=child, hours="1", reason="纸质签到表",
                         served_on=timezone.localdate() - datetime.timedelta(days=1), team=ly2_team)
    assert ServiceRecord.objects.filter(volunteer=child).count() == 2
    flagged = [a for a in queries.anomalies(lianyang2_secretary) if a.kind == "under_age"]
    assert len(flagged) == 2 and {a.volunteer for a in flagged} == {child}
