#!/usr/bin/env python3
"""Copy DfE's published NEET, participation and destination files into `careershub/neet/data/`.

Run by hand when a source changes, review the diff, and commit the output:

    .venv/bin/python scripts/build_neet_data.py [SHARED_DATA_DIR]

The product never reads the shared folder: `manage.py load_neet_figures` loads the committed files.
What it writes (values are never changed; see `careershub/neet/data/README.md`):

- the four NEET scorecard files and the KS4 destination counts by district, copied byte for byte;
- `dfe_lait_neet_participation_destinations.csv`: the rows of the LAIT long table for the LAIT
  measures listed in `measures.yaml` (a selection of rows; every row unchanged);
- `dfe_lait_data_dictionary_neet.csv`: the data-dictionary rows for those measures;
- `lad_to_la.csv`: district (LAD) code -> DfE 3-digit local authority code and the years the pair is
  valid, from the dfeR geography hierarchy (distinct pairs), used to add district counts up to
  local authorities.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import shutil
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "careershub" / "neet" / "data"
NEET = Path("neet_destinations")
HIERARCHY = Path("geography") / "dfeR_geo_hierarchy_ward_pcon_lad_la_ca_region.csv"
COPIED = [
    "dfe_neet_la_scorecard_2021.csv",
    "dfe_neet_la_scorecard_2022.csv",
    "dfe_neet_la_scorecard_2023.csv",
    "dfe_neet_la_scorecard_2025.csv",
    "dfe_ks4_destination_measures_lad_201516_202122.csv",
]


def lait_measures() -> set[str]:
    spec = yaml.safe_load((OUT_DIR / "measures.yaml").read_text(encoding="utf-8"))
    return {m["column"] for m in spec["measures"] if m["source"] == "lait"}


def filter_rows(source: Path, target: Path, column: str, keep: set[str]) -> int:
    with source.open(newline="", encoding="utf-8-sig") as handle, target.open("w", newline="", encoding="utf-8") as out:
        reader = csv.reader(handle)
        writer = csv.writer(out, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        index = header.index(column)
        count = 0
        for row in reader:
            if row and row[index] in keep:
                writer.writerow(row)
                count += 1
    return count


def lad_lookup(source: Path, target: Path) -> int:
    spans: dict[tuple[str, str, str], list[int]] = {}
    with source.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            key = (row["lad_code"], row["lad_name"], row["old_la_code"])
            first, last = int(row["first_available_year_included"]), int(row["most_recent_year_included"])
            span = spans.setdefault(key, [first, last])
            span[0], span[1] = min(span[0], first), max(span[1], last)
    with target.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["lad_code", "lad_name", "old_la_code", "first_year", "last_year"])
        for (lad, name, la), (first, last) in sorted(spans.items()):
            writer.writerow([lad, name, la, first, last])
    return len(spans)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args(argv)
    source: Path = args.source
    for name in COPIED:
        shutil.copyfile(source / NEET / name, OUT_DIR / name)
        print(f"copied {name}")
    keep = lait_measures()
    lait = OUT_DIR / "dfe_lait_neet_participation_destinations.csv"
    count = filter_rows(source / NEET / "dfe_lait_careers_relevant_la_timeseries.csv", lait, "measure_short", keep)
    # Kept compressed (2.3 MB as CSV); the loader reads `name.csv.gz` as `name.csv`. mtime=0 so
    # the same rows give the same bytes.
    lait.with_name(lait.name + ".gz").write_bytes(gzip.compress(lait.read_bytes(), compresslevel=9, mtime=0))
    lait.unlink()
    print(f"LAIT rows kept: {count}")
    count = filter_rows(
        source / NEET / "dfe_lait_data_dictionary_subset.csv",
        OUT_DIR / "dfe_lait_data_dictionary_neet.csv",
        "Measure_short",
        keep,
    )
    print(f"LAIT dictionary rows kept: {count}")
    print(f"LAD to LA pairs: {lad_lookup(source / HIERARCHY, OUT_DIR / 'lad_to_la.csv')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
