from __future__ import annotations

import csv
import datetime
import io

import pandas as pd
import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook

from careershub.evaluations import generator
from careershub.hubs.models import HubMembership
from careershub.insight.services import facts_refresh
from careershub.institutions.models import Institution
from careershub.institutions.tests.factories import InstitutionFactory
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db
POINT = "2025-07-31"


def write_results(institutions: list[Institution], seed: int = 1) -> None:
    frame = pd.DataFrame(
        {
            "key": [i.urn for i in institutions],
            "pk": [i.pk for i in institutions],
            "kind": [i.kind for i in institutions],
            "percent_fsm": [float(i.percent_fsm or 20) for i in institutions],
            "area_effect": 0.0,
            "joined_on": pd.to_datetime(
                [m.joined_on if (m := i.hub_memberships.first()) else None for i in institutions]
            ),
            "first_year": 2017,
        }
    )
    scores = generator.simulate_scores(frame, seed=seed, hub_effect=1.0, last_year=2024)
    generator.write_histories_bulk(frame, scores, seed=seed, until=datetime.date(2025, 7, 31))
    facts_refresh()


@pytest.fixture
def data(cast: Cast) -> Cast:
    """North Hub: Ashby and 2 more (3, so suppressed); South Hub: Brook and 11 more; 20 outside."""
    cache.clear()
    cast.south_hub.wave = 2
    cast.south_hub.save()
    north = [cast.ashby] + [InstitutionFactory.create(urn=710000 + n) for n in range(2)]
    south = [cast.brook] + [InstitutionFactory.create(urn=720000 + n) for n in range(11)]
    outside = [InstitutionFactory.create(urn=730000 + n, name=f'=HYPERLINK("x") {n}') for n in range(20)]
    for institution in north[1:]:
        HubMembership.objects.create(hub=cast.north_hub, institution=institution, joined_on=datetime.date(2018, 9, 1))
    for institution in south[1:]:
        HubMembership.objects.create(hub=cast.south_hub, institution=institution, joined_on=datetime.date(2019, 9, 1))
    write_results(north + south + outside)
    return cast


def expected(persona: str, allowed: set[str]) -> int:
    if persona == "anonymous":
        return 302
    return 200 if persona in allowed else 403


NATIONAL = {"national_admin", "national_analyst"}
HUB = {"hub_lead", "enterprise_coordinator", "other_hub_lead"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_national_dashboard_is_for_national_and_hub_staff(client_as, data: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("insight:national"), {"point": POINT})
    assert response.status_code == expected(persona, NATIONAL | HUB)
    if response.status_code == 200:
        content = response.content.decode()
        assert "Difference-in-differences" in content and "Matched comparison" in content
        assert "Members&#39; results" not in content  # no institution-level listing nationally


@pytest.mark.parametrize("persona", PERSONAS)
def test_hub_dashboard_full_for_own_hub_aggregate_for_others(client_as, data: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("insight:dashboard", args=["hub", data.south_hub.pk]), {"point": POINT})
    assert response.status_code == expected(persona, NATIONAL | HUB)
    if response.status_code == 200:
        content = response.content.decode()
        lists_members = "Brook College" in content
        assert lists_members == (persona in NATIONAL | {"other_hub_lead"})


@pytest.mark.parametrize("persona", PERSONAS)
def test_institution_page_is_for_its_own_people_its_hub_and_national(client_as, data: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("insight:institution", args=[data.ashby.urn]), {"point": POINT})
    if persona == "anonymous":
        assert response.status_code == 302
    elif persona in {"employer", "participation_officer", "outsider"}:
        assert response.status_code == 403
    elif persona in {"careers_leader", "senior_leader", "hub_lead", "enterprise_coordinator"} | NATIONAL:
        assert response.status_code == 200
        assert "Similar institutions" in response.content.decode()
    else:
        assert response.status_code == 404


def test_institution_people_go_from_the_index_to_their_own_page(client_as, data: Cast) -> None:  # type: ignore[no-untyped-def]
    response = client_as("careers_leader").get(reverse("insight:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("insight:institution", args=[data.ashby.urn])


def test_small_numbers_are_suppressed_on_the_page_csv_and_xlsx(client_as, data: Cast) -> None:  # type: ignore[no-untyped-def]
    client = client_as("national_analyst")
    url = reverse("insight:dashboard", args=["hub", data.north_hub.pk])
    page = client.get(url, {"point": POINT}).content.decode()
    assert "[c]" in page
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("insight:table-csv", args=["hub", data.north_hub.pk, "summary"]), {"point": POINT}
                ).content.decode("utf-8-sig")
            )
        )
    )
    assert rows[1] == ["Institutions reporting", "[c]"]
    assert rows[2] == ["Average benchmarks fully achieved", "[c]"]
    book = load_workbook(
        io.BytesIO(client.get(reverse("insight:xlsx", args=["hub", data.north_hub.pk]), {"point": POINT}).content)
    )
    summary = [[c.value for c in row] for row in book["summary"].iter_rows()]
    assert summary[2][1] == "[c]" and summary[3][1] == "[c]"
    # South Hub's 12 members are withheld too: England publishes 15 institutions in a hub, so
    # South Hub's 12 would give North Hub's 3 away (cross-page secondary suppression).
    south = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("insight:table-csv", args=["hub", data.south_hub.pk, "summary"]), {"point": POINT}
                ).content.decode("utf-8-sig")
            )
        )
    )
    assert south[1] == ["Institutions reporting", "[c]"]
    national = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("insight:table-csv", args=["national", 0, "summary"]), {"point": POINT}
                ).content.decode("utf-8-sig")
            )
        )
    )
    assert national[1] == ["Institutions reporting", "35"]


