"""Every write to volunteer records. Pages, the API, the admin, the demo seeder
and tests call these functions; nothing else writes.

As in core.actions: keyword-only, `actor=` (None is the system and acts
without a scope), one transaction per call, permission checked, an audit event
(`volunteers.signed_up`, …) in the same transaction. Input is checked
completely before the first write, and every refusal names its field, so a
refused call leaves nothing half-saved.

Who may do what:
- a person, through their own account: register as a volunteer, sign up for
  an activity, check in and out with the activity's QR code, sign up for a
  duty shift, take a certificate of their own hours;
- CHANGE over the person: register them as a volunteer, with their consent
  recorded; enter or correct their hours (with a reason);
- CHANGE over a team, an activity or a post: its members, sign-ups on a
  volunteer's behalf (consent recorded), check-in and check-out by staff,
  shifts, assignments, swaps and duty attendance.

The ledger only grows: hours are corrected by a reversing entry that names
the entry it reverses, never by changing it (the database refuses that too).
"""

from __future__ import annotations

import datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.actions import Conflict
from linli.core.documents import read_verification_token
from linli.core.models import Area, Organization, Person
from linli.core.scoping import Perm, can
from linli.core.uploads import check_upload
from linli.core.validators import age_on
from linli.volunteers.models import (
    MAX_ENTRY_HOURS,
    Activity,
    ActivityPhoto,
    Certificate,
    Consent,
    DutyAssignment,
    DutyShift,
    Post,
    ServiceRecord,
    SignUp,
    Team,
    TeamMembership,
    Volunteer,
)

TOKEN_KIND = "activity"
HUNDREDTH = Decimal("0.01")


def _require(actor: Any, perm: Perm, obj: models.Model | None = None) -> None:
    if actor is None:  # the system (seeding) acts without a scope
        return
    if not can(actor, perm, obj):
        raise PermissionDenied(_("You do not have permission to do this here."))


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _is_self(actor: Any, person: Person) -> bool:
    return actor is not None and getattr(actor, "person_id", None) == person.pk


def grace() -> datetime.timedelta:
    return datetime.timedelta(minutes=getattr(settings, "LINLI_CHECKIN_GRACE_MINUTES", 30))


