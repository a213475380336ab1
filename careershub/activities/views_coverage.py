"""Benchmark coverage of an institution's learners: cohort figures per rule, gap lists and their CSV.

Only the institution's careers leaders and senior leaders see these pages (`institution_or_403`);
everyone else gets 403. The figures are computed from four queries (learners on roll, the
institution's activities, (learner, activity) participations, guidance meetings;
`queries.coverage_data`), whatever the number of learners. Downloading a gap list is recorded in
the audit trail. A careers leader can turn a gap list into the participants of a new activity:
the link carries the rule and year group, and the participants page is pre-filled with the
learners' UPNs or ULNs.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from careershub.activities import coverage
from careershub.activities.queries import cohort_for, coverage_rules_for, gap_list, hub_coverage, rule_by_code
from careershub.audit.models import AuditAction
from careershub.audit.services import record
from careershub.core.pagination import pagination_params
from careershub.hubs.queries import hubs_for
from careershub.institutions.models import Institution
from careershub.learners import exports
from careershub.learners.models import YEAR_GROUP_CHOICES, Learner
from careershub.learners.queries import can_manage_learners
from careershub.learners.views import institution_or_403
from careershub.organisations.models import OrganisationKind


class GapFilterForm(forms.Form):
    year_group = forms.TypedChoiceField(
        label="Year group",
        choices=[("", "All year groups"), *YEAR_GROUP_CHOICES],
        required=False,
        coerce=int,
        empty_value=None,
    )
    this_year = forms.BooleanField(required=False)

    def __init__(self, *args: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        end = f"{coverage.school_year_end(today):%-d %B %Y}"
        this_year = self.fields["this_year"]
        this_year.label = f"Only those still to do by {end}"
        this_year.help_text = (
            "For an expectation of every school year: learners who have not had this year's yet. "
            f"For one by an age: learners who reach that age after today and by {end}."
        )


@dataclass(frozen=True)
class Gap:
    """A gap list as chosen on its page: the rule, a year group or all, and whether only the
    learners still to do it this school year (`coverage.to_do_this_year`)."""

    rule: coverage.Rule
    year_group: int | None = None
    this_year: bool = False

    def learners(self, institution: Institution, today: datetime.date) -> list[tuple[Learner, datetime.date | None]]:
        return gap_list(institution, self.rule, today, self.year_group, this_year=self.this_year)

    def query(self) -> str:
        """The query string that carries the gap list to the activity and participants pages."""
        params: dict[str, Any] = {"gap": self.rule.code}
        if self.year_group:
            params["gap_year"] = self.year_group
        if self.this_year:
            params["gap_this_year"] = 1
        return urlencode(params)


def _rule_or_404(institution: Institution, code: str) -> tuple[str, coverage.Rule]:
    framework_code, rules = coverage_rules_for(institution, timezone.localdate())
    rule = rule_by_code(rules, code)
    if rule is None:
        raise Http404("No such coverage rule")
    return framework_code, rule


def _gap(request: HttpRequest, rule: coverage.Rule, today: datetime.date) -> tuple[GapFilterForm, Gap]:
    form = GapFilterForm(request.GET or None, today=today)
    if not form.is_valid():
        return form, Gap(rule)
    return form, Gap(rule, form.cleaned_data.get("year_group"), bool(form.cleaned_data.get("this_year")))


@require_GET
def coverage_overview(request: HttpRequest) -> HttpResponse:
    institution = institution_or_403(request)
    today = timezone.localdate()
    framework_code, rules = coverage_rules_for(institution, today)
    learner_count, figures = cohort_for(institution, rules, today)
    year_groups = sorted({year for figure in figures for year in figure["by_year"]})
    return TemplateResponse(
        request,
        "activities/coverage.html",
        {
            "institution": institution,
            "framework_code": framework_code,
            "figures": figures,
            "year_groups": year_groups,
            "learner_count": learner_count,
            "today": today,
            "page_title": "Benchmark coverage",
        },
    )


@require_GET
def coverage_gaps(request: HttpRequest, rule_code: str) -> HttpResponse:
    institution = institution_or_403(request)
    _framework_code, rule = _rule_or_404(institution, rule_code)
    today = timezone.localdate()
    form, gap = _gap(request, rule, today)
    gaps = gap.learners(institution, today)
    # The page shows GAP_PAGE_SIZE learners at a time; the count, the CSV and "record an activity
    # for these learners" always cover the whole list.
    page = Paginator(gaps, GAP_PAGE_SIZE).get_page(request.GET.get("page"))
    can_manage = can_manage_learners(request.membership)  # type: ignore[attr-defined]
    shown = urlencode(
        {key: value for key, value in (("year_group", gap.year_group), ("this_year", gap.this_year and "on")) if value}
    )
    return TemplateResponse(
        request,
        "activities/coverage_gaps.html",
        {
            "institution": institution,
            "rule": rule,
            "form": form,
            "gap": gap,
            "year_group": gap.year_group,
            "school_year_end": coverage.school_year_end(today),
            "gaps": gaps,
            "page": page,
            "pagination": pagination_params(request, page),
            "today": today,
            "can_manage": can_manage,
            "csv_url": reverse("activities:coverage-gaps-csv", args=[rule.code]) + (f"?{shown}" if shown else ""),
            "new_activity_url": f"{reverse('activities:create')}?{gap.query()}",
            "page_title": f"Learners who have not met: {rule.text}",
        },
    )


GAP_PAGE_SIZE = 100

GAP_HEADER = [
    "UPN",
    "ULN",
    "Legal first name",
    "Legal last name",
    "Preferred name",
    "Year group",
    "Registration group",
    "Disadvantaged",
    "SEN status",
    "Looked after",
    "Due by",
]


@require_GET
def coverage_gaps_csv(request: HttpRequest, rule_code: str) -> HttpResponse:
    institution = institution_or_403(request)
    _framework_code, rule = _rule_or_404(institution, rule_code)
    today = timezone.localdate()
    _form, gap = _gap(request, rule, today)
    gaps = gap.learners(institution, today)
    rows = [
        [
            learner.upn,
            learner.uln,
            learner.legal_first_name,
            learner.legal_last_name,
            learner.display_name,
            learner.year_group,
            learner.registration_group,
            learner.disadvantaged,
            learner.sen_status,
            learner.looked_after,
            deadline.strftime("%d/%m/%Y") if deadline else "Every school year",
        ]
        for learner, deadline in gaps
    ]
    record(
        actor=request.user,
        organisation=institution.organisation,
        action=AuditAction.VIEW,
        instance=institution,
        after={
            "exported_gap_list": rule.code,
            "year_group": gap.year_group,
            "this_year": gap.this_year,
            "learners": len(rows),
        },
        label=f"Coverage gap list export of {institution.name}",
    )
    suffix = (f"-year{gap.year_group}" if gap.year_group else "") + ("-this-year" if gap.this_year else "")
    filename = f"gaps-{rule.code}{suffix}-{institution.urn}-{timezone.localdate():%Y%m%d}.csv"
    return exports.csv_response(filename, GAP_HEADER, rows)


@require_GET
def hub_coverage_page(request: HttpRequest, hub_pk: int) -> HttpResponse:
    """A hub's member institutions' coverage, aggregates only, small numbers suppressed: for the
    hub's own members and the national team (another hub is a 404, anyone else a 403)."""
    membership = getattr(request, "membership", None)
    if membership is None or membership.organisation.kind not in {OrganisationKind.NATIONAL, OrganisationKind.HUB}:
        raise PermissionDenied
    hub = get_object_or_404(hubs_for(membership), pk=hub_pk)
    today = timezone.localdate()
    return TemplateResponse(
        request,
        "activities/hub_coverage.html",
        {
            "hub": hub,
            "groups": hub_coverage(hub.pk, today),
            "today": today,
            "suppress_below": coverage.SUPPRESS_BELOW,
            "page_title": f"Benchmark coverage of {hub.name}",
        },
    )
