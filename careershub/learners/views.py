"""Learner pages: the list (with filters and a CSV export) and a learner's page.

Learners are reached only through `learners_for(request.membership)`: the institution's careers
leaders and senior leaders. Everyone else gets 403 for the pages and 404 for a learner. Every view
of a learner page, and every export, is recorded in the audit trail.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from careershub.audit.models import AuditAction
from careershub.audit.services import record as audit_record
from careershub.core.pagination import pagination_params
from careershub.institutions.models import Institution
from careershub.learners import exports, record, services
from careershub.learners.forms import CareersDetailsForm, LearnerFilterForm
from careershub.learners.models import Learner
from careershub.learners.queries import can_manage_learners, filter_learners, learner_institution, learners_for

PAGE_SIZE = 50


def institution_or_403(request: HttpRequest) -> Institution:
    institution = learner_institution(getattr(request, "membership", None))
    if institution is None:
        raise PermissionDenied
    return institution


def _filtered(request: HttpRequest) -> tuple[LearnerFilterForm, object]:
    form = LearnerFilterForm(request.GET or None)
    learners = learners_for(request.membership)  # type: ignore[attr-defined]
    criteria = form.cleaned_data if form.is_valid() else {}
    return form, filter_learners(learners, criteria)


@require_GET
def learner_list(request: HttpRequest) -> HttpResponse:
    institution = institution_or_403(request)
    form, learners = _filtered(request)
    page: Page[Learner] = Paginator(learners, PAGE_SIZE).get_page(request.GET.get("page"))  # type: ignore[arg-type]
    return TemplateResponse(
        request,
        "learners/list.html",
        {
            "institution": institution,
            "form": form,
            "page": page,
            "pagination": pagination_params(request, page),
            "query": request.GET.urlencode(),
            "can_manage": can_manage_learners(request.membership),  # type: ignore[attr-defined]
            "page_title": "Learners",
        },
    )


@require_GET
def learner_export(request: HttpRequest) -> HttpResponse:
    institution = institution_or_403(request)
    _form, learners = _filtered(request)
    rows = [exports.learner_row(learner) for learner in learners]  # type: ignore[attr-defined]
    audit_record(
        actor=request.user,
        organisation=institution.organisation,
        action=AuditAction.VIEW,
        instance=institution,
        after={"exported_learners": len(rows), "filters": request.GET.urlencode()},
        label=f"Learner list export of {institution.name}",
    )
    return exports.csv_response(
        f"learners-{institution.urn}-{timezone.localdate():%Y%m%d}.csv", exports.LEARNER_HEADER, rows
    )


@require_GET
def learner_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The learner careers record as a PDF, for Benchmark 3 and to share with the learner. Audited."""
    learner: Learner = get_object_or_404(learners_for(request.membership).select_related("institution"), pk=pk)  # type: ignore[attr-defined]
    pdf = record.record_pdf(learner)
    audit_record(
        actor=request.user,
        organisation=request.organisation,  # type: ignore[attr-defined]
        action=AuditAction.VIEW,
        instance=learner,
        label=f"Careers record of learner {learner.identifier}",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="careers-record-{learner.identifier}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def learner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    learner: Learner = get_object_or_404(learners_for(request.membership).select_related("institution"), pk=pk)  # type: ignore[attr-defined]
    audit_record(
        actor=request.user,
        organisation=request.organisation,  # type: ignore[attr-defined]
        action=AuditAction.VIEW,
        instance=learner,
        label=f"Learner {learner.identifier}",
    )
    careers = record.record_context(learner, timezone.localdate())
    return TemplateResponse(
        request,
        "learners/detail.html",
        {
            "learner": learner,
            "age": learner.age_on(timezone.localdate()),
            # Activities and meetings (from careershub.activities), newest first, and the coverage rules.
            "activities": list(reversed(careers["activities"])),
            "meetings": list(reversed(careers["meetings"])),
            "statuses": careers["statuses"],
            "school_year_end": careers["school_year_end"],
            "can_manage": can_manage_learners(request.membership),  # type: ignore[attr-defined]
            "page_title": learner.display_name,
        },
    )


@require_http_methods(["GET", "POST"])
def learner_careers_details(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a learner's intended destination and whether they are considering higher education."""
    learner: Learner = get_object_or_404(learners_for(request.membership).select_related("institution"), pk=pk)  # type: ignore[attr-defined]
    if not can_manage_learners(request.membership):  # type: ignore[attr-defined]
        raise PermissionDenied
    initial = {
        "intended_destination": learner.intended_destination,
        "considering_higher_education": learner.considering_higher_education,
        "version": learner.careers_details_version,
    }
    form = CareersDetailsForm(request.POST or None, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        conflict = services.learner_update_careers_details(
            learner=learner,
            actor=request.user,
            intended_destination=form.cleaned_data["intended_destination"],
            considering_higher_education=form.cleaned_data["considering_higher_education"],
            expected_version=form.cleaned_data["version"],
        )
        if conflict is None:
            messages.success(request, "Careers details saved.")
            return redirect("learners:detail", pk=learner.pk)
        # Keep what the user typed; move the version on so that saving again keeps theirs.
        data = request.POST.copy()
        data["version"] = str(conflict.version)
        form = CareersDetailsForm(data)
        form.is_valid()
    return TemplateResponse(
        request,
        "learners/careers_details.html",
        {"learner": learner, "form": form, "conflict": conflict, "page_title": "Change careers details"},
    )
