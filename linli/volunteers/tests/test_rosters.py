"""Duty rosters: posts and shifts, assignment by staff and self-sign-up, gaps, swaps, attendance into the ledger."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.volunteers import actions, queries
from linli.volunteers.models import DutyAssignment, Post, ServiceRecord, Team
from linli.volunteers.tests.conftest import make_volunteer

pytestmark = pytest.mark.django_db

T = datetime.time


@pytest.fixture
def post(tree, ly2_team):
    return actions.create_post(actor=None, name="联洋二3号垃圾投放点", area=tree.lianyang2, team=ly2_team,
                               people_needed=2)


def shift(post, days: int = 1, start: int = 7, end: int = 9):
    return actions.create_shift(actor=None, post=post, day=timezone.localdate() + datetime.timedelta(days=days),
                                starts_at=T(start), ends_at=T(end))


def test_gaps_are_shifts_short_of_people(post, tree, lianyang2_secretary):
    full, short = shift(post, start=7), shift(post, start=18, end=20)
    for name in ("甲", "乙"):
        actions.assign_duty(actor=lianyang2_secretary, shift=full, volunteer=make_volunteer(tree.lianyang2, name))
    actions.assign_duty(actor=lianyang2_secretary, shift=short, volunteer=make_volunteer(tree.lianyang2, "丙"))
    today = timezone.localdate()
    gaps = list(queries.shifts_of([post], start=today, end=today + datetime.timedelta(days=7), gaps_only=True))
    assert gaps == [short] and gaps[0].assigned == 1


def test_a_volunteer_takes_an_open_shift_but_not_a_full_one(post, tree, ly2_volunteer, ly2_volunteer_user,
                                                            lianyang2_secretary):
    s = actions.create_shift(actor=None, post=post, day=timezone.localdate() + datetime.timedelta(days=1),
                             starts_at=T(7), ends_at=T(9), people_needed=1)
    assert list(queries.open_shifts_for(ly2_volunteer_user)) == [s]
    actions.assign_duty(actor=lianyang2_secretary, shift=s, volunteer=make_volunteer(tree.lianyang2, "甲"))
    with pytest.raises(ValidationError) as error:
        actions.assign_duty(actor=ly2_volunteer_user, shift=s, volunteer=ly2_volunteer)
    assert "all the people it needs" in " ".join(error.value.message_dict["shift"])
    s2 = shift(post, days=2)
    assignment = actions.assign_duty(actor=ly2_volunteer_user, shift=s2, volunteer=ly2_volunteer)
    assert assignment.self_signed


def test_a_volunteer_cannot_put_someone_else_on_a_shift(post, tree, ly2_volunteer_user):
    with pytest.raises(PermissionDenied):
        actions.assign_duty(actor=ly2_volunteer_user, shift=shift(post), volunteer=make_volunteer(tree.lianyang2))


def test_a_swap_exchanges_two_assignments(post, tree, lianyang2_secretary):
    morning, evening = shift(post, start=7), shift(post, start=18, end=20)
    a_vol, b_vol = make_volunteer(tree.lianyang2, "甲"), make_volunteer(tree.lianyang2, "乙")
    a = actions.assign_duty(actor=lianyang2_secretary, shift=morning, volunteer=a_vol)
    b = actions.assign_duty(actor=lianyang2_secretary, shift=evening, volunteer=b_vol)
    actions.swap_duties(actor=lianyang2_secretary, first=a, second=b)
    assert DutyAssignment.objects.get(pk=a.pk).volunteer == b_vol
    assert DutyAssignment.objects.get(pk=b.pk).volunteer == a_vol


def test_a_swap_that_would_double_book_is_refused(post, tree, lianyang2_secretary):
    morning, evening = shift(post, start=7), shift(post, start=18, end=20)
    a_vol, b_vol = make_volunteer(tree.lianyang2, "甲"), make_volunteer(tree.lianyang2, "乙")
    a = actions.assign_duty(actor=lianyang2_secretary, shift=morning, volunteer=a_vol)
    actions.assign_duty(actor=lianyang2_secretary, shift=evening, volunteer=a_vol)
    b = actions.assign_duty(actor=lianyang2_secretary, shift=evening, volunteer=b_vol)
    with pytest.raises(ValidationError) as error:
        actions.swap_duties(actor=lianyang2_secretary, first=a, second=b)
    assert "already on the other shift" in " ".join(error.value.message_dict["second"])
    assert DutyAssignment.objects.get(pk=a.pk).volunteer == a_vol


def test_duty_attendance_feeds_the_ledger_once(post, tree, ly2_team, lianyang2_secretary):
    past = actions.create_shift(actor=None, post=post, day=timezone.localdate() - datetime.timedelta(days=1),
                                starts_at=T(7), ends_at=T(9, 30))
    volunteer = make_volunteer(tree.lianyang2, "甲")
    assignment = DutyAssignment.objects.create(shift=past, volunteer=volunteer)  # staff put them on it last week
    record = actions.record_duty_attendance(actor=lianyang2_secretary, assignment=assignment)
    assert record.source == ServiceRecord.Source.ATTENDANCE and record.hours == Decimal("2.50")
    assert record.team == ly2_team and record.assignment == assignment
    with pytest.raises(ValidationError):
        actions.record_duty_attendance(actor=lianyang2_secretary, assignment=assignment)
    assert ServiceRecord.objects.count() == 1


def test_a_shift_ending_before_it_starts_is_refused(post):
    with pytest.raises(ValidationError) as error:
        actions.create_shift(actor=None, post=post, day=timezone.localdate(), starts_at=T(9), ends_at=T(7))
    assert "end after it starts" in " ".join(error.value.message_dict["ends_at"])


def test_the_roster_page_marks_the_gaps(post, login, lianyang2_secretary, peihua1_secretary):
    shift(post)
    page = login(lianyang2_secretary).get(reverse("volunteers:roster")).content.decode()
    assert 'data-gap="1"' in page and "联洋二3号垃圾投放点" in page
    assert login(peihua1_secretary).get(reverse("volunteers:post_detail", args=[post.pk])).status_code == 404


def test_staff_add_a_post_on_the_page_and_it_is_audited(login, tree, ly2_team, lianyang2_secretary):
    client = login(lianyang2_secretary)
    assert 'data-testid="new-post"' in client.get(reverse("volunteers:roster")).content.decode()
    response = client.post(reverse("volunteers:post_new"), {
        "name": "联洋二5号垃圾投放点", "area": tree.lianyang2.pk, "team": ly2_team.pk, "place": "5号楼旁",
        "people_needed": 2})
    created = Post.objects.get(name="联洋二5号垃圾投放点")
    assert response.status_code == 302 and response["Location"] == created.get_absolute_url()
    assert created.team == ly2_team and created.people_needed == 2
    assert AuditEvent.objects.filter(action="volunteers.post_created", target_id=str(created.pk)).exists()


def test_a_post_without_a_name_or_people_or_outside_the_area_is_refused_and_nothing_saved(
        login, tree, lianyang2_secretary, peihua1_secretary):
    client = login(lianyang2_secretary)
    response = client.post(reverse("volunteers:post_new"), {"name": "", "area": tree.lianyang2.pk,
                                                            "people_needed": 0})
    page = response.content.decode()
    assert response.status_code == 422
    assert 'data-testid="error-name"' in page and 'data-testid="error-people_needed"' in page
    response = client.post(reverse("volunteers:post_new"), {"name": "培花一3号点", "area": tree.peihua1.pk,
                                                            "people_needed": 1})
    assert response.status_code == 422 and 'data-testid="error-area"' in response.content.decode()
    with pytest.raises(PermissionDenied):
        actions.create_post(actor=peihua1_secretary, name="x", area=tree.lianyang2)
    with pytest.raises(ValidationError) as error:
        actions.create_post(actor=lianyang2_secretary, name="x", area=tree.lianyang2, people_needed=0)
    assert "people_needed" in error.value.message_dict
    assert not Post.objects.exists()


def test_a_post_cannot_be_given_a_team_out_of_scope(tree, lianyang2_secretary):
    other = actions.create_team(actor=None, name="培花一垃圾分类志愿者队", kind=Team.Kind.GARBAGE_SORTING,
                                area=tree.peihua1)
    with pytest.raises(ValidationError) as error:
        actions.create_post(actor=lianyang2_secretary, name="3号点", area=tree.lianyang2, team=other)
    assert "team" in error.value.message_dict and not Post.objects.exists()


def test_a_volunteer_cannot_open_the_new_post_page(login, ly2_volunteer_user):
    assert login(ly2_volunteer_user).get(reverse("volunteers:post_new")).status_code == 404


def test_the_roster_offers_to_confirm_attendance_only_once_a_shift_has_started(post, tree, login,
                                                                               lianyang2_secretary):
    yesterday, tomorrow = shift(post, days=-1), shift(post, days=1)
    volunteer = make_volunteer(tree.lianyang2, "甲")
    done = actions.assign_duty(actor=lianyang2_secretary, shift=yesterday, volunteer=volunteer)
    ahead = actions.assign_duty(actor=lianyang2_secretary, shift=tomorrow, volunteer=volunteer)
    client = login(lianyang2_secretary)
    for url in (reverse("volunteers:roster") + f"?from={yesterday.day:%Y-%m-%d}",
                reverse("volunteers:post_detail", args=[post.pk]) + f"?from={yesterday.day:%Y-%m-%d}"):
        page = client.get(url).content.decode()
        assert reverse("volunteers:duty_attended", args=[done.pk]) in page, url
        assert reverse("volunteers:duty_attended", args=[ahead.pk]) not in page, url


def test_attendance_on_a_shift_not_yet_started_is_refused_and_credits_nothing(post, tree, login,
                                                                              lianyang2_secretary):
    ahead = actions.assign_duty(actor=lianyang2_secretary, shift=shift(post, days=1),
                                volunteer=make_volunteer(tree.lianyang2, "甲"))
    with pytest.raises(ValidationError) as error:
        actions.record_duty_attendance(actor=lianyang2_secretary, assignment=ahead)
    assert "has not started yet" in " ".join(error.value.message_dict["assignment"])
    # The same through the page (a form kept open from before, a crafted request): refused, said so.
    response = login(lianyang2_secretary).post(reverse("volunteers:duty_attended", args=[ahead.pk]),
                                               {"next": reverse("volunteers:roster")}, follow=True)
    assert "This shift has not started yet." in response.content.decode()
    assert not DutyAssignment.objects.get(pk=ahead.pk).attended and not ServiceRecord.objects.exists()
    assert not AuditEvent.objects.filter(action="volunteers.duty_attended").exists()
