"""The Huamu demo seeder (`linli seed_demo`), as someone opening the demo would see it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from linli.core.demo import DEMO_PASSWORD, PersonGenerator
from linli.core.models import (
    Area,
    AuditEvent,
    Organization,
    PartyMembership,
    PartyOrganization,
    Person,
    Role,
    RoleAssignment,
    User,
)
from linli.core.queries import people_visible_to
from linli.core.validators import birth_date_from_id, validate_id_number

# Small enough to keep each seeding well under a second or two, big enough
# that 联洋二 and 培花一 have residents of every kind.
PEOPLE = 200


# The demo accounts' passwords use the real hasher in the demo; in tests the
# default PBKDF2 would spend seconds on nine hashes.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(people: int = PEOPLE) -> str:
    out = StringIO()
    with translation.override("en"), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        call_command("seed_demo", people=people, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def shared_demo(django_db_setup, django_db_blocker):
    """One seeding shared by the tests of a class, rolled back when the class is done.

    Seeding takes over a second, so doing it once keeps this file fast. Each
    test still runs in its own savepoint (the `db` fixture nests inside this
    atomic block), and the whole block is rolled back at the end: rolled
    back, because audit events refuse DELETE, and nothing may leak into
    other tests.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        output = seed()
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def seeded(shared_demo, db) -> str:
    return shared_demo


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (
        Area, Organization, PartyOrganization, Person, PartyMembership, User, RoleAssignment, AuditEvent,
    )}


