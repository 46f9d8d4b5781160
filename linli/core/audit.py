"""Writing the audit trail. Called by actions inside their transaction."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from linli.core.models import AuditEvent


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime | decimal.Decimal):
        return str(value)
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The audited field values of a record, with sensitive fields masked.

    Sensitive values are kept masked so that the audit trail, which admins
    read, does not become a second copy of residents' phone and ID numbers.
    """
    masks = getattr(obj, "sensitive_fields", {})
    values: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if not f.editable or f.primary_key:
            continue
        value = getattr(obj, f.attname)
        if f.name in masks:
            value = masks[f.name](value or "")
        elif f.is_relation and value is not None:
            value = str(getattr(obj, f.name))
        values[f.name] = _plain(value)
    return values


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def event(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    changes: Mapping[str, list[Any]] | None = None,
    data: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Build (unsaved) an audit event; `record` and `record_many` save."""
    actor_obj = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent(
        actor=actor_obj,
        actor_name=str(actor_obj) if actor_obj else "system",
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        changes=dict(changes or {}),
        data=dict(data or {}),
    )


def record(**kwargs: Any) -> AuditEvent:
    ev = event(**kwargs)
    ev.save()
    return ev


def record_many(events: Iterable[AuditEvent]) -> None:
    AuditEvent.objects.bulk_create(list(events), batch_size=1000)


def history_for(obj: models.Model) -> models.QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk)
    ).order_by("-created_at", "-id")
