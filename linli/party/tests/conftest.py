"""Party personas, next to the shared ones in the root conftest.py:

花木街道党工委 → 联洋社区党委 → 联洋二党支部 (five full members, one
probationary, a party group of two, a committee of three), and 培花社区党委 →
培花一党支部 out of the 联洋二 secretary's scope; `lianyang_staff`, community
staff of 联洋 who review the branch's records for its upper organization.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils import translation

from linli.core import actions as core_actions
from linli.core.models import PartyMembership, PartyOrganization, Person, Role, User
from linli.core.tests.factories import PartyOrganizationFactory, PersonFactory, UserFactory
from linli.party import actions

L = PartyOrganization.Level
LONG_AGO = datetime.date(2010, 1, 1)


@pytest.fixture(autouse=True)
def english(client, settings):
    """Refusals and pages are read in English here (msgids); the Chinese catalogue is tested in core's
    test_i18n. The cookie is the language menu's, for pages fetched through the test client."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@dataclass
class Party:
    huamu: PartyOrganization
    lianyang: PartyOrganization
    ly2: PartyOrganization
    ly2_group: PartyOrganization
    peihua: PartyOrganization
    ph1: PartyOrganization
    members: list[Person]  # of 联洋二: the first five full, the last probationary
    group_members: list[Person]
    committee: list[Person]
    ph1_members: list[Person]

    @property
    def full(self) -> list[Person]:
        return self.members[:5] + self.group_members

    @property
    def everyone(self) -> list[Person]:
        return self.members + self.group_members


def member(org: PartyOrganization, name: str, status: str = PartyMembership.Status.FULL,
           joined_on: datetime.date | None = LONG_AGO) -> Person:
    person = PersonFactory(name=name, neighborhood=org.area if org.area and org.area.level == "neighborhood" else None)
    PartyMembership.objects.create(person=person, party_organization=org, status=status, joined_on=joined_on)
    return person


@pytest.fixture
def party(tree) -> Party:
    huamu = PartyOrganizationFactory(name="花木街道党工委", level=L.WORKING_COMMITTEE, area=tree.huamu)
    lianyang = PartyOrganizationFactory(name="联洋社区党委", level=L.COMMITTEE, area=tree.lianyang, parent=huamu)
    ly2 = PartyOrganizationFactory(name="联洋二党支部", level=L.BRANCH, area=tree.lianyang2, parent=lianyang)
    ly2_group = PartyOrganizationFactory(name="联洋二第一党小组", level=L.GROUP, area=tree.lianyang2, parent=ly2)
    peihua = PartyOrganizationFactory(name="培花社区党委", level=L.COMMITTEE, area=tree.peihua, parent=huamu)
    ph1 = PartyOrganizationFactory(name="培花一党支部", level=L.BRANCH, area=tree.peihua1, parent=peihua)
    names = ["赵一", "钱二", "孙三", "李四", "周五"]
    members = [member(ly2, n) for n in names] + [member(ly2, "吴六", PartyMembership.Status.PROBATIONARY)]
    group_members = [member(ly2_group, "郑七"), member(ly2_group, "王八")]
    for person, position in zip(members[:3], ["secretary", "deputy_secretary", "member"], strict=True):
        actions.add_committee_member(actor=None, party_organization=ly2, person=person, started_on=LONG_AGO,
                                     position=position)
    ph1_members = [member(ph1, "冯九"), member(ph1, "陈十")]
    return Party(huamu, lianyang, ly2, ly2_group, peihua, ph1, members, group_members, members[:3], ph1_members)


@pytest.fixture
def lianyang_staff(tree) -> User:
    user = UserFactory(username="ly_staff", display_name="联洋社区干部")
    core_actions.assign_role(actor=None, user=user, role=Role.COMMUNITY_STAFF, area=tree.lianyang)
    return User.objects.get(pk=user.pk)
