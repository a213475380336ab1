from __future__ import annotations

import csv
import io
import re

import numpy as np
import pytest
from django.core.cache import cache
from django.urls import reverse

from careershub.geography.models import LocalAuthority, OpportunityArea
from careershub.hubs.models import HubMembership
from careershub.insight.tests.test_views import write_results
from careershub.institutions.tests.factories import InstitutionFactory
from careershub.neet import comparison
from careershub.neet.loading import DATA_DIR, read_data_file
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db

MEMBERS = {p for p in PERSONAS if p not in {"outsider", "anonymous"}}
NATIONAL = {"national_admin", "national_analyst"}
HUB = {"hub_lead", "enterprise_coordinator", "other_hub_lead"}


def expected(persona: str, allowed: set[str]) -> int:
    if persona == "anonymous":
        return 302
    return 200 if persona in allowed else 403


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def raw_scorecard(year: str, code: str) -> dict[str, str]:
    with (DATA_DIR / f"dfe_neet_la_scorecard_{year}.csv").open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if row["old_la_code"] == code or (code == "England" and row["geographic_level"] == "National"):
                return row
    raise AssertionError(code)


@pytest.fixture
def results(cast: Cast) -> Cast:
    """Trafford: Ashby and 5 more (6, shown); Manchester: Brook and 2 more (3, withheld)."""
    cache.clear()
    trafford = [cast.ashby] + [
        InstitutionFactory.create(urn=740000 + n, local_authority=cast.ashby.local_authority) for n in range(5)
    ]
    manchester = [cast.brook] + [
        InstitutionFactory.create(urn=750000 + n, local_authority=cast.brook.local_authority) for n in range(2)
    ]
    for institution in trafford[1:]:
        HubMembership.objects.create(
            hub=cast.north_hub, institution=institution, joined_on=cast.ashby.hub_memberships.get().joined_on
        )
    write_results(trafford + manchester)
    return cast


