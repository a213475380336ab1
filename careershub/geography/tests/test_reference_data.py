"""The geography reference data, as loaded by the data migration from the committed files."""

from __future__ import annotations

import datetime
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.forms.models import model_to_dict

from careershub.geography.loaders import DATA_DIR, load_geography, read_rows
from careershub.geography.models import (
    CombinedAuthority,
    District,
    LocalAuthority,
    LSIPArea,
    OpportunityArea,
    OpportunityAreaDistrict,
    Region,
)

pytestmark = pytest.mark.django_db

MODELS = [Region, CombinedAuthority, LSIPArea, LocalAuthority, District, OpportunityArea, OpportunityAreaDistrict]


def snapshot() -> dict[str, list[dict[str, Any]]]:
    return {
        model.__name__: [model_to_dict(obj) for obj in model._default_manager.order_by("pk")]  # type: ignore[attr-defined]
        for model in MODELS
    }


def test_counts() -> None:
    assert Region.objects.count() == 9
    assert LSIPArea.objects.count() == 38
    assert CombinedAuthority.objects.count() == 15
    assert District.objects.count() == 296
    current = LocalAuthority.objects.filter(is_current=True)
    assert current.count() == 153
    assert LocalAuthority.objects.filter(is_current=False).count() == 5
    assert OpportunityArea.objects.count() == 12
    assert OpportunityAreaDistrict.objects.count() == 13  # Fenland and East Cambridgeshire has two


def test_codes_are_well_formed() -> None:
    for la in LocalAuthority.objects.all():
        assert len(la.dfe_code) == 3 and la.dfe_code.isdigit(), la
        assert len(la.gss_code) == 9 and la.gss_code[:3] in {"E06", "E08", "E09", "E10"}, la
    assert all(r.gss_code.startswith("E12") for r in Region.objects.all())
    assert all(d.gss_code[:3] in {"E06", "E07", "E08", "E09"} for d in District.objects.all())


def test_every_current_authority_has_districts_region_and_centroid() -> None:
    for la in LocalAuthority.objects.filter(is_current=True).prefetch_related("districts"):
        assert la.districts.exists(), la
        assert la.latitude is not None and 49.8 < la.latitude < 55.9, la
        assert la.longitude is not None and -6.5 < la.longitude < 1.8, la
    assert not District.objects.filter(local_authority__is_current=False).exists()
    assert not District.objects.filter(lsip_area__isnull=True).exists()


def test_trafford() -> None:
    trafford = LocalAuthority.objects.select_related("region", "combined_authority", "lsip_area").get(dfe_code="358")
    assert trafford.name == "Trafford"
    assert trafford.gss_code == "E08000009"
    assert trafford.region.name == "North West"
    assert trafford.region.gss_code == "E12000002"
    assert trafford.combined_authority is not None
    assert trafford.combined_authority.name == "Greater Manchester"
    assert trafford.combined_authority.gss_code == "E47000001"
    assert trafford.lsip_area is not None
    assert trafford.lsip_area.name == "Greater Manchester"
    assert trafford.is_current
    assert list(trafford.districts.values_list("gss_code", flat=True)) == ["E08000009"]
    assert trafford.latitude == pytest.approx(53.417, abs=0.01)


def test_greater_manchester_has_ten_authorities() -> None:
    gm = CombinedAuthority.objects.get(gss_code="E47000001")
    assert sorted(gm.local_authorities.values_list("dfe_code", flat=True)) == [str(c) for c in range(350, 360)]


def test_two_tier_county() -> None:
    lancashire = LocalAuthority.objects.get(dfe_code="888")
    assert lancashire.gss_code.startswith("E10")
    assert lancashire.districts.count() == 12
    assert all(d.gss_code.startswith("E07") for d in lancashire.districts.all())
    assert lancashire.lsip_area is not None and lancashire.lsip_area.name == "Lancashire"
    # Hampshire's districts are in two LSIP areas, so the county has none of its own.
    hampshire = LocalAuthority.objects.get(dfe_code="850")
    assert hampshire.lsip_area is None
    assert set(hampshire.districts.values_list("lsip_area__name", flat=True)) == {"Enterprise M3", "Solent"}


