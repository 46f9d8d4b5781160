"""Pages offer only what a user does not have yet: a volunteer's page does not offer an activity they signed up
for or a shift they are already on, and staff are not offered people already signed up for an activity."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.volunteers import actions
from linli.volunteers.models import DutyAssignment, SignUp
from linli.volunteers.tests.conftest import make_activity, make_volunteer

pytestmark = pytest.mark.django_db


def section(page: str, testid: str) -> str:
    """The inside of the element marked data-testid=`testid` (a list, a form or a table), or "" when there is none."""
    found = re.search(rf'<(ul|form|table)\b[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>', page, re.S)
    return found.group(2) if found else ""


def test_an_activity_i_signed_up_for_is_no_longer_offered_on_my_page(client, tree, ly2_volunteer_user):
    soon = timezone.now() + datetime.timedelta(days=2)
    taken = make_activity(tree.lianyang2, start=soon, title="社区环境清洁")
    still_open = make_activity(tree.lianyang2, start=soon, title="为老服务")
    client.force_login(ly2_volunteer_user)
    page = client.get(reverse("volunteers:me")).content.decode()
    assert taken.title in section(page, "open-activities")

    client.post(reverse("volunteers:activity_signup", args=[taken.pk]))
    page = client.get(reverse("volunteers:me")).content.decode()
    assert taken.title in section(page, "my-activities")
    assert taken.title not in section(page, "open-activities")
    assert still_open.title in section(page, "open-activities")


def test_an_activity_is_offered_again_after_my_sign_up_is_cancelled(client, tree, ly2_volunteer, ly2_volunteer_user):
    activity = make_activity(tree.lianyang2, start=timezone.now() + datetime.timedelta(days=2), title="社区环境清洁")
    signup = actions.sign_up(actor=ly2_volunteer_user, activity=activity, volunteer=ly2_volunteer)
    actions.cancel_sign_up(actor=ly2_volunteer_user, signup=signup)
    client.force_login(ly2_volunteer_user)
    page = client.get(reverse("volunteers:me")).content.decode()
    assert activity.title in section(page, "open-activities")


@pytest.fixture
def two_place_shift(tree, ly2_team):
    post = actions.create_post(actor=None, name="联洋二3号垃圾投放点", area=tree.lianyang2, team=ly2_team,
                               people_needed=2)
    return actions.create_shift(actor=None, post=post, day=timezone.localdate() + datetime.timedelta(days=1),
                                starts_at=datetime.time(7), ends_at=datetime.time(9))


def test_a_shift_i_took_is_no_longer_offered_though_it_still_needs_people(client, two_place_shift,
                                                                          ly2_volunteer_user):
    client.force_login(ly2_volunteer_user)
    take = reverse("volunteers:shift_assign", args=[two_place_shift.pk])
    page = client.get(reverse("volunteers:me")).content.decode()
    assert f'action="{take}"' in section(page, "open-shifts")

    client.post(take, {"next": reverse("volunteers:me")})
    page = client.get(reverse("volunteers:me")).content.decode()
    assert "联洋二3号垃圾投放点" in section(page, "my-duties")
    assert f'action="{take}"' not in page  # nothing offers to take it again

    # Pressed twice (a second tab, a double tap): the refusal says why; it is not "page not found".
    response = client.post(take, {"next": reverse("volunteers:me")}, follow=True)
    assert response.status_code == 200 and "already on this shift" in response.content.decode()
    assert DutyAssignment.objects.filter(shift=two_place_shift).count() == 1


def test_another_volunteers_shift_is_still_offered_to_me(client, tree, two_place_shift, ly2_volunteer_user,
                                                        lianyang2_secretary):
    actions.assign_duty(actor=lianyang2_secretary, shift=two_place_shift, volunteer=make_volunteer(tree.lianyang2))
    client.force_login(ly2_volunteer_user)
    page = client.get(reverse("volunteers:me")).content.decode()
    assert reverse("volunteers:shift_assign", args=[two_place_shift.pk]) in section(page, "open-shifts")


def test_staff_are_not_offered_people_already_signed_up_or_withdrawn(login, tree, activity, ly2_volunteer,
                                                                     lianyang2_secretary):
    waiting = make_volunteer(tree.lianyang2, "周八")
    withdrawn = make_volunteer(tree.lianyang2, "吴九")
    actions.withdraw_consent(actor=lianyang2_secretary, volunteer=withdrawn)
    client = login(lianyang2_secretary)
    form = section(client.get(activity.get_absolute_url()).content.decode(), "signup-form")
    assert f'value="{ly2_volunteer.pk}"' in form and f'value="{waiting.pk}"' in form

    client.post(reverse("volunteers:activity_signup", args=[activity.pk]), {
        "volunteer": ly2_volunteer.pk, "consent_by": "孙志愿", "consent_method": "in_person"})
    assert SignUp.objects.filter(activity=activity, volunteer=ly2_volunteer).exists()
    page = client.get(activity.get_absolute_url()).content.decode()
    form = section(page, "signup-form")
    assert f'value="{ly2_volunteer.pk}"' not in form and "孙志愿 ·" not in form
    assert f'value="{waiting.pk}"' in form and f'value="{withdrawn.pk}"' not in form
    assert ly2_volunteer.person.name in section(page, "signups-table")
