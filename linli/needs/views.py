"""Needs pages. Thin: parse the request, call one query or action, render.

The wish wall is public; every other page needs a login and fetches needs
through queries.need_for (out of reach is 404). Steps and claims are posted
with htmx and answer with the fragment they change: the need's panel, a
wall card's claim button, a row of "my claims".
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from linli.core import audit, spreadsheets
from linli.core.documents import pdf_response, read_verification_token
from linli.core.http import AuthenticatedHttpRequest, HtmxHttpRequest
from linli.core.scoping import Perm, can
from linli.core.views import _page, _query_without_page
from linli.needs import actions, documents, imports, queries
from linli.needs.forms import (
    ClaimFilterForm,
    FiguresForm,
    NeedFilterForm,
    NeedForm,
    RatingForm,
    WallFilterForm,
    WishDetailsForm,
    handover_forms,
    step_form,
)
from linli.needs.models import Claim, Dispatch, Feedback, HandoverPhoto, Need, ThankYouLetter

WALL_PAGE_SIZE = 24

STEP_LABELS = {
    "submit": _lazy("Submit for review"), "approve": _lazy("Approve"), "reject": _lazy("Reject"),
    "publish": _lazy("Publish"), "withdraw": _lazy("Withdraw"), "fulfil": _lazy("Record the hand-over"),
    "close": _lazy("Close"), "dispatch": _lazy("Dispatch"),
}


def _refusal_text(error: ValidationError | PermissionDenied) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


# The public wish wall ----------------------------------------------------------------

def wall(request: HtmxHttpRequest) -> HttpResponse:
    """Published wishes for everyone, no login: alias or given name, age, community, wish, value."""
    form = WallFilterForm(request.GET or None, communities=queries.wall_communities())
    filters = queries.WallFilter.from_params(request.GET)
    paginator = Paginator(queries.public_wishes(filters), WALL_PAGE_SIZE)
    # The count without the join to the child's table that the page itself needs (see bench/needs_wall.py).
    paginator.count = queries.count_public_wishes(filters)  # type: ignore[misc]  # fills the cached property
    page = paginator.get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "query": _query_without_page(request)}
    partial = request.htmx and request.htmx.target == "wall-results"
    return render(request, "needs/_wall_cards.html" if partial else "needs/wall.html", context)


@login_required
@require_POST
def claim(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Press 认领: the claim button's place shows the outcome (claimed, or why not)."""
    need = queries.need_to_claim(request.user, pk)
    result: Claim | None = None
    error = ""
    try:
        result = actions.claim_need(actor=request.user, need=need)
    except (ValidationError, PermissionDenied) as refused:
        error = _refusal_text(refused)
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("You claimed “%(title)s”. Thank you!") % {"title": need.title})
        return redirect("needs:my_claims" if result else "needs:wall")
    return render(request, "needs/_claim_result.html", {"need": need, "claim": result, "error": error})


# Staff: list, form, detail, steps -----------------------------------------------------

@login_required
def need_list(request: HtmxHttpRequest) -> HttpResponse:
    if not can(request.user, Perm.VIEW):
        raise Http404
    form = NeedFilterForm(request.GET or None)
    page = _page(request, queries.needs_visible_to(request.user, form.to_filter()))
    context = {"form": form, "page": page, "query": _query_without_page(request),
               "can_change": can(request.user, Perm.CHANGE)}
    partial = request.htmx and request.htmx.target == "needs-results"
    return render(request, "needs/_needs_table.html" if partial else "needs/list.html", context)


def _place_errors(error: ValidationError, *forms_: Any) -> None:
    """An action's refusal on the form that has the field, else on the first form as a whole."""
    present = [f for f in forms_ if f is not None]
    fields = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, msgs in fields.items():
        target = next((f for f in present if field in f.fields), present[0])
        for msg in msgs:
            target.add_error(field if field in target.fields else None, msg)


def _need_forms(request: AuthenticatedHttpRequest, need: Need | None) -> tuple[NeedForm | None, WishDetailsForm | None]:
    """The parts of a need that can still change: all of a draft; a wish's child until it is published."""
    data = request.POST or None
    form = None
    if need is None or need.state == Need.State.DRAFT:
        # Its own copy: the form writes the submitted values into its instance,
        # and the action must see the stored ones to audit the change.
        form = NeedForm(data, user=request.user, instance=Need.objects.get(pk=need.pk) if need else None)
    wish_form = None
    if need is None or (need.is_wish and need.state in Need.EDITABLE_DETAILS_STATES):
        wish_form = WishDetailsForm(data, prefix="wish", instance=getattr(need, "wish_details", None))
    return form, wish_form


