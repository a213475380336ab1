"""Cross-page withholding on real pages: an area withheld in its parent's breakdown is withheld
on its own page, in its trend, in the membership table and on its institutions' pages, in every
format; an attacker combining every page's published counts cannot recover a withheld one."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from careershub.geography.tests.factories import LocalAuthorityFactory, RegionFactory
from careershub.insight import charts, views
from careershub.insight.tests.attack import value_range
from careershub.insight.tests.test_views import POINT, national_membership, report_text, write_results
from careershub.institutions.models import Institution
from careershub.institutions.tests.factories import InstitutionFactory
from conftest import Cast

pytestmark = pytest.mark.django_db


#: The region fixture's results: at `POINT` Aldwick's and Barham's institutions (withheld) hold
#: both kinds on every benchmark, so their class gives no share away and Colne is published
#: (with seed 1 it is withheld too: `test_a_class_holding_one_kind_on_a_benchmark_takes_in_another`).
REGION_SEED = 2


@pytest.fixture
def region(cast: Cast) -> dict[str, Any]:
    """A region of three local authorities: Aldwick with 3 institutions (withheld), Barham with 8
    (withheld so that Aldwick cannot be worked out from the region's total), Colne with 30."""
    return _region(REGION_SEED)


def _region(seed: int) -> dict[str, Any]:
    from django.core.cache import cache

    cache.clear()
    region = RegionFactory.create(gss_code="E19000001", name="Test withholding region")
    las = {
        name: LocalAuthorityFactory.create(dfe_code=code, gss_code=f"E09{code}", name=name, region=region)
        for name, code in (("Aldwick", "Z01"), ("Barham", "Z02"), ("Colne", "Z03"))
    }
    institutions: dict[str, list[Institution]] = {}
    for (name, la), size, base in zip(las.items(), (3, 8, 30), (760000, 761000, 762000), strict=True):
        institutions[name] = [InstitutionFactory.create(urn=base + n, local_authority=la) for n in range(size)]
    write_results([i for found in institutions.values() for i in found], seed=seed)
    return {"region": region, "las": las, "institutions": institutions}


def _in_cells(las: dict[str, Any], cells: Any, *, urn: int) -> dict[tuple[str, Any], list[Institution]]:
    """Institutions for each (LA name, hub or None, how many), from `urn` on; hub members
    joined on 1 September 2018. By (LA name, hub pk or "none")."""
    import datetime

    from careershub.hubs.models import HubMembership

    found: dict[tuple[str, Any], list[Institution]] = {}
    for la, hub, size in cells:
        made = [InstitutionFactory.create(urn=urn + n, local_authority=las[la]) for n in range(size)]
        urn += size
        for institution in made if hub is not None else ():
            HubMembership.objects.create(hub=hub, institution=institution, joined_on=datetime.date(2018, 9, 1))
        found[(la, hub.pk if hub else "none")] = made
    return found


def _csv(client: Any, level: str, pk: int, table: str) -> list[list[str]]:
    response = client.get(reverse("insight:table-csv", args=[level, pk, table]), {"point": POINT})
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _reporting(client: Any, level: str, pk: int) -> str:
    return dict((row[0], row[1]) for row in _csv(client, level, pk, "summary")[1:])["Institutions reporting"]


def test_an_area_withheld_in_its_parents_breakdown_is_withheld_in_every_format(client_as, region, rf) -> None:  # type: ignore[no-untyped-def]
    client = client_as("national_analyst")
    barham = region["las"]["Barham"]
    by_area = {row[0]: row[1:] for row in _csv(client, "region", region["region"].pk, "by_area")[1:]}
    assert by_area["Aldwick"] == ["[c]", "[c]"] and by_area["Barham"] == ["[c]", "[c]"]
    assert by_area["Colne"][0] == "30" and by_area["Total"][0] == "41"
    # Barham's own page would otherwise say 8, and 41 - 30 - 8 = Aldwick's 3.
    page = client.get(reverse("insight:dashboard", args=["la", barham.pk]), {"point": POINT}).content.decode()
    assert "could be worked out from those published for other areas" in page
    assert _reporting(client, "la", barham.pk) == "[c]"
    for table in ("summary", "benchmarks", "distribution", "by_kind", "by_fsm"):
        rows = _csv(client, "la", barham.pk, table)[1:]
        assert all(value in ("[c]", "") for row in rows for value in row[1:]), (table, rows)
    trend = {row[0]: row[1:] for row in _csv(client, "la", barham.pk, "trend")[1:]}
    assert trend[POINT] == ["[c]", "[c]"]
    # Below a region nothing is broken down by hub membership or wave (ADR 14, limit 8).
    for table in ("by_membership", "by_wave", "hub_vs_comparison"):
        csv_url = reverse("insight:table-csv", args=["la", barham.pk, table])
        assert client.get(csv_url, {"point": POINT}).status_code == 404
    book = load_workbook(
        io.BytesIO(client.get(reverse("insight:xlsx", args=["la", barham.pk]), {"point": POINT}).content)
    )
    assert [c.value for c in book["summary"][3]] == ["Institutions reporting", "[c]"]
    assert {r[0].value: r[1].value for r in book["trend"].iter_rows(min_row=3)}[POINT] == "[c]"
    region_book = load_workbook(
        io.BytesIO(client.get(reverse("insight:xlsx", args=["region", region["region"].pk]), {"point": POINT}).content)
    )
    assert {r[0].value: r[1].value for r in region_book["by_area"].iter_rows(min_row=3)}["Barham"] == "[c]"
    # Charts are drawn from the same tables: no point at which Barham is withheld, no bar.
    request = rf.get("/", {"point": POINT})
    request.membership = national_membership(None)  # type: ignore[arg-type]
    context = views._build(request, "la", barham.pk)
    tables = context["dashboard"].tables
    assert POINT not in [v["point"] for v in charts.spec_for(tables["trend"])["data"]["values"]]
    assert charts.spec_for(tables["distribution"])["data"]["values"] == []
    assert "No figures to chart" in charts.svg_for(tables["benchmarks"])
    chart = client.get(reverse("insight:chart", args=["la", barham.pk, "distribution"]), {"point": POINT})
    assert b"No figures to chart" in chart.content
    text = report_text(context)
    assert "Institutions reporting [c]" in text and "Institutions reporting 8" not in text
    # Colne's 30 are published everywhere (its page, the region's breakdown).
    assert _reporting(client, "la", region["las"]["Colne"].pk) == "30"
    # An institution in Barham: its local authority's figures are withheld there too.
    school = region["institutions"]["Barham"][0]
    comparison = {
        row[0]: row[1:]
        for row in csv.reader(
            io.StringIO(
                client.get(
                    reverse("insight:institution-csv", args=[school.urn, "comparison"]), {"point": POINT}
                ).content.decode("utf-8-sig")
            )
        )
    }
    assert comparison["Barham (local authority)"] == ["[c]", "[c]"]
    assert comparison["England"][0] == "41"


def test_combining_every_page_never_recovers_a_withheld_count(client_as, region) -> None:  # type: ignore[no-untyped-def]
    """Read every count published at the point (England's page and its breakdowns by region,
    membership and wave; the region's page and breakdown by LA; each LA's page) and solve."""
    client = client_as("national_analyst")
    las = region["las"]
    figures: dict[str, str] = {"england": _reporting(client, "national", 0)}
    figures["region"] = _reporting(client, "region", region["region"].pk)
    breakdown = {row[0]: row[1] for row in _csv(client, "region", region["region"].pk, "by_area")[1:]}
    national = {row[0]: row[1] for row in _csv(client, "national", 0, "by_area")[1:]}
    assert national[region["region"].name] == figures["region"]
    for name, la in las.items():
        own = _reporting(client, "la", la.pk)
        assert own == breakdown[name]  # the same figure, withheld or not, on both pages
        figures[name] = own
    names = list(las)
    unknown = [name for name in names if figures[name] == "[c]"]
    assert set(unknown) == {"Aldwick", "Barham"}
    index = {name: i for i, name in enumerate(unknown)}
    shown = sum(int(figures[name]) for name in names if name not in index)
    equations = [
        ([index[name] for name in unknown], int(total) - shown) for total in (figures["region"], figures["england"])
    ]
    for name in unknown:
        low, high = value_range(len(unknown), equations, [index[name]])
        assert low < high
        assert low <= len(region["institutions"][name]) <= high


def test_a_class_holding_one_kind_on_a_benchmark_takes_in_another(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    """ADR 14, limit 10. With seed 1, at the point, Aldwick's 3 and Barham's 8 (both withheld) all
    fully achieve a benchmark, or none do: the region's count of those achieving it less
    Colne's would give each of them 100 % (or 0 %). So Colne, holding the other kind, is
    withheld too, on its page and in the region's breakdown, in CSV as on the page; the
    region's shares stay published."""
    from careershub.insight.models import InsightFact

    found = _region(1)
    client = client_as("national_analyst")
    withheld = [found["las"][name].pk for name in ("Aldwick", "Barham")]
    facts = InsightFact.objects.filter(point=POINT, local_authority_id__in=withheld)
    achieved = [facts.filter(**{f"b{b}": True}).count() for b in range(1, 9)]
    assert facts.count() == 11 and any(a in (0, 11) for a in achieved)  # the case this test is about
    colne = found["las"]["Colne"]
    colne_facts = InsightFact.objects.filter(point=POINT, local_authority_id=colne.pk)
    assert any(
        0 < colne_facts.filter(**{f"b{b}": True}).count() < 30 for b in range(1, 9) if achieved[b - 1] in (0, 11)
    )
    by_area = {row[0]: row[1:] for row in _csv(client, "region", found["region"].pk, "by_area")[1:]}
    assert by_area["Colne"] == ["[c]", "[c]"] and by_area["Total"][0] == "41"
    assert _reporting(client, "la", colne.pk) == "[c]"
    page = client.get(reverse("insight:dashboard", args=["la", colne.pk]), {"point": POINT}).content.decode()
    assert "could be worked out from those published for other areas" in page
    shares = {row[0]: row[1] for row in _csv(client, "region", found["region"].pk, "benchmarks")[1:]}
    assert all(value not in ("[c]", "") for value in shares.values())


def test_on_national_data_no_withheld_count_can_be_recovered(settings) -> None:  # type: ignore[no-untyped-def]
    """Generated national data (real regions, LSIP areas, Opportunity Areas, hubs and waves), a
    high threshold so that much is withheld: at every tenth point, every published area and hub
    count (as each page counts it) against every withheld one."""
    import datetime

    from django.db.models import Count

    from careershub.geography.models import OpportunityArea
    from careershub.insight import withholding
    from careershub.insight.models import InsightFact
    from careershub.insight.national import generate_national_data

    generate_national_data(institutions=300, seed=11, hub_effect=0.5)
    settings.INSIGHT_SUPPRESSION_THRESHOLD = 12
    decided = withholding.compute()
    oa_las: dict[int, set[int]] = {}
    for oa, linked in OpportunityArea.local_authorities.through.objects.values_list(
        "opportunityarea_id", "localauthority_id"
    ):
        oa_las.setdefault(oa, set()).add(linked)
    withheld_somewhere = 0
    points: list[datetime.date] = sorted(decided)[::10]
    for point in points:
        here = decided[point]
        facts = InsightFact.objects.filter(point=point)
        las: dict[Any, int] = dict(facts.values_list("local_authority_id").annotate(n=Count("pk")).order_by())
        area_of = {
            la: (region, lsip)
            for la, region, lsip in facts.values_list("local_authority_id", "region_id", "lsip_area_id").distinct()
        }
        groups: dict[tuple[str, Any], set[Any]] = {("national", 0): set(las)}
        for la, (region, lsip) in area_of.items():
            for level, pk in (("region", region), ("lsip", lsip)):
                if pk is not None:
                    groups.setdefault((level, pk), set()).add(la)
        for oa, members in oa_las.items():
            if members & set(las):
                groups[("oa", oa)] = members & set(las)
        check(las, groups, {la for la in las if ("la", la) in here.areas}, {g for g in groups if g in here.areas})
        hubs: dict[Any, int] = {}
        for hub, n in facts.values_list("hub_id").annotate(n=Count("pk")).order_by():
            hubs["none" if hub is None else hub] = n
        hub_groups: dict[Any, set[Any]] = {("national", 0): set(hubs), "in_hub": {h for h in hubs if h != "none"}}
        for hub, wave in facts.exclude(hub_id=None).values_list("hub_id", "hub_wave").distinct():
            hub_groups.setdefault(("wave", wave), set()).add(hub)
        hidden_hubs = {h for h in hubs if h in here.hubs or (h == "none" and here.not_in_hub)}
        hidden_groups = {
            g
            for g in hub_groups
            if (g == "in_hub" and here.in_hub) or (isinstance(g, tuple) and g[0] == "wave" and g[1] in here.waves)
        }
        if ("national", 0) in here.areas:
            hidden_groups.add(("national", 0))
        check(hubs, hub_groups, hidden_hubs, hidden_groups)
        withheld_somewhere += len(here.areas) + len(here.hubs)
    assert withheld_somewhere > 10  # the test exercises the rule
    # Pages take every scope's trend from the same grouped counts: the same as counting the facts.
    from careershub.insight import queries, services

    counted = withholding.count()
    for scope in services.comparison_scopes():
        assert counted.trend(scope) == queries.facts_trend(scope), scope


def check(atoms: dict[Any, int], groups: dict[Any, set[Any]], hidden_atoms: set[Any], hidden_groups: set[Any]) -> None:
    """Every withheld atom (with its pseudo-atoms "no LA" / "in no hub", never shown on a page
    of their own but known by subtraction, so treated as published unless withheld) and every
    withheld group can take two values given every published count."""
    unknown = sorted(hidden_atoms, key=str)
    index = {atom: i for i, atom in enumerate(unknown)}
    equations = []
    for group, members in groups.items():
        if group in hidden_groups:
            continue
        indexes = [index[a] for a in members if a in index]
        if indexes:
            equations.append((indexes, sum(atoms[a] for a in members if a in index)))
    for atom in unknown:
        low, high = value_range(len(unknown), equations, [index[atom]])
        assert low < high, atom
    for group in hidden_groups:
        if sum(atoms[a] for a in groups[group]) == 0:
            continue
        indexes = [index[a] for a in groups[group] if a in index]
        assert indexes, group
        low, high = value_range(len(unknown), equations, indexes)
        assert low < high, group


def test_the_refresh_decides_ahead_once_committed(
    region, django_capture_on_commit_callbacks, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    from careershub.insight import withholding
    from careershub.insight.services import facts_refresh

    with django_capture_on_commit_callbacks(execute=True):
        facts_refresh()
    with django_assert_num_queries(1):  # the facts' state; the decisions come from the cache
        found = withholding.decisions()
    assert found == withholding.compute()
    assert ("la", region["las"]["Barham"].pk) in found[max(found)].areas


def test_a_web_process_with_nothing_cached_reads_the_stored_decision(
    hubs_in_areas, django_capture_on_commit_callbacks, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The refresh stores the decision with the facts' state: a process whose cache is empty
    reads it (the same decision, membership rows included) rather than deciding again; a decision
    stored for other facts, or another threshold, is not used."""
    from django.core.cache import cache

    from careershub.insight import withholding
    from careershub.insight.models import InsightFactsState
    from careershub.insight.services import facts_refresh

    with django_capture_on_commit_callbacks(execute=True):
        facts_refresh()
    expected = withholding.compute()
    assert any(decision.parts or decision.hubs for decision in expected.values())
    cache.clear()
    monkeypatch.setattr(withholding, "compute", lambda counted=None: pytest.fail("decided again"))
    assert withholding.decisions() == expected
    monkeypatch.undo()

    cache.clear()
    decided: list[bool] = []
    real = withholding.compute

    def counted_compute(counted: Any = None) -> Any:
        decided.append(True)
        return real(counted)

    monkeypatch.setattr(withholding, "compute", counted_compute)
    InsightFactsState.objects.filter(pk=1).update(rows=InsightFactsState.objects.get(pk=1).rows + 1)
    assert withholding.decisions() == expected and decided == [True]  # other facts: decided afresh
    cache.clear()
    decided.clear()
    InsightFactsState.objects.filter(pk=1).update(rows=InsightFactsState.objects.get(pk=1).rows - 1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(withholding, "threshold", lambda: 6)
        withholding.decisions()
    assert decided == [True]  # another threshold: decided afresh


@pytest.fixture
def hubs_in_areas(cast: Cast) -> dict[str, Any]:
    """A region of three local authorities: Aldwick holds North Hub's 3 members (wave 1, under
    the threshold) and 4 institutions in no hub; Barham holds South Hub's 8 members (wave 2,
    withheld so that England's 11 in a hub do not give North Hub's 3 away) and 10 in no hub;
    Colne 30 in no hub. South Hub lies entirely inside Barham."""
    from django.core.cache import cache

    cache.clear()
    cast.north_hub.wave, cast.south_hub.wave = 1, 2
    cast.north_hub.save()
    cast.south_hub.save()
    region = RegionFactory.create(gss_code="E19000002", name="Test hubs region")
    las = {
        name: LocalAuthorityFactory.create(dfe_code=code, gss_code=f"E09{code}", name=name, region=region)
        for name, code in (("Aldwick", "Y01"), ("Barham", "Y02"), ("Colne", "Y03"))
    }
    cells = _in_cells(
        las,
        (
            ("Aldwick", cast.north_hub, 3),
            ("Aldwick", None, 4),
            ("Barham", cast.south_hub, 8),
            ("Barham", None, 10),
            ("Colne", None, 30),
        ),
        urn=770000,
    )
    write_results([i for found in cells.values() for i in found])
    return {"region": region, "las": las, "cells": cells, "north": cast.north_hub, "south": cast.south_hub}


def test_an_areas_wave_rows_never_give_a_withheld_hub_away(client_as, hubs_in_areas) -> None:  # type: ignore[no-untyped-def]
    """Every count published at the point that is a sum of (local authority, hub) cells: each
    LA's total, the region's and England's totals, membership and wave rows, and each hub's page.
    South Hub, withheld for North Hub's sake and lying entirely inside Barham, was Barham's
    "Wave 2" and "In a hub" rows; LAs now publish no such rows, and an attacker who solves for it
    over the region's and England's rows finds several values."""
    client = client_as("national_analyst")
    data = hubs_in_areas
    las, cells = data["las"], data["cells"]
    assert _reporting(client, "hub", data["south"].pk) == "[c]"
    page = client.get(reverse("insight:dashboard", args=["la", las["Barham"].pk]), {"point": POINT}).content.decode()
    assert "Wave 2" not in page and "By hub membership" not in page
    assert "published for England and for each region, not for a local authority" in page
    region = {row[0]: row[1] for row in _csv(client, "region", data["region"].pk, "by_wave")[1:]}
    assert region["Wave 2"] == "[c]"
    _solve_every_page(
        client, las, {data["region"]: set(las)}, cells, withholding_at_point(), hubs=[data["north"], data["south"]]
    )


def withholding_at_point() -> Any:
    from careershub.insight import withholding

    return withholding.decisions()[max(withholding.decisions())]


Cell = tuple[Any, Any]  # (local authority, hub or "none")


def _cells_at(point: Any, oa_las: dict[int, set[int]]) -> tuple[dict[Cell, int], dict[Any, Any], dict[Any, set[Any]]]:
    """Institutions by (LA, hub) cell at `point`, each hub's wave, and each area's LAs."""
    from django.db.models import Count

    from careershub.insight.models import InsightFact

    cells: dict[Cell, int] = {}
    wave: dict[Any, Any] = {}
    groups: dict[tuple[str, Any], set[Any]] = {("national", 0): set()}
    grouped = InsightFact.objects.filter(point=point).values_list(
        "local_authority_id", "region_id", "lsip_area_id", "hub_id", "hub_wave"
    )
    for la, region, lsip, hub, hub_wave, n in grouped.annotate(n=Count("pk")).order_by():
        atom = "none" if hub is None else hub
        cells[(la, atom)] = cells.get((la, atom), 0) + n
        wave[atom] = hub_wave
        groups[("national", 0)].add(la)
        if la is not None:
            groups[("la", la)] = {la}
        for level, pk in (("region", region), ("lsip", lsip)):
            if pk is not None:
                groups.setdefault((level, pk), set()).add(la)
    for oa, members in oa_las.items():
        if members & groups[("national", 0)]:
            groups[("oa", oa)] = members & groups[("national", 0)]
    return cells, wave, groups


def _rows(
    inside: set[Cell], wave: dict[Any, Any], *, in_hub: bool, not_in_hub: bool, waves: set[Any]
) -> list[set[Cell]]:
    """A page's membership and wave rows over `inside`, those flagged or listed as published."""
    rows = [{c for c in inside if c[1] != "none"}] if in_hub else []
    rows += [{c for c in inside if c[1] == "none"}] if not_in_hub else []
    present = {wave[c[1]] for c in inside if c[1] != "none"}
    return rows + [{c for c in inside if c[1] != "none" and wave[c[1]] == w} for w in present & waves]


def _published_cells(
    cells: dict[Cell, int], wave: dict[Any, Any], groups: dict[Any, set[Any]], here: Any
) -> list[set[Cell]]:
    published: list[set[Cell]] = []
    every_wave = set(wave.values())
    for group, las in groups.items():
        if group in here.areas:
            continue
        inside = {cell for cell in cells if cell[0] in las}
        published.append(inside)
        if group == ("national", 0):
            waves = every_wave - set(here.waves)
            published += _rows(inside, wave, in_hub=not here.in_hub, not_in_hub=not here.not_in_hub, waves=waves)
        elif group[0] == "region":  # every row the decision does not withhold (a table may withhold more)
            parts = {part for level, pk, part in here.parts if (level, pk) == group}
            waves = {w for w in every_wave if ("wave", w) not in parts}
            published += _rows(
                inside, wave, in_hub="in_hub" not in parts, not_in_hub="not_in_hub" not in parts, waves=waves
            )
    hidden = set(here.hubs) | ({"none"} if here.not_in_hub else set())
    for atom in {c[1] for c in cells} - hidden:
        published.append({c for c in cells if c[1] == atom})
    return published


def test_on_national_data_no_withheld_hub_can_be_recovered_from_area_rows(settings) -> None:  # type: ignore[no-untyped-def]
    """Generated national data, a high threshold: at every tenth point, over (LA, hub) cells,
    every area's published total and, where not withheld, its membership and wave rows (all
    taken as published, though a table may withhold more), England's, and every published hub:
    every withheld hub (and "in no hub", when withheld) and every withheld area can still take
    two values. (Without the joint decision's rows, a hub is recovered at 2020-03-31.)"""
    from careershub.geography.models import OpportunityArea
    from careershub.insight import withholding
    from careershub.insight.national import generate_national_data

    generate_national_data(institutions=300, seed=11, hub_effect=0.5)
    settings.INSIGHT_SUPPRESSION_THRESHOLD = 12
    decided = withholding.compute()
    oa_las: dict[int, set[int]] = {}
    for oa, linked in OpportunityArea.local_authorities.through.objects.values_list(
        "opportunityarea_id", "localauthority_id"
    ):
        oa_las.setdefault(oa, set()).add(linked)
    checked = rows_checked = 0
    for point in sorted(decided)[::10]:
        here = decided[point]
        cells, wave, groups = _cells_at(point, oa_las)
        unknown = sorted(cells, key=str)
        index = {cell: i for i, cell in enumerate(unknown)}
        equations = [
            ([index[c] for c in chosen], sum(cells[c] for c in chosen))
            for chosen in _published_cells(cells, wave, groups, here)
            if chosen
        ]
        hidden = set(here.hubs) | ({"none"} if here.not_in_hub else set())
        for atom in hidden & {c[1] for c in cells}:
            target = [index[c] for c in unknown if c[1] == atom]
            low, high = value_range(len(unknown), equations, target)
            assert low < high, (point, atom)
            checked += 1
        for group in sorted(here.areas, key=str)[:8]:  # the joint decision protects areas over cells too
            target = [index[c] for c in unknown if c[0] in groups[group]]
            low, high = value_range(len(unknown), equations, target)
            assert low < high, (point, group)
        for level, pk, part in sorted(here.parts, key=str)[:8]:  # and regions' and England's rows
            inside = {c for c in cells if c[0] in groups[(level, pk)]}
            chosen = _rows(
                inside,
                wave,
                in_hub=part == "in_hub",
                not_in_hub=part == "not_in_hub",
                waves={part[1]} if isinstance(part, tuple) else set(),
            )
            if chosen and chosen[0]:
                low, high = value_range(len(unknown), equations, [index[c] for c in chosen[0]])
                assert low < high, (point, level, pk, part)
                rows_checked += 1
    assert checked > 3 and rows_checked > 3  # the test exercises the rule


def test_a_withheld_hub_inside_an_area_is_protected_jointly(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    """Limits 5 and 6 of ADR 14. Aldwick's institutions are all in hubs of wave 1: North Hub's 3
    (withheld) and West Hub's 9, all of West Hub. South Hub (wave 1, 7, in Barham and Colne) is withheld
    for North Hub's sake. Decided on the hubs alone, Aldwick's published 9 less West Hub's 6 gave
    North Hub's 3; jointly, a move between North Hub and West Hub inside Aldwick protects it (West
    Hub withheld). Solving over every cell (the region's and England's membership and wave rows
    included; LAs publish none), no withheld figure is pinned."""
    from django.core.cache import cache

    from careershub.hubs.tests.factories import HubFactory
    from careershub.insight import withholding

    cache.clear()
    north, south = cast.north_hub, cast.south_hub
    north.wave = south.wave = 1
    north.save()
    south.save()
    west = HubFactory.create(name="West Hub", wave=1)
    region = RegionFactory.create(gss_code="E19000003", name="Test joint region")
    las = {
        name: LocalAuthorityFactory.create(dfe_code=code, gss_code=f"E09{code}", name=name, region=region)
        for name, code in (("Aldwick", "X01"), ("Barham", "X02"), ("Colne", "X03"))
    }
    cells = _in_cells(
        las,
        (
            ("Aldwick", north, 3),
            ("Aldwick", west, 9),
            ("Barham", south, 4),
            ("Barham", None, 12),
            ("Colne", south, 3),
            ("Colne", None, 30),
        ),
        urn=780000,
    )
    write_results([i for found in cells.values() for i in found])
    client = client_as("national_analyst")
    for hub in (north, south, west):
        assert _reporting(client, "hub", hub.pk) == "[c]", hub.name
    decided = withholding.decisions()[max(withholding.decisions())]
    # Rows are withheld on England's and the region's pages only: LAs publish none.
    assert {level for level, _, _ in decided.parts} <= {"national", "region"}
    _solve_every_page(client, las, {region: set(las)}, cells, decided, hubs=[north, south, west])


def _assert_no_breakdowns(client: Any, level: str, pk: int) -> None:
    for table in ("by_membership", "by_wave", "hub_vs_comparison"):
        url = reverse("insight:table-csv", args=[level, pk, table])
        assert client.get(url, {"point": POINT}).status_code == 404, table


def _solve_every_page(
    client: Any,
    las: dict[str, Any],
    regions: dict[Any, set[str]],
    cells: dict[Any, Any],
    decided: Any,
    *,
    hubs: list[Any],
) -> None:
    """Every count the LA, region, England and hub pages publish (institutions reporting; the
    region's and England's membership and wave rows), over (LA name, hub) cells: every withheld
    hub, LA and membership or wave row takes two values."""
    published: list[tuple[set[tuple[str, Any]], str]] = []
    wave = {hub.pk: hub.wave for hub in hubs}

    def rows(level: str, pk: int, here: set[tuple[str, Any]]) -> dict[str, set[tuple[str, Any]]]:
        published.append((here, _reporting(client, level, pk)))
        found: dict[str, set[tuple[str, Any]]] = {}
        if level == "la":  # no breakdown by membership or wave below a region
            _assert_no_breakdowns(client, level, pk)
            return found
        for table in ("by_membership", "by_wave"):
            for row in _csv(client, level, pk, table)[1:-1]:  # the total is the count above
                if row[0] in ("In a hub", "Not in a hub"):
                    chosen = {c for c in here if (c[1] == "none") == (row[0] == "Not in a hub")}
                else:
                    chosen = {c for c in here if c[1] != "none" and f"Wave {wave[c[1]]}" == row[0]}
                published.append((chosen, row[1]))
                if row[1] == "[c]":
                    found[f"{level} {pk} {table} {row[0]}"] = chosen
        return found

    withheld_rows: dict[str, set[tuple[str, Any]]] = {}
    for name, area in las.items():
        rows("la", area.pk, {cell for cell in cells if cell[0] == name})
    for region, names in regions.items():
        withheld_rows |= rows("region", region.pk, {cell for cell in cells if cell[0] in names})
    withheld_rows |= rows("national", 0, set(cells))
    for hub in hubs:
        published.append(({c for c in cells if c[1] == hub.pk}, _reporting(client, "hub", hub.pk)))
    unknown = sorted(cells, key=str)
    index = {cell: i for i, cell in enumerate(unknown)}
    equations = [([index[c] for c in chosen], int(shown)) for chosen, shown in published if chosen and shown != "[c]"]
    targets = [([c for c in unknown if c[1] == hub.pk], hub.name) for hub in hubs if hub.pk in decided.hubs]
    targets += [([c for c in unknown if las[str(c[0])].pk == pk], pk) for level, pk in decided.areas if level == "la"]
    if decided.not_in_hub:
        targets.append(([c for c in unknown if c[1] == "none"], "not in a hub"))
    targets += [(sorted(chosen, key=str), name) for name, chosen in withheld_rows.items() if chosen]
    assert targets
    for chosen, name in targets:
        low, high = value_range(len(unknown), equations, [index[c] for c in chosen])
        assert low < high, name
        assert low <= sum(len(cells[c]) for c in chosen) <= high


def test_when_englands_not_in_a_hub_is_withheld_nothing_withheld_is_pinned(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    """Limit 6 of ADR 14. North Hub, the only hub, has 3 members (Aldwick): withheld, with
    England's "in a hub" and "not in a hub" counts (40) to protect it. The region's rows are
    England's here; its 3 in a hub are under the threshold anyway. Solving over every cell,
    nothing withheld is pinned."""
    from django.core.cache import cache

    from careershub.insight import withholding

    cache.clear()
    north = cast.north_hub
    north.wave = 1
    north.save()
    region = RegionFactory.create(gss_code="E19000004", name="Test not in a hub region")
    las = {
        name: LocalAuthorityFactory.create(dfe_code=code, gss_code=f"E09{code}", name=name, region=region)
        for name, code in (("Aldwick", "W01"), ("Barham", "W02"), ("Colne", "W03"))
    }
    cells = _in_cells(
        las,
        (
            ("Aldwick", north, 3),
            ("Aldwick", None, 10),
            ("Barham", None, 12),
            ("Colne", None, 18),
        ),
        urn=790000,
    )
    write_results([i for found in cells.values() for i in found])
    client = client_as("national_analyst")
    decided = withholding.decisions()[max(withholding.decisions())]
    assert decided.not_in_hub
    national = {row[0]: row[1] for row in _csv(client, "national", 0, "by_membership")[1:]}
    assert national["Not in a hub"] == "[c]"
    assert _reporting(client, "hub", north.pk) == "[c]"
    # The region's 3 in a hub are under the threshold: withheld, with the 40 not in one.
    rows = {row[0]: row[1] for row in _csv(client, "region", region.pk, "by_membership")[1:]}
    assert rows == {"In a hub": "[c]", "Not in a hub": "[c]", "Total": "43"}
    _solve_every_page(client, las, {region: set(las)}, cells, decided, hubs=[north])


def test_a_regions_small_row_cannot_be_worked_out_from_englands_and_the_hubs(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    """Limit 8 of ADR 14. Northern region: North Hub's 20 members and 2 institutions in no hub;
    Southern region: South Hub's 10 and 30 in no hub. The north's "not in a hub" row (2) was
    withheld on its page alone, yet was England's 32 less the south's 30, and the region's 22
    less North Hub's 20. Now the row is withheld and protected with what gives it away: solving
    over every published count, it takes two values."""
    from django.core.cache import cache

    cache.clear()
    north, south = cast.north_hub, cast.south_hub
    north.wave, south.wave = 1, 2
    north.save()
    south.save()
    regions = {
        name: RegionFactory.create(gss_code=code, name=f"Test {name} region")
        for name, code in (("north", "E19000005"), ("south", "E19000006"))
    }
    las = {
        name: LocalAuthorityFactory.create(dfe_code=code, gss_code=f"E09{code}", name=name, region=regions[region])
        for name, code, region in (("Aldwick", "V01", "north"), ("Barham", "V02", "south"))
    }
    cells = _in_cells(
        las, (("Aldwick", north, 20), ("Aldwick", None, 2), ("Barham", south, 10), ("Barham", None, 30)), urn=795000
    )
    write_results([i for found in cells.values() for i in found])
    client = client_as("national_analyst")
    rows = {row[0]: row[1] for row in _csv(client, "region", regions["north"].pk, "by_membership")[1:]}
    assert rows["Not in a hub"] == "[c]"
    decided = withholding_at_point()
    assert ("region", regions["north"].pk, "not_in_hub") in decided.parts
    _solve_every_page(
        client,
        las,
        {regions["north"]: {"Aldwick"}, regions["south"]: {"Barham"}},
        cells,
        decided,
        hubs=[north, south],
    )


def test_below_a_region_pages_say_why_there_is_no_breakdown_by_membership(client_as, region, rf) -> None:  # type: ignore[no-untyped-def]
    """A local authority's page, its Hub vs non-Hub page, its workbook and its PDF publish no
    membership or wave rows and no membership trend, and say why; its region's do."""
    client = client_as("national_analyst")
    colne = region["las"]["Colne"]
    note = "published for England and for each region, not for a local authority"
    for name in ("insight:dashboard", "insight:comparison"):
        page = client.get(reverse(name, args=["la", colne.pk]), {"point": POINT}).content.decode()
        assert note in page and "Difference-in-differences" in page
        assert "By hub membership" not in page and "Institutions in a hub and not, at each 31 July" not in page
    _assert_no_breakdowns(client, "la", colne.pk)
    chart = client.get(reverse("insight:chart", args=["la", colne.pk, "hub_vs_comparison"]), {"point": POINT})
    assert chart.status_code == 404
    book = load_workbook(
        io.BytesIO(client.get(reverse("insight:xlsx", args=["la", colne.pk]), {"point": POINT}).content)
    )
    assert {"by_membership", "by_wave", "hub_vs_comparison"}.isdisjoint(book.sheetnames)
    request = rf.get("/", {"point": POINT})
    request.membership = national_membership(None)  # type: ignore[arg-type]
    text = report_text(views._build(request, "la", colne.pk))
    assert note in text and "By hub membership" not in text
    page = client.get(reverse("insight:dashboard", args=["region", region["region"].pk]), {"point": POINT})
    assert "By hub membership" in page.content.decode() and note not in page.content.decode()
    assert _csv(client, "region", region["region"].pk, "hub_vs_comparison")[1:]


def _by_kind(client: Any, level: str, pk: int) -> dict[str, str]:
    return {row[0]: row[1] for row in _csv(client, level, pk, "by_kind")[1:-1]}


def test_a_small_kind_row_cannot_be_worked_out_from_the_regions_and_the_other_las(client_as) -> None:  # type: ignore[no-untyped-def]
    """Aldwick has 1 special school and 10 mainstream; Barham 6 and 20; Colne 7 and 30 (no hubs).
    Table by table, Aldwick's special row (1) was withheld with its mainstream row, yet the
    region's 14 special less Barham's 6 and Colne's 7 gave it. Now the rows a protecting move
    changes are withheld too: solving over (LA, kind) cells and every count the LA, region and
    England pages publish (totals and kind rows), Aldwick's special row takes two values."""
    from django.core.cache import cache

    from careershub.institutions.models import InstitutionKind

    cache.clear()
    region = RegionFactory.create(gss_code="E19000007", name="Test kinds region")
    las = {
        name: LocalAuthorityFactory.create(dfe_code=code, gss_code=f"E09{code}", name=name, region=region)
        for name, code in (("Aldwick", "U01"), ("Barham", "U02"), ("Colne", "U03"))
    }
    special, mainstream = InstitutionKind.SPECIAL_SCHOOL, InstitutionKind.MAINSTREAM_SCHOOL
    cells: dict[tuple[str, str], list[Institution]] = {}
    urn = 796000
    for la, kind, size in (
        ("Aldwick", special, 1),
        ("Aldwick", mainstream, 10),
        ("Barham", special, 6),
        ("Barham", mainstream, 20),
        ("Colne", special, 7),
        ("Colne", mainstream, 30),
    ):
        cells[(la, kind.label)] = [
            InstitutionFactory.create(urn=urn + n, local_authority=las[la], kind=kind) for n in range(size)
        ]
        urn += size
    write_results([i for found in cells.values() for i in found])
    client = client_as("national_analyst")
    assert _by_kind(client, "la", las["Aldwick"].pk) == {"Mainstream school": "[c]", "Special school": "[c]"}
    published: list[tuple[set[tuple[str, str]], str]] = []
    for name, area in las.items():
        inside = {cell for cell in cells if cell[0] == name}
        published.append((inside, _reporting(client, "la", area.pk)))
        for label, shown in _by_kind(client, "la", area.pk).items():
            published.append(({cell for cell in inside if cell[1] == label}, shown))
    for level, pk in (("region", region.pk), ("national", 0)):
        published.append((set(cells), _reporting(client, level, pk)))
        for label, shown in _by_kind(client, level, pk).items():
            published.append(({cell for cell in cells if cell[1] == label}, shown))
    unknown = sorted(cells)
    index = {cell: i for i, cell in enumerate(unknown)}
    equations = [([index[c] for c in chosen], int(shown)) for chosen, shown in published if chosen and shown != "[c]"]
    low, high = value_range(len(unknown), equations, [index[("Aldwick", special.label)]])
    assert low < high and low <= 1 <= high
    # Barham's or Colne's rows are what it took (the region's own rows stay published).
    assert "[c]" in set(_by_kind(client, "la", las["Barham"].pk).values()) | set(
        _by_kind(client, "la", las["Colne"].pk).values()
    )
    assert set(_by_kind(client, "region", region.pk).values()) == {"14", "60"}


def _no_small_breakdown_row_can_be_recovered(counted: Any, decided: Any) -> None:
    """At two points England is published at (one half-way, the last), over ((LA, hub), group)
    cells, every count the area and hub pages publish (totals, England's and regions'
    membership rows, and every breakdown row by kind and by FSM quintile the pages show, as
    `dashboard.breakdown_decided` decides them): no withheld row under the threshold can be
    worked out, except one that is the whole of its (LA, hub) cells (ADR 14, limit 9)."""
    from careershub.insight import dashboard, withholding

    points = [point for point in sorted(decided) if ("national", 0) not in decided[point].areas]
    groups = withholding.count_groups(points)
    checked = 0
    for point in (points[len(points) // 2], points[-1]):
        for family in withholding.FAMILIES:
            checked += _attack_breakdown(groups[point][family], counted, decided[point], family, dashboard)
    assert checked > 20  # the test exercises the rule


def _breakdown_pages(cells: dict[Any, int], counted: Any) -> list[tuple[tuple[str, int], list[Any]]]:
    """Every area's and hub's page as the ((LA, hub), group) cells it sums."""
    areas: dict[tuple[str, int], set[Any]] = {("national", 0): {c[0] for c in cells}}
    for la in {c[0] for c in cells} - {None}:
        areas[("la", la)] = {la}
        region, lsip = counted.area_of.get(la, (None, None))
        for level, pk in (("region", region), ("lsip", lsip)):
            if pk is not None:
                areas.setdefault((level, pk), set()).add(la)
    for oa, linked in counted.oas.items():
        if linked & areas[("national", 0)]:
            areas[("oa", oa)] = linked & areas[("national", 0)]
    pages = [((level, pk), [c for c in cells if c[0] in las]) for (level, pk), las in areas.items()]
    return pages + [(("hub", hub), [c for c in cells if c[1] == hub]) for hub in {c[1] for c in cells} - {"none"}]


def _attack_breakdown(grouped: dict[Any, int], counted: Any, here: Any, family: str, dashboard: Any) -> int:
    """Solve for (a sample of) the withheld rows under the threshold; returns how many."""
    from careershub.insight.queries import Scope

    cells = {(pair[0], pair[1], group): n for (pair, group), n in grouped.items()}
    scores = family == "score"
    if scores:  # nobody outside knows which scores a cell holds: every score, at least none
        cells |= {(la, hub, s): 0 for la, hub, _ in list(cells) for s in range(9) if (la, hub, s) not in cells}
    order = sorted({c[2] for c in cells}, key=repr)
    unknown = sorted(cells, key=repr)
    index = {cell: i for i, cell in enumerate(unknown)}
    equations: list[tuple[list[int], int]] = []
    targets: list[tuple[Any, list[int]]] = []
    groups_of: dict[Any, int] = {}
    for cell in cells:
        groups_of[cell[:2]] = groups_of.get(cell[:2], 0) + 1
    for (level, pk), inside in _breakdown_pages(cells, counted):
        scope = Scope(level, pk, "")
        if here.scope(scope):
            continue
        equations.append(([index[c] for c in inside], sum(cells[c] for c in inside)))
        counts = [sum(cells[c] for c in inside if c[2] == group) for group in order]
        if scores:  # the page's average gives its score sum; the distribution as the page decides it
            equations.append(([index[c] for c in inside for _ in range(c[2])], sum(cells[c] * c[2] for c in inside)))
            shown = dashboard.distribution_decided(
                counts, small=False, across=False, decided=here.rows_of(family, scope)
            )
        else:
            shown = dashboard.breakdown_decided(
                order, counts, small=False, across=False, decided=here.rows_of(family, scope)
            )
        for i, group in enumerate(order):
            chosen = [c for c in inside if c[2] == group]
            if chosen and i not in shown.rows:
                equations.append(([index[c] for c in chosen], counts[i]))
            elif chosen and 0 < counts[i] < 5 and (scores or any(groups_of[c[:2]] > 1 for c in chosen)):
                targets.append(((level, pk, group), [index[c] for c in chosen]))
        for part, test in (("in_hub", lambda c: c[1] != "none"), ("not_in_hub", lambda c: c[1] == "none")):
            found = [index[c] for c in inside if test(c)]
            if level in ("national", "region") and (level, pk, part) not in here.parts and found:
                equations.append((found, sum(cells[unknown[c]] for c in found)))
    for name, chosen in targets[:: max(1, len(targets) // 15)]:  # a sample, every kind of page
        low, high = value_range(len(unknown), equations, chosen, floor=0 if scores else 1)
        assert low < high, (family, name)
    return len(targets)


def test_on_national_data_every_rule_holds(settings) -> None:  # type: ignore[no-untyped-def]
    """ADR 14's rules checked on one generated national set (1,200 institutions, 27 points): each
    check says what it checks, and fails without its rule."""
    from careershub.insight import withholding
    from careershub.insight.national import generate_national_data

    generate_national_data(institutions=1200, seed=11, hub_effect=0.5)
    counted = withholding.count()
    decided = withholding.compute(counted)
    _no_small_breakdown_row_can_be_recovered(counted, decided)
    _no_class_of_withheld_rows_under_the_threshold(counted, decided)
    _no_class_of_withheld_areas_gives_a_share_away(counted, decided)
    _no_small_group_in_no_hub_can_be_worked_out(decided)
    _no_arrival_is_given_away_between_points(counted, decided)
    _decided_alike_whatever_the_order_of_the_figures(counted, decided)


def _decided_alike_whatever_the_order_of_the_figures(counted: Any, decided: Any) -> None:
    """The decision does not depend on the order the figures are built in. They are built from
    sets of strings, which iterate in an order that differs from process to process (hash
    randomisation): two web processes deciding on their own could withhold different figures,
    and together publish what each withheld. Reversing every table's figures changed the decision
    at 10 of the 27 points before the joint search put them in one order."""
    from unittest import mock

    from careershub.insight import withholding

    def reversed_figures(build: Any) -> Any:
        def built(*args: Any, **kwargs: Any) -> Any:
            figures, implies = build(*args, **kwargs)
            return dict(reversed(list(figures.items()))), implies

        return built

    with (
        mock.patch.object(withholding, "figures_at", reversed_figures(withholding.figures_at)),
        mock.patch.object(withholding, "category_figures", reversed_figures(withholding.category_figures)),
    ):
        assert withholding.compute(counted) == decided


def _no_class_of_withheld_rows_under_the_threshold(counted: Any, decided: Any) -> None:
    """ADR 14, limit 1: a parent's breakdown row (England's, a region's, an LSIP area's or an
    Opportunity Area's) less the rows its local authorities' pages show (or England's regions')
    is the sum of the rows they do not show. On generated national data, at every point and for
    every breakdown, as the pages show their rows: every such sum is none or at least the
    threshold. Before the rule 59 were not, over the 27 points, all in LSIP areas (at
    2020-12-31, 3 institutions of one FSM quintile and 4 of one score; the attacker of
    `_attack_breakdown`, over every page, pinned both)."""
    from careershub.insight import withholding

    points = sorted(decided)
    groups = withholding.count_groups(points)
    checked, small = 0, []
    for point in points:
        for family in withholding.FAMILIES:
            cells = {(pair[0], pair[1], group): n for (pair, group), n in groups[point][family].items()}
            pages = _breakdown_pages(cells, counted)
            counts, hidden = _rows_as_pages_show_them(cells, pages, decided[point], family)
            las = {page[1]: page for page in counts if page[0] == "la"}
            for parent, inside in pages:
                if parent[0] not in ("national", "region", "lsip", "oa") or hidden[parent] == set(counts[parent]):
                    continue
                children = [[las[la] for la in {cell[0] for cell in inside} if la in las]]
                if parent[0] == "national":
                    children.append([page for page in counts if page[0] == "region"])
                for kids, (group, n) in ((kids, item) for kids in children for item in counts[parent].items()):
                    if n and group not in hidden[parent]:
                        checked += 1
                        rest = n - sum(counts[kid].get(group, 0) for kid in kids if group not in hidden[kid])
                        if 0 < rest < 5:
                            small.append((point, family, parent, group, rest))
    assert checked > 500  # the test exercises the rule
    assert small == []


def _rows_as_pages_show_them(
    cells: dict[Any, int], pages: list[tuple[tuple[str, int], list[Any]]], here: Any, family: str
) -> tuple[dict[tuple[str, int], dict[Any, int]], dict[tuple[str, int], set[Any]]]:
    """Each page's counts by group, and the groups it hides (all of them on a withheld page)."""
    from careershub.insight import dashboard
    from careershub.insight.queries import Scope

    counts: dict[tuple[str, int], dict[Any, int]] = {}
    hidden: dict[tuple[str, int], set[Any]] = {}
    for page, inside in pages:
        scope = Scope(page[0], page[1], "")
        mine = counts[page] = {}
        for cell in inside:
            mine[cell[2]] = mine.get(cell[2], 0) + cells[cell]
        decided = here.rows_of(family, scope)
        if here.scope(scope):
            hidden[page] = set(mine)
        elif family == "score":
            values = [mine.get(s, 0) for s in range(9)]
            hidden[page] = set(dashboard.distribution_decided(values, small=False, across=False, decided=decided).rows)
        else:
            order = dashboard.kind_order(list(mine)) if family == "kind" else sorted(mine, key=repr)
            values = [mine[g] for g in order]
            rows = dashboard.breakdown_decided(order, values, small=False, across=False, decided=decided).rows
            hidden[page] = {order[i] for i in rows}
    return counts, hidden


def _no_class_of_withheld_areas_gives_a_share_away(counted: Any, decided: Any) -> None:
    """ADR 14, limit 10: an area's share fully achieving a benchmark gives how many do; less
    its local authorities' shown, that of the institutions on withheld pages. If none or all of
    them did, each withheld page's share (0 % or 100 %) would be known. On generated national
    data, at every point: never, unless the area's own share is 0 % or 100 % (which says it of
    every institution in it)."""
    from django.db.models import Count, Q

    from careershub.insight import withholding
    from careershub.insight.models import InsightFact

    by_la: dict[Any, dict[Any, list[int]]] = {}
    rows = InsightFact.objects.values_list("point", "local_authority_id").annotate(
        n=Count("*"), **{f"a{b}": Count("pk", filter=Q(**{f"b{b}": True})) for b in range(1, 9)}
    )
    for point, la, *counts in rows.order_by():
        by_la.setdefault(point, {})[la] = counts
    checked, given_away = 0, []
    for point, here in decided.items():
        figures, _ = withholding.figures_at(counted.cells[point], counted.area_of, counted.oas, counted.wave_of)
        for key, inside in figures.items():
            if key[0] == "total" and key[1] != "la" and (key[1], key[2]) not in here.areas:
                las = {cell[0] for cell in inside}
                whole = [sum(by_la[point][la][i] for la in las) for i in range(9)]
                rest = [
                    whole[i] - sum(by_la[point][la][i] for la in las if la is not None and ("la", la) not in here.areas)
                    for i in range(9)
                ]
                checked += rest[0] > 0
                given_away += [
                    (point, key, b)
                    for b in range(1, 9)
                    if rest[0] and rest[b] in (0, rest[0]) and 0 < whole[b] < whole[0]
                ]
    assert checked > 100  # the test exercises the rule
    assert given_away == []


def _no_small_group_in_no_hub_can_be_worked_out(decided: Any) -> None:
    """ADR 14, limit 9: the institutions in no hub of the LAs that hubs otherwise fill (an LSIP
    area, say, less the hub covering all but 2 of its institutions) are no page's row, but
    their count, and with it their average, is its LAs' counts less the hubs'. On generated
    national data at the default threshold, at the recent points (hubs near universal): every
    such group of 1 to 4 takes two values given every count published, over (LA, hub) cells.
    (Without the rule, groups of 1 to 4 are pinned: 19 of 39 hubs' areas at the last point of
    the 5,000-institution set.)"""
    from careershub.geography.models import OpportunityArea
    from careershub.insight import withholding

    oa_las: dict[int, set[int]] = {}
    for oa, linked in OpportunityArea.local_authorities.through.objects.values_list(
        "opportunityarea_id", "localauthority_id"
    ):
        oa_las.setdefault(oa, set()).add(linked)
    checked = 0
    for point in sorted(decided)[-7::3]:
        cells, wave, groups = _cells_at(point, oa_las)
        unknown = sorted(cells, key=str)
        index = {cell: i for i, cell in enumerate(unknown)}
        equations = [
            ([index[c] for c in chosen], sum(cells[c] for c in chosen))
            for chosen in _published_cells(cells, wave, groups, decided[point])
            if chosen
        ]
        for members in withholding.remainders(cells).values():
            if 0 < sum(cells[c] for c in members) < 5:
                low, high = value_range(len(unknown), equations, [index[c] for c in members])
                assert low < high, (point, members)
                checked += 1
    assert checked > 5  # the test exercises the rule


def _members_by_figure(counted: Any, decided: Any) -> dict[Any, dict[Any, dict[int, tuple[int, ...]]]]:
    """By point, each page's and each of its rows' (by kind, by FSM quintile) institutions and
    their results."""
    from careershub.insight import withholding
    from careershub.insight.models import InsightFact

    oas_of: dict[int, set[int]] = {}
    for oa, las in counted.oas.items():
        for la in las:
            oas_of.setdefault(la, set()).add(oa)
    members: dict[Any, dict[Any, dict[int, tuple[int, ...]]]] = {}
    names = [f"b{number}" for number in range(1, 9)]
    quintile = withholding._quintile(sorted(decided))
    rows = InsightFact.objects.values_list(
        "point", "institution_id", "local_authority_id", "hub_id", "kind", quintile, "score", *names
    )
    for point, institution, la, hub, kind, fsm, *result in rows.order_by():
        pages: set[Any] = {("national", 0)} | ({("hub", hub)} if hub is not None else set())
        if la is not None:
            region, lsip = counted.area_of[la]
            pages |= {("la", la), ("region", region), ("lsip", lsip)} | {("oa", oa) for oa in oas_of.get(la, ())}
        for page in pages - {("region", None), ("lsip", None)}:
            for key in (page, ("kind", *page, kind), ("fsm", *page, fsm)):
                members.setdefault(point, {}).setdefault(key, {})[institution] = tuple(map(int, result))
    return members


def _no_arrival_is_given_away_between_points(counted: Any, decided: Any) -> None:
    """ADR 14, limit 12: a page's figures at two points differ only by the institutions that came
    into it, left it or changed their result in between. For every page (area or hub), and every
    row of its breakdowns by kind and FSM quintile (count and average), and every two points it
    is published at one after the other: when those institutions are 1 to 4, none came or went
    (which would give a first report's result away). Decided without the rule, some do (the
    check can fail)."""
    from unittest import mock

    from careershub.insight import withholding

    members = _members_by_figure(counted, decided)

    def given_away(found: Any) -> tuple[int, list[Any]]:
        last: dict[Any, Any] = {}
        checked, bad = 0, []
        for point in sorted(found):
            for key, now in members[point].items():
                page = key if len(key) == 2 else key[1:3]
                withheld = page[1] in found[point].hubs if page[0] == "hub" else page in found[point].areas
                if withheld or len(now) < 5 or key in found[point].rows:
                    continue
                if key in last:
                    before = members[last[key]][key]
                    changed = [i for i in now.keys() | before.keys() if now.get(i) != before.get(i)]
                    checked += 1
                    if 0 < len(changed) < 5 and now.keys() != before.keys():
                        bad.append((point, key, len(changed)))
                last[key] = point
        return checked, bad

    checked, bad = given_away(decided)
    assert checked > 1000  # the test exercises the rule, on pages and rows
    assert bad == []
    with mock.patch.object(withholding, "entrants", return_value=frozenset()):
        assert given_away(withholding.compute(counted))[1]


def test_an_arrival_alone_withholds_every_page_and_row_it_changes() -> None:
    """`entrants` (ADR 14, limit 12): a page whose difference from its last published point is a
    first report alone (or with up to 3 more changes) is withheld, and so is its breakdown row
    by kind or FSM quintile whose difference is; changes alone, or an arrival among 5 changes,
    are not; a move out of a hub withholds the hub's page and rows and no area's; the comparison
    is with the last point each page was published at."""
    import datetime

    from careershub.insight import withholding

    counted = withholding.Counted(by_la={}, by_hub={}, cells={}, area_of={1: (10, 20)}, oas={30: {1}}, wave_of={})
    first, second, third = (datetime.date(2024, month, 28) for month in (2, 3, 4))
    pages = {("national", 0), ("region", 10), ("lsip", 20), ("la", 1), ("oa", 30), ("hub", 5)}
    academies = {("kind", *page, "academy") for page in pages}
    quintile = {("fsm", *page, 2) for page in pages}
    published = dict.fromkeys(pages | academies | quintile, first)
    low, high = (3, 1, 1, 1, 0, 0, 0, 0, 0), (4, 1, 1, 1, 1, 0, 0, 0, 0)
    start: dict[int, Any] = {i: (1, 5, low, "academy", 2) for i in range(8)}

    def forced(then: dict[int, Any], since: dict[Any, Any] = published) -> frozenset[Any]:
        return withholding.entrants({first: start, second: then}, second, since, counted, 5)

    arrival = {**start, 8: (1, 5, (6, 1, 1, 1, 1, 1, 1, 0, 0), "academy", 2)}
    assert forced(arrival) == pages | academies | quintile
    three_more = {**arrival, **{i: (1, 5, high, "academy", 2) for i in range(3)}}
    assert forced(three_more) == pages | academies | quintile
    assert forced({**arrival, **{i: (1, 5, high, "academy", 2) for i in range(4)}}) == frozenset()
    assert forced({**start, **{i: (1, 5, high, "academy", 2) for i in range(4)}}) == frozenset()
    hubs = {key for key in pages | academies | quintile if "hub" in key}
    assert forced({**start, 0: (1, withholding.NO_HUB, low, "academy", 2)}) == hubs
    # The LA's page was withheld at `second`: at `third` it is compared with `first`.
    history = {first: start, second: arrival, third: arrival}
    since = {**dict.fromkeys(published, second), ("la", 1): first}
    assert withholding.entrants(history, third, since, counted, 5) == {("la", 1)}
    # A row: 6 community schools join the 8 academies; then a seventh arrives as 5 academies
    # change. The page's and the academies' differences are 5 or more; the community row's is
    # the arrival alone.
    mixed = {**start, **{i: (1, 5, low, "community", 2) for i in range(8, 14)}}
    community = {("kind", *page, "community") for page in pages}
    since = dict.fromkeys(pages | academies | community | quintile, first)
    then = {**mixed, **{i: (1, 5, high, "academy", 2) for i in range(5)}, 14: (1, 5, low, "community", 2)}
    assert withholding.entrants({first: mixed, second: then}, second, since, counted, 5) == community


def test_an_area_a_hub_fills_but_for_two_is_withheld_and_names_the_hub(client_as, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    """ADR 14, limit 9. West Hub holds all of Aldwick's and Barham's institutions but Aldwick's 2
    in no hub: Aldwick's and Barham's counts less West Hub's would give those 2 (and their
    average). So Aldwick or Barham is withheld (with Eastry's 6, cheaper than West Hub's 80:
    withholding costs by institutions), the 2 take two values given every published count, West
    Hub stays published, and the withheld area's page names it, with a link."""
    import datetime

    from django.core.cache import cache

    from careershub.hubs.tests.factories import HubFactory
    from careershub.insight import withholding

    cache.clear()
    west = HubFactory.create(name="West Hub", wave=1)
    region = RegionFactory.create(gss_code="E19000004", name="Test remainder region")
    las = {
        name: LocalAuthorityFactory.create(dfe_code=code, gss_code=f"E09{code}", name=name, region=region)
        for name, code in (("Aldwick", "W01"), ("Barham", "W02"), ("Colne", "W03"), ("Eastry", "W04"))
    }
    cells = _in_cells(
        las,
        (
            ("Aldwick", west, 40),
            ("Aldwick", None, 2),
            ("Barham", west, 40),
            ("Colne", None, 30),
            ("Eastry", None, 6),
        ),
        urn=790000,
    )
    write_results([i for found in cells.values() for i in found])
    point = datetime.date.fromisoformat(POINT)
    decided = withholding.compute()[point]
    assert west.pk not in decided.hubs
    withheld = [name for name, la in las.items() if ("la", la.pk) in decided.areas]
    filled = [name for name in ("Aldwick", "Barham") if name in withheld]
    assert filled  # else Aldwick + Barham - West Hub = 2
    counts = {key: len(found) for key, found in cells.items()}
    unknown = sorted(counts, key=str)
    index = {cell: i for i, cell in enumerate(unknown)}
    published = [{key for key in counts if key[0] == name} for name in las if name not in withheld]
    published += [set(counts), {key for key in counts if key[1] == west.pk}]
    equations = [([index[c] for c in chosen], sum(counts[c] for c in chosen)) for chosen in published]
    low, high = value_range(len(unknown), equations, [index[("Aldwick", "none")]])
    assert low < high
    client = client_as("national_analyst")
    page = client.get(reverse("insight:dashboard", args=["la", las[filled[0]].pk]), {"point": POINT}).content.decode()
    assert "could be worked out from those published for other areas" in page
    assert f'href="{reverse("insight:dashboard", args=["hub", west.pk])}?point={POINT}">West Hub</a>' in page
    assert _reporting(client, "hub", west.pk) == "80"
