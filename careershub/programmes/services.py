"""Writes on careers programme plans, feedback and hub templates. Each is atomic and audited
against the owning organisation (the institution's, or the hub's).

Concurrent editing: plans, planned activities, templates and template activities carry a
version. An update names the version the person loaded; when someone else saved in between, the
update is refused with a `Conflict` that holds the saved values, so nothing is silently lost.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from careershub.audit.models import AuditAction
from careershub.audit.services import record, snapshot
from careershub.evaluations import framework_data
from careershub.evaluations.models import FrameworkVersion
from careershub.hubs.models import Hub
from careershub.institutions.models import Institution
from careershub.programmes.models import (
    Audience,
    FeedbackLink,
    FeedbackResponse,
    Plan,
    PlannedActivity,
    PlanTemplate,
    TemplateActivity,
    Term,
    new_token,
)

ACTIVITY_FIELDS = [
    "title",
    "description",
    "activity_type",
    "year_groups",
    "groups",
    "criteria",
    "learning_outcomes",
    "term",
    "target_date",
    "owner",
    "budget_pence",
]
PLANNED_FIELDS = [*ACTIVITY_FIELDS, "is_published"]
PUBLISH_FIELDS = [
    "introduction",
    "is_published",
    "show_outcomes",
    "show_timing",
    "show_benchmarks",
    "show_owner",
    "show_budget",
    "show_feedback",
]
TEMPLATE_FIELDS = ["title", "description", "is_shared"]


class ProgrammeError(ValueError):
    """A change that cannot be made, with a message for the user."""


class Conflict(Exception):
    """Someone else saved this after the person loaded it; `theirs` holds the saved values."""

    def __init__(self, theirs: dict[str, Any], by: str, at: datetime.datetime | None) -> None:
        super().__init__("Someone else changed this after you opened it.")
        self.theirs = theirs
        self.by = by
        self.at = at


def _actor(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def framework_version_for(institution: Institution, academic_year: int) -> FrameworkVersion:
    """The framework the institution works to at the start of that academic year."""
    spec = framework_data.framework_for(institution.kind, datetime.date(academic_year, 9, 1))
    try:
        return FrameworkVersion.objects.get(code=spec.code)
    except FrameworkVersion.DoesNotExist as exc:  # pragma: no cover - loaded after every migrate
        raise ProgrammeError(f"The framework {spec.code} is not loaded; run manage.py load_frameworks.") from exc


def _clean_activity(framework: FrameworkVersion, values: dict[str, Any]) -> dict[str, Any]:
    spec = framework.spec()
    codes = {c.code for b in spec.benchmarks for c in b.criteria}
    years = {y.code for y in spec.year_groups}
    unknown = [c for c in values.get("criteria", []) if c not in codes]
    if unknown:
        raise ProgrammeError(f"{spec.title} has no criterion {', '.join(unknown)}.")
    unknown = [y for y in values.get("year_groups", []) if y not in years]
    if unknown:
        raise ProgrammeError(f"{spec.title} has no year group {', '.join(unknown)}.")
    if not values.get("term") and not values.get("target_date"):
        raise ProgrammeError("Choose a term or enter a target date.")
    if int(values.get("budget_pence") or 0) < 0:
        raise ProgrammeError("The budget must not be negative.")
    cleaned = dict(values)
    for name in ("title", "description", "learning_outcomes", "owner"):
        if name in cleaned:
            cleaned[name] = str(cleaned[name]).strip()
    if not cleaned.get("title"):
        raise ProgrammeError("Enter a title.")
    cleaned["criteria"] = sorted(set(cleaned.get("criteria", [])), key=_criterion_key)
    cleaned["year_groups"] = [y.code for y in spec.year_groups if y.code in set(cleaned.get("year_groups", []))]
    cleaned["budget_pence"] = int(cleaned.get("budget_pence") or 0)
    return cleaned


def _criterion_key(code: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in code.split("."))


def _in_year(plan: Plan, day: datetime.date | None) -> None:
    if day is not None and not plan.starts_on <= day <= plan.ends_on:
        raise ProgrammeError(
            f"The target date must be in the academic year {plan.year_label} "
            f"(1 September {plan.academic_year} to 31 August {plan.academic_year + 1})."
        )


# Plans ----------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(*, institution: Institution, academic_year: int, actor: Any) -> Plan:
    if Plan.objects.filter(institution=institution, academic_year=academic_year).exists():
        raise ProgrammeError(f"{institution.name} already has a plan for {academic_year} to {academic_year + 1}.")
    try:
        with transaction.atomic():
            plan = Plan.objects.create(
                institution=institution,
                academic_year=academic_year,
                framework=framework_version_for(institution, academic_year),
                created_by=_actor(actor),
            )
    except IntegrityError as exc:  # started at the same moment by someone else
        raise ProgrammeError(
            f"{institution.name} already has a plan for {academic_year} to {academic_year + 1}."
        ) from exc
    record(
        actor=actor,
        organisation=institution.organisation,
        action=AuditAction.CREATE,
        instance=plan,
        after={"academic_year": academic_year, "framework": plan.framework.code},
    )
    return plan


@transaction.atomic
def plan_publish_settings(
    *,
    plan: Plan,
    expected_version: int,
    actor: Any,
    published_ids: set[int] | None = None,
    shown_ids: set[int] | None = None,
    **changes: Any,
) -> Plan:
    """Change what the plan publishes (the introduction, whether it is published, which fields)
    and, with `published_ids`, which of the activities the person was shown (`shown_ids`) it
    publishes. Changing an activity's publication elsewhere raises the plan's version, so this
    form, saved on an older version, is refused rather than silently undoing it; an activity
    added since the form was opened is not in `shown_ids` and is left alone."""
    unknown = set(changes) - set(PUBLISH_FIELDS)
    if unknown:
        raise TypeError(f"Cannot change {', '.join(sorted(unknown))}")
    locked = Plan.objects.select_for_update(of=("self",)).select_related("institution").get(pk=plan.pk)
    if locked.version != expected_version:
        raise Conflict(snapshot(locked, PUBLISH_FIELDS), "", locked.updated_at)
    before = snapshot(locked, PUBLISH_FIELDS)
    for name, value in changes.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    locked.version += 1
    locked.save()
    record(
        actor=actor,
        organisation=locked.institution.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, PUBLISH_FIELDS),
    )
    if published_ids is not None:
        _publish_activities(locked, published_ids, shown_ids, actor)
    return locked


@transaction.atomic
def plan_new_address(*, plan: Plan, actor: Any) -> Plan:
    """Give the published page a new address: every copy of the old link stops working."""
    locked = Plan.objects.select_for_update(of=("self",)).select_related("institution").get(pk=plan.pk)
    locked.public_token = new_token()
    locked.version += 1
    locked.save(update_fields=["public_token", "version", "updated_at"])
    record(
        actor=actor,
        organisation=locked.institution.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before={"public_address": "old"},
        after={"public_address": "new"},
    )
    return locked


# Planned activities ---------------------------------------------------------------------------


@transaction.atomic
def planned_activity_create(
    *, plan: Plan, actor: Any, copied_from: TemplateActivity | None = None, **values: Any
) -> PlannedActivity:
    unknown = set(values) - set(PLANNED_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields {', '.join(sorted(unknown))}")
    cleaned = _clean_activity(plan.framework, values)
    _in_year(plan, cleaned.get("target_date"))
    activity = PlannedActivity.objects.create(plan=plan, copied_from=copied_from, updated_by=_actor(actor), **cleaned)
    record(
        actor=actor,
        organisation=plan.institution.organisation,
        action=AuditAction.CREATE,
        instance=activity,
        after=snapshot(activity, ["plan", *PLANNED_FIELDS]),
    )
    return activity


@transaction.atomic
def planned_activity_update(
    *, activity: PlannedActivity, expected_version: int, actor: Any, **changes: Any
) -> PlannedActivity:
    unknown = set(changes) - set(PLANNED_FIELDS)
    if unknown:
        raise TypeError(f"Cannot change {', '.join(sorted(unknown))}")
    locked = (
        PlannedActivity.objects.select_for_update(of=("self",))
        .select_related("plan__institution", "plan__framework", "updated_by")
        .get(pk=activity.pk)
    )
    if locked.version != expected_version:
        raise Conflict(snapshot(locked, PLANNED_FIELDS), str(locked.updated_by or "someone"), locked.updated_at)
    before = snapshot(locked, PLANNED_FIELDS)
    merged = {name: getattr(locked, name) for name in ACTIVITY_FIELDS} | changes
    cleaned = _clean_activity(locked.plan.framework, {k: v for k, v in merged.items() if k in ACTIVITY_FIELDS})
    _in_year(locked.plan, cleaned.get("target_date"))
    for name, value in {**cleaned, **{k: v for k, v in changes.items() if k == "is_published"}}.items():
        setattr(locked, name, value)
    locked.version += 1
    locked.updated_by = _actor(actor)
    locked.save()
    if before["is_published"] != locked.is_published:
        _touch_plan(locked.plan_id)
    record(
        actor=actor,
        organisation=locked.plan.institution.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, PLANNED_FIELDS),
    )
    return locked


@transaction.atomic
def planned_activity_delete(*, activity: PlannedActivity, actor: Any, expected_version: int | None = None) -> None:
    """Delete it; with `expected_version`, only if nobody changed it since the person looked."""
    if expected_version is not None:
        current = (
            PlannedActivity.objects.select_for_update().filter(pk=activity.pk).values_list("version", flat=True).first()
        )
        if current is not None and current != expected_version:
            raise Conflict({}, "", None)
    organisation = activity.plan.institution.organisation
    before = snapshot(activity, ["plan", *PLANNED_FIELDS])
    pk, label = activity.pk, str(activity)
    activity.delete()
    activity.pk = pk
    record(
        actor=actor, organisation=organisation, action=AuditAction.DELETE, instance=activity, before=before, label=label
    )


def _publish_activities(plan: Plan, published_ids: set[int], shown_ids: set[int] | None, actor: Any) -> int:
    changed = 0
    activities = PlannedActivity.objects.select_for_update().filter(plan=plan)
    if shown_ids is not None:
        activities = activities.filter(pk__in=shown_ids)
    for activity in activities:
        wanted = activity.pk in published_ids
        if activity.is_published != wanted:
            activity.is_published = wanted
            activity.version += 1
            activity.save(update_fields=["is_published", "version", "updated_at"])
            record(
                actor=actor,
                organisation=plan.institution.organisation,
                action=AuditAction.UPDATE,
                instance=activity,
                before={"is_published": not wanted},
                after={"is_published": wanted},
            )
            changed += 1
    return changed


def _touch_plan(plan_id: int) -> None:
    """Raise the plan's version: what it publishes has changed."""
    Plan.objects.filter(pk=plan_id).update(version=F("version") + 1)


