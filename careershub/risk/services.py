"""Writes for risk of NEET: configurations, risk-factor imports, interventions. Each is atomic
and audited against the organisation it belongs to (learner data against the institution)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from careershub.audit.models import AuditAction
from careershub.audit.services import record, snapshot
from careershub.institutions.models import Institution
from careershub.learners import mis
from careershub.learners.models import Learner
from careershub.organisations.models import Organisation, OrganisationKind
from careershub.risk import factors_file, queries, scoring
from careershub.risk.models import (
    FACTOR_REASONS,
    Indicator,
    Intervention,
    RiskConfiguration,
    RiskFactors,
    RiskImport,
    RiskImportStatus,
)

MAX_STORED_ERRORS = 1000


class RiskError(ValueError):
    """A change that cannot be made, with a message for the user."""


class ConfigurationConflict(RiskError):
    """Someone else saved the configuration since this person loaded it."""


class InterventionConflict(RiskError):
    """Someone else changed the intervention since this person loaded it."""


# Configuration --------------------------------------------------------------------------------


def _check_configuration(weights: Mapping[str, int], amber: int, red: int, codes: set[str]) -> None:
    unknown = set(weights) - codes
    if unknown:
        raise RiskError(f"Unknown indicators: {', '.join(sorted(unknown))}")
    if any(not 1 <= int(w) <= scoring.MAX_WEIGHT for w in weights.values()):
        raise RiskError(f"Each weight must be from 1 to {scoring.MAX_WEIGHT}")
    if not 1 <= amber <= red:
        raise RiskError("The amber threshold must be at least 1 and no more than the red threshold")


@transaction.atomic
def save_configuration(
    *,
    organisation: Organisation,
    weights: Mapping[str, int],
    amber: int,
    red: int,
    expected_version: int,
    actor: Any,
) -> RiskConfiguration:
    """Save a hub's or local authority's indicator. `expected_version` is the version the person
    loaded (0 when there was none); if it has changed since, nothing is saved."""
    if organisation.kind not in {OrganisationKind.HUB, OrganisationKind.LOCAL_AUTHORITY}:
        raise RiskError("Only a Careers Hub or a local authority has a risk of NEET indicator")
    codes = set(Indicator.objects.values_list("code", flat=True))
    _check_configuration(weights, amber, red, codes)
    current = RiskConfiguration.objects.select_for_update().filter(organisation=organisation).first()
    current_version = current.version if current else 0
    if current_version != expected_version:
        raise ConfigurationConflict(
            "Someone else saved this indicator while you were editing it. Your changes were not saved: "
            "check the indicator as it is now and make your changes again."
        )
    fields = ["weights", "amber_threshold", "red_threshold", "version"]
    before = snapshot(current, fields) if current else None
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    if current is None:
        current = RiskConfiguration(organisation=organisation, version=0)
    current.weights = {code: int(weights[code]) for code in sorted(weights)}
    current.amber_threshold = amber
    current.red_threshold = red
    current.version += 1
    current.updated_by = actor_user
    current.save()
    record(
        actor=actor,
        organisation=organisation,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        instance=current,
        before=before,
        after=snapshot(current, fields),
    )
    holding = queries.governed_institutions(organisation).filter(learners__risk_factors__isnull=False).distinct()
    purge_unused_factors(institutions=holding.select_related("organisation"), actor=actor)
    return current


def purge_unused_factors(*, institutions: Iterable[Institution], actor: Any = None) -> int:
    """Clear, for each institution, the risk factors no switched-on indicator of its configuration
    reads. Returns how many learners' rows changed."""
    all_rules = queries.rules()
    every_field = scoring.factor_fields(all_rules)
    changed = 0
    for institution in institutions:
        applied = queries.applied_configuration(institution, all_rules)
        unused = sorted(every_field - scoring.fields_needed(all_rules, applied.scheme.weights))
        if not unused:
            continue
        stored = RiskFactors.objects.filter(learner__institution=institution)
        clear: dict[str, Any] = {name: ("" if name == "attainment_band" else None) for name in unused}
        # Only rows still holding one of the fields: a row already clear is not counted.
        count = stored.exclude(**clear).update(**clear, updated_at=timezone.now())
        if count:
            changed += count
            record(
                actor=actor,
                organisation=institution.organisation,
                action=AuditAction.UPDATE,
                instance=institution,
                after={"risk_factors_cleared": unused, "learners": count},
                label=f"Risk factors cleared at {institution.name}: indicator switched off",
            )
    return changed


