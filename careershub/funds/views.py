"""Hub funds pages. Funds, allocations and claims are reached only through `funds.queries`:
another organisation's record is a 404. Hub leads (and national admins) manage funds and
decide claims; enterprise coordinators and national analysts read; a member institution's
careers leader claims against its allocations and its senior leaders read them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from careershub.audit.models import AuditAction
from careershub.audit.services import record
from careershub.funds import exports, services
from careershub.funds.forms import AllocationForm, BudgetForm, ClaimForm, DecisionForm, FundForm
from careershub.funds.models import ClaimStatus, Fund
from careershub.funds.money import format_pence
from careershub.funds.queries import (
    allocations_for,
    can_claim,
    can_manage_fund,
    claims_for,
    funds_for,
    with_claim_totals,
    with_fund_totals,
)
from careershub.hubs.models import Hub
from careershub.hubs.queries import can_manage_hub, hubs_for
from careershub.organisations.decorators import require_roles
from careershub.organisations.models import Role

HUB_READERS = (Role.HUB_LEAD, Role.ENTERPRISE_COORDINATOR, Role.NATIONAL_ADMIN, Role.NATIONAL_ANALYST)


def _hub_or_404(request: HttpRequest, pk: int) -> Hub:
    return get_object_or_404(hubs_for(request.membership).select_related("organisation"), pk=pk)  # type: ignore[attr-defined]


def _fund_or_404(request: HttpRequest, pk: int) -> Fund:
    return get_object_or_404(funds_for(request.membership), pk=pk)  # type: ignore[attr-defined]


@require_roles(*HUB_READERS)
def hub_funds(request: HttpRequest, hub_pk: int) -> HttpResponse:
    hub = _hub_or_404(request, hub_pk)
    funds = with_fund_totals(funds_for(request.membership).filter(hub=hub))  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        "funds/hub.html",
        {
            "hub": hub,
            "funds": funds,
            "format_pence": format_pence,
            "can_manage": can_manage_hub(request.membership, hub),  # type: ignore[attr-defined]
            "page_title": f"Funds of {hub.name}",
        },
    )


@require_roles(Role.HUB_LEAD, Role.NATIONAL_ADMIN)
def fund_create(request: HttpRequest, hub_pk: int) -> HttpResponse:
    hub = _hub_or_404(request, hub_pk)
    if not can_manage_hub(request.membership, hub):  # type: ignore[attr-defined]
        raise PermissionDenied
    form = FundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            fund = services.fund_create(hub=hub, actor=request.user, **form.cleaned_data)
        except services.FundError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"{fund.name} {fund.financial_year_label} has been added.")
            return redirect("funds:detail", pk=fund.pk)
    return TemplateResponse(request, "funds/fund_form.html", {"hub": hub, "form": form, "page_title": "Add a fund"})


@require_roles(*HUB_READERS)
def fund_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _fund_or_404(request, pk)
    allocations = list(with_claim_totals(allocations_for(request.membership).filter(fund=fund)))  # type: ignore[attr-defined]
    allocated = sum(a.amount_pence for a in allocations)
    approved = sum(a.approved_pence for a in allocations)  # type: ignore[attr-defined]
    pending = sum(a.pending_pence for a in allocations)  # type: ignore[attr-defined]
    awaiting = claims_for(request.membership).filter(  # type: ignore[attr-defined]
        allocation__fund=fund, status=ClaimStatus.SUBMITTED
    )
    return TemplateResponse(
        request,
        "funds/detail.html",
        {
            "fund": fund,
            "allocations": allocations,
            "awaiting": awaiting,
            "totals": {
                "allocated": allocated,
                "unallocated": fund.budget_pence - allocated,
                "approved": approved,
                "pending": pending,
            },
            "format_pence": format_pence,
            "can_manage": can_manage_fund(request.membership, fund),  # type: ignore[attr-defined]
            "page_title": f"{fund.name} {fund.financial_year_label}",
        },
    )


@require_roles(Role.HUB_LEAD, Role.NATIONAL_ADMIN)
def fund_budget(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _fund_or_404(request, pk)
    if not can_manage_fund(request.membership, fund):  # type: ignore[attr-defined]
        raise PermissionDenied
    form = BudgetForm(request.POST or None, initial={"budget_pence": fund.budget_pence})
    if request.method == "POST" and form.is_valid():
        try:
            fund = services.fund_set_budget(
                fund=fund, budget_pence=form.cleaned_data["budget_pence"], actor=request.user
            )
        except services.FundError as error:
            form.add_error("budget_pence", str(error))
        else:
            messages.success(
                request, f"The budget of {fund.name} {fund.financial_year_label} is now {fund.budget_display}."
            )
            return redirect("funds:detail", pk=fund.pk)
    return TemplateResponse(
        request, "funds/budget_form.html", {"fund": fund, "form": form, "page_title": "Change the budget"}
    )


@require_roles(Role.HUB_LEAD, Role.NATIONAL_ADMIN)
def allocation_create(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _fund_or_404(request, pk)
    if not can_manage_fund(request.membership, fund):  # type: ignore[attr-defined]
        raise PermissionDenied
    form = AllocationForm(request.POST or None, hub=fund.hub)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            allocation = services.allocation_create(
                fund=fund,
                institution=data["institution"],
                activity=data["activity"] if data["institution"] is None else "",
                amount_pence=data["amount_pence"],
                note=data["note"],
                actor=request.user,
            )
        except services.FundError as error:
            form.add_error("amount_pence", str(error))
        else:
            messages.success(request, f"{allocation.amount_display} has been allocated to {allocation.recipient}.")
            return redirect("funds:detail", pk=fund.pk)
    return TemplateResponse(
        request, "funds/allocation_form.html", {"fund": fund, "form": form, "page_title": "Allocate funding"}
    )


@require_roles(*HUB_READERS)
def fund_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    fund = _fund_or_404(request, pk)
    name = f"{fund.name}-{fund.financial_year_label}".lower().replace(" ", "-")
    name = "".join(ch for ch in name if ch.isalnum() or ch == "-") or "fund"
    if fmt == "csv":
        response = HttpResponse(exports.to_csv(fund), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            exports.to_xlsx(fund), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    record(
        actor=request.user,
        organisation=request.membership.organisation,  # type: ignore[attr-defined]
        action=AuditAction.VIEW,
        instance=fund,
        label=f"Exported {fund} as {fmt.upper()}",
    )
    return response


@require_roles(Role.CAREERS_LEADER, Role.SENIOR_LEADER)
def institution_funding(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    allocations = with_claim_totals(allocations_for(membership)).order_by("-fund__financial_year", "fund__name")
    claims = claims_for(membership)
    return TemplateResponse(
        request,
        "funds/institution.html",
        {
            "allocations": allocations,
            "claims": claims,
            "format_pence": format_pence,
            "can_claim": membership.role == Role.CAREERS_LEADER,
            "page_title": "Hub funding",
        },
    )


def claim_create(request: HttpRequest, allocation_pk: int) -> HttpResponse:
    allocation = get_object_or_404(allocations_for(request.membership), pk=allocation_pk)  # type: ignore[attr-defined]
    if not can_claim(request.membership, allocation):  # type: ignore[attr-defined]
        raise PermissionDenied
    form = ClaimForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            claim = services.claim_submit(
                allocation=allocation,
                amount_pence=data["amount_pence"],
                description=data["description"],
                spent_on=data["spent_on"],
                receipt=data["receipt"],
                receipt_content_type=data["receipt"].content_type,
                actor=request.user,
            )
        except services.FundError as error:
            form.add_error("amount_pence", str(error))
        else:
            messages.success(request, f"Your claim for {claim.amount_display} has been sent to the hub.")
            return redirect("funds:claim", pk=claim.pk)
    return TemplateResponse(
        request, "funds/claim_form.html", {"allocation": allocation, "form": form, "page_title": "Make a claim"}
    )


def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(claims_for(request.membership), pk=pk)  # type: ignore[attr-defined]
    can_decide = claim.is_submitted and can_manage_fund(request.membership, claim.allocation.fund)  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        "funds/claim.html",
        {
            "claim": claim,
            "form": DecisionForm() if can_decide else None,
            "can_decide": can_decide,
            "page_title": f"Claim {claim.pk}",
        },
    )


def claim_receipt(request: HttpRequest, pk: int) -> FileResponse:
    claim = get_object_or_404(claims_for(request.membership), pk=pk)  # type: ignore[attr-defined]
    response = FileResponse(
        claim.receipt.open("rb"),
        as_attachment=True,
        filename=claim.receipt_name,
        content_type=claim.receipt_content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def claim_decide(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(claims_for(request.membership), pk=pk)  # type: ignore[attr-defined]
    if not can_manage_fund(request.membership, claim.allocation.fund):  # type: ignore[attr-defined]
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                services.claim_approve(claim=claim, actor=request.user)
                messages.success(request, f"Claim {claim.pk} for {claim.amount_display} has been approved.")
            else:
                services.claim_reject(claim=claim, reason=form.cleaned_data["reason"], actor=request.user)
                messages.success(request, f"Claim {claim.pk} has been rejected.")
        except services.FundError as error:
            form.add_error("decision", str(error))
        else:
            return redirect("funds:claim", pk=claim.pk)
    return TemplateResponse(
        request,
        "funds/claim.html",
        {"claim": claim, "form": form, "can_decide": True, "page_title": f"Claim {claim.pk}"},
        status=200,
    )
