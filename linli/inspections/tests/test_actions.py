"""Establishments, campaigns and checklist versions as actions, with their bad input."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from linli.core import actions as core_actions
from linli.core.models import AuditEvent, Organization, Role, User
from linli.core.tests.factories import OrganizationFactory, UserFactory
from linli.inspections import actions
from linli.inspections.models import (
    CampaignPhase,
    ChecklistItem,
    ChecklistTemplate,
    Establishment,
    GasType,
)
from linli.inspections.tests.factories import default_version, make_establishment

pytestmark = pytest.mark.django_db

D = datetime.date


def _unit(area):
    return OrganizationFactory(name="联洋面馆经营部", kind=Organization.Kind.PRIVATE_ENTERPRISE, area=area)


# Establishments -----------------------------------------------------------------------

def test_an_establishment_is_registered_with_its_gas_supply_and_a_masked_audit(tree, lianyang2_secretary):
    establishment = actions.register_establishment(
        actor=lianyang2_secretary, name=" 联洋面馆 ", address="长柳路58号", area=tree.lianyang2,
        organization=_unit(tree.lianyang2), responsible_name="陈老板", contact_phone="137 0000 1234",
        licence_number="91310115mA1k4xyz2b", gas_type=GasType.LPG, supplier="浦东液化气供应站",
        cylinder_labels=["SH-0002", "SH-0001", "SH-0001"],
    )
    assert establishment.name == "联洋面馆" and establishment.cylinder_labels == ["SH-0001", "SH-0002"]
    assert establishment.masked_contact_phone == "137****1234"
    event = AuditEvent.objects.get(action="inspections.establishment_registered")
    assert event.changes["contact_phone"] == [None, "137****1234"]


def test_a_licence_number_is_registered_once(tree, lianyang2_secretary):
    make_establishment(tree.lianyang2, licence_number="L123")
    with pytest.raises(ValidationError) as refused:
        actions.register_establishment(actor=lianyang2_secretary, name="另一家", address="x", area=tree.lianyang2,
                                       organization=_unit(tree.lianyang2), gas_type=GasType.PIPELINE,
                                       licence_number="l123")
    assert "already registered" in str(refused.value)
    assert Establishment.objects.count() == 1


def test_cylinder_labels_belong_to_lpg_premises_only(tree, lianyang2_secretary):
    with pytest.raises(ValidationError) as refused:
        actions.register_establishment(actor=lianyang2_secretary, name="管道气饭店", address="x", area=tree.lianyang2,
                                       organization=_unit(tree.lianyang2), gas_type=GasType.PIPELINE,
                                       cylinder_labels=["SH-1"])
    assert "cylinder_labels" in refused.value.message_dict


def test_an_establishment_cannot_be_registered_out_of_scope(tree, peihua1_secretary):
    with pytest.raises(PermissionDenied):
        actions.register_establishment(actor=peihua1_secretary, name="越权", address="x", area=tree.lianyang2,
                                       organization=OrganizationFactory(area=tree.peihua1), gas_type=GasType.LPG)
    assert not Establishment.objects.exists()


# Campaigns ----------------------------------------------------------------------------

def test_a_campaign_has_a_lead_departments_phases_and_a_baseline(tree, officer, fire_service, market_office,
                                                                 gas_office, snack_shop, ly2_restaurant):
    campaign = actions.create_campaign(
        actor=officer, name="餐饮行业用气安全专项整治", area=tree.huamu, lead_department=gas_office,
        departments=[fire_service, market_office], start=D(2026, 9, 1), end=D(2026, 12, 31),
        phases=[(CampaignPhase.Kind.CONCENTRATED, D(2026, 9, 1), D(2026, 10, 15)),
                (CampaignPhase.Kind.CONSOLIDATION, D(2026, 10, 16), D(2026, 12, 31))],
        targets=[snack_shop, ly2_restaurant],
    )
    assert set(campaign.departments.all()) == {fire_service, market_office}
    assert [p.kind for p in campaign.phases.all()] == ["concentrated", "consolidation"]
    assert set(campaign.targets.all()) == {snack_shop, ly2_restaurant}
    assert actions.add_campaign_targets(actor=officer, campaign=campaign, establishments=[snack_shop]) == 0
    assert list(AuditEvent.objects.filter(target_id=str(campaign.pk), action__startswith="inspections.")
                .values_list("action", flat=True)
                .order_by("id")) == ["inspections.campaign_created", "inspections.targets_added"]


def test_a_campaign_is_led_by_a_department(tree, officer, resident_unit):
    with pytest.raises(ValidationError) as refused:
        actions.create_campaign(actor=officer, name="x", area=tree.huamu, lead_department=resident_unit,
                                start=D(2026, 9, 1), end=D(2026, 9, 30))
    assert "lead_department" in refused.value.message_dict


def test_phases_lie_within_the_period_and_nothing_is_half_saved(tree, officer, gas_office):
    from linli.inspections.models import Campaign

    with pytest.raises(ValidationError):
        actions.create_campaign(actor=officer, name="x", area=tree.huamu, lead_department=gas_office,
                                start=D(2026, 9, 1), end=D(2026, 9, 30),
                                phases=[(CampaignPhase.Kind.CONCENTRATED, D(2026, 9, 1), D(2026, 10, 30))])
    assert not Campaign.objects.exists()


def test_a_baseline_establishment_lies_in_the_campaign_area(tree, lianyang2_secretary, gas_office, snack_shop):
    with pytest.raises(ValidationError):
        actions.create_campaign(actor=lianyang2_secretary, name="x", area=tree.lianyang2, lead_department=gas_office,
                                start=D(2026, 9, 1), end=D(2026, 9, 30), targets=[snack_shop])


# Checklists -----------------------------------------------------------------------------

def test_the_default_restaurant_gas_checklist_ships_as_data():
    version = default_version()
    assert version.number == 1 and version.is_published
    assert version.config["hose_max_m"] == 2.0
    codes = list(version.items.values_list("code", flat=True))
    assert codes[:2] == ["gas_alarm_installed", "gas_alarm_working"]
    assert {"hose_length_m", "cylinder_count", "cylinder_stored_kg", "pipe_wire_clearance",
            "no_second_fuel"} <= set(codes)


def test_limits_are_configuration_a_new_version_changes_them(platform_admin):
    v1 = default_version()
    hose = v1.items.get(code="hose_length_m")
    assert hose.fails(hose.parse("2.5"), v1.config)
    items = [{f: getattr(i, f) for f in actions.ITEM_FIELDS} for i in v1.items.all()]
    v2 = actions.publish_checklist_version(actor=platform_admin, template_code="restaurant-gas", name="x", items=items,
                                           config={**v1.config, "hose_max_m": 3.0})
    assert v2.number == 2
    assert ChecklistTemplate.objects.get(code="restaurant-gas").current_version() == v2
    hose2 = v2.items.get(code="hose_length_m")
    assert not hose2.fails(hose2.parse("2.5"), v2.config)
    assert hose.fails(hose.parse("2.5"), v1.config)  # version 1 is unchanged


def test_an_item_naming_an_unknown_limit_is_refused(platform_admin):
    with pytest.raises(ValidationError):
        actions.publish_checklist_version(actor=platform_admin, template_code="t", name="t", items=[
            {"code": "x", "text": "x", "answer_type": "number", "limits": {"max": "nowhere"}}])
    assert not ChecklistItem.objects.filter(version__template__code="t").exists()


@pytest.mark.parametrize("persona", ["community_staff", "officer", "peihua1_secretary", "org_liaison"])
def test_only_platform_administrators_publish_a_checklist(persona, request, tree):
    if persona == "community_staff":
        made = UserFactory(username="lianyang_staff")
        core_actions.assign_role(actor=None, user=made, role=Role.COMMUNITY_STAFF, area=tree.lianyang)
        actor = User.objects.get(pk=made.pk)
    else:
        actor = request.getfixturevalue(persona)
    v1 = default_version()
    items = [{f: getattr(i, f) for f in actions.ITEM_FIELDS} for i in v1.items.all()]
    with pytest.raises(PermissionDenied):
        actions.publish_checklist_version(actor=actor, template_code="restaurant-gas", name="x", items=items,
                                          config=v1.config)
    with pytest.raises(PermissionDenied):  # nor create a template of their own
        actions.publish_checklist_version(actor=actor, template_code="mine", name="mine", items=[])
    assert ChecklistTemplate.objects.get(code="restaurant-gas").current_version() == v1
    assert not ChecklistTemplate.objects.filter(code="mine").exists()
    assert not AuditEvent.objects.filter(action="inspections.checklist_published").exists()


@pytest.mark.parametrize(("code", "value", "fails"), [
    ("gas_alarm_installed", False, True), ("gas_alarm_installed", "yes", False),
    ("hose_length_m", "1.1", True), ("hose_length_m", "1.2", False), ("hose_length_m", "2.0", False),
    ("cylinder_count", 5, True), ("cylinder_count", 4, False),
    ("cylinder_stored_kg", "120", True),
    ("pipe_wire_clearance", "touching", True), ("pipe_wire_clearance", "clear", False),
])
def test_item_rules(code, value, fails):
    version = default_version()
    item = version.items.get(code=code)
    assert item.fails(item.parse(value), version.config) is fails


@pytest.mark.parametrize(("code", "value"), [("hose_length_m", "long"), ("hose_length_m", "-1"),
                                             ("gas_alarm_installed", "maybe"), ("pipe_wire_clearance", "far")])
def test_answers_that_do_not_fit_the_item_are_refused(code, value):
    with pytest.raises(ValidationError):
        default_version().items.get(code=code).parse(value)
