"""Excel pages: export the people and organization lists, import them
(upload → preview → confirm), and download a blank template.

Thin, like views.py: parse the request, call one query or action, render.
Exports read through queries.*_visible_to(perm=Perm.EXPORT), so they show
exactly what the list shows the user, never more.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import actions, imports, queries, spreadsheets
from linli.core.models import ImportJob
from linli.core.queries import OrganizationFilter, PeopleFilter
from linli.core.scoping import Perm, can, scope_queryset

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


def _xlsx_response(content: bytes, stem: str) -> HttpResponse:
    response = HttpResponse(content, content_type=spreadsheets.XLSX_CONTENT_TYPE)
    # A Chinese file name needs RFC 5987's filename* (percent-encoded UTF-8); Django's helper writes it.
    disposition = content_disposition_header(
        as_attachment=True, filename=f"{stem}-{timezone.localdate():%Y%m%d}.xlsx"
    )
    assert disposition is not None  # None only when neither an attachment nor a file name
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = "no-store"  # residents' data stays out of shared caches
    return response


def _wants_unmasked(request: HttpRequest) -> bool:
    unmasked = request.GET.get("unmasked") == "1"
    if unmasked and not can(request.user, Perm.REVEAL):
        raise PermissionDenied(_("You do not have permission to export unmasked numbers."))
    return unmasked


# Export ----------------------------------------------------------------------

@login_required
@require_GET
def people_export(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Perm.EXPORT):
        raise PermissionDenied(_("You do not have permission to export lists."))
    unmasked = _wants_unmasked(request)
    filters = PeopleFilter.from_params(request.GET)
    people = queries.people_visible_to(request.user, filters, perm=Perm.EXPORT)
    if unmasked:
        # Numbers are shown only for records the user may also reveal one by one.
        people = scope_queryset(people, request.user, Perm.REVEAL)
    content, count = spreadsheets.write_people(people.iterator(chunk_size=2000), unmasked=unmasked)
    actions.record_export(actor=request.user, kind="people", count=count, filters=filters.as_dict(),
                          unmasked=unmasked)
    return _xlsx_response(content, "居民名单")


@login_required
@require_GET
def organizations_export(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Perm.EXPORT):
        raise PermissionDenied(_("You do not have permission to export lists."))
    unmasked = _wants_unmasked(request)
    filters = OrganizationFilter.from_params(request.GET)
    organizations = queries.organizations_visible_to(request.user, filters, perm=Perm.EXPORT)
    if unmasked:
        # As for people: numbers only for the units the user may also reveal one by one.
        organizations = scope_queryset(organizations, request.user, Perm.REVEAL)
    content, count = spreadsheets.write_organizations(organizations.iterator(chunk_size=2000), unmasked=unmasked)
    actions.record_export(actor=request.user, kind="organizations", count=count, filters=filters.as_dict(),
                          unmasked=unmasked)
    return _xlsx_response(content, "单位名单")


# Import ----------------------------------------------------------------------

# Whole sentences, not a noun slotted into one: word order differs between languages.
# Keyed by str: ImportJob.kind reads back from the database as a plain string.
_UPLOAD_TITLES: dict[str, StrPromise] = {
    ImportJob.Kind.PEOPLE: gettext_lazy("Import people from Excel"),
    ImportJob.Kind.ORGANIZATIONS: gettext_lazy("Import organizations from Excel"),
}
_LIST_URLS: dict[str, str] = {ImportJob.Kind.PEOPLE: "people", ImportJob.Kind.ORGANIZATIONS: "organizations"}


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={
            "class": "form-control",
            "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > spreadsheets.MAX_UPLOAD_BYTES:
            raise ValidationError(_("The file is larger than %(mb)s MB; split it into smaller files.")
                                  % {"mb": spreadsheets.MAX_UPLOAD_BYTES // (1024 * 1024)})
        return upload


def _require_import(user: Any) -> None:
    if not can(user, Perm.IMPORT):
        raise PermissionDenied(_("You do not have permission to import records."))


def _upload(request: HttpRequest, kind: str) -> HttpResponse:
    _require_import(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = imports.preview_import(actor=request.user, kind=kind, filename=upload.name, content=upload.read())
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("import_detail", pk=job.pk)
    context = {
        "form": form,
        "kind": kind,
        "title": _UPLOAD_TITLES[kind],
        "list_url": _LIST_URLS[kind],
        "layout": spreadsheets.LAYOUTS[kind],
        "max_rows": settings.LINLI_IMPORT_MAX_ROWS,
        "recent": imports.import_jobs_visible_to(request.user).filter(kind=kind)[:5],
    }
    # A file that cannot be read is answered on the upload page itself (200, so htmx swaps it in).
    return render(request, "core/imports/upload.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def people_import(request: HttpRequest) -> HttpResponse:
    return _upload(request, ImportJob.Kind.PEOPLE)


@login_required
@require_http_methods(["GET", "POST"])
def organizations_import(request: HttpRequest) -> HttpResponse:
    return _upload(request, ImportJob.Kind.ORGANIZATIONS)


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(imports.import_jobs_visible_to(request.user).defer(None), pk=pk)
    sample = None
    if job.status != ImportJob.Status.IMPORTED and job.content:
        # Should the settings have changed since the upload (a lower row cap), the errors still show.
        with contextlib.suppress(ValidationError):
            sample = spreadsheets.sample_rows(bytes(job.content), spreadsheets.LAYOUTS[job.kind])
    context = {
        "job": job,
        "list_url": _LIST_URLS.get(job.kind, "home"),
        "upload_url": f"{job.kind}_import",
        "errors": job.errors,
        "sample": sample,
        "can_confirm": job.status == ImportJob.Status.PREVIEWED,
    }
    return render(request, "core/imports/detail.html", context)


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(imports.import_jobs_visible_to(request.user), pk=pk)
    try:
        imports.confirm_import(actor=request.user, job=job)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    # On success the job's page itself says how many records were imported.
    return redirect("import_detail", pk=job.pk)


@login_required
@require_GET
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    layout = spreadsheets.LAYOUTS.get(kind)
    if layout is None:
        raise Http404
    _require_import(request.user)
    content = spreadsheets.write_template(layout, spreadsheets.areas_for_import(request.user, layout)[:1000])
    return _xlsx_response(content, "居民导入模板" if layout is spreadsheets.PEOPLE else "单位导入模板")
