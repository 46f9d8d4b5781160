"""Shared personas for the whole suite, after healthchecks' alice/bob/charlie:

- a small Huamu tree (上海市 → 浦东新区 → 花木街道 → 联洋社区 → 联洋二 / 联洋一,
  培花社区 → 培花一) and a second subdistrict, 北蔡镇;
- `lianyang2_secretary` (in scope for 联洋二), `peihua1_secretary` (out of
  scope for 联洋二), `huamu_staff` (all of 花木), `platform_admin`, and an
  `org_liaison` for one resident unit, and a `volunteer` of a volunteer team
  whose account is their own resident record;
- a resident in each neighborhood.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from linli.core import actions
from linli.core.models import Area, Organization, Person, Role, User
from linli.core.tests.factories import AreaFactory, OrganizationFactory, PersonFactory, UserFactory

PASSWORD = "linli-test-pw"


def pytest_configure(config: pytest.Config) -> None:
    # Static files are served by the test server's finders, not a manifest.
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Hashing every persona's password with PBKDF2 would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    # Several suites may run against one PostgreSQL server at once (developers,
    # helpers, CI); a per-process test database name keeps them apart.
    test_settings = settings.DATABASES["default"].setdefault("TEST", {})
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql") and not test_settings.get("NAME"):
        test_settings["NAME"] = f"test_linli_{os.getpid()}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://... (scripts/test.sh does)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@dataclass
class Tree:
    shanghai: Area
    pudong: Area
    huamu: Area
    lianyang: Area
    lianyang2: Area
    lianyang1: Area
    peihua: Area
    peihua1: Area
    beicai: Area
    beicai_nbhd: Area


@pytest.fixture
def tree(db) -> Tree:
    L = Area.Level
    sh = AreaFactory(code="310000", name="上海市", level=L.CITY)
    pd = AreaFactory(code="310115", name="浦东新区", level=L.DISTRICT, parent=sh)
    hm = AreaFactory(code="310115009", name="花木街道", level=L.SUBDISTRICT, parent=pd)
    ly = AreaFactory(code="310115009100", name="联洋社区", level=L.COMMUNITY, parent=hm)
    ly2 = AreaFactory(code="310115009102", name="联洋二", level=L.NEIGHBORHOOD, parent=ly)
    ly1 = AreaFactory(code="310115009101", name="联洋一", level=L.NEIGHBORHOOD, parent=ly)
    ph = AreaFactory(code="310115009200", name="培花社区", level=L.COMMUNITY, parent=hm)
    ph1 = AreaFactory(code="310115009201", name="培花一", level=L.NEIGHBORHOOD, parent=ph)
    bc = AreaFactory(code="310115124", name="北蔡镇", level=L.SUBDISTRICT, parent=pd)
    bcc = AreaFactory(code="310115124100", name="北蔡社区", level=L.COMMUNITY, parent=bc)
    bcn = AreaFactory(code="310115124101", name="莲溪一", level=L.NEIGHBORHOOD, parent=bcc)
    return Tree(sh, pd, hm, ly, ly2, ly1, ph, ph1, bc, bcn)


def _user(username: str, role: str | None, *, area: Area | None = None,
          organization: Organization | None = None, **extra) -> User:
    user = UserFactory(username=username, display_name=extra.pop("display_name", username), **extra)
    if role:
        actions.assign_role(actor=None, user=user, role=role, area=area, organization=organization)
    return User.objects.get(pk=user.pk)  # fresh: no cached grants


@pytest.fixture
def lianyang2_secretary(tree: Tree) -> User:
    return _user("ly2_secretary", Role.NEIGHBORHOOD_SECRETARY, area=tree.lianyang2, display_name="联洋二书记")


@pytest.fixture
def lianyang2_staff(tree: Tree) -> User:
    return _user("ly2_staff", Role.NEIGHBORHOOD_STAFF, area=tree.lianyang2, display_name="联洋二社工")


@pytest.fixture
def peihua1_secretary(tree: Tree) -> User:
    return _user("ph1_secretary", Role.NEIGHBORHOOD_SECRETARY, area=tree.peihua1, display_name="培花一书记")


@pytest.fixture
def huamu_staff(tree: Tree) -> User:
    return _user("huamu_staff", Role.SUBDISTRICT_STAFF, area=tree.huamu, display_name="花木街道干部")


@pytest.fixture
def platform_admin(tree: Tree) -> User:
    return _user("admin", Role.PLATFORM_ADMIN, is_staff=True, display_name="平台管理员")


@pytest.fixture
def resident_unit(tree: Tree) -> Organization:
    return OrganizationFactory(name="联洋物业", kind=Organization.Kind.PROPERTY_COMPANY, area=tree.lianyang2)


@pytest.fixture
def org_liaison(tree: Tree, resident_unit: Organization) -> User:
    return _user("liaison", Role.ORGANIZATION_LIAISON, organization=resident_unit, display_name="物业联络员")


@pytest.fixture
def volunteer(tree: Tree) -> User:
    team = OrganizationFactory(name="联洋二志愿者服务队", kind=Organization.Kind.VOLUNTEER_TEAM, area=tree.lianyang2)
    person = PersonFactory(name="赵六", neighborhood=tree.lianyang2, is_volunteer=True)
    return _user("volunteer", Role.VOLUNTEER, organization=team, person=person, display_name="赵六")


@pytest.fixture
def ly2_resident(tree: Tree) -> Person:
    return PersonFactory(name="张三", neighborhood=tree.lianyang2, phone="13812345678")


@pytest.fixture
def ph1_resident(tree: Tree) -> Person:
    return PersonFactory(name="李四", neighborhood=tree.peihua1, phone="13987654321")


@pytest.fixture
def login(client):
    """login(user) -> the test client, logged in as that user."""

    def _login(user: User):
        client.force_login(user)
        return client

    return _login