# Access, for every persona ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    "name,args",
    [("neet:national", []), ("neet:area", ["la", "358"]), ("neet:area", ["region", "E12000002"])],
)
def test_published_pages_are_for_every_member(
    client_as, published: None, persona: str, name: str, args: list[str]
) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse(name, args=args))
    assert response.status_code == expected(persona, MEMBERS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_opportunity_area_page_is_for_every_member(client_as, published: None, persona: str) -> None:  # type: ignore[no-untyped-def]
    oldham = OpportunityArea.objects.get(name="Oldham")
    response = client_as(persona).get(reverse("neet:area", args=["oa", oldham.pk]))
    assert response.status_code == expected(persona, MEMBERS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_hub_area_page_is_for_national_and_hub_staff(client_as, cast: Cast, published: None, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("neet:area", args=["hub", cast.north_hub.pk]))
    assert response.status_code == expected(persona, NATIONAL | HUB)


@pytest.mark.parametrize("persona", PERSONAS)
def test_comparison_is_for_national_and_hub_staff(client_as, published: None, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("neet:comparison"))
    assert response.status_code == expected(persona, NATIONAL | HUB)


@pytest.mark.parametrize("persona", PERSONAS)
def test_csv_and_chart_follow_the_page(client_as, published: None, persona: str) -> None:  # type: ignore[no-untyped-def]
    client = client_as(persona)
    table = client.get(reverse("neet:table-csv", args=["la", "358", "neet_trend"]))
    chart = client.get(reverse("neet:chart", args=["la", "358", "neet_trend"]))
    assert table.status_code == chart.status_code == expected(persona, MEMBERS)
    if chart.status_code == 200:
        assert chart["Content-Type"] == "image/svg+xml" and b"<svg" in chart.content


LANDING = {
    "participation_officer": "/neet/la/358/",
    "careers_leader": "/neet/la/358/",
    "senior_leader": "/neet/la/358/",
    "other_careers_leader": "/neet/la/352/",
    "national_admin": "/neet/england/",
    "national_analyst": "/neet/england/",
    "employer": "/neet/england/",
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_lands_on_its_own_area(client_as, cast: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("neet:index"))
    if persona == "anonymous":
        assert response.status_code == 302 and "/account/" in response["Location"]
    elif persona == "outsider":
        assert response.status_code == 403
    else:
        hub = cast.north_hub if persona in {"hub_lead", "enterprise_coordinator"} else cast.south_hub
        assert response["Location"] == LANDING.get(persona, f"/neet/hub/{hub.pk}/")


def test_unknown_areas_are_404(client_as, published: None) -> None:  # type: ignore[no-untyped-def]
    client = client_as("national_admin")
    for args in (["la", "999"], ["region", "E12999999"], ["hub", "99999"], ["oa", "x"], ["lsip", "1"]):
        assert client.get(reverse("neet:area", args=args)).status_code == 404
    assert client.get(reverse("neet:table-csv", args=["la", "358", "nothing"])).status_code == 404


# Figures shown equal the published ones ------------------------------------------------------


def test_la_scorecard_shown_and_exported_as_published(client_as, published: None) -> None:  # type: ignore[no-untyped-def]
    client = client_as("participation_officer")
    page = client.get(reverse("neet:area", args=["la", "358"]), {"year": "2023"}).content.decode()
    rows = csv_rows(client.get(reverse("neet:table-csv", args=["la", "358", "scorecard"]), {"year": "2023"}).content)
    assert rows[0] == ["Measure", "Trafford", "North West", "England"]
    trafford, england = raw_scorecard("2023", "358"), raw_scorecard("2023", "England")
    north_west = next(
        r
        for r in csv.DictReader((DATA_DIR / "dfe_neet_la_scorecard_2023.csv").open(encoding="utf-8-sig"))
        if r["geographic_level"] == "Regional" and r["region_name"] == "North West"
    )
    by_measure = {row[0]: row[1:] for row in rows[1:]}
    for measure, column in [
        ("NEET or activity not known (%)", "NEET_not_known_percent"),
        ("NEET (%)", "NEET_percent"),
        ("September Guarantee: offer made (%)", "September_guarantee_Offer_made_percent"),
        ("Participating in education or training (%)", "TOTAL_participating_in_education_and_training_percent"),
    ]:
        assert by_measure[measure] == [trafford[column], north_west[column], england[column]]
        assert re.search(rf"{re.escape(measure)}</th>\s*<td[^>]*>{re.escape(trafford[column])}</td>", page)
    assert by_measure["NEET or activity not known (%)"] == ["4.3", "5.3", "5.2"]  # read by eye


def test_ks4_and_care_leavers_latest_year_as_published(client_as, published: None) -> None:  # type: ignore[no-untyped-def]
    rows = csv_rows(client_as("employer").get(reverse("neet:table-csv", args=["la", "358", "latest"])).content)
    by_measure = {row[0]: row[1:] for row in rows[1:]}
    data = read_data_file(DATA_DIR / "dfe_lait_neet_participation_destinations.csv")
    assert data is not None
    raw = {
        (r["la_number_old_code"], r["years"]): r["value"]
        for r in csv.DictReader(data.decode("utf-8-sig").splitlines())
        if r["measure_short"] == "KS4_DES_NotSus"
    }
    assert by_measure["KS4: destination not sustained (%), 2023"] == [
        raw[("358", "2023")],
        raw[("981", "2023")],
        raw[("970", "2023")],
    ]
    assert by_measure["KS4: destination not sustained (%), 2023"][0] == "2.9"  # read by eye (shared README sample)


def test_hub_area_lists_each_member_las_published_figures_without_adding_them_up(
    client_as, cast: Cast, published: None
) -> None:  # type: ignore[no-untyped-def]
    HubMembership.objects.create(
        hub=cast.north_hub,
        institution=InstitutionFactory.create(urn=760001, local_authority=LocalAuthority.objects.get(dfe_code="352")),
        joined_on=cast.ashby.hub_memberships.get().joined_on,
    )
    client = client_as("hub_lead")
    page = client.get(reverse("neet:area", args=["hub", cast.north_hub.pk])).content.decode()
    rows = csv_rows(client.get(reverse("neet:table-csv", args=["hub", cast.north_hub.pk, "la_neet"])).content)
    assert [row[0] for row in rows[1:]] == ["Manchester", "Trafford", "England"]
    assert rows[0][1:] == ["2019", "2020", "2021", "2022", "2023", "2024", "2025"]
    assert rows[2][1:] == ["5.3", "5", "4.8", "4.1", "4.3", "3.9", "4.2"]  # Trafford, LAIT, as published
    assert "not added up into one figure" in page


def test_opportunity_area_ks4_rate_is_derived_from_its_districts_counts(client_as, published: None) -> None:  # type: ignore[no-untyped-def]
    oldham = OpportunityArea.objects.get(name="Oldham")
    rows = csv_rows(
        client_as("employer").get(reverse("neet:table-csv", args=["oa", oldham.pk, "ks4_aggregate"])).content
    )
    with (DATA_DIR / "dfe_ks4_destination_measures_lad_201516_202122.csv").open(encoding="utf-8-sig") as handle:
        raw = {r["time_period"]: r for r in csv.DictReader(handle) if r["lad_code"] == "E08000004"}
    by_year = {row[0]: row for row in rows[1:]}
    for period, source in raw.items():
        row = by_year[f"{period[:4]}/{period[4:]}"]
        sustained = int(source["education"]) + int(source["appren"]) + int(source["all_work"])
        assert row[1:5] == [
            "1",
            source["cohort"],
            str(sustained),
            str(round(100 * sustained / int(source["cohort"]), 1)),
        ]


# Benchmark progress beside the figures: insight rules, aggregates only ---------------------------

SEES_TRAFFORD_BENCHMARKS = NATIONAL | HUB | {"careers_leader", "senior_leader", "participation_officer"}


@pytest.mark.parametrize("persona", sorted(MEMBERS))
def test_benchmarks_beside_trafford_follow_insight_visibility(
    client_as, results: Cast, published: None, persona: str
) -> None:  # type: ignore[no-untyped-def]
    page = client_as(persona).get(reverse("neet:area", args=["la", "358"])).content.decode()
    if persona in SEES_TRAFFORD_BENCHMARKS:
        assert 'id="table-benchmarks"' in page
        main = page[page.index("<main") :]
        assert "Ashby High School" not in main and "800001" not in main  # aggregates only, no institution
    else:
        assert 'id="table-benchmarks"' not in page
        assert "not shown to your role" in page


def test_small_areas_benchmarks_are_withheld(client_as, results: Cast, published: None) -> None:  # type: ignore[no-untyped-def]
    client = client_as("national_admin")
    trafford = csv_rows(client.get(reverse("neet:table-csv", args=["la", "358", "benchmarks"])).content)
    manchester = csv_rows(client.get(reverse("neet:table-csv", args=["la", "352", "benchmarks"])).content)
    assert trafford[-1][1] == "6" and trafford[-1][2] != "[c]"
    assert manchester[1:] and all(row[1:] == ["[c]", "[c]"] for row in manchester[1:])
    officer = client_as("participation_officer")
    assert 'id="table-benchmarks"' not in officer.get(reverse("neet:area", args=["la", "352"])).content.decode()
    assert 'id="table-benchmarks"' in officer.get(reverse("neet:area", args=["region", "E12000002"])).content.decode()


# Query budgets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona,name,args,budget",
    [
        ("participation_officer", "neet:area", ["la", "358"], 14),
        ("national_admin", "neet:national", [], 14),
        ("national_admin", "neet:area", ["region", "E12000002"], 14),
        ("hub_lead", "neet:area", ["hub", "north"], 16),
        ("national_admin", "neet:comparison", [], 14),
        ("employer", "neet:area", ["oa", "oldham"], 14),
        ("national_admin", "neet:data", [], 8),
    ],
)
def test_query_budgets(
    client_as,
    results: Cast,
    published: None,
    django_assert_max_num_queries,
    persona: str,
    name: str,
    args: list[str],
    budget: int,
) -> None:  # type: ignore[no-untyped-def]
    oldham = str(OpportunityArea.objects.get(name="Oldham").pk)
    args = [str(results.north_hub.pk) if a == "north" else oldham if a == "oldham" else a for a in args]
    client = client_as(persona)
    with django_assert_max_num_queries(budget):
        assert client.get(reverse(name, args=args)).status_code == 200


# The comparison --------------------------------------------------------------------------------


def test_comparison_correlation_matches_numpy_on_the_shown_table(client_as, cast: Cast, published: None) -> None:  # type: ignore[no-untyped-def]
    cache.clear()
    codes = ["358", "352", "350", "351", "353", "354"]
    institutions = []
    for index, code in enumerate(codes):
        la = LocalAuthority.objects.get(dfe_code=code)
        institutions += [InstitutionFactory.create(urn=770000 + 10 * index + n, local_authority=la) for n in range(6)]
    write_results(institutions, seed=3)
    client = client_as("national_admin")
    params = {"neet_from": "2019", "neet_to": "2025", "point_from": "2018-07-31", "point_to": "2024-07-31"}
    page = client.get(reverse("neet:comparison"), params).content.decode()
    rows = csv_rows(client.get(reverse("neet:comparison-csv"), params).content)[1:]
    usable = [r for r in rows if r[4] not in {"–", ""} and r[8] != "[c]"]
    assert len(usable) == 6
    x = np.array([float(r[8]) for r in usable])
    y = np.array([float(r[4]) for r in usable])
    r = float(np.corrcoef(x, y)[0, 1])
    assert f"Pearson&#39;s r = {r:.2f}" in page or f"Pearson's r = {r:.2f}" in page
    assert "ecological fallacy" in page and "It is not causal" in page
    assert '<option value="2018-07-31" selected>2018-07-31</option>' in page
    assert '<option value="2025" selected>2025</option>' in page
    trafford = next(row for row in rows if row[0] == "Trafford")
    assert trafford[2:4] == ["5.3", "4.2"]  # published LAIT figures for 2019 and 2025
    chart = client.get(reverse("neet:comparison-chart"), params)
    assert chart.status_code == 200 and b"<svg" in chart.content


def test_correlation_interval_and_small_samples() -> None:
    result = comparison.correlate([0.1, 0.5, 0.9, 1.3, 1.8], [0.5, 0.2, -0.1, -0.4, -0.9])
    assert result.pearson is not None and result.pearson < -0.95
    assert result.ci_low is not None and result.ci_high is not None and result.ci_low < result.pearson < result.ci_high
    assert "95% confidence interval" in result.text
    assert comparison.correlate([1.0, 2.0], [1.0, 2.0]).pearson is None
