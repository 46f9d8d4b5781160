"""Writing the audit trail. Called by actions inside their transaction."""

from __future__ import annotations

import datetime
import decimal
import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router
from django.utils import timezone

from linli.core.bulk import copy_rows, insert_many
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
    values: dict[str, Any] = {}
    for name, attname, mask, is_relation in _audited_fields(type(obj)):
        value = getattr(obj, attname)
        if mask is not None:
            value = mask(value or "")
        elif value is None or isinstance(value, str | bool):
            pass  # the common case: JSON takes these as they are
        elif is_relation:
            value = str(getattr(obj, name))
        else:
            value = _plain(value)
        values[name] = value
    return values


@functools.cache
def _audited_fields(model: type[models.Model]) -> list[tuple[str, str, Callable[[str], str] | None, bool]]:
    """(name, attname, mask, is relation) of each audited field; worked out once per model.

    An import snapshots every record it writes, so this is on its hot path.
    """
    masks = getattr(model, "sensitive_fields", {})
    return [(f.name, f.attname, masks.get(f.name), f.is_relation) for f in model._meta.concrete_fields
            if f.editable and not f.primary_key]


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


def record_created_many(*, actor: Any, targets: Sequence[models.Model], data: Sequence[Mapping[str, Any]]) -> None:
    """The `<app>.<model>.created` event of each of many new records of one model, written at once.

    The import path: the same events `record` would write one by one, but on
    PostgreSQL written with COPY without building a model instance per event,
    which was most of an import's time.
    """
    if not targets:
        return
    connection = connections[router.db_for_write(AuditEvent)]
    if connection.vendor != "postgresql":
        record_many(event(actor=actor, action=f"{_label(t)}.created", target=t, changes=diff({}, snapshot(t)),
                          data=d) for t, d in zip(targets, data, strict=True))
        return
    actor_obj = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    head = (timezone.now(), actor_obj.pk if actor_obj else None, str(actor_obj) if actor_obj else "system",
            f"{_label(targets[0])}.created", ContentType.objects.get_for_model(targets[0]).pk)
    rows = (
        (*head, str(t.pk), str(t)[:200], _json(diff({}, snapshot(t))), _json(d))
        for t, d in zip(targets, data, strict=True)
    )
    copy_rows(AuditEvent, ["created_at", "actor_id", "actor_name", "action", "target_type_id", "target_id",
                           "target_repr", "changes", "data"], rows)


def _label(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def _json(value: Mapping[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)


def record(**kwargs: Any) -> AuditEvent:
    ev = event(**kwargs)
    ev.save()
    return ev


def record_many(events: Iterable[AuditEvent]) -> None:
    insert_many(AuditEvent, list(events))


def history_for(obj: models.Model) -> models.QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk)
    ).order_by("-created_at", "-id")
