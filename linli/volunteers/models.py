"""Volunteer work: volunteers (a person who registered, or was registered with
their recorded consent), teams and their members, activities with sign-up and
check-in, duty rosters at posts, and the service-hours ledger.

The ledger (`ServiceRecord`) is append-only: actions only ever insert, and
database triggers (migration 0002) refuse UPDATE (and DELETE on PostgreSQL).
A wrong entry is corrected by a new reversing entry that references it.

Where each record sits, for core.scoping:
- a volunteer and their ledger entries: the person's neighborhood, and the
  person themself (a volunteer sees their own record);
- a team, a post: its area, or its organization;
- an activity: its area, or its organizing organization.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import NotSupportedError, models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.models import Area, Organization, Person
from linli.core.validators import validate_not_future

# One ledger entry can never credit more than a day; reversals are the negative of an entry.
MAX_ENTRY_HOURS = Decimal("24")

_PERSON_AREA = ("person__neighborhood__path",)


class Volunteer(models.Model):
    """A person registered as a volunteer, with the consent that made it so.

    Registration is by the person themself (through their own account: the act
    is the consent) or by staff, who must record who consented, when and how.
    Nobody becomes a volunteer without it: the check constraint says so to the
    database as well.
    """

    class Registration(models.TextChoices):
        SELF = "self", _("By the person")
        STAFF = "staff", _("By staff")

    class ConsentMethod(models.TextChoices):
        ONLINE = "online", _("Online, by the person's own account")
        SIGNED_FORM = "signed_form", _("Signed registration form")
        IN_PERSON = "in_person", _("In person, before staff")
        GUARDIAN = "guardian", _("Signed by a guardian")

    person = models.OneToOneField(Person, verbose_name=_("person"), on_delete=models.PROTECT,
                                  related_name="volunteer")
    registration = models.CharField(_("registered"), max_length=16, choices=Registration.choices)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("registered by"), null=True,
                                      blank=True, on_delete=models.SET_NULL, related_name="+")
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    scope_area_lookups: ClassVar = _PERSON_AREA
    scope_self_lookups: ClassVar = ("person_id",)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering: ClassVar = ["person__name_pinyin", "id"]

    def __str__(self) -> str:
        return str(self.person)

    def get_absolute_url(self) -> str:
        return reverse("volunteers:volunteer_detail", args=[self.pk])

    def consented_on(self, day: datetime.date) -> bool:
        """Did one of the volunteer's consent periods cover service on `day`?"""
        return any(c.covers(day) for c in self.consents.all())

    @property
    def current_consent(self) -> Consent | None:
        """The open consent period: None when the volunteer withdrew (and has not registered again)."""
        return next((c for c in self.consents.all() if c.withdrawn_at is None), None)

    @property
    def is_active(self) -> bool:
        return self.current_consent is not None


def consent_covering(day: Any) -> Q:
    """Q over Consent rows: the period covers `day` (a date or an expression): given on or before it and
    not withdrawn before or on it — hours on the day of the withdrawal are outside it. Days are local."""
    return Q(given_at__date__lte=day) & (Q(withdrawn_at__isnull=True) | Q(withdrawn_at__date__gt=day))


