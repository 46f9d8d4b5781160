"""Joint-enforcement inspections: establishments (一户一档), campaigns,
versioned checklists, inspections with their answers and findings, and
rectification notices (整改通知书).

A checklist's limits (hose length, cylinders stored, distances) are data in
its version's `config`, not code: the street changes a limit by publishing a
new version, which affects only inspections made with it. A failed answer
becomes a Finding; a finding not fixed on the spot becomes a Problem
(linli.problems), owned by the establishment's responsible unit.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.models import Area, Organization
from linli.core.validators import mask_phone, normalize_phone, validate_phone


class GasType(models.TextChoices):
    PIPELINE = "pipeline", _("Pipeline gas")
    LPG = "lpg", _("LPG cylinders")


class Severity(models.TextChoices):
    GENERAL = "general", _("General")  # 一般
    MAJOR = "major", _("Major")  # 重大


class Establishment(models.Model):
    """一户一档: one record per restaurant or snack shop, with its gas supply."""

    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=255)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="establishments")
    # The unit answerable for the premises: problems found here are owned by it.
    organization = models.ForeignKey(Organization, verbose_name=_("responsible unit"), on_delete=models.PROTECT,
                                     related_name="establishments")
    responsible_name = models.CharField(_("responsible person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True, validators=[validate_phone])
    licence_number = models.CharField(_("business licence number"), max_length=32, blank=True)
    gas_type = models.CharField(_("gas type"), max_length=16, choices=GasType.choices)
    supplier = models.CharField(_("gas supplier"), max_length=200, blank=True)
    # The e-labels (电子标签) of the cylinders registered to the premises.
    cylinder_labels = models.JSONField(_("cylinder e-label ids"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_area_lookups: ClassVar = ("area__path",)
    scope_organization_lookups: ClassVar = ("organization_id",)
    # Often the owner's own mobile: masked like residents' numbers (and in the audit trail).
    sensitive_fields: ClassVar = {"contact_phone": mask_phone}

    class Meta:
        verbose_name = _("establishment")
        verbose_name_plural = _("establishments")
        ordering: ClassVar = ["name", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["licence_number"], condition=~Q(licence_number=""),
                                    name="inspections_est_unique_licence",
                                    violation_error_message=_("An establishment with this licence number is "
                                                              "already registered.")),
        ]

    def __str__(self) -> str:
        return self.name

    def fill_derived_fields(self) -> None:
        self.name = self.name.strip()
        self.licence_number = self.licence_number.strip().upper()
        if self.contact_phone:
            self.contact_phone = normalize_phone(self.contact_phone)
        self.cylinder_labels = sorted({str(label).strip() for label in self.cylinder_labels if str(label).strip()})

    def clean(self) -> None:
        if self.cylinder_labels and self.gas_type != GasType.LPG:
            raise ValidationError({"cylinder_labels": _("Only premises on LPG cylinders have cylinder e-labels.")})

    @property
    def masked_contact_phone(self) -> str:
        return mask_phone(self.contact_phone)


class Campaign(models.Model):
    """专项整治: e.g. 餐饮行业用气安全专项整治, led by one department with others taking part."""

    name = models.CharField(_("name"), max_length=200)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="campaigns")
    lead_department = models.ForeignKey(Organization, verbose_name=_("lead department"), on_delete=models.PROTECT,
                                        related_name="campaigns_led")
    departments = models.ManyToManyField(Organization, verbose_name=_("participating departments"), blank=True,
                                         related_name="campaigns")
    start = models.DateField(_("starts on"))
    end = models.DateField(_("ends on"))
    # The baseline (底数): the establishments the campaign must cover.
    targets = models.ManyToManyField(Establishment, verbose_name=_("target establishments"), blank=True,
                                     related_name="campaigns")
    # 回头看: an open finding is re-inspected within this many working days after its deadline.
    reinspection_working_days = models.PositiveSmallIntegerField(_("re-inspection within (working days)"),
                                                                 default=3)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_area_lookups: ClassVar = ("area__path",)
    scope_organization_lookups: ClassVar = ("lead_department_id",)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering: ClassVar = ["-start", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="inspections_campaign_period_in_order",
                                   violation_error_message=_("The campaign ends before it starts.")),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("The campaign ends before it starts.")})


class CampaignPhase(models.Model):
    class Kind(models.TextChoices):
        CONCENTRATED = "concentrated", _("Concentrated rectification")  # 集中整治
        CONSOLIDATION = "consolidation", _("Consolidation and look-back")  # 巩固/回头看

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE,
                                 related_name="phases")
    kind = models.CharField(_("phase"), max_length=16, choices=Kind.choices)
    start = models.DateField(_("starts on"))
    end = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("campaign phase")
        verbose_name_plural = _("campaign phases")
        ordering: ClassVar = ["start", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["campaign", "kind"], name="inspections_phase_once"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="inspections_phase_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.get_kind_display()}"


class ChecklistTemplate(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name

    def current_version(self) -> ChecklistVersion | None:
        """The newest published version: what a new inspection answers."""
        return self.versions.filter(published_at__isnull=False).order_by("-number").first()


class ChecklistVersion(models.Model):
    """One version of a checklist: its items and its limits (`config`). Published versions never change."""

    template = models.ForeignKey(ChecklistTemplate, verbose_name=_("template"), on_delete=models.PROTECT,
                                 related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    # The limits the items' rules name, e.g. {"hose_min_m": 1.2, "max_cylinders": 4}.
    config = models.JSONField(_("limits"), default=dict, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")
        ordering: ClassVar = ["template", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["template", "number"], name="inspections_version_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ChecklistItem(models.Model):
    class AnswerType(models.TextChoices):
        YES_NO = "yes_no", _("Yes / no")
        NUMBER = "number", _("Number")
        CHOICE = "choice", _("Choice")
        TEXT = "text", _("Text")

    version = models.ForeignKey(ChecklistVersion, verbose_name=_("version"), on_delete=models.CASCADE,
                                related_name="items")
    code = models.SlugField(_("code"), max_length=64)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("question"), max_length=300)
    answer_type = models.CharField(_("answer type"), max_length=16, choices=AnswerType.choices)
    required = models.BooleanField(_("required"), default=True)
    # CHOICE: [{"value": "touching", "label": "电线紧贴燃气管道"}, ...]
    choices = models.JSONField(_("choices"), default=list, blank=True)
    # The answers that fail: for YES_NO [false] or [true]; for CHOICE a list of values.
    fail_values = models.JSONField(_("failing answers"), default=list, blank=True)
    # NUMBER: {"min": 1.2 | "<config key>", "max": ...}; a string names a limit of the version's config.
    limits = models.JSONField(_("number limits"), default=dict, blank=True)
    severity = models.CharField(_("severity when failed"), max_length=16, choices=Severity.choices,
                                default=Severity.GENERAL)
    # What a failed answer needs: a finding (else the failure is only noted), a note, photos.
    requires_finding = models.BooleanField(_("failure makes a finding"), default=True)
    requires_note = models.BooleanField(_("failure needs a note"), default=False)
    min_photos = models.PositiveSmallIntegerField(_("photos needed on failure"), default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering: ClassVar = ["version", "position", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["version", "code"], name="inspections_item_unique_code"),
        ]

    def __str__(self) -> str:
        return self.text

    def limit(self, name: str, config: dict[str, Any]) -> Decimal | None:
        raw = self.limits.get(name)
        if isinstance(raw, str):
            raw = config.get(raw)
        return None if raw is None else Decimal(str(raw))

    def parse(self, value: Any) -> Any:
        """The answer as stored (bool, Decimal, choice value, text); ValidationError if it does not fit."""
        if self.answer_type == self.AnswerType.YES_NO:
            if isinstance(value, bool):
                return value
            if value in ("yes", "true", "1", 1):
                return True
            if value in ("no", "false", "0", 0):
                return False
            raise ValidationError(_("Answer yes or no."))
        if self.answer_type == self.AnswerType.NUMBER:
            try:
                number = Decimal(str(value).strip())
            except (InvalidOperation, ValueError):
                raise ValidationError(_("Enter a number.")) from None
            if not number.is_finite() or number < 0:
                raise ValidationError(_("Enter a number of zero or more."))
            return number
        if self.answer_type == self.AnswerType.CHOICE:
            allowed = [c["value"] for c in self.choices]
            if value not in allowed:
                raise ValidationError(_("Choose one of: %(choices)s.") % {
                    "choices": ", ".join(str(c.get("label", c["value"])) for c in self.choices)})
            return value
        return str(value).strip()

    def fails(self, parsed: Any, config: dict[str, Any]) -> bool:
        """Does this (parsed) answer fail the item under the version's limits?"""
        if self.answer_type in (self.AnswerType.YES_NO, self.AnswerType.CHOICE):
            return parsed in self.fail_values
        if self.answer_type == self.AnswerType.NUMBER:
            low, high = self.limit("min", config), self.limit("max", config)
            return (low is not None and parsed < low) or (high is not None and parsed > high)
        return False


