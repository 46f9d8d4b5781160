"""Problems pages: the list with filters, the board, a problem with its steps
(posted with htmx, answered with the problem's panel), evidence and history.
Thin: parse, call one query or action, render. Out of scope is 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from linli.core import audit
from linli.core.forms import add_refusal
from linli.core.http import AuthenticatedHttpRequest, HtmxHttpRequest
from linli.core.scoping import Perm, can
from linli.core.views import _page, _query_without_page
from linli.problems import actions, queries
from linli.problems.forms import EvidenceForm, ProblemFilterForm, ProblemForm, step_form
from linli.problems.models import Problem

STEP_LABELS = {
    "start": _lazy("Start rectifying"), "rectify": _lazy("Report rectified"), "verify": _lazy("Verify and close"),
    "reopen": _lazy("Reopen"),
}
BOARD_LABELS = {"area": _lazy("By area"), "community": _lazy("By community"),
                "neighborhood": _lazy("By neighborhood"), "organization": _lazy("By owner organization"),
                "source": _lazy("By source")}


def _refusal_text(error: ValidationError | PermissionDenied) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


@login_required
def problem_list(request: HtmxHttpRequest) -> HttpResponse:
    if not can(request.user, Perm.VIEW):
        raise Http404
    form = ProblemFilterForm(request.GET or None, user=request.user)
    page = _page(request, queries.problems_visible_to(request.user, form.to_filter()))
    context = {"form": form, "page": page, "query": _query_without_page(request),
               "can_change": can(request.user, Perm.CHANGE)}
    partial = request.htmx and request.htmx.target == "problems-results"
    return render(request, "problems/_problems_table.html" if partial else "problems/list.html", context)


@login_required
def problem_board(request: HtmxHttpRequest) -> HttpResponse:
    if not can(request.user, Perm.VIEW):
        raise Http404
    by = request.GET.get("by") or "area"
    if by not in queries.BOARDS:
        by = "area"
    form = ProblemFilterForm(request.GET or None, user=request.user)
    rows = queries.board(request.user, by, form.to_filter())
    context = {"form": form, "rows": rows, "total": queries.board_total(rows), "by": by,
               "boards": BOARD_LABELS.items(), "query": _query_without_page(request)}
    return render(request, "problems/board.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def problem_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not can(request.user, Perm.CHANGE):
        raise Http404
    form = ProblemForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            problem = actions.create_problem(actor=request.user, **form.action_fields())
            messages.success(request, _("Saved."))
            return redirect(problem.get_absolute_url())
        except ValidationError as error:
            add_refusal(form, error)
        except PermissionDenied as error:
            form.add_error("area", str(error))
    return render(request, "problems/form.html", {"form": form})


def _panel(request: AuthenticatedHttpRequest, problem: Problem, *, error: str = "",
           forms_: dict[str, Any] | None = None, evidence_form: EvidenceForm | None = None) -> dict[str, Any]:
    """What the problem's panel shows this user: the steps they may take now, the evidence."""
    user = request.user
    may = {perm: can(user, perm, problem) for perm in (Perm.CHANGE, Perm.VERIFY)}
    steps = [s for s in problem.allowed_transitions() if may[actions.STEP_PERMISSIONS[s]]]
    return {
        "problem": problem,
        "steps": [(s, STEP_LABELS[s], (forms_ or {}).get(s) or step_form(s, prefix=s)) for s in steps],
        "evidence": queries.evidence_of(problem),
        "can_add_evidence": may[Perm.CHANGE] and problem.state in Problem.EVIDENCE_STATES,
        "evidence_form": evidence_form or EvidenceForm(prefix="evidence"),
        "error": error,
    }


@login_required
def problem_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    problem = queries.problem_for(request.user, pk)
    context = _panel(request, problem)
    context["history"] = audit.history_for(problem)[:50]
    return render(request, "problems/detail.html", context)


STEPS = {
    "start": lambda actor, p, d: actions.start_rectification(actor=actor, problem=p, measures=d["measures"]),
    "rectify": lambda actor, p, d: actions.mark_rectified(actor=actor, problem=p, note=d["note"]),
    "verify": lambda actor, p, d: actions.verify_problem(actor=actor, problem=p, note=d["note"]),
    "reopen": lambda actor, p, d: actions.reopen_problem(actor=actor, problem=p, reason=d["reason"],
                                                         deadline=d["deadline"]),
}


def _answer(request: AuthenticatedHttpRequest, problem: Problem, error: str, **panel: Any) -> HttpResponse:
    if not request.htmx:  # type: ignore[attr-defined]  # set by django-htmx's middleware
        if error:
            messages.error(request, error)
        return redirect(problem.get_absolute_url())
    fresh = queries.problem_for(request.user, problem.pk)
    return render(request, "problems/_problem_panel.html", _panel(request, fresh, error=error, **panel))


@login_required
@require_POST
def problem_step(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponse:
    """Take one step and show the problem's panel as it is now."""
    if step not in STEPS:
        raise Http404
    problem = queries.problem_for(request.user, pk)
    form = step_form(step, request.POST, prefix=step)
    error = ""
    if form.is_valid():
        try:
            STEPS[step](request.user, problem, form.cleaned_data)
        except (ValidationError, PermissionDenied) as refused:
            error = _refusal_text(refused)
    else:
        error = _("Check the form below.")
    return _answer(request, problem, error, forms_={step: form})


@login_required
@require_POST
def add_evidence(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    problem = queries.problem_for(request.user, pk)
    form = EvidenceForm(request.POST, request.FILES, prefix="evidence")
    error = ""
    if form.is_valid():
        try:
            actions.add_evidence(actor=request.user, problem=problem, note=form.cleaned_data["note"],
                                 file=form.cleaned_data["file"])
            form = EvidenceForm(prefix="evidence")
        except (ValidationError, PermissionDenied) as refused:
            error = _refusal_text(refused)
    return _answer(request, problem, error, evidence_form=form)


@login_required
def evidence_file(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """An evidence file, to those who may see its problem (files are not served from a public URL)."""
    evidence = queries.evidence_for(request.user, pk)
    if not evidence.file:
        raise Http404
    response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type,
                            as_attachment=not evidence.is_image, filename=evidence.file_name or "evidence")
    response["X-Content-Type-Options"] = "nosniff"
    return response