def test_reorganised_authorities() -> None:
    cumbria = LocalAuthority.objects.get(dfe_code="909")
    assert not cumbria.is_current
    assert cumbria.replaced_on == datetime.date(2023, 4, 1)
    assert sorted(cumbria.successors.values_list("name", flat=True)) == ["Cumberland", "Westmorland and Furness"]
    assert cumbria.lsip_area is not None and cumbria.lsip_area.name == "Cumbria"
    cumberland = LocalAuthority.objects.get(dfe_code="942")
    assert list(cumberland.predecessors.all()) == [cumbria]

    north_yorkshire = LocalAuthority.objects.get(dfe_code="815")
    assert north_yorkshire.is_current
    assert north_yorkshire.gss_code == "E06000065"
    assert north_yorkshire.former_gss_codes == "E10000023"
    somerset = LocalAuthority.objects.get(dfe_code="933")
    assert (somerset.gss_code, somerset.former_gss_codes) == ("E06000066", "E10000027")

    bcp = LocalAuthority.objects.get(dfe_code="839")
    assert sorted(bcp.predecessors.values_list("dfe_code", flat=True)) == ["836", "837"]
    # mySociety names only Dorset Council (838) as the county's successor (Christchurch went to BCP).
    assert list(LocalAuthority.objects.get(dfe_code="835").successors.values_list("dfe_code", flat=True)) == ["838"]
    assert sorted(LocalAuthority.objects.get(dfe_code="928").successors.values_list("dfe_code", flat=True)) == [
        "940",
        "941",
    ]
    barnsley = LocalAuthority.objects.get(dfe_code="370")
    assert (barnsley.gss_code, barnsley.former_gss_codes) == ("E08000038", "E08000016")
    assert barnsley.lsip_area is not None and barnsley.lsip_area.name == "South Yorkshire"


def test_opportunity_areas() -> None:
    blackpool = OpportunityArea.objects.get(name="Blackpool")
    assert blackpool.announced == "2016-10"
    assert list(blackpool.local_authorities.values_list("dfe_code", flat=True)) == ["890"]
    fenland = OpportunityArea.objects.get(name="Fenland and East Cambridgeshire")
    assert sorted(fenland.districts.values_list("gss_code", flat=True)) == ["E07000009", "E07000010"]
    assert list(fenland.local_authorities.values_list("dfe_code", flat=True)) == ["873"]
    coast = OpportunityAreaDistrict.objects.get(opportunity_area__name="North Yorkshire Coast")
    assert (coast.gss_code, coast.name, coast.successor_gss_code) == ("E07000168", "Scarborough", "E06000065")
    assert "Scarborough" in coast.note
    west_somerset = OpportunityArea.objects.get(name="West Somerset")
    assert list(west_somerset.local_authorities.values_list("dfe_code", flat=True)) == ["933"]
    assert Counter(OpportunityArea.objects.values_list("local_authorities__region__name", flat=True)) == Counter(
        {
            "North West": 2,
            "Yorkshire and The Humber": 3,
            "East Midlands": 1,
            "East of England": 3,
            "South East": 1,
            "West Midlands": 1,
            "South West": 1,
        }
    )


def test_loading_twice_changes_nothing() -> None:
    before = snapshot()
    result = load_geography()
    assert all(counts.changed == 0 for counts in result.values()), result
    assert result["local_authorities"].unchanged == 158
    assert snapshot() == before


def test_loading_repairs_a_changed_row_and_restores_links() -> None:
    trafford = LocalAuthority.objects.get(dfe_code="358")
    trafford.name = "Renamed"
    trafford.lsip_area = None
    trafford.save()
    LocalAuthority.objects.get(dfe_code="909").successors.clear()
    result = load_geography()
    assert result["local_authorities"].updated == 1
    assert result["local_authorities"].links_changed == 1
    trafford.refresh_from_db()
    assert trafford.name == "Trafford" and trafford.lsip_area is not None
    assert LocalAuthority.objects.get(dfe_code="909").successors.count() == 2


def test_loading_into_an_empty_database() -> None:
    for model in reversed(MODELS):
        model._default_manager.all().delete()  # type: ignore[attr-defined]
    result = load_geography()
    assert result["local_authorities"].created == 158
    assert result["local_authorities"].links_changed == 5
    assert LocalAuthority.objects.get(dfe_code="358").combined_authority is not None


def test_management_command(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("load_geography")
    assert "local authorities: 0 created, 0 updated, 158 unchanged" in capsys.readouterr().out


def test_committed_files_carry_no_postcode_data() -> None:
    """The outcode centroid file has no licence: it must never be shipped (shared README)."""
    names = {path.name for path in DATA_DIR.iterdir()}
    assert names == {
        "README.md",
        "regions.csv",
        "combined_authorities.csv",
        "lsip_areas.csv",
        "local_authorities.csv",
        "districts.csv",
        "opportunity_areas.csv",
    }
    for name in names - {"README.md"}:
        assert "outcode" not in (DATA_DIR / name).read_text(encoding="utf-8").lower()
    assert len(read_rows("local_authorities.csv")) == 158


SHARED = Path(settings.SHARED_DATA_DIR)


@pytest.mark.skipif(not (SHARED / "geography").is_dir(), reason="the shared public data folder is not here")
def test_build_script_reproduces_the_committed_files(tmp_path: Path) -> None:
    script = Path(settings.BASE_DIR) / "scripts" / "build_reference_data.py"
    command = [sys.executable, str(script), str(SHARED), "--out", str(tmp_path)]
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603 (our own script, fixed arguments)
    for path in sorted(DATA_DIR.glob("*.csv")):
        assert (tmp_path / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), path.name
