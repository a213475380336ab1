"""Who may see which plans, templates and feedback, the plan's criteria coverage, and plan
against delivery.

- An institution's careers leaders change its plans; its senior leaders read them. Nobody else
  sees a plan through the service: the published page is the public view.
- A hub's lead manages its templates; its enterprise coordinators and the national team read
  them; member institutions see the templates their current hubs share.
- Anyone else sees nothing: another organisation's record is a 404.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet

from careershub.activities.models import Activity, Participation
from careershub.activities.queries import activities_for
from careershub.evaluations import framework_data
from careershub.hubs.models import HubMembership
from careershub.organisations.models import Membership, OrganisationKind, Role
from careershub.programmes.models import (
    FeedbackLink,
    FeedbackResponse,
    Plan,
    PlannedActivity,
    PlanTemplate,
    TemplateActivity,
    year_number,
)

PLAN_ROLES = frozenset({Role.CAREERS_LEADER, Role.SENIOR_LEADER})
TEMPLATE_READERS = frozenset({Role.HUB_LEAD, Role.ENTERPRISE_COORDINATOR, Role.NATIONAL_ADMIN, Role.NATIONAL_ANALYST})


def plans_for(membership: Membership) -> QuerySet[Plan]:
    if membership.role not in PLAN_ROLES or membership.organisation.kind != OrganisationKind.INSTITUTION:
        return Plan.objects.none()
    return Plan.objects.select_related("institution", "framework").filter(
        institution__organisation=membership.organisation
    )


def editable_plans_for(membership: Membership) -> QuerySet[Plan]:
    if membership.role != Role.CAREERS_LEADER:
        return Plan.objects.none()
    return plans_for(membership)


def planned_activities(plan: Plan) -> QuerySet[PlannedActivity]:
    return plan.activities.select_related("plan").order_by("target_date", "term", "title", "pk")


def published_plan(token: str) -> Plan | None:
    """The published plan at this public address (None when there is none, or it is withdrawn)."""
    return (
        Plan.objects.select_related("institution", "framework")
        .filter(public_token=token, is_published=True)
        .prefetch_related(
            Prefetch("activities", queryset=PlannedActivity.objects.filter(is_published=True), to_attr="published")
        )
        .first()
    )


def open_feedback_link(token: str) -> FeedbackLink | None:
    return FeedbackLink.objects.select_related("plan__institution").filter(token=token, is_open=True).first()


def feedback_answers(plan: Plan) -> dict[str, list[tuple[dict[str, str], str]]]:
    """Each audience's answers to the plan's feedback forms, as (ratings, comment)."""
    result: dict[str, list[tuple[dict[str, str], str]]] = defaultdict(list)
    rows = FeedbackResponse.objects.filter(link__plan=plan).values_list("link__audience", "ratings", "comment")
    for audience, ratings, comment in rows:
        result[audience].append((ratings or {}, comment or ""))
    return result


def feedback_links(plan: Plan) -> QuerySet[FeedbackLink]:
    return plan.feedback_links.annotate(response_count=Count("responses")).order_by("audience")


# Templates ----------------------------------------------------------------------------------


def templates_for(membership: Membership) -> QuerySet[PlanTemplate]:
    templates = PlanTemplate.objects.select_related("hub", "framework").annotate(activity_count=Count("activities"))
    kind = membership.organisation.kind
    if kind == OrganisationKind.NATIONAL:
        return templates
    if kind == OrganisationKind.HUB and membership.role in TEMPLATE_READERS:
        return templates.filter(hub__organisation=membership.organisation)
    if kind == OrganisationKind.INSTITUTION and membership.role in PLAN_ROLES:
        hubs = HubMembership.objects.filter(institution__organisation=membership.organisation, left_on__isnull=True)
        return templates.filter(is_shared=True, hub__in=hubs.values("hub"))
    return templates.none()


def editable_templates_for(membership: Membership) -> QuerySet[PlanTemplate]:
    if membership.role != Role.HUB_LEAD:
        return PlanTemplate.objects.none()
    return PlanTemplate.objects.select_related("hub", "framework").filter(hub__organisation=membership.organisation)


def template_activities(template: PlanTemplate) -> QuerySet[TemplateActivity]:
    return template.activities.order_by("term", "target_date", "title", "pk")


# Coverage by benchmark ----------------------------------------------------------------------


@dataclass
class CriterionCoverage:
    criterion: framework_data.Criterion
    activities: list[PlannedActivity] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return bool(self.activities)


@dataclass
class BenchmarkCoverage:
    benchmark: framework_data.Benchmark
    criteria: list[CriterionCoverage]

    @property
    def uncovered(self) -> list[CriterionCoverage]:
        return [c for c in self.criteria if not c.covered]


def coverage(spec: framework_data.Framework, activities: list[PlannedActivity]) -> list[BenchmarkCoverage]:
    """Each benchmark's criteria with the planned activities mapped to them."""
    by_code: dict[str, list[PlannedActivity]] = defaultdict(list)
    for activity in activities:
        for code in activity.criteria:
            by_code[code].append(activity)
    return [
        BenchmarkCoverage(b, [CriterionCoverage(c, by_code.get(c.code, [])) for c in b.criteria])
        for b in spec.benchmarks
    ]


# Plan against delivery ----------------------------------------------------------------------


class DeliveryStatus:
    DELIVERED = "Delivered"
    DELIVERED_LATE = "Delivered late"
    LATE = "Late: not delivered"
    DUE = "Not yet due"
    DUE_NOW = "Due this term"


