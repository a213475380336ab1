"""The GIAS import in a real browser, with axe-core checking every page for WCAG 2.2 AA.

Uses the journey harness of `tests/browser` (Debian's chromium; skipped with the reason when it
is missing, unless CI=true). The task backend of the test settings runs the import at once, so
the result page shows it done.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from careershub.institutions.models import Institution
from conftest import Cast
from tests.browser.conftest import (  # noqa: F401 - the harness's fixtures, for this module's tests
    Journey,
    _django_orm_beside_playwright,
    browser_context_args,
    browser_type_launch_args,
    chromium_executable,
    journey,
    no_js_journey,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOOD = (
    "URN,EstablishmentName,TypeOfEstablishment (name),PhaseOfEducation (name),OpenDate,Town,Postcode\n"
    "900001,Sale Grammar Academy,Academy converter,Secondary,01-09-2015,Sale,M33 1AA\n"
    "800001,Ashby High School,Academy converter,Secondary,01-09-2010,Ashby,LE65 1AA\n"
    "ABC,Bad Row,Academy converter,Secondary,01-09-2010,Leeds,LS1 1AA\n"
)


def import_a_file(visit: Journey, tmp_path: Path) -> None:
    visit.sign_in("admin@national.example")
    visit.follow("GIAS import", within="nav")
    visit.heading().to_have_text("Import from GIAS")

    broken = tmp_path / "report.csv"
    broken.write_bytes(b"%PDF-1.7\n")
    visit.page.get_by_label("Upload a GIAS file").set_input_files(str(broken))
    visit.press("Upload and check the file")
    summary = visit.page.get_by_role("alert")
    expect(summary).to_contain_text("The file is a PDF document, not a CSV file.")
    expect(visit.page).to_have_title(re.compile(r"^Error: Import from GIAS"))

    good = tmp_path / "edubasealldata20250109.csv"
    good.write_bytes(GOOD.encode("cp1252"))
    visit.page.get_by_label("Upload a GIAS file").set_input_files(str(good))
    visit.press("Upload and check the file")
    visit.heading().to_have_text("Check the import")
    main = visit.page.get_by_role("main")
    expect(main.get_by_role("table", name=re.compile("What the import would do"))).to_be_visible()
    expect(main.get_by_role("table", name=re.compile("Rejected rows"))).to_contain_text("URN 'ABC' is not a number")
    expect(main.get_by_role("table", name=re.compile("Sample of changes"))).to_contain_text("Ashby High School")

    visit.press("Confirm and import")
    visit.heading().to_have_text(re.compile(r"GIAS import \d+"))
    expect(main).to_contain_text("The import is done.")
    expect(main.get_by_role("table", name=re.compile("What the import did"))).to_be_visible()
    assert Institution.objects.filter(urn=900001).exists()

    visit.follow("Import another file", within="main")
    past = visit.page.get_by_role("table", name="Past imports")
    expect(past).to_contain_text("edubasealldata20250109.csv")
    expect(past).to_contain_text("Done")


def test_import_journey_with_javascript(journey: Journey, cast: Cast, tmp_path: Path) -> None:  # noqa: F811
    import_a_file(journey, tmp_path)


def test_import_journey_without_javascript(no_js_journey: Journey, cast: Cast, tmp_path: Path) -> None:  # noqa: F811
    import_a_file(no_js_journey, tmp_path)


def test_a_preview_can_be_cancelled(journey: Journey, cast: Cast, tmp_path: Path) -> None:  # noqa: F811
    journey.sign_in("admin@national.example")
    journey.goto("/institutions/gias-import/")
    path = tmp_path / "schools.csv"
    path.write_text(GOOD, encoding="utf-8")
    journey.page.get_by_label("Upload a GIAS file").set_input_files(str(path))
    journey.press("Upload and check the file")
    journey.press("Cancel import")
    journey.heading().to_have_text("Import from GIAS")
    expect(journey.page.get_by_role("main")).to_contain_text("was cancelled. Nothing was changed.")
    assert not Institution.objects.filter(urn=900001).exists()
