"""Helpers that record meetings through the actions, the only way a meeting is written."""

from __future__ import annotations

import datetime
from typing import Any

from linli.core.models import PartyOrganization, Person
from linli.party import actions, queries
from linli.party.models import Meeting


def hold(org: PartyOrganization, kind: str = Meeting.Kind.GENERAL_ASSEMBLY, on: datetime.date | None = None,
         *, absent: dict[Person, str] | None = None, actor: Any = None, **fields: Any) -> Meeting:
    """A meeting of `org` that everyone expected attended, except `absent`."""
    on = on or datetime.date(2026, 3, 10)
    absent = absent or {}
    expected = [e.person for e in queries.expected_attendees(org, kind, on)]
    present = [p for p in expected if p not in absent]
    fields.setdefault("topic", "学习《中国共产党支部工作条例(试行)》")
    if kind == Meeting.Kind.SPECIAL:
        fields.setdefault("campaign", "主题教育")
    return actions.record_meeting(actor=actor, party_organization=org, kind=kind, held_on=on, present=present,
                                  absent=absent, **fields)
