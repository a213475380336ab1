"""Writes for insight: rebuilding the precomputed facts the dashboards read (see `models.py`)."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from careershub.evaluations.models import MeasurementResult
from careershub.geography.models import LocalAuthority, LSIPArea, OpportunityArea, Region
from careershub.hubs.models import Hub, HubMembership
from careershub.insight import dashboard, statistics, withholding
from careershub.insight.models import InsightComparison, InsightFact, InsightFactsState
from careershub.insight.queries import (
    PanelSource,
    Scope,
    data_version,
    facts_panel,
    facts_trend,
    national_fsm_edges,
    panel_source,
)

BATCH = 2000


def source_version() -> str:
    """A short fingerprint of the source data (results and hub memberships)."""
    return hashlib.sha256(repr(data_version()).encode()).hexdigest()[:16]


def _hub_at(spans: list[tuple[datetime.date, datetime.date | None, int, int]], point: datetime.date) -> tuple[Any, Any]:
    """The hub (and its wave) an institution was in at `point`: the latest joined membership
    that had started by then and not yet ended, as `queries.rows_at` reads it."""
    for joined_on, left_on, hub_id, wave in spans:  # newest first
        if joined_on <= point and (left_on is None or left_on > point):
            return hub_id, wave
    return None, None


_COLUMNS = ["institution", "point", "score", *(f"b{n}" for n in range(1, 9)), "kind", "percent_fsm"]
_COLUMNS += ["local_authority_id", "region_id", "lsip_area_id", "hub_id", "hub_wave"]


def _insert(rows: list[tuple[Any, ...]]) -> int:
    """Insert fact rows in one statement per batch (model instances and `bulk_create` cost
    more than the whole refresh otherwise)."""
    if not rows:
        return 0
    meta = InsightFact._meta
    fields = {field.name: field.column for field in meta.concrete_fields}
    columns = ", ".join(connection.ops.quote_name(fields[name]) for name in _COLUMNS)
    placeholders = ", ".join(["%s"] * len(_COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES ({placeholders})",  # noqa: S608
            rows,
        )
    return len(rows)


def facts_refresh(*, institution_ids: Iterable[int] | None = None) -> int:
    """Rebuild the facts of the given institutions (every institution when None) from the
    results, institutions, areas and hub memberships. Refreshes run one at a time (they lock
    the state row) and each is atomic, so readers see the old facts or the new, never half.
    Returns the number of rows written."""
    ids = None if institution_ids is None else sorted(set(institution_ids))
    with transaction.atomic():
        state, _ = InsightFactsState.objects.get_or_create(pk=1)
        state = InsightFactsState.objects.select_for_update().get(pk=1)
        version = source_version()
        results = MeasurementResult.objects.all()
        memberships = HubMembership.objects.all()
        existing = InsightFact.objects.all()
        if ids is not None:
            results = results.filter(institution_id__in=ids)
            memberships = memberships.filter(institution_id__in=ids)
            existing = existing.filter(institution_id__in=ids)
        spans: dict[int, list[tuple[datetime.date, datetime.date | None, int, int]]] = {}
        for institution_id, joined_on, left_on, hub_id, wave in memberships.order_by("-joined_on").values_list(
            "institution_id", "joined_on", "left_on", "hub_id", "hub__wave"
        ):
            spans.setdefault(institution_id, []).append((joined_on, left_on, hub_id, wave))
        existing.delete()
        written = 0
        rows: list[tuple[Any, ...]] = []
        for row in results.values_list(
            "institution_id",
            "point",
            "benchmarks_fully_achieved",
            "achieved",
            "institution__kind",
            "institution__percent_fsm",
            "institution__local_authority_id",
            "institution__local_authority__region_id",
            "institution__local_authority__lsip_area_id",
        ).iterator(chunk_size=BATCH):
            institution_id, point, score, achieved, kind, fsm, la_id, region_id, lsip_id = row
            hub_id, wave = _hub_at(spans.get(institution_id, []), point)
            flags = set(achieved or [])
            benchmarks = (n in flags for n in range(1, 9))
            areas = (la_id, region_id, lsip_id)
            rows.append((institution_id, point, score, *benchmarks, kind, fsm, *areas, hub_id, wave))
            if len(rows) >= BATCH:
                written += _insert(rows)
                rows = []
        written += _insert(rows)
        state.refreshed_at = timezone.now()
        state.source_version = version
        state.rows = InsightFact.objects.count()
        state.national_trend = [
            [row["point"].isoformat(), row["count"], row["total"]]
            for row in facts_trend(Scope("national", 0, "England"))
        ]
        state.fsm_edges = national_fsm_edges()
        state.save()
    # What is withheld across pages, decided ahead for the new facts (cached; pages read it).
    transaction.on_commit(_vacuum_facts if ids is None else withholding.warm)
    return written


def _vacuum_facts() -> None:
    """After a full refresh on PostgreSQL: VACUUM (ANALYZE) the rewritten facts, so that reads
    covered by an index are answered from the index alone (its visibility map is set) and the
    planner knows the new rows; then decide what is withheld. Skipped inside a transaction
    (VACUUM cannot run in one), where autovacuum does it later."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(InsightFact._meta.db_table)}")
    withholding.warm()


