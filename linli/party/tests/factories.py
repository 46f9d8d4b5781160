"""Helpers that record meetings through the actions, the only way a meeting is written."""

from __future__ import annotations

import datetime
from typing import Any

from linli.core.models import PartyOrganization, Person
from linli.party import actions, queries
from linli.party.models import Campaign, Meeting


def hold(org: PartyOrganization, kind: str = Meeting.Kind.GENERAL_ASSEMBLY, on: datetime.date | None = None,
         *, absent: dict[Person, str] | None = None, actor: Any = None, **fields: Any) -> Meeting:
    """A meeting of `org` that everyone expected attended, except `absent`."""
    on = on or datetime.date(2026, 3, 10)
    absent = absent or {}
    expected = [e.person for e in queries.expected_attendees(org, kind, on)]
    present = [p for p in expected if p not in absent]
    fields.setdefault("topic", "学习《中国共产党支部工作条例(试行)》")
    if kind == Meeting.Kind.SPECIAL and "campaign" not in fields:
        fields["campaign"] = campaign(org.parent if org.level == "group" and org.parent else org)
    return actions.record_meeting(actor=actor, party_organization=org, kind=kind, held_on=on, present=present,
                                  absent=absent, **fields)


def campaign(*orgs: PartyOrganization, name: str = "主题教育", area: Any = None,
             start: datetime.date = datetime.date(2026, 1, 1), end: datetime.date = datetime.date(2026, 12, 31)
             ) -> Campaign:
    """The campaign `name` (made on first use, in the first organization's area), covering `orgs`."""
    found = Campaign.objects.filter(name=name).first()
    if found is None:
        lead = orgs[0].parent or orgs[0]
        found = actions.create_campaign(actor=None, name=name, area=area or lead.area or orgs[0].area, lead=lead,
                                        starts_on=start, ends_on=end)
    actions.cover_organizations(actor=None, campaign=found, party_organizations=orgs)
    return found
