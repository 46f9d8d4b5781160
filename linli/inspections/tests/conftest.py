"""Departments, officers and establishments for the inspections tests, next to the root personas."""

from __future__ import annotations

import pytest
from django.utils import translation

from linli.core import actions as core_actions
from linli.core.models import Organization, Role, User
from linli.core.tests.factories import OrganizationFactory, UserFactory
from linli.inspections.tests.factories import make_establishment


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def fire_service(tree) -> Organization:
    return OrganizationFactory(name="消防救援站", kind=Organization.Kind.DEPARTMENT, area=tree.huamu)


@pytest.fixture
def market_office(tree) -> Organization:
    return OrganizationFactory(name="市场监管所", kind=Organization.Kind.DEPARTMENT, area=tree.huamu)


@pytest.fixture
def gas_office(tree) -> Organization:
    return OrganizationFactory(name="燃气管理所", kind=Organization.Kind.DEPARTMENT, area=tree.huamu)


@pytest.fixture
def officer(tree) -> User:
    """A street officer of the joint team, subdistrict staff over all of 花木."""
    user = UserFactory(username="officer_wang", display_name="王执法")
    core_actions.assign_role(actor=None, user=user, role=Role.SUBDISTRICT_STAFF, area=tree.huamu)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def second_officer(tree) -> User:
    user = UserFactory(username="officer_li", display_name="李执法")
    core_actions.assign_role(actor=None, user=user, role=Role.SUBDISTRICT_STAFF, area=tree.huamu)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def snack_shop(tree):
    return make_establishment(tree.peihua1, name="培花小吃店")


@pytest.fixture
def ly2_restaurant(tree):
    return make_establishment(tree.lianyang2, name="联洋面馆")