class Inspection(models.Model):
    """One visit of a joint team to an establishment, answering one checklist version.

    `client_id` is generated by the inspector's phone when the form is
    opened: a submission retried after a dropped connection carries the same
    id and finds the inspection already saved, never a second one.
    """

    client_id = models.UUIDField(_("submission id"), unique=True)
    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="inspections")
    establishment = models.ForeignKey(Establishment, verbose_name=_("establishment"), on_delete=models.PROTECT,
                                      related_name="inspections")
    version = models.ForeignKey(ChecklistVersion, verbose_name=_("checklist"), on_delete=models.PROTECT,
                                related_name="inspections")
    date = models.DateField(_("inspected on"))
    departments = models.ManyToManyField(Organization, verbose_name=_("departments"), related_name="inspections")
    officers = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("officers"),
                                      related_name="inspections")
    is_reinspection = models.BooleanField(_("re-inspection"), default=False)
    note = models.TextField(_("note"), blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    scope_area_lookups: ClassVar = ("establishment__area__path",)
    scope_organization_lookups: ClassVar = ("establishment__organization_id",)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering: ClassVar = ["-date", "-id"]
        indexes: ClassVar = [models.Index(fields=["establishment", "-date"], name="inspections_est_date")]

    def __str__(self) -> str:
        return f"{self.establishment} · {self.date}"


def photo_path(instance: AnswerPhoto, filename: str) -> str:
    import uuid

    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"inspections/{uuid.uuid4().hex}.{suffix}"


class Answer(models.Model):
    inspection = models.ForeignKey(Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE,
                                   related_name="answers")
    item = models.ForeignKey(ChecklistItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    # The answer as given, in the form the item's type takes ({"v": true}, {"v": "1.5"}, {"v": "touching"}).
    value = models.JSONField(_("answer"), null=True, blank=True)
    passed = models.BooleanField(_("passed"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering: ClassVar = ["item__position", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["inspection", "item"], name="inspections_answer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.value}"


class AnswerPhoto(models.Model):
    answer = models.ForeignKey(Answer, verbose_name=_("answer"), on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("photo"), upload_to=photo_path)
    content_type = models.CharField(_("file type"), max_length=64)
    size = models.PositiveIntegerField(_("size"))

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.file.name


class Finding(models.Model):
    """A hazard (隐患) found at an inspection: from a failed answer, or noted by the team."""

    inspection = models.ForeignKey(Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE,
                                   related_name="findings")
    answer = models.OneToOneField(Answer, verbose_name=_("answer"), null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="finding")
    item = models.ForeignKey(ChecklistItem, verbose_name=_("checklist item"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("hazard"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices, default=Severity.GENERAL)
    fixed_on_spot = models.BooleanField(_("fixed on the spot"), default=False)
    # The rectification, when it was not fixed on the spot (linli.problems).
    problem = models.OneToOneField("problems.Problem", verbose_name=_("problem"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="finding")
    # Referred for a penalty (refused re-inspection, or not fixed twice): set by actions.record_reinspection.
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)
    escalation_reason = models.CharField(_("reason for escalation"), max_length=200, blank=True)

    scope_area_lookups: ClassVar = ("inspection__establishment__area__path",)
    scope_organization_lookups: ClassVar = ("inspection__establishment__organization_id",)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering: ClassVar = ["inspection", "id"]
        constraints: ClassVar = [
            # A hazard fixed on the spot has nothing left to track on the problem list.
            models.CheckConstraint(condition=Q(fixed_on_spot=True, problem__isnull=True) | Q(fixed_on_spot=False),
                                   name="inspections_finding_fixed_has_no_problem"),
        ]

    def __str__(self) -> str:
        return self.description[:60]

    def is_closed(self) -> bool:
        """Fixed on the spot, or its problem verified (closed) on the problem list."""
        if self.fixed_on_spot:
            return True
        return self.problem is not None and self.problem.state == "verified"


class NoticeCounter(models.Model):
    """The last serial number an agency issued in a year; its row lock numbers notices one at a time."""

    agency = models.ForeignKey(Organization, verbose_name=_("issuing agency"), on_delete=models.PROTECT,
                               related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last serial number"), default=0)

    class Meta:
        verbose_name = _("notice counter")
        verbose_name_plural = _("notice counters")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["agency", "year"], name="inspections_counter_once"),
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.year}: {self.last}"


class RectificationNotice(models.Model):
    """整改通知书: issued on the spot by an agency, numbered per agency and year, signed by two officers."""

    class Signature(models.TextChoices):
        SIGNED = "signed", _("Signed by the recipient")
        REFUSED = "refused", _("Refused to sign")

    inspection = models.ForeignKey(Inspection, verbose_name=_("inspection"), on_delete=models.PROTECT,
                                   related_name="notices")
    agency = models.ForeignKey(Organization, verbose_name=_("issuing agency"), on_delete=models.PROTECT,
                               related_name="notices_issued")
    year = models.PositiveSmallIntegerField(_("year"))
    serial = models.PositiveIntegerField(_("serial number"))
    issued_on = models.DateField(_("issued on"))
    deadline = models.DateField(_("rectify by"))
    reinspection_on = models.DateField(_("re-inspection on"), null=True, blank=True)
    requirements = models.TextField(_("what must be done"))
    officers = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("officers"),
                                      related_name="notices_signed")
    recipient_name = models.CharField(_("recipient"), max_length=50, blank=True)
    signature = models.CharField(_("recipient's signature"), max_length=16, choices=Signature.choices, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    scope_area_lookups: ClassVar = ("inspection__establishment__area__path",)
    scope_organization_lookups: ClassVar = ("inspection__establishment__organization_id", "agency_id")

    class Meta:
        verbose_name = _("rectification notice")
        verbose_name_plural = _("rectification notices")
        ordering: ClassVar = ["-issued_on", "-id"]
        constraints: ClassVar = [
            # The database's word on numbering: however many officers issue at once, no number twice.
            models.UniqueConstraint(fields=["agency", "year", "serial"], name="inspections_notice_unique_number"),
            models.CheckConstraint(condition=Q(deadline__gte=F("issued_on")), name="inspections_notice_deadline_after",
                                   violation_error_message=_("The deadline cannot be before the notice is issued.")),
            models.CheckConstraint(condition=Q(reinspection_on__isnull=True) | Q(reinspection_on__gte=F("deadline")),
                                   name="inspections_notice_reinspection_after_deadline"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """e.g. 燃气管理所整改〔2026〕第005号."""
        return notice_number(self.agency.name, self.year, self.serial)


def notice_number(agency: str, year: int, serial: int) -> str:
    """A notice's number from its parts (lists and exports read the parts without the notice)."""
    return str(_("%(agency)s rectification 〔%(year)s〕 No. %(serial)03d")
               % {"agency": agency, "year": year, "serial": serial})


class NoticeItem(models.Model):
    """One hazard on a notice: the finding (with its location) and the rule it breaches."""

    notice = models.ForeignKey(RectificationNotice, verbose_name=_("notice"), on_delete=models.CASCADE,
                               related_name="items")
    finding = models.ForeignKey(Finding, verbose_name=_("finding"), on_delete=models.PROTECT,
                                related_name="notice_items")
    rule = models.CharField(_("rule breached"), max_length=300)

    class Meta:
        verbose_name = _("notice item")
        verbose_name_plural = _("notice items")
        ordering: ClassVar = ["notice", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["notice", "finding"], name="inspections_notice_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.finding} · {self.rule}"

class SeizureItemKind(models.TextChoices):
    LPG_CYLINDER = "lpg_cylinder", _("LPG cylinder")  # 液化石油气钢瓶
    STOVE = "stove", _("Stove")
    HOSE = "hose", _("Gas hose")
    SECOND_FUEL = "second_fuel", _("Other fuel (alcohol, methanol)")
    OTHER = "other", _("Other")


class Seizure(models.Model):
    """收缴: what an agency took away from an establishment, on what legal basis, and where it is kept."""

    establishment = models.ForeignKey(Establishment, verbose_name=_("establishment"), on_delete=models.PROTECT,
                                      related_name="seizures")
    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="seizures")
    inspection = models.ForeignKey(Inspection, verbose_name=_("inspection"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="seizures")
    notice = models.ForeignKey(RectificationNotice, verbose_name=_("rectification notice"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="seizures")
    agency = models.ForeignKey(Organization, verbose_name=_("seizing agency"), on_delete=models.PROTECT,
                               related_name="seizures")
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    storage_place = models.CharField(_("storage place"), max_length=200)
    seized_on = models.DateField(_("seized on"))
    officers = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("officers"),
                                      related_name="seizures_made")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    scope_area_lookups: ClassVar = ("establishment__area__path",)
    scope_organization_lookups: ClassVar = ("establishment__organization_id", "agency_id")

    class Meta:
        verbose_name = _("seizure")
        verbose_name_plural = _("seizures")
        ordering: ClassVar = ["-seized_on", "-id"]

    def __str__(self) -> str:
        return f"{self.establishment} · {self.seized_on}"


class SeizureItem(models.Model):
    """One line of a seizure list: a kind, how many, and each piece's e-label or serial (cylinders)."""

    seizure = models.ForeignKey(Seizure, verbose_name=_("seizure"), on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("item"), max_length=16, choices=SeizureItemKind.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    # For cylinders: one e-label id or serial number per cylinder, when known.
    identifiers = models.JSONField(_("e-labels or serial numbers"), default=list, blank=True)

    class Meta:
        verbose_name = _("seized item")
        verbose_name_plural = _("seized items")
        ordering: ClassVar = ["seizure", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="inspections_seizure_item_quantity_positive",
                                   violation_error_message=_("The quantity must be more than zero.")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} × {self.quantity}"


class Reinspection(models.Model):
    """回头看: a return visit to check one open finding, scheduled, then recorded with its outcome.

    Whether it is overdue is derived (due_on before today and no outcome yet), never stored.
    """

    class Outcome(models.TextChoices):
        FIXED = "fixed", _("Fixed")
        NOT_FIXED = "not_fixed", _("Not fixed")
        REFUSED = "refused", _("Refused re-inspection")

    finding = models.ForeignKey(Finding, verbose_name=_("finding"), on_delete=models.CASCADE,
                                related_name="reinspections")
    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="reinspections")
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    due_on = models.DateField(_("due on"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    done_on = models.DateField(_("re-inspected on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("scheduled by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    scope_area_lookups: ClassVar = ("finding__inspection__establishment__area__path",)
    scope_organization_lookups: ClassVar = ("finding__inspection__establishment__organization_id",)

    class Meta:
        verbose_name = _("re-inspection")
        verbose_name_plural = _("re-inspections")
        ordering: ClassVar = ["due_on", "id"]
        constraints: ClassVar = [
            # Scheduling twice (two clicks, two officers) never gives a finding two pending visits.
            models.UniqueConstraint(fields=["finding"], condition=Q(outcome=""),
                                    name="inspections_reinspection_one_pending"),
            models.UniqueConstraint(fields=["finding", "attempt"], name="inspections_reinspection_attempt_once"),
            models.CheckConstraint(condition=Q(outcome="") | Q(done_on__isnull=False),
                                   name="inspections_reinspection_done_has_date"),
        ]
        indexes: ClassVar = [models.Index(fields=["campaign", "due_on"], name="inspections_reinsp_campaign")]

    def __str__(self) -> str:
        return f"{self.finding} · {self.due_on}"

    def is_overdue(self, on: datetime.date | None = None) -> bool:
        return not self.outcome and self.due_on < (on or timezone.localdate())


class SupervisionNotice(models.Model):
    """督办: issued when a re-inspection finds a hazard not fixed, with a new deadline."""

    reinspection = models.OneToOneField(Reinspection, verbose_name=_("re-inspection"), on_delete=models.PROTECT,
                                        related_name="supervision_notice")
    finding = models.ForeignKey(Finding, verbose_name=_("finding"), on_delete=models.PROTECT,
                                related_name="supervision_notices")
    issued_on = models.DateField(_("issued on"))
    deadline = models.DateField(_("new deadline"))
    requirements = models.TextField(_("what must be done"), blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    scope_area_lookups: ClassVar = ("finding__inspection__establishment__area__path",)
    scope_organization_lookups: ClassVar = ("finding__inspection__establishment__organization_id",)

    class Meta:
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")
        ordering: ClassVar = ["-issued_on", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(deadline__gte=F("issued_on")),
                                   name="inspections_supervision_deadline_after",
                                   violation_error_message=_("The new deadline cannot be before the notice.")),
        ]

    def __str__(self) -> str:
        return f"{self.finding} · {self.deadline}"


AUDIT_ACTION_LABELS = {
    "inspections.establishment_registered": _("registered an establishment"),
    "inspections.uploads_expired": _("erased establishment uploads never confirmed"),
    "inspections.establishment_updated": _("changed an establishment"),
    "inspections.campaign_created": _("created a campaign"),
    "inspections.targets_added": _("added target establishments"),
    "inspections.checklist_published": _("published a checklist version"),
    "inspections.submitted": _("submitted an inspection"),
    "inspections.notice_issued": _("issued a rectification notice"),
    "inspections.seizure_recorded": _("recorded a seizure"),
    "inspections.reinspections_scheduled": _("scheduled re-inspections"),
    "inspections.reinspection_recorded": _("recorded a re-inspection"),
    "inspections.supervision_issued": _("issued a supervision notice"),
    "inspections.finding_escalated": _("referred a hazard for a penalty"),
    "inspections.exported": _("exported inspection records"),
}
AUDIT_DATA_LABELS = {
    "client_id": _("submission id"), "findings": _("findings"), "problems": _("problems"),
    "establishments": _("establishments"), "version": _("version"), "number": _("number"),
    "deadline": _("deadline"), "items": _("items"), "outcome": _("outcome"), "due_on": _("due on"),
    "scheduled": _("scheduled"), "reason": _("reason"), "rows": _("rows"), "list": _("list"),
}


def add_working_days(day: datetime.date, days: int) -> datetime.date:
    """`days` working days after `day`, skipping Saturdays and Sundays (public holidays are not modelled)."""
    while days > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def default_deadline(day: datetime.date, config: dict[str, Any]) -> datetime.date:
    """When a finding's problem is due unless the team says otherwise: `rectification_days` after the visit."""
    return day + datetime.timedelta(days=int(config.get("rectification_days", 7)))
