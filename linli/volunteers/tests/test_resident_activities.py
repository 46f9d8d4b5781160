"""The activities page (menu: Volunteering → Activities) as a resident sees it: the activities open to them in
their area, read-only, with their neighborhood's calendar feed; nobody else's records. And the calendar feed as
a link to open or subscribe to, with a button that copies its address."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from linli.volunteers import actions
from linli.volunteers.tests.conftest import make_activity, make_volunteer, register

pytestmark = pytest.mark.django_db


def soon(days: int = 3) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


@pytest.fixture
def resident(volunteer):
    """The demo's `volunteer`: a 联洋二 resident with the VOLUNTEER role (no lists), registered as a volunteer."""
    register(volunteer.person)
    return volunteer


def feed_links(page: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]*)"[^>]*data-testid="calendar-link"', page)]


def test_a_resident_sees_the_activities_open_to_them_and_not_others(login, tree, resident, lianyang2_secretary):
    here = make_activity(tree.lianyang2, start=soon(), title="联洋二环境清洁")
    street = make_activity(tree.huamu, start=soon(4), title="花木街道志愿者大会")
    make_activity(tree.peihua1, start=soon(), title="培花一垃圾分类宣传")
    make_activity(tree.lianyang2, start=timezone.now() - datetime.timedelta(days=3), title="上周的活动")
    other = make_volunteer(tree.lianyang2, "钱七")
    actions.sign_up(actor=lianyang2_secretary, activity=here, volunteer=other, consent_by="钱七",
                    consent_method="in_person")

    response = login(resident).get(reverse("volunteers:activities"))
    page = response.content.decode()
    assert response.status_code == 200
    assert here.title in page and street.title in page
    assert "培花一垃圾分类宣传" not in page and "上周的活动" not in page
    # Read-only and no one else's record: no staff tabs, no "New activity", nobody's name.
    assert 'data-testid="volunteer-tabs"' not in page and reverse("volunteers:activity_new") not in page
    assert "钱七" not in page
    # Each listed activity opens for them (it is where they sign up).
    client = login(resident)
    assert client.get(here.get_absolute_url()).status_code == 200
    assert client.get(street.get_absolute_url()).status_code == 200


def test_a_resident_sees_which_activities_they_are_signed_up_for(login, tree, resident):
    mine = make_activity(tree.lianyang2, start=soon(), title="已报名的活动")
    make_activity(tree.lianyang2, start=soon(), title="未报名的活动")
    client = login(resident)
    client.post(reverse("volunteers:activity_signup", args=[mine.pk]))
    page = client.get(reverse("volunteers:activities")).content.decode()
    rows = {title: row for row in page.split("<tr>") for title in ("已报名的活动", "未报名的活动") if title in row}
    assert 'data-testid="mine"' in rows["已报名的活动"] and 'data-testid="mine"' not in rows["未报名的活动"]


def test_a_resident_filters_the_activities_by_kind(login, tree, resident):
    make_activity(tree.lianyang2, start=soon(), title="参观", kind="study_visit")
    make_activity(tree.lianyang2, start=soon(), title="值守", kind="garbage_duty")
    page = login(resident).get(reverse("volunteers:activities"), {"kind": "garbage_duty"}).content.decode()
    assert "值守" in page and "参观" not in page


def test_a_residents_calendar_link_opens_their_neighborhoods_feed(login, tree, resident):
    here = make_activity(tree.lianyang2, start=soon(), title="联洋二环境清洁")
    page = login(resident).get(reverse("volunteers:activities")).content.decode()
    links = feed_links(page)
    assert len(links) == 1 and links[0].startswith("http://testserver/volunteers/calendar/310115009102.ics?key=")
    assert f'href="webcal://{html.escape(links[0].split("://", 1)[1])}"' in page
    assert f'data-copy="{html.escape(links[0])}"' in page
    # A calendar app has no session: the link's key opens the feed by itself.
    response = Client().get(links[0])
    assert response.status_code == 200 and here.title in response.content.decode()


def test_a_resident_not_registered_is_sent_to_register(login, tree, volunteer):
    make_activity(tree.lianyang2, start=soon(), title="联洋二环境清洁")
    response = login(volunteer).get(reverse("volunteers:activities"))
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="register-first"' in page
    assert reverse("volunteers:me") in page
    assert "联洋二环境清洁" not in page and not feed_links(page)


def test_the_residents_activity_list_reads_in_a_fixed_number_of_queries(login, tree, resident,
                                                                        django_assert_max_num_queries):
    for i in range(12):
        make_activity(tree.lianyang2, start=soon(), title=f"活动{i}")
    client = login(resident)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("volunteers:activities"))
    assert response.content.decode().count("活动") >= 12


def test_staff_see_each_areas_calendar_feed_as_a_link_with_a_copy_button(login, tree, lianyang2_secretary):
    page = login(lianyang2_secretary).get(reverse("volunteers:activities")).content.decode()
    links = feed_links(page)
    assert any("/volunteers/calendar/310115009102.ics?key=" in link for link in links)
    assert page.count('data-testid="calendar-copy"') == len(links)
    assert page.count('data-testid="calendar-subscribe"') == len(links)
    assert all(Client().get(link).status_code == 200 for link in links)
