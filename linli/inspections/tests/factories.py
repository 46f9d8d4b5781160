"""Factories and answer builders for the inspections tests."""

from __future__ import annotations

from typing import Any

from linli.core.models import Area, Organization
from linli.core.tests.factories import OrganizationFactory
from linli.inspections.actions import AnswerIn
from linli.inspections.models import ChecklistTemplate, ChecklistVersion, Establishment, GasType

# A passing answer for each item type of the default template.
PASSING: dict[str, Any] = {
    "hose_length_m": "1.5", "cylinder_count": 2, "cylinder_stored_kg": "30", "cylinder_stove_distance_m": "1",
    "pipe_wire_clearance": "clear", "remarks": "",
}


def make_establishment(area: Area, *, name: str = "小吃店", gas_type: str = GasType.LPG, **fields: Any
                       ) -> Establishment:
    unit = fields.pop("organization", None) or OrganizationFactory(
        name=f"{name}（经营者）", kind=Organization.Kind.PRIVATE_ENTERPRISE, area=area)
    return Establishment.objects.create(name=name, address="花木路1号", area=area, organization=unit,
                                        gas_type=gas_type, responsible_name="陈老板", contact_phone="13700001234",
                                        **fields)


def default_version() -> ChecklistVersion:
    version = ChecklistTemplate.objects.get(code="restaurant-gas").current_version()
    assert version is not None
    return version


def passing_answers(version: ChecklistVersion, **overrides: AnswerIn) -> dict[str, AnswerIn]:
    answers = {}
    for item in version.items.all():
        value = PASSING.get(item.code, True)
        answers[item.code] = AnswerIn(value=value)
    answers.update(overrides)
    return answers
