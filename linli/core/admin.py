"""Django admin for configuration by platform administrators.

Writes made here go through actions.py like every other write, so they are
validated, audited and permission-checked the same way. The audit trail is
read-only here as everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from linli.core import actions as core_actions
from linli.core import audit
from linli.core.models import APIToken, Area, AuditEvent, Organization, PartyOrganization, Person, RoleAssignment, User

admin.site.site_header = _("linli settings")
admin.site.site_title = _("linli settings")
admin.site.index_title = _("Configuration")


class NoBulkDeleteMixin:
    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Bulk delete would bypass the audited actions.
        found = super().get_actions(request)  # type: ignore[misc]  # a mixin: ModelAdmin comes after it in the MRO
        found.pop("delete_selected", None)
        return found


class ActionAdmin(NoBulkDeleteMixin, admin.ModelAdmin):
    """Saves and deletes through the module's actions instead of obj.save()."""

    create_action: Callable[..., models.Model]
    update_action: Callable[..., models.Model]
    delete_action: Callable[..., None] | None = None

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            fresh = type(obj).objects.get(pk=obj.pk)  # the form has already mutated obj
            fields = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
            saved = type(self).update_action(actor=request.user, obj=fresh, fields=fields)
        else:
            saved = type(self).create_action(actor=request.user, fields=dict(form.cleaned_data))
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        delete_action = type(self).delete_action
        if delete_action is None:
            raise NotImplementedError
        delete_action(actor=request.user, obj=obj)


@admin.register(Area)
class AreaAdmin(ActionAdmin):
    list_display = ("name", "code", "level", "parent")
    list_filter = ("level",)
    search_fields = ("name", "code")
    raw_id_fields = ("parent",)
    create_action = staticmethod(lambda *, actor, fields: core_actions.create_area(actor=actor, **fields))
    update_action = staticmethod(
        lambda *, actor, obj, fields: core_actions.rename_area(actor=actor, area=obj, **fields)
    )
    fields = ("code", "name", "level", "parent")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Codes and the place in the tree are fixed once created: the paths of
        # every record below would have to move with them.
        return ("code", "level", "parent") if obj else ()


@admin.register(Organization)
class OrganizationAdmin(ActionAdmin):
    list_display = ("name", "kind", "area", "contact_name")
    list_filter = ("kind",)
    search_fields = ("name", "name_initials")
    raw_id_fields = ("area",)
    create_action = staticmethod(lambda *, actor, fields: core_actions.create_organization(actor=actor, **fields))
    update_action = staticmethod(
        lambda *, actor, obj, fields: core_actions.update_organization(actor=actor, organization=obj, **fields)
    )
    delete_action = staticmethod(lambda *, actor, obj: core_actions.delete_organization(actor=actor, organization=obj))


@admin.register(PartyOrganization)
class PartyOrganizationAdmin(ActionAdmin):
    list_display = ("name", "level", "parent", "area", "organization")
    list_filter = ("level",)
    search_fields = ("name",)
    raw_id_fields = ("parent", "area", "organization", "secretary")
    create_action = staticmethod(lambda *, actor, fields: core_actions.create_party_organization(actor=actor, **fields))
    update_action = staticmethod(
        lambda *, actor, obj, fields: core_actions.update_party_organization(
            actor=actor, party_organization=obj, **fields
        )
    )


@admin.register(Person)
class PersonAdmin(ActionAdmin):
    list_display = ("name", "gender", "neighborhood", "phone_masked", "is_volunteer")
    # Numbers are seen and changed on the record's page, where revealing one is audited.
    exclude = ("phone", "id_number")
    list_filter = ("gender", "is_volunteer")
    search_fields = ("name", "name_initials")
    raw_id_fields = ("neighborhood", "organization")
    create_action = staticmethod(lambda *, actor, fields: core_actions.create_person(actor=actor, **fields))
    update_action = staticmethod(
        lambda *, actor, obj, fields: core_actions.update_person(actor=actor, person=obj, **fields)
    )
    delete_action = staticmethod(lambda *, actor, obj: core_actions.delete_person(actor=actor, person=obj))

    @admin.display(description=_("phone"))
    def phone_masked(self, obj: Person) -> str:
        return obj.masked_phone


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(NoBulkDeleteMixin, admin.ModelAdmin):
    list_display = ("user", "role", "area", "organization", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__display_name")
    raw_id_fields = ("user", "area", "organization")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke and assign anew, so both acts are in the audit trail

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = core_actions.assign_role(actor=request.user, user=obj.user, role=obj.role, area=obj.area,
                                    organization=obj.organization)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        core_actions.revoke_role(actor=request.user, assignment=obj)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    # cast: django-stubs gives UserAdmin ModelAdmin's optional `fieldsets`; Django's UserAdmin always sets it.
    fieldsets = (*cast(tuple[Any, ...], DjangoUserAdmin.fieldsets), ("linli", {"fields": ("display_name", "person")}))
    raw_id_fields = ("person",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit.record(actor=request.user, action="core.user_updated" if change else "core.user_created", target=obj,
                     data={"fields": [f for f in form.changed_data if f not in ("password", "password1", "password2")]})


@admin.register(APIToken)
class APITokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke_tokens",)

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke_tokens(self, request: HttpRequest, queryset: Any) -> None:
        for token in queryset.filter(revoked_at__isnull=True):
            core_actions.revoke_api_token(actor=request.user, token=token)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created with core_actions.create_api_token, which shows the key once


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor_name", "action", "target_type", "target_repr")
    list_filter = ("action",)
    search_fields = ("target_repr", "actor_name", "action", "target_id")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
