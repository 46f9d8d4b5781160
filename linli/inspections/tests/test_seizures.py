"""收缴: a seizure's items with quantities and each cylinder's e-label, totals per campaign, and what is refused."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.inspections import actions, queries
from linli.inspections.actions import SeizureItemIn
from linli.inspections.models import Seizure, SeizureItem
from linli.inspections.tests.factories import inspect_with_hazards, make_campaign

TODAY = timezone.localdate
LAW = "《上海市燃气管理条例》第五十七条"


def _seize(actor, inspection, agency, officers, items, **kwargs):
    fields = {"legal_basis": LAW, "storage_place": "花木燃气管理所仓库", "seized_on": TODAY()}
    fields.update(kwargs)
    return actions.record_seizure(actor=actor, inspection=inspection, agency=agency, officers=officers,
                                  items=items, **fields)


@pytest.mark.django_db
def test_a_seizure_lists_each_cylinder_by_its_e_label_and_counts_towards_the_campaign(
        tree, officer, second_officer, gas_office, snack_shop):
    campaign = make_campaign(officer, gas_office, tree.huamu, [snack_shop])
    inspection = inspect_with_hazards(officer, snack_shop, [gas_office], campaign=campaign)
    seizure = _seize(officer, inspection, gas_office, [officer, second_officer], [
        SeizureItemIn(kind="lpg_cylinder", quantity=3, identifiers=["SH-0001", "SH-0002", " SH-0003 "]),
        SeizureItemIn(kind="stove", quantity=1),
    ])
    _seize(officer, inspection, gas_office, [officer, second_officer],
           [SeizureItemIn(kind="lpg_cylinder", quantity=2)])
    assert seizure.establishment == snack_shop and seizure.campaign == campaign
    cylinders = seizure.items.get(kind="lpg_cylinder")
    assert cylinders.identifiers == ["SH-0001", "SH-0002", "SH-0003"]
    assert queries.seizure_totals(campaign) == {"lpg_cylinder": 5, "stove": 1}
    event = AuditEvent.objects.get(action="inspections.seizure_recorded", target_id=str(seizure.pk))
    assert event.data["items"] == {"LPG cylinder": 3, "Stove": 1}


@pytest.mark.django_db
def test_a_zero_quantity_is_refused_naming_the_row_and_nothing_is_saved(tree, officer, second_officer, gas_office,
                                                                         snack_shop):
    inspection = inspect_with_hazards(officer, snack_shop, [gas_office])
    with pytest.raises(ValidationError) as refused:
        _seize(officer, inspection, gas_office, [officer, second_officer], [
            SeizureItemIn(kind="lpg_cylinder", quantity=2),
            SeizureItemIn(kind="stove", quantity=0),
        ])
    assert refused.value.message_dict["items"] == ["Row 2: the quantity must be more than zero (it is 0)."]
    assert not Seizure.objects.exists() and not SeizureItem.objects.exists()
    assert not AuditEvent.objects.filter(action="inspections.seizure_recorded").exists()


@pytest.mark.django_db
def test_cylinder_e_labels_must_match_the_quantity_and_not_repeat(tree, officer, second_officer, gas_office,
                                                                   snack_shop):
    inspection = inspect_with_hazards(officer, snack_shop, [gas_office])
    with pytest.raises(ValidationError) as refused:
        _seize(officer, inspection, gas_office, [officer, second_officer], [
            SeizureItemIn(kind="lpg_cylinder", quantity=3, identifiers=["A1", "A2"]),
            SeizureItemIn(kind="lpg_cylinder", quantity=1, identifiers=["B1"]),
            SeizureItemIn(kind="lpg_cylinder", quantity=1, identifiers=["B1"]),
        ])
    messages = refused.value.message_dict["items"]
    assert messages[0] == ("Row 1: 3 cylinders but 2 e-labels or serial numbers; give one for each cylinder, "
                           "or none.")
    assert messages[1] == "Row 3: B1 is listed twice (also in row 2)."
    assert not Seizure.objects.exists()


@pytest.mark.django_db
def test_a_seizure_needs_its_basis_storage_two_officers_items_and_a_sensible_date(
        tree, officer, second_officer, gas_office, snack_shop):
    inspection = inspect_with_hazards(officer, snack_shop, [gas_office])
    with pytest.raises(ValidationError) as refused:
        _seize(officer, inspection, gas_office, [officer], [], legal_basis=" ", storage_place="",
               seized_on=TODAY() + datetime.timedelta(days=1))
    assert set(refused.value.message_dict) == {"legal_basis", "storage_place", "officers", "items", "seized_on"}
    with pytest.raises(ValidationError) as refused:
        _seize(officer, inspection, gas_office, [officer, second_officer], [SeizureItemIn(kind="gold", quantity=1)],
               seized_on=inspection.date - datetime.timedelta(days=1))
    assert refused.value.message_dict["items"][0].startswith("Row 1: choose what was seized")
    assert "before the inspection" in refused.value.message_dict["seized_on"][0]
    assert not Seizure.objects.exists()


@pytest.mark.django_db
def test_seizures_are_scoped(tree, officer, second_officer, gas_office, snack_shop, ly2_restaurant,
                             lianyang2_secretary, peihua1_secretary):
    inspection = inspect_with_hazards(officer, ly2_restaurant, [gas_office])
    seizure = _seize(officer, inspection, gas_office, [officer, second_officer],
                     [SeizureItemIn(kind="lpg_cylinder", quantity=1)])
    assert list(queries.seizures_visible_to(lianyang2_secretary)) == [seizure]
    assert not queries.seizures_visible_to(peihua1_secretary).exists()
    other = inspect_with_hazards(officer, ly2_restaurant, [gas_office])
    with pytest.raises(PermissionDenied):
        _seize(peihua1_secretary, other, gas_office, [officer, second_officer],
               [SeizureItemIn(kind="lpg_cylinder", quantity=1)])