def refresh_later(*, institution_ids: Iterable[int] | None = None) -> None:
    """Queue a refresh for after the current transaction commits (see `tasks.py`)."""
    from careershub.insight.tasks import refresh_insight_facts

    ids = None if institution_ids is None else sorted(set(institution_ids))
    transaction.on_commit(lambda: refresh_insight_facts.enqueue(institution_ids=ids))


# Hub vs comparison estimates, stored --------------------------------------------------------


def summer_on_or_before(point: datetime.date) -> datetime.date:
    return datetime.date(point.year if point.month >= 7 else point.year - 1, 7, 31)


def _estimate_to_json(estimate: statistics.Estimate) -> dict[str, Any]:
    content = dataclasses.asdict(estimate)
    content["verdict"] = str(estimate.verdict)
    for key in ("period_start", "period_end"):
        content[key] = content[key].isoformat() if content[key] else None
    return content


def _estimate_from_json(content: dict[str, Any]) -> statistics.Estimate:
    values = dict(content)
    values["verdict"] = statistics.Verdict(values["verdict"])
    for key in ("period_start", "period_end"):
        values[key] = datetime.date.fromisoformat(values[key]) if values[key] else None
    return statistics.Estimate(**values)


def _compute_comparison(scope: Scope, follow_up: datetime.date, source: PanelSource | None = None) -> dict[str, Any]:
    """Both estimates and the membership table; from `source` when given (the panels of every
    scope read once), otherwise from the facts of this scope alone."""
    panel, attributes = source.panel(scope) if source is not None else facts_panel(scope, follow_up)
    what = f"Members of {scope.name}" if scope.level == "hub" else "Institutions in a hub"
    return {
        "did": statistics.difference_in_differences(panel, what=what),
        "matched": statistics.matched_comparison(
            panel,
            attributes,
            baseline=datetime.date(follow_up.year - 2, 7, 31),
            follow_up=follow_up,
            what=f"{what} that joined between the two points",
        ),
        "table": dashboard.membership_trend_table(panel),
    }


def _to_content(found: dict[str, Any]) -> dict[str, Any]:
    return {
        "did": _estimate_to_json(found["did"]),
        "matched": _estimate_to_json(found["matched"]),
        "table": dataclasses.asdict(found["table"]),
    }


def _facts_version() -> str:
    state = InsightFactsState.objects.filter(pk=1).first()
    return state.source_version if state else ""


def _stored(scope: Scope, follow_up: datetime.date, version: str) -> InsightComparison | None:
    return InsightComparison.objects.filter(
        level=scope.level, scope_pk=scope.pk, follow_up=follow_up, source_version=version
    ).first()


def comparison_for(scope: Scope, follow_up: datetime.date) -> dict[str, Any]:
    """The Hub vs comparison estimates for `scope` up to `follow_up`: the stored ones if they
    were computed from the current facts, otherwise computed now and stored."""
    version = _facts_version()
    stored = _stored(scope, follow_up, version)
    if stored is not None:
        content = stored.content
        return {
            "did": _estimate_from_json(content["did"]),
            "matched": _estimate_from_json(content["matched"]),
            "table": dashboard.Table(**content["table"]),
        }
    found = _compute_comparison(scope, follow_up)
    InsightComparison.objects.update_or_create(
        level=scope.level,
        scope_pk=scope.pk,
        follow_up=follow_up,
        defaults={"source_version": version, "content": _to_content(found)},
    )
    return found


def comparison_scopes() -> list[Scope]:
    """Every scope with a dashboard: England, each region, local authority, LSIP area,
    Opportunity Area and hub (public reference data, read in full)."""
    scopes = [Scope("national", 0, "England")]
    for level, model in (
        ("region", Region),
        ("la", LocalAuthority),
        ("lsip", LSIPArea),
        ("oa", OpportunityArea),
        ("hub", Hub),
    ):
        scopes += [Scope(level, pk, name) for pk, name in model.objects.order_by("pk").values_list("pk", "name")]
    return scopes


def comparisons_warm() -> int:
    """Compute ahead the estimates every dashboard shows by default (at the latest summer point)
    for every scope with a dashboard, so that pages read them instead of fitting models. The
    summer facts, areas and memberships are read once and each scope's panel cut from them.
    Returns how many had to be computed (not stored already for the current facts). Nothing is
    stored if the facts changed meanwhile (the refresh that changed them warms again)."""
    latest = InsightFact.objects.order_by("-point").values_list("point", flat=True).first()
    if latest is None:
        return 0
    follow_up = summer_on_or_before(latest)
    version = _facts_version()
    current = set(
        InsightComparison.objects.filter(follow_up=follow_up, source_version=version).values_list("level", "scope_pk")
    )
    missing = [scope for scope in comparison_scopes() if (scope.level, scope.pk) not in current]
    if not missing:
        return 0
    source = panel_source(follow_up)
    computed = [
        InsightComparison(
            level=scope.level,
            scope_pk=scope.pk,
            follow_up=follow_up,
            source_version=version,
            content=_to_content(_compute_comparison(scope, follow_up, source)),
        )
        for scope in missing
    ]
    with transaction.atomic():
        if _facts_version() != version:
            return 0
        InsightComparison.objects.bulk_create(
            computed,
            batch_size=200,
            update_conflicts=True,
            unique_fields=["level", "scope_pk", "follow_up"],
            update_fields=["source_version", "content", "computed_at"],
        )
    return len(computed)
