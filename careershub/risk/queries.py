"""What a membership may read about risk of NEET. Views reach risk data only through these.

- Learner-level risk (the risk list, a learner's flags, interventions, risk-factor imports): the
  institution's own careers leaders and senior leaders, as for learners (`learners.queries`).
- Configuration and its evaluation: a hub lead for their hub, a participation officer for their
  local authority. The evaluation is aggregate only, and withheld below `MIN_OUTCOMES`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from careershub.hubs.models import HubMembership
from careershub.institutions.models import Institution
from careershub.learners.models import Learner
from careershub.learners.queries import LEARNER_ROLES, learner_institution, learners_for
from careershub.organisations.models import Membership, Organisation, OrganisationKind, Role
from careershub.risk import evaluation, outcomes, scoring
from careershub.risk.models import Indicator, Intervention, RiskConfiguration, RiskFactors, RiskImport

#: The year groups the indicator scores (RONI practice: Years 9 to 11).
SCORED_YEARS = (9, 10, 11)
CONFIGURING_ROLES = frozenset({Role.HUB_LEAD, Role.PARTICIPATION_OFFICER})

risk_institution = learner_institution


def can_manage_risk(membership: Membership | None) -> bool:
    return membership is not None and membership.role == Role.CAREERS_LEADER


def indicators() -> list[Indicator]:
    return list(Indicator.objects.all())


def indicator_queryset() -> QuerySet[Indicator]:
    return Indicator.objects.all()


def rules() -> list[scoring.Rule]:
    return [indicator.as_rule() for indicator in Indicator.objects.all()]


def default_thresholds() -> dict[str, int]:
    return scoring.load_catalogue()[1]


# Configurations -------------------------------------------------------------------------------


def configurable_organisation(membership: Membership | None) -> Organisation | None:
    """The organisation whose indicator this membership configures (its hub or its local authority)."""
    if membership is None:
        return None
    kind = membership.organisation.kind
    if membership.role == Role.HUB_LEAD and kind == OrganisationKind.HUB:
        return membership.organisation
    if membership.role == Role.PARTICIPATION_OFFICER and kind == OrganisationKind.LOCAL_AUTHORITY:
        return membership.organisation
    return None


def configuration_of(organisation: Organisation) -> RiskConfiguration | None:
    return RiskConfiguration.objects.filter(organisation=organisation).first()


def scheme_of(
    configuration: RiskConfiguration | None, source: str, all_rules: Iterable[scoring.Rule]
) -> scoring.Scheme:
    if configuration is None:
        return scoring.default_scheme(all_rules, default_thresholds())
    return scoring.Scheme(
        weights={str(k): int(v) for k, v in configuration.weights.items()},
        amber=configuration.amber_threshold,
        red=configuration.red_threshold,
        source=source,
    )


def hub_organisation_of(institution: Institution, on: datetime.date | None = None) -> Organisation | None:
    membership = (
        HubMembership.objects.current(on).filter(institution=institution).select_related("hub__organisation").first()
    )
    return membership.hub.organisation if membership else None


def local_authority_organisation_of(institution: Institution) -> Organisation | None:
    if institution.local_authority_id is None:
        return None
    return Organisation.objects.filter(
        kind=OrganisationKind.LOCAL_AUTHORITY, local_authority_id=institution.local_authority_id
    ).first()


@dataclass
class Applied:
    """The configuration in force for an institution, and which one it is."""

    scheme: scoring.Scheme
    configuration: RiskConfiguration | None
    source: str
    organisation: Organisation | None = None
    notes: list[str] = field(default_factory=list)


def applied_configuration(institution: Institution, all_rules: Iterable[scoring.Rule]) -> Applied:
    """The hub's configuration, else the local authority's, else the catalogue defaults."""
    hub_org = hub_organisation_of(institution)
    if hub_org is not None:
        configuration = configuration_of(hub_org)
        if configuration is not None:
            source = f"{hub_org.name}'s indicator (your Careers Hub)"
            return Applied(scheme_of(configuration, source, all_rules), configuration, source, hub_org)
    la_org = local_authority_organisation_of(institution)
    if la_org is not None:
        configuration = configuration_of(la_org)
        if configuration is not None:
            source = f"{la_org.name}'s indicator (your local authority)"
            return Applied(scheme_of(configuration, source, all_rules), configuration, source, la_org)
    source = "The default indicator: neither your Careers Hub nor your local authority has set one"
    return Applied(scheme_of(None, source, all_rules), None, source, None)


def governed_institutions(organisation: Organisation) -> QuerySet[Institution]:
    """The institutions whose indicator is this organisation's configuration (or would be)."""
    if organisation.kind == OrganisationKind.HUB:
        members = HubMembership.objects.current().filter(hub__organisation=organisation).values("institution_id")
        return Institution.objects.filter(pk__in=members)
    if organisation.kind == OrganisationKind.LOCAL_AUTHORITY and organisation.local_authority_id:
        configured_hubs = RiskConfiguration.objects.filter(organisation__kind=OrganisationKind.HUB).values(
            "organisation_id"
        )
        in_configured_hub = HubMembership.objects.current().filter(hub__organisation_id__in=configured_hubs)
        return Institution.objects.filter(local_authority_id=organisation.local_authority_id).exclude(
            pk__in=in_configured_hub.values("institution_id")
        )
    return Institution.objects.none()


