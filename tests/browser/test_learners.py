"""A careers leader imports a SIMS-style student list, fixes the column the service could not
match, records a workplace visit for Year 10 learners eligible for free school meals, sees
Benchmark 6 coverage change, and turns the remaining gap list into the participants of the next
activity; then opens a learner's page and downloads their careers record. axe-core checks every
page (see conftest.Journey)."""

from __future__ import annotations

import csv
import datetime
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from careershub.activities.coverage import academic_year
from careershub.activities.models import Activity
from careershub.learners.models import Learner
from careershub.learners.tests.factories import LearnerFactory, upn_for
from conftest import Cast
from tests.browser.conftest import Journey

pytestmark = pytest.mark.browser

#: As SIMS exports it, except that free school meals come in a column named in a way the
#: service does not recognise, so the careers leader chooses its field.
HEADERS = ["UPN", "Legal Surname", "Legal Forename", "DOB", "Year", "Reg Group", "Gender", "Free Meals (Y/N)"]
WORKPLACE_CHECKLIST = [
    "purpose_shared",
    "learning_outcomes",
    "two_way_interaction",
    "range_of_people",
    "task_set",
    "employer_feedback",
    "reflection",
]


def student_list() -> bytes:
    school_year = academic_year(timezone.localdate())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for n in range(8):
        year = 10 if n < 6 else 7
        born = datetime.date(school_year - year - 4, 1 + n, 10)  # January to August: this school year's cohort
        fsm = "Y" if n in (0, 2, 4) else "N"
        writer.writerow(
            [upn_for(n), f"Sampleton{n}", f"Demo{n}", born.strftime("%d/%m/%Y"), year, f"{year}A", "F", fsm]
        )
    return out.getvalue().encode("utf-8")


def overall(journey: Journey, rule: str) -> str:
    return journey.page.locator(f"td[data-rule='{rule}']").inner_text().strip()


def test_import_record_for_a_filtered_group_and_see_coverage_change(
    journey: Journey, cast: Cast, tmp_path: Path
) -> None:
    page = journey.page
    journey.sign_in("leader@ashby.example")
    journey.follow("Learners", within="nav")
    journey.press("Import learners from your MIS")
    upload = tmp_path / "SIMS student list.csv"
    upload.write_bytes(student_list())
    page.locator("input[type=file]").set_input_files(str(upload))
    journey.press("Upload and check the file")

    # The mapping: every column is suggested except the free school meals one.
    fsm_column = page.get_by_label("Free Meals (Y/N)")
    expect(fsm_column).to_have_value("")
    fsm_column.select_option("fsm")
    journey.press("Check the file with these columns")
    expect(page.get_by_role("main")).to_contain_text("8")
    journey.press("Confirm and import")
    expect(page.get_by_role("main")).to_contain_text("The learners were imported.")
    assert Learner.objects.filter(institution=cast.ashby, fsm=True, year_group=10).count() == 3

    # Coverage before: nobody has had a workplace experience.
    journey.follow("Activities", within="nav")
    journey.follow("See benchmark coverage and gap lists")
    journey.heading().to_have_text("Benchmark coverage")
    assert overall(journey, "bm6_by_16") == "0%"

    # A workplace visit for the Year 10 learners eligible for free school meals.
    journey.follow("Activities", within="nav")
    journey.press("Record an activity")
    page.get_by_label("Type of activity").select_option("workplace_visit")
    page.locator("#id_title").fill("Visit to Trafford Park Engineering")
    today = timezone.localdate()
    page.locator("input[name='date-day']").fill(str(today.day))
    page.locator("input[name='date-month']").fill(str(today.month))
    page.locator("input[name='date-year']").fill(str(today.year))
    page.locator("#id_provider_name").fill("Trafford Park Engineering Ltd")
    for item in WORKPLACE_CHECKLIST:
        page.locator(f"input[name='checklist'][value='{item}']").check()
    journey.press("Save and add who took part")
    page.locator("input[name='how'][value='filter']").check()
    page.locator("select[name='year_group']").select_option("10")
    page.locator("select[name='fsm']").select_option("yes")
    journey.press("Add these learners")
    expect(page.get_by_role("main")).to_contain_text("3 learners added")

    # Coverage after: 3 of 8 learners; the gap list holds the other five.
    journey.follow("Activities", within="nav")
    journey.follow("See benchmark coverage and gap lists")
    assert overall(journey, "bm6_by_16") == "38%"
    journey.follow(re.compile(r"^See the 5 learners who have not\W+An experience of a workplace by 16"))
    expect(page.locator("#gap-count")).to_contain_text("5 learners on roll have not met this yet")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download this list (CSV)").click()
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) == 6 and rows[0][0] == "UPN"

    # The gap list, for Year 10 only, becomes the participants of the next activity.
    page.get_by_label("Year group").select_option("10")
    journey.press("Show")
    expect(page.locator("#gap-count")).to_contain_text("3 learners in Year 10")
    journey.follow("Record an activity for these learners")
    page.get_by_label("Type of activity").select_option("work_experience")
    page.locator("#id_title").fill("Year 10 work experience")
    page.locator("input[name='date-day']").fill(str(today.day))
    page.locator("input[name='date-month']").fill(str(today.month))
    page.locator("input[name='date-year']").fill(str(today.year))
    for item in WORKPLACE_CHECKLIST:
        page.locator(f"input[name='checklist'][value='{item}']").check()
    journey.press("Save and add who took part")
    expect(page.locator("textarea[name='upns']")).to_have_value(re.compile(r"^(\S+\n){2}\S+$"))
    journey.press("Add these learners")
    second = Activity.objects.get(title="Year 10 work experience")
    assert set(second.participants.values_list("year_group", "fsm")) == {(10, False)}
    journey.follow("Activities", within="nav")
    journey.follow("See benchmark coverage and gap lists")
    assert overall(journey, "bm6_by_16") == "75%"

    # Home lists what is still to do this school year; each line opens that gap list.
    journey.follow("Home", within="nav")
    expect(page.locator("#to-do-coverage")).to_contain_text("Benchmark 5: At least one meaningful employer encounter")
    journey.follow(re.compile(r"^Benchmark 5: "), within="#to-do-coverage")
    expect(page.get_by_role("checkbox", name=re.compile(r"Only those still to do by"))).to_be_checked()
    expect(page.locator("#gap-count")).to_contain_text(re.compile(r"on roll (has|have) not met this yet and can still"))

    # A learner's page shows where they stand, and their careers record downloads as a PDF.
    journey.follow("Learners", within="nav")
    journey.follow("Demo0 Sampleton0")
    expect(page.locator("#learner-activities")).to_contain_text("Visit to Trafford Park Engineering")
    with page.expect_download() as record_info:
        page.get_by_role("link", name="Download the careers record (PDF)").click()
    assert Path(record_info.value.path()).read_bytes().startswith(b"%PDF")

    # A register from a careers fair, imported as a file: previewed, then confirmed.
    journey.follow("Activities", within="nav")
    journey.press("Import activity records")
    register = tmp_path / "careers fair sign-in.csv"
    day = today.strftime("%d/%m/%Y")
    register.write_text(
        "Date,Activity type,Title,UPN\n"
        + "".join(f"{day},Careers fair,Spring careers fair,{upn_for(n)}\n" for n in (6, 7))
    )
    page.locator("input[type=file]").set_input_files(str(register))
    journey.press("Upload and check the file")
    journey.heading().to_have_text("Check what the import will record")
    expect(page.locator("#import-activities")).to_contain_text("Spring careers fair")
    journey.press("Confirm and import")
    journey.heading().to_have_text("Activity records imported")
    fair = Activity.objects.get(title="Spring careers fair")
    assert set(fair.participants.values_list("year_group", flat=True)) == {7}


