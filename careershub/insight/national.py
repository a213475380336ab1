"""A realistic national data set, seeded and reproducible, for the insight dashboards and bench.

Institutions come from the real lists in the shared data folder:

- the July 2017 EduBase subset gives about 2,000 secondary schools, special schools, alternative
  provision and 16-19 institutions with their real type, local authority and region;
- the rest are drawn from the 2022 list of all establishments (open ones whose names say they
  are secondary schools, academies or colleges), placed in the local authority that EduBase
  shows for their postcode district (or, failing that, postcode area).

Free school meal percentages are not in either list: they are drawn (seeded) around a level
for each local authority, and say so nowhere else. Each LSIP area with institutions gets one
Careers Hub; hubs launch in waves (2018, 2019, 2020 ... ) chosen so that about 14% of
institutions are members by 2018/19, 26% by 2019/20, 44% by 2020/21 and 96% by 2024/25 (700,
1,300, 2,200 and near-universal in a national set of 5,000). Earlier hubs sit in areas with
slightly weaker provision, as the first Careers Hubs did, so a naive comparison of members with
non-members misleads and the fixed-effects estimate does not. Histories follow
`generator.NATIONAL_AVERAGE` with a planted Hub effect (`generator.simulate_scores`).

Nothing here changes an existing institution, hub or evaluation: institutions already present
(the demo's) are left alone, generated hubs have their own names.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction

from careershub.evaluations import generator
from careershub.geography.models import LocalAuthority
from careershub.hubs.models import Hub, HubMembership, LeadBodyKind
from careershub.insight.services import facts_refresh
from careershub.institutions.models import EstablishmentStatus, Institution, InstitutionKind
from careershub.organisations.models import Organisation, OrganisationKind

EDUBASE = "schools/edubase_2017_07_subset_unmatched_postcodes.csv"
BASIC_2022 = "schools/gias_england_all_establishments_basic_2022.csv"
#: Share of institutions in a hub by the start of each academic year (issue 4's targets).
MEMBER_SHARE = {2018: 0.14, 2019: 0.26, 2020: 0.44, 2021: 0.6, 2022: 0.75, 2023: 0.88, 2024: 0.96}
#: Share of institutions that started self-evaluating in each academic year (578 in 2016/17 of
#: about 4,800; over 3,000 in 2017/18; 3,826 in 2018/19; 94% by 2024/25).
FIRST_YEAR_SHARE = {2016: 0.12, 2017: 0.52, 2018: 0.16, 2019: 0.08, 2020: 0.05, 2021: 0.03, 2022: 0.04}
NAME_PREFIX = "Generated: "

_SECONDARY_NAME = re.compile(
    r"\b(?:high|secondary|academy|college|grammar|upper school|sixth form|studio school|technical|"
    r"special|pupil referral|alternative)\b",
    re.IGNORECASE,
)
_NOT_SECONDARY = re.compile(
    r"\b(?:primary|infant|infants|junior|juniors|nursery|first school|pre-school|preschool|kindergarten|"
    r"children's centre|prep|preparatory|montessori|day nursery)\b",
    re.IGNORECASE,
)
_SPECIAL_TYPES = re.compile(r"special", re.IGNORECASE)
_AP_TYPES = re.compile(r"pupil referral|alternative provision", re.IGNORECASE)
_COLLEGE_TYPES = re.compile(r"16-19|16 plus", re.IGNORECASE)


@dataclass
class NationalResult:
    institutions_created: int
    institutions_total: int
    hubs: int
    memberships: int
    evaluations: int
    benchmark_scores: int
    measurement_results: int
    members_by_year: dict[int, int]
    seconds: float


def _lsip_name(la: LocalAuthority) -> str:
    return la.lsip_area.name if la.lsip_area is not None else la.region.name


def _kind_from_type(type_name: str, phase: str) -> str:
    if _SPECIAL_TYPES.search(type_name):
        return InstitutionKind.SPECIAL_SCHOOL
    if _AP_TYPES.search(type_name):
        return InstitutionKind.ALTERNATIVE_PROVISION
    if _COLLEGE_TYPES.search(type_name) or phase == "16 Plus":
        return InstitutionKind.COLLEGE
    return InstitutionKind.MAINSTREAM_SCHOOL


def _kind_from_name(name: str) -> str:
    lowered = name.lower()
    if "special" in lowered:
        return InstitutionKind.SPECIAL_SCHOOL
    if "pupil referral" in lowered or "alternative" in lowered:
        return InstitutionKind.ALTERNATIVE_PROVISION
    if "college" in lowered and "academy" not in lowered and "school" not in lowered:
        return InstitutionKind.COLLEGE
    return InstitutionKind.MAINSTREAM_SCHOOL


def _outward(postcode: str) -> str:
    return str(postcode).strip().upper().split(" ")[0] if isinstance(postcode, str) else ""


def _area(postcode: str) -> str:
    match = re.match(r"[A-Z]+", _outward(postcode))
    return match.group(0) if match else ""


def _most_common(frame: pd.DataFrame, key: str, value: str) -> pd.Series:
    """Each key's most common value, a tie going to the value seen first (as `value_counts`
    orders them), in one grouped count rather than a count per key."""
    pairs = frame[[key, value]].assign(position=np.arange(len(frame)))
    counted = pairs.groupby([key, value], sort=False)["position"].agg(["size", "min"]).reset_index()
    counted = counted.sort_values([key, "size", "min"], ascending=[True, False, True], kind="stable")
    return counted.drop_duplicates(key).set_index(key)[value]


def candidate_institutions(data_dir: Path | None = None) -> pd.DataFrame:
    """Secondary-phase candidates from the shared lists: urn, name, town, postcode, kind,
    type_name, phase, la_code, high_age, source."""
    folder = data_dir or settings.SHARED_DATA_DIR
    edubase = pd.read_csv(folder / EDUBASE, encoding="latin-1", dtype=str, keep_default_na=False)
    high_age = pd.to_numeric(edubase["Statutory highest age"], errors="coerce").fillna(0)
    phase = edubase["Phase of education"]
    type_name = edubase["Type of establishment"]
    secondary_phase = phase.isin(["Secondary", "All Through", "Middle Deemed Secondary", "16 Plus"])
    special_or_ap = (phase == "Not applicable") & type_name.str.contains("Special|Pupil Referral|Alternative")
    keep = (secondary_phase | (special_or_ap & (high_age >= 14))) & ~type_name.str.contains("Other Independent School")
    chosen = edubase[keep]
    from_edubase = pd.DataFrame(
        {
            "urn": chosen["URN"].astype(int),
            "name": chosen["Establishment name"],
            "town": chosen["Town"].replace("NA", ""),
            "postcode": chosen["Postcode"].replace("NA", ""),
            "kind": [
                _kind_from_type(t, p)
                for t, p in zip(chosen["Type of establishment"], chosen["Phase of education"], strict=True)
            ],
            "type_name": chosen["Type of establishment"],
            "phase": chosen["Phase of education"],
            "la_code": chosen["Local authority (code)"],
            "high_age": pd.to_numeric(chosen["Statutory highest age"], errors="coerce").fillna(18).astype(int),
            "source": "edubase-2017",
        }
    )
    # Postcode district -> most common LA, and postcode area -> LAs, from the whole EduBase list.
    edubase["outward"] = edubase["Postcode"].map(_outward)
    edubase["area"] = edubase["Postcode"].map(_area)
    by_outward = _most_common(edubase, "outward", "Local authority (code)")
    by_area = _most_common(edubase, "area", "Local authority (code)")
    basic = pd.read_csv(folder / BASIC_2022, dtype=str, keep_default_na=False)
    is_open = basic["close_date"].eq("")
    named = basic["name"].str.contains(_SECONDARY_NAME) & ~basic["name"].str.contains(_NOT_SECONDARY)
    extra = basic[is_open & named & ~basic["urn"].astype(int).isin(from_edubase["urn"])].copy()
    extra["la_code"] = extra["postcode"].map(_outward).map(by_outward)
    missing = extra["la_code"].isna()
    extra.loc[missing, "la_code"] = extra.loc[missing, "postcode"].map(_area).map(by_area)
    extra = extra[extra["la_code"].notna()]
    from_basic = pd.DataFrame(
        {
            "urn": extra["urn"].astype(int),
            "name": extra["name"],
            "town": extra["town"],
            "postcode": extra["postcode"],
            "kind": extra["name"].map(_kind_from_name),
            "type_name": "",
            "phase": "",
            "la_code": extra["la_code"],
            "high_age": 18,
            "source": "gias-2022",
        }
    )
    return pd.concat([from_edubase, from_basic], ignore_index=True).drop_duplicates("urn")


def sample_institutions(candidates: pd.DataFrame, size: int, *, seed: int) -> pd.DataFrame:
    """All the EduBase institutions first (real types and places), then a seeded sample of the rest."""
    rng = np.random.default_rng(seed)
    edubase = candidates[candidates["source"] == "edubase-2017"]
    rest = candidates[candidates["source"] != "edubase-2017"]
    if size <= len(edubase):
        chosen = edubase.iloc[np.sort(rng.choice(len(edubase), size, replace=False))]
    else:
        take = min(len(rest), size - len(edubase))
        chosen = pd.concat([edubase, rest.iloc[np.sort(rng.choice(len(rest), take, replace=False))]])
    return chosen.sort_values("urn", ignore_index=True)


def _hub_waves(area_counts: pd.Series, rng: np.random.Generator) -> dict[str, int]:
    """Launch year for each area's hub so that cumulative coverage tracks MEMBER_SHARE (a little
    ahead of it, as not every institution joins at launch)."""
    order = list(area_counts.index)
    rng.shuffle(order)
    total = float(area_counts.sum())
    covered = 0.0
    waves: dict[str, int] = {}
    years = sorted(MEMBER_SHARE)
    for area in order:
        share_before = covered / total
        year = next((y for y in years if share_before < min(1.0, MEMBER_SHARE[y] / 0.9)), years[-1])
        waves[area] = year
        covered += float(area_counts[area])
    return waves


def _join_dates(launch_years: np.ndarray, rng: np.random.Generator) -> list[datetime.date | None]:
    delays = rng.choice([0, 1, 2, 3, 99], len(launch_years), p=[0.86, 0.06, 0.03, 0.02, 0.03])
    dates: list[datetime.date | None] = []
    for launch, delay in zip(launch_years, delays, strict=True):
        year = int(launch) + int(delay)
        dates.append(datetime.date(year, 9, 1) if year <= max(MEMBER_SHARE) else None)
    return dates


def generate_national_data(
    *,
    institutions: int = 5000,
    seed: int = 1,
    hub_effect: float = 1.0,
    last_year: int = 2024,
    data_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> NationalResult:
    """Build (or complete) the national data set. Safe to run again with the same arguments."""
    started = datetime.datetime.now()
    say = progress or (lambda message: None)
    rng = np.random.default_rng(seed)
    chosen = sample_institutions(candidate_institutions(data_dir), institutions, seed=seed)
    las = {la.dfe_code: la for la in LocalAuthority.objects.select_related("region", "lsip_area")}
    chosen = chosen[chosen["la_code"].isin(las)].reset_index(drop=True)
    # Free school meals: a level per LA, then each institution around it.
    la_level = {code: float(rng.beta(2.5, 9.0) * 100) for code in sorted(las)}
    chosen["percent_fsm"] = np.round(np.clip([la_level[c] + rng.normal(0, 7) for c in chosen["la_code"]], 1.0, 85.0), 1)
    existing = dict(Institution.objects.filter(urn__in=chosen["urn"].tolist()).values_list("urn", "pk"))
    new_rows = chosen[~chosen["urn"].isin(existing)]
    with transaction.atomic():
        created = Institution.objects.bulk_create(
            [
                Institution(
                    urn=int(row.urn),
                    name=str(row.name),
                    town=str(row.town),
                    postcode=str(row.postcode),
                    postcode_compact=str(row.postcode).replace(" ", "").upper(),
                    kind=str(row.kind),
                    type_name=str(row.type_name),
                    phase=str(row.phase) or "Secondary",
                    status=EstablishmentStatus.OPEN,
                    local_authority=las[row.la_code],
                    la_code=str(row.la_code),
                    la_name=las[row.la_code].name,
                    gss_la_code=las[row.la_code].gss_code,
                    region_name=las[row.la_code].region.name,
                    statutory_low_age=16 if row.kind == InstitutionKind.COLLEGE else 11,
                    statutory_high_age=int(row.high_age),
                    percent_fsm=float(row.percent_fsm),
                )
                for row in new_rows.itertuples()
            ],
            batch_size=2000,
        )
    say(f"Institutions: {len(created)} created, {len(existing)} already present.")
    pks = dict(existing) | {i.urn: i.pk for i in created}
    chosen["pk"] = chosen["urn"].map(pks)
    chosen["region"] = [las[c].region.name for c in chosen["la_code"]]
    chosen["lsip"] = [_lsip_name(las[c]) for c in chosen["la_code"]]

    # Hubs, one per LSIP area, launched in waves; memberships by wave.
    area_counts = chosen.groupby("lsip").size().sort_index()
    waves = _hub_waves(area_counts, rng)
    first_wave = min(waves.values())
    hubs: dict[str, Hub] = {}
    with transaction.atomic():
        for area, year in sorted(waves.items()):
            name = f"{NAME_PREFIX}{area} Careers Hub"
            hub = Hub.objects.filter(name=name).first()
            if hub is None:
                organisation = Organisation.objects.create(name=name, kind=OrganisationKind.HUB)
                hub = Hub.objects.create(
                    organisation=organisation,
                    name=name,
                    lead_body=f"{area} (generated)",
                    lead_body_kind=LeadBodyKind.OTHER,
                    wave=year - first_wave + 1,
                    launched_on=datetime.date(year, 9, 1),
                )
                hub.local_authorities.set({las[c].pk for c in chosen.loc[chosen["lsip"] == area, "la_code"].unique()})
            hubs[area] = hub
    # Earlier hubs in areas with weaker provision (selection on levels).
    ranked = {area: rank for rank, area in enumerate(sorted(waves, key=lambda a: (waves[a], a)))}
    area_noise = {area: float(rng.normal(0, 0.15)) for area in sorted(waves)}
    chosen["area_effect"] = [-0.3 + 0.6 * ranked[a] / max(1, len(ranked) - 1) + area_noise[a] for a in chosen["lsip"]]
    chosen["joined"] = _join_dates(np.array([waves[a] for a in chosen["lsip"]]), rng)
    already_members = set(
        HubMembership.objects.filter(institution_id__in=chosen["pk"].tolist()).values_list("institution_id", flat=True)
    )
    memberships = [
        HubMembership(hub=hubs[row.lsip], institution_id=int(row.pk), joined_on=row.joined)
        for row in chosen.itertuples()
        if row.joined is not None and row.pk not in already_members and row.urn not in existing
    ]
    HubMembership.objects.bulk_create(memberships, batch_size=2000)
    say(f"Hubs: {len(hubs)}; memberships: {len(memberships)} created.")
    # Memberships as stored (the demo's own institutions keep theirs).
    stored = dict(
        HubMembership.objects.filter(institution_id__in=chosen["pk"].tolist(), left_on__isnull=True).values_list(
            "institution_id", "joined_on"
        )
    )
    chosen["joined_on"] = pd.to_datetime(chosen["pk"].map(stored))
    first_years = sorted(FIRST_YEAR_SHARE)
    shares = np.array([FIRST_YEAR_SHARE[y] for y in first_years])
    chosen["first_year"] = rng.choice(first_years, len(chosen), p=shares / shares.sum())
    chosen["key"] = chosen["urn"]
    scores = generator.simulate_scores(chosen, seed=seed, hub_effect=hub_effect, last_year=last_year)
    written = generator.write_histories_bulk(chosen, scores, seed=seed, until=datetime.date(last_year + 1, 7, 31))
    say(f"Histories: {written}")
    facts = facts_refresh()
    say(f"Insight facts: {facts} rows.")
    members_by_year = {
        year: int((chosen["joined_on"].notna() & (chosen["joined_on"] <= pd.Timestamp(year, 9, 1))).sum())
        for year in sorted(MEMBER_SHARE)
    }
    return NationalResult(
        institutions_created=len(created),
        institutions_total=len(chosen),
        hubs=len(hubs),
        memberships=len(memberships),
        evaluations=written["evaluations"],
        benchmark_scores=written["benchmark_scores"],
        measurement_results=written["measurement_results"],
        members_by_year=members_by_year,
        seconds=(datetime.datetime.now() - started).total_seconds(),
    )
