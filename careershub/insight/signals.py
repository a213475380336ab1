"""Queue a refresh of the insight facts when what they are made of changes.

The facts are derived data (see `models.py`), so keeping them in step is a side effect of
changes made elsewhere, not part of those apps' rules: a submission (which rebuilds the
institution's measurement results in the same transaction), a hub membership joining or
leaving, a hub's wave changing. The refresh is queued after the transaction commits and runs
in the background worker. Bulk loads (the national generator, the demo) refresh directly.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from careershub.evaluations.models import Evaluation, EvaluationStatus
from careershub.hubs.models import Hub, HubMembership
from careershub.insight.services import refresh_later


def evaluation_saved(sender: Any, instance: Evaluation, **kwargs: Any) -> None:
    if instance.status == EvaluationStatus.SUBMITTED:
        refresh_later(institution_ids=[instance.institution_id])


def membership_changed(sender: Any, instance: HubMembership, **kwargs: Any) -> None:
    refresh_later(institution_ids=[instance.institution_id])


def hub_saved(sender: Any, instance: Hub, created: bool = False, **kwargs: Any) -> None:
    if not created:
        refresh_later(institution_ids=list(instance.memberships.values_list("institution_id", flat=True)))


def connect() -> None:
    post_save.connect(evaluation_saved, sender=Evaluation, dispatch_uid="insight-evaluation-saved")
    post_save.connect(membership_changed, sender=HubMembership, dispatch_uid="insight-membership-saved")
    post_delete.connect(membership_changed, sender=HubMembership, dispatch_uid="insight-membership-deleted")
    post_save.connect(hub_saved, sender=Hub, dispatch_uid="insight-hub-saved")
