"""Party pages. Thin: parse the request, call one query or action, render.

Every page needs a login and fetches records through queries (out of scope
is 404). The meeting form re-renders its attendance table with htmx when the
kind or the date changes, since who is expected depends on both.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linli.core import audit
from linli.core.documents import pdf_response, render_pdf
from linli.core.forms import add_refusal
from linli.core.http import AuthenticatedHttpRequest
from linli.core.models import Organization, PartyOrganization, Person
from linli.core.scoping import Perm, can, scope_queryset
from linli.core.views import _page, _query_without_page
from linli.party import actions, queries
from linli.party.forms import (
    AttachmentForm,
    BoardForm,
    CampaignForm,
    CourseForm,
    CoverForm,
    DecisionForm,
    EnrolForm,
    LectureForm,
    MeetingForm,
    ProblemListForm,
    ReviewForm,
    SeatEndForm,
    SeatForm,
    SessionForm,
    TaskDoneForm,
    TaskForm,
    meeting_initial,
)
from linli.party.models import Attachment, Campaign, CampaignTask, Meeting, TrainingSession


def _refusal_text(error: ValidationError | PermissionDenied) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def _kind_and_day(request: AuthenticatedHttpRequest, meeting: Meeting | None) -> tuple[str, datetime.date]:
    data = request.POST if request.method == "POST" else request.GET
    kind = data.get("kind") or (meeting.kind if meeting else Meeting.Kind.GENERAL_ASSEMBLY)
    if kind not in Meeting.Kind.values:
        kind = Meeting.Kind.GENERAL_ASSEMBLY
    day = parse_date(data.get("held_on") or "") if data.get("held_on") else None
    return kind, day or (meeting.held_on if meeting else timezone.localdate())


@login_required
def meeting_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not can(request.user, Perm.VIEW):
        raise Http404
    kind = request.GET.get("kind", "")
    state = request.GET.get("state", "")
    f = queries.MeetingFilter(kind=kind if kind in Meeting.Kind.values else "",
                              state=state if state in Meeting.State.values else "")
    page = _page(request, queries.meetings_visible_to(request.user, f))
    context = {"page": page, "query": _query_without_page(request), "kinds": Meeting.Kind.choices,
               "states": Meeting.State.choices, "kind": f.kind, "state": f.state}
    partial = request.htmx and request.htmx.target == "meetings-results"
    return render(request, "party/_meetings_table.html" if partial else "party/meeting_list.html", context)


@login_required
def branch_meetings(request: AuthenticatedHttpRequest, pk: int, seat_form: Any = None) -> HttpResponse:
    """A party organization's meetings, newest first, and its committee: who holds which seat since when."""
    porg = queries.party_organization_for(request.user, pk)
    page = _page(request, queries.meetings_visible_to(request.user, queries.MeetingFilter(party_organization=porg.pk)))
    can_change = can(request.user, Perm.CHANGE, porg)
    today = timezone.localdate()
    context = {"porg": porg, "page": page, "query": _query_without_page(request),
               "committee": queries.committee_on(porg, today), "past_seats": queries.past_seats(porg, today),
               "campaign_entries": list(porg.campaign_entries.select_related("campaign")
                                        .order_by("-campaign__starts_on")),
               "can_change": can_change, "today": today,
               "seat_form": seat_form or (SeatForm(members=queries.members_on(porg, today),
                                                   initial={"started_on": today}) if can_change else None)}
    return render(request, "party/branch_meetings.html", context, status=422 if seat_form else 200)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_form(request: AuthenticatedHttpRequest, pk: int | None = None, org: int | None = None) -> HttpResponse:
    """Record a held meeting of a party organization, or change a recorded or returned one."""
    meeting = queries.meeting_for(request.user, pk, Perm.CHANGE) if pk else None
    porg = meeting.party_organization if meeting else queries.party_organization_for(request.user, org, Perm.CHANGE)
    if meeting is not None and not meeting.allows("edit"):
        messages.error(request, _("This meeting record can no longer be changed."))
        return redirect(meeting.get_absolute_url())
    kind, day = _kind_and_day(request, meeting)
    expected = queries.expected_attendees(porg, kind, day)
    people = Person.objects.filter(pk__in=[e.person.pk for e in expected]) | Person.objects.filter(
        pk__in=[pk for pk in (meeting.chair_id, meeting.recorder_id) if pk] if meeting else [])
    form = MeetingForm(request.POST or None, expected=expected, people=people.distinct(),
                       campaigns=queries.campaigns_for_meeting(porg), initial=meeting_initial(meeting, kind, day))
    if meeting is not None:
        form.fields["kind"].disabled = True
    if request.htmx and request.htmx.target == "attendance":
        return render(request, "party/_attendance_fields.html", {"form": form})
    if request.method == "POST" and form.is_valid():
        present, absent, guests = form.attendance()
        try:
            if meeting is None:
                meeting = actions.record_meeting(actor=request.user, party_organization=porg, kind=kind,
                                                 present=present, absent=absent, guests=guests,
                                                 **form.meeting_fields())
            else:
                actions.update_meeting(actor=request.user, meeting=meeting, present=present, absent=absent,
                                       guests=guests, **form.meeting_fields())
            messages.success(request, _("Saved."))
            return redirect(meeting.get_absolute_url())
        except ValidationError as error:
            _place_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
    return render(request, "party/meeting_form.html", {"form": form, "porg": porg, "meeting": meeting})


