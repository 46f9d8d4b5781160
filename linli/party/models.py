"""Party work: 三会一课 meeting records with attendance, decisions and
attachments; branch committees (for the 支委会 quorum); the meeting
requirements a compliance board checks, kept as data; and the branches a
board leaves out, with the reason.

A meeting is held by a party organization and placed where it is (its area,
or its organization's area): the scoping function finds it through
`party_organization`. Attendance is written once, when the meeting is
recorded: the members expected on the day, each present or absent with a
reason, and any guests. Later changes of membership do not rewrite what a
meeting's record says.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from linli.core.models import PartyOrganization, Person
from linli.core.validators import validate_not_future

# Where a record held by a party organization sits, for core.scoping.
_ORG_AREA_LOOKUPS = ("party_organization__area__path", "party_organization__organization__area__path")
_ORG_ORGANIZATION_LOOKUPS = ("party_organization__organization_id",)


class CommitteeMember(models.Model):
    """A seat on a branch committee (支部委员会) for a stretch of time: who sits
    on it on a meeting's date decides the 支委会 quorum."""

    class Position(models.TextChoices):
        SECRETARY = "secretary", _("Secretary")
        DEPUTY_SECRETARY = "deputy_secretary", _("Deputy secretary")
        MEMBER = "member", _("Committee member")

    party_organization = models.ForeignKey(
        PartyOrganization, verbose_name=_("party organization"), on_delete=models.CASCADE,
        related_name="committee_members",
    )
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    position = models.CharField(_("position"), max_length=20, choices=Position.choices, default=Position.MEMBER)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)

    scope_area_lookups: ClassVar = _ORG_AREA_LOOKUPS
    scope_organization_lookups: ClassVar = _ORG_ORGANIZATION_LOOKUPS

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering: ClassVar = ["party_organization", "started_on", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                                   name="party_committee_ends_after_start",
                                   violation_error_message=_("A seat cannot end before it starts.")),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_position_display()}"