@dataclass(frozen=True)
class CopyResult:
    copied: list[PlannedActivity]
    dropped_criteria: int
    dropped_year_groups: int


@transaction.atomic
def copy_from_template(
    *, plan: Plan, template: PlanTemplate, activities: list[TemplateActivity], actor: Any
) -> CopyResult:
    """Copy example activities of a hub template into the plan. Criteria and year groups the
    plan's framework does not have are left out (counted, for the message); a target date is
    moved to the same day and month in the plan's academic year."""
    spec = plan.framework.spec()
    codes = {c.code for b in spec.benchmarks for c in b.criteria}
    years = {y.code for y in spec.year_groups}
    copied, dropped_criteria, dropped_years = [], 0, 0
    for example in activities:
        if example.template_id != template.pk:
            raise ProgrammeError("That activity is not part of this template.")
        criteria = [c for c in example.criteria if c in codes]
        year_groups = [y for y in example.year_groups if y in years]
        dropped_criteria += len(example.criteria) - len(criteria)
        dropped_years += len(example.year_groups) - len(year_groups)
        target = example.target_date
        if target is not None:
            year = plan.academic_year if target.month >= 9 else plan.academic_year + 1
            target = target.replace(year=year, day=min(target.day, 28) if target.month == 2 else target.day)
        copied.append(
            planned_activity_create(
                plan=plan,
                actor=actor,
                copied_from=example,
                title=example.title,
                description=example.description,
                activity_type=example.activity_type,
                year_groups=year_groups,
                groups=list(example.groups),
                criteria=criteria,
                learning_outcomes=example.learning_outcomes,
                term=example.term or (Term.AUTUMN if target is None else ""),
                target_date=target,
                owner=example.owner,
                budget_pence=example.budget_pence,
            )
        )
    return CopyResult(copied, dropped_criteria, dropped_years)


