"""Volunteer pages. Thin: parse the request, call one query or action, render.

Every page needs a login except the public verification page of a
certificate, which shows only what the paper itself shows (a masked name,
the hours, the period, the issuer). Out of scope is 404.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linli.core import queries as core_queries
from linli.core.documents import pdf_response, qr_data_uri, read_verification_token, render_pdf
from linli.core.forms import add_refusal
from linli.core.http import AuthenticatedHttpRequest
from linli.core.models import Area
from linli.core.scoping import Perm, can, get_in_scope_or_404
from linli.core.views import _page, _query_without_page
from linli.volunteers import actions, calendar, queries
from linli.volunteers.forms import (
    ActivityForm,
    AttendanceForm,
    CorrectionForm,
    HoursForm,
    PeriodForm,
    PostForm,
    RegisterForm,
    ShiftForm,
    SignUpForm,
    TeamForm,
)
from linli.volunteers.models import Activity, ActivityPhoto, Certificate, DutyAssignment, ServiceRecord, Team, Volunteer


def _refusal(request: HttpRequest, error: ValidationError | PermissionDenied) -> None:
    for message in (error.messages if isinstance(error, ValidationError) else [str(error)]):
        messages.error(request, message)


def _next(request: HttpRequest, default: str) -> str:
    """Where a form sends the user back: its `next` when that is a page of this site, else `default`
    (a link crafted with next=https://elsewhere must not bounce a logged-in user off the site)."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        return timezone.localdate().year


def _staff(request: AuthenticatedHttpRequest) -> None:
    if not can(request.user, Perm.VIEW):
        raise Http404


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Staff land on the activities; everyone else on their own volunteer page."""
    return redirect("volunteers:activities" if can(request.user, Perm.VIEW) else "volunteers:me")


# Volunteers -------------------------------------------------------------------------------

@login_required
def volunteer_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _staff(request)
    q = request.GET.get("q", "").strip()
    page = _page(request, queries.volunteers_visible_to(request.user, q=q))
    return render(request, "volunteers/volunteer_list.html", {"page": page, "q": q,
                                                              "query": _query_without_page(request)})


@login_required
@require_http_methods(["GET", "POST"])
def register(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Staff register a person in their area as a volunteer, recording the person's consent."""
    _staff(request)
    q = request.GET.get("q", "").strip()
    form = RegisterForm(request.POST or None, initial={"person": request.GET.get("person")})
    candidates = queries.people_to_register(request.user)
    if q:
        candidates = candidates.filter(Q(name__contains=q) | Q(name_pinyin__startswith=q.lower()))
    if request.method == "POST" and form.is_valid():
        person = get_in_scope_or_404(queries.people_to_register(request.user), request.user, Perm.CHANGE,
                                     pk=form.cleaned_data["person"])
        try:
            volunteer = actions.register_volunteer(
                actor=request.user, person=person, consent_by=form.cleaned_data["consent_by"],
                consent_at=form.cleaned_data["consent_at"], consent_method=form.cleaned_data["consent_method"])
            messages.success(request, _("%(name)s is registered as a volunteer.") % {"name": person.name})
            return redirect(volunteer.get_absolute_url())
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
    return render(request, "volunteers/register.html",
                  {"form": form, "q": q, "candidates": candidates.order_by("name_pinyin", "id")[:20]},
                  status=422 if form.errors else 200)


@login_required
def volunteer_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    volunteer = queries.volunteer_for(request.user, pk)
    return render(request, "volunteers/volunteer_detail.html", _volunteer_context(request, volunteer))


def _volunteer_context(request: AuthenticatedHttpRequest, volunteer: Volunteer, **extra: Any) -> dict[str, Any]:
    return {
        "volunteer": volunteer, "totals": queries.totals_of(volunteer),
        "records": list(queries.records_of(volunteer)[:200]), "teams": list(queries.teams_of(volunteer)),
        "signups": list(queries.activities_of(volunteer)[:100]), "duties": list(queries.duties_of(volunteer)[:50]),
        "certificates": list(queries.certificates_of(volunteer)[:20]),
        "can_change": can(request.user, Perm.CHANGE, volunteer),
        "hours_form": extra.pop("hours_form", None) or HoursForm(initial={"served_on": timezone.localdate()}),
        "correction_form": CorrectionForm(), "period_form": PeriodForm(), **extra,
    }


@login_required
@require_POST
def record_hours(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    volunteer = queries.volunteer_for(request.user, pk, Perm.CHANGE)
    form = HoursForm(request.POST)
    if form.is_valid():
        try:
            actions.record_hours(actor=request.user, volunteer=volunteer, **form.cleaned_data)
            messages.success(request, _("Hours recorded."))
            return redirect(volunteer.get_absolute_url())
        except ValidationError as error:
            add_refusal(form, error)
    return render(request, "volunteers/volunteer_detail.html",
                  _volunteer_context(request, volunteer, hours_form=form), status=422)


@login_required
@require_POST
def correct_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Reverse a ledger entry, and enter the right hours when given: new entries, the old one stays."""
    record: ServiceRecord = queries.record_for(request.user, pk, Perm.CHANGE)
    form = CorrectionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Say why the entry is corrected."))
        hours, reason = form.cleaned_data["hours"], form.cleaned_data["reason"]
        if hours:
            actions.correct_record(actor=request.user, record=record, hours=hours, reason=reason)
        else:
            actions.reverse_record(actor=request.user, record=record, reason=reason)
        messages.success(request, _("The entry is corrected; the original stays in the ledger."))
    except (ValidationError, PermissionDenied) as error:
        _refusal(request, error)
    return redirect(record.volunteer.get_absolute_url())


@login_required
@require_POST
def withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The volunteer ends their registration (or staff record that they did); their hours stay in the ledger."""
    volunteer = queries.volunteer_for(request.user, pk)
    try:
        actions.withdraw_consent(actor=request.user, volunteer=volunteer)
        messages.success(request, _("The consent is withdrawn: no more sign-ups; the hours served stay recorded."))
    except (ValidationError, PermissionDenied) as error:
        _refusal(request, error)
    own = volunteer.person_id == request.user.person_id
    return redirect("volunteers:me" if own else volunteer.get_absolute_url())


# Certificates -----------------------------------------------------------------------------

@login_required
@require_POST
def issue_certificate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    volunteer = queries.volunteer_for(request.user, pk)
    form = PeriodForm(request.POST)
    back = reverse("volunteers:me") if volunteer.person_id == request.user.person_id else volunteer.get_absolute_url()
    if not form.is_valid():
        messages.error(request, _("Give the period the certificate covers."))
        return redirect(back)
    try:
        certificate = actions.issue_certificate(actor=request.user, volunteer=volunteer, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as error:
        _refusal(request, error)
        return redirect(back)
    return redirect("volunteers:certificate_pdf", pk=certificate.pk)


@login_required
def certificate_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    certificate = get_in_scope_or_404(Certificate.objects.select_related("volunteer__person"), request.user, pk=pk)
    url = request.build_absolute_uri(certificate.verification_path())
    pdf = render_pdf("volunteers/pdf/certificate.html", {
        "certificate": certificate, "person": certificate.volunteer.person, "verify_url": url,
        "qr": qr_data_uri(url), "serial": f"ZY{certificate.issued_at:%Y}{certificate.pk:06d}"})
    return pdf_response(pdf, f"志愿服务时长证明-{certificate.volunteer.person.name}.pdf")


def verify_certificate(request: HttpRequest, token: str) -> HttpResponse:
    """Public: is this certificate genuine? A masked name, the hours, the period and the issuer; nothing else."""
    pk = read_verification_token(Certificate.TOKEN_KIND, token)
    certificate = Certificate.objects.select_related("volunteer__person").filter(pk=pk).first() if pk else None
    if certificate is None:
        return render(request, "volunteers/verify.html", {"certificate": None}, status=404)
    name = certificate.volunteer.person.name
    return render(request, "volunteers/verify.html", {
        "certificate": certificate, "masked_name": name[:1] + "*" * max(len(name) - 1, 1)})


# Teams ------------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def team_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _staff(request)
    areas = core_queries.area_choices_for(request.user)
    form = TeamForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        try:
            team = actions.create_team(actor=request.user, **form.cleaned_data)
            return redirect(team.get_absolute_url())
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
    year = _year(request)
    return render(request, "volunteers/team_list.html", {
        "teams": queries.team_totals(request.user, year), "year": year, "form": form,
        "can_add": can(request.user, Perm.CHANGE)})


@login_required
@require_http_methods(["GET", "POST"])
def team_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    team: Team = queries.team_for(request.user, pk)
    if request.method == "POST":
        try:
            volunteer = queries.volunteer_for(request.user, request.POST.get("volunteer"))
            actions.add_team_member(actor=request.user, team=team, volunteer=volunteer)
            messages.success(request, _("Added to the team."))
        except (ValidationError, PermissionDenied) as error:
            _refusal(request, error)
        return redirect(team.get_absolute_url())
    members = list(queries.team_members(team))
    member_ids = {m.volunteer_id for m in members}
    return render(request, "volunteers/team_detail.html", {
        "team": team, "members": members, "can_change": can(request.user, Perm.CHANGE, team),
        "candidates": [v for v in queries.volunteers_visible_to(request.user)[:300] if v.pk not in member_ids],
        "activities": team.activities.order_by("-starts_at")[:20]})


@login_required
@require_http_methods(["GET", "POST"])
def team_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    team: Team = queries.team_for(request.user, pk, Perm.CHANGE)
    form = TeamForm(request.POST or None, instance=team, areas=core_queries.area_choices_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            team = actions.update_team(actor=request.user, team=team,
                                       **{name: form.cleaned_data[name] for name in TeamForm.Meta.fields})
            messages.success(request, _("Saved."))
            return redirect(team.get_absolute_url())
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
    return render(request, "volunteers/team_form.html", {"form": form, "team": team},
                  status=422 if form.errors else 200)


@login_required
@require_POST
def team_member_remove(request: AuthenticatedHttpRequest, pk: int, membership: int) -> HttpResponse:
    team: Team = queries.team_for(request.user, pk, Perm.CHANGE)
    found = queries.team_members(team).filter(pk=membership).first()
    if found is None:
        raise Http404
    try:
        actions.remove_team_member(actor=request.user, membership=found)
        messages.success(request, _("%(name)s left the team.") % {"name": found.volunteer.person.name})
    except (ValidationError, PermissionDenied) as error:
        _refusal(request, error)
    return redirect(team.get_absolute_url())


# Activities -------------------------------------------------------------------------------

@login_required
def activity_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Staff: the activities in scope, with a calendar feed per area. A resident: the activities open to them."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in Activity.Kind.values else ""
    if not can(request.user, Perm.VIEW):
        return _activities_open_to_me(request, kind)
    f = queries.ActivityFilter(kind=kind, upcoming=request.GET.get("upcoming") == "1")
    page = _page(request, queries.activities_visible_to(request.user, f))
    areas = core_queries.area_choices_for(request.user).filter(level__in=["subdistrict", "community",
                                                                          "neighborhood"]).order_by("path")[:60]
    return render(request, "volunteers/activity_list.html", {
        "page": page, "query": _query_without_page(request), "kinds": Activity.Kind.choices, "kind": f.kind,
        "upcoming": f.upcoming, "can_add": can(request.user, Perm.CHANGE),
        "calendars": [calendar.feed(request, a) for a in areas]})


def _activities_open_to_me(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    """A resident sees what a notice board would show them, read-only: the activities of their neighborhood
    and the areas above it that have not ended (the ones they may open and sign up for), which of them they
    are signed up for, and their neighborhood's calendar feed. No one else's records, as a volunteer sees
    their own record only; someone not registered is sent to register first."""
    own = queries.own_volunteer(request.user)
    page = _page(request, queries.activities_open_to(request.user, kind=kind))
    return render(request, "volunteers/activity_list.html", {
        "resident": True, "own": own, "has_person": request.user.person_id, "page": page,
        "query": _query_without_page(request), "kinds": Activity.Kind.choices, "kind": kind,
        "calendars": [calendar.feed(request, own.person.neighborhood)] if own is not None else []})


@login_required
@require_http_methods(["GET", "POST"])
def activity_form(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    activity = queries.activity_for(request.user, pk, Perm.CHANGE) if pk else None
    if activity is None and not can(request.user, Perm.CHANGE):
        raise Http404
    form = ActivityForm(request.POST or None, instance=activity, areas=core_queries.area_choices_for(request.user),
                        teams=queries.teams_visible_to(request.user))
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if activity is None:
                activity = actions.create_activity(actor=request.user, **fields)
            else:
                activity = actions.update_activity(actor=request.user, activity=activity, **fields)
            messages.success(request, _("Saved."))
            return redirect(activity.get_absolute_url())
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
    return render(request, "volunteers/activity_form.html", {"form": form, "activity": activity},
                  status=422 if form.errors else 200)


@login_required
def activity_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    activity = queries.activity_for(request.user, pk)
    return render(request, "volunteers/activity_detail.html", _activity_context(request, activity))


def _activity_context(request: AuthenticatedHttpRequest, activity: Activity, **extra: Any) -> dict[str, Any]:
    can_change = can(request.user, Perm.CHANGE, activity)
    context: dict[str, Any] = {"activity": activity, "can_change": can_change,
                               "own": queries.own_volunteer(request.user), "photos": list(activity.photos.all()),
                               **extra}
    if can_change:
        token = actions.check_in_token(activity)
        url = request.build_absolute_uri(reverse("volunteers:checkin", args=[activity.pk, token]))
        signups = list(queries.signups_of(activity))
        context.update(signups=signups, checkin_url=url, qr=qr_data_uri(url, scale=5),
                       signup_form=SignUpForm(), volunteers=queries.volunteers_to_sign_up(request.user, activity)[:300])
    if context["own"] is not None:
        context["my_signup"] = activity.signups.filter(volunteer=context["own"], state="signed_up").first()
    return context


@login_required
@require_POST
def add_photo(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    activity = queries.activity_for(request.user, pk, Perm.CHANGE)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError(_("Choose a photo to upload."))
        actions.add_activity_photo(actor=request.user, activity=activity, file=upload)
        messages.success(request, _("Photo added."))
    except (ValidationError, PermissionDenied) as error:
        _refusal(request, error)
    return redirect(activity.get_absolute_url())


@login_required
def photo(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """A photo, to those who may see its activity."""
    found = ActivityPhoto.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    queries.activity_for(request.user, found.activity_id)  # 404 out of scope
    return FileResponse(found.file.open("rb"), content_type=found.content_type)


@login_required
@require_POST
def activity_signup(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A volunteer signs up themself; staff sign up a volunteer on their behalf, with the consent recorded."""
    activity = queries.activity_for(request.user, pk)
    try:
        if request.POST.get("volunteer"):
            form = SignUpForm(request.POST)
            form.is_valid()
            volunteer = queries.volunteer_for(request.user, request.POST["volunteer"])
            actions.sign_up(actor=request.user, activity=activity, volunteer=volunteer,
                            consent_by=form.cleaned_data.get("consent_by", ""),
                            consent_method=form.cleaned_data.get("consent_method", ""))
        else:
            own = queries.own_volunteer(request.user)
            if own is None:
                raise ValidationError(_("Register as a volunteer first (on your volunteer page)."))
            actions.sign_up(actor=request.user, activity=activity, volunteer=own)
        messages.success(request, _("Signed up."))
    except (ValidationError, PermissionDenied) as error:
        _refusal(request, error)
    return redirect(activity.get_absolute_url())


@login_required
@require_POST
def staff_attendance(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponse:
    """Staff check a volunteer in or out (a phone left at home), now or at the time they give; a refusal
    shows on the page next to that volunteer's time."""
    activity = queries.activity_for(request.user, pk, Perm.CHANGE)
    action = {"in": actions.check_in, "out": actions.check_out}.get(step)
    if action is None:
        raise Http404
    form = AttendanceForm(request.POST)
    valid = form.is_valid()
    row = form.cleaned_data.get("volunteer")  # the table row that shows the refusal
    if valid:
        volunteer = queries.volunteer_for(request.user, row)
        try:
            action(actor=request.user, activity=activity, volunteer=volunteer, at=form.cleaned_data["at"])
            messages.success(request, _("Checked in.") if step == "in" else _("Checked out."))
            return redirect(activity.get_absolute_url())
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
    return render(request, "volunteers/activity_detail.html",
                  _activity_context(request, activity, attendance_form=form, attendance_step=step,
                                   attendance_row=row), status=422)


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request: AuthenticatedHttpRequest, pk: int, token: str) -> HttpResponse:
    """The page the activity's QR code opens on a volunteer's phone: check in, later check out."""
    # The token opens the page: not a check-in code at all is 404; the code of another activity gets a
    # refusal that shows neither activity, so the page cannot be used to read activities by number.
    activity = Activity.objects.select_related("area").filter(pk=pk).first()
    named = read_verification_token(actions.TOKEN_KIND, token)
    if activity is None or named is None:
        raise Http404
    if named != activity.pk:
        return render(request, "volunteers/checkin.html", {"wrong_code": True}, status=422)
    own = queries.own_volunteer(request.user)
    record = None
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("step") == "out":
                _signup, record = actions.check_out(actor=request.user, activity=activity, token=token)
                messages.success(request, _("Checked out. Thank you!"))
            else:
                actions.check_in(actor=request.user, activity=activity, token=token)
                messages.success(request, _("Checked in. Welcome!"))
        except (ValidationError, PermissionDenied) as error:
            _refusal(request, error)
            status = 422
    signup = activity.signups.filter(volunteer=own, state="signed_up").first() if own else None
    return render(request, "volunteers/checkin.html", {"activity": activity, "own": own, "signup": signup,
                                                       "record": record, "token": token}, status=status)


# The ledger: totals and anomalies ---------------------------------------------------------

@login_required
def ledger(request: AuthenticatedHttpRequest) -> HttpResponse:
    _staff(request)
    year = _year(request)
    start, end = queries.year_bounds(year)
    by_nbhd = queries.neighborhood_totals(request.user, year)
    return render(request, "volunteers/ledger.html", {
        "year": year, "anomalies": queries.anomalies(request.user, start=start, end=end),
        "neighborhoods": by_nbhd, "total": sum((h for _a, h in by_nbhd), Decimal(0)),
        "teams": queries.team_totals(request.user, year)})


# My page ----------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def me(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A volunteer's own page: my activities, my duties, my hours, my certificate; or register myself (again,
    after withdrawing: a new consent period)."""
    own = queries.own_volunteer(request.user)
    if request.method == "POST" and (own is None or not own.is_active):
        if request.user.person is None:
            raise Http404
        try:
            actions.register_volunteer(actor=request.user, person=request.user.person)
            messages.success(request, _("You are registered as a volunteer. Thank you!"))
        except ValidationError as error:
            _refusal(request, error)
        return redirect("volunteers:me")
    if own is None:
        return render(request, "volunteers/me.html", {"own": None, "has_person": request.user.person_id})
    return render(request, "volunteers/me.html", {
        "own": own, "totals": queries.totals_of(own), "records": list(queries.records_of(own)[:50]),
        "signups": list(queries.activities_of(own)[:50]),
        "open": list(queries.activities_to_sign_up(request.user)[:20]),
        "duties": list(queries.duties_of(own)[:20]), "open_shifts": list(queries.open_shifts_for(request.user)[:20]),
        "certificates": list(queries.certificates_of(own)[:10]), "period_form": PeriodForm()})


# Duty rosters -----------------------------------------------------------------------------

def _week(request: HttpRequest) -> tuple[datetime.date, datetime.date]:
    start = parse_date(request.GET.get("from") or "") or timezone.localdate()
    return start, start + datetime.timedelta(days=6)


@login_required
def roster(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The week's shifts of every post in scope, with the gaps (shifts short of people) marked."""
    _staff(request)
    start, end = _week(request)
    posts = queries.posts_visible_to(request.user)
    gaps_only = request.GET.get("gaps") == "1"
    shifts = list(queries.shifts_of(posts, start=start, end=end, gaps_only=gaps_only))
    return render(request, "volunteers/roster.html", {
        "posts": posts, "shifts": shifts, "assignments": queries.assignments_of(shifts), "start": start, "end": end,
        "can_add": can(request.user, Perm.CHANGE),
        "gaps_only": gaps_only, "previous": start - datetime.timedelta(days=7),
        "next": end + datetime.timedelta(days=1)})


@login_required
@require_http_methods(["GET", "POST"])
def post_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Staff add a duty post (a garbage collection point) in their area; its shifts are added on its page."""
    if not can(request.user, Perm.CHANGE):
        raise Http404
    form = PostForm(request.POST or None, areas=core_queries.area_choices_for(request.user),
                    teams=queries.teams_visible_to(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            post = actions.create_post(actor=request.user, **{name: form.cleaned_data[name]
                                                               for name in PostForm.Meta.fields})
            messages.success(request, _("Post added: now add its shifts."))
            return redirect(post.get_absolute_url())
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
    return render(request, "volunteers/post_form.html", {"form": form}, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def post_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    post = queries.post_for(request.user, pk)
    form = ShiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.create_shift(actor=request.user, post=post, **form.cleaned_data)
            messages.success(request, _("Shift added."))
            return redirect(post.get_absolute_url())
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
    start, end = _week(request)
    shifts = list(queries.shifts_of([post], start=start, end=end + datetime.timedelta(days=21)))
    return render(request, "volunteers/post_detail.html", {
        "post": post, "form": form, "shifts": shifts, "assignments": queries.assignments_of(shifts),
        "can_change": can(request.user, Perm.CHANGE, post),
        "volunteers": queries.volunteers_visible_to(request.user)[:300]})


@login_required
@require_POST
def shift_assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Staff put a volunteer on a shift; a volunteer (no `volunteer` field) signs up themself."""
    own = queries.own_volunteer(request.user)
    if request.POST.get("volunteer"):
        shift = queries.shift_for(request.user, pk, Perm.CHANGE)
    else:
        shift = queries.shift_open_to(request.user, pk) or queries.shift_for(request.user, pk)
    try:
        volunteer = queries.volunteer_for(request.user, request.POST["volunteer"]) if request.POST.get(
            "volunteer") else own
        if volunteer is None:
            raise ValidationError(_("Register as a volunteer first (on your volunteer page)."))
        actions.assign_duty(actor=request.user, shift=shift, volunteer=volunteer)
        messages.success(request, _("On the roster."))
    except (ValidationError, PermissionDenied) as error:
        _refusal(request, error)
    return redirect(_next(request, shift.post.get_absolute_url()))


def _assignment(request: AuthenticatedHttpRequest, pk: Any) -> DutyAssignment:
    return get_in_scope_or_404(DutyAssignment.objects.select_related("shift__post", "volunteer__person"),
                               request.user, Perm.CHANGE, pk=pk)


@login_required
@require_POST
def swap(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        first = _assignment(request, request.POST.get("first"))
        second = _assignment(request, request.POST.get("second"))
        actions.swap_duties(actor=request.user, first=first, second=second)
        messages.success(request, _("Swapped."))
    except (ValidationError, PermissionDenied) as error:
        _refusal(request, error)
    return redirect(_next(request, reverse("volunteers:roster")))


@login_required
@require_POST
def duty_attended(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    try:
        actions.record_duty_attendance(actor=request.user, assignment=assignment)
        messages.success(request, _("Attendance recorded; the hours are in the ledger."))
    except (ValidationError, PermissionDenied) as error:
        _refusal(request, error)
    return redirect(_next(request, assignment.shift.post.get_absolute_url()))


# Calendar ---------------------------------------------------------------------------------

def area_calendar(request: HttpRequest, code: str) -> HttpResponse:
    """The activities of an area as an iCalendar feed, for calendar apps.

    Calendar apps cannot log in, so the feed opens with the signed key shown on
    the activity list: to staff, a feed per area in scope; to a volunteer, their
    own neighborhood's, which holds what their list shows (or with a session in
    scope).
    """
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise Http404
    key_ok = read_verification_token(calendar.TOKEN_KIND, request.GET.get("key", "")) == area.pk
    if not key_ok and not (request.user.is_authenticated and can(request.user, Perm.VIEW, area)):
        raise Http404
    return calendar.response(area)
