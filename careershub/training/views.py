"""Careers Leader training pages. Records are reached only through `training.queries`:
another organisation's record is a 404. Careers leaders change their institution's records;
senior leaders read them; hub staff and the national team read the hub view."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from careershub.evaluations.queries import own_institution
from careershub.hubs.queries import hubs_for
from careershub.organisations.decorators import require_roles
from careershub.organisations.models import Role
from careershub.training import services
from careershub.training.forms import TrainingRecordForm
from careershub.training.models import TrainingRecord, TrainingStatus
from careershub.training.queries import (
    editable_records_for,
    hub_training,
    status_of,
    trained_careers_leader_prefill,
    training_records_for,
)

HUB_READERS = (Role.HUB_LEAD, Role.ENTERPRISE_COORDINATOR, Role.NATIONAL_ADMIN, Role.NATIONAL_ANALYST)


@require_roles(Role.CAREERS_LEADER, Role.SENIOR_LEADER)
def training_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    institution = own_institution(membership)
    records = list(training_records_for(membership).order_by("-is_current_leader", "leader_name", "-started_on"))
    return TemplateResponse(
        request,
        "training/list.html",
        {
            "institution": institution,
            "records": records,
            "status": status_of(records),
            "prefill": trained_careers_leader_prefill(institution) if institution else None,
            "can_edit": membership.role == Role.CAREERS_LEADER,
            "page_title": "Careers Leader training",
        },
    )


def _save(request: HttpRequest, form: TrainingRecordForm, training: TrainingRecord | None) -> TrainingRecord | None:
    data = form.cleaned_data
    fields = {
        "leader_name": data["leader_name"],
        "is_current_leader": data["is_current_leader"],
        "course": data["course"],
        "provider": data["provider"],
        "started_on": data["started_on"],
        "completed_on": data["completed_on"],
        "bursary_pence": data["bursary_pence"],
    }
    try:
        if training is None:
            institution = own_institution(request.membership)  # type: ignore[attr-defined]
            assert institution is not None
            return services.training_record_create(institution=institution, actor=request.user, **fields)
        return services.training_record_update(training=training, actor=request.user, **fields)
    except services.TrainingError as error:
        form.add_error(None, str(error))
        return None


@require_roles(Role.CAREERS_LEADER)
def training_add(request: HttpRequest) -> HttpResponse:
    if own_institution(request.membership) is None:  # type: ignore[attr-defined]
        return redirect("training:list")
    form = TrainingRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _save(request, form, None):
        messages.success(request, f"Training for {form.cleaned_data['leader_name']} has been recorded.")
        return redirect("training:list")
    return TemplateResponse(
        request, "training/form.html", {"form": form, "training": None, "page_title": "Record Careers Leader training"}
    )


@require_roles(Role.CAREERS_LEADER)
def training_edit(request: HttpRequest, pk: int) -> HttpResponse:
    training = get_object_or_404(editable_records_for(request.membership), pk=pk)  # type: ignore[attr-defined]
    initial = {name: getattr(training, name) for name in services.EDITABLE_FIELDS}
    form = TrainingRecordForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _save(request, form, training):
        messages.success(request, f"Training for {form.cleaned_data['leader_name']} has been updated.")
        return redirect("training:list")
    return TemplateResponse(
        request, "training/form.html", {"form": form, "training": training, "page_title": "Change training record"}
    )


@require_roles(Role.CAREERS_LEADER)
def training_delete(request: HttpRequest, pk: int) -> HttpResponse:
    training = get_object_or_404(editable_records_for(request.membership), pk=pk)  # type: ignore[attr-defined]
    if request.method == "POST":
        services.training_record_delete(training=training, actor=request.user)
        messages.success(request, f"The training record for {training.leader_name} has been deleted.")
        return redirect("training:list")
    return TemplateResponse(
        request, "training/delete.html", {"training": training, "page_title": "Delete training record"}
    )


@require_roles(*HUB_READERS)
def training_hub(request: HttpRequest, hub_pk: int) -> HttpResponse:
    hub = get_object_or_404(hubs_for(request.membership), pk=hub_pk)  # type: ignore[attr-defined]
    rows = hub_training(hub, datetime.date.today())
    counts = {status: sum(1 for row in rows if row.status == status) for status in TrainingStatus}
    return TemplateResponse(
        request,
        "training/hub.html",
        {
            "hub": hub,
            "rows": rows,
            "counts": counts,
            "statuses": TrainingStatus,
            "page_title": f"Careers Leader training in {hub.name}",
        },
    )