class Consent(models.Model):
    """One period of a volunteer's consent: from when it was given until it was withdrawn (open while
    withdrawn_at is empty). A volunteer who withdrew and registers again has a new period; the old ones stay,
    so hours served in them stay covered. At most one period of a volunteer is open."""

    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE,
                                  related_name="consents")
    given_at = models.DateTimeField(_("consent given at"))
    given_by = models.CharField(_("consent given by"), max_length=100,
                                help_text=_("The person, or for a child the guardian who signed."))
    method = models.CharField(_("consent given how"), max_length=16, choices=Volunteer.ConsentMethod.choices)
    registration = models.CharField(_("recorded"), max_length=16, choices=Volunteer.Registration.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("consent withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("withdrawal recorded by"),
                                     null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    scope_area_lookups: ClassVar = ("volunteer__person__neighborhood__path",)
    scope_self_lookups: ClassVar = ("volunteer__person_id",)

    class Meta:
        verbose_name = _("consent period")
        verbose_name_plural = _("consent periods")
        ordering: ClassVar = ["given_at", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=~Q(given_by=""), name="volunteers_consent_given_by",
                                   violation_error_message=_("A volunteer is registered only with their consent.")),
            models.CheckConstraint(condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=F("given_at")),
                                   name="volunteers_consent_withdrawn_after_given",
                                   violation_error_message=_("A consent is withdrawn after it was given.")),
            models.UniqueConstraint(fields=["volunteer"], condition=Q(withdrawn_at__isnull=True),
                                    name="volunteers_one_open_consent",
                                    violation_error_message=_("This volunteer is already registered.")),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer}: {self.given_at:%Y-%m-%d} – {self.withdrawn_at or ''}"

    @property
    def given_on(self) -> datetime.date:
        return timezone.localdate(self.given_at)

    @property
    def withdrawn_on(self) -> datetime.date | None:
        return timezone.localdate(self.withdrawn_at) if self.withdrawn_at else None

    def covers(self, day: datetime.date) -> bool:
        withdrawn = self.withdrawn_on
        return self.given_on <= day and (withdrawn is None or day < withdrawn)


class Team(models.Model):
    class Kind(models.TextChoices):
        ASSOCIATION = "association", _("Volunteer association")
        GARBAGE_SORTING = "garbage_sorting", _("Garbage-sorting volunteers")
        UNIT = "unit", _("Unit team")
        STUDENT_PRACTICE = "student_practice", _("Student practice group")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    area = models.ForeignKey(Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    organization = models.ForeignKey(Organization, verbose_name=_("organization"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True,
                                                   help_text=_("Leave empty when the team takes any age."))
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_area_lookups: ClassVar = ("area__path", "organization__area__path")
    scope_organization_lookups: ClassVar = ("organization_id",)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering: ClassVar = ["name", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(area__isnull=False) | Q(organization__isnull=False),
                                   name="volunteers_team_placed",
                                   violation_error_message=_("A team belongs to an area or an organization.")),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("volunteers:team_detail", args=[self.pk])


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE,
                                  related_name="memberships")
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    scope_area_lookups: ClassVar = ("team__area__path", "team__organization__area__path")
    scope_organization_lookups: ClassVar = ("team__organization_id",)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        ordering: ClassVar = ["team", "volunteer__person__name_pinyin"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["team", "volunteer"], condition=Q(left_on__isnull=True),
                                    name="volunteers_one_active_membership",
                                    violation_error_message=_("This volunteer is already in the team.")),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} @ {self.team}"