def test_secondary_suppression_in_the_membership_breakdown(client_as, data: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.INSIGHT_SUPPRESSION_THRESHOLD = 4
    client = client_as("national_analyst")
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("insight:table-csv", args=["national", 0, "by_wave"]), {"point": POINT}
                ).content.decode("utf-8-sig")
            )
        )
    )
    by_name = {row[0]: row[1:] for row in rows[1:]}
    # Wave 1 (North Hub, 3 institutions) is under 4: withheld, and so is the next smallest row
    # (Wave 2, 12), so Wave 1 cannot be recovered by subtracting the others from the total.
    assert by_name["Wave 1"] == ["[c]", "[c]"]
    assert by_name["Wave 2"] == ["[c]", "[c]"]
    assert by_name["Total"] == ["35", by_name["Total"][1]]


def test_formula_injection_is_neutralised_in_csv_and_xlsx(client_as, data: Cast) -> None:  # type: ignore[no-untyped-def]
    from careershub.insight.dashboard import Table
    from careershub.insight.exports import csv_bytes, xlsx_bytes

    table = Table("t", "T", ["Name", "Value"], [['=HYPERLINK("http://x")', 1], ["+1", 2], ["ok", 3]])
    text = csv_bytes(table).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+1" in text
    book = load_workbook(io.BytesIO(xlsx_bytes([table], title="T")))
    values = [c.value for c in book["t"]["A"]]
    assert '\'=HYPERLINK("http://x")' in values
    assert all(c.data_type != "f" for row in book["t"].iter_rows() for c in row)


def test_charts_are_svg_images_without_scripts(client_as, data: Cast) -> None:  # type: ignore[no-untyped-def]
    response = client_as("hub_lead").get(reverse("insight:chart", args=["national", 0, "trend"]), {"point": POINT})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content and b"<script" not in response.content
    page = client_as("hub_lead").get(reverse("insight:national"), {"point": POINT}).content.decode()
    assert 'alt="Chart: Trend over measurement points.' in page
    assert client_as("employer").get(reverse("insight:chart", args=["national", 0, "trend"])).status_code == 403


def test_dashboard_query_budget(client_as, data: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = client_as("national_analyst")
    from careershub.insight import withholding

    # What is withheld across pages is decided ahead by the refresh once committed (five reads).
    withholding.warm()
    for url in [reverse("insight:national"), reverse("insight:dashboard", args=["hub", data.north_hub.pk])]:
        with django_assert_max_num_queries(22):
            assert client.get(url, {"point": POINT}).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("insight:institution", args=[data.ashby.urn])).status_code == 200


def _document_text(document) -> str:  # type: ignore[no-untyped-def]
    pieces: list[str] = []

    def walk(box) -> None:  # type: ignore[no-untyped-def]
        text = getattr(box, "text", None)
        if isinstance(text, str):
            pieces.append(text)
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return " ".join(pieces)