def _place_errors(form: MeetingForm, error: ValidationError) -> None:
    fields = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, msgs in fields.items():
        if field in form.ATTENDANCE_FIELDS and field != "guests":
            form.attendance_errors.extend(msgs)
        else:
            for msg in msgs:
                form.add_error(field if field in form.fields else None, msg)


@login_required
def meeting_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = queries.meeting_for(request.user, pk)
    return render(request, "party/meeting_detail.html", _detail_context(request, meeting))


def _detail_context(request: AuthenticatedHttpRequest, meeting: Meeting, **extra: Any) -> dict[str, Any]:
    attendances = list(meeting.attendances.select_related("person"))
    upper = meeting.party_organization.parent
    can_change = can(request.user, Perm.CHANGE, meeting)
    return {
        "meeting": meeting, "attendances": attendances, "quorum": meeting.quorum(attendances),
        "members": [a for a in attendances if a.role == "member"],
        "present_count": sum(a.present for a in attendances if a.role == "member"),
        "guests": [a for a in attendances if a.role == "guest"],
        "decisions": list(meeting.decisions.all()), "attachments": list(meeting.attachments.all()),
        "can_edit": can_change and meeting.allows("edit"),
        "can_submit": can_change and meeting.allows("submit") and upper is not None,
        "can_review": upper is not None and meeting.state == Meeting.State.SUBMITTED
        and can(request.user, Perm.REVIEW, upper),
        "decision_form": extra.pop("decision_form", None) or DecisionForm(),
        "attachment_form": extra.pop("attachment_form", None) or AttachmentForm(),
        "review_form": extra.pop("review_form", None) or ReviewForm(),
        "history": audit.history_for(meeting)[:50],
        **extra,
    }


STEPS: dict[str, Callable[..., Meeting]] = {
    "submit": actions.submit_meeting, "accept": actions.accept_meeting, "return": actions.return_meeting,
}


@login_required
@require_POST
def meeting_step(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponse:
    """Submit a record to the upper organization, or (its reviewers) accept or return it."""
    if step not in STEPS:
        raise Http404
    meeting = queries.meeting_for(request.user, pk)
    form = ReviewForm(request.POST)
    form.is_valid()
    kwargs: dict[str, Any] = {} if step == "submit" else {"comment": form.cleaned_data.get("comment", "")}
    try:
        STEPS[step](actor=request.user, meeting=meeting, **kwargs)
        messages.success(request, _("Done."))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _refusal_text(error))
    return redirect(meeting.get_absolute_url())


