"""Inspections pages: establishments (一户一档), campaigns, inspections, the
phone inspection form, rectification notices with their PDF and public
verification page. Thin: parse, call one query or action, render. Out of
scope is 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linli.core.documents import pdf_response, read_verification_token
from linli.core.forms import add_refusal
from linli.core.http import AuthenticatedHttpRequest, HtmxHttpRequest
from linli.core.models import Area
from linli.core.scoping import Perm, can, get_in_scope_or_404, scope_queryset, under_area
from linli.core.spreadsheets import XLSX_CONTENT_TYPE
from linli.core.views import _page, _query_without_page, reveal
from linli.inspections import actions, documents, exports, imports, queries
from linli.inspections.forms import (
    CampaignForm,
    EstablishmentFilterForm,
    EstablishmentForm,
    ImportForm,
    InspectionForm,
    NoticeForm,
    ReinspectionForm,
    SeizureForm,
    StartInspectionForm,
)
from linli.inspections.models import (
    AnswerPhoto,
    ChecklistVersion,
    Establishment,
    Finding,
    RectificationNotice,
    Reinspection,
    SeizureItemKind,
    Severity,
)
from linli.problems.models import Problem


def _require_any(user: Any, perm: Perm = Perm.VIEW) -> None:
    if not can(user, perm):
        raise Http404


# Establishments (一户一档) -------------------------------------------------------------

def _establishments(user: Any, form: EstablishmentFilterForm) -> QuerySet[Establishment]:
    data = form.data
    qs = queries.establishments_visible_to(user, (data.get("q") or "").strip())
    code = data.get("area") or ""
    if code:
        area = Area.objects.filter(code=code).first()
        qs = qs.filter(under_area("area__path", area.path)) if area is not None else qs.none()
    return qs


@login_required
def establishment_list(request: HtmxHttpRequest) -> HttpResponse:
    _require_any(request.user)
    form = EstablishmentFilterForm(request.GET or None, user=request.user)
    page = _page(request, _establishments(request.user, form))
    context = {"form": form, "page": page, "query": _query_without_page(request),
               "can_change": can(request.user, Perm.CHANGE), "can_import": can(request.user, Perm.IMPORT),
               "can_export": can(request.user, Perm.EXPORT)}
    partial = request.htmx and request.htmx.target == "establishments-results"
    return render(request, "inspections/_establishments_table.html" if partial
                  else "inspections/establishment_list.html", context)


def _open_findings(user: Any) -> QuerySet[Finding]:
    """Hazards not yet closed: not fixed on the spot, and their problem not verified."""
    return queries.findings_visible_to(user).filter(fixed_on_spot=False).exclude(
        problem__state=Problem.State.VERIFIED)


@login_required
def establishment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    establishment = queries.establishment_for(request.user, pk)
    user = request.user
    inspections = queries.inspections_visible_to(user, establishment).annotate(
        finding_count=Count("findings", distinct=True))
    context = {
        "establishment": establishment,
        "inspections": inspections[:100],
        "findings": _open_findings(user).filter(inspection__establishment=establishment)[:100],
        "notices": queries.notices_visible_to(user).filter(inspection__establishment=establishment)[:100],
        "seizures": queries.seizures_visible_to(user).filter(establishment=establishment)[:100],
        "campaigns": scope_queryset(establishment.campaigns.all(), user, Perm.VIEW),
        "can_inspect": can(user, Perm.CHANGE, establishment),
        "can_reveal": can(user, Perm.REVEAL, establishment),
    }
    return render(request, "inspections/establishment_detail.html", context)


@login_required
@require_POST
def establishment_reveal(request: AuthenticatedHttpRequest, pk: int, field: str) -> HttpResponse:
    """The owner's phone in full, for whoever may reveal numbers in the establishment's area; audited."""
    return reveal(request, Establishment.objects.all(), pk, field)


@login_required
@require_http_methods(["GET", "POST"])
def establishment_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_any(request.user, Perm.CHANGE)
    return _establishment_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def establishment_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _establishment_form(request, queries.establishment_for(request.user, pk, Perm.CHANGE))


def _establishment_form(request: AuthenticatedHttpRequest, establishment: Establishment | None) -> HttpResponse:
    form = EstablishmentForm(request.POST or None, user=request.user, instance=establishment)
    if request.method == "POST" and form.is_valid():
        try:
            if establishment is None:
                saved = actions.register_establishment(actor=request.user, **form.action_fields())
            else:
                saved = actions.update_establishment(actor=request.user, establishment=establishment,
                                                     **form.action_fields())
        except ValidationError as error:
            add_refusal(form, error)
        except PermissionDenied as error:
            form.add_error("area", str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("inspections:establishment_detail", saved.pk)
    return render(request, "inspections/establishment_form.html", {"form": form, "establishment": establishment})


@login_required
def hazard_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """隐患台账 across campaigns, newest first; "open" shows only hazards not yet closed."""
    _require_any(request.user)
    only_open = request.GET.get("open") == "1"
    findings = queries.hazard_ledger(request.user).order_by("-inspection__date", "-id")
    if only_open:
        findings = findings.filter(queries.finding_open_q())
    return render(request, "inspections/hazard_list.html", {
        "page": _page(request, findings), "query": _query_without_page(request), "only_open": only_open,
        "can_export": can(request.user, Perm.EXPORT)})


@login_required
def hazard_ledger_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    content, _count = exports.hazard_ledger_xlsx(actor=request.user)
    return _xlsx(content, "隐患台账.xlsx")


# Campaigns ------------------------------------------------------------------------------

@login_required
def campaign_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_any(request.user)
    campaigns = queries.campaigns_visible_to(request.user).annotate(
        target_count=Count("targets", distinct=True), inspection_count=Count("inspections", distinct=True),
    ).order_by("-start", "-id")
    return render(request, "inspections/campaign_list.html", {"page": _page(request, campaigns),
                                                              "query": _query_without_page(request),
                                                              "can_change": can(request.user, Perm.CHANGE)})


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_any(request.user, Perm.CHANGE)
    form = CampaignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = actions.create_campaign(actor=request.user, **form.action_fields())
        except ValidationError as error:
            add_refusal(form, error, {"phases": "concentrated_start"})
        except PermissionDenied as error:
            form.add_error("area", str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("inspections:campaign_detail", campaign.pk)
    return render(request, "inspections/campaign_form.html", {"form": form})


def _figure_rows(figures: queries.CampaignFigures) -> list[tuple[str, Any]]:
    """The campaign's figures, each with its label, in the order the street's report reads them."""
    severity = {key: str(label) for key, label in Severity.choices}
    kinds = {key: str(label) for key, label in SeizureItemKind.choices}
    return [
        (_("Baseline establishments"), figures.targets),
        (_("Establishments inspected"), figures.establishments_inspected),
        (_("Establishments re-inspected"), figures.establishments_reinspected),
        (_("Hazards found"), figures.findings),
        *[(severity[key], n) for key, n in figures.findings_by_severity.items()],
        (_("Fixed on the spot"), figures.findings_fixed_on_spot),
        (_("Hazards closed"), figures.findings_closed),
        (_("Hazards open"), figures.findings_open),
        (_("Referred for a penalty"), figures.findings_escalated),
        (_("Notices issued"), figures.notices_issued),
        (_("Notices overdue"), figures.notices_overdue),
        *[(_("Seized: %(kind)s") % {"kind": kinds.get(kind, kind)}, n) for kind, n in figures.seized_by_item.items()],
        (_("Re-inspections scheduled"), figures.reinspections_scheduled),
        (_("Re-inspections done"), figures.reinspections_done),
        (_("Re-inspections overdue"), figures.reinspections_overdue),
        (_("Supervision notices"), figures.supervision_notices),
    ]


@login_required
def campaign_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    campaign = queries.campaign_for(user, pk)
    figures = queries.campaign_figures(campaign)
    context = {
        "campaign": campaign,
        "phases": list(campaign.phases.all()),
        "departments": list(campaign.departments.all()),
        "board": queries.campaign_board(user, campaign),
        "figures": _figure_rows(figures),
        "by_item": figures.findings_by_item[:10],
        "summary": queries.summary_from(campaign, figures),
        "inspections": queries.inspections_visible_to(user).filter(campaign=campaign).annotate(
            finding_count=Count("findings", distinct=True))[:200],
        "notices": queries.notices_visible_to(user).filter(inspection__campaign=campaign)[:200],
        "seizures": queries.seizures_visible_to(user, campaign)[:200],
        "reinspections": queries.reinspections_visible_to(user, campaign, pending=True)[:200],
        "can_change": can(user, Perm.CHANGE, campaign),
        "can_export": can(user, Perm.EXPORT),
        # Candidates for the baseline: in the campaign's area and the user's scope, not in it yet.
        "candidates": queries.establishments_visible_to(user).filter(
            under_area("area__path", campaign.area.path)).exclude(campaigns=campaign)[:500],
        "outcomes": Reinspection.Outcome.choices,
        "today": timezone.localdate(),
    }
    return render(request, "inspections/campaign_detail.html", context)


@login_required
def campaign_ledger_xlsx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """隐患台账 of the campaign, as far as the user may export it (audited by the export)."""
    campaign = queries.campaign_for(request.user, pk)
    content, _count = exports.hazard_ledger_xlsx(actor=request.user, campaign=campaign)
    return _xlsx(content, f"隐患台账-{campaign.name}.xlsx")


@login_required
def campaign_lists_xlsx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The campaign's four lists (底数, 隐患, 整治, 验收), one sheet each."""
    campaign = queries.campaign_for(request.user, pk)
    content, _count = exports.campaign_lists_xlsx(actor=request.user, campaign=campaign)
    return _xlsx(content, f"专项整治四张清单-{campaign.name}.xlsx")


