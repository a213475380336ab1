"""The similar institutions on institution pages obey the threshold and the cross-page rule."""

from __future__ import annotations

import datetime
import io
import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from careershub.evaluations.models import MeasurementResult
from careershub.insight import dashboard, queries, statistics
from careershub.insight.aggregates import Group
from careershub.insight.tests.test_views import POINT, _csv_rows, data  # noqa: F401 (the fixture)
from careershub.institutions.models import Institution
from conftest import Cast

pytestmark = pytest.mark.django_db
MAINSTREAM = "mainstream_school"


def _similar(cells: list[int], cell: int, kinds: dict[str, int]) -> queries.Similar:
    return queries.Similar(Group(cells[cell] - 1, 0), MAINSTREAM, cells, cell, kinds)


def test_a_cell_under_the_threshold_and_its_partner_are_withheld(settings) -> None:  # type: ignore[no-untyped-def]
    settings.INSIGHT_SUPPRESSION_THRESHOLD = 5
    kinds = {MAINSTREAM: 40, "special_school": 20}
    cells = [9, 9, 5, 9, 8, 0]  # the cell of 5 shows 4 institutions besides the viewer
    decided = [
        dashboard.similar_withheld(_similar(cells, i, kinds), england_small=False, england_across=False)
        for i in range(5)
    ]
    # The cell of 5 is withheld, and so is the next smallest (8): the kind's 40 on England's page
    # less the cells shown would otherwise give it.
    assert decided == [False, False, True, False, True]
    assert not any(
        dashboard.similar_withheld(_similar([8, 8, 8, 8, 8, 0], i, kinds), england_small=False, england_across=False)
        for i in range(5)
    )


def test_the_similar_group_is_withheld_when_its_kind_is_withheld_on_englands_page(settings) -> None:  # type: ignore[no-untyped-def]
    settings.INSIGHT_SUPPRESSION_THRESHOLD = 5
    # Special schools (3) are withheld on England's page and, to protect them, colleges (9):
    # the colleges' cells would give the colleges' count, and so the special schools'.
    kinds = {MAINSTREAM: 40, "special_school": 3, "college": 9}
    assert dashboard.kinds_withheld(kinds, small=False, across=False) == {"special_school", "college"}
    college = queries.Similar(Group(8, 0), "college", [9, 0, 0, 0, 0, 0], 0, kinds)
    assert dashboard.similar_withheld(college, england_small=False, england_across=False)
    mainstream = _similar([8, 8, 8, 8, 8, 0], 0, kinds)
    assert not dashboard.similar_withheld(mainstream, england_small=False, england_across=False)
    assert dashboard.similar_withheld(mainstream, england_small=True, england_across=True)


def test_england_kind_rows_are_withheld_as_the_helper_decides(client_as, data: Cast, settings) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    settings.INSIGHT_SUPPRESSION_THRESHOLD = 5
    Institution.objects.filter(urn__in=[730000, 730001, 730002]).update(kind="special_school")
    Institution.objects.filter(urn__in=[730003, 730004, 730005, 730006, 730007, 730008]).update(kind="college")
    from careershub.insight.services import facts_refresh

    facts_refresh()
    rows = _csv_rows(
        client_as("national_analyst").get(
            reverse("insight:table-csv", args=["national", 0, "by_kind"]), {"point": POINT}
        )
    )
    shown = {row[0]: row[1] for row in rows[1:-1]}
    labels = dict(dashboard.KIND_LABELS)
    counts = {"special_school": 3, "college": 6, MAINSTREAM: 26}
    assert (
        {kind for kind in counts if shown[labels[kind]] == "[c]"}
        == dashboard.kinds_withheld(counts, small=False, across=False)
        == {"special_school", "college"}
    )


def test_two_institutions_of_one_cell_see_the_same_group_but_for_themselves(data: Cast) -> None:  # noqa: F811
    point = datetime.date.fromisoformat(POINT)
    found = {}
    for institution in Institution.objects.all():
        similar = queries.similar_at(institution, point)
        score = MeasurementResult.objects.get(institution=institution, point=point).benchmarks_fully_achieved
        found[institution.pk] = (similar.cell, similar.group, score)
        assert similar.group.count == len(queries.similar_results(institution, point))
        assert similar.group.total == sum(queries.similar_results(institution, point))
    assert len({cell for cell, _, _ in found.values()}) == 5  # fifths of 35 institutions of one kind
    for (cell_a, group_a, score_a), (cell_b, group_b, score_b) in itertools.combinations(found.values(), 2):
        if cell_a == cell_b:
            # Two pages of one cell differ by the two institutions themselves: no third one's
            # figures can be worked out from them (with sliding FSM bands they could).
            assert group_a.count == group_b.count
            assert group_a.total + score_a == group_b.total + score_b


def _similar_row(client, urn: int) -> tuple[list[str], list[object], str]:  # type: ignore[no-untyped-def]
    csv_row = next(
        row[1:]
        for row in _csv_rows(client.get(reverse("insight:institution-csv", args=[urn, "comparison"]), {"point": POINT}))
        if row[0] == queries.SIMILAR
    )
    book = load_workbook(
        io.BytesIO(client.get(reverse("insight:institution-xlsx", args=[urn]), {"point": POINT}).content)
    )
    sheet = {row[0].value: [c.value for c in row[1:]] for row in book["comparison"].iter_rows(min_row=3)}
    page = client.get(reverse("insight:institution", args=[urn]), {"point": POINT}).content.decode()
    return csv_row, sheet[queries.SIMILAR], page


