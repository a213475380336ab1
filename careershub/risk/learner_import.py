"""The risk factors as extra columns of the learner MIS import (`LEARNER_IMPORT_EXTENSIONS`).

The learner import offers a risk factor's column only when an indicator of the institution's
applicable configuration that reads it is switched on; columns of the others are listed in the
preview as not read and are never parsed or stored. Values are parsed as the separate
risk-factor import parses them (`factors_file`) and stored by `services.store_factors` inside the
learner import's transaction. A blank cell means "not recorded" and clears a stored value.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Subquery, Value
from django.db.models.fields.json import JSONField

from careershub.hubs.models import HubMembership
from careershub.institutions.models import Institution
from careershub.learners.extensions import ExtraField, ExtraFields
from careershub.organisations.models import Organisation, OrganisationKind
from careershub.risk import factors_file, scoring, services
from careershub.risk.models import Indicator, RiskConfiguration

PREFIX = "risk."


def _field(name: str) -> ExtraField:
    return ExtraField(
        name=f"{PREFIX}{name}",
        label=f"{factors_file.FIELD_LABELS[name]} (risk of NEET)",
        header_names=factors_file.HEADER_NAMES[name],
        parse=factors_file.PARSERS.get(name, factors_file.parse_flag),
    )


def _own(values: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {pk: {f.removeprefix(PREFIX): v for f, v in row.items()} for pk, row in values.items()}


def _first(queryset: Any) -> Any:
    """The row `queryset.first()` would give, as a subquery (its ordering, else the primary key)."""
    return queryset.order_by(*(queryset.query.order_by or queryset.model._meta.ordering or ["pk"]))[:1]


def kept_fields(institution: Institution) -> set[str]:
    """`services.kept_fields` (the factors that switched-on indicators of the institution's
    applicable configuration read) in one query instead of two to five: the indicators, each
    with the weights of the hub's configuration and of the local authority's as subqueries
    chosen as `queries.applied_configuration` chooses them (the hub's, else the local
    authority's, else the catalogue defaults). Called by each import step; nothing is cached
    between requests. `test_learner_import` compares it with `services.kept_fields`."""
    hub = _first(HubMembership.objects.current().filter(institution=institution)).values("hub__organisation_id")
    annotations: dict[str, Any] = {
        "hub_weights": Subquery(RiskConfiguration.objects.filter(organisation_id=Subquery(hub)).values("weights")[:1])
    }
    if institution.local_authority_id is not None:
        authority = _first(
            Organisation.objects.filter(
                kind=OrganisationKind.LOCAL_AUTHORITY, local_authority_id=institution.local_authority_id
            )
        ).values("pk")
        annotations["authority_weights"] = Subquery(
            RiskConfiguration.objects.filter(organisation_id=Subquery(authority)).values("weights")[:1]
        )
    else:
        annotations["authority_weights"] = Value(None, output_field=JSONField())
    indicators = list(Indicator.objects.annotate(**annotations))
    if not indicators:
        return set()
    configured = next((w for w in (indicators[0].hub_weights, indicators[0].authority_weights) if w is not None), None)  # type: ignore[attr-defined]
    rules = [indicator.as_rule() for indicator in indicators]
    switched_on = [str(code) for code in configured] if configured is not None else [rule.code for rule in rules]
    return scoring.fields_needed(rules, switched_on)


class RiskFactorsExtension:
    def fields_for(self, *, institution: Institution) -> ExtraFields:
        kept = kept_fields(institution)
        declared = ExtraFields()
        for name in factors_file.FIELD_LABELS:
            if name in kept:
                declared.available.append(_field(name))
            else:
                declared.not_read.append((_field(name), "no switched-on risk of NEET indicator uses it"))
        return declared

    def changes(self, *, institution: Institution, values: dict[int, dict[str, Any]]) -> dict[int, set[str]]:
        changed = services.factor_changes(institution=institution, values=_own(values))
        return {pk: {f"{PREFIX}{name}" for name in names} for pk, names in changed.items()}

    def apply(self, *, institution: Institution, values: dict[int, dict[str, Any]]) -> int:
        return services.store_factors(institution=institution, values=_own(values))


risk_factors = RiskFactorsExtension()