class Activity(models.Model):
    class Kind(models.TextChoices):
        SERVICE = "service", _("Volunteer service")
        STUDY_VISIT = "study_visit", _("Study visit")
        CULTURE_SPORTS = "culture_sports", _("Culture and sports")
        GARBAGE_DUTY = "garbage_duty", _("Garbage-sorting duty")
        DELEGATION = "delegation", _("Delegation reception")
        OTHER = "other", _("Other")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+",
                             help_text=_("Where the activity is organized: a neighborhood, a community or the street."))
    organizer = models.ForeignKey(Organization, verbose_name=_("organizer"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="activities")
    place = models.CharField(_("place"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    hours = models.DecimalField(_("service hours credited"), max_digits=4, decimal_places=2,
                                help_text=_("The most one participant is credited; less if they stay shorter."))
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_area_lookups: ClassVar = ("area__path",)
    scope_organization_lookups: ClassVar = ("organizer_id",)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering: ClassVar = ["-starts_at", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="volunteers_activity_ends_after",
                                   violation_error_message=_("An activity ends after it starts.")),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="volunteers_activity_capacity",
                                   violation_error_message=_("An activity has room for at least one person.")),
            models.CheckConstraint(condition=Q(hours__gte=0) & Q(hours__lte=24), name="volunteers_activity_hours",
                                   violation_error_message=_("An activity credits between 0 and 24 hours.")),
        ]
        indexes: ClassVar = [models.Index(fields=["area", "starts_at"], name="volunteers_activity_area_time")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("volunteers:activity_detail", args=[self.pk])

    @property
    def duration_hours(self) -> Decimal:
        return Decimal((self.ends_at - self.starts_at).total_seconds() / 3600).quantize(Decimal("0.01"))


def photo_path(instance: ActivityPhoto, filename: str) -> str:
    # The activity's folder and a random name: an upload's own name never reaches the file system.
    import uuid

    return f"volunteers/activities/{instance.activity_id}/{uuid.uuid4().hex}.{instance.extension}"


class ActivityPhoto(models.Model):
    """A photo of an activity, kept with its summary."""

    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE,
                                 related_name="photos")
    file = models.FileField(_("photo"), upload_to=photo_path)
    extension = models.CharField(max_length=8, editable=False)
    content_type = models.CharField(max_length=32, editable=False)
    name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    scope_area_lookups: ClassVar = ("activity__area__path",)
    scope_organization_lookups: ClassVar = ("activity__organizer_id",)

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")
        ordering: ClassVar = ["activity", "id"]

    def __str__(self) -> str:
        return self.name


class SignUp(models.Model):
    """A volunteer's place at an activity, and their attendance.

    Made by the volunteer, or by staff on their behalf with the consent
    recorded; one live sign-up per volunteer and activity.
    """

    class State(models.TextChoices):
        SIGNED_UP = "signed_up", _("Signed up")
        CANCELLED = "cancelled", _("Cancelled")

    class Method(models.TextChoices):
        QR = "qr", _("QR code")
        STAFF = "staff", _("By staff")

    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.PROTECT,
                                 related_name="signups")
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT,
                                  related_name="signups")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.SIGNED_UP)
    by_staff = models.BooleanField(_("signed up by staff"), default=False)
    signed_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("signed up by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    consent_by = models.CharField(_("consent given by"), max_length=100, blank=True)
    consent_method = models.CharField(_("consent given how"), max_length=16, blank=True,
                                      choices=Volunteer.ConsentMethod.choices)
    created_at = models.DateTimeField(_("signed up at"), default=timezone.now)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    check_in_method = models.CharField(_("checked in"), max_length=8, blank=True, choices=Method.choices)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    check_out_method = models.CharField(_("checked out"), max_length=8, blank=True, choices=Method.choices)

    scope_area_lookups: ClassVar = ("activity__area__path",)
    scope_organization_lookups: ClassVar = ("activity__organizer_id",)
    scope_self_lookups: ClassVar = ("volunteer__person_id",)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering: ClassVar = ["activity", "created_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["activity", "volunteer"], condition=Q(state="signed_up"),
                                    name="volunteers_one_live_signup",
                                    violation_error_message=_("This volunteer is already signed up.")),
            models.CheckConstraint(condition=Q(by_staff=False) | ~Q(consent_by=""),
                                   name="volunteers_staff_signup_has_consent",
                                   violation_error_message=_("A sign-up by staff records the volunteer's consent.")),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | (Q(checked_in_at__isnull=False) & Q(checked_out_at__gte=F("checked_in_at"))),
                name="volunteers_checkout_after_checkin",
                violation_error_message=_("A check-out comes after the check-in.")),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.activity}"


class Post(models.Model):
    """A place that needs people on duty, e.g. garbage collection point 3 of 联洋二."""

    name = models.CharField(_("name"), max_length=200)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="posts")
    place = models.CharField(_("place"), max_length=200, blank=True)
    people_needed = models.PositiveSmallIntegerField(_("people needed per shift"), default=1)

    scope_area_lookups: ClassVar = ("area__path",)
    scope_organization_lookups: ClassVar = ("team__organization_id",)

    class Meta:
        verbose_name = _("duty post")
        verbose_name_plural = _("duty posts")
        ordering: ClassVar = ["area", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("volunteers:post_detail", args=[self.pk])


class DutyShift(models.Model):
    post = models.ForeignKey(Post, verbose_name=_("post"), on_delete=models.PROTECT, related_name="shifts")
    day = models.DateField(_("day"))
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    people_needed = models.PositiveSmallIntegerField(_("people needed"), default=1)

    scope_area_lookups: ClassVar = ("post__area__path",)
    scope_organization_lookups: ClassVar = ("post__team__organization_id",)

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        ordering: ClassVar = ["day", "starts_at", "post", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="volunteers_shift_ends_after",
                                   violation_error_message=_("A shift ends after it starts.")),
            models.UniqueConstraint(fields=["post", "day", "starts_at"], name="volunteers_one_shift_per_slot",
                                    violation_error_message=_("This post already has a shift at that time.")),
        ]
        indexes: ClassVar = [models.Index(fields=["day", "post"], name="volunteers_shift_day")]

    def __str__(self) -> str:
        return f"{self.post} {self.day} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        tz = timezone.get_current_timezone()
        return (datetime.datetime.combine(self.day, self.starts_at, tzinfo=tz),
                datetime.datetime.combine(self.day, self.ends_at, tzinfo=tz))

    @property
    def has_started(self) -> bool:
        """Attendance is confirmed once the shift has begun, not ahead of it."""
        return self.bounds()[0] <= timezone.now()

    @property
    def hours(self) -> Decimal:
        start, end = self.bounds()
        return Decimal((end - start).total_seconds() / 3600).quantize(Decimal("0.01"))


