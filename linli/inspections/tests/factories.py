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


def make_campaign(actor: Any, lead: Organization, area: Area, targets: Any = (), *,
                  name: str = "餐饮行业用气安全专项整治",
                  days_before: int = 30, **fields: Any) -> Any:
    """A campaign running from `days_before` days ago to 60 days from now."""
    import datetime

    from django.utils import timezone

    from linli.inspections import actions

    today = timezone.localdate()
    return actions.create_campaign(actor=actor, name=name, area=area, lead_department=lead,
                                   start=today - datetime.timedelta(days=days_before),
                                   end=today + datetime.timedelta(days=60), targets=targets, **fields)


def inspect_with_hazards(actor: Any, establishment: Establishment, departments: Any, *, campaign: Any = None,
                         day: Any = None, major: bool = False, fixed_on_spot: bool = False) -> Any:
    """An inspection finding too many cylinders stored (and, if `major`, a cylinder in the dining area)."""
    import uuid

    from django.utils import timezone

    from linli.inspections import actions
    from linli.inspections.actions import FindingIn

    version = default_version()
    overrides = {"cylinder_count": AnswerIn(value=8, note="超量存放",
                                            finding=FindingIn(fixed_on_spot=fixed_on_spot))}
    if major:
        overrides["no_cylinder_in_dining_or_cabinet"] = AnswerIn(value=False, note="就餐区内放置钢瓶")
    inspection, _created = actions.submit_inspection(
        actor=actor, client_id=uuid.uuid4(), establishment=establishment, version=version,
        date=day or timezone.localdate(), departments=departments, officers=[actor],
        answers=passing_answers(version, **overrides), campaign=campaign)
    return inspection
