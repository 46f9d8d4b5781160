"""Django admin for needs: read-only. Every change to a need, a claim, a dispatch or a rating is a
step of the lifecycle, taken on the needs pages or through the API by linli.needs.actions (permission-
checked, audited); the admin only looks. A wish's child (WishDetails) is not shown here at all."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from linli.core.scoping import Perm, grants_for
from linli.needs.models import Claim, Dispatch, Feedback, Need


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown to platform administrators (global grants), whatever Django's model permissions say."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and Perm.VIEW in grants_for(request.user).global_perms

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}


@admin.register(Need)
class NeedAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "state", "neighborhood", "publication_scope", "created_at")
    list_filter = ("kind", "state", "publication_scope")
    search_fields = ("title",)
    list_select_related = ("neighborhood",)
    date_hierarchy = "created_at"
    # A foreign key shown read-only is a link, not a select of every resident or area.
    raw_id_fields = ("neighborhood", "organization", "requester", "created_by")


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ("need", "claimant", "organization", "status", "cross_region", "created_at")
    list_filter = ("status", "cross_region")
    search_fields = ("need__title", "organization__name")
    list_select_related = ("need", "claimant", "organization")
    raw_id_fields = ("need", "claimant", "organization", "claimant_area", "need_area", "cancelled_by")


@admin.register(Dispatch)
class DispatchAdmin(ReadOnlyAdmin):
    list_display = ("need", "organization", "deadline", "status", "accepted_at")
    list_filter = ("status",)
    search_fields = ("need__title", "organization__name")
    list_select_related = ("need", "organization")
    raw_id_fields = ("need", "organization", "dispatched_by", "accepted_by")


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ("need", "organization", "rating", "on_behalf", "created_at")
    list_filter = ("rating", "on_behalf")
    list_select_related = ("need", "organization")
    raw_id_fields = ("need", "organization", "recorded_by")