@pytest.mark.parametrize("persona", PERSONAS)
def test_pdf_report_for_national_and_hub_staff(client_as, data: Cast, persona: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from careershub.insight import report

    monkeypatch.setattr(report, "report_pdf", lambda context: b"%PDF-1.7 stub")
    response = client_as(persona).get(reverse("insight:report-pdf", args=["hub", data.south_hub.pk]), {"point": POINT})
    assert response.status_code == expected(persona, NATIONAL | HUB)
    if response.status_code == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (
            f'attachment; filename="insight-hub-{data.south_hub.pk}-{POINT}.pdf"'
        )


def test_pdf_report_content_is_suppressed_and_lists_no_institution(client_as, data: Cast, rf) -> None:  # type: ignore[no-untyped-def]
    from careershub.insight import report, views

    national = client_as("national_analyst")
    assert (
        national.get(reverse("insight:report-pdf", args=["hub", data.north_hub.pk]), {"point": POINT}).content[:4]
        == b"%PDF"
    )
    request = rf.get("/", {"point": POINT})
    request.membership = national_membership(data)
    north = report_text(views._build(request, "hub", data.north_hub.pk))
    south = report_text(views._build(request, "hub", data.south_hub.pk))
    england = report_text(views._build(request, "national", 0))
    # North Hub has 3 members: every headline figure is withheld; South Hub's 12 too (England's
    # 15 in a hub less 12 would give North Hub's 3 away); England's 35 are shown.
    assert "Institutions reporting [c]" in north and "Average benchmarks fully achieved [c]" in north
    assert "Institutions reporting [c]" in south and "worked out from those published" in south
    assert "Institutions reporting 35" in england
    for text in (north, south, england):
        assert "Difference-in-differences" in text and "Matched comparison" in text
        assert "95% confidence interval" in text and "clustered by institution" in text
        assert "Ashby High School" not in text and "Brook College" not in text
    document = report.report_document(views._build(request, "hub", data.south_hub.pk))
    images = []

    def walk(box) -> None:  # type: ignore[no-untyped-def]
        if type(box).__name__.endswith("ReplacedBox"):
            images.append(box)
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    assert len(images) == 4  # every chart, from data: URIs


def national_membership(data: Cast):  # type: ignore[no-untyped-def]
    from careershub.organisations.models import Membership, Role

    return Membership.objects.filter(role=Role.NATIONAL_ANALYST).select_related("organisation").first()


def report_text(context: dict) -> str:  # type: ignore[type-arg]
    from careershub.insight import report

    return " ".join(_document_text(report.report_document(context)).split())


def _csv_rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("persona", PERSONAS)
def test_institution_exports_follow_the_page_access(client_as, data: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    client = client_as(persona)
    csv_response = client.get(reverse("insight:institution-csv", args=[data.ashby.urn, "comparison"]), {"point": POINT})
    xlsx_response = client.get(reverse("insight:institution-xlsx", args=[data.ashby.urn]), {"point": POINT})
    page = client.get(reverse("insight:institution", args=[data.ashby.urn]), {"point": POINT})
    assert csv_response.status_code == xlsx_response.status_code == page.status_code
    if page.status_code == 200:
        assert csv_response["Content-Disposition"] == (
            f'attachment; filename="insight-institution-{data.ashby.urn}-{POINT}-comparison.csv"'
        )
        assert xlsx_response.content[:2] == b"PK"


def test_institution_exports_are_suppressed_and_neutralised(client_as, data: Cast) -> None:  # type: ignore[no-untyped-def]
    client = client_as("national_analyst")
    # Ashby is in North Hub (3 members): the hub's figures are withheld in CSV and XLSX alike.
    rows = _csv_rows(
        client.get(reverse("insight:institution-csv", args=[data.ashby.urn, "comparison"]), {"point": POINT})
    )
    assert rows[0] == ["Compared with", "Institutions", "Average benchmarks fully achieved"]
    by_name = {row[0]: row[1:] for row in rows[1:]}
    assert by_name[data.north_hub.name] == ["[c]", "[c]"]
    assert by_name["England"][0] == "35"
    book = load_workbook(
        io.BytesIO(client.get(reverse("insight:institution-xlsx", args=[data.ashby.urn]), {"point": POINT}).content)
    )
    sheet = {row[0].value: [c.value for c in row[1:]] for row in book["comparison"].iter_rows(min_row=3)}
    assert sheet[data.north_hub.name] == ["[c]", "[c]"]
    assert set(book.sheetnames) == {"comparison", "history"}
    # An institution whose name a spreadsheet would run as a formula.
    risky = Institution.objects.get(urn=730000)
    rows = _csv_rows(client.get(reverse("insight:institution-csv", args=[risky.urn, "comparison"]), {"point": POINT}))
    assert rows[1][0] == "'" + risky.name
    book = load_workbook(
        io.BytesIO(client.get(reverse("insight:institution-xlsx", args=[risky.urn]), {"point": POINT}).content)
    )
    cells = [c for row in book["comparison"].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert book["comparison"]["A3"].value == "'" + risky.name
    history = _csv_rows(client.get(reverse("insight:institution-csv", args=[risky.urn, "history"]), {"point": POINT}))
    assert history[0] == ["Measurement point", "Benchmarks fully achieved"] and len(history) > 5
    assert client.get(reverse("insight:institution-csv", args=[risky.urn, "nothing"])).status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_hub_vs_non_hub_page_for_national_and_hub_staff(client_as, data: Cast, persona: str) -> None:  # type: ignore[no-untyped-def]
    response = client_as(persona).get(reverse("insight:comparison", args=["national", 0]), {"point": POINT})
    assert response.status_code == expected(persona, NATIONAL | HUB)
    if response.status_code == 200:
        content = response.content.decode()
        assert "Hub vs non-Hub: England" in content
        assert "Difference-in-differences" in content and "Matched comparison" in content
        assert "95% confidence interval" in content and "Institutions in a hub and not" in content


def test_a_chart_with_nothing_to_draw_says_so_instead_of_drawing_nan() -> None:
    from careershub.insight import charts
    from careershub.insight.dashboard import Table

    for key in charts.CHARTED:
        svg = charts.svg_for(Table(key, "T", ["a", "b", "c", "d", "e"], []))
        assert "NaN" not in svg and "No figures to chart" in svg
    drawn = charts.svg_for(Table("trend", "T", ["a", "b", "c"], [["2024-07-31", 9, 5.1], ["2025-07-31", 9, 5.5]]))
    assert "NaN" not in drawn and "No figures to chart" not in drawn