def _save(obj: models.Model) -> None:
    """Save; a constraint that only failed because another transaction won a race becomes a Conflict."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise Conflict(_("This conflicts with a record saved at the same time. Nothing was saved; reload and "
                         "try again."), code="conflict") from None


def parse_hours(value: Any, field: str = "hours") -> Decimal:
    """Hours of one ledger entry: more than 0, at most 24, to the hundredth."""
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter the hours as a number, e.g. 2 or 1.5.")}) from None
    if not hours.is_finite():
        raise ValidationError({field: _("Enter the hours as a number, e.g. 2 or 1.5.")})
    if hours <= 0:
        raise ValidationError({field: _("Hours must be more than 0: to take hours away, correct the entry "
                                        "that credited them.")})
    if hours > MAX_ENTRY_HOURS:
        raise ValidationError({field: _("%(hours)s hours is impossible for one entry: at most 24 hours a day.")
                               % {"hours": hours}})
    if hours != hours.quantize(HUNDREDTH):
        raise ValidationError({field: _("Give hours to at most two decimal places.")})
    return hours.quantize(HUNDREDTH)


# Volunteers ---------------------------------------------------------------------------

@transaction.atomic
def register_volunteer(
    *, actor: Any, person: Person, consent_by: str = "", consent_at: datetime.datetime | None = None,
    consent_method: str = "",
) -> Volunteer:
    """Make `person` a volunteer.

    Through their own account the registration is their consent. Staff (CHANGE
    over the person) must say who consented, when and how; without that the
    registration is refused and nothing is saved.
    """
    now = timezone.now()
    if _is_self(actor, person):
        registration = Volunteer.Registration.SELF
        consent_by, consent_at, consent_method = person.name, now, Volunteer.ConsentMethod.ONLINE
    else:
        _require(actor, Perm.CHANGE, person)
        registration = Volunteer.Registration.STAFF
        consent_by = (consent_by or "").strip()
        errors: dict[str, str] = {}
        if not consent_by:
            errors["consent_by"] = _("Record who consented to the registration (the person, or for a child "
                                     "the guardian): nobody is registered as a volunteer without consent.")
        if consent_method not in Volunteer.ConsentMethod.values:
            errors["consent_method"] = _("Say how the consent was given (e.g. a signed registration form).")
        if consent_at is None:
            errors["consent_at"] = _("Record when the consent was given.")
        elif consent_at > now:
            errors["consent_at"] = _("The consent cannot be dated in the future.")
        if errors:
            raise ValidationError(errors)
    assert consent_at is not None
    existing = Volunteer.objects.select_for_update().filter(person=person).first()
    if existing is not None:
        periods = list(existing.consents.all())
        if any(c.withdrawn_at is None for c in periods):
            raise ValidationError({"person": _("%(name)s is already registered as a volunteer.")
                                   % {"name": person.name}})
        last_withdrawn = max((c.withdrawn_at for c in periods if c.withdrawn_at), default=None)
        if last_withdrawn is not None and consent_at < last_withdrawn:
            # A new period starts after the last one ended: backdating it would cover days of the gap.
            raise ValidationError({"consent_at": _(
                "%(name)s withdrew their consent on %(withdrawn)s: the new consent is given after that.")
                % {"name": person.name, "withdrawn": timezone.localtime(last_withdrawn).strftime("%Y-%m-%d %H:%M")}})
    volunteer = existing or Volunteer(person=person)
    volunteer.registration = registration
    volunteer.registered_by = _user(actor)
    volunteer.registered_at = now
    _save(volunteer)
    consent = Consent(volunteer=volunteer, given_at=consent_at, given_by=consent_by[:100], method=consent_method,
                      registration=registration, recorded_by=_user(actor), recorded_at=now)
    _save(consent)
    # core's flag that lists and exports show; the registration above is the record that counts.
    Person.objects.filter(pk=person.pk, is_volunteer=False).update(is_volunteer=True)
    audit.record(actor=actor, action="volunteers.volunteer_registered", target=volunteer, data={
        "consent_by": consent.given_by, "consent_method": consent.get_method_display(),
        "consent_at": consent_at.isoformat(), "method": volunteer.get_registration_display(),
        "again": existing is not None})
    return volunteer


@transaction.atomic
def withdraw_consent(*, actor: Any, volunteer: Volunteer) -> Volunteer:
    """The person (or staff on their word) ends their registration: the open consent period is closed.
    Hours already served stay in the ledger, and stay covered by the period they were served in."""
    if not _is_self(actor, volunteer.person):
        _require(actor, Perm.CHANGE, volunteer)
    locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    now = timezone.now()
    closed = Consent.objects.filter(volunteer=locked, withdrawn_at__isnull=True).update(
        withdrawn_at=now, withdrawn_by=_user(actor))
    if not closed:
        raise ValidationError(_("The consent was already withdrawn."))
    audit.record(actor=actor, action="volunteers.consent_withdrawn", target=locked)
    return locked


def _active(volunteer: Volunteer, field: str = "volunteer") -> None:
    if not Consent.objects.filter(volunteer_id=volunteer.pk, withdrawn_at__isnull=True).exists():
        raise ValidationError({field: _("%(name)s withdrew their consent and is no longer a volunteer.")
                               % {"name": volunteer.person.name}})


def _consented_on(volunteer: Volunteer, day: datetime.date, field: str = "served_on") -> None:
    """Refuse hours for a day no consent period of the volunteer covers: before the first was given, or from
    the day one was withdrawn until the next was given (the anomaly check's definition). The volunteer's row
    is read locked first (withdrawal and registration lock it too), so a withdrawal committed a moment ago is
    seen, and one made meanwhile waits for this credit."""
    Volunteer.objects.select_for_update().only("pk").get(pk=volunteer.pk)
    periods = list(Consent.objects.filter(volunteer_id=volunteer.pk).order_by("given_at", "id"))
    if any(c.covers(day) for c in periods):
        return
    name = volunteer.person.name
    before = [c for c in periods if c.given_on <= day]
    if not before:
        given = periods[0].given_on if periods else None
        raise ValidationError({field: _("%(name)s consented to volunteering on %(given)s: no hours can be credited "
                                        "for %(day)s.") % {"name": name, "given": given or "—", "day": day}})
    withdrawn = before[-1].withdrawn_on
    raise ValidationError({field: _("%(name)s withdrew their consent on %(withdrawn)s: no hours can be "
                                    "credited for %(day)s.") % {"name": name, "withdrawn": withdrawn, "day": day}})


# Teams --------------------------------------------------------------------------------

@transaction.atomic
def create_team(*, actor: Any, name: str, kind: str, area: Area | None = None,
                organization: Organization | None = None, minimum_age: int | None = None,
                description: str = "") -> Team:
    team = Team(name=(name or "").strip(), kind=kind, area=area, organization=organization,
                minimum_age=minimum_age, description=description)
    if area is None and organization is None:
        raise ValidationError({"area": _("Place the team in an area or under an organization.")})
    team.full_clean()
    _require(actor, Perm.CHANGE, area or organization)
    _save(team)
    audit.record(actor=actor, action="volunteers.team_created", target=team,
                 changes=audit.diff({}, audit.snapshot(team)))
    return team


TEAM_FIELDS = ("name", "kind", "area", "minimum_age", "description")


@transaction.atomic
def update_team(*, actor: Any, team: Team, **fields: Any) -> Team:
    """Change a team's name, kind, area, minimum age or description (CHANGE over the team, and over the
    area it moves to). Members stay: a raised minimum age shows on the anomaly page for hours credited
    afterwards to a member below it."""
    unknown = set(fields) - set(TEAM_FIELDS)
    if unknown:
        raise TypeError(f"update_team() got unexpected fields: {sorted(unknown)}")
    _require(actor, Perm.CHANGE, team)
    locked = Team.objects.select_for_update().get(pk=team.pk)
    before = audit.snapshot(locked)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.name = (locked.name or "").strip()
    if locked.area is None and locked.organization is None:
        raise ValidationError({"area": _("Place the team in an area or under an organization.")})
    locked.full_clean()
    if "area" in fields and locked.area is not None:
        _require(actor, Perm.CHANGE, locked.area)  # not moved out of the actor's own scope
    _save(locked)
    audit.record(actor=actor, action="volunteers.team_updated", target=locked,
                 changes=audit.diff(before, audit.snapshot(locked)))
    return locked


@transaction.atomic
def add_team_member(*, actor: Any, team: Team, volunteer: Volunteer,
                    joined_on: datetime.date | None = None) -> TeamMembership:
    """Add a volunteer to a team; refused for someone younger than the team's minimum age."""
    _require(actor, Perm.CHANGE, team)
    _active(volunteer)
    joined_on = joined_on or timezone.localdate()
    age = volunteer.person.age
    if team.minimum_age is not None:
        if age is None:
            raise ValidationError({"volunteer": _("%(team)s takes volunteers from %(age)s years: record "
                                                  "%(name)s's birth date first.")
                                   % {"team": team.name, "age": team.minimum_age, "name": volunteer.person.name}})
        if age < team.minimum_age:
            raise ValidationError({"volunteer": _("%(name)s is %(years)s: %(team)s takes volunteers from "
                                                  "%(age)s years.")
                                   % {"name": volunteer.person.name, "years": age, "team": team.name,
                                      "age": team.minimum_age}})
    if TeamMembership.objects.filter(team=team, volunteer=volunteer, left_on__isnull=True).exists():
        raise ValidationError({"volunteer": _("This volunteer is already in the team.")})
    membership = TeamMembership(team=team, volunteer=volunteer, joined_on=joined_on)
    _save(membership)
    audit.record(actor=actor, action="volunteers.team_joined", target=team,
                 data={"volunteer": volunteer.person.name})
    return membership