# Risk-factor import ---------------------------------------------------------------------------


def kept_fields(institution: Institution) -> set[str]:
    all_rules = queries.rules()
    applied = queries.applied_configuration(institution, all_rules)
    return scoring.fields_needed(all_rules, applied.scheme.weights)


def _json_value(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _stored(name: str, value: Any) -> Any:
    """A parsed or JSON value as the model field holds it (blank band is "", blank others None)."""
    if name == "attendance_percent" and value is not None:
        return Decimal(str(value)).quantize(Decimal("0.1"))
    if name == "attainment_band" and value is None:
        return ""
    return value


def _empty(name: str) -> Any:
    return "" if name == "attainment_band" else None


def factor_changes(*, institution: Institution, values: Mapping[int, Mapping[str, Any]]) -> dict[int, set[str]]:
    """For {learner id: {field: value}}, the fields whose stored value would change. Fields no
    switched-on indicator reads are left out (they are never stored). Reads only."""
    kept = kept_fields(institution)
    existing = {
        f.learner_id: f
        for f in RiskFactors.objects.filter(learner__institution=institution, learner_id__in=list(values))
    }
    changed: dict[int, set[str]] = {}
    for pk, row in values.items():
        factors = existing.get(pk)
        names = {
            name
            for name, value in row.items()
            if name in kept and _stored(name, value) != (getattr(factors, name) if factors else _empty(name))
        }
        if names:
            changed[pk] = names
    return changed


def store_factors(*, institution: Institution, values: Mapping[int, Mapping[str, Any]]) -> int:
    """Store {learner id: {field: value}} for learners of `institution`: only fields a switched-on
    indicator reads, and only rows that change (so re-importing a file writes nothing). Call inside
    the importing transaction. Returns how many learners' factors changed."""
    changed = factor_changes(institution=institution, values=values)
    if not changed:
        return 0
    existing = {f.learner_id: f for f in RiskFactors.objects.filter(learner_id__in=list(changed))}
    to_create: list[RiskFactors] = []
    to_update: list[RiskFactors] = []
    for pk, names in changed.items():
        factors = existing.get(pk) or RiskFactors(learner_id=pk)
        for name in names:
            setattr(factors, name, _stored(name, values[pk][name]))
        (to_update if factors.pk else to_create).append(factors)
    RiskFactors.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        now = timezone.now()
        for factors in to_update:
            factors.updated_at = now
        RiskFactors.objects.bulk_update(to_update, [*FACTOR_REASONS.keys(), "updated_at"], batch_size=500)
    return len(changed)


@transaction.atomic
def import_upload(*, institution: Institution, actor: Any, data: bytes, filename: str) -> RiskImport:
    """Check a file and store its preview. Raises mis.MisFileError when the file cannot be used."""
    table = mis.open_table(data)
    columns = factors_file.match_columns(table.headers, kept_fields(institution))
    problems = factors_file.column_problems(columns)
    if problems:
        raise mis.MisFileError(". ".join(problems) + ".")
    learners = Learner.objects.filter(institution=institution).values_list("pk", "upn", "uln")
    by_upn = {upn: pk for pk, upn, _uln in learners if upn}
    by_uln = {uln: pk for pk, _upn, uln in learners if uln}
    errors: list[dict[str, Any]] = []
    pending: dict[str, dict[str, Any]] = {}
    rows = rejected = 0
    for number, cells in table.rows():
        rows += 1
        row = factors_file.parse_row(number, cells, columns)
        learner_id = (by_upn if row.key_field == "upn" else by_uln).get(row.key) if row.key else None
        if row.key and learner_id is None:
            row.errors.append((row.key_field.upper(), f"{row.key} is not a learner of {institution.name}"))
        elif learner_id is not None and str(learner_id) in pending:
            row.errors.append((row.key_field.upper(), f"{row.key} appears more than once in the file"))
        if row.errors:
            rejected += 1
            for fld, reason in row.errors:
                if len(errors) < MAX_STORED_ERRORS:
                    errors.append({"row": number, "field": fld, "reason": reason})
            continue
        pending[str(learner_id)] = {k: _json_value(v) for k, v in row.values.items()}
    risk_import = RiskImport.objects.create(
        institution=institution,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        original_name=filename[:255],
        columns=columns.recognised,
        ignored_columns=[*(f"{h} (indicator switched off)" for h in columns.switched_off), *columns.unknown],
        row_count=rows,
        matched_count=len(pending),
        rejected_count=rejected,
        errors=errors,
        pending=pending,
    )
    return risk_import


@transaction.atomic
def import_confirm(*, risk_import: RiskImport, actor: Any) -> RiskImport:
    """Apply the checked rows in one transaction; only fields still switched on are stored."""
    locked = RiskImport.objects.select_for_update(of=("self",)).select_related("institution").get(pk=risk_import.pk)
    if locked.status != RiskImportStatus.READY:
        raise RiskError("This import is not waiting to be confirmed.")
    institution = locked.institution
    kept = kept_fields(institution)
    learner_ids = [int(pk) for pk in locked.pending]
    store_factors(institution=institution, values={int(pk): values for pk, values in locked.pending.items()})
    locked.status = RiskImportStatus.DONE
    locked.finished_at = timezone.now()
    locked.pending = {}
    locked.save(update_fields=["status", "finished_at", "pending"])
    record(
        actor=actor,
        organisation=institution.organisation,
        action=AuditAction.IMPORT,
        instance=locked,
        after={"learners": len(learner_ids), "fields": sorted(set(locked.columns.values()) & kept)},
        label=f"Risk factors imported for {len(learner_ids)} learners of {institution.name}",
    )
    return locked


@transaction.atomic
def import_cancel(*, risk_import: RiskImport) -> RiskImport:
    updated = RiskImport.objects.filter(pk=risk_import.pk, status=RiskImportStatus.READY).update(
        status=RiskImportStatus.CANCELLED, finished_at=timezone.now(), pending={}
    )
    if not updated:
        raise RiskError("This import can no longer be cancelled.")
    risk_import.refresh_from_db()
    return risk_import


# Interventions --------------------------------------------------------------------------------

INTERVENTION_FIELDS = ["kind", "indicator", "owner", "started_on", "status", "notes", "outcome", "follow_up_on"]


def _check_intervention(started_on: datetime.date, follow_up_on: datetime.date | None) -> None:
    if follow_up_on is not None and follow_up_on < started_on:
        raise RiskError("The follow-up date must be on or after the date of the intervention")


@transaction.atomic
def intervention_create(
    *,
    learner: Learner,
    kind: str,
    owner: str,
    started_on: datetime.date,
    status: str,
    indicator: Indicator | None = None,
    notes: str = "",
    outcome: str = "",
    follow_up_on: datetime.date | None = None,
    actor: Any = None,
) -> Intervention:
    _check_intervention(started_on, follow_up_on)
    intervention = Intervention.objects.create(
        learner=learner,
        indicator=indicator,
        kind=kind,
        owner=owner.strip(),
        started_on=started_on,
        status=status,
        notes=notes.strip(),
        outcome=outcome.strip(),
        follow_up_on=follow_up_on,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record(
        actor=actor,
        organisation=learner.institution.organisation,
        action=AuditAction.CREATE,
        instance=intervention,
        after=snapshot(intervention, ["learner", *INTERVENTION_FIELDS]),
    )
    return intervention


@transaction.atomic
def intervention_update(
    *, intervention: Intervention, expected_version: int, actor: Any = None, **changes: Any
) -> Intervention:
    unknown = set(changes) - set(INTERVENTION_FIELDS)
    if unknown:
        raise TypeError(f"Cannot change {', '.join(sorted(unknown))}")
    locked = (
        Intervention.objects.select_for_update(of=("self",))
        .select_related("learner__institution")
        .get(pk=intervention.pk)
    )
    if locked.version != expected_version:
        raise InterventionConflict(
            "Someone else changed this intervention while you were editing it. Your changes were not saved: "
            "check it as it is now and make your changes again."
        )
    before = snapshot(locked, INTERVENTION_FIELDS)
    for name, value in changes.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    _check_intervention(locked.started_on, locked.follow_up_on)
    locked.version += 1
    locked.save()
    record(
        actor=actor,
        organisation=locked.learner.institution.organisation,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=snapshot(locked, INTERVENTION_FIELDS),
    )
    return locked