class Meeting(models.Model):
    """One meeting held by a party organization, recorded after it was held."""

    class Kind(models.TextChoices):
        GENERAL_ASSEMBLY = "general_assembly", _("Branch general assembly")
        COMMITTEE = "committee", _("Branch committee meeting")
        GROUP = "group", _("Party group meeting")
        LECTURE = "lecture", _("Party lecture")
        THEME_DAY = "theme_day", _("Theme party day")
        ORGANIZATIONAL_LIFE = "organizational_life", _("Organizational life meeting")
        EVALUATION = "evaluation", _("Democratic evaluation of members")
        TALK = "talk", _("Heart-to-heart talk")
        SPECIAL = "special", _("Special meeting of a campaign")

    class State(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")

    # Which states each step starts from; actions refuse any other with a
    # conditional UPDATE, so that two reviewers acting at once cannot both pass.
    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        "edit": frozenset({State.RECORDED, State.RETURNED}),
        "submit": frozenset({State.RECORDED, State.RETURNED}),
        "accept": frozenset({State.SUBMITTED}),
        "return": frozenset({State.SUBMITTED}),
    }
    # Kinds whose record may carry decisions and votes, and so has a quorum rule.
    DECIDING_KINDS: ClassVar[frozenset[str]] = frozenset({Kind.GENERAL_ASSEMBLY, Kind.COMMITTEE})

    party_organization = models.ForeignKey(
        PartyOrganization, verbose_name=_("party organization"), on_delete=models.PROTECT, related_name="meetings",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.RECORDED)
    held_on = models.DateField(_("date"), validators=[validate_not_future])
    place = models.CharField(_("place"), max_length=200, blank=True)
    topic = models.CharField(_("topic"), max_length=200)
    agenda = models.TextField(_("agenda"), blank=True)
    campaign = models.ForeignKey("Campaign", verbose_name=_("campaign"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="meetings",
                                 help_text=_("For a special meeting: the campaign it belongs to."))
    chair = models.ForeignKey(Person, verbose_name=_("chair"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    recorder = models.ForeignKey(Person, verbose_name=_("recorder"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    minutes = models.TextField(_("minutes"), blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_area_lookups: ClassVar = _ORG_AREA_LOOKUPS
    scope_organization_lookups: ClassVar = _ORG_ORGANIZATION_LOOKUPS

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering: ClassVar = ["-held_on", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=~Q(kind="special") | Q(campaign__isnull=False),
                                   name="party_meeting_special_has_campaign"),
        ]
        indexes: ClassVar = [
            # A branch's meetings newest first, and the board's count per
            # organization, kind and period over a date range.
            models.Index(fields=["party_organization", "held_on"], name="party_meeting_org_date"),
            # The compliance board's roll-up: a year's meetings of every branch, read by date and
            # grouped by organization and kind from the index alone.
            models.Index(fields=["held_on", "kind", "party_organization"], name="party_meeting_date_kind_org"),
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.get_kind_display()} · {self.topic}"

    def get_absolute_url(self) -> str:
        return reverse("party:meeting_detail", args=[self.pk])

    def allows(self, step: str) -> bool:
        return self.state in self.TRANSITIONS[step]

    def quorum(self, attendances: list[Attendance] | None = None) -> Quorum | None:
        """The quorum of a deciding meeting, from its attendance (None for other kinds).

        党员大会: more than half of the voting (full) members expected must be
        present for a decision, four fifths for an election; probationary
        members have no vote. 支委会: more than half of the committee.
        """
        if self.kind not in self.DECIDING_KINDS:
            return None
        rows = list(self.attendances.all()) if attendances is None else attendances
        members = [a for a in rows if a.role == Attendance.Role.MEMBER]
        if self.kind == self.Kind.COMMITTEE:
            seats = [a for a in members if a.committee]
            return Quorum.of(len(seats), sum(a.present for a in seats), election=False)
        voters = [a for a in members if a.voting]
        return Quorum.of(len(voters), sum(a.present for a in voters), election=True)


class MeetingTally(models.Model):
    """How many meetings of a kind an organization held in each month of a year: the compliance board's
    counts, kept by linli.party.actions in the transaction that records a meeting or moves its date
    (meetings are never deleted: a meeting's organization is protected), so that the board reads a few
    thousand rows instead of counting a district's year of meetings. Derived data: `tally.rebuild()`
    recomputes it from the meetings."""

    party_organization = models.ForeignKey(PartyOrganization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=Meeting.Kind.choices)
    year = models.PositiveSmallIntegerField()
    m1 = models.PositiveIntegerField(default=0)
    m2 = models.PositiveIntegerField(default=0)
    m3 = models.PositiveIntegerField(default=0)
    m4 = models.PositiveIntegerField(default=0)
    m5 = models.PositiveIntegerField(default=0)
    m6 = models.PositiveIntegerField(default=0)
    m7 = models.PositiveIntegerField(default=0)
    m8 = models.PositiveIntegerField(default=0)
    m9 = models.PositiveIntegerField(default=0)
    m10 = models.PositiveIntegerField(default=0)
    m11 = models.PositiveIntegerField(default=0)
    m12 = models.PositiveIntegerField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["year", "party_organization", "kind"], name="party_tally_year_org_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.party_organization_id} {self.kind} {self.year}"


class TalkTally(models.Model):
    """谈心谈话 coverage kept for the compliance board: per branch and year, how many members present at a talk
    of the branch (or of one of its party groups) had someone else present who sat on the branch committee
    that day. Recounted for the branch by linli.party.actions whenever a talk is recorded or changed and
    whenever a seat of its committee starts or ends; `tally.rebuild()` recounts every branch."""

    branch = models.ForeignKey(PartyOrganization, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    covered = models.PositiveIntegerField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["year", "branch"], name="party_talktally_year_branch"),
        ]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.year}: {self.covered}"


@dataclass(frozen=True)
class Quorum:
    electorate: int  # voting members (党员大会) or committee members (支委会) expected
    present: int
    needed: int  # more than half
    election_needed: int | None  # four fifths, 党员大会 only

    @classmethod
    def of(cls, electorate: int, present: int, *, election: bool) -> Quorum:
        return cls(electorate, present, electorate // 2 + 1,
                   math.ceil(electorate * 4 / 5) if election else None)

    @property
    def met(self) -> bool:
        return self.electorate > 0 and self.present >= self.needed

    @property
    def election_met(self) -> bool:
        return self.election_needed is not None and self.electorate > 0 and self.present >= self.election_needed


class Attendance(models.Model):
    """One person's place in a meeting: an expected member (present, or absent
    with a reason) or an invited guest. A guest without a person record
    (a lecturer from the district party school) is kept by name."""

    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        GUEST = "guest", _("Guest")

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                related_name="attendances")
    person = models.ForeignKey(Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="meeting_attendances")
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    present = models.BooleanField(_("present"), default=True)
    absence_reason = models.CharField(_("reason for absence"), max_length=200, blank=True)
    # As the membership stood when the meeting was recorded: a full member votes, a probationary one does not.
    voting = models.BooleanField(_("has a vote"), default=False)
    committee = models.BooleanField(_("committee member"), default=False)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering: ClassVar = ["meeting", "role", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["meeting", "person"], name="party_attendance_once"),
            models.CheckConstraint(condition=Q(present=True) | ~Q(absence_reason=""),
                                   name="party_attendance_absent_has_reason"),
            models.CheckConstraint(condition=Q(role="guest") | Q(person__isnull=False),
                                   name="party_attendance_member_is_person"),
            models.CheckConstraint(condition=Q(role="member") | Q(present=True, voting=False),
                                   name="party_attendance_guest_present_without_vote"),
        ]

    def __str__(self) -> str:
        return self.name


class Decision(models.Model):
    """A resolution or an election result of a 党员大会 or 支委会, with its votes."""

    class Kind(models.TextChoices):
        RESOLUTION = "resolution", _("Resolution")
        ELECTION = "election", _("Election")

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                related_name="decisions")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.RESOLUTION)
    text = models.TextField(_("decision"))
    votes_for = models.PositiveIntegerField(_("votes for"), default=0)
    votes_against = models.PositiveIntegerField(_("votes against"), default=0)
    abstentions = models.PositiveIntegerField(_("abstentions"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering: ClassVar = ["meeting", "id"]

    def __str__(self) -> str:
        return self.text[:60]

    def passed(self, quorum: Quorum) -> bool:
        """A resolution needs more than half of the electorate (voting members or
        committee members) in favour; an election, more than half of those present."""
        base = quorum.present if self.kind == self.Kind.ELECTION else quorum.electorate
        return self.votes_for * 2 > base


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"party/meetings/{instance.meeting_id}/{filename}"


class Attachment(models.Model):
    """A file kept with a meeting's record: sign-in sheet, photo, slides, minutes scan."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering: ClassVar = ["meeting", "id"]

    def __str__(self) -> str:
        return self.name


class MeetingRequirement(models.Model):
    """How often each kind of meeting must be held: the compliance board's rules, as data.

    The defaults (党员大会 quarterly, 支委会, 党小组会 and 主题党日 monthly,
    党课, 组织生活会 and 民主评议 yearly) are written by migration 0002 and can
    be changed in the admin without a release.
    """

    class Period(models.TextChoices):
        MONTH = "month", _("Monthly")
        QUARTER = "quarter", _("Quarterly")
        YEAR = "year", _("Yearly")

    kind = models.CharField(_("meeting kind"), max_length=32, choices=Meeting.Kind.choices, unique=True)
    period = models.CharField(_("period"), max_length=8, choices=Period.choices)
    minimum = models.PositiveSmallIntegerField(_("at least"), default=1)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("meeting requirement")
        verbose_name_plural = _("meeting requirements")
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(minimum__gte=1), name="party_requirement_minimum_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_period_display()} ≥ {self.minimum}"


class BoardExclusion(models.Model):
    """A branch the compliance board leaves out (newly founded, being merged), and why."""

    party_organization = models.OneToOneField(
        PartyOrganization, verbose_name=_("party organization"), on_delete=models.CASCADE,
        related_name="board_exclusion",
    )
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("excluded by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_area_lookups: ClassVar = _ORG_AREA_LOOKUPS
    scope_organization_lookups: ClassVar = _ORG_ORGANIZATION_LOOKUPS

    class Meta:
        verbose_name = _("board exclusion")
        verbose_name_plural = _("board exclusions")

    def __str__(self) -> str:
        return f"{self.party_organization}: {self.reason}"


class Campaign(models.Model):
    """A street-level campaign (e.g. a 主题教育): its plan, the party organizations
    it covers (CampaignOrganization) and the tasks each must do (CampaignTask).

    Progress is never typed in: a task is done when its record exists — a
    meeting of the campaign held, a problem list submitted to the problems
    app, a lecture logged — or, for a task of another kind, when the
    organization recorded it done (CampaignTaskDone).
    """

    name = models.CharField(_("name"), max_length=200)
    area = models.ForeignKey("core.Area", verbose_name=_("area"), on_delete=models.PROTECT,
                             related_name="party_campaigns")
    # Nullable only for campaigns made by migration 0004 from the free text meetings carried before.
    lead = models.ForeignKey(PartyOrganization, verbose_name=_("lead organization"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="led_campaigns")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_area_lookups: ClassVar = ("area__path",)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering: ClassVar = ["-starts_on", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="party_campaign_ends_after_start",
                                   violation_error_message=_("A campaign cannot end before it starts.")),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("party:campaign_detail", args=[self.pk])


class CampaignOrganization(models.Model):
    """A party organization a campaign covers. Its problem list is the problems
    (in the problems app) whose origin is this row."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE,
                                 related_name="entries")
    party_organization = models.ForeignKey(PartyOrganization, verbose_name=_("party organization"),
                                           on_delete=models.PROTECT, related_name="campaign_entries")
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    scope_area_lookups: ClassVar = _ORG_AREA_LOOKUPS
    scope_organization_lookups: ClassVar = _ORG_ORGANIZATION_LOOKUPS

    class Meta:
        verbose_name = _("organization in a campaign")
        verbose_name_plural = _("organizations in a campaign")
        ordering: ClassVar = ["campaign", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["campaign", "party_organization"], name="party_campaign_org_once"),
        ]

    def __str__(self) -> str:
        return f"{self.party_organization} @ {self.campaign}"

    def get_absolute_url(self) -> str:
        return reverse("party:campaign_organization", args=[self.campaign_id, self.party_organization_id])