@login_required
@require_POST
def add_decision(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = queries.meeting_for(request.user, pk, Perm.CHANGE)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            actions.record_decision(actor=request.user, meeting=meeting, **form.cleaned_data)
            messages.success(request, _("Decision recorded."))
            return redirect(meeting.get_absolute_url())
        except ValidationError as error:
            add_refusal(form, error)
    return render(request, "party/meeting_detail.html", _detail_context(request, meeting, decision_form=form),
                  status=422)


@login_required
@require_POST
def add_attachment(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = queries.meeting_for(request.user, pk, Perm.CHANGE)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.add_attachment(actor=request.user, meeting=meeting, file=form.cleaned_data["file"])
            messages.success(request, _("File attached."))
            return redirect(meeting.get_absolute_url())
        except ValidationError as error:
            for msg in error.message_dict.get("file", error.messages):
                form.add_error("file", msg)
    return render(request, "party/meeting_detail.html", _detail_context(request, meeting, attachment_form=form),
                  status=422)


@login_required
def attachment_file(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """An attachment, to those who may see its meeting."""
    attachment = Attachment.objects.filter(pk=pk).select_related("meeting").first()
    if attachment is None:
        raise Http404
    queries.meeting_for(request.user, attachment.meeting_id)  # 404 out of scope
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@login_required
def board(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The compliance board of an area for a year: what is missing, per branch and rolled up."""
    areas = list(queries.board_areas_for(request.user).order_by("path"))
    if not areas:
        raise Http404
    form = BoardForm(request.GET or None, areas=areas)
    code = request.GET.get("area")
    area = next((a for a in areas if a.code == code), None)
    if area is None and code:
        raise Http404  # an area out of scope, or no area: not quietly another one
    area = area or queries.default_board_area(request.user) or areas[0]
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    form.initial.update(area=area.code, year=year)
    result = queries.compliance_board(request.user, area, year, page=request.GET.get("page") or 1)
    context = {"form": form, "board": result, "kind_labels": dict(Meeting.Kind.choices),
               # Leaving a branch out is for its upper organization: offered to those who review one.
               "can_review": can(request.user, Perm.REVIEW) and queries.reviews_upper_organizations(request.user),
               "page": result.page,
               "query": urlencode({"area": area.code, "year": year})}
    return render(request, "party/board.html", context)


@login_required
@require_POST
def board_exclusion(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Leave a branch out of the board with a reason, or (with no reason and `include`) put it back."""
    porg: PartyOrganization = queries.party_organization_for(request.user, pk)
    try:
        if request.POST.get("include"):
            actions.include_in_board(actor=request.user, party_organization=porg)
        else:
            actions.exclude_from_board(actor=request.user, party_organization=porg,
                                       reason=request.POST.get("reason", ""))
        messages.success(request, _("Saved."))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _refusal_text(error))
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "party:board"  # a crafted next=https://elsewhere does not bounce the user off the site
    return redirect(target)


# Campaigns ---------------------------------------------------------------------------

@login_required
def campaign_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not can(request.user, Perm.VIEW):
        raise Http404
    page = _page(request, queries.campaigns_visible_to(request.user))
    return render(request, "party/campaign_list.html", {
        "page": page, "query": _query_without_page(request), "can_create": can(request.user, Perm.CHANGE)})


@login_required
@require_http_methods(["GET", "POST"])
def campaign_form(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new street-level campaign plan."""
    areas = list(queries.board_areas_for(request.user).order_by("path"))
    if not areas or not can(request.user, Perm.CHANGE):
        raise Http404
    leads = scope_queryset(PartyOrganization.objects.exclude(level=PartyOrganization.Level.GROUP), request.user)
    form = CampaignForm(request.POST or None, areas=areas, leads=leads)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["area"] = next(a for a in areas if a.code == data["area"])
        try:
            campaign = actions.create_campaign(actor=request.user, **data)
            messages.success(request, _("Saved."))
            return redirect(campaign.get_absolute_url())
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
    return render(request, "party/campaign_form.html", {"form": form}, status=422 if form.errors else 200)


def _campaign_forms(request: AuthenticatedHttpRequest, campaign: Campaign, **bound: Any) -> dict[str, Any]:
    covered = PartyOrganization.objects.filter(campaign_entries__campaign=campaign).order_by("name")
    roots = scope_queryset(PartyOrganization.objects.exclude(level=PartyOrganization.Level.GROUP), request.user)
    return {
        "cover_form": bound.get("cover_form") or CoverForm(roots=roots),
        "task_form": bound.get("task_form") or TaskForm(covered=covered),
        "lecture_form": bound.get("lecture_form") or LectureForm(covered=scope_queryset(covered, request.user)),
    }


@login_required
def campaign_detail(request: AuthenticatedHttpRequest, pk: int, **bound: Any) -> HttpResponse:
    """The campaign's tasks, each covered organization's progress (from the records), and the roll-up per area."""
    campaign = queries.campaign_for(request.user, pk)
    progress = queries.campaign_progress(request.user, campaign)
    can_change = can(request.user, Perm.CHANGE, campaign)
    context = {"campaign": campaign, "progress": progress, "can_change": can_change,
               "speakers": queries.speakers(request.user, campaign),
               **(_campaign_forms(request, campaign, **bound) if can_change else {})}
    return render(request, "party/campaign_detail.html", context, status=422 if bound else 200)


@login_required
@require_POST
def campaign_cover(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Cover a subtree of party organizations (e.g. every branch of a community)."""
    campaign = queries.campaign_for(request.user, pk, Perm.CHANGE)
    roots = scope_queryset(PartyOrganization.objects.exclude(level=PartyOrganization.Level.GROUP), request.user)
    form = CoverForm(request.POST, roots=roots)
    if form.is_valid():
        ids = actions.subtree(form.cleaned_data["root"], form.cleaned_data["levels"])
        try:
            new = actions.cover_organizations(actor=request.user, campaign=campaign,
                                              party_organizations=PartyOrganization.objects.filter(pk__in=ids))
            messages.success(request, _("%(n)s organizations added.") % {"n": len(new)})
            return redirect(campaign.get_absolute_url())
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
    return campaign_detail(request, pk, cover_form=form)


@login_required
@require_POST
def campaign_task(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    campaign = queries.campaign_for(request.user, pk, Perm.CHANGE)
    # Any organization may be named here: the action refuses one the campaign does not cover, saying so.
    form = TaskForm(request.POST, covered=scope_queryset(PartyOrganization.objects.all(), request.user))
    if form.is_valid():
        try:
            actions.add_campaign_task(actor=request.user, campaign=campaign, **form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect(campaign.get_absolute_url())
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
    return campaign_detail(request, pk, task_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_lectures(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The lecture log of a campaign, and the form to log one."""
    campaign = queries.campaign_for(request.user, pk)
    covered = scope_queryset(PartyOrganization.objects.filter(campaign_entries__campaign=campaign), request.user)
    # The form accepts any organization in view: the action refuses one the campaign does not cover, by name.
    choices = covered if request.method == "GET" else scope_queryset(PartyOrganization.objects.all(), request.user)
    form = LectureForm(request.POST or None, covered=choices.order_by("name"),
                       initial={"given_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            actions.log_lecture(actor=request.user, campaign=campaign, **form.cleaned_data)
            messages.success(request, _("Lecture logged."))
            return redirect("party:campaign_lectures", pk=campaign.pk)
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
    page = _page(request, queries.lectures_visible_to(request.user, campaign))
    return render(request, "party/campaign_lectures.html", {
        "campaign": campaign, "form": form, "page": page, "query": _query_without_page(request),
        "speakers": queries.speakers(request.user, campaign), "can_log": covered.exists()},
        status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_organization(request: AuthenticatedHttpRequest, pk: int, org: int) -> HttpResponse:
    """One covered organization's tasks, the records that did them, its problem list and the 'other' tasks."""
    campaign = queries.campaign_for(request.user, pk)
    entry = queries.campaign_entry_for(request.user, campaign, org)
    porg = entry.party_organization
    owners = scope_queryset(Organization.objects.all(), request.user).order_by("name")
    others = campaign.tasks.filter(kind=CampaignTask.Kind.OTHER).filter(
        Q(party_organization__isnull=True) | Q(party_organization=porg))
    problem_form = ProblemListForm(request.POST if request.POST.get("form") == "problems" else None, owners=owners)
    done_form = TaskDoneForm(request.POST if request.POST.get("form") == "done" else None, tasks=others,
                             initial={"done_on": timezone.localdate()})
    if request.method == "POST":
        try:
            if problem_form.is_bound and problem_form.is_valid():
                actions.submit_problem_list(actor=request.user, campaign=campaign, party_organization=porg,
                                            problems=problem_form.items(), owner=problem_form.cleaned_data["owner"])
                messages.success(request, _("Problem list submitted to the problem list."))
                return redirect(entry.get_absolute_url())
            if done_form.is_bound and done_form.is_valid():
                actions.mark_task_done(actor=request.user, party_organization=porg, **done_form.cleaned_data)
                messages.success(request, _("Saved."))
                return redirect(entry.get_absolute_url())
        except (ValidationError, PermissionDenied) as error:
            add_refusal(problem_form if problem_form.is_bound else done_form, error)
    context = {"campaign": campaign, "entry": entry, "porg": porg,
               "detail": queries.campaign_entry_detail(request.user, entry),
               "can_change": can(request.user, Perm.CHANGE, porg), "problem_form": problem_form,
               "done_form": done_form, "has_other": others.exists()}
    failed = problem_form.errors or done_form.errors
    return render(request, "party/campaign_organization.html", context, status=422 if failed else 200)


# Training courses ---------------------------------------------------------------------

@login_required
def course_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not can(request.user, Perm.VIEW):
        raise Http404
    page = _page(request, queries.courses_visible_to(request.user))
    return render(request, "party/course_list.html", {
        "page": page, "query": _query_without_page(request), "can_create": can(request.user, Perm.CHANGE)})


@login_required
@require_http_methods(["GET", "POST"])
def course_form(request: AuthenticatedHttpRequest) -> HttpResponse:
    areas = list(queries.board_areas_for(request.user).order_by("path"))
    if not areas or not can(request.user, Perm.CHANGE):
        raise Http404
    organizers = scope_queryset(PartyOrganization.objects.exclude(level=PartyOrganization.Level.GROUP), request.user)
    form = CourseForm(request.POST or None, areas=areas, organizers=organizers)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["area"] = next(a for a in areas if a.code == data["area"])
        try:
            course = actions.create_course(actor=request.user, **data)
            messages.success(request, _("Saved."))
            return redirect("party:course_detail", pk=course.pk)
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
    return render(request, "party/course_form.html", {"form": form}, status=422 if form.errors else 200)


@login_required
def course_detail(request: AuthenticatedHttpRequest, pk: int, **bound: Any) -> HttpResponse:
    """A course: its sessions (with attendance recorded or not), who is enrolled, and the forms to add both."""
    course = queries.course_for(request.user, pk)
    report = queries.course_report(course)
    context = {"course": course, "report": report, "can_change": can(request.user, Perm.CHANGE, course),
               "session_form": bound.get("session_form") or SessionForm(),
               "enrol_form": bound.get("enrol_form") or EnrolForm(), "now": timezone.now()}
    return render(request, "party/course_detail.html", context, status=422 if bound else 200)


@login_required
@require_POST
def course_session(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    course = queries.course_for(request.user, pk, Perm.CHANGE)
    form = SessionForm(request.POST)
    if form.is_valid():
        try:
            actions.add_session(actor=request.user, course=course, **form.cleaned_data)
            messages.success(request, _("Session added."))
            return redirect("party:course_detail", pk=course.pk)
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
    return course_detail(request, pk, session_form=form)


@login_required
@require_POST
def course_enrol(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Enrol a group at once: e.g. the secretaries of the neighborhood party branches of the course's area."""
    course = queries.course_for(request.user, pk, Perm.CHANGE)
    form = EnrolForm(request.POST)
    if form.is_valid():
        people = list(queries.enrolment_candidates(request.user, course, form.cleaned_data["group"]))
        try:
            new = actions.enrol(actor=request.user, course=course, people=people)
            messages.success(request, _("%(n)s people enrolled.") % {"n": len(new)})
            return redirect("party:course_detail", pk=course.pk)
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
    return course_detail(request, pk, enrol_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def session_attendance(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A tick list of the enrolled people for one session; an unticked person needs a reason."""
    session = TrainingSession.objects.filter(pk=pk).select_related("course__area").first()
    if session is None:
        raise Http404
    course = queries.course_for(request.user, session.course_id, Perm.CHANGE)
    people = [e.person for e in course.enrolments.select_related("person").order_by("person__name_pinyin")]
    on_record = {a.person_id: a for a in session.attendances.all()}
    errors: list[str] = []
    if request.method == "POST":
        present = [p for p in people if request.POST.get(f"present_{p.pk}")]
        absent = {p: request.POST.get(f"reason_{p.pk}", "") for p in people if not request.POST.get(f"present_{p.pk}")}
        try:
            actions.record_session_attendance(actor=request.user, session=session, present=present, absent=absent)
            messages.success(request, _("Attendance recorded."))
            return redirect("party:course_detail", pk=course.pk)
        except (ValidationError, PermissionDenied) as error:
            errors = _refusal_text(error).split("\n") if isinstance(error, PermissionDenied) else error.messages
    rows = []
    for p in people:
        if request.method == "POST":
            ticked, reason = bool(request.POST.get(f"present_{p.pk}")), request.POST.get(f"reason_{p.pk}", "")
        else:
            row = on_record.get(p.pk)
            ticked, reason = (row.present, row.absence_reason) if row else (True, "")
        rows.append({"person": p, "present": ticked, "reason": reason})
    return render(request, "party/session_attendance.html",
                  {"session": session, "course": course, "rows": rows, "errors": errors},
                  status=422 if errors else 200)


@login_required
def course_report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Attendance rate per session and per person; printable, and as a PDF with ?format=pdf."""
    course = queries.course_for(request.user, pk)
    context = {"course": course, "report": queries.course_report(course)}
    if request.GET.get("format") == "pdf":
        pdf = render_pdf("party/pdf/course_report.html", context, request=request)
        return pdf_response(pdf, f"{course.title}.pdf")
    return render(request, "party/course_report.html", context)


# Committee seats ------------------------------------------------------------------------

@login_required
@require_POST
def committee_seat(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Seat a member of the organization on its committee."""
    porg = queries.party_organization_for(request.user, pk, Perm.CHANGE)
    form = SeatForm(request.POST, members=queries.members_on(porg, timezone.localdate()))
    if form.is_valid():
        try:
            actions.add_committee_member(actor=request.user, party_organization=porg, **form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("party:branch_meetings", pk=porg.pk)
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
    return branch_meetings(request, porg.pk, seat_form=form)


@login_required
@require_POST
def committee_seat_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    seat = queries.committee_seat_for(request.user, pk, Perm.CHANGE)
    form = SeatEndForm(request.POST)
    if form.is_valid():
        try:
            actions.end_committee_seat(actor=request.user, seat=seat, ended_on=form.cleaned_data["ended_on"])
            messages.success(request, _("Saved."))
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _refusal_text(error))
    else:
        messages.error(request, _("Give the last day of the seat."))
    return redirect("party:branch_meetings", pk=seat.party_organization_id)
