"""Results of a submitted evaluation: page with charts and tables, PDF report, CSV; hub view.

Evaluations are reached only through `evaluations_for(request.membership)`, hubs only through
`hubs_for(request.membership)`: anything else is a 404. Results exist for submitted
evaluations; a draft's owners are sent to its task list (others cannot see drafts at all).
Everything here is read only, for everyone who may see the evaluation.
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from careershub.evaluations import reports
from careershub.evaluations.models import Evaluation, EvaluationStatus
from careershub.evaluations.queries import evaluations_for
from careershub.hubs.models import Hub
from careershub.hubs.queries import hubs_for
from careershub.organisations.models import Membership, OrganisationKind


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _evaluation_or_404(request: HttpRequest, pk: int) -> Evaluation:
    return get_object_or_404(evaluations_for(_membership(request)), pk=pk)


def _previous(request: HttpRequest, evaluation: Evaluation) -> Evaluation | None:
    """The institution's submitted evaluation before this one, if the viewer may see it."""
    return (
        evaluations_for(_membership(request))
        .filter(
            status=EvaluationStatus.SUBMITTED,
            institution_id=evaluation.institution_id,
            submitted_at__lt=evaluation.submitted_at,
        )
        .prefetch_related("benchmark_scores")
        .order_by("-submitted_at", "-pk")
        .first()
    )


def _results_or_redirect(request: HttpRequest, pk: int) -> reports.Results | HttpResponse:
    evaluation = _evaluation_or_404(request, pk)
    if evaluation.is_draft:
        return redirect("evaluations:overview", pk=evaluation.pk)
    return reports.build_results(evaluation, previous=_previous(request, evaluation))


def _back_link(request: HttpRequest, evaluation: Evaluation) -> dict[str, str] | None:
    """Back to the evaluations list for the institution's own people, to the hub overview for
    hub and national readers (the institution's current hub, when it has one)."""
    membership = _membership(request)
    kind = membership.organisation.kind
    if kind == OrganisationKind.INSTITUTION:
        return {"href": reverse("evaluations:list"), "text": "Back to your evaluations"}
    hub = (
        hubs_for(membership)
        .filter(memberships__institution_id=evaluation.institution_id, memberships__left_on__isnull=True)
        .first()
    )
    if hub is None:
        return None
    return {"href": reverse("evaluations:hub", args=[hub.pk]), "text": f"Back to {hub.name} self-evaluations"}


def results(request: HttpRequest, pk: int) -> HttpResponse:
    found = _results_or_redirect(request, pk)
    if isinstance(found, HttpResponse):
        return found
    return TemplateResponse(
        request,
        "evaluations/results.html",
        {
            "results": found,
            "evaluation": found.evaluation,
            "charts": reports.results_charts(found),
            "back": _back_link(request, found.evaluation),
            "page_title": f"Results: {found.evaluation.institution.name}",
        },
    )


def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    found = _results_or_redirect(request, pk)
    if isinstance(found, HttpResponse):
        return found
    content = reports.report_pdf(found, reports.results_charts(found))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{reports.download_name(found.evaluation, "pdf")}"'
    response["Cache-Control"] = "private, no-store"
    return response


def answers_csv(request: HttpRequest, pk: int) -> HttpResponse:
    found = _results_or_redirect(request, pk)
    if isinstance(found, HttpResponse):
        return found
    response = HttpResponse(reports.csv_bytes(reports.csv_rows(found)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{reports.download_name(found.evaluation, "csv")}"'
    response["Cache-Control"] = "private, no-store"
    return response


def hub_overview(request: HttpRequest, hub_pk: int) -> HttpResponse:
    """Every current member's latest submitted evaluation, in a fixed number of queries."""
    membership = _membership(request)
    hub: Hub = get_object_or_404(hubs_for(membership), pk=hub_pk)
    visible = evaluations_for(membership).filter(status=EvaluationStatus.SUBMITTED)
    latest = visible.filter(institution_id=OuterRef("institution_id")).order_by("-submitted_at", "-pk").values("pk")
    members = list(
        hub.memberships.filter(left_on__isnull=True)
        .select_related("institution")
        .annotate(latest_pk=Subquery(latest[:1]))
        .order_by("institution__name", "institution__urn")
    )
    wanted = [m.latest_pk for m in members if m.latest_pk is not None]  # type: ignore[attr-defined]
    evaluations = {
        e.pk: e
        for e in visible.filter(pk__in=wanted).prefetch_related("benchmark_scores")  # ordered by number
    }
    term = reports.current_term(timezone.localdate())
    rows = [
        reports.member_row(m.institution, evaluations.get(m.latest_pk), term)  # type: ignore[attr-defined]
        for m in members
    ]
    return TemplateResponse(
        request,
        "evaluations/hub_overview.html",
        {
            "hub": hub,
            "rows": rows,
            "term": term,
            "not_evaluated": sum(1 for row in rows if not row.evaluated_this_term),
            "page_title": f"Self-evaluations: {hub.name}",
        },
    )
