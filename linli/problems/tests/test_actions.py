"""The rectification workflow as actions: recording, each step, who may verify, evidence, and bad input."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.problems import actions
from linli.problems.models import Evidence, Problem
from linli.problems.tests.factories import PNG, fake_jpeg, make_problem, png_upload

pytestmark = pytest.mark.django_db

S = Problem.State
TODAY = timezone.localdate


def _events(problem: Problem) -> list[str]:
    return list(AuditEvent.objects.filter(target_id=str(problem.pk), action__startswith="problems.")
                .order_by("id").values_list("action", flat=True))


def _stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# Recording ---------------------------------------------------------------------------

def test_a_recorded_problem_is_open_owned_placed_and_audited(tree, lianyang2_secretary, resident_unit, ly2_resident):
    problem = actions.create_problem(
        actor=lianyang2_secretary, title="电线与燃气管道紧挨", source=Problem.Source.INSPECTION, area=tree.lianyang2,
        owner=resident_unit, responsible_person=ly2_resident, deadline=TODAY() + datetime.timedelta(days=7),
    )
    assert problem.state == S.OPEN
    assert problem.owner == resident_unit and problem.responsible_person == ly2_resident
    assert problem.created_by == lianyang2_secretary
    assert _events(problem) == ["problems.created"]


def test_another_module_names_the_record_a_problem_came_from(tree, resident_unit, ly2_resident):
    # Any record will do as the origin: here a person stands in for an inspection finding.
    problem = actions.create_problem(actor=None, title="钢瓶超量存放", source=Problem.Source.INSPECTION,
                                     area=tree.lianyang2, owner=resident_unit, origin=ly2_resident,
                                     deadline=TODAY())
    problem.refresh_from_db()
    assert problem.origin == ly2_resident
    event = AuditEvent.objects.get(action="problems.created", target_id=str(problem.pk))
    assert event.data == {"origin": f"core.person:{ly2_resident.pk}"}


def test_a_deadline_already_passed_is_refused_and_nothing_is_saved(tree, lianyang2_secretary, resident_unit):
    with pytest.raises(ValidationError) as refused:
        actions.create_problem(actor=lianyang2_secretary, title="软管老化", source=Problem.Source.INSPECTION,
                               area=tree.lianyang2, owner=resident_unit, deadline=TODAY() - datetime.timedelta(days=1))
    assert "has already passed" in refused.value.message_dict["deadline"][0]
    assert not Problem.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="problems.").exists()


def test_a_problem_to_fix_by_a_deadline_needs_one(tree, lianyang2_secretary, resident_unit):
    with pytest.raises(ValidationError) as refused:
        actions.create_problem(actor=lianyang2_secretary, title="软管老化", source=Problem.Source.OTHER,
                               area=tree.lianyang2, owner=resident_unit, kind=Problem.Kind.DEADLINE)
    assert "deadline" in refused.value.message_dict
    assert not Problem.objects.exists()


def test_a_fix_at_once_problem_is_due_the_day_it_was_found(tree, lianyang2_secretary, resident_unit):
    problem = actions.create_problem(actor=lianyang2_secretary, title="会议记录不全", source=Problem.Source.MEETING,
                                     area=tree.lianyang2, owner=resident_unit, kind=Problem.Kind.IMMEDIATE)
    assert problem.deadline == TODAY()


def test_a_long_term_problem_may_have_no_deadline(tree, lianyang2_secretary, resident_unit):
    problem = actions.create_problem(actor=lianyang2_secretary, title="党员示范作用", source=Problem.Source.MEETING,
                                     area=tree.lianyang2, owner=resident_unit, kind=Problem.Kind.LONG_TERM)
    assert problem.deadline is None and not problem.is_overdue()


def test_a_problem_cannot_be_recorded_outside_the_actors_area(tree, peihua1_secretary, resident_unit, ph1_unit):
    with pytest.raises(PermissionDenied):
        actions.create_problem(actor=peihua1_secretary, title="越权", source=Problem.Source.OTHER,
                               area=tree.lianyang2, owner=ph1_unit, deadline=TODAY())
    assert not Problem.objects.exists()


# The workflow ------------------------------------------------------------------------

def test_open_rectifying_rectified_verified(tree, lianyang2_secretary, org_liaison, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit)

    actions.start_rectification(actor=org_liaison, problem=problem, measures="更换软管，加装报警器")
    assert problem.state == S.RECTIFYING
    actions.mark_rectified(actor=org_liaison, problem=problem, note="软管已更换，报警器已安装。")
    assert problem.state == S.RECTIFIED
    assert Evidence.objects.get(problem=problem).note == "软管已更换，报警器已安装。"
    actions.verify_problem(actor=lianyang2_secretary, problem=problem)

    problem.refresh_from_db()
    assert problem.state == S.VERIFIED
    assert problem.verified_by == lianyang2_secretary and problem.verified_at is not None
    assert problem.measures == "更换软管，加装报警器"
    assert _events(problem) == ["problems.started", "problems.rectified", "problems.evidence_added",
                                "problems.verified"]


def test_a_fix_at_once_problem_goes_straight_to_rectified(tree, lianyang2_staff, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit, kind=Problem.Kind.IMMEDIATE)
    actions.mark_rectified(actor=lianyang2_staff, problem=problem)
    assert Problem.objects.get(pk=problem.pk).state == S.RECTIFIED


def test_verifying_without_evidence_is_refused(tree, lianyang2_secretary, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit, S.RECTIFIED)
    with pytest.raises(ValidationError) as refused:
        actions.verify_problem(actor=lianyang2_secretary, problem=problem)
    assert refused.value.code == "no_evidence"
    problem.refresh_from_db()
    assert problem.state == S.RECTIFIED and problem.verified_at is None
    assert not AuditEvent.objects.filter(action="problems.verified").exists()


@pytest.mark.parametrize("who", ["lianyang2_staff", "org_liaison"])
def test_only_named_roles_may_verify(request, tree, resident_unit, who):
    problem = make_problem(tree.lianyang2, resident_unit, S.RECTIFIED, evidence=True)
    with pytest.raises(PermissionDenied):
        actions.verify_problem(actor=request.getfixturevalue(who), problem=problem)
    assert Problem.objects.get(pk=problem.pk).state == S.RECTIFIED


def test_a_verifier_of_another_area_may_not_verify(tree, peihua1_secretary, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit, S.RECTIFIED, evidence=True)
    with pytest.raises(PermissionDenied):
        actions.verify_problem(actor=peihua1_secretary, problem=problem)


def test_subdistrict_staff_verify_below_their_area(tree, huamu_staff, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit, S.RECTIFIED, evidence=True)
    actions.verify_problem(actor=huamu_staff, problem=problem)
    assert Problem.objects.get(pk=problem.pk).state == S.VERIFIED


def test_a_step_from_the_wrong_state_is_a_conflict(tree, lianyang2_secretary, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit, S.OPEN, evidence=True)
    with pytest.raises(actions.IllegalTransition) as refused:
        actions.verify_problem(actor=lianyang2_secretary, problem=problem)
    assert "Open" in refused.value.messages[0]


def test_a_stale_copy_cannot_verify_twice(tree, lianyang2_secretary, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit, S.RECTIFIED, evidence=True)
    stale = Problem.objects.get(pk=problem.pk)
    actions.verify_problem(actor=lianyang2_secretary, problem=problem)
    with pytest.raises(actions.IllegalTransition):
        actions.verify_problem(actor=lianyang2_secretary, problem=stale)
    assert AuditEvent.objects.filter(action="problems.verified").count() == 1


def test_reopening_needs_a_reason_and_sends_it_back(tree, lianyang2_secretary, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit, S.VERIFIED, evidence=True)
    with pytest.raises(ValidationError):
        actions.reopen_problem(actor=lianyang2_secretary, problem=problem, reason="  ")
    new_deadline = TODAY() + datetime.timedelta(days=5)
    actions.reopen_problem(actor=lianyang2_secretary, problem=problem, reason="回头看发现软管又老化",
                           deadline=new_deadline)
    problem.refresh_from_db()
    assert problem.state == S.REOPENED and problem.deadline == new_deadline and problem.verified_at is None
    actions.start_rectification(actor=lianyang2_secretary, problem=problem)
    assert problem.state == S.RECTIFYING


# Evidence ------------------------------------------------------------------------------

def test_a_photo_is_stored_with_its_real_type(tree, org_liaison, resident_unit, media_root):
    problem = make_problem(tree.lianyang2, resident_unit, S.RECTIFYING)
    evidence = actions.add_evidence(actor=org_liaison, problem=problem, note="整改后", file=png_upload("现场.png"))
    assert evidence.content_type == "image/png" and evidence.size == len(PNG) and evidence.file_name == "现场.png"
    assert evidence.file.read() == PNG
    assert len(_stored_files(media_root)) == 1
    assert _events(problem) == ["problems.evidence_added"]


def test_a_file_that_is_not_a_photo_or_pdf_is_refused_and_nothing_is_stored(tree, org_liaison, resident_unit,
                                                                            media_root):
    problem = make_problem(tree.lianyang2, resident_unit, S.RECTIFYING)
    with pytest.raises(ValidationError) as refused:
        actions.add_evidence(actor=org_liaison, problem=problem, note="照片", file=fake_jpeg("现场.jpg"))
    assert "is not a JPEG, PNG or WebP photo, or a PDF" in refused.value.message_dict["file"][0]
    assert not Evidence.objects.exists()
    assert _stored_files(media_root) == []
    assert _events(problem) == []


def test_a_file_over_the_limit_is_refused(tree, org_liaison, resident_unit, settings, media_root):
    settings.LINLI_UPLOAD_MAX_BYTES = 1024
    problem = make_problem(tree.lianyang2, resident_unit, S.RECTIFYING)
    big = SimpleUploadedFile("big.png", PNG + b"\0" * 2000, content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        actions.add_evidence(actor=org_liaison, problem=problem, file=big)
    assert "the limit is 1.0" in refused.value.message_dict["file"][0]
    assert not Evidence.objects.exists() and _stored_files(media_root) == []


def test_empty_evidence_is_refused(tree, org_liaison, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit, S.RECTIFYING)
    with pytest.raises(ValidationError):
        actions.add_evidence(actor=org_liaison, problem=problem, note="  ")


def test_a_closed_problem_takes_no_more_evidence(tree, lianyang2_secretary, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit, S.VERIFIED, evidence=True)
    with pytest.raises(actions.IllegalTransition):
        actions.add_evidence(actor=lianyang2_secretary, problem=problem, note="补充")


def test_evidence_is_not_added_out_of_scope(tree, peihua1_secretary, resident_unit):
    problem = make_problem(tree.lianyang2, resident_unit, S.RECTIFYING)
    with pytest.raises(PermissionDenied):
        actions.add_evidence(actor=peihua1_secretary, problem=problem, note="越权")
