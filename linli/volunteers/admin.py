"""Admin for volunteer records: read-only. Every volunteer record is written
through actions.py (consent, capacity, the append-only ledger), so the admin
only shows them; no phone or ID number appears here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from linli.volunteers.models import Activity, Certificate, Consent, DutyShift, Post, ServiceRecord, Team, Volunteer


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ConsentInline(admin.TabularInline):
    model = Consent
    fields = ("given_at", "given_by", "method", "registration", "recorded_by", "withdrawn_at", "withdrawn_by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Volunteer)
class VolunteerAdmin(ReadOnlyAdmin):
    list_display = ("person", "registration", "registered_at")
    list_filter = ("registration",)
    fields = ("person", "registration", "registered_by", "registered_at")
    inlines = (ConsentInline,)
    search_fields = ("person__name",)
    list_select_related = ("person",)


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "area", "organization", "minimum_age")
    list_filter = ("kind",)


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "area", "starts_at", "capacity", "hours")
    list_filter = ("kind",)
    search_fields = ("title",)


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ("name", "area", "team", "people_needed")


@admin.register(DutyShift)
class DutyShiftAdmin(ReadOnlyAdmin):
    list_display = ("post", "day", "starts_at", "ends_at", "people_needed")


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnlyAdmin):
    list_display = ("served_on", "volunteer", "hours", "source", "recorded_by", "reverses")
    list_filter = ("source",)
    list_select_related = ("volunteer__person", "recorded_by", "reverses")


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ("volunteer", "period_start", "period_end", "hours", "issuer", "issued_at")