@transaction.atomic
def remove_team_member(*, actor: Any, membership: TeamMembership) -> TeamMembership:
    """The volunteer leaves the team today; the membership stays as history (joined, left)."""
    _require(actor, Perm.CHANGE, membership.team)
    # Locked, so two presses of "remove" at once end the membership (and audit it) once.
    locked = TeamMembership.objects.select_for_update().select_related("team", "volunteer__person").get(
        pk=membership.pk)
    if locked.left_on is not None:
        raise ValidationError(_("This volunteer already left the team."))
    locked.left_on = timezone.localdate()
    locked.save(update_fields=["left_on"])
    audit.record(actor=actor, action="volunteers.team_left", target=locked.team,
                 data={"volunteer": locked.volunteer.person.name})
    return locked


# Activities ---------------------------------------------------------------------------

ACTIVITY_FIELDS = ("title", "kind", "area", "organizer", "team", "place", "description", "starts_at", "ends_at",
                   "capacity", "hours", "summary")


def _clean_activity(activity: Activity) -> None:
    errors: dict[str, Any] = {}
    if activity.starts_at and activity.ends_at and activity.ends_at <= activity.starts_at:
        errors["ends_at"] = _("The activity must end after it starts.")
    if activity.hours is not None:
        try:
            hours = Decimal(str(activity.hours))
        except InvalidOperation:
            hours = Decimal(-1)
        if hours < 0 or hours > MAX_ENTRY_HOURS:
            errors["hours"] = _("An activity credits between 0 and 24 hours.")
        elif activity.starts_at and activity.ends_at and hours > activity.duration_hours:
            errors["hours"] = _("An activity cannot credit more hours (%(hours)s) than it lasts (%(duration)s).") % {
                "hours": hours, "duration": activity.duration_hours}
    if errors:
        raise ValidationError(errors)
    activity.full_clean()


@transaction.atomic
def create_activity(*, actor: Any, **fields: Any) -> Activity:
    unknown = set(fields) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(f"create_activity() got unexpected fields: {sorted(unknown)}")
    activity = Activity(created_by=_user(actor), **fields)
    if activity.hours is None and activity.starts_at and activity.ends_at and activity.ends_at > activity.starts_at:
        activity.hours = min(activity.duration_hours, MAX_ENTRY_HOURS)
    _clean_activity(activity)
    _require(actor, Perm.CHANGE, activity.area)
    if activity.organizer is not None and actor is not None and not can(actor, Perm.VIEW, activity.organizer):
        raise ValidationError({"organizer": _("Choose an organization in your area.")})
    _save(activity)
    audit.record(actor=actor, action="volunteers.activity_created", target=activity,
                 changes=audit.diff({}, audit.snapshot(activity)))
    return activity


@transaction.atomic
def update_activity(*, actor: Any, activity: Activity, **fields: Any) -> Activity:
    unknown = set(fields) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(f"update_activity() got unexpected fields: {sorted(unknown)}")
    _require(actor, Perm.CHANGE, activity)
    locked = Activity.objects.select_for_update().get(pk=activity.pk)
    before = audit.snapshot(locked)
    for name, value in fields.items():
        setattr(locked, name, value)
    _clean_activity(locked)
    if "capacity" in fields:
        live = locked.signups.filter(state=SignUp.State.SIGNED_UP).count()
        if locked.capacity < live:
            raise ValidationError({"capacity": _("%(count)s people have signed up: the capacity cannot be less.")
                                   % {"count": live}})
    if "area" in fields:
        _require(actor, Perm.CHANGE, locked.area)
    _save(locked)
    audit.record(actor=actor, action="volunteers.activity_updated", target=locked,
                 changes=audit.diff(before, audit.snapshot(locked)))
    return locked


