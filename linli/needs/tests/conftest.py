"""Claimant personas for the needs tests, next to the shared ones in the root conftest.py:
residents with accounts in 联洋二, 培花一 and 北蔡, and the liaison of a
civilization-practice sub-center in 北蔡镇 (the cross-region claimant)."""

from __future__ import annotations

import pytest
from django.utils import translation

from linli.core import actions as core_actions
from linli.core.models import Organization, Person, Role, User
from linli.core.tests.factories import OrganizationFactory, PersonFactory, UserFactory


@pytest.fixture(autouse=True)
def english():
    """Refusals are read in English here (msgids); the Chinese catalogue is tested in core's test_i18n."""
    with translation.override("en"):
        yield


def _account(username: str, person: Person | None) -> User:
    user = UserFactory(username=username, display_name=person.name if person else username, person=person)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def ly2_claimant(ly2_resident) -> User:
    return _account("zhangsan", ly2_resident)


@pytest.fixture
def ph1_claimant(ph1_resident) -> User:
    return _account("lisi", ph1_resident)


@pytest.fixture
def beicai_claimant(tree) -> User:
    return _account("wangwu", PersonFactory(name="王五", neighborhood=tree.beicai_nbhd))


@pytest.fixture
def beicai_center(tree) -> Organization:
    return OrganizationFactory(name="北蔡镇新时代文明实践分中心", kind=Organization.Kind.PUBLIC_INSTITUTION,
                               area=tree.beicai)


@pytest.fixture
def beicai_liaison(beicai_center) -> User:
    user = UserFactory(username="beicai_center", display_name="分中心联络员")
    core_actions.assign_role(actor=None, user=user, role=Role.ORGANIZATION_LIAISON, organization=beicai_center)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def no_person_user(tree) -> User:
    return _account("nobody", None)


@pytest.fixture
def volunteer_team(tree) -> Organization:
    return OrganizationFactory(name="花木志愿者协会助老队", kind=Organization.Kind.VOLUNTEER_TEAM, area=tree.huamu)


@pytest.fixture
def team_volunteer(volunteer_team, ph1_resident) -> User:
    """A volunteer of the team (a resident of 培花一 with the team's volunteer role)."""
    user = _account("volunteer1", ph1_resident)
    core_actions.assign_role(actor=None, user=user, role=Role.VOLUNTEER, organization=volunteer_team)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def requester_account(ly2_resident) -> User:
    """The resident of 联洋二 who ordered the service, with an account."""
    return _account("zhangsan", ly2_resident)
