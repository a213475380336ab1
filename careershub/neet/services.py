"""Writes: loading the published figures (the only write this app makes)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from careershub.audit.models import AuditAction
from careershub.audit.services import record
from careershub.geography.models import Region
from careershub.neet.loading import DATA_DIR, FigureRow, Published, read_published
from careershub.neet.models import Figure, FigureLoad, Measure

FIELDS = [
    "area_name", "la_code", "region_name", "year", "value", "marker", "published", "numerator", "denominator",
    "source_file", "source_row",
]  # fmt: skip


@dataclass(frozen=True)
class LoadOutcome:
    created: int
    updated: int
    removed: int
    unchanged: int
    skipped: list[str]
    load: FigureLoad | None

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)

    def __str__(self) -> str:
        return (
            f"{self.created} new, {self.updated} changed, {self.removed} removed, {self.unchanged} unchanged "
            f"published figures"
        )


def region_names() -> dict[str, tuple[str, str]]:
    return {name.lower(): (code, name) for code, name in Region.objects.values_list("gss_code", "name")}


def check_files(*, folder: Path = DATA_DIR) -> Published:
    """Read and validate the files (raises `NeetDataError`); writes nothing."""
    return read_published(folder, region_names=region_names())


def _comparable(row: FigureRow) -> tuple[Any, ...]:
    return tuple(getattr(row, name) for name in FIELDS)


def _stored(figure: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(figure[name] for name in FIELDS)


def preview(published: Published) -> LoadOutcome:
    """What `load_figures` would do with these files, without doing it."""
    return _plan(published)[0]


def _plan(published: Published) -> tuple[LoadOutcome, list[FigureRow], list[tuple[int, FigureRow]], list[int]]:
    codes = {m.code for m in published.measures}
    existing: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for figure in Figure.objects.filter(measure__code__in=codes).values(
        "id", "measure__code", "level", "area_code", "period", *FIELDS
    ):
        existing[(figure["measure__code"], figure["level"], figure["area_code"], figure["period"])] = figure
    # Stored decimals come back with 4 places; compare as numbers.
    new: list[FigureRow] = []
    changed: list[tuple[int, FigureRow]] = []
    unchanged = 0
    for row in published.rows:
        found = existing.pop(row.key, None)
        if found is None:
            new.append(row)
        elif _normal(_stored(found)) != _normal(_comparable(row)):
            changed.append((found["id"], row))
        else:
            unchanged += 1
    removed = [f["id"] for f in existing.values()]
    outcome = LoadOutcome(len(new), len(changed), len(removed), unchanged, published.skipped, None)
    return outcome, new, changed, removed


def _normal(values: tuple[Any, ...]) -> tuple[Any, ...]:
    from decimal import Decimal

    return tuple(v.normalize() if isinstance(v, Decimal) else v for v in values)


def load_figures(*, published: Published, actor: Any = None) -> LoadOutcome:
    """Apply the checked files in one transaction: measures from `measures.yaml`, then every figure
    created, changed or removed so that the tables hold exactly what the files publish. Loading
    the same files again changes nothing (and records nothing)."""
    with transaction.atomic():
        measures = _sync_measures(published)
        outcome, new, changed, removed = _plan(published)
        if not outcome.changed:
            return outcome
        Figure.objects.filter(pk__in=removed).delete()
        _insert(new, measures)
        updates = []
        for pk, row in changed:
            figure = Figure(pk=pk, measure=measures[row.measure], level=row.level, area_code=row.area_code)
            for name in FIELDS:
                setattr(figure, name, getattr(row, name))
            updates.append(figure)
        Figure.objects.bulk_update(updates, FIELDS, batch_size=2000)
        load = FigureLoad.objects.create(
            loaded_by=actor if getattr(actor, "is_authenticated", False) else None,
            fingerprint=published.fingerprint,
            files=published.files,
            created=outcome.created,
            updated=outcome.updated,
            removed=outcome.removed,
            unchanged=outcome.unchanged,
        )
        record(
            actor=actor,
            organisation=None,
            action=AuditAction.IMPORT,
            instance=load,
            after={"created": outcome.created, "updated": outcome.updated, "removed": outcome.removed},
            label=f"Published NEET figures loaded: {outcome}",
        )
    return LoadOutcome(outcome.created, outcome.updated, outcome.removed, outcome.unchanged, outcome.skipped, load)


def _insert(rows: list[FigureRow], measures: dict[str, Measure]) -> None:
    """Insert new figures with one `executemany` (tens of thousands of rows: the ORM's
    bulk_create spends ten times as long building SQL)."""
    table = connection.ops.quote_name(Figure._meta.db_table)
    columns = ["measure_id", "level", "area_code", "period", *FIELDS]
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    places = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({places})",  # noqa: S608 - names are the model's own
            [
                (measures[row.measure].pk, row.level, row.area_code, row.period, *(getattr(row, n) for n in FIELDS))
                for row in rows
            ],
        )


def _sync_measures(published: Published) -> dict[str, Measure]:
    measures: dict[str, Measure] = {}
    for spec in published.measures:
        measure, _ = Measure.objects.update_or_create(
            code=spec.code,
            defaults={
                "source": spec.source,
                "column": spec.column,
                "name": spec.name,
                "unit": spec.unit,
                "decimal_places": spec.decimal_places,
                "polarity": spec.polarity,
                "description": spec.description,
            },
        )
        measures[spec.code] = measure
    for spec in published.measures:
        denominator = measures.get(spec.denominator) if spec.denominator else None
        if measures[spec.code].denominator_id != (denominator.pk if denominator else None):
            measures[spec.code].denominator = denominator
            measures[spec.code].save(update_fields=["denominator"])
    return measures
