#!/usr/bin/env python3
"""Build the geography reference files in `careershub/geography/data/` from the shared public data.

Run by hand when a source changes, review the diff, and commit the output:

    .venv/bin/python scripts/build_reference_data.py [SHARED_DATA_DIR]

SHARED_DATA_DIR defaults to `settings.SHARED_DATA_DIR` (or `../shared/data` beside the checkout).
The product never reads the shared folder: it loads the committed files (see
`careershub/geography/loaders.py`). Sources and licences are listed in `data/README.md`.

What it writes:

- regions.csv                9 English regions (GSS E12).
- combined_authorities.csv   combined (county) authorities, May 2025 (GSS E47).
- lsip_areas.csv             38 Local Skills Improvement Plan areas, Aug 2023 (GSS E69), with centroids.
- local_authorities.csv      upper-tier local authorities as DfE counts them (the 3-digit GIAS "LA
                             code"): the current ones, plus former ones that still appear in older GIAS
                             files (marked is_current=false, with their successors).
- districts.csv              current local authority districts (LADs) with their upper-tier authority,
                             LSIP area and combined authority.
- opportunity_areas.csv      the 12 Opportunity Areas and their 14 districts, as in the source file.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "careershub" / "geography" / "data"

HIERARCHY = "geography/dfeR_geo_hierarchy_ward_pcon_lad_la_ca_region.csv"
CA_LOOKUP = "geography/ons_lad_to_combined_authority_may2025.csv"
LSIP_LOOKUP = "geography/ons_lad23_to_lsip23_lookup.csv"
LSIP_AREAS = "geography/ons_lsip_areas_aug2023_buc.geojson"
CENTROIDS = "geography/dfe_lsip_dashboard_area_centroids_and_lmi_2025.csv"
MYSOCIETY = "geography/mysociety_uk_local_authorities_current.csv"
OPPORTUNITY_AREAS = "reference/opportunity_areas.csv"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, header: list[str], rows: Iterable[Mapping[str, object]]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: "" if row.get(key) is None else row[key] for key in header})
            count += 1
    return count


def clean(text: str) -> str:
    return " ".join(text.split())


def coordinate(value: float | str | None) -> str:
    if value is None or value in ("", "NA"):
        return ""
    return f"{float(value):.5f}"


@dataclass
class Authority:
    dfe_code: str
    gss_code: str
    name: str
    region_code: str
    latest_year: int
    districts: dict[str, str] = field(default_factory=dict)  # current LAD code -> name
    former_gss_codes: set[str] = field(default_factory=set)


class Builder:
    def __init__(self, source: Path) -> None:
        self.source = source
        self.hierarchy = [r for r in read_csv(source / HIERARCHY) if r["country_name"] == "England"]
        self.latest = max(int(r["most_recent_year_included"]) for r in self.hierarchy)
        self.regions: dict[str, str] = {}
        self.authorities: dict[str, Authority] = {}
        self.lad_former_codes: dict[str, set[str]] = defaultdict(set)
        self.lad_lsip: dict[str, str] = {}
        self.lad_ca: dict[str, str] = {}
        self.lsip_areas: dict[str, dict[str, str]] = {}
        self.combined_authorities: dict[str, str] = {}
        self.centroids: dict[str, tuple[str, str]] = {}

    # -- reading -------------------------------------------------------------------------------

    def dfe_code_by_name(self) -> dict[str, str]:
        """DfE codes by LA name, from the latest row that has a real code (some new rows say 'z')."""
        best: dict[str, tuple[int, str]] = {}
        for row in self.hierarchy:
            code = row["old_la_code"]
            year = int(row["most_recent_year_included"])
            if code.isdigit() and year >= best.get(row["la_name"], (0, ""))[0]:
                best[row["la_name"]] = (year, code)
        return {name: code for name, (_, code) in best.items()}

    def read_hierarchy(self) -> None:
        by_name = self.dfe_code_by_name()
        current_lads: dict[str, tuple[str, str]] = {}  # LAD code -> (name, DfE LA code)
        for row in sorted(self.hierarchy, key=lambda r: int(r["most_recent_year_included"])):
            code = row["old_la_code"] if row["old_la_code"].isdigit() else by_name[row["la_name"]]
            year = int(row["most_recent_year_included"])
            self.regions[row["region_code"]] = row["region_name"]
            authority = self.authorities.get(code)
            if authority is None or year >= authority.latest_year:
                previous = authority.former_gss_codes | {authority.gss_code} if authority else set()
                authority = Authority(code, row["new_la_code"], row["la_name"], row["region_code"], year)
                authority.former_gss_codes = previous - {authority.gss_code}
                authority.districts = self.authorities[code].districts if code in self.authorities else {}
                self.authorities[code] = authority
            if year == self.latest:
                authority.districts[row["lad_code"]] = row["lad_name"]
                current_lads[row["lad_code"]] = (row["lad_name"], code)
        # Districts that were re-coded without changing (e.g. Barnsley E08000016 -> E08000038).
        for row in self.hierarchy:
            if row["lad_code"] in current_lads:
                continue
            for lad_code, (name, code) in current_lads.items():
                if name == row["lad_name"] and code == (row["old_la_code"] or ""):
                    self.lad_former_codes[lad_code].add(row["lad_code"])

    def lookup(self, table: dict[str, str], lad_code: str) -> str:
        for code in [lad_code, *sorted(self.lad_former_codes[lad_code])]:
            if code in table:
                return table[code]
        return ""

    def read_lookups(self) -> None:
        for row in read_csv(self.source / LSIP_LOOKUP):
            self.lad_lsip[row["LAD23CD"]] = row["LSIP23CD"]
        for row in read_csv(self.source / CA_LOOKUP):
            self.lad_ca[row["LAD25CD"]] = row["CAUTH25CD"]
            self.combined_authorities[row["CAUTH25CD"]] = clean(row["CAUTH25NM"])
        features = json.loads((self.source / LSIP_AREAS).read_text(encoding="utf-8"))["features"]
        for feature in features:
            props = feature["properties"]
            self.lsip_areas[props["LSIP23CD"]] = {
                "gss_code": props["LSIP23CD"],
                "name": clean(props["LSIP23NM"]),
                "latitude": coordinate(props["LAT"]),
                "longitude": coordinate(props["LONG"]),
            }
        for row in read_csv(self.source / CENTROIDS):
            if row["geog"] == "LADU":
                self.centroids[row["areaCode"]] = (coordinate(row["LAT"]), coordinate(row["LONG"]))

    # -- deriving ------------------------------------------------------------------------------

    def district_rows(self) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = []
        for authority in self.authorities.values():
            for lad_code, name in authority.districts.items():
                lsip = self.lookup(self.lad_lsip, lad_code)
                if not lsip:
                    raise SystemExit(f"No LSIP area for district {lad_code} {name}")
                rows.append(
                    {
                        "gss_code": lad_code,
                        "name": name,
                        "la_dfe_code": authority.dfe_code,
                        "lsip_gss_code": lsip,
                        "ca_gss_code": self.lookup(self.lad_ca, lad_code),
                        "former_gss_codes": " ".join(sorted(self.lad_former_codes[lad_code])),
                    }
                )
        return sorted(rows, key=lambda r: str(r["gss_code"]))

    def current_authority_row(self, authority: Authority, districts: list[dict[str, object]]) -> dict[str, object]:
        mine = [d for d in districts if d["la_dfe_code"] == authority.dfe_code]
        lsips = {str(d["lsip_gss_code"]) for d in mine}
        cas = {str(d["ca_gss_code"]) for d in mine}
        points: list[tuple[str, str]] = []
        for district in mine:
            point = self.centroids.get(str(district["gss_code"])) or self.lookup_centroid(str(district["gss_code"]))
            if point is None:
                raise SystemExit(f"No centroid for district {district['gss_code']} of {authority.name}")
            points.append(point)
        latitude = sum(float(p[0]) for p in points) / len(points)
        longitude = sum(float(p[1]) for p in points) / len(points)
        return {
            "dfe_code": authority.dfe_code,
            "gss_code": authority.gss_code,
            "name": authority.name,
            "region_gss_code": authority.region_code,
            "ca_gss_code": cas.pop() if len(cas) == 1 else "",
            "lsip_gss_code": lsips.pop() if len(lsips) == 1 else "",
            "latitude": coordinate(latitude),
            "longitude": coordinate(longitude),
            "centroid_method": "district" if len(points) == 1 else f"mean of {len(points)} district centroids",
            "is_current": "true",
            "replaced_on": "",
            "successor_dfe_codes": "",
            "former_gss_codes": " ".join(sorted(authority.former_gss_codes)),
        }

    def lookup_centroid(self, lad_code: str) -> tuple[str, str] | None:
        for code in sorted(self.lad_former_codes[lad_code]):
            if code in self.centroids:
                return self.centroids[code]
        return None

    def former_authority_row(
        self, authority: Authority, mysociety: dict[str, dict[str, str]], current: dict[str, dict[str, object]]
    ) -> dict[str, object]:
        """An authority that no longer exists but still appears in older GIAS files (e.g. Cumbria, 909)."""
        record = mysociety.get(authority.gss_code)
        if record is None or not record["end-date"] or not record["replaced-by"]:
            raise SystemExit(f"No end date or successor in the mySociety register for {authority.name}")
        by_register_code = {r["local-authority-code"]: r["gss-code"] for r in mysociety.values()}
        by_gss = {str(r["gss_code"]): r for r in current.values()}
        successors = [by_gss[by_register_code[code]] for code in record["replaced-by"].split(",")]
        ended = datetime.date.fromisoformat(record["end-date"])
        replaced_on = ended if (ended.month, ended.day) == (4, 1) else ended + datetime.timedelta(days=1)
        lsips = {str(s["lsip_gss_code"]) for s in successors}
        cas = {str(s["ca_gss_code"]) for s in successors}
        return {
            "dfe_code": authority.dfe_code,
            "gss_code": authority.gss_code,
            "name": authority.name,
            "region_gss_code": authority.region_code,
            "ca_gss_code": cas.pop() if len(cas) == 1 else "",
            "lsip_gss_code": lsips.pop() if len(lsips) == 1 else "",
            "latitude": "",
            "longitude": "",
            "centroid_method": "",
            "is_current": "false",
            "replaced_on": replaced_on.isoformat(),
            "successor_dfe_codes": " ".join(sorted(str(s["dfe_code"]) for s in successors)),
            "former_gss_codes": " ".join(sorted(authority.former_gss_codes)),
        }

    def authority_rows(self, districts: list[dict[str, object]]) -> list[dict[str, object]]:
        current = {
            a.dfe_code: self.current_authority_row(a, districts) for a in self.authorities.values() if a.districts
        }
        mysociety = {r["gss-code"]: r for r in read_csv(self.source / MYSOCIETY)}
        former = {
            a.dfe_code: self.former_authority_row(a, mysociety, current)
            for a in self.authorities.values()
            if not a.districts
        }
        return sorted([*current.values(), *former.values()], key=lambda r: str(r["dfe_code"]))

    # -- checks and output ---------------------------------------------------------------------

    @staticmethod
    def check(condition: bool, message: str) -> None:
        if not condition:
            raise SystemExit(f"Check failed: {message}")

    def build(self, out: Path) -> dict[str, int]:
        self.read_hierarchy()
        self.read_lookups()
        districts = self.district_rows()
        authorities = self.authority_rows(districts)
        current = [a for a in authorities if a["is_current"] == "true"]
        opportunity = read_csv(self.source / OPPORTUNITY_AREAS)
        dfe_codes = {str(a["dfe_code"]) for a in authorities}

        self.check(len(self.regions) == 9, f"9 regions, not {len(self.regions)}")
        self.check(len(self.lsip_areas) == 38, f"38 LSIP areas, not {len(self.lsip_areas)}")
        self.check(len({a["gss_code"] for a in authorities}) == len(authorities), "unique LA GSS codes")
        self.check(all(str(a["dfe_code"]).isdigit() for a in authorities), "3-digit DfE codes")
        self.check(all(d["lsip_gss_code"] in self.lsip_areas for d in districts), "districts' LSIP areas known")
        self.check(all(row["dfe_la_code"] in dfe_codes for row in opportunity), "Opportunity Area LAs known")
        self.check(len({row["opportunity_area"] for row in opportunity}) == 12, "12 Opportunity Areas")

        out.mkdir(parents=True, exist_ok=True)
        counts = {
            "regions": write_csv(
                out / "regions.csv",
                ["gss_code", "name"],
                ({"gss_code": code, "name": name} for code, name in sorted(self.regions.items())),
            ),
            "combined_authorities": write_csv(
                out / "combined_authorities.csv",
                ["gss_code", "name"],
                ({"gss_code": c, "name": n} for c, n in sorted(self.combined_authorities.items())),
            ),
            "lsip_areas": write_csv(
                out / "lsip_areas.csv",
                ["gss_code", "name", "latitude", "longitude"],
                (row for _, row in sorted(self.lsip_areas.items())),
            ),
            "local_authorities": write_csv(out / "local_authorities.csv", list(authorities[0]), authorities),
            "districts": write_csv(out / "districts.csv", list(districts[0]), districts),
            "opportunity_areas": write_csv(out / "opportunity_areas.csv", list(opportunity[0]), opportunity),
        }
        counts["current_local_authorities"] = len(current)
        return counts


def default_source() -> Path:
    try:
        from django.conf import settings

        return Path(settings.SHARED_DATA_DIR)
    except Exception:  # Django not configured: fall back to the folder beside the checkout
        return REPO.parent / "shared" / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", type=Path, help="the shared data folder (default: SHARED_DATA_DIR)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help=f"output folder (default: {OUT_DIR})")
    args = parser.parse_args(argv)
    source: Path = args.source or default_source()
    if not (source / HIERARCHY).exists():
        parser.error(f"{source / HIERARCHY} not found; pass the shared data folder")
    counts = Builder(source).build(args.out)
    for name, count in counts.items():
        print(f"{name}: {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
