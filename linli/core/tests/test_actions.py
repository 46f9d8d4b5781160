"""Core writes: validation, scope checks and the audit row each one leaves."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from linli.core import actions
from linli.core.models import AuditEvent, Organization, PartyOrganization, Person
from linli.core.tests.factories import make_id_number

pytestmark = pytest.mark.django_db


def _person_fields(tree, **extra):
    fields = {
        "name": "王五", "gender": "M", "birth_date": datetime.date(1980, 3, 1), "phone": "13700001111",
        "id_number": make_id_number(datetime.date(1980, 3, 1), seq=7), "neighborhood": tree.lianyang2,
    }
    fields.update(extra)
    return fields


def test_create_person_saves_and_audits_with_masked_numbers(tree, lianyang2_secretary):
    person = actions.create_person(actor=lianyang2_secretary, **_person_fields(tree))
    event = AuditEvent.objects.get(action="core.person.created", target_id=str(person.pk))
    assert event.actor == lianyang2_secretary
    assert event.changes["name"] == [None, "王五"]
    assert event.changes["phone"] == [None, "137****1111"]  # the trail is no second copy of the number
    assert person.name_initials == "ww"


def test_update_person_records_which_fields_changed_from_what_to_what(tree, lianyang2_secretary, ly2_resident):
    actions.update_person(actor=lianyang2_secretary, person=ly2_resident, address="联洋新苑3号101")
    event = AuditEvent.objects.filter(action="core.person.updated", target_id=str(ly2_resident.pk)).get()
    assert list(event.changes) == ["address"]
    assert event.changes["address"][1] == "联洋新苑3号101"


def test_update_without_changes_writes_no_event(tree, lianyang2_secretary, ly2_resident):
    actions.update_person(actor=lianyang2_secretary, person=ly2_resident, name=ly2_resident.name)
    assert not AuditEvent.objects.filter(action="core.person.updated").exists()


def test_secretary_cannot_create_a_person_in_another_neighborhood(tree, lianyang2_secretary):
    with pytest.raises(PermissionDenied):
        actions.create_person(actor=lianyang2_secretary, **_person_fields(tree, neighborhood=tree.peihua1))
    assert not Person.objects.filter(name="王五").exists()
    assert not AuditEvent.objects.filter(action="core.person.created").exists()


def test_secretary_cannot_move_a_resident_out_of_their_neighborhood(tree, lianyang2_secretary, ly2_resident):
    with pytest.raises(PermissionDenied):
        actions.update_person(actor=lianyang2_secretary, person=ly2_resident, neighborhood=tree.peihua1)
    ly2_resident.refresh_from_db()
    assert ly2_resident.neighborhood == tree.lianyang2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id_number", "310115198003010071"),  # wrong check digit
        ("phone", "12345"),
        ("birth_date", datetime.date.today() + datetime.timedelta(days=3)),
        ("name", ""),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(tree, lianyang2_secretary, field, value):
    with pytest.raises(ValidationError) as err:
        actions.create_person(actor=lianyang2_secretary, **_person_fields(tree, **{field: value}))
    assert field in err.value.message_dict
    assert Person.objects.count() == 0
    assert AuditEvent.objects.filter(action="core.person.created").count() == 0


def test_duplicate_id_number_is_refused_with_a_message(tree, lianyang2_secretary, ly2_resident):
    with pytest.raises(ValidationError) as err:
        actions.create_person(actor=lianyang2_secretary,
                              **_person_fields(tree, id_number=ly2_resident.id_number.lower()))
    assert err.value.error_dict["id_number"][0].code == "duplicate_id_number"


def test_a_person_must_live_in_a_neighborhood_not_a_community(tree, huamu_staff):
    with pytest.raises(ValidationError) as err:
        actions.create_person(actor=huamu_staff, **_person_fields(tree, neighborhood=tree.lianyang))
    assert "neighborhood" in err.value.message_dict


def test_delete_person_is_audited(tree, lianyang2_secretary, ly2_resident):
    pk = ly2_resident.pk
    actions.delete_person(actor=lianyang2_secretary, person=ly2_resident)
    assert not Person.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(action="core.person.deleted", target_id=str(pk))
    assert event.changes["name"] == ["张三", None]


def test_reveal_is_audited_and_refused_without_permission(tree, lianyang2_secretary, lianyang2_staff, ly2_resident):
    assert actions.reveal_sensitive(actor=lianyang2_secretary, record=ly2_resident, field="phone") == "13812345678"
    assert AuditEvent.objects.filter(action="core.sensitive_revealed", actor=lianyang2_secretary,
                                     target_id=str(ly2_resident.pk), data__field="phone").exists()
    with pytest.raises(PermissionDenied):
        actions.reveal_sensitive(actor=lianyang2_staff, record=ly2_resident, field="phone")


def test_party_membership_and_party_organization_attachment(tree, huamu_staff, ly2_resident):
    branch = actions.create_party_organization(
        actor=huamu_staff, name="联洋二居民区党支部", level=PartyOrganization.Level.BRANCH, area=tree.lianyang2)
    actions.set_party_membership(actor=huamu_staff, person=ly2_resident, party_organization=branch,
                                 joined_on=datetime.date(2001, 7, 1))
    assert ly2_resident.party_membership.party_organization == branch
    assert AuditEvent.objects.filter(action="core.party_membership_set").exists()
    with pytest.raises(ValidationError):
        actions.create_party_organization(actor=huamu_staff, name="无处挂靠", level=PartyOrganization.Level.BRANCH)


def test_organization_liaison_edits_only_their_organization(tree, org_liaison, resident_unit):
    actions.update_organization(actor=org_liaison, organization=resident_unit, contact_name="陈经理")
    other = Organization.objects.create(name="别的单位", kind=Organization.Kind.SCHOOL, area=tree.lianyang2)
    with pytest.raises(PermissionDenied):
        actions.update_organization(actor=org_liaison, organization=other, contact_name="x")


def test_only_platform_admin_assigns_roles(tree, huamu_staff, platform_admin, lianyang2_staff):
    with pytest.raises(PermissionDenied):
        actions.assign_role(actor=huamu_staff, user=lianyang2_staff, role="subdistrict_staff", area=tree.huamu)
    actions.assign_role(actor=platform_admin, user=lianyang2_staff, role="community_staff", area=tree.lianyang)
    assert AuditEvent.objects.filter(action="core.role_assigned", actor=platform_admin).exists()
