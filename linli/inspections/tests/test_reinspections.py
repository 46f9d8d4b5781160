"""回头看: scheduling every open finding of a campaign, recording outcomes, supervision notices and escalation."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.core.actions import Conflict
from linli.core.models import AuditEvent
from linli.inspections import actions, queries
from linli.inspections.models import Finding, Reinspection, SupervisionNotice, add_working_days
from linli.inspections.tests.factories import inspect_with_hazards, make_campaign
from linli.problems import actions as problem_actions
from linli.problems.models import Problem

TODAY = timezone.localdate
OUT = Reinspection.Outcome


def _notice(officer, second_officer, inspection, agency, deadline):
    finding = inspection.findings.get()
    return actions.issue_notice(actor=officer, inspection=inspection, agency=agency,
                                findings={finding: "《上海市燃气管理条例》"}, requirements="清退超量钢瓶",
                                deadline=deadline, officers=[officer, second_officer])


@pytest.fixture
def campaign(tree, officer, gas_office, snack_shop, ly2_restaurant):
    return make_campaign(officer, gas_office, tree.huamu, [snack_shop, ly2_restaurant])


@pytest.fixture
def scheduled(campaign, officer, second_officer, gas_office, snack_shop):
    """The snack shop's hazard on a notice due in 5 days, its re-inspection scheduled."""
    inspection = inspect_with_hazards(officer, snack_shop, [gas_office], campaign=campaign)
    _notice(officer, second_officer, inspection, gas_office, TODAY() + datetime.timedelta(days=5))
    [reinspection] = actions.schedule_reinspections(actor=officer, campaign=campaign)
    return reinspection


def test_working_days_skip_the_weekend():
    friday = datetime.date(2026, 12, 4)
    assert add_working_days(friday, 3) == datetime.date(2026, 12, 9)  # Mon, Tue, Wed
    assert add_working_days(datetime.date(2026, 12, 5), 1) == datetime.date(2026, 12, 7)  # Saturday → Monday
    assert add_working_days(friday, 0) == friday


@pytest.mark.django_db
def test_every_open_finding_is_scheduled_after_its_notice_deadline_and_twice_creates_nothing(
        campaign, officer, second_officer, gas_office, snack_shop, ly2_restaurant):
    shop = inspect_with_hazards(officer, snack_shop, [gas_office], campaign=campaign)
    deadline = TODAY() + datetime.timedelta(days=5)
    _notice(officer, second_officer, shop, gas_office, deadline)
    inspect_with_hazards(officer, ly2_restaurant, [gas_office], campaign=campaign, fixed_on_spot=True)
    created = actions.schedule_reinspections(actor=officer, campaign=campaign)
    assert [(r.finding.inspection.establishment, r.due_on, r.attempt) for r in created] == [
        (snack_shop, add_working_days(deadline, 3), 1)]  # the hazard fixed on the spot needs no visit
    assert actions.schedule_reinspections(actor=officer, campaign=campaign) == []
    assert Reinspection.objects.count() == 1
    assert AuditEvent.objects.filter(action="inspections.reinspections_scheduled").count() == 1


@pytest.mark.django_db
def test_the_number_of_working_days_is_the_campaigns(tree, officer, gas_office, snack_shop):
    campaign = make_campaign(officer, gas_office, tree.huamu, [snack_shop], reinspection_working_days=5)
    inspection = inspect_with_hazards(officer, snack_shop, [gas_office], campaign=campaign)
    problem_deadline = inspection.findings.get().problem.deadline  # no notice: the problem's deadline
    [reinspection] = actions.schedule_reinspections(actor=officer, campaign=campaign)
    assert reinspection.due_on == add_working_days(problem_deadline, 5)
    with pytest.raises(ValidationError) as refused:
        make_campaign(officer, gas_office, tree.huamu, name="x", reinspection_working_days=-1)
    assert "reinspection_working_days" in refused.value.message_dict


@pytest.mark.django_db
def test_fixed_closes_the_finding_and_its_problem(scheduled, officer):
    actions.record_reinspection(actor=officer, reinspection=scheduled, outcome=OUT.FIXED, note="钢瓶已清退")
    finding = Finding.objects.select_related("problem").get(pk=scheduled.finding_id)
    assert finding.is_closed() and finding.problem.state == Problem.State.VERIFIED
    assert finding.problem.evidence.get().note == "钢瓶已清退"
    assert AuditEvent.objects.filter(action="inspections.reinspection_recorded").count() == 1
    assert AuditEvent.objects.filter(action="problems.verified").count() == 1
    with pytest.raises(Conflict):
        actions.record_reinspection(actor=officer, reinspection=scheduled, outcome=OUT.FIXED)


