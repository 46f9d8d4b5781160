"""Every write to inspections: establishments, campaigns, checklist versions,
inspections with their answers and findings, and rectification notices.

As everywhere in linli: keyword-only, `actor=` (None is the system), one
transaction per call, permission-checked (CHANGE over the establishment's or
campaign's area), and an audit event in the same transaction.

An inspection is submitted whole or not at all: every answer is checked
against its item (type, required, what a failure needs) before anything is
written, photos are checked by their first bytes and size, and a finding not
fixed on the spot becomes a Problem through linli.problems.actions.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.actions import Conflict
from linli.core.models import Area, Organization
from linli.core.scoping import Perm, can, grants_for
from linli.core.uploads import check_upload
from linli.inspections.models import (
    Answer,
    AnswerPhoto,
    Campaign,
    CampaignPhase,
    ChecklistItem,
    ChecklistTemplate,
    ChecklistVersion,
    Establishment,
    Finding,
    Inspection,
    NoticeCounter,
    NoticeItem,
    RectificationNotice,
    Reinspection,
    Seizure,
    SeizureItem,
    SeizureItemKind,
    Severity,
    SupervisionNotice,
    add_working_days,
    default_deadline,
)
from linli.problems import actions as problem_actions
from linli.problems.models import Problem


def _require(actor: Any, perm: Perm, obj: models.Model | None = None) -> None:
    if actor is None:
        return
    if not can(actor, perm, obj):
        raise PermissionDenied(_("You do not have permission to do this here."))


def _user(actor: Any) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def _clean(obj: models.Model) -> None:
    fill = getattr(obj, "fill_derived_fields", None)
    if fill is not None:
        fill()
    obj.full_clean()


# Establishments --------------------------------------------------------------------

ESTABLISHMENT_FIELDS = ("name", "address", "area", "organization", "responsible_name", "contact_phone",
                        "licence_number", "gas_type", "supplier", "cylinder_labels")


@transaction.atomic
def register_establishment(*, actor: Any, **fields: Any) -> Establishment:
    """一户一档: a new establishment record."""
    unknown = set(fields) - set(ESTABLISHMENT_FIELDS)
    if unknown:
        raise TypeError(f"register_establishment() got unexpected fields: {sorted(unknown)}")
    if fields.get("organization") is not None:
        _require(actor, Perm.VIEW, fields["organization"])
    establishment = Establishment(**fields)
    _clean(establishment)
    establishment.save()
    _require(actor, Perm.CHANGE, establishment)  # after the write: not in an area the actor does not hold
    audit.record(actor=actor, action="inspections.establishment_registered", target=establishment,
                 changes=audit.diff({}, audit.snapshot(establishment)))
    return establishment


@transaction.atomic
def update_establishment(*, actor: Any, establishment: Establishment, **fields: Any) -> Establishment:
    unknown = set(fields) - set(ESTABLISHMENT_FIELDS)
    if unknown:
        raise TypeError(f"update_establishment() got unexpected fields: {sorted(unknown)}")
    _require(actor, Perm.CHANGE, establishment)
    locked = Establishment.objects.select_for_update().get(pk=establishment.pk)
    before = audit.snapshot(locked)
    for name, value in fields.items():
        setattr(locked, name, value)
    _clean(locked)
    locked.save()
    _require(actor, Perm.CHANGE, locked)
    changes = audit.diff(before, audit.snapshot(locked))
    if changes:
        audit.record(actor=actor, action="inspections.establishment_updated", target=locked, changes=changes)
    return locked


# Campaigns -------------------------------------------------------------------------

@transaction.atomic
def create_campaign(
    *,
    actor: Any,
    name: str,
    area: Area,
    lead_department: Organization,
    start: datetime.date,
    end: datetime.date,
    departments: Iterable[Organization] = (),
    phases: Sequence[tuple[str, datetime.date, datetime.date]] = (),
    targets: Iterable[Establishment] = (),
    reinspection_working_days: int = 3,
) -> Campaign:
    """A campaign with its lead and participating departments, phases and baseline establishments.

    `reinspection_working_days`: 回头看 falls this many working days after a hazard's deadline.
    """
    if lead_department.kind != Organization.Kind.DEPARTMENT:
        raise ValidationError({"lead_department": _("The lead must be one of the street's functional "
                                                    "departments.")})
    if not 0 <= reinspection_working_days <= 60:
        raise ValidationError({"reinspection_working_days": _("Give between 0 and 60 working days.")})
    campaign = Campaign(name=name.strip(), area=area, lead_department=lead_department, start=start, end=end,
                        reinspection_working_days=reinspection_working_days)
    _clean(campaign)
    campaign.save()
    _require(actor, Perm.CHANGE, campaign)
    campaign.departments.set(list(departments))
    for kind, phase_start, phase_end in phases:
        if kind not in CampaignPhase.Kind.values:
            raise ValidationError({"phases": _("Unknown phase: %(kind)s.") % {"kind": kind}})
        if phase_start < start or phase_end > end or phase_end < phase_start:
            raise ValidationError({"phases": _("Each phase must lie within the campaign's period, in order.")})
        CampaignPhase.objects.create(campaign=campaign, kind=kind, start=phase_start, end=phase_end)
    audit.record(actor=actor, action="inspections.campaign_created", target=campaign,
                 changes=audit.diff({}, audit.snapshot(campaign)),
                 data={"departments": [str(d) for d in campaign.departments.all()]})
    add_campaign_targets(actor=actor, campaign=campaign, establishments=targets)
    return campaign


@transaction.atomic
def add_campaign_targets(*, actor: Any, campaign: Campaign, establishments: Iterable[Establishment]) -> int:
    """Add establishments to the campaign's baseline (底数); each must lie in the campaign's area."""
    _require(actor, Perm.CHANGE, campaign)
    chosen = list(establishments)
    if not chosen:
        return 0
    outside = [e.name for e in chosen if not e.area.path.startswith(campaign.area.path)]
    if outside:
        raise ValidationError({"targets": _("Outside the campaign's area: %(names)s.") % {"names": ", ".join(outside)}})
    before = set(campaign.targets.values_list("pk", flat=True))
    campaign.targets.add(*chosen)
    added = [e for e in chosen if e.pk not in before]
    if added:
        audit.record(actor=actor, action="inspections.targets_added", target=campaign,
                     data={"establishments": [e.name for e in added]})
    return len(added)


# Checklists ------------------------------------------------------------------------

ITEM_FIELDS = ("code", "text", "answer_type", "required", "choices", "fail_values", "limits", "severity",
               "requires_finding", "requires_note", "min_photos")


@transaction.atomic
def publish_checklist_version(*, actor: Any, template_code: str, name: str, items: Sequence[Mapping[str, Any]],
                              config: Mapping[str, Any] | None = None, description: str = "") -> ChecklistVersion:
    """Publish the next version of a checklist (creating the template the first time).

    Earlier versions stay as they were: inspections made with them keep
    their questions and limits; new inspections take this one.

    A checklist is the whole platform's (every campaign, every area), so only
    a platform administrator — a change grant without a scope, as the admin's
    publish page requires — may publish; `actor=None` is the system (seeding).
    """
    if actor is not None and Perm.CHANGE not in grants_for(actor).global_perms:
        raise PermissionDenied(_("Only platform administrators publish checklists."))
    template, _created = ChecklistTemplate.objects.get_or_create(code=template_code,
                                                                 defaults={"name": name, "description": description})
    # The template's row lock numbers versions one at a time.
    template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
    last = template.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = ChecklistVersion.objects.create(template=template, number=last + 1, config=dict(config or {}),
                                              published_at=timezone.now())
    codes: set[str] = set()
    config_keys = set(version.config)
    for position, spec in enumerate(items, start=1):
        unknown = set(spec) - set(ITEM_FIELDS)
        if unknown:
            raise ValidationError(_("Unknown item settings: %(names)s.") % {"names": ", ".join(sorted(unknown))})
        item = ChecklistItem(version=version, position=position, **spec)
        item.full_clean(exclude=["version"])
        if item.code in codes:
            raise ValidationError(_("Item code %(code)s appears twice.") % {"code": item.code})
        codes.add(item.code)
        missing = [v for v in item.limits.values() if isinstance(v, str) and v not in config_keys]
        if missing:
            raise ValidationError(_("Item %(code)s names limits the version does not set: %(names)s.")
                                  % {"code": item.code, "names": ", ".join(missing)})
        item.save()
    audit.record(actor=actor, action="inspections.checklist_published", target=template,
                 data={"version": version.number})
    return version


# Inspections -----------------------------------------------------------------------

@dataclass
class FindingIn:
    description: str = ""
    location: str = ""
    severity: str = ""
    fixed_on_spot: bool = False
    deadline: datetime.date | None = None


@dataclass
class AnswerIn:
    value: Any = None
    note: str = ""
    photos: Sequence[UploadedFile] = ()
    finding: FindingIn | None = None


@dataclass
class _Checked:
    item: ChecklistItem
    value: Any
    passed: bool
    note: str
    photos: list[tuple[UploadedFile, str, int, str]]  # upload, content type, size, extension
    finding: FindingIn | None


def _check_answers(version: ChecklistVersion, answers: Mapping[str, AnswerIn]) -> list[_Checked]:
    """Every answer against its item, all errors at once (keyed by item code); nothing is written."""
    items = {item.code: item for item in version.items.all()}
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(answers) - set(items))
    if unknown:
        errors["answers"] = [_("Not on this checklist: %(codes)s.") % {"codes": ", ".join(unknown)}]
    checked = []
    for code, item in items.items():
        given = answers.get(code)
        if given is None or given.value is None or given.value == "":
            if item.required:
                errors.setdefault(code, []).append(_("Answer this item: %(text)s") % {"text": item.text})
            continue
        try:
            parsed = item.parse(given.value)
        except ValidationError as error:
            errors.setdefault(code, []).extend(error.messages)
            continue
        failed = item.fails(parsed, version.config)
        photos = []
        for upload in given.photos:
            try:
                found = check_upload(upload, field=code, images_only=True)
                photos.append((upload, found.content_type, found.size, found.extension))
            except ValidationError as error:
                errors.setdefault(code, []).extend(error.messages)
        if failed and item.requires_note and not given.note.strip():
            errors.setdefault(code, []).append(_("A failed item needs a note: %(text)s") % {"text": item.text})
        if failed and len(given.photos) < item.min_photos:
            errors.setdefault(code, []).append(
                _("A failed item needs at least %(count)s photo(s): %(text)s") % {"count": item.min_photos,
                                                                                  "text": item.text})
        finding = given.finding
        if finding is not None and finding.severity and finding.severity not in Severity.values:
            errors.setdefault(code, []).append(_("Severity is general or major."))
        # Kept as JSON: a number as its decimal text, so that 1.20 stays 1.20.
        value = str(parsed) if item.answer_type == item.AnswerType.NUMBER else parsed
        checked.append(_Checked(item=item, value=value, passed=not failed, note=given.note.strip(), photos=photos,
                                finding=finding))
    if errors:
        raise ValidationError(errors)
    return checked


def submit_inspection(
    *,
    actor: Any,
    client_id: uuid.UUID | str,
    establishment: Establishment,
    version: ChecklistVersion,
    date: datetime.date,
    departments: Sequence[Organization],
    officers: Sequence[Any],
    answers: Mapping[str, AnswerIn],
    campaign: Campaign | None = None,
    note: str = "",
) -> tuple[Inspection, bool]:
    """Record an inspection with its answers; return it and whether it was created now.

    Idempotent by `client_id`: a retried submission (the phone lost the
    answer to the first one) returns the inspection already saved, even when
    both arrive at the same moment — the unique constraint on client_id
    decides, and the loser reads the winner's row.
    """
    try:
        client_id = uuid.UUID(str(client_id))
    except ValueError:
        raise ValidationError({"client_id": _("The submission id is not a UUID.")}) from None
    existing = _already_submitted(actor, client_id)
    if existing is not None:
        return existing, False
    try:
        return _submit(actor=actor, client_id=client_id, establishment=establishment, version=version, date=date,
                       departments=departments, officers=officers, answers=answers, campaign=campaign,
                       note=note), True
    except _Duplicate:
        existing = _already_submitted(actor, client_id)
        assert existing is not None  # the row that won the race is committed: that is why ours was refused
        return existing, False


class _Duplicate(Exception):
    """Another transaction saved the same client_id first."""


def _already_submitted(actor: Any, client_id: uuid.UUID) -> Inspection | None:
    inspection = Inspection.objects.filter(client_id=client_id).select_related("establishment").first()
    if inspection is not None and actor is not None and inspection.submitted_by_id != actor.pk:
        _require(actor, Perm.VIEW, inspection)  # a guessed id does not reveal someone else's inspection
    return inspection


@transaction.atomic
def _submit(*, actor: Any, client_id: uuid.UUID, establishment: Establishment, version: ChecklistVersion,
            date: datetime.date, departments: Sequence[Organization], officers: Sequence[Any],
            answers: Mapping[str, AnswerIn], campaign: Campaign | None, note: str) -> Inspection:
    _require(actor, Perm.CHANGE, establishment)
    errors: dict[str, list[str]] = {}
    if not version.is_published:
        errors["version"] = [_("This checklist version is not published.")]
    if date > timezone.localdate():
        errors["date"] = [_("The inspection date cannot be in the future.")]
    if not departments:
        errors["departments"] = [_("Name the departments of the inspecting team.")]
    elif any(d.kind != Organization.Kind.DEPARTMENT for d in departments):
        errors["departments"] = [_("Only the street's functional departments inspect.")]
    if not officers:
        errors["officers"] = [_("Name the officers of the inspecting team.")]
    if campaign is not None and not (campaign.start <= date <= campaign.end):
        errors["date"] = [_("The date is outside the campaign's period.")]
    if errors:
        raise ValidationError(errors)
    checked = _check_answers(version, answers)

    inspection = Inspection(client_id=client_id, campaign=campaign, establishment=establishment, version=version,
                            date=date, note=note.strip(), submitted_by=_user(actor))
    try:
        # A savepoint: when another transaction holds the same client_id, this insert waits for it,
        # then fails, and the caller reads the winner's row.
        with transaction.atomic():
            inspection.save()
    except IntegrityError:
        raise _Duplicate from None
    inspection.departments.set(departments)
    inspection.officers.set(officers)

    stored: list[str] = []
    try:
        findings, problems = _write_answers(actor, inspection, checked, stored)
    except BaseException:
        for name in stored:  # the rows roll back; their files must not stay behind
            AnswerPhoto._meta.get_field("file").storage.delete(name)  # type: ignore[attr-defined]
        raise
    audit.record(actor=actor, action="inspections.submitted", target=inspection,
                 data={"client_id": str(client_id), "findings": findings, "problems": problems})
    return inspection


def _write_answers(actor: Any, inspection: Inspection, checked: list[_Checked], stored: list[str]
                   ) -> tuple[int, int]:
    findings = problems = 0
    for c in checked:
        answer = Answer.objects.create(inspection=inspection, item=c.item, value={"v": c.value}, passed=c.passed,
                                       note=c.note)
        for upload, content_type, size, extension in c.photos:
            photo = AnswerPhoto(answer=answer, content_type=content_type, size=size)
            photo.file.save(f"photo.{extension}", upload, save=False)
            stored.append(photo.file.name)
            photo.save()
        if c.passed or not c.item.requires_finding:
            continue
        given = c.finding or FindingIn()
        finding = Finding.objects.create(
            inspection=inspection, answer=answer, item=c.item,
            description=given.description.strip() or c.note or c.item.text, location=given.location.strip(),
            severity=given.severity or c.item.severity, fixed_on_spot=given.fixed_on_spot,
        )
        findings += 1
        if not finding.fixed_on_spot:
            finding.problem = _problem_for(actor, inspection, finding, given.deadline)
            finding.save(update_fields=["problem"])
            problems += 1
    return findings, problems


def _problem_for(actor: Any, inspection: Inspection, finding: Finding, deadline: datetime.date | None) -> Problem:
    """The finding on the problem list, owned by the establishment's responsible unit."""
    establishment = inspection.establishment
    due = deadline or max(default_deadline(inspection.date, inspection.version.config), timezone.localdate())
    return problem_actions.create_problem(
        actor=actor, title=f"{establishment.name}：{finding.description}"[:200], source=Problem.Source.INSPECTION,
        area=establishment.area, owner=establishment.organization, kind=Problem.Kind.DEADLINE,
        description=finding.location, found_on=inspection.date, deadline=due, origin=finding,
    )


