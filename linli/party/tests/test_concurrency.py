"""Races settled by the database, with real parallel connections: reviewers
pressing accept and return on the same submitted record at once; staff
covering the same organizations with a campaign at once."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection

from linli.core.models import AuditEvent, PartyOrganization, User
from linli.party import actions
from linli.party.actions import IllegalTransition
from linli.party.models import CampaignOrganization, Meeting
from linli.party.tests.factories import hold

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

REVIEWERS = 8


def test_of_reviewers_acting_at_once_exactly_one_decides(party, lianyang_staff, lianyang2_secretary):
    meeting = hold(party.ly2, minutes="会议记录")
    actions.submit_meeting(actor=lianyang2_secretary, meeting=meeting)
    barrier = threading.Barrier(REVIEWERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def review(n: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait()
            actor = User.objects.get(pk=lianyang_staff.pk)
            stale = Meeting.objects.select_related("party_organization__parent").get(pk=meeting.pk)
            if n % 2:
                actions.accept_meeting(actor=actor, meeting=stale)
            else:
                actions.return_meeting(actor=actor, meeting=stale, comment="补签到表")
            result = "decided"
        except IllegalTransition:
            result = "refused"
        except Exception as error:  # anything else is a failure, reported below
            result = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=review, args=(n,)) for n in range(REVIEWERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["decided"] + ["refused"] * (REVIEWERS - 1), outcomes
    decided = AuditEvent.objects.filter(action__in=["party.meeting_accepted", "party.meeting_returned"],
                                        target_id=str(meeting.pk))
    assert decided.count() == 1


COVERERS = 6


def test_covering_the_same_subtree_at_once_adds_each_organization_once(party, tree, huamu_staff):
    campaign = actions.create_campaign(actor=huamu_staff, name="主题教育", area=tree.huamu, lead=party.huamu,
                                       starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2026, 12, 31))
    barrier = threading.Barrier(COVERERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def cover() -> None:
        try:
            connection.ensure_connection()
            barrier.wait()
            actor = User.objects.get(pk=huamu_staff.pk)
            orgs = PartyOrganization.objects.filter(pk__in=actions.subtree(party.huamu))
            result = str(len(actions.cover_organizations(actor=actor, campaign=campaign, party_organizations=orgs)))
        except Exception as error:  # any refusal is a failure, reported below
            result = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=cover) for _ in range(COVERERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["0"] * (COVERERS - 1) + ["2"], outcomes
    assert CampaignOrganization.objects.filter(campaign=campaign).count() == 2
    assert AuditEvent.objects.filter(action="party.campaign_organizations_added").count() == 1
