"""Problems (问题清单) and their rectification: one workflow for every module.

A problem is found somewhere (a party organization's self-examination, an
inspection, a resident's complaint, a meeting), placed in an area, owned by
an organization that must fix it, and goes open → rectifying → rectified
(awaiting verification) → verified (closed), or back to reopened when the
verifier is not satisfied. Whether it is overdue is derived from its deadline
and state (queries.with_overdue), never stored: a stored flag would be wrong
the morning after.

Other modules create problems through actions.create_problem(..., source=,
origin=) and keep their own record as the problem's origin (a generic
reference: content type and id, no foreign key into every module).
"""

from __future__ import annotations

import datetime
from typing import ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.models import Area, Organization, Person
from linli.core.validators import validate_not_future


class Problem(models.Model):
    class Source(models.TextChoices):
        SELF_EXAMINATION = "self_examination", _("Self-examination")
        INSPECTION = "inspection", _("Inspection finding")
        RESIDENT_FEEDBACK = "resident_feedback", _("Resident feedback")
        MEETING = "meeting", _("Meeting")
        OTHER = "other", _("Other")

    class Kind(models.TextChoices):
        IMMEDIATE = "immediate", _("Fix at once")  # 即知即改
        DEADLINE = "deadline", _("Fix by a deadline")  # 限期整改
        LONG_TERM = "long_term", _("Long-term rectification")  # 长期整改

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        RECTIFYING = "rectifying", _("Being rectified")
        RECTIFIED = "rectified", _("Rectified, awaiting verification")
        VERIFIED = "verified", _("Verified (closed)")
        REOPENED = "reopened", _("Reopened")

    # Which states each step starts from; the actions lock the row and refuse any other.
    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        "start": frozenset({State.OPEN, State.REOPENED}),
        # 即知即改: an open problem may be reported fixed without a "rectifying" stage.
        "rectify": frozenset({State.OPEN, State.RECTIFYING, State.REOPENED}),
        "verify": frozenset({State.RECTIFIED}),
        "reopen": frozenset({State.RECTIFIED, State.VERIFIED}),
    }
    # Nothing left for the owner to do: such a problem is never overdue.
    DONE_STATES: ClassVar[tuple[str, ...]] = (State.RECTIFIED, State.VERIFIED)
    # Evidence may be added while the owner works on it and while it waits for verification.
    EVIDENCE_STATES: ClassVar[frozenset[str]] = frozenset(
        {State.OPEN, State.RECTIFYING, State.RECTIFIED, State.REOPENED})

    title = models.CharField(_("problem"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=32, choices=Source.choices)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.DEADLINE)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="problems")
    owner = models.ForeignKey(Organization, verbose_name=_("owner organization"), on_delete=models.PROTECT,
                              related_name="problems")
    responsible_person = models.ForeignKey(
        Person, verbose_name=_("responsible person"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="problems_responsible",
    )
    found_on = models.DateField(_("found on"), default=timezone.localdate, validators=[validate_not_future])
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    measures = models.TextField(_("rectification measures"), blank=True)
    # Where the problem came from in another module (an inspection finding, a meeting): a
    # reference by content type and id, so this app needs no foreign key into each module.
    origin_type = models.ForeignKey(ContentType, verbose_name=_("origin type"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    origin_id = models.CharField(_("origin id"), max_length=64, blank=True)
    origin = GenericForeignKey("origin_type", "origin_id")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("verified by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    scope_area_lookups: ClassVar = ("area__path",)
    # The owner's liaison sees and works on its own problems.
    scope_organization_lookups: ClassVar = ("owner_id",)

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~Q(kind="deadline") | Q(deadline__isnull=False),
                name="problems_deadline_kind_has_deadline",
                violation_error_message=_("A problem to fix by a deadline needs its deadline."),
            ),
            models.CheckConstraint(
                condition=Q(deadline__isnull=True) | Q(deadline__gte=F("found_on")),
                name="problems_deadline_not_before_found",
                violation_error_message=_("The deadline cannot be before the day the problem was found."),
            ),
            models.CheckConstraint(
                condition=~Q(state="verified") | Q(verified_at__isnull=False),
                name="problems_verified_has_time",
            ),
        ]
        indexes: ClassVar = [
            # Lists and boards: the scope is a semi-join on area ids (core.scoping.under_area).
            models.Index(fields=["area", "state"], name="problems_area_state"),
            models.Index(fields=["owner", "state"], name="problems_owner_state"),
            # The overdue list: problems still to be fixed, by deadline.
            models.Index(fields=["deadline"], condition=Q(state__in=["open", "rectifying", "reopened"]),
                         name="problems_open_deadline"),
            models.Index(fields=["origin_type", "origin_id"], name="problems_origin"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("problems:detail", args=[self.pk])

    def clean(self) -> None:
        if self.kind == self.Kind.DEADLINE and self.deadline is None:
            raise ValidationError({"deadline": _("A problem to fix by a deadline needs its deadline.")})
        if self.deadline and self.found_on and self.deadline < self.found_on:
            raise ValidationError({"deadline": _("The deadline cannot be before the day the problem was found.")})

    def allows(self, step: str) -> bool:
        return self.state in self.TRANSITIONS[step]

    def allowed_transitions(self) -> list[str]:
        return [name for name, states in self.TRANSITIONS.items() if self.state in states]

    def is_overdue(self, on: datetime.date | None = None) -> bool:
        """The same rule as queries.with_overdue, for one problem in memory."""
        if getattr(self, "overdue", None) is not None:
            return bool(self.overdue)  # type: ignore[attr-defined]  # annotated by queries.with_overdue
        return (self.deadline is not None and self.deadline < (on or timezone.localdate())
                and self.state not in self.DONE_STATES)


def evidence_path(instance: Evidence, filename: str) -> str:
    # A random name keeps what residents uploaded out of the path; the original name is kept on the row.
    import uuid

    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"problems/{instance.problem_id}/{uuid.uuid4().hex}.{suffix}"


class Evidence(models.Model):
    """What shows the problem was fixed: a note, a photo or a document. Append-only."""

    problem = models.ForeignKey(Problem, verbose_name=_("problem"), on_delete=models.CASCADE,
                                related_name="evidence")
    note = models.TextField(_("note"), blank=True)
    file = models.FileField(_("file"), upload_to=evidence_path, blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("file type"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    scope_area_lookups: ClassVar = ("problem__area__path",)
    scope_organization_lookups: ClassVar = ("problem__owner_id",)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering: ClassVar = ["created_at", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=~Q(note="") | ~Q(file=""), name="problems_evidence_not_empty",
                                   violation_error_message=_("Evidence is a note, a file, or both.")),
        ]

    def __str__(self) -> str:
        return self.file_name or self.note[:50]

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


AUDIT_ACTION_LABELS = {
    "problems.created": _("recorded a problem"),
    "problems.updated": _("changed a problem"),
    "problems.started": _("started rectification"),
    "problems.rectified": _("reported it rectified"),
    "problems.verified": _("verified the rectification"),
    "problems.reopened": _("reopened the problem"),
    "problems.evidence_added": _("added evidence"),
}
AUDIT_DATA_LABELS = {
    "evidence": _("evidence"), "file_name": _("file name"), "origin": _("origin"), "measures": _("measures"),
    "reason": _("reason"), "note": _("note"),
}