# Rectification notices -----------------------------------------------------------------

def _serves(department: Organization, establishment: Establishment) -> bool:
    """A department acts for the areas under its own (the street's gas office for the street's shops), not
    for another street's: its staff see what it issues (RectificationNotice's scope), and its numbers move."""
    area = department.area
    return area is None or establishment.area.path.startswith(area.path)


def _next_serial(agency: Organization, year: int) -> int:
    """The agency's next serial number of the year, held until the transaction ends.

    The counter's row lock is what numbers notices one at a time: a second
    officer issuing at the same moment waits here, then takes the next
    number. get_or_create settles the race to create the year's first
    counter (a savepoint and a unique constraint); the unique constraint on
    (agency, year, serial) is the database's own guarantee behind both.
    """
    NoticeCounter.objects.get_or_create(agency=agency, year=year)
    counter = NoticeCounter.objects.select_for_update().get(agency=agency, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


@transaction.atomic
def issue_notice(
    *,
    actor: Any,
    inspection: Inspection,
    agency: Organization,
    findings: Mapping[Finding, str],
    requirements: str,
    deadline: datetime.date | None,
    officers: Sequence[Any],
    issued_on: datetime.date | None = None,
    reinspection_on: datetime.date | None = None,
    recipient_name: str = "",
    signature: str = "",
) -> RectificationNotice:
    """整改通知书 for hazards found at an inspection: `findings` maps each finding to the rule it breaches.

    Refused without a deadline, with fewer than two officers, or with a
    deadline before the inspection date. The number is the agency's next of the year.
    """
    _require(actor, Perm.CHANGE, inspection)
    issued_on = issued_on or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if agency.kind != Organization.Kind.DEPARTMENT or not _serves(agency, inspection.establishment):
        errors["agency"] = [_("A notice is issued by one of the street's functional departments.")]
    if deadline is None:
        errors["deadline"] = [_("A notice needs a deadline for the rectification.")]
    elif deadline < inspection.date:
        errors["deadline"] = [_("The deadline cannot be before the inspection date (%(date)s).")
                              % {"date": inspection.date}]
    elif deadline < issued_on:
        errors["deadline"] = [_("The deadline cannot be before the notice is issued.")]
    if issued_on < inspection.date or issued_on > timezone.localdate():
        errors["issued_on"] = [_("A notice is issued on or after the inspection, and not in the future.")]
    if len({getattr(o, "pk", o) for o in officers}) < 2:
        errors["officers"] = [_("A notice is signed by two officers.")]
    if reinspection_on is not None and deadline is not None and reinspection_on < deadline:
        errors["reinspection_on"] = [_("The re-inspection comes after the deadline.")]
    if not findings:
        errors["findings"] = [_("Name at least one hazard.")]
    elif any(f.inspection_id != inspection.pk for f in findings):
        errors["findings"] = [_("Only hazards found at this inspection can be on its notice.")]
    elif any(not rule.strip() for rule in findings.values()):
        errors["findings"] = [_("Name the rule each hazard breaches.")]
    if not requirements.strip():
        errors["requirements"] = [_("Say what must be done.")]
    if signature not in ("", *RectificationNotice.Signature.values):
        errors["signature"] = [_("The recipient signed or refused to sign.")]
    if errors:
        raise ValidationError(errors)
    assert deadline is not None
    notice = RectificationNotice.objects.create(
        inspection=inspection, agency=agency, year=issued_on.year, serial=_next_serial(agency, issued_on.year),
        issued_on=issued_on, deadline=deadline, reinspection_on=reinspection_on, requirements=requirements.strip(),
        recipient_name=recipient_name.strip(), signature=signature, issued_by=_user(actor),
    )
    notice.officers.set(officers)
    NoticeItem.objects.bulk_create([NoticeItem(notice=notice, finding=f, rule=rule.strip())
                                    for f, rule in findings.items()])
    audit.record(actor=actor, action="inspections.notice_issued", target=inspection,
                 data={"number": notice.number, "deadline": str(deadline), "findings": len(findings)})
    return notice


# Seizures (收缴) ----------------------------------------------------------------------------

@dataclass
class SeizureItemIn:
    kind: str
    quantity: int
    identifiers: Sequence[str] = ()
    description: str = ""


def _check_seizure_items(items: Sequence[SeizureItemIn]) -> tuple[list[SeizureItem], list[str]]:
    """Every row checked, every problem named by its row number (1-based); nothing is written."""
    errors: list[str] = []
    built: list[SeizureItem] = []
    seen: dict[str, int] = {}
    if not items:
        return [], [_("List at least one seized item.")]
    for row, given in enumerate(items, start=1):
        kind = str(given.kind or "").strip()
        if kind not in SeizureItemKind.values:
            errors.append(_("Row %(row)s: choose what was seized (%(kinds)s).")
                          % {"row": row, "kinds": ", ".join(str(label) for label in SeizureItemKind.labels)})
            continue
        try:
            quantity = int(given.quantity)
        except (TypeError, ValueError):
            errors.append(_("Row %(row)s: the quantity must be a whole number.") % {"row": row})
            continue
        if quantity != given.quantity and not isinstance(given.quantity, str):
            errors.append(_("Row %(row)s: the quantity must be a whole number.") % {"row": row})
            continue
        if quantity <= 0:
            errors.append(_("Row %(row)s: the quantity must be more than zero (it is %(quantity)s).")
                          % {"row": row, "quantity": quantity})
            continue
        identifiers = [str(i).strip() for i in given.identifiers if str(i).strip()]
        if kind == SeizureItemKind.LPG_CYLINDER and identifiers and len(identifiers) != quantity:
            errors.append(_("Row %(row)s: %(quantity)s cylinders but %(count)s e-labels or serial numbers; give "
                            "one for each cylinder, or none.")
                          % {"row": row, "quantity": quantity, "count": len(identifiers)})
            continue
        for identifier in identifiers:
            if identifier in seen:
                errors.append(_("Row %(row)s: %(id)s is listed twice (also in row %(other)s).")
                              % {"row": row, "id": identifier, "other": seen[identifier]})
            seen.setdefault(identifier, row)
        if kind == SeizureItemKind.OTHER and not given.description.strip():
            errors.append(_("Row %(row)s: describe the item.") % {"row": row})
            continue
        built.append(SeizureItem(kind=kind, quantity=quantity, identifiers=identifiers,
                                 description=given.description.strip()[:200]))
    return built, errors


@transaction.atomic
def record_seizure(
    *,
    actor: Any,
    agency: Organization,
    legal_basis: str,
    storage_place: str,
    seized_on: datetime.date,
    officers: Sequence[Any],
    items: Sequence[SeizureItemIn],
    inspection: Inspection | None = None,
    notice: RectificationNotice | None = None,
    establishment: Establishment | None = None,
    campaign: Campaign | None = None,
) -> Seizure:
    """收缴: record what was taken from an establishment, on what legal basis, and where it is kept.

    Give the inspection (or the notice) it was seized at; the establishment
    and campaign follow from it. Refused, with every problem named (items by
    row number), when an item has a zero quantity, a cylinder row's
    e-labels do not match its quantity, the legal basis or storage place is
    missing, fewer than two officers sign, or the date is in the future or
    before the inspection. Nothing is saved unless all of it is right.
    """
    if notice is not None:
        inspection = inspection or notice.inspection
        if notice.inspection_id != inspection.pk:
            raise ValidationError({"notice": _("The notice was not issued at this inspection.")})
    if inspection is not None:
        establishment = establishment or inspection.establishment
        campaign = campaign or inspection.campaign
        if inspection.establishment_id != establishment.pk:
            raise ValidationError({"establishment": _("The inspection was of another establishment.")})
    if establishment is None:
        raise ValidationError({"establishment": _("Say where the items were seized.")})
    _require(actor, Perm.CHANGE, establishment)
    errors: dict[str, list[str]] = {}
    if agency.kind != Organization.Kind.DEPARTMENT or not _serves(agency, establishment):
        errors["agency"] = [_("A seizure is made by one of the street's functional departments.")]
    if not legal_basis.strip():
        errors["legal_basis"] = [_("Name the legal basis of the seizure.")]
    if not storage_place.strip():
        errors["storage_place"] = [_("Say where the seized items are kept.")]
    if seized_on is None:
        errors["seized_on"] = [_("Give the date of the seizure.")]
    elif seized_on > timezone.localdate():
        errors["seized_on"] = [_("The seizure date cannot be in the future.")]
    elif inspection is not None and seized_on < inspection.date:
        errors["seized_on"] = [_("The seizure date cannot be before the inspection (%(date)s).")
                               % {"date": inspection.date}]
    if len({getattr(o, "pk", o) for o in officers}) < 2:
        errors["officers"] = [_("A seizure is made by at least two officers.")]
    built, item_errors = _check_seizure_items(items)
    if item_errors:
        errors["items"] = item_errors
    if errors:
        raise ValidationError(errors)
    seizure = Seizure.objects.create(
        establishment=establishment, campaign=campaign, inspection=inspection, notice=notice, agency=agency,
        legal_basis=legal_basis.strip(), storage_place=storage_place.strip(), seized_on=seized_on,
        recorded_by=_user(actor))
    seizure.officers.set(officers)
    for item in built:
        item.seizure = seizure
    SeizureItem.objects.bulk_create(built)
    audit.record(actor=actor, action="inspections.seizure_recorded", target=seizure,
                 data={"items": {str(SeizureItemKind(i.kind).label): i.quantity for i in built},
                       "establishment": establishment.name})
    return seizure


# 回头看: re-inspections --------------------------------------------------------------------

def _open_findings(campaign: Campaign) -> models.QuerySet[Finding]:
    """The campaign's findings still to be fixed: not fixed on the spot, problem not verified, not escalated."""
    return (Finding.objects.filter(inspection__campaign=campaign, fixed_on_spot=False, escalated_on__isnull=True)
            .exclude(problem__state=Problem.State.VERIFIED))


def _due_from(finding: Finding) -> datetime.date:
    """The deadline a re-inspection follows: the latest supervision notice's (督办) if any, else the latest
    rectification notice's, else the finding's problem's."""
    for deadlines in ([s.deadline for s in finding.supervision_notices.all()],
                      [n.notice.deadline for n in finding.notice_items.all()]):
        if deadlines:
            return max(deadlines)
    if finding.problem is not None and finding.problem.deadline is not None:
        return finding.problem.deadline
    return finding.inspection.date


@transaction.atomic
def schedule_reinspections(*, actor: Any, campaign: Campaign, working_days: int | None = None) -> list[Reinspection]:
    """回头看: schedule one re-inspection for every open finding of the campaign; return the new ones.

    Each is due `working_days` (default: the campaign's setting, 3) working
    days after the finding's deadline (its notice's, a later supervision
    notice's, or its problem's). Idempotent: a finding with a re-inspection
    still pending gets nothing new, so scheduling twice creates nothing the
    second time. The campaign's row lock makes two officers scheduling at
    once take turns; the conditional unique constraint on a pending visit
    per finding is the database's guarantee behind it.
    """
    _require(actor, Perm.CHANGE, campaign)
    days = campaign.reinspection_working_days if working_days is None else working_days
    if days < 0 or days > 60:
        raise ValidationError({"working_days": _("Give between 0 and 60 working days.")})
    Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
    pending = Reinspection.objects.filter(finding__inspection__campaign=campaign, outcome="")
    findings = (_open_findings(campaign).exclude(pk__in=pending.values("finding_id"))
                .select_related("inspection", "problem")
                .prefetch_related("notice_items__notice", "supervision_notices").order_by("pk"))
    attempts = dict(Reinspection.objects.filter(finding__inspection__campaign=campaign).values("finding_id")
                    .annotate(n=models.Max("attempt")).values_list("finding_id", "n"))
    created = [
        Reinspection(finding=f, campaign=campaign, attempt=attempts.get(f.pk, 0) + 1,
                     due_on=add_working_days(_due_from(f), days), scheduled_by=_user(actor))
        for f in findings
    ]
    Reinspection.objects.bulk_create(created)
    if created:
        audit.record(actor=actor, action="inspections.reinspections_scheduled", target=campaign,
                     data={"scheduled": len(created), "due_on": str(min(r.due_on for r in created))})
    return created


def _escalate(actor: Any, finding: Finding, reason: str, on: datetime.date) -> None:
    Finding.objects.filter(pk=finding.pk).update(escalated_on=on, escalation_reason=reason[:200])
    finding.escalated_on, finding.escalation_reason = on, reason[:200]
    audit.record(actor=actor, action="inspections.finding_escalated", target=finding, data={"reason": reason})


def _close_problem(actor: Any, problem: Problem, note: str) -> None:
    """The finding's problem closed through linli.problems: reported rectified (the note as evidence), verified."""
    if problem.state in Problem.TRANSITIONS["rectify"]:
        problem_actions.mark_rectified(actor=actor, problem=problem, note=note)
    elif not problem.evidence.exists():
        problem_actions.add_evidence(actor=actor, problem=problem, note=note)
    problem_actions.verify_problem(actor=actor, problem=problem, note=note)


@transaction.atomic
def record_reinspection(
    *,
    actor: Any,
    reinspection: Reinspection,
    outcome: str,
    done_on: datetime.date | None = None,
    note: str = "",
    new_deadline: datetime.date | None = None,
    requirements: str = "",
) -> Reinspection:
    """The outcome of a 回头看 visit.

    - fixed: the finding's problem is closed (reported rectified with the
      note as evidence, then verified) through linli.problems;
    - not fixed: a supervision notice (督办) with `new_deadline` (required,
      today or later); a second "not fixed" for the same finding escalates
      it instead (flagged for a penalty referral);
    - refused: the finding is escalated.

    Refused for a finding already closed (fixed on the spot or its problem
    verified), or a re-inspection already recorded (409 in the API).
    """
    _require(actor, Perm.CHANGE, reinspection)
    if actor is not None and outcome == Reinspection.Outcome.FIXED and not can(actor, Perm.VERIFY, reinspection):
        raise PermissionDenied(_("Only someone allowed to verify rectifications can record a hazard as fixed."))
    # The row lock: two officers recording the same visit at once — the second sees the first's outcome.
    locked = Reinspection.objects.select_for_update(of=("self",)).select_related(
        "finding__problem", "finding__inspection").get(pk=reinspection.pk)
    if locked.outcome:
        raise Conflict(_("This re-inspection was already recorded (%(outcome)s).")
                       % {"outcome": Reinspection.Outcome(locked.outcome).label}, code="already_recorded")
    finding = locked.finding
    if finding.is_closed():
        raise ValidationError(_("This hazard is already closed; there is nothing to re-inspect."),
                              code="finding_closed")
    today = timezone.localdate()
    done_on = done_on or today
    errors: dict[str, list[str]] = {}
    if outcome not in Reinspection.Outcome.values:
        errors["outcome"] = [_("The outcome is fixed, not fixed or refused.")]
    if done_on > today:
        errors["done_on"] = [_("The re-inspection date cannot be in the future.")]
    elif done_on < finding.inspection.date:
        errors["done_on"] = [_("The re-inspection cannot be before the inspection (%(date)s).")
                             % {"date": finding.inspection.date}]
    failures = finding.reinspections.filter(outcome=Reinspection.Outcome.NOT_FIXED).exclude(pk=locked.pk).count()
    escalate_now = outcome == Reinspection.Outcome.REFUSED or (outcome == Reinspection.Outcome.NOT_FIXED
                                                               and failures >= 1)
    supervise = outcome == Reinspection.Outcome.NOT_FIXED and not escalate_now
    if supervise:
        if new_deadline is None:
            errors["new_deadline"] = [_("A hazard not fixed gets a supervision notice with a new deadline: "
                                        "give the deadline.")]
        elif new_deadline < today:
            errors["new_deadline"] = [_("The new deadline %(date)s has already passed; give a day from today on.")
                                      % {"date": new_deadline}]
    if errors:
        raise ValidationError(errors)
    locked.outcome, locked.done_on, locked.note, locked.recorded_by = outcome, done_on, note.strip(), _user(actor)
    locked.save(update_fields=["outcome", "done_on", "note", "recorded_by"])
    audit.record(actor=actor, action="inspections.reinspection_recorded", target=finding,
                 data={"outcome": outcome, "note": note.strip()[:200]})
    if outcome == Reinspection.Outcome.FIXED and finding.problem is not None:
        _close_problem(actor, finding.problem,
                       note.strip() or _("Found fixed at the re-inspection on %(date)s.") % {"date": done_on})
    elif supervise:
        assert new_deadline is not None
        SupervisionNotice.objects.create(reinspection=locked, finding=finding, issued_on=today,
                                         deadline=new_deadline, requirements=requirements.strip(),
                                         issued_by=_user(actor))
        problem = finding.problem
        if problem is not None and problem.state in Problem.TRANSITIONS["reopen"]:
            # The owner reported it fixed, but it is not: back to them with the new deadline.
            problem_actions.reopen_problem(actor=actor, problem=problem, deadline=new_deadline,
                                           reason=note.strip() or _("Not fixed at the re-inspection."))
        audit.record(actor=actor, action="inspections.supervision_issued", target=finding,
                     data={"deadline": str(new_deadline)})
    elif escalate_now:
        reason = (_("Refused the re-inspection.") if outcome == Reinspection.Outcome.REFUSED
                  else _("Not fixed at two re-inspections."))
        _escalate(actor, finding, reason, done_on)
    return locked
