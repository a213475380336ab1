"""Destination pages: the leavers list and a learner's destinations (institution), the summary
(institution, local authority, hub, national), imports of LA destination lists, and the export
for the LA.

Records are reached only through `destinations.queries`: another institution's or another
area's learner is a 404; a role with no part in a page is a 403. Every view of a learner's
destinations and every export is recorded in the audit trail.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from careershub.audit.models import AuditAction
from careershub.audit.services import record as audit_record
from careershub.core.pagination import pagination_params
from careershub.destinations import exports, lafile, queries, rollups, services
from careershub.destinations.forms import (
    MAX_MB,
    ActivityForm,
    AddLeaversForm,
    LeaverFilterForm,
    LeaverForm,
    SummaryFilterForm,
    UploadForm,
)
from careershub.destinations.models import (
    ActivityCode,
    DestinationImport,
    SeptemberGuarantee,
    Stage,
    TrackingConsent,
)
from careershub.institutions.models import Institution
from careershub.learners.exports import csv_response
from careershub.learners.models import Learner
from careershub.organisations.decorators import require_roles
from careershub.organisations.models import Role

PAGE_SIZE = 50
SHOWN_ERRORS = 200
INSTITUTION_ROLES = (Role.CAREERS_LEADER, Role.SENIOR_LEADER)
LEARNER_ROLES = (Role.CAREERS_LEADER, Role.SENIOR_LEADER, Role.PARTICIPATION_OFFICER)
SUMMARY_ROLES = (*LEARNER_ROLES, Role.HUB_LEAD, Role.ENTERPRISE_COORDINATOR, Role.NATIONAL_ADMIN, Role.NATIONAL_ANALYST)


def _institution_or_403(request: HttpRequest) -> Institution:
    institution = queries.own_institution(request.membership)  # type: ignore[attr-defined]
    if institution is None:
        raise PermissionDenied
    return institution


def _require_recorder(request: HttpRequest) -> Institution:
    if not queries.can_record(request.membership):  # type: ignore[attr-defined]
        raise PermissionDenied
    return _institution_or_403(request)


# Leavers list -------------------------------------------------------------------------------------


@require_GET
@require_roles(*INSTITUTION_ROLES)
def leaver_list(request: HttpRequest) -> HttpResponse:
    institution = _institution_or_403(request)
    leavers = queries.leavers_for(request.membership)  # type: ignore[attr-defined]
    years = queries.leaving_years(leavers)
    form = LeaverFilterForm(request.GET or None, years=years)
    criteria: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    chosen = queries.filter_leavers(
        leavers, leaving_year=criteria.get("leaving_year"), stage=criteria.get("stage"), q=criteria.get("q") or ""
    ).select_related("learner", "intended_code")
    chosen = chosen.prefetch_related(queries.activities_prefetch()).order_by(
        "-leaving_year", "learner__legal_last_name", "learner__legal_first_name", "id"
    )
    page = Paginator(chosen, PAGE_SIZE).get_page(request.GET.get("page"))
    for leaver in page:
        leaver.latest = next(iter(leaver.activities.all()), None)  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        "destinations/leavers.html",
        {
            "institution": institution,
            "form": form,
            "page": page,
            "pagination": pagination_params(request, page),
            "query": request.GET.urlencode(),
            "can_record": queries.can_record(request.membership),  # type: ignore[attr-defined]
            "add_form": AddLeaversForm(prefix="add", initial={"leaving_year": services.default_leaving_year_today()}),
            "page_title": "Leavers and destinations",
        },
    )


@require_POST
@require_roles(Role.CAREERS_LEADER)
def add_leavers(request: HttpRequest) -> HttpResponse:
    institution = _require_recorder(request)
    form = AddLeaversForm(request.POST, prefix="add")
    if form.is_valid():
        year = form.cleaned_data["leaving_year"]
        added = services.add_year_leavers(institution=institution, leaving_year=year, actor=request.user)
        messages.success(request, f"{added} Year 11 and Year 13 leavers of summer {year} added.")
    else:
        messages.error(request, "Select a year of leaving.")
    return redirect("destinations:leavers")


@require_GET
@require_roles(*INSTITUTION_ROLES)
def leaver_export(request: HttpRequest) -> HttpResponse:
    institution = _institution_or_403(request)
    leavers = (
        queries.leavers_for(request.membership)  # type: ignore[attr-defined]
        .select_related("learner__institution")
        .prefetch_related(queries.activities_prefetch())
        .order_by("-leaving_year", "stage", "learner__legal_last_name", "learner__legal_first_name", "id")
    )
    year = request.GET.get("leaving_year", "")
    if year.isdigit():
        leavers = leavers.filter(leaving_year=int(year))
    rows = list(exports.leaver_rows(leavers))
    audit_record(
        actor=request.user,
        organisation=institution.organisation,
        action=AuditAction.VIEW,
        instance=institution,
        after={"exported_leavers": len(rows), "leaving_year": year},
        label=f"Leaver destinations export of {institution.name}",
    )
    return csv_response(f"leavers-nccis-{institution.urn}-{timezone.localdate():%Y%m%d}.csv", exports.HEADER, rows)


# A learner's destinations ---------------------------------------------------------------------------


def _learner_or_404(request: HttpRequest, pk: int) -> Learner:
    learners = queries.destination_learners_for(request.membership)  # type: ignore[attr-defined]
    return get_object_or_404(learners.select_related("institution__organisation"), pk=pk)


@require_GET
@require_roles(*LEARNER_ROLES)
def learner_destinations(request: HttpRequest, pk: int) -> HttpResponse:
    learner = _learner_or_404(request, pk)
    leavers = list(queries.leaver_records(learner))
    audit_record(
        actor=request.user,
        organisation=learner.institution.organisation,
        action=AuditAction.VIEW,
        instance=learner,
        label=f"Destinations of learner {learner.identifier}",
    )
    missing = [stage for stage in Stage if stage not in {leaver.stage for leaver in leavers}]
    return TemplateResponse(
        request,
        "destinations/learner.html",
        {
            "learner": learner,
            "leavers": leavers,
            "missing_stages": missing,
            "is_institution": request.membership.role in INSTITUTION_ROLES,  # type: ignore[attr-defined]
            "can_record": queries.can_record(request.membership)  # type: ignore[attr-defined]
            and learner.institution.organisation_id == request.membership.organisation_id,  # type: ignore[attr-defined]
            "page_title": f"Destinations of {learner.display_name}",
        },
    )


@require_http_methods(["GET", "POST"])
@require_roles(Role.CAREERS_LEADER)
def leaver_edit(request: HttpRequest, pk: int, stage: str) -> HttpResponse:
    _require_recorder(request)
    learner = get_object_or_404(queries.learners_for_recording(request.membership), pk=pk)  # type: ignore[attr-defined]
    if stage not in Stage.values:
        raise PermissionDenied
    leaver = queries.leaver_records(learner).filter(stage=stage).first()
    initial: dict[str, Any]
    if leaver:
        initial = {
            "stage": leaver.stage,
            "leaving_year": leaver.leaving_year,
            "intended_code": leaver.intended_code_id or "",
            "september_guarantee": leaver.september_guarantee,
            "tracking_consent": leaver.tracking_consent,
            "version": leaver.version,
        }
    else:
        initial = {
            "stage": stage,
            "leaving_year": services.default_leaving_year(learner),
            "september_guarantee": SeptemberGuarantee.NOT_RECORDED,
            "tracking_consent": TrackingConsent.NOT_ASKED,
            "version": 0,
        }
    form = LeaverForm(request.POST or None, initial=initial)
    form.fields["stage"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        code = data["intended_code"]
        try:
            services.leaver_save(
                learner=learner,
                stage=stage,
                leaving_year=data["leaving_year"],
                intended_code=ActivityCode.objects.get(code=code) if code else None,  # public-reference-data
                september_guarantee=data["september_guarantee"],
                tracking_consent=data["tracking_consent"],
                expected_version=data["version"],
                actor=request.user,
            )
        except services.DestinationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"The leaver record of {learner.display_name} has been saved.")
            return redirect("destinations:learner", pk=learner.pk)
    return TemplateResponse(
        request,
        "destinations/leaver_form.html",
        {
            "form": form,
            "learner": learner,
            "leaver": leaver,
            "page_title": f"{Stage(stage).label}: {learner.display_name}",
        },
    )


@require_http_methods(["GET", "POST"])
@require_roles(Role.CAREERS_LEADER)
def activity_add(request: HttpRequest, leaver_pk: int) -> HttpResponse:
    _require_recorder(request)
    leaver = get_object_or_404(
        queries.recordable_leavers(request.membership).select_related("learner__institution__organisation"),  # type: ignore[attr-defined]
        pk=leaver_pk,
    )
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_record(
                leaver=leaver,
                recorded_on=form.cleaned_data["recorded_on"],
                code=ActivityCode.objects.get(code=form.cleaned_data["code"]),  # public-reference-data
                actor=request.user,
            )
        except services.DestinationError as exc:
            form.add_error("recorded_on" if "date" in str(exc).lower() else None, str(exc))
        else:
            messages.success(request, f"The activity of {leaver.learner.display_name} has been recorded.")
            return redirect("destinations:learner", pk=leaver.learner_id)
    return TemplateResponse(
        request,
        "destinations/activity_form.html",
        {"form": form, "leaver": leaver, "learner": leaver.learner, "page_title": "Record an activity"},
    )


@require_POST
@require_roles(Role.CAREERS_LEADER)
def activity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_recorder(request)
    activity = get_object_or_404(
        queries.recordable_activities(request.membership).select_related(  # type: ignore[attr-defined]
            "leaver__learner__institution__organisation"
        ),
        pk=pk,
    )
    learner_pk = activity.leaver.learner_id
    services.activity_delete(activity=activity, actor=request.user)
    messages.success(request, "The activity record has been deleted.")
    return redirect("destinations:learner", pk=learner_pk)


# Summary ---------------------------------------------------------------------------------------------


def summary_rows(
    institutions: QuerySet[Institution], *, leaving_year: int | None, stage: str | None, suppress: bool
) -> dict[str, Any]:
    facts = queries.leaver_facts(institutions, leaving_year=leaving_year, stage=stage)
    names = dict(institutions.filter(pk__in={f.institution_id for f in facts}).values_list("pk", "name"))
    by_institution = rollups.roll_up(facts, by=lambda f: f.institution_id)
    by_group = rollups.roll_up_groups(facts, by=lambda f: "all")
    total = rollups.totals(by_institution)
    institution_rows = sorted(
        (
            (names.get(int(str(key)), ""), rollups.shown(figures, suppress=suppress))
            for key, figures in by_institution.items()
        ),
        key=lambda row: row[0],
    )
    group_rows = [
        (label, rollups.shown(by_group.get(("all", group), rollups.Figures()), suppress=suppress))
        for group, label in rollups.GROUPS.items()
    ]
    return {
        "total": rollups.shown(total, suppress=suppress),
        "institution_rows": institution_rows,
        "group_rows": group_rows,
        "categories": rollups.CATEGORIES,
    }


@require_GET
@require_roles(*SUMMARY_ROLES)
def summary(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    institutions = queries.summary_institutions(membership)
    if institutions is None:
        raise PermissionDenied
    years = queries.summary_leaving_years(institutions)
    form = SummaryFilterForm(request.GET or None, years=years)
    criteria: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    leaving_year = criteria.get("leaving_year") or (years[0] if years else None)
    stage = criteria.get("stage") or None
    suppress = queries.suppress_for(membership)
    area = membership.organisation.local_authority if queries.officer_area_id(membership) else None
    context = summary_rows(institutions, leaving_year=leaving_year, stage=stage, suppress=suppress)
    return TemplateResponse(
        request,
        "destinations/summary.html",
        {
            **context,
            "form": form,
            "leaving_year": leaving_year,
            "stage_label": Stage(stage).label if stage else "After Year 11 and Year 13",
            "year_open": leaving_year is not None and timezone.localdate() <= datetime.date(leaving_year + 1, 7, 31),
            "suppress": suppress,
            "area": area,
            "is_institution": membership.role in INSTITUTION_ROLES,
            "can_import": membership.role in queries.IMPORT_ROLES,
            "page_title": f"Destinations in {area.name}" if area else "Destinations summary",
        },
    )


# Imports ---------------------------------------------------------------------------------------------


def _import_or_404(request: HttpRequest, pk: int) -> DestinationImport:
    return get_object_or_404(queries.imports_for(request.membership).select_related("created_by"), pk=pk)  # type: ignore[attr-defined]


@require_http_methods(["GET", "POST"])
@require_roles(Role.CAREERS_LEADER, Role.PARTICIPATION_OFFICER)
def import_start(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            destination_import = services.import_upload(
                organisation=membership.organisation,
                learners=queries.import_learners_for(membership),
                data=form.file_bytes,
                filename=form.cleaned_data["file"].name,
                actor=request.user,
            )
        except lafile.DestinationFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("destinations:import-detail", pk=destination_import.pk)
    return TemplateResponse(
        request,
        "destinations/import_start.html",
        {
            "form": form,
            "imports": queries.imports_for(membership).select_related("created_by")[:20],
            "max_mb": MAX_MB,
            "area": membership.organisation.local_authority if queries.officer_area_id(membership) else None,
            "page_title": "Import destinations",
        },
    )


@require_GET
@require_roles(Role.CAREERS_LEADER, Role.PARTICIPATION_OFFICER)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    destination_import = _import_or_404(request, pk)
    return TemplateResponse(
        request,
        "destinations/import_detail.html",
        {
            "destination_import": destination_import,
            "errors": destination_import.errors[:SHOWN_ERRORS],
            "page_title": f"Import of {destination_import.original_name}",
        },
    )


@require_POST
@require_roles(Role.CAREERS_LEADER, Role.PARTICIPATION_OFFICER)
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    destination_import = _import_or_404(request, pk)
    try:
        services.import_confirm(
            destination_import=destination_import,
            learners=queries.import_learners_for(request.membership),  # type: ignore[attr-defined]
            actor=request.user,
        )
    except services.DestinationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The destinations were imported.")
    return redirect("destinations:import-detail", pk=pk)


@require_POST
@require_roles(Role.CAREERS_LEADER, Role.PARTICIPATION_OFFICER)
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    destination_import = _import_or_404(request, pk)
    try:
        services.import_cancel(destination_import=destination_import)
    except services.DestinationError as exc:
        messages.error(request, str(exc))
        return redirect("destinations:import-detail", pk=pk)
    messages.success(request, f"The import of {destination_import.original_name} was cancelled. Nothing was changed.")
    return redirect("destinations:import")