class CampaignTask(models.Model):
    """What the covered organizations must do: every one of them, or (with
    `party_organization`) one of them only."""

    class Kind(models.TextChoices):
        SPECIAL_MEETING = "special_meeting", _("Hold a special meeting of the campaign")
        PROBLEM_LIST = "problem_list", _("Submit a problem list")
        LECTURE = "lecture", _("Receive a lecture")
        OTHER = "other", _("Other")

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE,
                                 related_name="tasks")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("task"), max_length=200)
    due_on = models.DateField(_("due"), null=True, blank=True)
    party_organization = models.ForeignKey(
        PartyOrganization, verbose_name=_("only for"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("Empty: every organization the campaign covers."))

    class Meta:
        verbose_name = _("campaign task")
        verbose_name_plural = _("campaign tasks")
        ordering: ClassVar = ["campaign", "id"]

    def __str__(self) -> str:
        return self.title


class CampaignTaskDone(models.Model):
    """An organization's own record that it did a task of kind "other" (the other kinds are computed)."""

    task = models.ForeignKey(CampaignTask, verbose_name=_("task"), on_delete=models.CASCADE, related_name="done")
    party_organization = models.ForeignKey(PartyOrganization, verbose_name=_("party organization"),
                                           on_delete=models.PROTECT, related_name="+")
    done_on = models.DateField(_("done on"), validators=[validate_not_future])
    note = models.CharField(_("what was done"), max_length=500)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("task done")
        verbose_name_plural = _("tasks done")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["task", "party_organization"], name="party_task_done_once"),
        ]

    def __str__(self) -> str:
        return f"{self.task} · {self.party_organization}"