class TestSeededDemo:
    """Tests that read one seeded demo (see `shared_demo`)."""

    def test_seeding_builds_the_huamu_area_tree_with_levels_and_parents(self, seeded):
        L = Area.Level
        expected = {
            "上海市": (L.CITY, None),
            "浦东新区": (L.DISTRICT, "上海市"),
            "花木街道": (L.SUBDISTRICT, "浦东新区"),
            "北蔡镇": (L.SUBDISTRICT, "浦东新区"),
            "联洋社区": (L.COMMUNITY, "花木街道"),
            "牡丹社区": (L.COMMUNITY, "花木街道"),
            "培花社区": (L.COMMUNITY, "花木街道"),
            "东城社区": (L.COMMUNITY, "花木街道"),
            "联洋二": (L.NEIGHBORHOOD, "联洋社区"),
            "培花一": (L.NEIGHBORHOOD, "培花社区"),
            "东城七": (L.NEIGHBORHOOD, "东城社区"),
            "牡丹四": (L.NEIGHBORHOOD, "牡丹社区"),
        }
        for name, (level, parent) in expected.items():
            area = Area.objects.select_related("parent").get(name=name)
            assert (area.level, area.parent.name if area.parent else None) == (level, parent), name
        assert Area.objects.get(name="花木街道").code == "310115009"
        assert Area.objects.get(name="北蔡镇").code == "310115124"

        huamu = Area.objects.get(name="花木街道")
        assert huamu.children.filter(level=L.COMMUNITY).count() == 6
        huamu_nbhds = huamu.descendants().filter(level=L.NEIGHBORHOOD)
        assert 45 <= huamu_nbhds.count() <= 55
        codes = huamu_nbhds.values_list("code", flat=True)
        assert all(len(code) == 12 and code.startswith("310115009") for code in codes)
        assert Area.objects.get(name="北蔡镇").descendants().filter(level=L.NEIGHBORHOOD).exists()


    def test_every_role_has_a_demo_account_that_logs_in_with_the_demo_password(self, seeded, client, settings):
        settings.PASSWORD_HASHERS = FAST_HASHERS  # the hasher the accounts were seeded with
        for role in Role:
            assignment = RoleAssignment.objects.filter(role=role).select_related("user").first()
            assert assignment is not None, f"no demo account for {role.label}"
            assert client.login(username=assignment.user.username, password=DEMO_PASSWORD), assignment.user.username
            client.logout()
        # the login table is printed, with the password
        assert DEMO_PASSWORD in seeded
        for username in ("admin", "huamu", "lianyang", "ly2", "ph1", "ly2staff", "liaison", "volunteer"):
            assert f"  {username} " in seeded


    def test_scoped_demo_accounts_hold_the_scopes_they_are_named_for(self, seeded):
        def scope(username: str) -> str:
            ra = RoleAssignment.objects.select_related("area", "organization").get(user__username=username)
            return str(ra.scope)

        assert scope("huamu") == "花木街道"
        assert scope("lianyang") == "联洋社区"
        assert scope("ly2") == scope("ly2staff") == "联洋二"
        assert scope("ph1") == "培花一"
        liaison = RoleAssignment.objects.get(user__username="liaison").organization
        assert liaison.kind == Organization.Kind.PROPERTY_COMPANY and liaison.area.name == "联洋二"
        # the volunteer account is a person who volunteers, and the liaison works at the company
        assert User.objects.get(username="volunteer").person.is_volunteer
        assert User.objects.get(username="liaison").person.organization == liaison


    def test_lianyang2_secretary_sees_lianyang2_residents_and_none_of_peihua1(self, seeded):
        ly2 = User.objects.get(username="ly2")
        visible = people_visible_to(ly2)
        assert visible.count() >= 10
        assert set(visible.values_list("neighborhood__name", flat=True)) == {"联洋二"}
        assert not visible.filter(neighborhood__name="培花一").exists()
        ph1_people = set(people_visible_to(User.objects.get(username="ph1")).values_list("id", flat=True))
        assert ph1_people and not ph1_people & set(visible.values_list("id", flat=True))


    def test_secretary_accounts_are_the_branch_secretaries_of_their_neighborhoods(self, seeded):
        for username, nbhd in (("ly2", "联洋二"), ("ph1", "培花一")):
            person = User.objects.get(username=username).person
            branch = PartyOrganization.objects.get(area__name=nbhd, level=PartyOrganization.Level.BRANCH)
            assert branch.secretary == person
            assert person.neighborhood.name == nbhd
            assert person.party_membership.party_organization == branch


    def test_every_party_organization_has_a_seeded_secretary_in_the_tree(self, seeded):
        committee = PartyOrganization.objects.get(name="花木街道党工委")
        assert committee.level == PartyOrganization.Level.WORKING_COMMITTEE
        assert committee.area.name == "花木街道"
        assert committee.children.filter(level=PartyOrganization.Level.COMMITTEE).count() == 6
        assert not PartyOrganization.objects.filter(secretary__isnull=True).exists()
        for branch in PartyOrganization.objects.filter(area__level=Area.Level.NEIGHBORHOOD).select_related("secretary"):
            assert branch.secretary.neighborhood_id == branch.area_id, branch.name
        assert PartyOrganization.objects.filter(organization__kind=Organization.Kind.RESIDENT_UNIT).exists()


    def test_seeding_creates_the_street_units_the_newsletter_names(self, seeded):
        kinds = dict(Organization.objects.values_list("name", "kind"))
        assert kinds["花木街道办事处"] == Organization.Kind.AGENCY
        assert kinds["花木街道社区党群服务中心"] == Organization.Kind.PUBLIC_INSTITUTION
        assert kinds["花木派出所"] == kinds["花木燃气管理所"] == Organization.Kind.DEPARTMENT
        assert kinds["花木街道志愿者协会"] == Organization.Kind.VOLUNTEER_TEAM
        assert kinds["联洋二垃圾分类志愿者队"] == Organization.Kind.VOLUNTEER_TEAM
        assert kinds["花木中心小学"] == Organization.Kind.SCHOOL
        assert Organization.objects.get(name="北蔡镇新时代文明实践分中心").area.name == "北蔡镇"
        assert Organization.objects.filter(kind=Organization.Kind.PROPERTY_COMPANY, area__name="培花一").exists()
        assert Person.objects.filter(organization__kind=Organization.Kind.PROPERTY_COMPANY).exists()


    def test_running_twice_changes_nothing(self, seeded):
        before = counts()
        output = seed()
        assert counts() == before
        assert "nothing to add" in output
        n = before["Area"]
        assert f"Areas: {n} ({n} new)" in seeded and f"Areas: {n} (0 new)" in output


    def test_every_generated_id_number_is_valid_and_agrees_with_gender_and_birth_date(self, seeded):
        people = list(Person.objects.values_list("name", "id_number", "gender", "birth_date"))
        assert len(people) >= PEOPLE
        for name, id_number, gender, birth_date in people:
            validate_id_number(id_number)  # raises on a bad number
            assert birth_date_from_id(id_number) == birth_date, name
            assert gender == (Person.Gender.MALE if int(id_number[16]) % 2 else Person.Gender.FEMALE), name
        assert len({p[1] for p in people}) == len(people)


    def test_seeding_writes_audit_events(self, seeded):
        batches = AuditEvent.objects.filter(action="core.demo_seeded")
        assert batches.count() == Area.objects.filter(level=Area.Level.NEIGHBORHOOD).count()
        assert all(e.actor_name == "system" for e in batches)
        assert AuditEvent.objects.filter(action="core.area.created").count() == Area.objects.count()
        assert AuditEvent.objects.filter(action="core.user_created").count() == User.objects.count()
        assert AuditEvent.objects.filter(action="core.party_membership_set").count() == PartyMembership.objects.count()


def test_people_option_sizes_the_resident_count(db):
    seed(people=300)
    bulk = sum(e.data["people"] for e in AuditEvent.objects.filter(action="core.demo_seeded"))
    assert 300 <= bulk <= 330
    # the featured neighborhoods get a tenth each, so their lists are worth paging through
    assert Person.objects.filter(neighborhood__name="联洋二").count() == 30


def test_the_same_seed_gives_the_same_residents():
    def draw(seed: str) -> list[dict]:
        gen = PersonGenerator(seed, set())
        return [gen.fields(address="芳甸路1弄1号101室") for _n in range(20)]

    assert draw("1:310115009102") == draw("1:310115009102")
    assert draw("1:310115009102") != draw("1:310115009201")
