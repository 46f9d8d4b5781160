"""Core pages. Thin: parse the request, call one query or action, render.
Every record is fetched through the scoping function; out of scope is 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from linli.core import actions, audit, queries
from linli.core.forms import (
    OrganizationFilterForm,
    OrganizationForm,
    PartyOrganizationForm,
    PeopleFilterForm,
    PersonForm,
)
from linli.core.http import AuthenticatedHttpRequest, HtmxHttpRequest
from linli.core.models import Area, Organization, PartyOrganization, Person
from linli.core.scoping import Perm, can, get_in_scope_or_404, grants_for

PAGE_SIZE = 50


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# A list answers its own URL with the whole page or, to htmx, the table alone.
# Varying on the header keeps the browser from showing the cached table alone
# when the user comes back to a pushed URL from another page.
_vary_on_htmx = vary_on_headers("HX-Request")


def _form_errors_to_messages(request: HttpRequest, error: ValidationError) -> None:
    for msg in error.messages:
        messages.error(request, msg)


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    grants = grants_for(request.user)
    if request.user.person_id and not grants.any(Perm.VIEW):
        # Someone who holds no list (a volunteer) sees only their own record: that is their home here.
        return redirect("person_detail", pk=request.user.person_id)
    context = {
        "figures": queries.home_figures(request.user) if grants.any(Perm.VIEW) else None,
        "roles": grants.roles,
        "me": request.user.person if request.user.person_id else None,
    }
    return render(request, "core/home.html", context)


@login_required
def area_tree(request: HttpRequest) -> HttpResponse:
    return render(request, "core/area_tree.html", {"roots": queries.area_tree(request.user)})


@login_required
def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    area = get_in_scope_or_404(Area.objects.select_related("parent"), request.user, code=code)
    context = {
        "area": area,
        "ancestors": area.ancestors(),
        # Ancestors outside the user's scope are named but not linked (they would 404).
        "linkable": set(queries.areas_visible_to(request.user).filter(code__in=area.ancestor_codes())
                        .values_list("code", flat=True)),
        "children": area.children.order_by("code"),
        "figures": queries.home_figures(request.user, area),
        "history": audit.history_for(area)[:20],
    }
    return render(request, "core/area_detail.html", context)


# People ----------------------------------------------------------------------

@login_required
@_vary_on_htmx
def people(request: HtmxHttpRequest) -> HttpResponse:
    if not can(request.user, Perm.VIEW):
        raise Http404
    form = PeopleFilterForm(request.GET or None, user=request.user)
    filters = form.to_filter()
    page = _page(request, queries.people_visible_to(request.user, filters))
    context = {
        "form": form, "page": page, "query": _query_without_page(request),
        "can_change": can(request.user, Perm.CHANGE), "can_import": can(request.user, Perm.IMPORT),
        "can_export": can(request.user, Perm.EXPORT), "can_reveal": can(request.user, Perm.REVEAL),
    }
    context["partial"] = bool(request.htmx) and request.htmx.target == "people-results"
    return render(request, "core/_people_table.html" if context["partial"] else "core/people.html", context)


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_in_scope_or_404(
        Person.objects.select_related("neighborhood", "organization", "party_membership__party_organization"),
        request.user, pk=pk,
    )
    context = {
        "person": person,
        "can_change": can(request.user, Perm.CHANGE, person),
        "can_reveal": can(request.user, Perm.REVEAL, person),
        "history": audit.history_for(person)[:50],
    }
    return render(request, "core/person_detail.html", context)


def _record_form(
    request: HttpRequest, *, model: type[Any], form_class: type[Any], pk: int | None, create: Any, update: Any,
    scope_field: str, template: str,
) -> HttpResponse:
    """Create or edit one record through its actions; the same flow for people, organizations and party organizations.

    A scope refusal is shown on the field that places the record (its
    neighborhood or area), since that is what the user has to change.
    """
    record = get_in_scope_or_404(model.objects.all(), request.user, Perm.CHANGE, pk=pk) if pk else None
    if record is None and not can(request.user, Perm.CHANGE):
        raise Http404
    # The form gets its own copy: it writes the submitted values into its
    # instance, and the action must see the stored ones to audit the change.
    form = form_class(request.POST or None, user=request.user, instance=record and model.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            if record is None:
                record = create(actor=request.user, **form.action_fields())
                messages.success(request, _("%(name)s was added.") % {"name": record})
            else:
                update(request.user, record, form.action_fields())
                messages.success(request, _("Changes saved."))
            return redirect(record.get_absolute_url())
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied as error:
            form.add_error(scope_field, str(error))
    return render(request, template, {"form": form, "record": record})


@login_required
@require_http_methods(["GET", "POST"])
def person_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _record_form(
        request, model=Person, form_class=PersonForm, pk=pk, create=actions.create_person,
        update=lambda actor, person, fields: actions.update_person(actor=actor, person=person, **fields),
        scope_field="neighborhood", template="core/person_form.html",
    )


@login_required
@require_POST
def person_delete(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_in_scope_or_404(Person.objects.all(), request.user, Perm.CHANGE, pk=pk)
    try:
        actions.delete_person(actor=request.user, person=person)
    except ValidationError as error:
        _form_errors_to_messages(request, error)
        return redirect("person_detail", pk=pk)
    messages.success(request, _("%(name)s was deleted.") % {"name": person.name})
    return redirect("people")


def reveal(request: HttpRequest, records: QuerySet[Any], pk: int, field: str) -> HttpResponse:
    """Show one unmasked number of a record in scope, in place (an htmx fragment); audited. Without the
    permission to reveal, the action refuses (403). Other apps' reveal views call this too."""
    record = get_in_scope_or_404(records, request.user, pk=pk)
    if field not in getattr(records.model, "sensitive_fields", {}):
        raise Http404
    value = actions.reveal_sensitive(actor=request.user, record=record, field=field)
    response = render(request, "core/_revealed.html", {"value": value})
    response["Cache-Control"] = "no-store"  # an unmasked number must not linger in a cache
    return response