class CampaignLecture(models.Model):
    """A lecture given at a covered organization (a speaker team's 宣讲): who spoke, where, when."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE,
                                 related_name="lectures")
    party_organization = models.ForeignKey(PartyOrganization, verbose_name=_("party organization"),
                                           on_delete=models.PROTECT, related_name="campaign_lectures")
    speaker = models.CharField(_("speaker"), max_length=100)
    given_on = models.DateField(_("date"), validators=[validate_not_future])
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    audience = models.PositiveIntegerField(_("audience"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_area_lookups: ClassVar = _ORG_AREA_LOOKUPS
    scope_organization_lookups: ClassVar = _ORG_ORGANIZATION_LOOKUPS

    class Meta:
        verbose_name = _("campaign lecture")
        verbose_name_plural = _("campaign lectures")
        ordering: ClassVar = ["-given_on", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=~Q(speaker=""), name="party_lecture_has_speaker",
                                   violation_error_message=_("Name the speaker.")),
        ]
        indexes: ClassVar = [models.Index(fields=["campaign", "party_organization"], name="party_lecture_org")]

    def __str__(self) -> str:
        return f"{self.given_on} {self.speaker} @ {self.party_organization}"


class TrainingCourse(models.Model):
    """A training course (培训班) run for an area: e.g. the street's yearly training of its neighborhood secretaries."""

    title = models.CharField(_("title"), max_length=200)
    area = models.ForeignKey("core.Area", verbose_name=_("area"), on_delete=models.PROTECT,
                             related_name="training_courses")
    organizer = models.ForeignKey(PartyOrganization, verbose_name=_("organizer"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="training_courses")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_area_lookups: ClassVar = ("area__path",)

    class Meta:
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")
        ordering: ClassVar = ["-starts_on", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="party_course_ends_after_start",
                                   violation_error_message=_("A course cannot end before it starts.")),
        ]

    def __str__(self) -> str:
        return self.title