@login_required
@require_http_methods(["GET", "POST"])
def need_form(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    """Add a draft, or change one (and a wish's child until the wish is published)."""
    need = _need_to_change(request, pk) if pk else None
    if need is None and not can(request.user, Perm.CHANGE):
        raise Http404
    form, wish_form = _need_forms(request, need)
    if form is None and wish_form is None:
        messages.error(request, _("This need can no longer be changed."))
        return redirect(need.get_absolute_url()) if need else redirect("needs:list")
    is_wish = need.is_wish if need else request.POST.get("kind") == Need.Kind.WISH
    used = [f for f in (form, wish_form if is_wish else None) if f is not None]  # a service order has no child
    if request.method == "POST" and all(f.is_valid() for f in used):
        try:
            with transaction.atomic():  # the need and its child together, or neither
                need = _save_need(request, need, form, wish_form if is_wish else None)
            messages.success(request, _("Saved."))
            return redirect(need.get_absolute_url())
        except ValidationError as error:
            _place_errors(error, form, wish_form)
        except PermissionDenied as error:
            _place_errors(ValidationError({"neighborhood": str(error)}), form, wish_form)
    return render(request, "needs/form.html", {"need": need, "form": form, "wish_form": wish_form})


def _save_need(request: AuthenticatedHttpRequest, need: Need | None, form: NeedForm | None,
               wish_form: WishDetailsForm | None) -> Need:
    wish = wish_form.action_fields() if wish_form is not None else None
    if need is None:
        assert form is not None  # a new need always has the whole form
        return actions.create_need(actor=request.user, kind=form.cleaned_data["kind"], wish=wish,
                                   **form.action_fields())
    if form is not None:
        actions.update_need(actor=request.user, need=need, **form.action_fields())
    if wish is not None:
        actions.set_wish_details(actor=request.user, need=need, **wish)
    return need


def _need_to_change(request: AuthenticatedHttpRequest, pk: int) -> Need:
    need = queries.need_for(request.user, pk)
    if not can(request.user, Perm.CHANGE, need):
        raise Http404
    return need


def _service_panel(request: AuthenticatedHttpRequest, need: Need, may_change: bool,
                   rating_form: RatingForm | None) -> dict[str, Any]:
    """A service order's part of the panel: its dispatch, who may accept it, its rating."""
    user = request.user
    dispatch = queries.open_dispatch(need)
    feedback = Feedback.objects.filter(need=need).select_related("organization").first()
    requester = need.requester_id is not None and user.person_id == need.requester_id
    return {
        "dispatch": dispatch,
        "dispatch_overdue": dispatch is not None and dispatch.is_overdue(),
        "can_accept": dispatch is not None and dispatch.status == Dispatch.Status.PENDING
        and actions.is_team_member(user, dispatch.organization_id),
        "feedback": feedback,
        "rating_form": (rating_form or RatingForm(prefix="rate")) if feedback is None
        and need.state in actions.RATEABLE_STATES and (requester or may_change) else None,
        "rating_for_requester": not requester,
    }


def _handover_panel(user: Any, need: Need, may_review: bool, bound: dict[str, Any] | None) -> dict[str, Any]:
    """The hand-over record once the need is fulfilled: letter, photos, items; forms for staff who review it."""
    if need.state not in actions.HANDOVER_STATES or not queries.sees_handover(user, need):
        return {}
    return {
        "thanks": ThankYouLetter.objects.filter(need=need).first(),
        "photos": list(need.photos.all()),
        "items": list(need.items.all()),
        "handover_forms": (bound or handover_forms()) if may_review else None,
    }


def _panel(request: AuthenticatedHttpRequest, need: Need, *, error: str = "", forms_: dict[str, Any] | None = None,
           rating_form: RatingForm | None = None, handover: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the need's panel shows this user: the steps they may take now, the claim, the child."""
    user = request.user
    may = {perm: can(user, perm, need) for perm in (Perm.CHANGE, Perm.REVIEW, Perm.DISPATCH)}
    steps = [s for s in need.allowed_transitions() if s in actions.STEP_PERMISSIONS
             and may[actions.STEP_PERMISSIONS[s]] and (s != "dispatch" or need.is_service)]
    active = queries.active_claim(need)
    own_claim = active is not None and active.claimant_id == user.pk
    return {
        "need": need,
        "steps": [(s, STEP_LABELS[s], (forms_ or {}).get(s) or step_form(s, prefix=s, user=user, need=need))
                  for s in steps],
        **(_service_panel(request, need, may[Perm.CHANGE], rating_form) if need.is_service else {}),
        **_handover_panel(user, need, may[Perm.REVIEW], handover),
        "claim": active,
        "can_claim": need.state == Need.State.PUBLISHED
        and any(need.covers(area) for area in queries.claimant_areas(user)),
        "can_cancel": active is not None and (may[Perm.REVIEW] or (own_claim and timezone.now()
                                                                   <= active.cancel_deadline())),
        "can_edit": may[Perm.CHANGE] and need.state in Need.EDITABLE_DETAILS_STATES,
        "beneficiary": queries.beneficiary_for(user, need),
        "can_reveal": need.is_wish and can(user, Perm.REVEAL, need),
        "error": error,
    }


@login_required
def need_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    need = queries.need_for(request.user, pk)
    context = _panel(request, need)
    context["history"] = audit.history_for(need)[:50] if can(request.user, Perm.VIEW, need) else []
    return render(request, "needs/detail.html", context)


STEPS = {
    "submit": lambda actor, need, d: actions.submit_need(actor=actor, need=need),
    "approve": lambda actor, need, d: actions.approve_need(actor=actor, need=need),
    "reject": lambda actor, need, d: actions.reject_need(actor=actor, need=need, reason=d["reason"]),
    "publish": lambda actor, need, d: actions.publish_need(actor=actor, need=need, scope=d["scope"]),
    "withdraw": lambda actor, need, d: actions.withdraw_need(actor=actor, need=need, reason=d["reason"]),
    "fulfil": lambda actor, need, d: actions.record_fulfilment(actor=actor, need=need, fulfilled_on=d["fulfilled_on"],
                                                               event=d["event"], note=d["note"]),
    "close": lambda actor, need, d: actions.close_need(actor=actor, need=need, note=d["note"]),
    "dispatch": lambda actor, need, d: actions.dispatch_need(actor=actor, need=need, organization=d["organization"],
                                                             deadline=d["deadline"]),
}


@login_required
@require_POST
def need_step(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponse:
    """Take one step (submit, approve, …) and show the need's panel as it is now."""
    if step not in STEPS:
        raise Http404
    need = queries.need_for(request.user, pk)
    form = step_form(step, request.POST, prefix=step, user=request.user, need=need)
    error = ""
    if form is None or form.is_valid():
        try:
            STEPS[step](request.user, need, form.cleaned_data if form is not None else {})
        except (ValidationError, PermissionDenied) as refused:
            error = _refusal_text(refused)
            need.refresh_from_db()
    if not request.htmx:
        if error or (form is not None and form.errors):
            messages.error(request, error or _("Check the form below."))
        return redirect(need.get_absolute_url())
    return render(request, "needs/_need_panel.html", _panel(request, need, error=error, forms_={step: form}))


# Claims ----------------------------------------------------------------------------------

@login_required
def my_claims(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = _page(request, queries.claims_of(request.user))
    return render(request, "needs/my_claims.html", {"page": page, "query": _query_without_page(request),
                                                     "now": timezone.now(),
                                                     "has_team": bool(queries.team_ids(request.user))})


@login_required
@require_POST
def cancel_claim(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    claim_ = get_object_or_404(Claim.objects.select_related("need", "claimant"), pk=pk,
                               need__in=queries.needs_accessible_to(request.user))
    try:
        actions.cancel_claim(actor=request.user, claim=claim_, reason=request.POST.get("reason", ""))
        messages.success(request, _("The claim is cancelled; the need is open to others again."))
    except (ValidationError, PermissionDenied) as refused:
        messages.error(request, _refusal_text(refused))
    # Back where the button was: the need's page (staff) or the list of one's claims.
    return redirect(claim_.need.get_absolute_url() if request.POST.get("back") == "need" else "needs:my_claims")


# Service orders: the dispatch board, acceptance, rating ------------------------------------

@login_required
def dispatch_board(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open dispatches, overdue first: for the center in its scope, for a team its own orders."""
    if not (can(request.user, Perm.VIEW) or queries.team_ids(request.user)):
        raise Http404
    return render(request, "needs/dispatch_board.html", {"dispatches": queries.dispatch_board(request.user)})


@login_required
@require_POST
def accept_dispatch(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """接单: on the board the row answers, on the order's page its panel."""
    dispatch = get_object_or_404(Dispatch.objects.select_related("need__neighborhood", "organization"), pk=pk,
                                 need__in=queries.needs_accessible_to(request.user))
    error = ""
    try:
        actions.accept_dispatch(actor=request.user, dispatch=dispatch)
    except (ValidationError, PermissionDenied) as refused:
        error = _refusal_text(refused)
    need = dispatch.need
    need.refresh_from_db()
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("You accepted “%(title)s”.") % {"title": need.title})
        return redirect(need.get_absolute_url())
    if request.htmx.target == f"dispatch-{dispatch.pk}":
        dispatch.refresh_from_db()
        return render(request, "needs/_dispatch_row.html", {"d": dispatch, "error": error})
    return render(request, "needs/_need_panel.html", _panel(request, need, error=error))


@login_required
@require_POST
def rate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """评单: the requester's rating, or staff entering it for them."""
    need = queries.need_for(request.user, pk)
    form: RatingForm | None = RatingForm(request.POST, prefix="rate")
    error = ""
    if form is not None and form.is_valid():
        try:
            actions.rate_service(actor=request.user, need=need, rating=form.cleaned_data["rating"],
                                 comment=form.cleaned_data["comment"])
            form = None
        except (ValidationError, PermissionDenied) as refused:
            error = _refusal_text(refused)
    if not request.htmx:
        if error or (form is not None and form.errors):
            messages.error(request, error or _("Check the form below."))
        else:
            messages.success(request, _("Thank you for the rating."))
        return redirect(need.get_absolute_url())
    return render(request, "needs/_need_panel.html", _panel(request, need, error=error, rating_form=form))


# Figures -----------------------------------------------------------------------------------------

@login_required
def figures(request: HtmxHttpRequest) -> HttpResponse:
    """Wishes and service orders in the user's scope, for an area and a period, from the records."""
    if not can(request.user, Perm.VIEW):
        raise Http404
    form = FiguresForm(request.GET or None, user=request.user)
    period: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        period = {k: form.cleaned_data[k] for k in ("area", "start", "end") if form.cleaned_data.get(k)}
    context = {
        "form": form,
        "wishes": queries.wish_figures(request.user, **period),
        "service": queries.service_figures(request.user, **period),
        "teams": queries.team_ratings(request.user, **period),
        "states": Need.State,
    }
    partial = request.htmx and request.htmx.target == "figures-results"
    return render(request, "needs/_figures.html" if partial else "needs/figures.html", context)


# The hand-over record and the acknowledgement ----------------------------------------------------

HANDOVER_ACTIONS = {
    "thanks": lambda actor, need, d: actions.record_thanks(actor=actor, need=need, text=d["text"], scan=d["scan"]),
    "photo": lambda actor, need, d: actions.add_handover_photo(
        actor=actor, need=need, file=d["file"], caption=d["caption"], no_faces_or_consent=d["no_faces_or_consent"]),
    "item": lambda actor, need, d: actions.add_handover_item(actor=actor, need=need, name=d["name"],
                                                             quantity=d["quantity"], note=d["note"]),
}


@login_required
@require_POST
def handover(request: AuthenticatedHttpRequest, pk: int, what: str) -> HttpResponse:
    """Record the thank-you letter, add a photo or an item; the panel answers."""
    if what not in HANDOVER_ACTIONS:
        raise Http404
    need = queries.need_for(request.user, pk)
    bound: dict[str, Any] | None = handover_forms(request.POST, request.FILES, bound=what)
    assert bound is not None
    form = bound[what]
    error = ""
    if form.is_valid():
        try:
            HANDOVER_ACTIONS[what](request.user, need, form.cleaned_data)
            bound = None  # saved: fresh, empty forms
        except (ValidationError, PermissionDenied) as refused:
            if isinstance(refused, ValidationError) and hasattr(refused, "error_dict"):
                _place_errors(refused, form)
            else:
                error = _refusal_text(refused)
    if not request.htmx:
        if error or form.errors:
            messages.error(request, error or _("Check the form below."))
        return redirect(need.get_absolute_url())
    return render(request, "needs/_need_panel.html", _panel(request, need, error=error, handover=bound))


@login_required
def handover_file(request: AuthenticatedHttpRequest, pk: int, kind: str, file_id: int) -> FileResponse:
    """A letter's scan or a hand-over photo, to those who may open the need; never from a public URL."""
    need = queries.need_for(request.user, pk)
    if not queries.sees_handover(request.user, need):
        raise Http404
    if kind == "scan":
        letter = get_object_or_404(ThankYouLetter, need=need)
        if not letter.scan:
            raise Http404
        stored = letter.scan
    elif kind == "photo":
        stored = get_object_or_404(HandoverPhoto, need=need, pk=file_id).file
    else:
        raise Http404
    response = FileResponse(stored.open("rb"))
    response["Cache-Control"] = "private, no-store"
    return response


def _acknowledged_claim(user: Any, pk: int) -> Claim:
    """A unit's fulfilled claim, for its claimant and liaisons and staff in scope; else 404."""
    return get_object_or_404(documents.acknowledged_claims().filter(queries.acknowledgements_for(user)), pk=pk)


@login_required
def claims(request: HtmxHttpRequest) -> HttpResponse:
    """Staff: the claims on needs in their areas, by claimant, state and period."""
    if not can(request.user, Perm.VIEW):
        raise Http404
    form = ClaimFilterForm(request.GET or None)
    page = _page(request, queries.claims_in_scope(request.user, form.to_filter()))
    context = {"form": form, "page": page, "query": _query_without_page(request)}
    partial = request.htmx and request.htmx.target == "claims-results"
    return render(request, "needs/_claims_table.html" if partial else "needs/claims.html", context)


@login_required
def acknowledgement(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A certificate-style thank-you to a unit for a need it claimed and fulfilled; printable, and as a PDF."""
    claim_ = _acknowledged_claim(request.user, pk)
    return render(request, "needs/acknowledgement.html", documents.acknowledgement_context(
        claim_, request.build_absolute_uri("/")))


@login_required
def acknowledgement_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The acknowledgement as a PDF, with the QR code of its public verification page."""
    claim_ = _acknowledged_claim(request.user, pk)
    pdf = documents.acknowledgement_pdf(claim_, base_url=request.build_absolute_uri("/"))
    return pdf_response(pdf, documents.acknowledgement_filename(claim_))


def acknowledgement_verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public: whoever is shown the paper checks it is genuine. Only what the public wish wall may show."""
    pk = read_verification_token(documents.KIND, token)
    claim_ = (Claim.objects.select_related("need__neighborhood__parent", "need__wish_details", "organization")
              .filter(pk=pk, organization__isnull=False).first() if pk is not None else None)
    if claim_ is None:
        raise Http404
    context = documents.acknowledgement_context(claim_)
    return render(request, "needs/acknowledgement_verify.html", {
        "claim": claim_, "need": claim_.need, "title": documents.public_title(claim_.need),
        "public_name": context["public_name"],
        "community": context["community"], "subdistrict": context["subdistrict"],
        "valid": claim_.is_active and claim_.need.state in documents.ACKNOWLEDGED_STATES,
    })


# Importing wishes from Excel ------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def wish_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a sheet of wishes; the preview lists every bad row. Nothing is saved before confirming."""
    if not can(request.user, Perm.IMPORT):
        raise Http404
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Choose the .xlsx file to upload.")
        elif (upload.size or 0) > spreadsheets.MAX_UPLOAD_BYTES:
            error = _("The file is larger than 20 MB; split it into several files.")
        else:
            try:
                job = imports.preview_wish_import(actor=request.user, filename=upload.name or "",
                                                  content=upload.read())
                return redirect("needs:wish_import_preview", pk=job.pk)
            except ValidationError as refused:
                error = _refusal_text(refused)
    jobs = imports.wish_imports_of(request.user)[:10]
    return render(request, "needs/import.html", {"error": error, "jobs": jobs})


@login_required
def wish_import_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not can(request.user, Perm.IMPORT):
        raise Http404
    response = HttpResponse(imports.wish_template(request.user), content_type=spreadsheets.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="wishes-template.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def wish_import_preview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The preview (GET) and the confirmation (POST) of one upload: every row, or none."""
    job = get_object_or_404(imports.wish_imports_of(request.user), pk=pk)
    if request.method == "POST":
        try:
            count = imports.confirm_wish_import(actor=request.user, job=job)
            messages.success(request, _("%(n)s wishes imported as drafts.") % {"n": count})
            return redirect(f"{reverse('needs:list')}?kind=wish&state=draft")
        except (ValidationError, PermissionDenied) as refused:
            messages.error(request, _refusal_text(refused))
            return redirect("needs:wish_import_preview", pk=job.pk)
    return render(request, "needs/import_preview.html", {"job": job})


@login_required
@require_POST
def reveal_guardian_phone(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Show the guardian's phone in place (an htmx fragment); audited, as core's reveal of a resident's phone."""
    need = queries.need_for(request.user, pk)
    value = actions.reveal_guardian_phone(actor=request.user, need=need)
    return render(request, "core/_revealed.html", {"value": value})
