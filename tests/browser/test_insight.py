"""A hub lead opens their hub's insight dashboard, chooses another measurement point, moves to
the national dashboard and down to a region (another area level), looks at an Opportunity Area,
downloads a table as CSV and opens the Hub vs non-Hub page. axe-core checks every page (see conftest.Journey)."""

from __future__ import annotations

import csv
import datetime
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from careershub.geography.models import OpportunityArea
from careershub.hubs.models import HubMembership
from careershub.insight.tests.test_views import write_results
from careershub.institutions.tests.factories import InstitutionFactory
from conftest import Cast
from tests.browser.conftest import Journey

pytestmark = pytest.mark.browser


def hub_data(cast: Cast) -> None:
    """North Hub: Ashby and 11 more; 24 institutions outside any hub, all in Trafford."""
    north = [cast.ashby] + [
        InstitutionFactory.create(urn=760000 + n, local_authority=cast.ashby.local_authority) for n in range(11)
    ]
    outside = [InstitutionFactory.create(urn=770000 + n, local_authority=cast.ashby.local_authority) for n in range(24)]
    for institution in north[1:]:
        HubMembership.objects.create(hub=cast.north_hub, institution=institution, joined_on=datetime.date(2019, 9, 1))
    write_results(north + outside)


def test_hub_lead_explores_insight_and_downloads_a_table(journey: Journey, cast: Cast) -> None:
    hub_data(cast)
    page = journey.page
    journey.sign_in("lead@north.example")
    journey.follow("Insight", within="nav")
    journey.heading().to_have_text("Benchmark insight")

    journey.follow("North Hub", within="main")
    journey.heading().to_have_text("North Hub")
    summary = page.locator("#table-summary")
    expect(summary).to_contain_text("Institutions reporting")
    expect(summary).to_contain_text("12")
    expect(page.locator("#table-members")).to_contain_text("Ashby High School")  # their own hub, in full

    # An earlier measurement point.
    page.get_by_label("Measurement point").select_option("2022-07-31")
    journey.press("Show")
    expect(page).to_have_url(journey.base_url + f"/insight/hub/{cast.north_hub.pk}/?point=2022-07-31")
    expect(page.get_by_label("Measurement point")).to_have_value("2022-07-31")

    # Another area level: England, then a region from its "by area" table (aggregates only).
    journey.follow("Insight", within="nav")
    journey.follow("England", within="main")
    journey.heading().to_have_text("England")
    expect(page.locator("#table-members")).to_have_count(0)
    region = cast.ashby.local_authority.region.name  # type: ignore[union-attr]
    journey.follow(region, within="#table-by_area")
    journey.heading().to_have_text(region)
    expect(page.locator("#table-summary")).to_contain_text("36")

    # An Opportunity Area (none of these institutions is in one: nothing to show, nothing broken).
    # (Reference data from migrations is gone after another browser test's flush: make one then.)
    area = OpportunityArea.objects.order_by("name").first() or OpportunityArea.objects.create(
        name="Blackpool", announced="2017-01"
    )
    journey.follow("Insight", within="nav")
    journey.follow(area.name, within="main")
    journey.heading().to_have_text(area.name)
    expect(page.get_by_role("main")).to_contain_text("No institutions reported at this point.")
    # Below a region, no breakdown by hub membership or wave: the page says why.
    expect(page.get_by_role("main")).to_contain_text("for each region, not for an Opportunity Area")
    page.go_back()
    page.go_back()
    journey.check()
    journey.heading().to_have_text(region)

    # The summary table as CSV.
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"^Download this table \(CSV\)\s*:\s*Summary$")).click()
    download = download_info.value
    assert download.suggested_filename.endswith("-summary.csv")
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["Measure", "Value"] and rows[1] == ["Institutions reporting", "36"]

    # The Hub vs non-Hub comparison, on its own page.
    journey.follow(re.compile(rf"^Hub vs non-Hub comparison on its own page\s*:\s*{re.escape(region)}$"), within="main")
    journey.heading().to_have_text(f"Hub vs non-Hub: {region}")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Difference-in-differences")
    expect(main).to_contain_text("Matched comparison")
    expect(main).to_contain_text("95% confidence interval")
    expect(
        main.get_by_role("img", name="Chart: Institutions in a hub and not, at each 31 July.", exact=False)
    ).to_be_visible()