@transaction.atomic
def add_activity_photo(*, actor: Any, activity: Activity, file: UploadedFile) -> ActivityPhoto:
    """A photo for the activity's summary: a JPEG, PNG or WebP by its content, within the platform's limit."""
    _require(actor, Perm.CHANGE, activity)
    checked = check_upload(file, field="file", images_only=True)
    photo = ActivityPhoto(activity=activity, name=(file.name or "")[:200], extension=checked.extension,
                          content_type=checked.content_type, uploaded_by=_user(actor))
    photo.file = file  # type: ignore[assignment]  # FileField accepts an upload
    photo.save()
    audit.record(actor=actor, action="volunteers.photo_added", target=activity, data={"name": photo.name})
    return photo


def _lock_activity(activity: Activity) -> Activity:
    """The activity's row, locked to the end of the transaction.

    Every sign-up takes this lock first, so the count of places taken that
    follows is not raced by another sign-up: of many people pressing "sign
    up" for the last place at once, exactly one gets it.
    """
    return Activity.objects.select_for_update().get(pk=activity.pk)


def _old_enough(team: Team | None, volunteer: Volunteer, day: datetime.date, *, by_self: bool) -> None:
    """Refuse a volunteer younger on `day` than the minimum age of `team`, or whose age is not known.

    Sign-ups and duty assignments are checked here, before anything is saved, so a child does not get
    as far as credited hours; the anomaly check still flags hours that reach a team another way (staff
    entering them by hand, a minimum age raised after the sign-up)."""
    if team is None or team.minimum_age is None:
        return
    person = volunteer.person
    if person.birth_date is None:
        message = (_("%(team)s takes volunteers from %(age)s years: ask the organizer to record your birth "
                     "date first.") if by_self else
                   _("%(team)s takes volunteers from %(age)s years: record %(name)s's birth date first."))
        raise ValidationError({"volunteer": message % {"team": team.name, "age": team.minimum_age,
                                                       "name": person.name}})
    years = age_on(person.birth_date, day)
    if years is not None and years < team.minimum_age:
        raise ValidationError({"volunteer": _("%(team)s takes volunteers from %(age)s years; %(name)s is "
                                              "%(years)s on %(day)s.")
                               % {"team": team.name, "age": team.minimum_age, "name": person.name,
                                  "years": years, "day": day.isoformat()}})


def _take_place(activity: Activity, volunteer: Volunteer, *, actor: Any, by_staff: bool, consent_by: str = "",
                consent_method: str = "") -> SignUp:
    live = SignUp.objects.filter(activity=activity, state=SignUp.State.SIGNED_UP)
    if live.filter(volunteer=volunteer).exists():
        raise ValidationError({"volunteer": _("%(name)s is already signed up for this activity.")
                               % {"name": volunteer.person.name}})
    # Every way onto an activity passes here (a sign-up, a QR check-in without one): the team's age limit
    # on the day the activity starts.
    _old_enough(activity.team, volunteer, timezone.localdate(activity.starts_at), by_self=not by_staff)
    if live.count() >= activity.capacity:
        raise ValidationError({"activity": _("The activity is full (%(capacity)s places).")
                               % {"capacity": activity.capacity}})
    signup = SignUp(activity=activity, volunteer=volunteer, by_staff=by_staff, signed_up_by=_user(actor),
                    consent_by=consent_by, consent_method=consent_method)
    _save(signup)
    audit.record(actor=actor, action="volunteers.signed_up", target=activity, data={
        "volunteer": volunteer.person.name, "method": _("by staff") if by_staff else _("by the volunteer"),
        **({"consent_by": consent_by} if by_staff else {})})
    return signup


@transaction.atomic
def sign_up(*, actor: Any, activity: Activity, volunteer: Volunteer, consent_by: str = "",
            consent_method: str = "") -> SignUp:
    """Sign a volunteer up for an activity, while it has room and has not ended.

    By the volunteer themself, or by staff over the activity on their behalf,
    with who consented and how recorded. Refused for a volunteer under the
    minimum age of the activity's team on the day it starts.
    """
    by_staff = not _is_self(actor, volunteer.person)
    consent_by = (consent_by or "").strip()
    if by_staff:
        _require(actor, Perm.CHANGE, activity)
        errors: dict[str, str] = {}
        if not consent_by:
            errors["consent_by"] = _("Record who agreed to this sign-up: staff sign up a volunteer only with "
                                     "their consent.")
        if consent_method not in Volunteer.ConsentMethod.values:
            errors["consent_method"] = _("Say how the volunteer agreed (e.g. in person, before staff).")
        if errors:
            raise ValidationError(errors)
    _active(volunteer)
    locked = _lock_activity(activity)
    # Staff may still record, from a paper sheet, who came to an activity that is over.
    if locked.ends_at <= timezone.now() and not by_staff:
        raise ValidationError({"activity": _("This activity has ended: sign-up is closed.")})
    return _take_place(locked, volunteer, actor=actor, by_staff=by_staff, consent_by=consent_by,
                       consent_method=consent_method if by_staff else "")


