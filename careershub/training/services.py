"""Writes on Careers Leader training records. Each is atomic and audited against the
institution's organisation."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from careershub.audit.models import AuditAction
from careershub.audit.services import record, snapshot
from careershub.institutions.models import Institution
from careershub.training.models import TrainingRecord

EDITABLE_FIELDS = [
    "leader_name",
    "is_current_leader",
    "course",
    "provider",
    "started_on",
    "completed_on",
    "bursary_pence",
]


class TrainingError(ValueError):
    """A training record that cannot be saved, with a message for the user."""


def _check(*, started_on: datetime.date, completed_on: datetime.date | None, bursary_pence: int) -> None:
    if completed_on is not None and completed_on < started_on:
        raise TrainingError("The completion date must be on or after the start date.")
    if bursary_pence < 0:
        raise TrainingError("The bursary must not be negative.")


@transaction.atomic
def training_record_create(
    *,
    institution: Institution,
    leader_name: str,
    course: str,
    provider: str,
    started_on: datetime.date,
    completed_on: datetime.date | None = None,
    bursary_pence: int = 0,
    is_current_leader: bool = True,
    actor: Any = None,
) -> TrainingRecord:
    _check(started_on=started_on, completed_on=completed_on, bursary_pence=bursary_pence)
    training = TrainingRecord.objects.create(
        institution=institution,
        leader_name=leader_name.strip(),
        course=course.strip(),
        provider=provider.strip(),
        started_on=started_on,
        completed_on=completed_on,
        bursary_pence=bursary_pence,
        is_current_leader=is_current_leader,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record(
        actor=actor,
        organisation=institution.organisation,
        action=AuditAction.CREATE,
        instance=training,
        after=snapshot(training, ["institution", *EDITABLE_FIELDS]),
    )
    return training


@transaction.atomic
def training_record_update(*, training: TrainingRecord, actor: Any = None, **changes: Any) -> TrainingRecord:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Cannot change {', '.join(sorted(unknown))}")
    locked = TrainingRecord.objects.select_for_update(of=("self",)).select_related("institution").get(pk=training.pk)
    before = snapshot(locked, EDITABLE_FIELDS)
    for name, value in changes.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    _check(started_on=locked.started_on, completed_on=locked.completed_on, bursary_pence=locked.bursary_pence)
    locked.save()
    record(
        actor=actor,
        organisation=locked.institution.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, EDITABLE_FIELDS),
    )
    return locked


@transaction.atomic
def training_record_delete(*, training: TrainingRecord, actor: Any = None) -> None:
    before = snapshot(training, ["institution", *EDITABLE_FIELDS])
    organisation = training.institution.organisation
    label = str(training)
    pk = training.pk
    training.delete()
    training.pk = pk
    record(
        actor=actor, organisation=organisation, action=AuditAction.DELETE, instance=training, before=before, label=label
    )