@login_required
@require_POST
def campaign_add_targets(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Add establishments to the campaign's baseline (底数)."""
    campaign = queries.campaign_for(request.user, pk, Perm.CHANGE)
    ids = [i for i in request.POST.getlist("establishments") if i.isdigit()]
    chosen = list(queries.establishments_visible_to(request.user).filter(pk__in=ids))
    try:
        added = actions.add_campaign_targets(actor=request.user, campaign=campaign, establishments=chosen)
    except (ValidationError, PermissionDenied) as refused:
        messages.error(request, _refusal(refused))
    else:
        messages.success(request, _("%(count)s establishments added to the baseline.") % {"count": added})
    return redirect("inspections:campaign_detail", campaign.pk)


@login_required
@require_POST
def campaign_schedule_reinspections(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """回头看: a re-inspection for every open hazard of the campaign (scheduling twice adds nothing)."""
    campaign = queries.campaign_for(request.user, pk, Perm.CHANGE)
    try:
        created = actions.schedule_reinspections(actor=request.user, campaign=campaign)
    except (ValidationError, PermissionDenied) as refused:
        messages.error(request, _refusal(refused))
    else:
        messages.success(request, _("%(count)s re-inspections scheduled.") % {"count": len(created)})
    return redirect("inspections:campaign_detail", campaign.pk)


@login_required
@require_POST
def reinspection_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The outcome of a 回头看 visit: fixed, not fixed (督办 with a new deadline) or refused."""
    reinspection = queries.reinspection_for(request.user, pk, Perm.CHANGE)
    form = ReinspectionForm(request.POST)
    back = redirect("inspections:campaign_detail", reinspection.campaign_id) if reinspection.campaign_id \
        else redirect("inspections:inspection_detail", reinspection.finding.inspection_id)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
        return back
    try:
        actions.record_reinspection(actor=request.user, reinspection=reinspection, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as refused:
        messages.error(request, _refusal(refused))
    else:
        messages.success(request, _("Re-inspection recorded."))
    return back


def _refusal(error: ValidationError | PermissionDenied) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


# Seizures --------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def seizure_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """收缴 at an inspection; every refusal (a zero quantity, one officer) lands on its field."""
    inspection = queries.inspection_for(request.user, pk, Perm.CHANGE)
    form = SeizureForm(request.POST or None, inspection=inspection)
    if request.method == "POST" and form.is_valid():
        try:
            seizure = actions.record_seizure(actor=request.user, **form.action_fields())
        except ValidationError as error:
            add_refusal(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Seizure recorded."))
            return redirect(f"{reverse('inspections:inspection_detail', args=[inspection.pk])}#seizures-{seizure.pk}")
    return render(request, "inspections/seizure_form.html", {"form": form, "inspection": inspection})


@login_required
def seizure_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    seizure = queries.seizure_for(request.user, pk)
    return pdf_response(documents.seizure_pdf(seizure), documents.seizure_filename(seizure))


# Inspections ------------------------------------------------------------------------------

@login_required
def inspection_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    inspection = queries.inspection_for(user, pk)
    answers = list(inspection.answers.all().prefetch_related("photos"))
    context = {
        "inspection": inspection,
        "answers": answers,
        "findings": list(inspection.findings.all()),
        "notices": queries.notices_visible_to(user).filter(inspection=inspection),
        "seizures": queries.seizures_visible_to(user).filter(inspection=inspection),
        "can_change": can(user, Perm.CHANGE, inspection),
        "can_issue": can(user, Perm.CHANGE, inspection) and bool(inspection.findings.all()),
    }
    return render(request, "inspections/inspection_detail.html", context)


@login_required
def answer_photo(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """A photo of an answer, to those who may see its inspection (files are not served from a public URL)."""
    photo = AnswerPhoto.objects.select_related("answer").filter(pk=pk).first()
    if photo is None:
        raise Http404
    queries.inspection_for(request.user, photo.answer.inspection_id)
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _versions() -> QuerySet[ChecklistVersion]:
    """The current version of each checklist: what a new inspection answers."""
    current = [v.pk for v in (t.current_version() for t in _templates()) if v is not None]
    return ChecklistVersion.objects.filter(pk__in=current).select_related("template")


def _templates() -> Any:
    from linli.inspections.models import ChecklistTemplate

    return ChecklistTemplate.objects.all()


@login_required
def inspection_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Pick the establishment and checklist, then answer it (GET only: nothing is written here)."""
    _require_any(request.user, Perm.CHANGE)
    establishments = scope_queryset(Establishment.objects.all(), request.user, Perm.CHANGE).order_by("name", "id")
    campaign = None
    if (chosen := request.GET.get("campaign", "")).isdigit():
        # From a campaign's page: its baseline first, so the officer picks from the list they were sent with.
        campaign = queries.campaigns_visible_to(request.user).filter(pk=chosen).first()
        if campaign is not None and campaign.targets.exists():
            establishments = establishments.filter(campaigns=campaign)
    versions = _versions()
    # Coming from an establishment's or a campaign's page, the choice is half made: a form to finish, not errors.
    chosen_both = "establishment" in request.GET and "version" in request.GET
    initial: dict[str, Any] = {"establishment": request.GET.get("establishment")}
    if len(versions) == 1:
        initial["version"] = versions[0].pk
    form = StartInspectionForm(request.GET if chosen_both else None, initial=initial,
                               establishments=establishments, versions=versions)
    if chosen_both and form.is_valid():
        url = reverse("inspections:inspection_new", args=[form.cleaned_data["establishment"].pk,
                                                          form.cleaned_data["version"].pk])
        return redirect(f"{url}?campaign={campaign.pk}" if campaign is not None else url)
    return render(request, "inspections/inspection_start.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def inspection_new(request: AuthenticatedHttpRequest, establishment_pk: int, version_pk: int) -> HttpResponse:
    user = request.user
    establishment = queries.establishment_for(user, establishment_pk, Perm.CHANGE)
    version = ChecklistVersion.objects.filter(pk=version_pk, published_at__isnull=False).select_related(
        "template").prefetch_related("items").first()
    if version is None:
        raise Http404
    campaigns = queries.campaigns_visible_to(user).filter(targets=establishment)
    initial = {}
    if (chosen := request.GET.get("campaign")) and chosen.isdigit():
        initial["campaign"] = int(chosen)
    form = InspectionForm(request.POST or None, request.FILES or None, establishment=establishment, version=version,
                          user=user, campaigns=campaigns, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            inspection, created = actions.submit_inspection(actor=user, **form.action_fields())
        except ValidationError as error:
            form.add_refusal(error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            if created:
                messages.success(request, _("Inspection saved."))
            else:
                messages.info(request, _("This inspection was already saved; nothing was saved twice."))
            return redirect("inspections:inspection_detail", inspection.pk)
    return render(request, "inspections/inspection_form.html", {"form": form, "establishment": establishment,
                                                                "version": version})


# Rectification notices ------------------------------------------------------------------

def _notice_for(user: Any, pk: int) -> RectificationNotice:
    return get_in_scope_or_404(documents.notices_for_print(), user, Perm.VIEW, pk=pk)


def _site(request: HttpRequest) -> str:
    """The address the QR code names: the host the officer reached the platform by."""
    return request.build_absolute_uri("/")


@login_required
@require_http_methods(["GET", "POST"])
def notice_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """整改通知书 from an inspection's findings; the action's refusals land on their fields."""
    inspection = queries.inspection_for(request.user, pk, Perm.CHANGE)
    form = NoticeForm(request.POST or None, inspection=inspection)
    if request.method == "POST" and form.is_valid():
        try:
            notice = actions.issue_notice(actor=request.user, inspection=inspection, **form.action_fields())
        except ValidationError as error:
            add_refusal(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Notice %(number)s issued.") % {"number": notice.number})
            return redirect("inspections:notice_detail", notice.pk)
    return render(request, "inspections/notice_form.html", {"form": form, "inspection": inspection})


@login_required
def notice_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_any(request.user)
    notices = queries.notices_visible_to(request.user)
    return render(request, "inspections/notice_list.html", {"page": _page(request, notices),
                                                            "query": _query_without_page(request)})


@login_required
def notice_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    notice = _notice_for(request.user, pk)
    context = documents.notice_context(notice, _site(request))
    context["status"] = documents.notice_status(notice)
    context["status_label"] = documents.STATUS_LABELS[context["status"]]
    return render(request, "inspections/notice_detail.html", context)


@login_required
def notice_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    notice = _notice_for(request.user, pk)
    return pdf_response(documents.notice_pdf(notice, base_url=_site(request)), documents.notice_filename(notice))


def notice_verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public: whoever holds the paper checks it is genuine. Shows only what the paper's head shows."""
    pk = read_verification_token(documents.KIND, token)
    notice = RectificationNotice.objects.select_related("agency", "inspection__establishment").prefetch_related(
        Prefetch("items__finding", Finding.objects.select_related("problem"))).filter(pk=pk).first() \
        if pk is not None else None
    if notice is None:
        raise Http404
    status = documents.notice_status(notice)
    return render(request, "inspections/notice_verify.html", {
        "notice": notice, "establishment_name": notice.inspection.establishment.name,
        "status": status, "status_label": documents.STATUS_LABELS[status],
    })



# Establishments from and to Excel ----------------------------------------------------------

_IMPORTS_SESSION_KEY = "inspections.establishment_imports"


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
def establishment_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_any(request.user, Perm.IMPORT)
    return _xlsx(imports.template(request.user), "经营场所导入模板.xlsx")


@login_required
def establishment_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_any(request.user, Perm.EXPORT)
    form = EstablishmentFilterForm(request.GET or None, user=request.user)
    rows = _establishments(request.user, form)
    content, _count = imports.export(actor=request.user, establishments=rows,
                                     filters={k: v for k, v in request.GET.items() if v})
    return _xlsx(content, "经营场所.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def establishment_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload: the file is read and checked at once; nothing is registered until the preview is confirmed."""
    _require_any(request.user, Perm.IMPORT)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            imports.check_establishments(content, actor=request.user)  # a file unusable as a whole stops here
        except ValidationError as error:
            form.add_error("file", error.messages)
        else:
            token = imports.keep_upload(actor=request.user, content=content)
            kept = request.session.get(_IMPORTS_SESSION_KEY, {})
            kept[token] = upload.name[-200:]
            request.session[_IMPORTS_SESSION_KEY] = kept
            return redirect("inspections:establishment_import_preview", token)
    return render(request, "inspections/import_upload.html", {"form": form, "layout": imports.ESTABLISHMENTS})


def _kept(request: AuthenticatedHttpRequest, token: str) -> tuple[str, bytes]:
    """An upload this session made (nobody else's: it holds owners' phone numbers)."""
    filename = request.session.get(_IMPORTS_SESSION_KEY, {}).get(token)
    content = imports.kept_upload(token) if filename is not None else None
    if content is None:
        raise Http404
    return filename, content


@login_required
def establishment_import_preview(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    _require_any(request.user, Perm.IMPORT)
    filename, content = _kept(request, token)
    checked = imports.check_establishments(content, actor=request.user)
    return render(request, "inspections/import_preview.html", {
        "token": token, "filename": filename, "checked": checked, "rows": checked.rows[:50],
    })


@login_required
@require_POST
def establishment_import_confirm(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    _require_any(request.user, Perm.IMPORT)
    _filename, content = _kept(request, token)
    try:
        count = imports.confirm_import(actor=request.user, content=content)
    except (ValidationError, PermissionDenied) as refused:
        messages.error(request, " ".join(refused.messages) if isinstance(refused, ValidationError) else str(refused))
        return redirect("inspections:establishment_import_preview", token)
    imports.forget_upload(token)
    kept = request.session.get(_IMPORTS_SESSION_KEY, {})
    kept.pop(token, None)
    request.session[_IMPORTS_SESSION_KEY] = kept
    messages.success(request, _("%(count)s establishments registered.") % {"count": count})
    return redirect("inspections:establishments")
