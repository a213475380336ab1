"""Write audit events. Call `snapshot` before a change and `record` after it."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.db import models

from careershub.audit.models import AuditAction, AuditEvent
from careershub.organisations.models import Organisation


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The instance's concrete field values as JSON-safe data (foreign keys as ids)."""
    values: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        values[field.name] = _plain(getattr(instance, field.attname))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    keys = list(dict.fromkeys([*before, *after]))
    return {key: [before.get(key), after.get(key)] for key in keys if before.get(key) != after.get(key)}


def record(
    *,
    actor: Any,
    organisation: Organisation | None,
    action: AuditAction,
    instance: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    label: str | None = None,
) -> AuditEvent:
    """Record one event. For creates pass `after`; deletes `before`; updates both."""
    if action == AuditAction.CREATE and after is None:
        after = snapshot(instance)
    changes = diff(before or {}, after or {})
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=actor_user,
        actor_label=(str(actor_user) + f" <{actor_user.email}>") if actor_user else "System",
        organisation=organisation,
        action=action,
        object_type=instance._meta.label,
        object_id=str(instance.pk),
        object_label=label or str(instance)[:255],
        changes=changes,
    )
