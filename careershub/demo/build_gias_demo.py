#!/usr/bin/env python3
"""Build `careershub/demo/data/gias_demo.csv`: real establishments in the GIAS "all establishment
data" layout (`edubasealldataYYYYMMDD.csv`), small enough to commit, for the demo.

Run by hand when you want to change the selection, review the diff, and commit the output:

    .venv/bin/python careershub/demo/build_gias_demo.py [SHARED_DATA_DIR]

The demo never reads the shared folder: `manage.py load_demo_data` imports the committed file
through the GIAS importer. What the file holds and where each value comes from is described in
`careershub/demo/data/README.md`.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "data" / "gias_demo.csv"
GEOGRAPHY = HERE.parent / "geography" / "data"

TRAFFORD = "schools/gias_trafford_open_schools_20240926.csv"
EDUBASE_2017 = "schools/edubase_2017_07_subset_unmatched_postcodes.csv"
BASIC_2022 = "schools/gias_england_all_establishments_basic_2022.csv"
TYPES = "schools/gias_establishment_types_20250109.csv"

#: LAs taken from the July 2017 EduBase subset (Trafford comes from the 2024 extract).
EDUBASE_LAS = ("352", "355", "356", "357", "877", "895", "896", "909")

#: The GIAS "all establishment data" header, in order (download of 2023-04-21).
HEADER = [
    "URN", "LA (code)", "LA (name)", "EstablishmentNumber", "EstablishmentName",
    "TypeOfEstablishment (code)", "TypeOfEstablishment (name)", "EstablishmentTypeGroup (code)",
    "EstablishmentTypeGroup (name)", "EstablishmentStatus (code)", "EstablishmentStatus (name)",
    "ReasonEstablishmentOpened (code)", "ReasonEstablishmentOpened (name)", "OpenDate",
    "ReasonEstablishmentClosed (code)", "ReasonEstablishmentClosed (name)", "CloseDate",
    "PhaseOfEducation (code)", "PhaseOfEducation (name)", "StatutoryLowAge", "StatutoryHighAge",
    "Boarders (code)", "Boarders (name)", "NurseryProvision (name)", "OfficialSixthForm (code)",
    "OfficialSixthForm (name)", "Gender (code)", "Gender (name)", "ReligiousCharacter (code)",
    "ReligiousCharacter (name)", "ReligiousEthos (name)", "Diocese (code)", "Diocese (name)",
    "AdmissionsPolicy (code)", "AdmissionsPolicy (name)", "SchoolCapacity", "SpecialClasses (code)",
    "SpecialClasses (name)", "CensusDate", "NumberOfPupils", "NumberOfBoys", "NumberOfGirls",
    "PercentageFSM", "TrustSchoolFlag (code)", "TrustSchoolFlag (name)", "Trusts (code)", "Trusts (name)",
    "SchoolSponsorFlag (name)", "SchoolSponsors (name)", "FederationFlag (name)", "Federations (code)",
    "Federations (name)", "UKPRN", "FEHEIdentifier", "FurtherEducationType (name)", "OfstedLastInsp",
    "OfstedSpecialMeasures (code)", "OfstedSpecialMeasures (name)", "LastChangedDate", "Street",
    "Locality", "Address3", "Town", "County (name)", "Postcode", "SchoolWebsite", "TelephoneNum",
    "HeadTitle (name)", "HeadFirstName", "HeadLastName", "HeadPreferredJobTitle",
    "BSOInspectorateName (name)", "InspectorateReport", "DateOfLastInspectionVisit",
    "NextInspectionVisit", "TeenMoth (name)", "TeenMothPlaces", "CCF (name)", "SENPRU (name)",
    "EBD (name)", "PlacesPRU", "FTProv (name)", "EdByOther (name)", "Section41Approved (name)",
    "SEN1 (name)", "SEN2 (name)", "SEN3 (name)", "SEN4 (name)", "SEN5 (name)", "SEN6 (name)",
    "SEN7 (name)", "SEN8 (name)", "SEN9 (name)", "SEN10 (name)", "SEN11 (name)", "SEN12 (name)",
    "SEN13 (name)", "TypeOfResourcedProvision (name)", "ResourcedProvisionOnRoll",
    "ResourcedProvisionCapacity", "SenUnitOnRoll", "SenUnitCapacity", "GOR (code)", "GOR (name)",
    "DistrictAdministrative (code)", "DistrictAdministrative (name)", "AdministrativeWard (code)",
    "AdministrativeWard (name)", "ParliamentaryConstituency (code)", "ParliamentaryConstituency (name)",
    "UrbanRural (code)", "UrbanRural (name)", "GSSLACode (name)", "Easting", "Northing", "MSOA (name)",
    "LSOA (name)", "InspectorateName (name)", "SENStat", "SENNoStat", "BoardingEstablishment (name)",
    "PropsName", "PreviousLA (code)", "PreviousLA (name)", "PreviousEstablishmentNumber",
    "OfstedRating (name)", "RSCRegion (name)", "Country (name)", "UPRN", "SiteName", "QABName (code)",
    "QABName (name)", "EstablishmentAccredited (code)", "EstablishmentAccredited (name)", "QABReport",
    "CHNumber", "MSOA (code)", "LSOA (code)", "FSM",
]  # fmt: skip

STATUS_CODES = {"Open": "1", "Closed": "2", "Open, but proposed to close": "3", "Proposed to open": "4"}
PHASE_CODES = {
    "Not applicable": "0",
    "Nursery": "1",
    "Primary": "2",
    "Middle deemed primary": "3",
    "Secondary": "4",
    "Middle deemed secondary": "5",
    "16 plus": "6",
    "All-through": "7",
}
GOR_CODES = {
    "North East": "A",
    "North West": "B",
    "Yorkshire and the Humber": "D",
    "East Midlands": "E",
    "West Midlands": "F",
    "East of England": "G",
    "London": "H",
    "South East": "J",
    "South West": "K",
}

#: Trafford establishments whose precise type the 2024 extract does not give (it has the type
#: group only) but which is certain from the group and what the establishment is. Any other
#: Trafford row keeps only its type group unless the 2017 file gives its type. See data/README.md.
TRAFFORD_TYPES = {
    "130519": ("18", "General Further Education College"),  # The Trafford and Stockport College Group
    "131134": ("14", ""),  # Trafford Alternative Education Provision: an LA-maintained AP is a PRU
    "142914": ("32", ""),  # Brentwood Community College: 19-25 "Other types" beside Brentwood School
    "142288": ("44", ""),  # Manor Academy Sale: the former Manor High special school, an academy since 2016
}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def value(text: str | None) -> str:
    text = (text or "").strip()
    return "" if text in {"NA", "N/A", "NULL"} else text


def normalise(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", text.lower()).split()
    joined = " ".join("local authority" if word == "la" else word for word in words)
    return re.sub(r"\b(\d+) to (\d+)\b", r"\1 \2", joined)


def gias_date(text: str) -> str:
    """EduBase 2017 writes DD/MM/YYYY; GIAS writes DD-MM-YYYY."""
    return value(text).replace("/", "-")


def phase_name(text: str) -> str:
    text = value(text)
    return {normalise(name): name for name in PHASE_CODES}.get(normalise(text), text)


class Sources:
    def __init__(self, shared: Path) -> None:
        self.types: dict[str, tuple[str, str, str]] = {}  # code -> (name, group code, group name)
        self.type_by_name: dict[str, str] = {}
        for row in read_csv(shared / TYPES):
            code = row["type-of-establishment-code"]
            self.types.setdefault(
                code,
                (
                    row["type-of-establishment-name"],
                    row["establishment-type-group-code"],
                    row["establishment-type-group-name"],
                ),
            )
            self.type_by_name.setdefault(normalise(row["type-of-establishment-name"]), code)
        self.basic = {row["urn"]: row for row in read_csv(shared / BASIC_2022)}
        self.edubase = {row["URN"]: row for row in read_csv(shared / EDUBASE_2017)}
        self.trafford = read_csv(shared / TRAFFORD)
        self.las = {row["dfe_code"]: row for row in read_csv(GEOGRAPHY / "local_authorities.csv")}
        self.regions = {row["gss_code"]: row["name"] for row in read_csv(GEOGRAPHY / "regions.csv")}
        districts: dict[str, list[dict[str, str]]] = {}
        for row in read_csv(GEOGRAPHY / "districts.csv"):
            districts.setdefault(row["la_dfe_code"], []).append(row)
        self.single_district = {code: rows[0] for code, rows in districts.items() if len(rows) == 1}

    def type_fields(self, code: str, fe_type: str = "") -> dict[str, str]:
        name, group_code, group_name = self.types[code]
        return {
            "TypeOfEstablishment (code)": code,
            "TypeOfEstablishment (name)": name,
            "EstablishmentTypeGroup (code)": group_code,
            "EstablishmentTypeGroup (name)": group_name,
            "FurtherEducationType (name)": fe_type,
        }

    def geography_fields(self, la_code: str) -> dict[str, str]:
        la = self.las[la_code]
        region = self.regions[la["region_gss_code"]]
        gor = "Yorkshire and the Humber" if region == "Yorkshire and The Humber" else region
        fields = {
            "LA (code)": la_code,
            "LA (name)": la["name"],
            "GSSLACode (name)": la["gss_code"],
            "GOR (code)": GOR_CODES[gor],
            "GOR (name)": gor,
            "Country (name)": "",
        }
        district = self.single_district.get(la_code)
        if district is not None and la["is_current"] == "true":
            fields["DistrictAdministrative (code)"] = district["gss_code"]
            fields["DistrictAdministrative (name)"] = district["name"]
        return fields

    def status_fields(self, urn: str, status: str, opened: str) -> dict[str, str]:
        """Closure as recorded in the 2022 GIAS list, which is later than the 2017 file."""
        basic = self.basic.get(urn, {})
        closed = value(basic.get("close_date"))
        if closed:
            status = "Closed"
        elif status == "Open, but proposed to close":
            status = "Open"  # still open five years later
        if not opened and value(basic.get("open_date")) != "01-01-1900":  # 1900: a placeholder for "not known"
            opened = value(basic.get("open_date"))
        return {
            "EstablishmentStatus (code)": STATUS_CODES[status],
            "EstablishmentStatus (name)": status,
            "OpenDate": opened,
            "CloseDate": closed,
        }


def wanted_2017(row: dict[str, str]) -> bool:
    """Secondary schools, colleges, special schools and alternative provision; not independent
    mainstream schools, primaries or nurseries."""
    kind = value(row["Type of establishment"])
    phase = value(row["Phase of education"])
    if not kind or kind == "Other Independent School":
        return False
    if re.search(r"Special|Pupil Referral|Alternative Provision|16-19|16 Plus", kind):
        return True
    return phase in {"Secondary", "All Through", "16 Plus", "Middle Deemed Secondary"}


def from_2017(sources: Sources, row: dict[str, str]) -> dict[str, str]:
    type_code = sources.type_by_name[normalise(row["Type of establishment"])]
    phase = phase_name(row["Phase of education"])
    out = {
        "URN": row["URN"],
        "EstablishmentNumber": value(row["Establishment number"]),
        "EstablishmentName": value(row["Establishment name"]),
        **sources.type_fields(type_code),
        **sources.status_fields(row["URN"], value(row["Establishment status"]), gias_date(row["Opening date"])),
        "ReasonEstablishmentOpened (name)": value(row["Reason establishment opened"]),
        "PhaseOfEducation (code)": PHASE_CODES.get(phase, ""),
        "PhaseOfEducation (name)": phase,
        "StatutoryLowAge": value(row["Statutory lowest age"]),
        "StatutoryHighAge": value(row["Statutory highest age"]),
        "Boarders (name)": value(row["Boarders"]),
        "OfficialSixthForm (name)": value(row["Sixth form"]),
        "Gender (name)": value(row["Gender"]),
        "ReligiousCharacter (name)": value(row["Religious character"]),
        "ReligiousEthos (name)": value(row["Religious ethos"]),
        "AdmissionsPolicy (name)": value(row["Admissions policy"]),
        "UKPRN": value(row["UKPRN"]),
        "Street": value(row["Street"]),
        "Locality": value(row["Locality"]),
        "Address3": value(row["Address3"]),
        "Town": value(row["Town"]),
        "County (name)": value(row["County"]),
        "Postcode": value(row["Postcode"]),
        "SchoolWebsite": value(row["Website address"]),
        "ParliamentaryConstituency (code)": value(row["Parliamentary Constituency (code)"]),
        "ParliamentaryConstituency (name)": value(row["Parliamentary Constituency (name)"]),
        **sources.geography_fields(row["Local authority (code)"]),
    }
    return out


def wanted_trafford(row: dict[str, str]) -> bool:
    group = row["type"]
    if group in {"Special schools", "Colleges", "Other types"}:
        return True
    if group == "Independent schools":
        return False
    return int(row["highest_admission_age"]) > 11


def trafford_type(sources: Sources, row: dict[str, str]) -> dict[str, str]:
    urn = row["unique_reference_number"]
    if urn in TRAFFORD_TYPES:
        return sources.type_fields(*TRAFFORD_TYPES[urn])
    earlier = sources.edubase.get(urn)
    if earlier is not None:
        code = sources.type_by_name[normalise(earlier["Type of establishment"])]
        if sources.types[code][2] == row["type"]:  # same group: the type has not changed since
            return sources.type_fields(code)
    groups = {group_name: group_code for _, group_code, group_name in sources.types.values()}
    return {"EstablishmentTypeGroup (code)": groups[row["type"]], "EstablishmentTypeGroup (name)": row["type"]}


def trafford_phase(fields: dict[str, str], low: int, high: int) -> str:
    """GIAS records special schools, PRUs and AP as 'Not applicable' and colleges as '16 plus'."""
    group = fields["EstablishmentTypeGroup (name)"]
    type_name = fields.get("TypeOfEstablishment (name)", "")
    if group == "Special schools" or "special" in type_name.lower() or "referral" in type_name.lower():
        return "Not applicable"
    if group in {"Colleges", "Other types"} or low >= 16:
        return "16 plus"
    return "Secondary" if low >= 11 else "All-through"


def easting_northing(longitude: str, latitude: str) -> tuple[str, str]:
    if not value(longitude) or not value(latitude):
        return "", ""
    from pyproj import Transformer

    transformer = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    easting, northing = transformer.transform(float(longitude), float(latitude))
    return f"{easting:.0f}", f"{northing:.0f}"


def from_trafford(sources: Sources, row: dict[str, str]) -> dict[str, str]:
    urn = row["unique_reference_number"]
    basic = sources.basic.get(urn, {})
    fields = trafford_type(sources, row)
    low, high = int(row["lowest_admission_age"]), int(row["highest_admission_age"])
    phase = trafford_phase(fields, low, high)
    easting, northing = easting_northing(row["lon"], row["lat"])
    trust_flag = value(row["trust_type"])
    return {
        "URN": urn,
        "EstablishmentNumber": value(row["establishment_number"]),
        "EstablishmentName": value(row["name"]),
        **fields,
        **sources.status_fields(urn, "Open", ""),
        "PhaseOfEducation (code)": PHASE_CODES[phase],
        "PhaseOfEducation (name)": phase,
        "StatutoryLowAge": str(low),
        "StatutoryHighAge": str(high),
        "Gender (name)": value(row["gender"]),
        "ReligiousCharacter (name)": value(row["religion"]),
        "SchoolCapacity": value(row["capacity"]),
        "PercentageFSM": value(row["percent_fsm"]),
        "TrustSchoolFlag (name)": trust_flag,
        "Trusts (name)": value(row["sponsoring_trust"]) if "academy trust" in trust_flag else "",
        "Town": value(basic.get("town")) if value(basic.get("town")) != value(row["postcode"]) else "",
        "Postcode": value(row["postcode"]),
        "SchoolWebsite": value(row["website"]),
        "OfstedRating (name)": value(row["ofsted_rating"]),
        "Easting": easting,
        "Northing": northing,
        **sources.geography_fields("358"),
    }


def rows(sources: Sources) -> Iterator[dict[str, str]]:
    for row in sources.trafford:
        if wanted_trafford(row):
            yield from_trafford(sources, row)
    for row in sources.edubase.values():
        if row["Local authority (code)"] in EDUBASE_LAS and wanted_2017(row):
            yield from_2017(sources, row)


def build(shared: Path, out: Path = OUT) -> int:
    sources = Sources(shared)
    selected = sorted(rows(sources), key=lambda r: int(r["URN"]))
    if len({r["URN"] for r in selected}) != len(selected):
        raise SystemExit("A URN appears twice")
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        for row in selected:
            unknown = set(row) - set(HEADER)
            if unknown:
                raise SystemExit(f"Columns not in the GIAS layout: {sorted(unknown)}")
            writer.writerow(row)
    return len(selected)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the demo GIAS file from the shared public data.")
    parser.add_argument("source", nargs="?", type=Path, default=HERE.parents[2] / "shared" / "data")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if not (args.source / TRAFFORD).exists():
        parser.error(f"{args.source / TRAFFORD} not found; pass the shared data folder")
    count = build(args.source, args.out)
    print(f"{count} establishments written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