class TrainingSession(models.Model):
    """One session of a course: a lecture, a site visit or a discussion, with its lecturer."""

    class Format(models.TextChoices):
        LECTURE = "lecture", _("Lecture")
        SITE_VISIT = "site_visit", _("Site visit")
        DISCUSSION = "discussion", _("Discussion")

    course = models.ForeignKey(TrainingCourse, verbose_name=_("course"), on_delete=models.CASCADE,
                               related_name="sessions")
    topic = models.CharField(_("topic"), max_length=200)
    lecturer = models.CharField(_("lecturer"), max_length=100, blank=True)
    format = models.CharField(_("format"), max_length=16, choices=Format.choices, default=Format.LECTURE)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)

    scope_area_lookups: ClassVar = ("course__area__path",)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering: ClassVar = ["course", "starts_at", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="party_session_ends_after_start",
                                   violation_error_message=_("A session must end after it starts.")),
        ]

    def __str__(self) -> str:
        return self.topic


class Enrolment(models.Model):
    course = models.ForeignKey(TrainingCourse, verbose_name=_("course"), on_delete=models.CASCADE,
                               related_name="enrolments")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering: ClassVar = ["course", "id"]
        constraints: ClassVar = [models.UniqueConstraint(fields=["course", "person"], name="party_enrolment_once")]

    def __str__(self) -> str:
        return f"{self.person} @ {self.course}"


class SessionAttendance(models.Model):
    """An enrolled person at one session: present, or absent with a reason."""

    session = models.ForeignKey(TrainingSession, verbose_name=_("session"), on_delete=models.CASCADE,
                                related_name="attendances")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(_("present"), default=True)
    absence_reason = models.CharField(_("reason for absence"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("session attendance")
        verbose_name_plural = _("session attendances")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["session", "person"], name="party_session_attendance_once"),
            models.CheckConstraint(condition=Q(present=True) | ~Q(absence_reason=""),
                                   name="party_session_absent_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.session}"


AUDIT_ACTION_LABELS = {
    "party.meeting_recorded": _("recorded a meeting"),
    "party.meeting_updated": _("changed a meeting record"),
    "party.meeting_submitted": _("submitted a meeting record"),
    "party.meeting_accepted": _("accepted a meeting record"),
    "party.meeting_returned": _("returned a meeting record"),
    "party.decision_recorded": _("recorded a decision"),
    "party.attachment_added": _("attached a file"),
    "party.committee_member_added": _("added a committee member"),
    "party.committee_member_ended": _("ended a committee seat"),
    "party.board_excluded": _("left a branch out of the board"),
    "party.board_included": _("put a branch back on the board"),
    "party.course_created": _("created a training course"),
    "party.session_added": _("added a training session"),
    "party.enrolled": _("enrolled people in a course"),
    "party.session_attendance_recorded": _("recorded a session's attendance"),
    "party.campaign_created": _("created a campaign"),
    "party.campaign_organizations_added": _("added organizations to a campaign"),
    "party.campaign_task_added": _("added a campaign task"),
    "party.campaign_task_done": _("recorded a campaign task done"),
    "party.campaign_lecture_logged": _("logged a campaign lecture"),
    "party.campaign_problem_list_submitted": _("submitted a problem list"),
}
AUDIT_DATA_LABELS = {
    "expected": _("expected"), "present": _("present"), "absent": _("absent"), "guests": _("guests"),
    "comment": _("comment"), "kind": _("kind"), "text": _("decision"), "votes": _("votes for/against/abstaining"),
    "passed": _("passed"), "name": _("name"), "size": _("size"), "position": _("position"), "from": _("from"),
    "until": _("until"), "reason": _("reason"), "topic": _("topic"), "lecturer": _("lecturer"),
    "format": _("format"), "starts_at": _("starts at"), "count": _("count"), "names": _("names"),
    "session": _("session"),
    "speaker": _("speaker"), "organization": _("organization"), "date": _("date"), "task": _("task"),
    "organizations": _("organizations"), "note": _("what was done"), "problems": _("problems"),
}
