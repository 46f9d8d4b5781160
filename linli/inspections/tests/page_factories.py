"""Records for the page tests: an inspection with a hazard, and a notice issued from it."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.utils import timezone

from linli.inspections import actions
from linli.inspections.actions import AnswerIn, FindingIn
from linli.inspections.models import Establishment, Inspection, RectificationNotice
from linli.inspections.tests.factories import default_version, passing_answers

RULE = "《上海市燃气管理条例》第三十五条"


def inspect_with_hazard(officer: Any, establishment: Establishment, departments: list[Any],
                        day: datetime.date | None = None, **kwargs: Any) -> Inspection:
    """An inspection where too many cylinders were stored: one major hazard, on the problem list."""
    version = default_version()
    answers = passing_answers(version, cylinder_count=AnswerIn(value=8, note="钢瓶超量存放",
                                                                finding=FindingIn(location="后厨")))
    inspection, _created = actions.submit_inspection(
        actor=officer, client_id=uuid.uuid4(), establishment=establishment, version=version,
        date=day or timezone.localdate(), departments=departments, officers=[officer], answers=answers, **kwargs)
    return inspection


def issue(officer: Any, second: Any, inspection: Inspection, agency: Any, **kwargs: Any) -> RectificationNotice:
    fields: dict[str, Any] = {
        "findings": kwargs.pop("findings", None) or {inspection.findings.get(): RULE},
        "requirements": "立即清退超量钢瓶",
        "deadline": inspection.date + datetime.timedelta(days=3), "officers": [officer, second],
        "issued_on": inspection.date, "recipient_name": "陈老板", "signature": "refused",
    }
    fields.update(kwargs)
    return actions.issue_notice(actor=officer, inspection=inspection, agency=agency, **fields)
