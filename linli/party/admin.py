"""Admin for party records. The meeting requirements are configuration and are
edited here; meeting records are written only through actions.py, so the admin
shows them read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from linli.party.models import (
    BoardExclusion,
    Campaign,
    CampaignLecture,
    CommitteeMember,
    Meeting,
    MeetingRequirement,
    TrainingCourse,
)


@admin.register(MeetingRequirement)
class MeetingRequirementAdmin(admin.ModelAdmin):
    list_display = ("kind", "period", "minimum", "active")
    list_editable = ("period", "minimum", "active")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ("held_on", "kind", "topic", "party_organization", "state")
    list_filter = ("kind", "state")
    search_fields = ("topic", "party_organization__name")


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(ReadOnlyAdmin):
    list_display = ("party_organization", "person", "position", "started_on", "ended_on")


@admin.register(BoardExclusion)
class BoardExclusionAdmin(ReadOnlyAdmin):
    list_display = ("party_organization", "reason", "created_by", "created_at")


@admin.register(TrainingCourse)
class TrainingCourseAdmin(ReadOnlyAdmin):
    list_display = ("title", "area", "starts_on", "ends_on")


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ("name", "area", "lead", "starts_on", "ends_on")


@admin.register(CampaignLecture)
class CampaignLectureAdmin(ReadOnlyAdmin):
    list_display = ("given_on", "speaker", "party_organization", "campaign")
    search_fields = ("speaker", "party_organization__name")