def test_similar_institutions_are_withheld_on_the_page_csv_and_xlsx(client_as, data: Cast, settings) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    # Distinct FSM percentages (the factory draws them at random, and ties or values on a
    # rounded edge move the cells' sizes), so the fifths of 35 are exactly 7 each.
    for n, institution in enumerate(Institution.objects.order_by("pk")):
        institution.percent_fsm = Decimal(10 + n)
        institution.save(update_fields=["percent_fsm"])
    from careershub.insight.services import facts_refresh

    facts_refresh()
    data.ashby.refresh_from_db()
    client = client_as("national_analyst")
    point = datetime.date.fromisoformat(POINT)
    similar = queries.similar_at(data.ashby, point)
    assert similar.cells[:5] == [7, 7, 7, 7, 7] and similar.group.count == 6
    # Ashby's page shows the 6 others of its fifth.
    csv_row, xlsx_row, page = _similar_row(client, data.ashby.urn)
    assert csv_row[0] == str(similar.group.count) and xlsx_row[0] == similar.group.count >= 5
    assert "[c]" not in csv_row + xlsx_row
    # At a threshold of 8 the cells (about 7) rest on too few: withheld in every format.
    settings.INSIGHT_SUPPRESSION_THRESHOLD = 8
    csv_row, xlsx_row, page = _similar_row(client, data.ashby.urn)
    assert csv_row == xlsx_row == ["[c]", "[c]"]
    row = page[page.index("Similar institutions") :]
    assert row[: row.index("</tr>")].count("[c]") == 2


# Counts in the Hub vs comparison estimates -----------------------------------------------------


def _cannot(treated: int, comparison: int) -> statistics.Estimate:
    return statistics._cannot(
        "Matched comparison",
        "",
        f"{treated} institutions joined a hub between the two points and {comparison} were in a hub at neither; "
        "at least 20 of each are needed.",
        treated=treated,
        comparison=comparison,
        observations=treated + comparison,
    )


def test_small_counts_in_an_estimate_and_its_text_are_withheld_together(settings) -> None:  # type: ignore[no-untyped-def]
    settings.INSIGHT_SUPPRESSION_THRESHOLD = 5
    shown = dashboard.shown_estimate(_cannot(3, 40), withheld=False)
    assert (shown.treated, shown.comparison, shown.observations) == ("[c]", "[c]", "[c]")
    assert "[c] institutions joined a hub between the two points and [c] were in a hub" in shown.conclusion
    assert "at least 20 of each" in shown.conclusion and "3" not in shown.conclusion and "40" not in shown.conclusion
    shown = dashboard.shown_estimate(_cannot(12, 40), withheld=False)
    assert (shown.treated, shown.comparison, shown.observations) == (12, 40, 52)
    assert "12 institutions joined" in shown.conclusion and not shown.counts_withheld
    # A scope withheld across pages: every count, whatever its size.
    shown = dashboard.shown_estimate(_cannot(12, 40), withheld=True)
    assert (shown.treated, shown.comparison) == ("[c]", "[c]") and "12" not in shown.conclusion
    assert "worked out from figures published" in shown.notes[-1]


def test_estimate_counts_are_withheld_on_pages_and_the_pdf_where_the_scope_is(client_as, data: Cast, rf) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from careershub.insight import views
    from careershub.insight.tests.test_views import national_membership, report_text

    client = client_as("national_analyst")
    # South Hub is withheld at the point (England's 15 in a hub less its 12 would give North
    # Hub's 3): the numbers of institutions its estimates rest on are withheld too.
    pages = [
        client.get(reverse(name, args=["hub", data.south_hub.pk]), {"point": POINT}).content.decode()
        for name in ("insight:dashboard", "insight:comparison")
    ]
    for page in pages:
        assert page.count("[c] in a hub, [c] in the comparison group ([c] observations)") == 2
    request = rf.get("/", {"point": POINT})
    request.membership = national_membership(data)
    context = views._build(request, "hub", data.south_hub.pk)
    assert context["comparison"]["did"].counts_withheld and context["comparison"]["matched"].counts_withheld
    text = report_text(context)
    assert text.count("[c] in a hub, [c] in the comparison group ([c] observations)") == 2
    for estimate in (context["comparison"]["did"], context["comparison"]["matched"]):
        assert not _COUNT_IN(estimate.conclusion)
    # England's "in a hub" count is withheld in 2018 and 2019 (North Hub was the only hub): the
    # estimates' counts over a period including them are withheld, though England's are not.
    england = views._build(request, "national", 0)
    assert england["dashboard"].tables["summary"].rows[0][1] == 35
    for estimate in (england["comparison"]["did"], england["comparison"]["matched"]):
        assert estimate.treated == "[c]" and "worked out from figures published" in estimate.notes[-1]


def _COUNT_IN(text: str) -> list[str]:
    return dashboard._COUNT.findall(text)
