"""Submitting an inspection: answers → findings → problems, bad input refused whole, idempotent retries."""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.inspections import actions
from linli.inspections.actions import AnswerIn, FindingIn
from linli.inspections.models import Answer, AnswerPhoto, Finding, Inspection, Severity
from linli.inspections.tests.factories import default_version, passing_answers
from linli.problems.models import Problem
from linli.problems.tests.factories import PNG, fake_jpeg, png_upload

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _submit(officer, establishment, departments, answers=None, **kwargs):
    version = kwargs.pop("version", None) or default_version()
    return actions.submit_inspection(
        actor=officer, client_id=kwargs.pop("client_id", uuid.uuid4()), establishment=establishment,
        version=version, date=kwargs.pop("date", TODAY()), departments=departments,
        officers=kwargs.pop("officers", [officer]), answers=answers or passing_answers(version), **kwargs)


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_clean_inspection_has_answers_and_no_findings(tree, officer, second_officer, fire_service, gas_office,
                                                        snack_shop):
    inspection, created = _submit(officer, snack_shop, [fire_service, gas_office],
                                  officers=[officer, second_officer])
    assert created
    assert inspection.answers.count() == default_version().items.count() - 1  # the empty remark is not kept
    assert not inspection.findings.exists() and not Problem.objects.exists()
    assert set(inspection.officers.all()) == {officer, second_officer}
    event = AuditEvent.objects.get(action="inspections.submitted")
    assert event.data["findings"] == 0 and event.data["client_id"] == str(inspection.client_id)


def test_failed_answers_become_findings_and_those_not_fixed_become_problems(tree, officer, fire_service,
                                                                           snack_shop, media_root):
    answers = passing_answers(
        default_version(),
        pipe_wire_clearance=AnswerIn(value="touching", photos=[png_upload()],
                                     finding=FindingIn(description="电线与燃气管道紧挨", location="后厨灶台")),
        hose_length_m=AnswerIn(value="2.6", finding=FindingIn(fixed_on_spot=True)),
        cylinder_count=AnswerIn(value=7, note="超量存放3个",
                                finding=FindingIn(severity=Severity.GENERAL, deadline=TODAY() + datetime.timedelta(3))),
    )
    inspection, _ = _submit(officer, snack_shop, [fire_service], answers)

    findings = {f.item.code: f for f in inspection.findings.select_related("item", "problem")}
    assert set(findings) == {"pipe_wire_clearance", "hose_length_m", "cylinder_count"}
    wire = findings["pipe_wire_clearance"]
    assert wire.severity == Severity.MAJOR and wire.location == "后厨灶台" and not wire.fixed_on_spot
    assert wire.problem.owner == snack_shop.organization
    assert wire.problem.source == Problem.Source.INSPECTION and wire.problem.area == snack_shop.area
    assert wire.problem.origin == wire
    assert wire.problem.deadline == TODAY() + datetime.timedelta(days=7)  # the checklist's rectification_days
    assert findings["hose_length_m"].fixed_on_spot and findings["hose_length_m"].problem is None
    assert findings["cylinder_count"].severity == Severity.GENERAL
    assert findings["cylinder_count"].description == "超量存放3个"
    assert findings["cylinder_count"].problem.deadline == TODAY() + datetime.timedelta(3)
    assert Problem.objects.count() == 2
    assert len(_files(media_root)) == 1 and AnswerPhoto.objects.get().content_type == "image/png"


def test_a_missing_required_answer_is_refused_and_nothing_is_saved(tree, officer, fire_service, snack_shop):
    answers = passing_answers(default_version())
    del answers["gas_alarm_installed"]
    answers["hose_not_aged"] = AnswerIn(value=False)  # would make a finding and a problem
    with pytest.raises(ValidationError) as refused:
        _submit(officer, snack_shop, [fire_service], answers)
    assert "Answer this item" in refused.value.message_dict["gas_alarm_installed"][0]
    assert "at least 1 photo" in refused.value.message_dict["hose_not_aged"][0]
    assert not Inspection.objects.exists() and not Answer.objects.exists() and not Problem.objects.exists()


