"""The party demo data: written through the actions, with gaps on the board, and safe to run twice."""

from __future__ import annotations

import datetime

import pytest

from linli.core.models import Organization, PartyOrganization
from linli.core.tests.factories import OrganizationFactory, PartyOrganizationFactory, PersonFactory
from linli.party import queries
from linli.party.demo import CAMPAIGN_NAME, COURSE_TITLE, seed_party_demo
from linli.party.models import Campaign, CommitteeMember, Meeting, TrainingCourse
from linli.problems.models import Problem

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 7, 15)


def test_the_demo_holds_a_year_of_meetings_with_gaps_and_the_secretaries_training(party, tree, huamu_staff):
    party.ly2.secretary = party.members[0]
    party.ly2.save()

    first = seed_party_demo(today=TODAY)
    assert first.created["meetings"] > 0 and first.created["courses"] == 1
    assert CommitteeMember.objects.filter(party_organization=party.ph1).count() == 2  # its two members
    for branch in (party.ph1, party.ly2):  # every neighborhood branch
        assert Meeting.objects.filter(party_organization=branch, campaign__isnull=True).exists()
    assert Meeting.objects.filter(state=Meeting.State.ACCEPTED).exists()
    assert TrainingCourse.objects.get(title=COURSE_TITLE).sessions.count() == 6

    board = queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY)
    assert board.total.branches == 2 and board.total.with_gaps >= 1
    ph1 = next(row for row in board.rows if row.branch == party.ph1)
    held = {c.requirement.kind: [p.status for p in c.periods] for c in ph1.cells}
    assert held[Meeting.Kind.ORGANIZATIONAL_LIFE] == held[Meeting.Kind.EVALUATION] == ["met"]  # held in January
    assert Meeting.objects.filter(party_organization=party.ph1, kind=Meeting.Kind.TALK).exists()
    assert 0 < board.total.talk_covered <= board.total.talk_members

    again = seed_party_demo(today=TODAY)
    assert set(again.created.values()) == {0}


def test_the_demo_campaign_covers_the_branches_with_meetings_lectures_and_a_problem_list(party, tree, huamu_staff):
    unit = OrganizationFactory(name="花木社区卫生服务中心", kind=Organization.Kind.RESIDENT_UNIT, area=tree.huamu)
    PartyOrganizationFactory(name="花木社区卫生服务中心党支部", level=PartyOrganization.Level.BRANCH,
                             organization=unit, parent=party.huamu)
    company = OrganizationFactory(name="上海联洋物业管理有限公司联洋二项目部", kind=Organization.Kind.PROPERTY_COMPANY,
                                  area=tree.lianyang2)
    PersonFactory(name="物业党员", neighborhood=tree.lianyang2, organization=company)

    result = seed_party_demo(today=TODAY)
    assert result.created["campaigns"] == 1 and result.created["branches"] == 1 and result.created["problems"] == 3
    campaign = Campaign.objects.get(name=CAMPAIGN_NAME)
    assert campaign.entries.count() == 4  # 联洋二, 培花一, the clinic's branch and the property company's
    progress = queries.campaign_progress(huamu_staff, campaign)
    meeting_task, problem_task, lecture_task = progress.tasks
    assert progress.total.done_by_task[meeting_task.pk] == 3  # the clinic's branch has no members here
    assert progress.total.done_by_task[lecture_task.pk] == 2 and progress.total.done_by_task[problem_task.pk] == 1
    assert Problem.objects.filter(source=Problem.Source.SELF_EXAMINATION).count() == 3


def test_seeded_in_january_the_demo_still_holds_a_year_of_meetings(party, tree):
    seed_party_demo(today=datetime.date(2026, 1, 10))
    theme_days = Meeting.objects.filter(party_organization=party.ph1, kind=Meeting.Kind.THEME_DAY)
    assert sorted({(d.year, d.month) for d in theme_days.values_list("held_on", flat=True)}) == [
        (2025, m) for m in range(1, 13)]
    assert Meeting.objects.filter(party_organization=party.ph1, kind=Meeting.Kind.GENERAL_ASSEMBLY).count() >= 3