# Feedback -------------------------------------------------------------------------------------


@transaction.atomic
def feedback_link_open(*, plan: Plan, audience: str, actor: Any) -> FeedbackLink:
    """Open (or reopen) the plan's feedback link for an audience."""
    if audience not in Audience.values:
        raise ProgrammeError("Choose who the feedback is from.")
    link, created = FeedbackLink.objects.get_or_create(
        plan=plan, audience=audience, defaults={"created_by": _actor(actor)}
    )
    if created or not link.is_open:
        link.is_open = True
        link.save(update_fields=["is_open"])
        record(
            actor=actor,
            organisation=plan.institution.organisation,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            instance=link,
            after={"audience": audience, "is_open": True},
        )
    return link


@transaction.atomic
def feedback_link_close(*, link: FeedbackLink, actor: Any) -> FeedbackLink:
    if link.is_open:
        link.is_open = False
        link.save(update_fields=["is_open"])
        record(
            actor=actor,
            organisation=link.plan.institution.organisation,
            action=AuditAction.UPDATE,
            instance=link,
            before={"is_open": True},
            after={"is_open": False},
        )
    return link


def feedback_submit(*, link: FeedbackLink, ratings: dict[str, str], comment: str, nonce: str) -> bool:
    """Store one anonymous answer; False when this form (its nonce) was already sent. Not audited:
    nobody signed in acted, and the answer holds nothing about a person."""
    try:
        with transaction.atomic():
            FeedbackResponse.objects.create(
                link=link, ratings=dict(ratings), comment=comment.strip()[:2000], nonce=nonce
            )
    except IntegrityError:
        return False
    return True


