"""Needs and claims: 微心愿 wishes, 群众点单 service orders and projects, one
lifecycle for all three, and the claims made on them.

A need is placed in a neighborhood (the scoping function finds it there),
may belong to an organization, and once published is open to claimants in
its publication scope: its neighborhood, its subdistrict, or the whole city.

A wish's beneficiary is a child: the details that identify the child live in
`WishDetails`, a separate table, so that the public wish wall's queries never
read them (see queries.public_wishes).
"""

from __future__ import annotations

import datetime
import uuid
from pathlib import PurePath
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.models import PATH_SEP, Area, Organization, Person
from linli.core.validators import age_on, mask_phone, normalize_phone, validate_not_future, validate_phone


def subdistrict_path(area: Area) -> str | None:
    """The materialized path of the subdistrict that holds `area` (None above that level).

    The tree's levels are fixed (city / district / subdistrict / …), so the
    subdistrict's path is the first three codes of the area's own path.
    """
    codes = area.ancestor_codes()
    return PATH_SEP.join(codes[:3]) + PATH_SEP if len(codes) >= 3 else None


class Need(models.Model):
    """A wish, a service order or a project, from draft to closed."""

    class Kind(models.TextChoices):
        WISH = "wish", _("Wish")
        SERVICE = "service", _("Service order")
        PROJECT = "project", _("Project")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")
        # A service order sent by the center to a team or unit, waiting for a volunteer to accept it.
        DISPATCHED = "dispatched", _("Dispatched")
        CLAIMED = "claimed", _("Claimed")
        FULFILLED = "fulfilled", _("Fulfilled")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Scope(models.TextChoices):
        NEIGHBORHOOD = "neighborhood", _("Own neighborhood")
        SUBDISTRICT = "subdistrict", _("Own subdistrict")
        CITY = "city", _("Whole city")

    class Category(models.TextChoices):
        STUDY = "study", _("Study supplies")
        BOOKS = "books", _("Books")
        SPORTS = "sports", _("Sports")
        CLOTHING = "clothing", _("Clothing")
        DAILY = "daily", _("Daily necessities")
        EXPERIENCE = "experience", _("Visit or experience")
        CARE = "care", _("Care and company")
        REPAIR = "repair", _("Repairs")
        HEALTH = "health", _("Health")
        CULTURE = "culture", _("Culture and education")
        OTHER = "other", _("Other")

    class ValueBand(models.TextChoices):
        UP_TO_100 = "0-100", _("Up to ¥100")
        UP_TO_300 = "100-300", _("¥100–300")
        UP_TO_500 = "300-500", _("¥300–500")
        UP_TO_1000 = "500-1000", _("¥500–1,000")
        ABOVE_1000 = "1000+", _("Above ¥1,000")

    # Which states each transition starts from; the actions refuse any other,
    # with a conditional UPDATE so that two people acting at once cannot both pass.
    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        "submit": frozenset({State.DRAFT}),
        "approve": frozenset({State.SUBMITTED}),
        "reject": frozenset({State.SUBMITTED, State.APPROVED}),
        "publish": frozenset({State.APPROVED}),
        "withdraw": frozenset({State.DRAFT, State.SUBMITTED, State.APPROVED, State.PUBLISHED, State.DISPATCHED}),
        "claim": frozenset({State.PUBLISHED}),
        # Service orders: the center dispatches an approved (or published) order, or dispatches it
        # again to another team while nobody has accepted it; the team's volunteer accepts.
        "dispatch": frozenset({State.APPROVED, State.PUBLISHED, State.DISPATCHED}),
        "accept": frozenset({State.DISPATCHED}),
        "cancel_claim": frozenset({State.CLAIMED}),
        "fulfil": frozenset({State.CLAIMED}),
        "close": frozenset({State.FULFILLED}),
    }
    # The wish's details (child, school, guardian, consent) may change until it is published.
    EDITABLE_DETAILS_STATES: ClassVar[frozenset[str]] = frozenset({State.DRAFT, State.SUBMITTED, State.APPROVED})

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, default=Category.OTHER)
    value_band = models.CharField(_("value band"), max_length=16, choices=ValueBand.choices, blank=True)
    # No index of its own: needs_need_nbhd_state (neighborhood, state) serves every lookup by neighborhood,
    # and each index is one more write on every claim.
    neighborhood = models.ForeignKey(
        Area, verbose_name=_("neighborhood"), on_delete=models.PROTECT, related_name="needs",
        limit_choices_to={"level": Area.Level.NEIGHBORHOOD}, db_index=False,
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("owner organization"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="needs",
    )
    publication_scope = models.CharField(_("publication scope"), max_length=16, choices=Scope.choices, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    # A service order (群众点单): who asked, where and when the service is wanted.
    requester = models.ForeignKey(
        Person, verbose_name=_("requesting resident"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="service_orders",
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    window_start = models.DateTimeField(_("wanted from"), null=True, blank=True)
    window_end = models.DateTimeField(_("wanted until"), null=True, blank=True)
    fulfilled_on = models.DateField(_("fulfilled on"), null=True, blank=True, validators=[validate_not_future])
    fulfilment_event = models.CharField(_("hand-over event"), max_length=200, blank=True)
    fulfilment_note = models.TextField(_("fulfilment note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # When each step happened, for the figures (days from publication to claim and to fulfilment).
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    scope_area_lookups: ClassVar = ("neighborhood__path",)
    scope_organization_lookups: ClassVar = ("organization_id",)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            # A published need (and everything after) says who may claim it; a service
            # order the center dispatched, and its team accepted, was never published.
            models.CheckConstraint(
                condition=~Q(state__in=["published", "claimed", "fulfilled", "closed"]) | ~Q(publication_scope="")
                | (Q(kind="service") & ~Q(state="published")),
                name="needs_need_published_has_scope",
            ),
            models.CheckConstraint(
                condition=Q(window_start__isnull=True) | Q(window_end__isnull=True)
                | Q(window_end__gte=F("window_start")),
                name="needs_need_window_in_order",
                violation_error_message=_("The time window ends before it starts."),
            ),
        ]
        indexes: ClassVar = [
            # The public wish wall and the claimable lists: published needs of a
            # kind, newest first. Partial, so it holds only the open needs.
            models.Index(fields=["kind", "-published_at", "-id"], condition=Q(state="published"),
                         name="needs_need_published"),
            # Staff lists: the scope is a semi-join on neighborhood ids (core.scoping.under_area).
            models.Index(fields=["neighborhood", "state"], name="needs_need_nbhd_state"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("needs:detail", args=[self.pk])

    def clean(self) -> None:
        if self.neighborhood_id and self.neighborhood.level != Area.Level.NEIGHBORHOOD:
            raise ValidationError({"neighborhood": _("Choose a neighborhood (居民区), not a larger area.")})
        if self.kind != self.Kind.SERVICE and (self.requester_id or self.place or self.window_start
                                                or self.window_end):
            raise ValidationError(_("Only a service order has a requesting resident, a place and a time window."))
        if self.window_start and self.window_end and self.window_end < self.window_start:
            raise ValidationError({"window_end": _("The time window ends before it starts.")})

    def allows(self, transition: str) -> bool:
        """May `transition` start from the state this instance was read in?"""
        return self.state in self.TRANSITIONS[transition]

    def allowed_transitions(self) -> list[str]:
        return [name for name, states in self.TRANSITIONS.items() if self.state in states]

    @property
    def is_wish(self) -> bool:
        return self.kind == self.Kind.WISH

    @property
    def is_service(self) -> bool:
        return self.kind == self.Kind.SERVICE

    def missing_order_details(self) -> list[str]:
        """What a service order still lacks before it can be submitted."""
        missing = []
        if self.requester_id is None:
            missing.append(str(_("the requesting resident")))
        if not self.place:
            missing.append(str(_("the place")))
        if self.window_start is None or self.window_end is None:
            missing.append(str(_("the time window")))
        return missing

    @property
    def public_age(self) -> int | None:
        """The child's age on the public wall, from the birth date queries.public_wishes() annotates."""
        return age_on(getattr(self, "beneficiary_birth_date", None))

    def covers(self, area: Area | None) -> bool:
        """Does the publication scope reach a claimant placed in `area`?

        The same rule as `open_to(area)`, for one need already in memory.
        """
        if self.publication_scope == self.Scope.CITY:
            return True
        if area is None:
            return False
        if self.publication_scope == self.Scope.NEIGHBORHOOD:
            return area.pk == self.neighborhood_id
        if self.publication_scope == self.Scope.SUBDISTRICT:
            own = subdistrict_path(self.neighborhood)
            return own is not None and area.path.startswith(own)
        return False


def open_to(area: Area | None) -> Q:
    """Needs whose publication scope reaches a claimant placed in `area`
    (a resident's neighborhood, an organization's area; None: city-wide only)."""
    q = Q(publication_scope=Need.Scope.CITY)
    if area is None:
        return q
    if area.level == Area.Level.NEIGHBORHOOD:
        q |= Q(publication_scope=Need.Scope.NEIGHBORHOOD, neighborhood_id=area.pk)
    own = subdistrict_path(area)
    if own is not None:
        q |= Q(publication_scope=Need.Scope.SUBDISTRICT, neighborhood__path__startswith=own)
    return q


class WishDetails(models.Model):
    """Who a wish is for. Sensitive personal information of a child (PIPL):
    only staff in scope see all of it; the claimant, after claiming, sees the
    child's name and school but never the guardian's contact; the public sees
    only `public_name` and the age."""

    need = models.OneToOneField(
        Need, verbose_name=_("need"), on_delete=models.CASCADE, primary_key=True, related_name="wish_details"
    )
    child_name = models.CharField(_("child's full name"), max_length=50)
    public_name = models.CharField(
        _("name shown publicly"), max_length=20, help_text=_("A given name or an alias, never the full name.")
    )
    birth_date = models.DateField(_("birth date"), validators=[validate_not_future])
    # A paper form often gives only the age: the birth date is then this day that many years before the
    # form was entered, and says so (the age it shows may be off by up to a year; a staff member who
    # learns the real date enters it, which clears the flag).
    birth_date_estimated = models.BooleanField(
        _("birth date estimated from the age"), default=False,
        help_text=_("Only the age was known; the birth date was worked out from it."),
    )
    school = models.CharField(_("school"), max_length=100, blank=True)
    school_class = models.CharField(_("class"), max_length=50, blank=True)
    guardian_name = models.CharField(_("guardian's name"), max_length=50, blank=True)
    guardian_phone = models.CharField(_("guardian's phone"), max_length=32, blank=True, validators=[validate_phone])
    guardian_consent = models.BooleanField(
        _("guardian consents to publication"), default=False,
        help_text=_("Required before the wish can be published."),
    )

    sensitive_fields: ClassVar = {"guardian_phone": mask_phone}

    class Meta:
        verbose_name = _("wish details")
        verbose_name_plural = _("wish details")

    def __str__(self) -> str:
        return str(_("Wish of %(name)s") % {"name": self.public_name})

    def fill_derived_fields(self) -> None:
        self.child_name = self.child_name.strip()
        self.public_name = self.public_name.strip()
        if self.guardian_phone:
            self.guardian_phone = normalize_phone(self.guardian_phone)

    def clean(self) -> None:
        if self.child_name and self.public_name and self.public_name == self.child_name and len(self.child_name) > 1:
            raise ValidationError({"public_name": _("Show a given name or an alias, not the child's full name.")})

    @property
    def age(self) -> int | None:
        return age_on(self.birth_date)

    @property
    def masked_guardian_phone(self) -> str:
        return mask_phone(self.guardian_phone)


class Claim(models.Model):
    """Someone taking a published need on: an individual, or a unit, volunteer
    team or sub-center through its liaison. Both regions are kept, so that
    claims from another subdistrict count as cross-region claims."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CANCELLED = "cancelled", _("Cancelled")

    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.PROTECT, related_name="claims")
    # Indexed by needs_claim_claimant (claimant, -created_at), not on its own: one index write fewer a claim.
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("claimant"), on_delete=models.PROTECT, related_name="need_claims",
        db_index=False,
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("claiming organization"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="need_claims",
    )
    claimant_area = models.ForeignKey(
        Area, verbose_name=_("claimant's area"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    need_area = models.ForeignKey(Area, verbose_name=_("need's area"), on_delete=models.PROTECT, related_name="+")
    # Stored at claim time (areas never move): figures count them without path arithmetic.
    cross_region = models.BooleanField(_("cross-region"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("claimed at"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # Never looked up by; accounts are deactivated, not deleted (a claimant's is protected): no index.
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("cancelled by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", db_index=False,
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    scope_area_lookups: ClassVar = ("need__neighborhood__path",)
    scope_organization_lookups: ClassVar = ("need__organization_id", "organization_id")

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            # The database's word on "exactly one claimant": whatever the
            # application does, a second active claim on a need cannot be stored.
            models.UniqueConstraint(fields=["need"], condition=Q(status="active"), name="needs_claim_one_active",
                                    violation_error_message=_("This need has already been claimed.")),
        ]
        indexes: ClassVar = [models.Index(fields=["claimant", "-created_at"], name="needs_claim_claimant")]

    def __str__(self) -> str:
        return f"{self.need} · {self.organization or self.claimant}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def cancel_deadline(self) -> datetime.datetime:
        """Until when the claimant may cancel (staff may release a claim later)."""
        return self.created_at + datetime.timedelta(hours=settings.LINLI_CLAIM_CANCEL_HOURS)


class Dispatch(models.Model):
    """中心派单: the center sends a service order to a volunteer team or unit, to be served by a deadline.

    A dispatch is open while it waits for acceptance (pending) or has been
    accepted; an order has at most one open dispatch. Sending it to another
    team recalls the pending one. Overdue is derived from the deadline and the
    order's state (queries.overdue_dispatches), never stored.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for acceptance")
        ACCEPTED = "accepted", _("Accepted")
        RECALLED = "recalled", _("Recalled")

    OPEN: ClassVar[tuple[str, ...]] = (Status.PENDING, Status.ACCEPTED)

    need = models.ForeignKey(Need, verbose_name=_("service order"), on_delete=models.PROTECT,
                             related_name="dispatches")
    organization = models.ForeignKey(Organization, verbose_name=_("team or unit"), on_delete=models.PROTECT,
                                     related_name="dispatches")
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dispatched by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dispatched at"), default=timezone.now)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("accepted by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    recalled_at = models.DateTimeField(_("recalled at"), null=True, blank=True)

    scope_area_lookups: ClassVar = ("need__neighborhood__path",)
    scope_organization_lookups: ClassVar = ("need__organization_id", "organization_id")

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        ordering: ClassVar = ["deadline", "id"]
        constraints: ClassVar = [
            # One team at a time: a second open dispatch of an order cannot be stored.
            models.UniqueConstraint(fields=["need"], condition=Q(status__in=["pending", "accepted"]),
                                    name="needs_dispatch_one_open"),
        ]
        indexes: ClassVar = [
            # The dispatch board and the overdue list: open dispatches by deadline.
            models.Index(fields=["deadline", "id"], condition=Q(status__in=["pending", "accepted"]),
                         name="needs_dispatch_open_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.need} → {self.organization}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    def is_overdue(self, now: datetime.datetime | None = None) -> bool:
        """Past its deadline and the order not yet served (the same rule as queries.overdue_dispatches)."""
        return (self.is_open and self.deadline < (now or timezone.now())
                and self.need.state in (Need.State.DISPATCHED, Need.State.CLAIMED))


class Feedback(models.Model):
    """群众评单: the requester's rating of a served order, 1 to 5, once, after fulfilment.

    Staff may enter it on the requester's behalf (by telephone, on paper); that is recorded.
    The team rated is stored with the rating, so that ratings roll up per team.
    """

    need = models.OneToOneField(Need, verbose_name=_("service order"), on_delete=models.PROTECT,
                                related_name="feedback")
    organization = models.ForeignKey(Organization, verbose_name=_("team rated"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="feedback")
    rating = models.PositiveSmallIntegerField(_("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    on_behalf = models.BooleanField(_("entered by staff for the requester"), default=False)
    created_at = models.DateTimeField(_("rated at"), default=timezone.now)

    scope_area_lookups: ClassVar = ("need__neighborhood__path",)
    scope_organization_lookups: ClassVar = ("need__organization_id", "organization_id")

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="needs_feedback_rating_1_5",
                                   violation_error_message=_("Rate from 1 to 5.")),
        ]

    def __str__(self) -> str:
        return f"{self.need} · {self.rating}"


def handover_file_path(instance: models.Model, filename: str) -> str:
    """needs/<need id>/<random>.<ext>: never the uploader's file name (it may name the child)."""
    return f"needs/{instance.need_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:8]}"  # type: ignore[attr-defined]


class ThankYouLetter(models.Model):
    """The thank-you letter after the hand-over: typed out, or the scan of the handwritten one, or both.

    Files are served only through a permission-checked view (views.handover_file), never from a public URL.
    """

    need = models.OneToOneField(Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="thanks")
    text = models.TextField(_("letter text"), blank=True)
    scan = models.FileField(_("scan of the letter"), upload_to=handover_file_path, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("thank-you letter")
        verbose_name_plural = _("thank-you letters")
        constraints: ClassVar = [
            models.CheckConstraint(condition=~Q(text="") | ~Q(scan=""), name="needs_thanks_text_or_scan"),
        ]

    def __str__(self) -> str:
        return str(_("Thank-you letter for %(need)s") % {"need": self.need})


class HandoverPhoto(models.Model):
    """A photo of the hand-over. Only with no face in it, or with the consent of those shown (DESIGN.md, Privacy)."""

    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("photo"), upload_to=handover_file_path)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    no_faces_or_consent = models.BooleanField(
        _("no faces, or consent recorded"), default=False,
        help_text=_("The photo shows no face, or everyone shown (the child's guardian for a child) consented."),
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("hand-over photo")
        verbose_name_plural = _("hand-over photos")
        ordering: ClassVar = ["created_at", "id"]
        constraints: ClassVar = [
            # The database's word on the privacy rule: no photo is stored without the flag.
            models.CheckConstraint(condition=Q(no_faces_or_consent=True), name="needs_photo_no_faces_or_consent"),
        ]

    def __str__(self) -> str:
        return self.caption or str(_("Photo %(n)s") % {"n": self.pk})


class HandoverItem(models.Model):
    """What was handed over: a pair of running shoes, 20 picture books."""

    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="items")
    name = models.CharField(_("item"), max_length=100)
    quantity = models.PositiveIntegerField(_("quantity"), default=1, validators=[MinValueValidator(1)])
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("hand-over item")
        verbose_name_plural = _("hand-over items")
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="needs_item_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"


class WishImport(models.Model):
    """A spreadsheet of wishes collected on paper: previewed with its row errors, then confirmed all at once.

    Kept by whoever uploaded it (it holds children's names and guardians' phones): imports.py reads
    only the uploader's own. The file is checked again when confirmed, in the transaction that writes.
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        IMPORTED = "imported", _("Imported")
        REJECTED = "rejected", _("Has errors")

    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.CASCADE,
                                   related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(editable=False)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    imported_count = models.PositiveIntegerField(_("imported"), default=0)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("wish import")
        verbose_name_plural = _("wish imports")
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename


# How the audit trail names these events and their details in words (core's
# AuditEvent.action_label and data_rows read them; see NeedsConfig.ready).
AUDIT_ACTION_LABELS = {
    "needs.created": _("created a need"),
    "needs.updated": _("changed a need"),
    "needs.wish_details_set": _("recorded the wish's child"),
    "needs.submitted": _("submitted"),
    "needs.approved": _("approved"),
    "needs.rejected": _("rejected"),
    "needs.published": _("published"),
    "needs.withdrawn": _("withdrew"),
    "needs.claimed": _("claimed"),
    "needs.claim_cancelled": _("cancelled a claim"),
    "needs.fulfilled": _("recorded the hand-over"),
    "needs.closed": _("closed"),
    "needs.dispatched": _("dispatched a service order"),
    "needs.accepted": _("accepted a service order"),
    "needs.rated": _("rated a service order"),
    "needs.thanks_recorded": _("recorded the thank-you letter"),
    "needs.photo_added": _("added a hand-over photo"),
    "needs.item_added": _("recorded a handed-over item"),
    "needs.wishes_imported": _("imported wishes"),
    "needs.guardian_phone_revealed": _("revealed the guardian's phone"),
}
AUDIT_DATA_LABELS = {
    "reason": _("reason"), "claim": _("claim"), "organization": _("organization"),
    "cross_region": _("cross-region"), "event": _("event"), "note": _("note"), "claimant": _("claimant"),
    "by_staff": _("by staff"),
    "deadline": _("deadline"), "dispatch": _("dispatch"), "recalled": _("recalled dispatch"),
    "rating": _("rating"), "comment": _("comment"), "on_behalf": _("entered for the requester"),
    "count": _("count"), "file": _("file"), "scan": _("scan"), "photo": _("photo"), "caption": _("caption"),
    "item": _("item"), "quantity": _("quantity"),
}