STATUS_TAGS = {
    DeliveryStatus.DELIVERED: "govuk-tag--green",
    DeliveryStatus.DELIVERED_LATE: "govuk-tag--yellow",
    DeliveryStatus.LATE: "govuk-tag--red",
    DeliveryStatus.DUE: "govuk-tag--grey",
    DeliveryStatus.DUE_NOW: "govuk-tag--blue",
}


@dataclass
class DeliveryRow:
    planned: PlannedActivity
    window: tuple[datetime.date, datetime.date]
    status: str
    matches: list[Activity]

    @property
    def tag(self) -> str:
        return STATUS_TAGS[self.status]


@dataclass
class Delivery:
    rows: list[DeliveryRow]
    unplanned: list[Activity]

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)


def matches(planned: PlannedActivity, activity: Activity, activity_years: set[int]) -> bool:
    """A recorded activity delivers a planned one when everything the plan says agrees with it:
    the same type (when the plan names one), a year group in common (when both have year groups)
    and a benchmark in common (when both have benchmarks)."""
    return _Matcher(planned).matches(activity, activity_years)


class _Matcher:
    """One planned activity's conditions, worked out once for all the recorded activities."""

    def __init__(self, planned: PlannedActivity) -> None:
        self.activity_type = planned.activity_type
        self.years = {n for n in (year_number(code) for code in planned.year_groups) if n is not None}
        self.benchmarks = set(planned.benchmarks)

    def matches(self, activity: Activity, activity_years: set[int]) -> bool:
        if self.activity_type and self.activity_type != activity.activity_type:
            return False
        if self.years and activity_years and not self.years & activity_years:
            return False
        recorded = {int(b) for b in activity.benchmarks or ()}
        return not (self.benchmarks and recorded and not self.benchmarks & recorded)


def delivery(membership: Membership, plan: Plan, today: datetime.date) -> Delivery:
    """Each planned activity against the activities recorded in the plan's academic year (read
    through `activities_for`, so only people who may see activities see this). A planned
    activity is delivered by a matching activity in its term, delivered late by one after its
    term, and late when its term has ended without one. Recorded activities that deliver no
    planned activity are listed as unplanned. Three queries whatever the numbers."""
    recorded = list(
        activities_for(membership)
        .filter(institution=plan.institution, date__gte=plan.starts_on, date__lte=plan.ends_on)
        .order_by("date", "pk")
    )
    years: dict[int, set[int]] = defaultdict(set)
    pairs = (
        Participation.objects.filter(activity__in=[a.pk for a in recorded])
        .values_list("activity_id", "learner__year_group")
        .distinct()
    )
    for activity_id, year in pairs:
        years[activity_id].add(int(year))
    rows = []
    used: set[int] = set()
    for planned in planned_activities(plan):
        start, end = planned.window()
        matcher = _Matcher(planned)
        found = [a for a in recorded if a.date >= start and matcher.matches(a, years[a.pk])]
        on_time = [a for a in found if a.date <= end]
        if on_time:
            status, chosen = DeliveryStatus.DELIVERED, on_time
        elif found:
            status, chosen = DeliveryStatus.DELIVERED_LATE, found
        elif today > end:
            status, chosen = DeliveryStatus.LATE, []
        elif today >= start:
            status, chosen = DeliveryStatus.DUE_NOW, []
        else:
            status, chosen = DeliveryStatus.DUE, []
        used.update(a.pk for a in chosen)
        rows.append(DeliveryRow(planned, (start, end), status, chosen))
    return Delivery(rows, [a for a in recorded if a.pk not in used])


# The hub's view ---------------------------------------------------------------------------------


@dataclass
class MemberProgramme:
    institution_name: str
    plan: Plan | None
    activity_count: int
    feedback_count: int


def hub_programmes(hub_pk: int, academic_year: int) -> list[MemberProgramme]:
    """Each current member institution of the hub with its plan for the year (if any), how many
    activities it plans and how many feedback answers it has had. Three queries."""
    members = list(
        HubMembership.objects.filter(hub_id=hub_pk, left_on__isnull=True)
        .select_related("institution")
        .order_by("institution__name")
    )
    plans = {
        plan.institution_id: plan
        for plan in Plan.objects.filter(
            institution__in=[m.institution_id for m in members], academic_year=academic_year
        ).annotate(activity_count=Count("activities", distinct=True))
    }
    answers = dict(
        FeedbackResponse.objects.filter(link__plan__in=list(plans.values()))
        .values_list("link__plan_id")
        .annotate(n=Count("pk"))
        .values_list("link__plan_id", "n")
    )
    rows = []
    for member in members:
        plan = plans.get(member.institution_id)
        rows.append(
            MemberProgramme(
                member.institution.name,
                plan,
                getattr(plan, "activity_count", 0) if plan else 0,
                answers.get(plan.pk, 0) if plan else 0,
            )
        )
    return rows


def hub_feedback_answers(hub_pk: int, academic_year: int) -> dict[str, list[tuple[dict[str, str], str]]]:
    """Every member institution's feedback answers for the year, by audience (ratings only)."""
    members = HubMembership.objects.filter(hub_id=hub_pk, left_on__isnull=True).values("institution")
    result: dict[str, list[tuple[dict[str, str], str]]] = defaultdict(list)
    rows = FeedbackResponse.objects.filter(
        link__plan__institution__in=members, link__plan__academic_year=academic_year
    ).values_list("link__audience", "ratings")
    for audience, ratings in rows:
        result[audience].append((ratings or {}, ""))
    return result