# Templates ------------------------------------------------------------------------------------


def current_framework_versions(on: datetime.date | None = None) -> list[FrameworkVersion]:
    on = on or timezone.localdate()
    codes = [f.code for f in framework_data.available_frameworks() if f.in_force_on(on)]
    return list(FrameworkVersion.objects.filter(code__in=codes).order_by("code"))


@transaction.atomic
def template_create(
    *, hub: Hub, title: str, description: str, framework: FrameworkVersion, is_shared: bool, actor: Any
) -> PlanTemplate:
    if not title.strip():
        raise ProgrammeError("Enter a title.")
    template = PlanTemplate.objects.create(
        hub=hub,
        title=title.strip(),
        description=description.strip(),
        framework=framework,
        is_shared=is_shared,
        created_by=_actor(actor),
    )
    record(
        actor=actor,
        organisation=hub.organisation,
        action=AuditAction.CREATE,
        instance=template,
        after=snapshot(template, ["hub", "framework", *TEMPLATE_FIELDS]),
    )
    return template


@transaction.atomic
def template_update(*, template: PlanTemplate, expected_version: int, actor: Any, **changes: Any) -> PlanTemplate:
    unknown = set(changes) - set(TEMPLATE_FIELDS)
    if unknown:
        raise TypeError(f"Cannot change {', '.join(sorted(unknown))}")
    locked = (
        PlanTemplate.objects.select_for_update(of=("self",)).select_related("hub__organisation").get(pk=template.pk)
    )
    if locked.version != expected_version:
        raise Conflict(snapshot(locked, TEMPLATE_FIELDS), "", locked.updated_at)
    before = snapshot(locked, TEMPLATE_FIELDS)
    for name, value in changes.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    if not locked.title:
        raise ProgrammeError("Enter a title.")
    locked.version += 1
    locked.save()
    record(
        actor=actor,
        organisation=locked.hub.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, TEMPLATE_FIELDS),
    )
    return locked


@transaction.atomic
def template_activity_create(*, template: PlanTemplate, actor: Any, **values: Any) -> TemplateActivity:
    unknown = set(values) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields {', '.join(sorted(unknown))}")
    cleaned = _clean_activity(template.framework, values)
    activity = TemplateActivity.objects.create(template=template, **cleaned)
    record(
        actor=actor,
        organisation=template.hub.organisation,
        action=AuditAction.CREATE,
        instance=activity,
        after=snapshot(activity, ["template", *ACTIVITY_FIELDS]),
    )
    return activity


@transaction.atomic
def template_activity_update(
    *, activity: TemplateActivity, expected_version: int, actor: Any, **changes: Any
) -> TemplateActivity:
    unknown = set(changes) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(f"Cannot change {', '.join(sorted(unknown))}")
    locked = (
        TemplateActivity.objects.select_for_update(of=("self",))
        .select_related("template__hub__organisation", "template__framework")
        .get(pk=activity.pk)
    )
    if locked.version != expected_version:
        raise Conflict(snapshot(locked, ACTIVITY_FIELDS), "", None)
    before = snapshot(locked, ACTIVITY_FIELDS)
    merged = {name: getattr(locked, name) for name in ACTIVITY_FIELDS} | changes
    for name, value in _clean_activity(locked.template.framework, merged).items():
        setattr(locked, name, value)
    locked.version += 1
    locked.save()
    record(
        actor=actor,
        organisation=locked.template.hub.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, ACTIVITY_FIELDS),
    )
    return locked


@transaction.atomic
def template_activity_delete(*, activity: TemplateActivity, actor: Any, expected_version: int | None = None) -> None:
    """Delete it; with `expected_version`, only if nobody changed it since the person looked."""
    if expected_version is not None:
        current = (
            TemplateActivity.objects.select_for_update()
            .filter(pk=activity.pk)
            .values_list("version", flat=True)
            .first()
        )
        if current is not None and current != expected_version:
            raise Conflict({}, "", None)
    organisation = activity.template.hub.organisation
    before = snapshot(activity, ["template", *ACTIVITY_FIELDS])
    pk, label = activity.pk, str(activity)
    activity.delete()
    activity.pk = pk
    record(
        actor=actor, organisation=organisation, action=AuditAction.DELETE, instance=activity, before=before, label=label
    )
