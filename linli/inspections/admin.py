"""Django admin for checklists: read-only templates, versions and items, and
one page to publish a new version.

A published version never changes — inspections made with it keep its
questions and limits — so there is no edit form. To change a limit (say, the
cylinders a shop may store) or an item, the administrator publishes the next
version from the current one's settings through
actions.publish_checklist_version (audited); new inspections take it,
earlier ones keep theirs.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core.scoping import Perm, grants_for
from linli.inspections import actions
from linli.inspections.models import ChecklistItem, ChecklistTemplate, ChecklistVersion


def _is_platform_admin(request: HttpRequest) -> bool:
    return bool(request.user.is_active and Perm.CHANGE in grants_for(request.user).global_perms)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown to platform administrators (global grants), whatever Django's model permissions say."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and Perm.VIEW in grants_for(request.user).global_perms

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and Perm.VIEW in grants_for(request.user).global_perms

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ItemInline(ReadOnlyInline):
    model = ChecklistItem
    fields = ("position", "code", "text", "answer_type", "required", "fail_values", "limits", "severity",
              "requires_finding", "requires_note", "min_photos")
    readonly_fields = fields


class VersionInline(ReadOnlyInline):
    model = ChecklistVersion
    fields = ("number", "published_at", "config")
    readonly_fields = fields
    show_change_link = True


class PublishForm(forms.Form):
    config = forms.JSONField(label=gettext_lazy("Limits (JSON)"), widget=forms.Textarea(attrs={"rows": 8, "cols": 90}))
    items = forms.JSONField(label=gettext_lazy("Items (JSON list)"),
                            widget=forms.Textarea(attrs={"rows": 24, "cols": 90}))

    def clean_config(self) -> dict[str, Any]:
        config = self.cleaned_data["config"]
        if not isinstance(config, dict):
            raise ValidationError(_("The limits are a JSON object: {\"name\": value, …}."))
        return config

    def clean_items(self) -> list[dict[str, Any]]:
        items = self.cleaned_data["items"]
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            raise ValidationError(_("The items are a JSON list of objects, one per question."))
        return items


def current_settings(version: ChecklistVersion | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A version's limits and items as publish_checklist_version takes them: the next version starts from these."""
    if version is None:
        return {}, []
    items = [{name: getattr(item, name) for name in actions.ITEM_FIELDS} for item in version.items.all()]
    return dict(version.config), items


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "current", "publish_link")
    search_fields = ("name", "code")
    fields = ("code", "name", "description")
    readonly_fields = fields
    inlines = (VersionInline,)

    @admin.display(description=gettext_lazy("current version"))
    def current(self, obj: ChecklistTemplate) -> str:
        version = obj.current_version()
        return f"v{version.number}" if version is not None else "—"

    @admin.display(description=gettext_lazy("publish"))
    def publish_link(self, obj: ChecklistTemplate) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:inspections_checklist_publish", args=[obj.pk]),
                           _("Publish a new version"))

    def get_urls(self) -> list[Any]:
        return [path("<int:pk>/publish/", self.admin_site.admin_view(self.publish_view),
                     name="inspections_checklist_publish"), *super().get_urls()]

    def publish_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The next version from the current one's limits and items, as edited here."""
        if not _is_platform_admin(request):
            raise Http404
        template = ChecklistTemplate.objects.filter(pk=pk).first()
        if template is None:
            raise Http404
        current = template.current_version()
        config, items = current_settings(current)
        form = PublishForm(request.POST or None, initial={"config": config, "items": items})
        if request.method == "POST" and form.is_valid():
            try:
                version = actions.publish_checklist_version(
                    actor=request.user, template_code=template.code, name=template.name,
                    items=form.cleaned_data["items"], config=form.cleaned_data["config"])
            except ValidationError as error:
                form.add_error(None, error.messages)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                self.message_user(request, _("Version %(number)s published: new inspections answer it; earlier "
                                             "inspections keep theirs.") % {"number": version.number},
                                  messages.SUCCESS)
                return redirect("admin:inspections_checklisttemplate_change", template.pk)
        context = {**self.admin_site.each_context(request), "title": _("Publish a new version of %(name)s")
                   % {"name": template.name}, "form": form, "template": template, "current": current,
                   "opts": self.model._meta}
        return render(request, "inspections/admin/publish.html", context)


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(ReadOnlyAdmin):
    list_display = ("template", "number", "published_at")
    list_filter = ("template",)
    list_select_related = ("template",)
    fields = ("template", "number", "published_at", "config_text")
    readonly_fields = fields
    inlines = (ItemInline,)

    @admin.display(description=gettext_lazy("limits"))
    def config_text(self, obj: ChecklistVersion) -> str:
        return json.dumps(obj.config, ensure_ascii=False, sort_keys=True)