# Learner-level risk ---------------------------------------------------------------------------


def learner_values(learner: Learner) -> dict[str, Any]:
    """The flat values the rules read: the learner record and the risk factors."""
    values: dict[str, Any] = {
        "learner.fsm": learner.fsm,
        "learner.disadvantaged": learner.disadvantaged,
        "learner.sen_status": learner.sen_status,
        "learner.looked_after": learner.looked_after,
        "learner.eal": learner.eal,
    }
    try:
        factors: RiskFactors | None = learner.risk_factors
    except RiskFactors.DoesNotExist:
        factors = None
    if factors is not None:
        values.update(factors.values())
    return values


@dataclass
class RiskRow:
    learner: Learner
    flags: list[scoring.Rule]
    score: int
    rag: str
    interventions: int = 0


def assess(learner: Learner, all_rules: list[scoring.Rule], scheme: scoring.Scheme) -> RiskRow:
    flags = scoring.raised_flags(all_rules, scheme, learner_values(learner))
    points = scoring.score((f.code for f in flags), scheme.weights)
    return RiskRow(
        learner=learner, flags=flags, score=points, rag=scoring.rag(points, amber=scheme.amber, red=scheme.red)
    )


def scored_learners(membership: Membership | None) -> QuerySet[Learner]:
    """Learners on roll in Years 9 to 11 whom this membership may see, with their risk factors."""
    return (
        learners_for(membership)
        .filter(left_on__isnull=True, year_group__in=SCORED_YEARS)
        .select_related("risk_factors")
        .annotate(intervention_count=Count("risk_interventions"))
    )


def risk_rows(
    membership: Membership | None,
    all_rules: list[scoring.Rule],
    scheme: scoring.Scheme,
) -> list[RiskRow]:
    """Every scored learner's row, highest score first (then by surname)."""
    rows = []
    for learner in scored_learners(membership):
        row = assess(learner, all_rules, scheme)
        row.interventions = learner.intervention_count  # type: ignore[attr-defined]
        rows.append(row)
    rows.sort(key=lambda r: (-r.score, r.learner.legal_last_name, r.learner.legal_first_name, r.learner.pk))
    return rows


def filter_rows(rows: list[RiskRow], *, rag: str = "", order: str = "score") -> list[RiskRow]:
    """The rows of one rating (all when `rag` is empty), by score or by surname."""
    chosen = [r for r in rows if not rag or r.rag == rag]
    if order == "name":
        chosen.sort(key=lambda r: (r.learner.legal_last_name, r.learner.legal_first_name, r.learner.pk))
    return chosen


def rag_counts(rows: Iterable[RiskRow]) -> dict[str, int]:
    counts = {scoring.RED: 0, scoring.AMBER: 0, scoring.GREEN: 0}
    for row in rows:
        counts[row.rag] += 1
    return counts


def interventions_for(membership: Membership | None) -> QuerySet[Intervention]:
    if membership is None or membership.role not in LEARNER_ROLES:
        return Intervention.objects.none()
    if membership.organisation.kind != OrganisationKind.INSTITUTION:
        return Intervention.objects.none()
    return Intervention.objects.filter(learner__institution__organisation=membership.organisation)


def risk_imports_for(membership: Membership | None) -> QuerySet[RiskImport]:
    if membership is None or membership.role not in LEARNER_ROLES:
        return RiskImport.objects.none()
    if membership.organisation.kind != OrganisationKind.INSTITUTION:
        return RiskImport.objects.none()
    return RiskImport.objects.filter(institution__organisation=membership.organisation)


# Evaluation cohort ----------------------------------------------------------------------------


def evaluation_cohort(organisation: Organisation) -> list[Learner]:
    """Past learners of the governed institutions (those who have left, or are past Year 11)
    whose risk factors were sent: a learner without them would count as raising none.

    Read for aggregate figures only (never listed to the person configuring).
    """
    institutions = governed_institutions(organisation)
    return list(
        Learner.objects.filter(institution__in=institutions, risk_factors__isnull=False)
        .filter(Q(left_on__isnull=False) | Q(year_group__gte=12))
        .select_related("risk_factors")
    )


def evaluation_for(
    organisation: Organisation,
    all_rules: list[scoring.Rule],
    scheme: scoring.Scheme,
    *,
    outcome_source: outcomes.OutcomeSource = outcomes.neet_outcomes,
    on: datetime.date | None = None,
) -> evaluation.EvaluationResult:
    """The configuration evaluated on the governed institutions' past learners with known outcomes."""
    cohort = evaluation_cohort(organisation)
    known = outcome_source(learner_ids=[learner.pk for learner in cohort], on=on)
    flags = []
    results = []
    for learner in cohort:
        values = learner_values(learner)
        flags.append([rule.raised(values) for rule in all_rules])
        results.append(known.get(learner.pk))
    return evaluation.evaluate(flags, results, [r.code for r in all_rules], scheme.weights, scheme.amber)


def outcome_of(learner: Learner, *, outcome_source: outcomes.OutcomeSource = outcomes.neet_outcomes) -> bool | None:
    """What the learner's latest destination record says: NEET (True), EET (False) or not known."""
    return outcome_source(learner_ids=[learner.pk]).get(learner.pk)