def test_a_failure_needing_a_note_is_refused_without_one(tree, officer, fire_service, snack_shop):
    answers = passing_answers(default_version(), cylinder_count=AnswerIn(value=9))
    with pytest.raises(ValidationError) as refused:
        _submit(officer, snack_shop, [fire_service], answers)
    assert "needs a note" in refused.value.message_dict["cylinder_count"][0]


def test_a_photo_that_is_not_an_image_or_too_large_is_refused(tree, officer, fire_service, snack_shop, settings,
                                                              media_root):
    answers = passing_answers(default_version(), hose_not_aged=AnswerIn(value=False, photos=[fake_jpeg()]))
    with pytest.raises(ValidationError) as refused:
        _submit(officer, snack_shop, [fire_service], answers)
    assert "is not a JPEG, PNG or WebP photo" in refused.value.message_dict["hose_not_aged"][0]
    settings.LINLI_UPLOAD_MAX_BYTES = 100
    big = SimpleUploadedFile("big.png", PNG + b"\0" * 200)
    answers = passing_answers(default_version(), hose_not_aged=AnswerIn(value=False, photos=[big]))
    with pytest.raises(ValidationError) as refused:
        _submit(officer, snack_shop, [fire_service], answers)
    assert "the limit is" in refused.value.message_dict["hose_not_aged"][0]
    assert not Inspection.objects.exists() and _files(media_root) == []


def test_an_answer_that_does_not_fit_its_item_and_an_unknown_item_are_refused(tree, officer, fire_service,
                                                                             snack_shop):
    answers = passing_answers(default_version(), hose_length_m=AnswerIn(value="long"), teleport=AnswerIn(value=1))
    with pytest.raises(ValidationError) as refused:
        _submit(officer, snack_shop, [fire_service], answers)
    errors = refused.value.message_dict
    assert "hose_length_m" in errors and "teleport" in errors["answers"][0]


def test_the_team_and_date_are_checked(tree, officer, fire_service, resident_unit, snack_shop):
    with pytest.raises(ValidationError) as refused:
        _submit(officer, snack_shop, [], officers=[], date=TODAY() + datetime.timedelta(days=1))
    assert {"departments", "officers", "date"} <= set(refused.value.message_dict)
    with pytest.raises(ValidationError) as refused:
        _submit(officer, snack_shop, [resident_unit])
    assert "departments" in refused.value.message_dict


def test_an_establishment_out_of_scope_cannot_be_inspected(tree, peihua1_secretary, lianyang2_secretary,
                                                           fire_service, snack_shop):
    with pytest.raises(PermissionDenied):
        _submit(lianyang2_secretary, snack_shop, [fire_service])
    assert not Inspection.objects.exists()


# Idempotent submission ----------------------------------------------------------------

def test_a_retried_submission_returns_the_first_and_duplicates_nothing(tree, officer, fire_service, snack_shop):
    client_id = uuid.uuid4()
    answers = passing_answers(default_version(), hose_not_aged=AnswerIn(value=False, photos=[png_upload()]))
    first, created = _submit(officer, snack_shop, [fire_service], answers, client_id=client_id)
    assert created
    again, created_again = _submit(officer, snack_shop, [fire_service], answers, client_id=str(client_id))
    assert not created_again and again.pk == first.pk
    assert Inspection.objects.count() == 1 and Finding.objects.count() == 1 and Problem.objects.count() == 1
    assert AuditEvent.objects.filter(action="inspections.submitted").count() == 1


def test_the_database_refuses_a_second_inspection_with_the_same_submission_id(tree, officer, fire_service,
                                                                             snack_shop):
    first, _ = _submit(officer, snack_shop, [fire_service])
    with pytest.raises(IntegrityError), transaction.atomic():
        Inspection.objects.create(client_id=first.client_id, establishment=snack_shop, version=first.version,
                                  date=first.date)


def test_a_guessed_submission_id_does_not_reveal_another_areas_inspection(tree, officer, lianyang2_secretary,
                                                                         fire_service, snack_shop, ly2_restaurant):
    first, _ = _submit(officer, snack_shop, [fire_service])
    with pytest.raises(PermissionDenied):
        _submit(lianyang2_secretary, ly2_restaurant, [fire_service], client_id=first.client_id)


def test_a_submission_id_must_be_a_uuid(tree, officer, fire_service, snack_shop):
    with pytest.raises(ValidationError):
        _submit(officer, snack_shop, [fire_service], client_id="retry-1")