@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    return reveal(request, Person.objects.all(), pk, field)


# Organizations ---------------------------------------------------------------

@login_required
@_vary_on_htmx
def organizations(request: HtmxHttpRequest) -> HttpResponse:
    if not can(request.user, Perm.VIEW):
        raise Http404
    form = OrganizationFilterForm(request.GET or None, user=request.user)
    page = _page(request, queries.organizations_visible_to(request.user, form.to_filter()))
    context = {
        "form": form, "page": page, "query": _query_without_page(request),
        # A new organization is placed in an area: only those who hold one can add it.
        "can_change": can(request.user, Perm.CHANGE) and queries.area_choices_for(request.user).exists(),
        "can_import": can(request.user, Perm.IMPORT),
        "can_export": can(request.user, Perm.EXPORT), "can_reveal": can(request.user, Perm.REVEAL),
    }
    context["partial"] = bool(request.htmx) and request.htmx.target == "organizations-results"
    return render(request, "core/_organizations_table.html" if context["partial"] else "core/organizations.html",
                  context)


@login_required
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_in_scope_or_404(Organization.objects.select_related("area"), request.user, pk=pk)
    staff = queries.people_visible_to(request.user, queries.PeopleFilter(organization=org.pk))[:100]
    context = {
        "org": org,
        "staff": staff,
        "party_organizations": queries.party_organizations_visible_to(request.user).filter(organization=org),
        "can_change": can(request.user, Perm.CHANGE, org),
        "can_reveal": can(request.user, Perm.REVEAL, org),
        "history": audit.history_for(org)[:50],
    }
    return render(request, "core/organization_detail.html", context)


@login_required
@require_POST
def organization_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    return reveal(request, Organization.objects.all(), pk, field)


@login_required
@require_http_methods(["GET", "POST"])
def organization_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _record_form(
        request, model=Organization, form_class=OrganizationForm, pk=pk, create=actions.create_organization,
        update=lambda actor, org, fields: actions.update_organization(actor=actor, organization=org, **fields),
        scope_field="area", template="core/organization_form.html",
    )


# Party organizations ---------------------------------------------------------

@login_required
def party_organizations(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Perm.VIEW):
        raise Http404
    q = request.GET.get("q", "")[:50]
    page = _page(request, queries.party_organizations_visible_to(request.user, q))
    context = {
        "page": page, "q": q, "query": _query_without_page(request),
        # A new party organization is attached to an area or an organization: only those who hold one can add it.
        "can_change": can(request.user, Perm.CHANGE) and (
            queries.area_choices_for(request.user).exists() or queries.organizations_visible_to(request.user).exists()
        ),
    }
    return render(request, "core/party_organizations.html", context)


@login_required
def party_organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    porg = get_in_scope_or_404(
        # The whole chain of upper organizations (four at most, see PartyOrganization.ancestors) in one query.
        PartyOrganization.objects.select_related("area", "organization", "secretary", "parent__parent__parent__parent"),
        request.user, pk=pk,
    )
    ancestors = porg.ancestors()
    members = queries.people_visible_to(request.user).filter(party_membership__party_organization=porg)
    context = {
        "porg": porg,
        "ancestors": ancestors,
        # Upper organizations outside the user's scope are named but not linked (they would 404).
        "linkable": set(queries.party_organizations_visible_to(request.user)
                        .filter(pk__in=[a.pk for a in ancestors]).values_list("pk", flat=True)),
        "children": queries.party_organizations_visible_to(request.user).filter(parent=porg),
        "member_count": porg.members.count(),
        "members": members.select_related("party_membership")[:200],
        "can_change": can(request.user, Perm.CHANGE, porg),
        "history": audit.history_for(porg)[:50],
    }
    return render(request, "core/party_organization_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def party_organization_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _record_form(
        request, model=PartyOrganization, form_class=PartyOrganizationForm, pk=pk,
        create=actions.create_party_organization,
        update=lambda actor, porg, fields: actions.update_party_organization(
            actor=actor, party_organization=porg, **fields),
        scope_field="area", template="core/party_organization_form.html",
    )


# Audit -----------------------------------------------------------------------

@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Perm.VIEW_AUDIT):
        raise Http404
    q, action, actor = (request.GET.get(k, "")[:100] for k in ("q", "action", "actor"))
    page = _page(request, queries.audit_events(q=q, action=action, actor=actor))
    return render(request, "core/audit.html",
                  {"page": page, "q": q, "action": action, "actor": actor, "query": _query_without_page(request)})
