"""Load the geography reference data committed in `careershub/geography/data/` into the database.

`load_geography()` upserts by code (GSS code, DfE code or name), so running it again changes
nothing, and running it after the files change updates the rows in place. It never deletes: other
data points at local authorities. It is called by the data migration `0002_load_reference_data`
(with the migration's historical app registry) and by `manage.py load_geography`.

The files are built by `scripts/build_reference_data.py`; sources and licences are in
`data/README.md`. The product reads only these committed files, never the shared data folder.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps
from django.db import transaction

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass
class LoadCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    links_changed: int = 0  # many-to-many links (successors, an Opportunity Area's authorities)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.links_changed

    def __str__(self) -> str:
        text = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        return f"{text}, {self.links_changed} links changed" if self.links_changed else text


def read_rows(name: str, data_dir: Path = DATA_DIR) -> list[dict[str, str]]:
    with (data_dir / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _float(value: str) -> float | None:
    return float(value) if value else None


def _date(value: str) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def upsert(
    model: Any, keys: Sequence[str], rows: Iterable[dict[str, Any]]
) -> tuple[dict[tuple[Any, ...], Any], LoadCounts]:
    """Create or update `model` rows, matched on the `keys` fields. Row values use attnames (`region_id`).

    Returns every matched or created object by key, and what changed."""
    counts = LoadCounts()
    manager = model._default_manager
    existing = {tuple(getattr(obj, key) for key in keys): obj for obj in manager.all()}
    objects: dict[tuple[Any, ...], Any] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        obj = existing.get(key)
        if obj is None:
            obj = manager.create(**row)
            counts.created += 1
        else:
            changed = [name for name, value in row.items() if getattr(obj, name) != value]
            if changed:
                for name in changed:
                    setattr(obj, name, row[name])
                obj.save(update_fields=changed)
                counts.updated += 1
            else:
                counts.unchanged += 1
        objects[key] = obj
    return objects, counts


def _set_m2m(manager: Any, wanted: set[int]) -> bool:
    if set(manager.values_list("pk", flat=True)) == wanted:
        return False
    manager.set(wanted)
    return True


@transaction.atomic
def load_geography(apps: Any = None, data_dir: Path = DATA_DIR) -> dict[str, LoadCounts]:
    """Upsert every reference file. Pass a migration's `apps` registry; defaults to the live models."""
    registry = apps or global_apps

    def model(name: str) -> Any:
        return registry.get_model("geography", name)

    result: dict[str, LoadCounts] = {}
    regions, result["regions"] = upsert(model("Region"), ["gss_code"], read_rows("regions.csv", data_dir))
    cas, result["combined_authorities"] = upsert(
        model("CombinedAuthority"), ["gss_code"], read_rows("combined_authorities.csv", data_dir)
    )
    lsips, result["lsip_areas"] = upsert(
        model("LSIPArea"),
        ["gss_code"],
        (
            {**row, "latitude": _float(row["latitude"]), "longitude": _float(row["longitude"])}
            for row in read_rows("lsip_areas.csv", data_dir)
        ),
    )

    def pk(objects: dict[tuple[Any, ...], Any], code: str) -> int | None:
        return objects[(code,)].pk if code else None

    la_rows = read_rows("local_authorities.csv", data_dir)
    las, result["local_authorities"] = upsert(
        model("LocalAuthority"),
        ["dfe_code"],
        (
            {
                "dfe_code": row["dfe_code"],
                "gss_code": row["gss_code"],
                "name": row["name"],
                "region_id": pk(regions, row["region_gss_code"]),
                "combined_authority_id": pk(cas, row["ca_gss_code"]),
                "lsip_area_id": pk(lsips, row["lsip_gss_code"]),
                "latitude": _float(row["latitude"]),
                "longitude": _float(row["longitude"]),
                "is_current": row["is_current"] == "true",
                "replaced_on": _date(row["replaced_on"]),
                "former_gss_codes": row["former_gss_codes"],
            }
            for row in la_rows
        ),
    )
    for row in la_rows:
        wanted = {las[(code,)].pk for code in row["successor_dfe_codes"].split()}
        if _set_m2m(las[(row["dfe_code"],)].successors, wanted):
            result["local_authorities"].links_changed += 1

    _, result["districts"] = upsert(
        model("District"),
        ["gss_code"],
        (
            {
                "gss_code": row["gss_code"],
                "name": row["name"],
                "local_authority_id": pk(las, row["la_dfe_code"]),
                "lsip_area_id": pk(lsips, row["lsip_gss_code"]),
                "combined_authority_id": pk(cas, row["ca_gss_code"]),
                "former_gss_codes": row["former_gss_codes"],
            }
            for row in read_rows("districts.csv", data_dir)
        ),
    )
    result.update(_load_opportunity_areas(model, las, read_rows("opportunity_areas.csv", data_dir)))
    return result


def _load_opportunity_areas(model: Any, las: dict[tuple[Any, ...], Any], rows: list[dict[str, str]]) -> dict[str, Any]:
    areas, area_counts = upsert(
        model("OpportunityArea"),
        ["name"],
        (
            {"name": name, "announced": announced}
            for name, announced in dict.fromkeys((row["opportunity_area"], row["announced"]) for row in rows)
        ),
    )
    _, district_counts = upsert(
        model("OpportunityAreaDistrict"),
        ["opportunity_area_id", "gss_code"],
        (
            {
                "opportunity_area_id": areas[(row["opportunity_area"],)].pk,
                "gss_code": row["lad_code"],
                "name": row["lad_name"],
                "successor_gss_code": row["successor_lad_code"],
                "successor_name": row["successor_lad_name"],
                "note": row["note"],
            }
            for row in rows
        ),
    )
    for (name,), area in areas.items():
        wanted = {las[(row["dfe_la_code"],)].pk for row in rows if row["opportunity_area"] == name}
        if _set_m2m(area.local_authorities, wanted):
            area_counts.links_changed += 1
    return {"opportunity_areas": area_counts, "opportunity_area_districts": district_counts}
