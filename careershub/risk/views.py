"""Risk of NEET pages: the risk list, a learner's flags and interventions, the risk-factor import
(careers leaders; senior leaders read), and the indicator's configuration with its evaluation
(hub leads and participation officers). Learner pages are reached only through `risk.queries`:
another institution's learner is a 404; every view of a learner's risk page is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from careershub.audit.models import AuditAction
from careershub.audit.services import record as audit_record
from careershub.core.pagination import pagination_params
from careershub.institutions.models import Institution
from careershub.learners import mis
from careershub.learners.models import Learner
from careershub.learners.queries import learners_for
from careershub.organisations.decorators import require_roles
from careershub.organisations.models import Role
from careershub.risk import factors_file, queries, scoring, services
from careershub.risk.forms import ConfigurationForm, InterventionForm, RiskListForm, UploadForm
from careershub.risk.models import FACTOR_REASONS, Intervention, RiskImportStatus

PAGE_SIZE = 50
SHOWN_ERRORS = 200


def _institution(request: HttpRequest) -> Institution:
    institution = queries.risk_institution(request.membership)  # type: ignore[attr-defined]
    if institution is None:
        raise PermissionDenied
    return institution


def _common(request: HttpRequest) -> dict[str, Any]:
    return {"can_manage": queries.can_manage_risk(request.membership)}  # type: ignore[attr-defined]


@require_GET
@require_roles(Role.CAREERS_LEADER, Role.SENIOR_LEADER)
def risk_list(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    all_rules = queries.rules()
    applied = queries.applied_configuration(institution, all_rules)
    form = RiskListForm(request.GET or None)
    criteria = form.cleaned_data if form.is_valid() else {}
    every = queries.risk_rows(request.membership, all_rules, applied.scheme)  # type: ignore[attr-defined]
    audit_record(
        actor=request.user,
        organisation=institution.organisation,
        action=AuditAction.VIEW,
        instance=institution,
        after={"learners": len(every), "filters": request.GET.urlencode()},
        label=f"Risk of NEET list of {institution.name}",
    )
    rows = queries.filter_rows(every, rag=criteria.get("rag") or "", order=criteria.get("order") or "score")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "risk/list.html",
        {
            **_common(request),
            "institution": institution,
            "applied": applied,
            "form": form,
            "page": page,
            "pagination": pagination_params(request, page),
            "counts": queries.rag_counts(every),
            "rag_labels": scoring.RAG_LABELS,
            "page_title": "Risk of NEET",
        },
    )


@require_GET
@require_roles(Role.CAREERS_LEADER, Role.SENIOR_LEADER)
def learner_risk(request: HttpRequest, pk: int) -> HttpResponse:
    institution = _institution(request)
    learner: Learner = get_object_or_404(
        learners_for(request.membership).select_related("institution", "risk_factors"),  # type: ignore[attr-defined]
        pk=pk,
    )
    all_rules = queries.rules()
    applied = queries.applied_configuration(institution, all_rules)
    row = queries.assess(learner, all_rules, applied.scheme)
    interventions = list(
        queries.interventions_for(request.membership).filter(learner=learner).select_related("indicator")  # type: ignore[attr-defined]
    )
    audit_record(
        actor=request.user,
        organisation=request.organisation,  # type: ignore[attr-defined]
        action=AuditAction.VIEW,
        instance=learner,
        label=f"Risk of NEET of learner {learner.identifier}",
    )
    by_flag = {
        flag.code: [i for i in interventions if i.indicator and i.indicator.code == flag.code] for flag in row.flags
    }
    return TemplateResponse(
        request,
        "risk/learner.html",
        {
            **_common(request),
            "learner": learner,
            "row": row,
            "applied": applied,
            "in_scope": learner.year_group in queries.SCORED_YEARS and learner.left_on is None,
            "interventions": interventions,
            "by_flag": by_flag,
            "outcome": queries.outcome_of(learner),
            "rag_labels": scoring.RAG_LABELS,
            "page_title": f"Risk of NEET: {learner.display_name}",
        },
    )


def _intervention_fields(form: InterventionForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {name: data[name] for name in services.INTERVENTION_FIELDS}


@require_http_methods(["GET", "POST"])
@require_roles(Role.CAREERS_LEADER)
def intervention_add(request: HttpRequest, pk: int) -> HttpResponse:
    _institution(request)
    learner: Learner = get_object_or_404(
        learners_for(request.membership).select_related("institution"),  # type: ignore[attr-defined]
        pk=pk,
    )
    indicator_options = queries.indicator_queryset()
    initial = {}
    code = request.GET.get("indicator", "")
    chosen = next((i for i in indicator_options if i.code == code), None)
    if chosen is not None:
        initial["indicator"] = chosen.pk
    form = InterventionForm(request.POST or None, indicators=indicator_options, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.intervention_create(learner=learner, actor=request.user, **_intervention_fields(form))
        except services.RiskError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"The intervention for {learner.display_name} has been recorded.")
            return redirect("risk:learner", pk=learner.pk)
    return TemplateResponse(
        request,
        "risk/intervention_form.html",
        {"form": form, "learner": learner, "intervention": None, "page_title": "Record an intervention"},
    )


@require_http_methods(["GET", "POST"])
@require_roles(Role.CAREERS_LEADER)
def intervention_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _institution(request)
    intervention: Intervention = get_object_or_404(
        queries.interventions_for(request.membership).select_related("learner__institution"),  # type: ignore[attr-defined]
        pk=pk,
    )
    initial = {name: getattr(intervention, name) for name in services.INTERVENTION_FIELDS}
    initial["version"] = intervention.version
    form = InterventionForm(request.POST or None, indicators=queries.indicator_queryset(), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.intervention_update(
                intervention=intervention,
                expected_version=int(form.cleaned_data.get("version") or 0),
                actor=request.user,
                **_intervention_fields(form),
            )
        except services.RiskError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "The intervention has been updated.")
            return redirect("risk:learner", pk=intervention.learner_id)
    return TemplateResponse(
        request,
        "risk/intervention_form.html",
        {
            "form": form,
            "learner": intervention.learner,
            "intervention": intervention,
            "page_title": "Update the intervention",
        },
    )


# Risk-factor import -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_roles(Role.CAREERS_LEADER, Role.SENIOR_LEADER)
def import_start(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    can_manage = queries.can_manage_risk(request.membership)  # type: ignore[attr-defined]
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            risk_import = services.import_upload(
                institution=institution,
                actor=request.user,
                data=form.file_bytes,
                filename=form.cleaned_data["file"].name,
            )
        except mis.MisFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("risk:import-detail", pk=risk_import.pk)
    kept = services.kept_fields(institution)
    return TemplateResponse(
        request,
        "risk/import_start.html",
        {
            "form": form,
            "can_manage": can_manage,
            "institution": institution,
            "imports": queries.risk_imports_for(request.membership).select_related("created_by")[:20],  # type: ignore[attr-defined]
            "factors": [
                (factors_file.FIELD_LABELS[name], reason, name in kept) for name, reason in FACTOR_REASONS.items()
            ],
            "page_title": "Import risk factors",
        },
    )


@require_GET
@require_roles(Role.CAREERS_LEADER, Role.SENIOR_LEADER)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _institution(request)
    risk_import = get_object_or_404(queries.risk_imports_for(request.membership), pk=pk)  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        "risk/import_detail.html",
        {
            **_common(request),
            "risk_import": risk_import,
            "errors": risk_import.errors[:SHOWN_ERRORS],
            "field_labels": factors_file.FIELD_LABELS,
            "ready": risk_import.status == RiskImportStatus.READY,
            "page_title": f"Import of {risk_import.original_name}",
        },
    )


@require_POST
@require_roles(Role.CAREERS_LEADER)
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    _institution(request)
    risk_import = get_object_or_404(queries.risk_imports_for(request.membership), pk=pk)  # type: ignore[attr-defined]
    try:
        services.import_confirm(risk_import=risk_import, actor=request.user)
    except services.RiskError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The risk factors were imported.")
    return redirect("risk:import-detail", pk=pk)


@require_POST
@require_roles(Role.CAREERS_LEADER)
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    _institution(request)
    risk_import = get_object_or_404(queries.risk_imports_for(request.membership), pk=pk)  # type: ignore[attr-defined]
    try:
        services.import_cancel(risk_import=risk_import)
    except services.RiskError as exc:
        messages.error(request, str(exc))
        return redirect("risk:import-detail", pk=pk)
    messages.success(request, f"The import of {risk_import.original_name} was cancelled. Nothing was changed.")
    return redirect("risk:import")


# Configuration --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_roles(Role.HUB_LEAD, Role.PARTICIPATION_OFFICER)
def configuration(request: HttpRequest) -> HttpResponse:
    organisation = queries.configurable_organisation(request.membership)  # type: ignore[attr-defined]
    if organisation is None:
        raise PermissionDenied
    indicators = queries.indicators()
    all_rules = [i.as_rule() for i in indicators]
    current = queries.configuration_of(organisation)
    scheme = queries.scheme_of(current, organisation.name, all_rules)
    initial: dict[str, Any] = {"amber": scheme.amber, "red": scheme.red, "version": current.version if current else 0}
    for indicator in indicators:
        initial[f"on_{indicator.code}"] = indicator.code in scheme.weights
        initial[f"weight_{indicator.code}"] = scheme.weights.get(indicator.code, indicator.default_weight)
    form = ConfigurationForm(request.POST or None, indicators=indicators, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_configuration(
                organisation=organisation,
                weights=form.weights(),
                amber=form.cleaned_data["amber"],
                red=form.cleaned_data["red"],
                expected_version=form.cleaned_data["version"],
                actor=request.user,
            )
        except services.RiskError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "The risk of NEET indicator has been saved.")
            return redirect("risk:configuration")
    return TemplateResponse(
        request,
        "risk/configuration.html",
        {
            "organisation": organisation,
            "configuration": current,
            "form": form,
            "evaluation": queries.evaluation_for(organisation, all_rules, scheme),
            "names": {i.code: i.name for i in indicators},
            "institutions": queries.governed_institutions(organisation).count(),
            "page_title": "Risk of NEET indicator",
        },
    )