@pytest.mark.django_db
def test_not_fixed_needs_a_supervision_notice_with_a_new_deadline_from_today(scheduled, officer, peihua1_secretary,
                                                                             lianyang2_secretary):
    for deadline, message in ((None, "give the deadline"), (TODAY() - datetime.timedelta(days=1), "already passed")):
        with pytest.raises(ValidationError) as refused:
            actions.record_reinspection(actor=officer, reinspection=scheduled, outcome=OUT.NOT_FIXED,
                                        new_deadline=deadline)
        assert message in refused.value.message_dict["new_deadline"][0]
    scheduled.refresh_from_db()
    assert scheduled.outcome == "" and not SupervisionNotice.objects.exists()
    new_deadline = TODAY() + datetime.timedelta(days=7)
    actions.record_reinspection(actor=officer, reinspection=scheduled, outcome=OUT.NOT_FIXED,
                                new_deadline=new_deadline, requirements="三日内清退")
    notice = SupervisionNotice.objects.get()
    assert (notice.finding_id, notice.deadline) == (scheduled.finding_id, new_deadline)
    assert list(queries.supervision_notices_visible_to(peihua1_secretary, scheduled.campaign)) == [notice]
    assert not queries.supervision_notices_visible_to(lianyang2_secretary).exists()
    # The next 回头看 follows the supervision notice's deadline.
    [again] = actions.schedule_reinspections(actor=officer, campaign=scheduled.campaign)
    assert (again.attempt, again.due_on) == (2, add_working_days(new_deadline, 3))


@pytest.mark.django_db
def test_not_fixed_twice_or_refused_escalates_for_a_penalty(scheduled, officer, second_officer, gas_office,
                                                            ly2_restaurant):
    actions.record_reinspection(actor=officer, reinspection=scheduled, outcome=OUT.NOT_FIXED,
                                new_deadline=TODAY() + datetime.timedelta(days=3))
    [again] = actions.schedule_reinspections(actor=officer, campaign=scheduled.campaign)
    actions.record_reinspection(actor=officer, reinspection=again, outcome=OUT.NOT_FIXED)
    finding = Finding.objects.get(pk=scheduled.finding_id)
    assert finding.escalated_on == TODAY() and finding.escalation_reason == "Not fixed at two re-inspections."
    assert SupervisionNotice.objects.count() == 1  # the second failure is referred, not supervised again
    assert actions.schedule_reinspections(actor=officer, campaign=scheduled.campaign) == []

    other = inspect_with_hazards(officer, ly2_restaurant, [gas_office], campaign=scheduled.campaign)
    [visit] = actions.schedule_reinspections(actor=officer, campaign=scheduled.campaign)
    actions.record_reinspection(actor=officer, reinspection=visit, outcome=OUT.REFUSED, note="拒绝开门")
    assert Finding.objects.get(inspection=other).escalation_reason == "Refused the re-inspection."
    assert AuditEvent.objects.filter(action="inspections.finding_escalated").count() == 2


@pytest.mark.django_db
def test_a_closed_finding_cannot_be_reinspected(scheduled, officer):
    problem = scheduled.finding.problem
    problem_actions.mark_rectified(actor=officer, problem=problem, note="已整改")
    problem_actions.verify_problem(actor=officer, problem=problem)
    with pytest.raises(ValidationError) as refused:
        actions.record_reinspection(actor=officer, reinspection=scheduled, outcome=OUT.NOT_FIXED,
                                    new_deadline=TODAY())
    assert refused.value.messages == ["This hazard is already closed; there is nothing to re-inspect."]
    scheduled.refresh_from_db()
    assert scheduled.outcome == ""


@pytest.mark.django_db
def test_overdue_reinspections_are_derived_from_the_day(scheduled, officer, huamu_staff, peihua1_secretary,
                                                        lianyang2_secretary):
    due = scheduled.due_on
    assert not queries.reinspections_visible_to(huamu_staff, overdue_on=due).exists()
    assert list(queries.reinspections_visible_to(huamu_staff, overdue_on=due + datetime.timedelta(days=1))) == [
        scheduled]
    assert list(queries.reinspections_visible_to(peihua1_secretary)) == [scheduled]
    assert not queries.reinspections_visible_to(lianyang2_secretary).exists()


@pytest.mark.django_db
def test_an_out_of_scope_secretary_cannot_schedule(campaign, lianyang2_secretary):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.schedule_reinspections(actor=lianyang2_secretary, campaign=campaign)