def test_a_large_register_is_checked_and_imported_in_the_background_without_javascript(
    no_js_journey: Journey, cast: Cast, tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file over BACKGROUND_BYTES: its page shows the progress of the check, then the preview,
    the progress of the import, then the result, each reached by the Refresh link. The queued
    tasks are held (dummy backend) and run here between the refreshes, as a worker would."""
    from careershub.activities import imports
    from careershub.activities.models import ActivityImport

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setattr(imports, "BACKGROUND_BYTES", 100)
    for n in range(3):
        LearnerFactory.create(institution=cast.ashby, upn=upn_for(n))
    journey = no_js_journey
    page = journey.page
    journey.sign_in("leader@ashby.example")
    journey.goto("/activities/import/")
    register = tmp_path / "work experience.csv"
    day = timezone.localdate().strftime("%d/%m/%Y")
    register.write_text(
        "Date,Activity type,Title,UPN\n"
        + "".join(f"{day},Work experience,Week at Trafford Park,{upn_for(n)}\n" for n in range(3))
    )
    page.locator("input[type=file]").set_input_files(str(register))
    journey.press("Upload and check the file")
    journey.heading().to_have_text("Checking the file")
    expect(page.locator("#progress-bar")).to_have_attribute("value", "0")
    item = ActivityImport.objects.get()
    imports.import_check(activity_import_id=item.pk)
    journey.follow("Refresh to see progress")
    journey.heading().to_have_text("Check what the import will record")
    expect(page.locator("#import-activities")).to_contain_text("Week at Trafford Park")
    journey.press("Confirm and import")
    journey.heading().to_have_text("Importing activity records")
    expect(page.locator("#import-progress")).to_contain_text("Recording 3 participations in 1 activity")
    imports.import_apply(activity_import_id=item.pk)
    journey.follow("Refresh to see progress")
    journey.heading().to_have_text("Activity records imported")
    assert Activity.objects.get(title="Week at Trafford Park").participants.count() == 3