@transaction.atomic
def cancel_sign_up(*, actor: Any, signup: SignUp) -> SignUp:
    if not _is_self(actor, signup.volunteer.person):
        _require(actor, Perm.CHANGE, signup.activity)
    locked = SignUp.objects.select_for_update().get(pk=signup.pk)
    if locked.state != SignUp.State.SIGNED_UP:
        raise ValidationError(_("This sign-up was already cancelled."))
    if locked.checked_in_at is not None:
        raise ValidationError(_("%(name)s has checked in: the sign-up can no longer be cancelled.")
                              % {"name": signup.volunteer.person.name})
    locked.state = SignUp.State.CANCELLED
    locked.save(update_fields=["state"])
    audit.record(actor=actor, action="volunteers.signup_cancelled", target=locked.activity,
                 data={"volunteer": signup.volunteer.person.name})
    return locked


def check_in_token(activity: Activity) -> str:
    """What the activity's QR code carries: a signed token naming this activity only."""
    from linli.core.documents import verification_token

    return verification_token(TOKEN_KIND, activity.pk)


def _check_token(activity: Activity, token: str) -> None:
    pk = read_verification_token(TOKEN_KIND, token or "")
    if pk is None:
        raise ValidationError({"token": _("This is not a check-in code of linli: scan the QR code shown at the "
                                          "activity.")})
    if pk != activity.pk:
        # Named by neither activity: a code is no way to read the title, place and time of an activity
        # out of the holder's scope by trying other numbers.
        raise ValidationError({"token": _("This QR code is for another activity: scan the code shown where you "
                                          "are.")})


def _who(actor: Any, activity: Activity, volunteer: Volunteer | None, token: str | None) -> tuple[Volunteer, str]:
    """The volunteer checking in or out, and how: by the activity's QR code (themself) or by staff."""
    if token is not None:
        _check_token(activity, token)
        person_id = getattr(actor, "person_id", None)
        own = Volunteer.objects.select_related("person").filter(person_id=person_id).first() if person_id else None
        if own is None:
            raise ValidationError({"volunteer": _("Your account is not registered as a volunteer: register "
                                                  "first, then scan the code again.")})
        if volunteer is not None and volunteer.pk != own.pk:
            raise PermissionDenied(_("A QR code checks in only the account that scans it."))
        return own, SignUp.Method.QR
    if volunteer is None:
        raise ValidationError({"volunteer": _("Choose the volunteer.")})
    _require(actor, Perm.CHANGE, activity)
    return volunteer, SignUp.Method.STAFF


