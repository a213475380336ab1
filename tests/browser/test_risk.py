"""A careers leader opens the risk of NEET list, filters it to red learners, opens a flagged
learner, follows a flag to record an intervention against it and sees it under that flag; a hub
lead changes the hub's indicator and sees how well it predicts NEET. axe-core checks every page
(see conftest.Journey)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from careershub.learners.models import Learner, SenStatus
from careershub.learners.tests.factories import LearnerFactory, upn_for
from careershub.risk.loading import load_indicators
from careershub.risk.models import Indicator, Intervention, RiskConfiguration, RiskFactors
from careershub.risk.tests.factories import RiskFactorsFactory
from conftest import Cast
from tests.browser.conftest import Journey

pytestmark = pytest.mark.browser


@pytest.fixture
def learners(cast: Cast) -> None:
    load_indicators()  # reference data: transactional tests flush what the migration loaded
    red = LearnerFactory.create(
        institution=cast.ashby,
        legal_first_name="Robin",
        legal_last_name="Sampleton",
        year_group=10,
        fsm=True,
        sen_status=SenStatus.EHC_PLAN,
    )
    RiskFactorsFactory.create(learner=red, attendance_percent=Decimal("78.5"), young_carer=True)
    LearnerFactory.create(
        institution=cast.ashby, legal_first_name="Alex", legal_last_name="Demoworth", fsm=True, eal=True
    )
    LearnerFactory.create(institution=cast.ashby, legal_first_name="Sam", legal_last_name="Mockfield")


def test_careers_leader_records_an_intervention_from_a_flag(journey: Journey, cast: Cast, learners: None) -> None:
    page = journey.page
    journey.sign_in("leader@ashby.example")
    journey.follow("Learners", within="nav")
    journey.follow("Learners at risk of NEET", within="#learner-pages")
    journey.heading().to_have_text("Risk of NEET")
    expect(page.locator("#risk-list")).to_contain_text("Robin Sampleton")
    expect(page.locator("td[data-rag='red']")).to_have_text("1")

    page.get_by_label("Rating").select_option("red")
    journey.press("Apply")
    expect(page.locator("#risk-list")).not_to_contain_text("Alex Demoworth")

    journey.navigate(lambda: page.locator("#risk-list").get_by_role("link", name="Robin Sampleton", exact=True).click())
    journey.heading().to_have_text("Robin Sampleton")
    expect(page.locator("#risk-score")).to_contain_text("Score 7")
    young_carer = page.locator("#flag-young_carer")
    expect(young_carer).to_contain_text("No intervention recorded for this flag.")
    journey.navigate(lambda: young_carer.get_by_role("link", name="Record an intervention for: Young carer").click())

    journey.heading().to_have_text("Record an intervention")
    expect(page.get_by_label("Risk flag it responds to")).to_have_value(
        str(Indicator.objects.get(code="young_carer").pk)
    )
    page.get_by_label("Referral").check()
    page.get_by_label("Who is responsible").fill("Ms Khan")
    page.get_by_label("Day").first.fill("2")
    page.get_by_label("Month").first.fill("10")
    page.get_by_label("Year", exact=True).first.fill("2026")
    page.get_by_label("In progress").check()
    page.get_by_label("What was agreed or done").fill("Referred to the young carers service")
    journey.press("Save intervention")

    expect(page.get_by_role("main")).to_contain_text("has been recorded")
    expect(page.locator("#flag-young_carer")).to_contain_text("Referred to the young carers service")
    expect(page.locator("#flag-young_carer")).to_contain_text("Ms Khan")
    assert Intervention.objects.get().learner.legal_first_name == "Robin"


def test_hub_lead_sets_the_indicator(journey: Journey, cast: Cast, learners: None) -> None:
    page = journey.page
    journey.sign_in("lead@north.example")
    journey.follow("NEET and destinations", within="nav")
    journey.follow("Risk of NEET indicator: the factors and weights your hub's schools use", within="main")
    journey.heading().to_have_text("Risk of NEET indicator")
    expect(page.locator("#evaluation-not-enough")).to_be_visible()
    page.get_by_label("English as an additional language", exact=True).uncheck()
    page.get_by_label("Weight of young carer").select_option("2")
    page.get_by_label("Red from a score of").fill("5")
    journey.press("Save the indicator")
    expect(page.get_by_role("main")).to_contain_text("has been saved")
    configuration = RiskConfiguration.objects.get()
    assert "eal" not in configuration.weights and configuration.weights["young_carer"] == 2
    assert configuration.red_threshold == 5


def test_risk_factor_import_without_javascript(
    no_js_journey: Journey, cast: Cast, learners: None, tmp_path: Path
) -> None:
    journey = no_js_journey
    page = journey.page
    robin = Learner.objects.get(legal_first_name="Robin")
    alex = Learner.objects.get(legal_first_name="Alex")
    upload = tmp_path / "risk factors.csv"
    upload.write_text(f"UPN,Attendance %,Youth Justice\n{robin.upn},91,N\n{alex.upn},72.5,Y\nA123,abc,N\n")
    journey.sign_in("leader@ashby.example")
    journey.follow("Learners", within="nav")
    journey.follow("Learners at risk of NEET", within="#learner-pages")
    journey.press("Import risk factors")
    page.locator("input[type=file]").set_input_files(str(upload))
    journey.press("Upload and check the file")
    journey.heading().to_have_text("Check what the import will change")
    expect(page.locator("#row-errors")).to_contain_text("is not a percentage like 93.5")
    journey.press("Confirm and import")
    expect(page.get_by_role("main")).to_contain_text("The risk factors were imported.")
    journey.follow("Go to the risk list")
    expect(page.locator("#risk-list")).to_contain_text("Involved with the youth justice service")
    assert str(RiskFactors.objects.get(learner=alex).attendance_percent) == "72.5"


def test_risk_factors_come_with_the_learner_import(journey: Journey, cast: Cast, tmp_path: Path) -> None:
    """The hub switched the young carer indicator off: the learner import reads the attendance
    column, lists the young carer column as not read, and the risk list flags the attendance."""
    from careershub.risk import services

    load_indicators()
    services.save_configuration(
        organisation=cast.north_hub.organisation,
        weights={"attendance_below_90": 1, "attendance_below_80": 2},
        amber=1,
        red=3,
        expected_version=0,
        actor=None,
    )
    page = journey.page
    upload = tmp_path / "SIMS student list.csv"
    upload.write_text(
        "UPN,Legal Surname,Legal Forename,DOB,Year,Attendance %,Young Carer\n"
        f"{upn_for(40)},Absentson,Jo,01/03/2011,10,76.5,Y\n"
        f"{upn_for(41)},Presentley,Kim,02/04/2011,10,98,N\n"
    )
    journey.sign_in("leader@ashby.example")
    journey.follow("Learners", within="nav")
    journey.press("Import learners from your MIS")
    page.locator("input[type=file]").set_input_files(str(upload))
    journey.press("Upload and check the file")
    expect(page.get_by_label("Attendance %")).to_have_value("risk.attendance_percent")
    expect(page.locator("#columns-not-read")).to_contain_text("Young Carer")
    journey.press("Check the file with these columns")
    journey.heading().to_have_text("Check what the import will change")
    journey.press("Confirm and import")
    expect(page.get_by_role("main")).to_contain_text("The learners were imported.")
    jo = Learner.objects.get(legal_first_name="Jo")
    assert (str(jo.risk_factors.attendance_percent), jo.risk_factors.young_carer) == ("76.5", None)
    journey.follow("Learners", within="nav")
    journey.follow("Learners at risk of NEET", within="#learner-pages")
    expect(page.locator("#risk-list")).to_contain_text("Attendance below 80%")
    expect(page.locator("#risk-list tr", has_text="Jo Absentson")).to_contain_text("Red")
    expect(page.locator("#risk-list tr", has_text="Kim Presentley")).to_contain_text("Green")
