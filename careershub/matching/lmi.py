"""Local labour-market figures shown beside a hub's priority sectors: employment by broad
industry in the hub's LSIP areas, 2022 (ONS Annual Population Survey, from DfE's Local Skills
dashboard; data files in `data/`, see its README). Broad industries map to SIC 2007 sections."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from careershub.hubs.models import Hub

DATA = Path(__file__).resolve().parent / "data"
YEAR = 2022


@dataclass(frozen=True)
class IndustryRow:
    industry: str
    sections: tuple[str, ...]
    employed: int
    share: float  # of everyone in employment in the area, 0 to 1
    priority: bool  # one of the hub's priority sectors falls in this industry


@dataclass(frozen=True)
class AreaFigures:
    area: str
    total: int
    rows: tuple[IndustryRow, ...]


@cache
def _sections() -> dict[str, tuple[str, ...]]:
    with (DATA / "aps_industry_sic_sections.csv").open(newline="", encoding="utf-8") as handle:
        return {row["industry"]: tuple(row["sic_sections"].split()) for row in csv.DictReader(handle)}


@cache
def _employment() -> dict[str, list[tuple[str, int, int]]]:
    by_area: dict[str, list[tuple[str, int, int]]] = {}
    with (DATA / "lsip_employment_by_industry_2022.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by_area.setdefault(row["lsip_area"], []).append((row["industry"], int(row["employed"]), int(row["total"])))
    return by_area


def hub_figures(hub: Hub, priorities: list[str]) -> tuple[list[AreaFigures], list[str]]:
    """(figures for each of the hub's LSIP areas that the data covers, names of areas it does not)."""
    names = sorted(
        {la.lsip_area.name for la in hub.local_authorities.select_related("lsip_area") if la.lsip_area is not None}
    )
    data, sections = _employment(), _sections()
    covered, missing = [], []
    for name in names:
        rows = data.get(name)
        if not rows:
            missing.append(name)
            continue
        total = rows[0][2]
        covered.append(
            AreaFigures(
                area=name,
                total=total,
                rows=tuple(
                    IndustryRow(
                        industry=industry,
                        sections=sections.get(industry, ()),
                        employed=employed,
                        share=employed / total if total else 0.0,
                        priority=bool(set(sections.get(industry, ())) & set(priorities)),
                    )
                    for industry, employed, _ in sorted(rows, key=lambda r: -r[1])
                ),
            )
        )
    return covered, missing