class DutyAssignment(models.Model):
    shift = models.ForeignKey(DutyShift, verbose_name=_("shift"), on_delete=models.PROTECT,
                              related_name="assignments")
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT,
                                  related_name="duty_assignments")
    self_signed = models.BooleanField(_("signed up themselves"), default=False)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    attended = models.BooleanField(_("attended"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_area_lookups: ClassVar = ("shift__post__area__path",)
    scope_organization_lookups: ClassVar = ("shift__post__team__organization_id",)
    scope_self_lookups: ClassVar = ("volunteer__person_id",)

    class Meta:
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty assignments")
        ordering: ClassVar = ["shift", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["shift", "volunteer"], name="volunteers_one_assignment_per_shift",
                                    violation_error_message=_("This volunteer is already on this shift.")),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.shift}"


LEDGER_APPEND_ONLY = "the service-hours ledger is append-only: correct an entry with a reversing entry"


class LedgerQuerySet(models.QuerySet["ServiceRecord"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        # PostgreSQL's trigger refuses DELETE too; SQLite's cannot (the test suite's flush deletes there), so
        # on the embedded database this is what stops the code from deleting ledger entries.
        raise NotSupportedError(LEDGER_APPEND_ONLY)


class ServiceRecord(models.Model):
    """One entry of the service-hours ledger. Never changed, never deleted."""

    class Source(models.TextChoices):
        ATTENDANCE = "attendance", _("Attendance-recorded")
        STAFF = "staff", _("Staff-recorded")
        REVERSAL = "reversal", _("Reversal of an entry")

    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT,
                                  related_name="service_records", db_index=False)  # the indexes lead with it
    # Where the volunteer lived when credited: the per-neighborhood rollup reads it without joining people.
    neighborhood = models.ForeignKey(Area, verbose_name=_("neighborhood"), on_delete=models.PROTECT,
                                     related_name="+", db_index=False)
    served_on = models.DateField(_("served on"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    started_at = models.DateTimeField(_("from"), null=True, blank=True)
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    activity = models.ForeignKey(Activity, verbose_name=_("activity"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="service_records")
    assignment = models.ForeignKey(DutyAssignment, verbose_name=_("duty shift"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="service_records")
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="service_records")
    description = models.CharField(_("description"), max_length=200, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reverses = models.OneToOneField("self", verbose_name=_("reverses"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reversed_by")
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = LedgerQuerySet.as_manager()

    scope_area_lookups: ClassVar = ("neighborhood__path",)
    scope_self_lookups: ClassVar = ("volunteer__person_id",)

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering: ClassVar = ["-served_on", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=(Q(source="reversal") & Q(reverses__isnull=False) & Q(hours__lt=0) & Q(hours__gte=-24))
                | (~Q(source="reversal") & Q(reverses__isnull=True) & Q(hours__gt=0) & Q(hours__lte=24)),
                name="volunteers_record_hours_sane",
                violation_error_message=_("An entry credits more than 0 and at most 24 hours; "
                                          "only a reversal is negative.")),
            models.CheckConstraint(
                condition=Q(source="attendance") | (Q(recorded_by__isnull=False) & ~Q(reason="")),
                name="volunteers_record_staff_reason",
                violation_error_message=_("An entry made by staff names who made it and why.")),
            # One attendance entry per sign-up's activity and volunteer, and per duty assignment.
            models.UniqueConstraint(fields=["activity", "volunteer"], condition=Q(source="attendance"),
                                    name="volunteers_one_attendance_per_activity"),
            models.UniqueConstraint(fields=["assignment"], condition=Q(source="attendance"),
                                    name="volunteers_one_attendance_per_shift"),
        ]
        indexes: ClassVar = [
            # A volunteer's totals and history: an index-only sum per volunteer and year.
            models.Index(fields=["volunteer", "served_on", "hours"], name="volunteers_record_vol_day"),
            # The yearly rollup per neighborhood.
            models.Index(fields=["neighborhood", "served_on", "hours"], name="volunteers_record_nbhd_day"),
            models.Index(fields=["team", "served_on"], name="volunteers_record_team_day"),
        ]

    def __str__(self) -> str:
        return f"{self.served_on} {self.volunteer} {self.hours}h"

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise NotSupportedError(LEDGER_APPEND_ONLY)


class Certificate(models.Model):
    """A certificate of service hours as issued: the figures printed on it stay
    what they were that day, and its QR code opens a public verification page."""

    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT,
                                  related_name="certificates")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"), validators=[validate_not_future])
    hours = models.DecimalField(_("hours"), max_digits=8, decimal_places=2)
    issuer = models.CharField(_("issued by"), max_length=200)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued to / by account"), null=True,
                                  blank=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)

    scope_area_lookups: ClassVar = ("volunteer__person__neighborhood__path",)
    scope_self_lookups: ClassVar = ("volunteer__person_id",)

    class Meta:
        verbose_name = _("certificate of service hours")
        verbose_name_plural = _("certificates of service hours")
        ordering: ClassVar = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.period_start}–{self.period_end} {self.hours}h"

    # What the signed token of the verification QR code names (linli.core.documents).
    TOKEN_KIND: ClassVar[str] = "service_certificate"

    def get_absolute_url(self) -> str:
        return reverse("volunteers:certificate_pdf", args=[self.pk])

    def verification_path(self) -> str:
        """The public page the certificate's QR code opens: is this paper genuine?"""
        from linli.core.documents import verification_token

        return reverse("volunteers:verify", args=[verification_token(self.TOKEN_KIND, self.pk)])


AUDIT_ACTION_LABELS = {
    "volunteers.volunteer_registered": _("registered a volunteer"),
    "volunteers.consent_withdrawn": _("withdrew volunteer consent"),
    "volunteers.team_created": _("created a volunteer team"),
    "volunteers.team_updated": _("changed a volunteer team"),
    "volunteers.team_joined": _("added a team member"),
    "volunteers.team_left": _("removed a team member"),
    "volunteers.activity_created": _("created an activity"),
    "volunteers.activity_updated": _("changed an activity"),
    "volunteers.photo_added": _("added a photo to an activity"),
    "volunteers.signed_up": _("signed up for an activity"),
    "volunteers.signup_cancelled": _("cancelled a sign-up"),
    "volunteers.checked_in": _("checked in"),
    "volunteers.checked_out": _("checked out"),
    "volunteers.hours_recorded": _("recorded service hours"),
    "volunteers.hours_reversed": _("reversed service hours"),
    "volunteers.post_created": _("created a duty post"),
    "volunteers.shift_created": _("created a duty shift"),
    "volunteers.duty_assigned": _("assigned a duty shift"),
    "volunteers.duty_swapped": _("swapped duty shifts"),
    "volunteers.duty_attended": _("recorded duty attendance"),
    "volunteers.certificate_issued": _("issued a certificate of service hours"),
}
AUDIT_DATA_LABELS = {
    "consent_by": _("consent given by"), "consent_method": _("consent given how"), "hours": _("hours"),
    "reason": _("reason"), "activity": _("activity"), "volunteer": _("volunteer"), "method": _("method"),
    "team": _("team"), "shift": _("shift"), "entry": _("entry"), "period": _("period"),
}