def _within_window(activity: Activity, at: datetime.datetime, field: str) -> None:
    minutes = int(grace().total_seconds() // 60)
    if at < activity.starts_at - grace():
        raise ValidationError({field: _("The activity has not started: check-in opens %(minutes)s minutes "
                                        "before it starts, at %(time)s.")
                               % {"minutes": minutes,
                                  "time": timezone.localtime(activity.starts_at - grace()).strftime("%Y-%m-%d %H:%M")}})
    if at > activity.ends_at + grace():
        raise ValidationError({field: _("The activity ended at %(time)s, more than %(minutes)s minutes ago: ask "
                                        "the organizer to record your attendance.")
                               % {"minutes": minutes,
                                  "time": timezone.localtime(activity.ends_at).strftime("%Y-%m-%d %H:%M")}})


@transaction.atomic
def check_in(*, actor: Any, activity: Activity, volunteer: Volunteer | None = None, token: str | None = None,
             at: datetime.datetime | None = None) -> SignUp:
    """Check a volunteer in: themself with the activity's QR code, or by staff.

    Refused for a QR code of another activity, outside the activity's time
    (with the grace period of settings.LINLI_CHECKIN_GRACE_MINUTES on each
    side), and twice. A volunteer who had not signed up takes a place if one
    is left.
    """
    volunteer, method = _who(actor, activity, volunteer, token)
    _active(volunteer)
    now = timezone.now()
    at = now if method == SignUp.Method.QR or at is None else at
    if at > now:
        raise ValidationError({"at": _("A check-in cannot be recorded in the future.")})
    locked = _lock_activity(activity)
    _within_window(locked, at, "at" if method == SignUp.Method.STAFF else "activity")
    signup = (SignUp.objects.select_for_update().filter(activity=locked, volunteer=volunteer,
                                                         state=SignUp.State.SIGNED_UP).first())
    if signup is None:
        if method == SignUp.Method.STAFF:
            raise ValidationError({"volunteer": _("%(name)s has not signed up: sign them up (with their consent) "
                                                  "first.") % {"name": volunteer.person.name}})
        signup = _take_place(locked, volunteer, actor=actor, by_staff=False)
    if signup.checked_in_at is not None:
        raise ValidationError({"volunteer": _("%(name)s already checked in at %(time)s.")
                               % {"name": volunteer.person.name,
                                  "time": timezone.localtime(signup.checked_in_at).strftime("%H:%M")}})
    signup.checked_in_at = at
    signup.check_in_method = method
    signup.save(update_fields=["checked_in_at", "check_in_method"])
    audit.record(actor=actor, action="volunteers.checked_in", target=locked,
                 data={"volunteer": volunteer.person.name, "method": signup.get_check_in_method_display()})
    return signup


def attendance_hours(activity: Activity, start: datetime.datetime, end: datetime.datetime) -> Decimal:
    """The hours a stay from `start` to `end` earns: the time within the activity, at most what it credits."""
    stayed = (min(end, activity.ends_at) - max(start, activity.starts_at)).total_seconds() / 3600
    if stayed <= 0:
        return Decimal(0)
    return min(Decimal(stayed).quantize(HUNDREDTH, rounding=ROUND_DOWN), Decimal(activity.hours))


@transaction.atomic
def check_out(*, actor: Any, activity: Activity, volunteer: Volunteer | None = None, token: str | None = None,
              at: datetime.datetime | None = None) -> tuple[SignUp, ServiceRecord | None]:
    """Check a volunteer out and credit the hours served (attendance-recorded).

    Refused before a check-in. Staff may give the time a volunteer left (one
    who forgot to scan), not before their check-in and not in the future.
    """
    volunteer, method = _who(actor, activity, volunteer, token)
    now = timezone.now()
    at = now if method == SignUp.Method.QR or at is None else at
    if at > now:
        raise ValidationError({"at": _("A check-out cannot be recorded in the future.")})
    locked = _lock_activity(activity)
    signup = (SignUp.objects.select_for_update().filter(activity=locked, volunteer=volunteer,
                                                         state=SignUp.State.SIGNED_UP).first())
    if signup is None or signup.checked_in_at is None:
        raise ValidationError({"volunteer": _("%(name)s has not checked in: check in before checking out.")
                               % {"name": volunteer.person.name}})
    if signup.checked_out_at is not None:
        raise ValidationError({"volunteer": _("%(name)s already checked out at %(time)s.")
                               % {"name": volunteer.person.name,
                                  "time": timezone.localtime(signup.checked_out_at).strftime("%H:%M")}})
    if at < signup.checked_in_at:
        raise ValidationError({"at": _("The check-out (%(out)s) cannot be before the check-in (%(in)s).")
                               % {"out": timezone.localtime(at).strftime("%H:%M"),
                                  "in": timezone.localtime(signup.checked_in_at).strftime("%H:%M")}})
    if method == SignUp.Method.QR:
        _within_window(locked, at, "activity")
    _consented_on(volunteer, timezone.localdate(signup.checked_in_at), "volunteer")
    signup.checked_out_at = at
    signup.check_out_method = method
    signup.save(update_fields=["checked_out_at", "check_out_method"])
    hours = attendance_hours(locked, signup.checked_in_at, at)
    record = None
    if hours > 0:
        record = _append(volunteer=volunteer, served_on=timezone.localdate(signup.checked_in_at), hours=hours,
                         source=ServiceRecord.Source.ATTENDANCE, started_at=max(signup.checked_in_at, locked.starts_at),
                         ended_at=min(at, locked.ends_at), activity=locked, team=locked.team,
                         description=locked.title[:200])
    audit.record(actor=actor, action="volunteers.checked_out", target=locked,
                 data={"volunteer": volunteer.person.name, "hours": str(hours),
                       "method": signup.get_check_out_method_display()})
    return signup, record


# The ledger ---------------------------------------------------------------------------

def _append(*, volunteer: Volunteer, **fields: Any) -> ServiceRecord:
    """Insert one ledger entry. The only place entries are written."""
    record = ServiceRecord(volunteer=volunteer, neighborhood_id=volunteer.person.neighborhood_id, **fields)
    _save(record)
    return record


@transaction.atomic
def record_hours(*, actor: Any, volunteer: Volunteer, hours: Any, served_on: datetime.date, reason: str,
                 description: str = "", team: Team | None = None, activity: Activity | None = None,
                 started_at: datetime.datetime | None = None,
                 ended_at: datetime.datetime | None = None) -> ServiceRecord:
    """Staff enter hours served (a paper sign-in sheet, a duty nobody scanned): marked staff-recorded,
    with who entered them and why."""
    _require(actor, Perm.CHANGE, volunteer)
    errors: dict[str, Any] = {}
    try:
        amount = parse_hours(hours)
    except ValidationError as error:
        errors.update(error.message_dict)
        amount = Decimal(0)
    if not (reason or "").strip():
        errors["reason"] = _("Say why these hours are entered by hand (e.g. the paper sign-in sheet of the day).")
    if served_on is None:
        errors["served_on"] = _("Give the day the service was done.")
    elif served_on > timezone.localdate():
        errors["served_on"] = _("Hours cannot be entered for a day in the future.")
    if started_at and ended_at and ended_at <= started_at:
        errors["ended_at"] = _("The service must end after it starts.")
    if actor is None and not errors:
        errors["reason"] = _("Hours entered by hand name the staff member who entered them.")
    if errors:
        raise ValidationError(errors)
    _consented_on(volunteer, served_on)
    if team is not None and not can(actor, Perm.VIEW, team):
        raise ValidationError({"team": _("Choose a team in your area.")})
    record = _append(volunteer=volunteer, served_on=served_on, hours=amount, source=ServiceRecord.Source.STAFF,
                     reason=reason.strip(), recorded_by=_user(actor), description=description[:200], team=team,
                     activity=activity, started_at=started_at, ended_at=ended_at)
    audit.record(actor=actor, action="volunteers.hours_recorded", target=volunteer,
                 data={"hours": str(amount), "reason": record.reason, "entry": record.pk})
    return record


@transaction.atomic
def reverse_record(*, actor: Any, record: ServiceRecord, reason: str) -> ServiceRecord:
    """Cancel an entry with a new, negative entry that names it. The entry itself stays as it was."""
    _require(actor, Perm.CHANGE, record.volunteer)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the entry is corrected.")})
    if actor is None:
        raise ValidationError({"reason": _("A correction names the staff member who made it.")})
    # The lock serializes two corrections of one entry: the second sees the first's reversal.
    locked = ServiceRecord.objects.select_for_update().select_related("volunteer__person").get(pk=record.pk)
    if locked.source == ServiceRecord.Source.REVERSAL:
        raise ValidationError({"entry": _("A reversal cannot itself be reversed: enter the hours again instead.")})
    if ServiceRecord.objects.filter(reverses=locked).exists():
        raise ValidationError({"entry": _("This entry was already reversed.")})
    reversal = _append(volunteer=locked.volunteer, served_on=locked.served_on, hours=-locked.hours,
                       source=ServiceRecord.Source.REVERSAL, reverses=locked, reason=reason.strip(),
                       recorded_by=_user(actor), activity=locked.activity, team=locked.team,
                       started_at=locked.started_at, ended_at=locked.ended_at, description=locked.description)
    audit.record(actor=actor, action="volunteers.hours_reversed", target=locked.volunteer,
                 data={"hours": str(reversal.hours), "reason": reversal.reason, "entry": locked.pk})
    return reversal


@transaction.atomic
def correct_record(
    *, actor: Any, record: ServiceRecord, hours: Any, reason: str,
) -> tuple[ServiceRecord, ServiceRecord]:
    """Reverse an entry and enter the right hours in its place: two new entries, the old one untouched."""
    amount = parse_hours(hours)
    reversal = reverse_record(actor=actor, record=record, reason=reason)
    replacement = record_hours(actor=actor, volunteer=record.volunteer, hours=amount, served_on=record.served_on,
                               reason=reason, description=record.description, team=record.team,
                               activity=record.activity, started_at=record.started_at, ended_at=record.ended_at)
    return reversal, replacement


# Duty rosters -------------------------------------------------------------------------

@transaction.atomic
def create_post(*, actor: Any, name: str, area: Area, team: Team | None = None, place: str = "",
                people_needed: int = 1) -> Post:
    """A place that needs people on duty (a garbage collection point): CHANGE over its area; its team, if
    any, one the actor can see."""
    post = Post(name=(name or "").strip(), area=area, team=team, place=(place or "").strip(),
                people_needed=people_needed)
    if people_needed is None or people_needed < 1:
        raise ValidationError({"people_needed": _("A post needs at least one person per shift.")})
    post.full_clean()
    _require(actor, Perm.CHANGE, area)
    if team is not None and actor is not None and not can(actor, Perm.VIEW, team):
        raise ValidationError({"team": _("Choose a team in your area.")})
    _save(post)
    audit.record(actor=actor, action="volunteers.post_created", target=post,
                 changes=audit.diff({}, audit.snapshot(post)))
    return post


@transaction.atomic
def create_shift(*, actor: Any, post: Post, day: datetime.date, starts_at: datetime.time, ends_at: datetime.time,
                 people_needed: int | None = None) -> DutyShift:
    _require(actor, Perm.CHANGE, post)
    shift = DutyShift(post=post, day=day, starts_at=starts_at, ends_at=ends_at,
                      people_needed=people_needed or post.people_needed)
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The shift must end after it starts.")})
    shift.full_clean()
    _save(shift)
    audit.record(actor=actor, action="volunteers.shift_created", target=post, data={"shift": str(shift)})
    return shift


@transaction.atomic
def assign_duty(*, actor: Any, shift: DutyShift, volunteer: Volunteer) -> DutyAssignment:
    """Put a volunteer on a shift: staff over the post, or the volunteer themself while places are open; not
    someone under the minimum age of the post's team on the day of the shift."""
    self_signed = _is_self(actor, volunteer.person)
    if not self_signed:
        _require(actor, Perm.CHANGE, shift.post)
    _active(volunteer)
    # Locking the shift serializes sign-ups for its last place, as for an activity.
    locked = DutyShift.objects.select_for_update().select_related("post").get(pk=shift.pk)
    # Staff may still record who was on a shift that is over (from the duty sheet); volunteers sign up ahead.
    if self_signed and locked.bounds()[1] <= timezone.now():
        raise ValidationError({"shift": _("This shift is over.")})
    taken = DutyAssignment.objects.filter(shift=locked)
    if taken.filter(volunteer=volunteer).exists():
        raise ValidationError({"volunteer": _("%(name)s is already on this shift.") % {"name": volunteer.person.name}})
    if self_signed and taken.count() >= locked.people_needed:
        raise ValidationError({"shift": _("This shift has all the people it needs.")})
    _old_enough(locked.post.team, volunteer, locked.day, by_self=self_signed)
    assignment = DutyAssignment(shift=locked, volunteer=volunteer, self_signed=self_signed, assigned_by=_user(actor))
    _save(assignment)
    audit.record(actor=actor, action="volunteers.duty_assigned", target=locked.post,
                 data={"shift": str(locked), "volunteer": volunteer.person.name})
    return assignment


@transaction.atomic
def swap_duties(*, actor: Any, first: DutyAssignment, second: DutyAssignment) -> tuple[DutyAssignment, DutyAssignment]:
    """Exchange the volunteers of two assignments (two people trading shifts)."""
    _require(actor, Perm.CHANGE, first.shift.post)
    _require(actor, Perm.CHANGE, second.shift.post)
    # Locked in id order, so two swaps of the same pair cannot deadlock.
    rows = {a.pk: a for a in DutyAssignment.objects.select_for_update().select_related("volunteer__person", "shift")
            .filter(pk__in=[first.pk, second.pk]).order_by("pk")}
    a, b = rows.get(first.pk), rows.get(second.pk)
    if a is None or b is None or a.pk == b.pk:
        raise ValidationError({"second": _("Choose two different assignments to swap.")})
    if a.attended or b.attended:
        raise ValidationError({"second": _("An attended shift cannot be swapped.")})
    if a.shift_id == b.shift_id or a.volunteer_id == b.volunteer_id:
        raise ValidationError({"second": _("Swapping these two would change nothing.")})
    if (DutyAssignment.objects.filter(shift_id=b.shift_id, volunteer_id=a.volunteer_id).exists()
            or DutyAssignment.objects.filter(shift_id=a.shift_id, volunteer_id=b.volunteer_id).exists()):
        raise ValidationError({"second": _("One of the two is already on the other shift.")})
    a.volunteer, b.volunteer = b.volunteer, a.volunteer
    a.save(update_fields=["volunteer"])
    b.save(update_fields=["volunteer"])
    audit.record(actor=actor, action="volunteers.duty_swapped", target=a.shift.post, data={
        "shift": f"{a.shift} ⇄ {b.shift}", "volunteer": f"{a.volunteer.person.name} ⇄ {b.volunteer.person.name}"})
    return a, b


@transaction.atomic
def record_duty_attendance(*, actor: Any, assignment: DutyAssignment) -> ServiceRecord:
    """The volunteer was on duty: credit the shift's hours to the ledger (attendance-recorded)."""
    _require(actor, Perm.CHANGE, assignment.shift.post)
    locked = DutyAssignment.objects.select_for_update().select_related("shift__post", "volunteer__person").get(
        pk=assignment.pk)
    if locked.attended:
        raise ValidationError({"assignment": _("Attendance for this shift is already recorded.")})
    start, end = locked.shift.bounds()
    if not locked.shift.has_started:  # the roster offers no confirmation before then either
        raise ValidationError({"assignment": _("This shift has not started yet.")})
    _consented_on(locked.volunteer, locked.shift.day, "assignment")
    locked.attended = True
    locked.save(update_fields=["attended"])
    record = _append(volunteer=locked.volunteer, served_on=locked.shift.day, hours=locked.shift.hours,
                     source=ServiceRecord.Source.ATTENDANCE, started_at=start, ended_at=end, assignment=locked,
                     team=locked.shift.post.team, description=str(locked.shift.post)[:200])
    audit.record(actor=actor, action="volunteers.duty_attended", target=locked.shift.post,
                 data={"shift": str(locked.shift), "volunteer": locked.volunteer.person.name,
                       "hours": str(record.hours)})
    return record


# Certificates -------------------------------------------------------------------------

@transaction.atomic
def issue_certificate(*, actor: Any, volunteer: Volunteer, period_start: datetime.date,
                      period_end: datetime.date) -> Certificate:
    """A certificate of the hours in a period, as the ledger has them now; for the volunteer or staff over them."""
    from linli.volunteers import queries

    if not _is_self(actor, volunteer.person):
        _require(actor, Perm.CHANGE, volunteer)
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period must end after it starts.")})
    if period_end > timezone.localdate():
        raise ValidationError({"period_end": _("A certificate cannot cover days still to come.")})
    hours = queries.hours_of(volunteer, start=period_start, end=period_end)
    if hours <= 0:
        raise ValidationError({"period_start": _("No service hours in this period: there is nothing to certify.")})
    certificate = Certificate(volunteer=volunteer, period_start=period_start, period_end=period_end, hours=hours,
                              issuer=queries.issuer_for(volunteer), issued_by=_user(actor))
    _save(certificate)
    audit.record(actor=actor, action="volunteers.certificate_issued", target=volunteer,
                 data={"hours": str(hours), "period": f"{period_start}–{period_end}"})
    return certificate
