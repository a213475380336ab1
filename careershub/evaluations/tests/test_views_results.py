from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable

import pytest
import yaml
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from careershub.evaluations import reports, services
from careershub.evaluations.models import Evaluation, FrameworkVersion
from careershub.evaluations.tests import builders
from careershub.evaluations.tests.factories import (
    EvaluationFactory,
    add_file_evidence,
    answer_everything,
    submitted_evaluation,
)
from careershub.hubs.models import HubMembership
from careershub.hubs.tests.factories import HubMembershipFactory
from careershub.institutions.tests.factories import InstitutionFactory
from conftest import PERSONAS, Cast

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]

LONDON = timezone.get_current_timezone()
INSTITUTION_READERS = {"careers_leader", "senior_leader"}
HUB_READERS = {"hub_lead", "enterprise_coordinator", "national_admin", "national_analyst"}
SUBMITTED_READERS = INSTITUTION_READERS | HUB_READERS


def at(year: int, month: int, day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=LONDON)


def expected(persona: str, allowed: set[str]) -> int:
    if persona == "anonymous":
        return 302
    if persona == "outsider":
        return 403
    return 200 if persona in allowed else 404


@pytest.fixture
def submitted(cast: Cast) -> Evaluation:
    return submitted_evaluation(
        cast.ashby, submitted_at=at(2026, 2, 10), achieved={1, 2, 3, 4, 5}, actor=cast.careers_leader
    )


@pytest.fixture
def with_history(cast: Cast) -> Evaluation:
    """Three evaluations: a year-earlier one (2014 framework), a previous one, and the latest.

    The latest (10 February 2026) counts at 31 March 2026; a year earlier is 31 March 2025,
    when the 1 March 2025 evaluation (2 benchmarks) counted; the previous one was submitted on
    15 November 2025 (3 benchmarks).
    """
    submitted_evaluation(cast.ashby, submitted_at=at(2025, 3, 1), achieved={1, 2})
    submitted_evaluation(cast.ashby, submitted_at=at(2025, 11, 15), achieved={1, 2, 3})
    return submitted_evaluation(
        cast.ashby, submitted_at=at(2026, 2, 10), achieved={1, 2, 3, 4, 5}, actor=cast.careers_leader
    )


def _text(response) -> str:
    html = re.sub(r"<svg.*?</svg>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _table(response, table_id: str) -> list[list[str]]:
    html = response.content.decode()
    match = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, flags=re.S)
    assert match, table_id
    rows = []
    for row in re.findall(r"<tr.*?</tr>", match.group(0), flags=re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        rows.append([re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in cells])
    return rows


# Who may see results ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_results_page_is_for_everyone_who_may_see_the_evaluation(
    client_as: ClientAs, submitted: Evaluation, persona: str
) -> None:
    response = client_as(persona).get(reverse("evaluations:results", args=[submitted.pk]))
    assert response.status_code == expected(persona, SUBMITTED_READERS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_downloads_are_for_everyone_who_may_see_the_evaluation(
    client_as: ClientAs, submitted: Evaluation, persona: str, monkeypatch
) -> None:
    monkeypatch.setattr(reports, "report_pdf", lambda results, report_charts: b"%PDF-1.7 stub")
    for name in ("evaluations:report-pdf", "evaluations:answers-csv"):
        response = client_as(persona).get(reverse(name, args=[submitted.pk]))
        assert response.status_code == expected(persona, SUBMITTED_READERS), name


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_draft_has_no_results_its_owners_go_to_the_task_list(client_as: ClientAs, cast: Cast, persona: str) -> None:
    draft = EvaluationFactory.create(institution=cast.ashby)
    for name in ("evaluations:results", "evaluations:report-pdf", "evaluations:answers-csv"):
        response = client_as(persona).get(reverse(name, args=[draft.pk]))
        if persona in INSTITUTION_READERS:
            assert response.status_code == 302, name
            assert response["Location"] == reverse("evaluations:overview", args=[draft.pk])
        else:
            assert response.status_code == expected(persona, set()), name


def test_another_organisations_results_are_a_404(client_as: ClientAs, cast: Cast) -> None:
    brook = submitted_evaluation(cast.brook, submitted_at=at(2026, 2, 1))
    for persona in ("careers_leader", "senior_leader", "hub_lead", "enterprise_coordinator", "employer"):
        response = client_as(persona).get(reverse("evaluations:results", args=[brook.pk]))
        assert response.status_code == 404, persona
    assert client_as("other_hub_lead").get(reverse("evaluations:results", args=[brook.pk])).status_code == 200


def test_hub_readers_lose_sight_of_an_institution_that_left_the_hub(
    client_as: ClientAs, cast: Cast, submitted: Evaluation
) -> None:
    HubMembership.objects.filter(institution=cast.ashby).update(left_on=datetime.date(2026, 3, 1))
    assert client_as("hub_lead").get(reverse("evaluations:results", args=[submitted.pk])).status_code == 404
    assert client_as("national_analyst").get(reverse("evaluations:results", args=[submitted.pk])).status_code == 200


# What the results page shows ----------------------------------------------------------------


def test_results_show_percentages_statuses_and_the_total(client_as: ClientAs, submitted: Evaluation) -> None:
    response = client_as("senior_leader").get(reverse("evaluations:results", args=[submitted.pk]))
    rows = _table(response, "benchmarks-table")
    assert rows[0] == ["Benchmark", "Met", "Status"]
    by_number = {row[0].split(".")[0]: row for row in rows[1:]}
    assert len(by_number) == 8
    for number in "12345":
        assert by_number[number][1] == "100%" and by_number[number][2] == "Fully achieved"
    for number in "678":
        assert by_number[number][1] != "100%" and by_number[number][2] == "Partly achieved"
    text = _text(response)
    assert "Benchmarks fully achieved 5 of 8" in text
    assert "Counts at the measurement point 31 March 2026" in text
    # Status is a tag with words, never a colour alone.
    assert '<strong class="govuk-tag govuk-tag--green">' in response.content.decode()
    assert '<strong class="govuk-tag govuk-tag--yellow">' in response.content.decode()


def test_results_show_each_criterion_status(client_as: ClientAs, cast: Cast) -> None:
    draft = EvaluationFactory.create(institution=cast.ashby, on=datetime.date(2026, 2, 1))
    spec = draft.spec()
    bm1 = spec.benchmark(1)
    partly = next(q for q in spec.questions if q.allows_partly and not q.criterion.startswith("1."))
    first, second = bm1.criteria[0].code, bm1.criteria[1].code
    overrides = {q.code: "no" for q in bm1.questions_for(first)}  # not achieved
    overrides[bm1.questions_for(second)[0].code] = "no"  # in progress (others met)
    overrides[partly.code] = "partly"
    answer_everything(draft, overrides=overrides)
    services.evaluation_submit(evaluation=draft, actor=None, submitted_at=at(2026, 2, 10))
    response = client_as("careers_leader").get(reverse("evaluations:results", args=[draft.pk]))
    statuses = {row[0].split(" ")[0]: row[1] for row in _table(response, "criteria-1")[1:]}
    assert statuses[first] == "Not achieved"
    assert statuses[second] == "In progress"
    assert "Achieved" in statuses.values()
    partly_statuses = {
        row[0].split(" ")[0]: row[1] for row in _table(response, f"criteria-{partly.criterion.split('.')[0]}")[1:]
    }
    assert partly_statuses[partly.criterion] in {"In progress", "Not achieved"}


def _custom_evaluation(cast: Cast, document: dict) -> Evaluation:  # type: ignore[type-arg]
    """A draft of Ashby on a framework made for the test (see builders.framework_document)."""
    framework = FrameworkVersion.objects.create(
        code=document["code"],
        title="Test framework",
        version_label="Test",
        variant="schools",
        sha256="0" * 64,
        source_text=yaml.safe_dump(document, sort_keys=False, allow_unicode=True),
    )
    return Evaluation.objects.create(institution=cast.ashby, framework=framework, institution_kind="mainstream_school")


def test_unscored_criterion_when_no_question_applies(cast: Cast) -> None:
    """In the test framework, criterion 5.1 asks only about Year 7; without Year 7 learners it is unscored."""
    draft = _custom_evaluation(cast, builders.framework_document("unscored-test"))
    answer_everything(draft, learner_numbers={"Y7": 0, "Y8": 120})
    submitted = services.evaluation_submit(evaluation=draft, actor=None, submitted_at=at(2026, 2, 10))
    results = reports.build_results(submitted, previous=None)
    row = next(c for b in results.benchmarks for c in b.criteria if c.code == "5.1")
    assert (row.status_text, row.tag_class) == ("Unscored", "govuk-tag--grey")
    assert results.benchmarks[4].questions[0].outcome_text == "Does not apply"


def test_without_earlier_results_every_change_says_so(client_as: ClientAs, submitted: Evaluation) -> None:
    response = client_as("careers_leader").get(reverse("evaluations:results", args=[submitted.pk]))
    rows = _table(response, "changes-table")
    assert rows[0][2:] == ["Since the previous evaluation", "Since 31 March 2025"]
    assert all(row[2] == "No earlier result" and row[3] == "No earlier result" for row in rows[1:])
    assert "Change since the previous evaluation No earlier result" in _text(response)


def test_changes_since_the_previous_evaluation_and_a_year_earlier(
    client_as: ClientAs, with_history: Evaluation
) -> None:
    response = client_as("hub_lead").get(reverse("evaluations:results", args=[with_history.pk]))
    text = _text(response)
    assert "Change since the previous evaluation Up 2 benchmarks (submitted 15 November 2025)" in text
    assert "Change since 31 March 2025 Up 3 benchmarks" in text
    rows = {row[0].split(".")[0]: row for row in _table(response, "changes-table")[1:]}
    results = reports.build_results(with_history, previous=None)
    assert rows["1"][2] == "No change"
    assert rows["4"][2].startswith("Up ") and rows["4"][2].endswith("percentage points")
    assert rows["4"][3].startswith("Up ")  # against the 2014 framework's result at 31 March 2025
    assert results.year_earlier is not None and results.year_earlier.point == datetime.date(2025, 3, 31)
    assert "The benchmarks were updated in 2024" not in text  # previous used the same framework


def test_history_table_lists_measurement_points_then_this_evaluation(
    client_as: ClientAs, with_history: Evaluation
) -> None:
    response = client_as("careers_leader").get(reverse("evaluations:results", args=[with_history.pk]))
    assert _table(response, "history-table")[1:] == [
        ["31 March 2025", "2"],
        ["31 July 2025", "2"],
        ["31 December 2025", "3"],
        ["This evaluation (submitted 10 February 2026)", "5"],
    ]


def test_charts_are_inline_svg_images_with_tables_and_no_inline_styles(
    client_as: ClientAs, with_history: Evaluation
) -> None:
    response = client_as("careers_leader").get(reverse("evaluations:results", args=[with_history.pk]))
    html = response.content.decode()
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(svgs) == 2
    for svg in svgs:
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
        assert "style=" not in svg and "<script" not in svg
    assert "benchmarks-table" in html and "history-table" in html
    policy = response["Content-Security-Policy"]
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy


def test_evidence_counts_link_to_the_criterion_evidence(client_as: ClientAs, cast: Cast) -> None:
    draft = EvaluationFactory.create(institution=cast.ashby, on=datetime.date(2026, 2, 1))
    add_file_evidence(draft, "1.1")
    add_file_evidence(draft, "1.1", title="Governors' minutes")
    answer_everything(draft)
    services.evaluation_submit(evaluation=draft, actor=None, submitted_at=at(2026, 2, 10))
    response = client_as("enterprise_coordinator").get(reverse("evaluations:results", args=[draft.pk]))
    assert reverse("evaluations:evidence", args=[draft.pk, "1.1"]) in response.content.decode()
    assert "2 items" in _text(response)


def test_results_page_back_link_for_hub_readers_goes_to_the_hub_overview(
    client_as: ClientAs, cast: Cast, submitted: Evaluation
) -> None:
    response = client_as("national_admin").get(reverse("evaluations:results", args=[submitted.pk]))
    assert reverse("evaluations:hub", args=[cast.north_hub.pk]) in response.content.decode()
    response = client_as("careers_leader").get(reverse("evaluations:results", args=[submitted.pk]))
    assert reverse("evaluations:list") in response.content.decode()


def test_results_page_query_budget(
    client_as: ClientAs, cast: Cast, with_history: Evaluation, django_assert_max_num_queries
) -> None:
    client = client_as("hub_lead")
    with django_assert_max_num_queries(16):
        assert client.get(reverse("evaluations:results", args=[with_history.pk])).status_code == 200


# PDF ----------------------------------------------------------------------------------------


def _document_text(document) -> str:
    pieces: list[str] = []

    def walk(box) -> None:
        text = getattr(box, "text", None)
        if isinstance(text, str):
            pieces.append(text)
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return " ".join(pieces)


def test_pdf_report_download(client_as: ClientAs, cast: Cast, with_history: Evaluation) -> None:
    response = client_as("national_analyst").get(reverse("evaluations:report-pdf", args=[with_history.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="evaluation-800001-2026-02-10.pdf"'
    assert response.content.startswith(b"%PDF")


def test_pdf_report_content(cast: Cast, with_history: Evaluation) -> None:
    results = reports.build_results(with_history, previous=None)
    document = reports.report_document(results, reports.results_charts(results))
    text = _document_text(document)
    assert "Ashby High School" in text
    assert with_history.framework.title in text
    assert str(cast.careers_leader) in text  # submitted by
    assert "10 February 2026" in text  # submitted at
    assert "Fully achieved" in text and "Partly achieved" in text
    first_question = with_history.spec().questions[0]
    assert first_question.text.split()[0] in text and first_question.code in text
    images = []

    def walk(box) -> None:
        if type(box).__name__.endswith("ReplacedBox"):
            images.append(box)
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    assert len(images) == 2  # both charts, from data: URIs


def test_pdf_rendering_fetches_nothing_but_data_uris() -> None:
    fetcher = reports.offline_url_fetcher()
    for address in ("http://example.org/tracker.png", "https://example.org/a.css", "file:///etc/passwd"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher(address)
    assert fetcher("data:text/plain;base64,aGk=").read() == b"hi"


# CSV ----------------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_has_every_answer_then_the_benchmarks(client_as: ClientAs, submitted: Evaluation) -> None:
    response = client_as("enterprise_coordinator").get(reverse("evaluations:answers-csv", args=[submitted.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="evaluation-800001-2026-02-10.csv"'
    rows = _csv(response)
    spec = submitted.spec()
    assert rows[0] == ["Question code", "Benchmark", "Criterion", "Question", "Answer", "Outcome"]
    questions = rows[1 : 1 + len(spec.questions)]
    assert [r[0] for r in questions] == [q.code for q in spec.questions]
    first = spec.questions[0]
    assert questions[0][1:4] == ["1", first.criterion, first.text]
    assert questions[0][4] in {"Yes", "No", "Partly"} or questions[0][4].endswith("%")
    assert {r[5] for r in questions} <= {"Met", "In progress", "Not met", "Does not apply"}
    start = rows.index(["Benchmark", "Title", "Areas met", "Areas assessed", "Percentage met", "Status"])
    benchmarks = rows[start + 1 : start + 9]
    assert [r[0] for r in benchmarks] == [str(n) for n in range(1, 9)]
    assert benchmarks[0][4:] == ["100", "Fully achieved"]
    assert rows[-1] == ["Benchmarks fully achieved", "5"]


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_neutralise_puts_an_apostrophe_before_formula_characters(prefix: str) -> None:
    assert reports.neutralise(f"{prefix}SUM(A1:A2)") == f"'{prefix}SUM(A1:A2)"


@pytest.mark.parametrize("value", ["Yes", "75–99%", "1.1a", "", "A = B", 42, None])
def test_neutralise_leaves_ordinary_cells_alone(value: object) -> None:
    assert reports.neutralise(value) == ("" if value is None else str(value))


def test_csv_neutralises_formulas_coming_from_framework_text(client_as: ClientAs, cast: Cast) -> None:
    document = builders.framework_document("csv-injection-test")
    document["benchmarks"][0]["title"] = '=HYPERLINK("https://evil.example","click")'
    document["benchmarks"][0]["questions"][0]["text"] = "=cmd|' /C calc'!A0"
    document["benchmarks"][1]["questions"][0]["text"] = "+1+1"
    document["benchmarks"][2]["questions"][0]["text"] = "-2+3"
    document["benchmarks"][3]["questions"][0]["text"] = "@SUM(1,1)"
    evaluation = _custom_evaluation(cast, document)
    answer_everything(evaluation)
    services.evaluation_submit(evaluation=evaluation, actor=None, submitted_at=at(2026, 2, 10))
    rows = _csv(client_as("careers_leader").get(reverse("evaluations:answers-csv", args=[evaluation.pk])))
    questions = {row[0]: row for row in rows[1:9]}
    assert questions["1.1a"][3] == "'=cmd|' /C calc'!A0"
    assert questions["2.1a"][3] == "'+1+1"
    assert questions["3.1a"][3] == "'-2+3"
    assert questions["4.1a"][3] == "'@SUM(1,1)"
    benchmark_one = next(row for row in rows if row and row[0] == "1" and len(row) == 6)
    assert benchmark_one[1] == '\'=HYPERLINK("https://evil.example","click")'
    for row in rows:
        for cell in row:
            assert not cell.startswith(reports.FORMULA_PREFIXES), cell


# Hub overview -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_hub_overview_is_for_the_hubs_staff_and_the_national_team(
    client_as: ClientAs, cast: Cast, persona: str
) -> None:
    response = client_as(persona).get(reverse("evaluations:hub", args=[cast.north_hub.pk]))
    assert response.status_code == expected(persona, HUB_READERS)


def test_another_hubs_overview_is_a_404(client_as: ClientAs, cast: Cast) -> None:
    assert client_as("hub_lead").get(reverse("evaluations:hub", args=[cast.south_hub.pk])).status_code == 404
    assert client_as("other_hub_lead").get(reverse("evaluations:hub", args=[cast.south_hub.pk])).status_code == 200
    assert client_as("hub_lead").get(reverse("evaluations:hub", args=[999999])).status_code == 404


def test_hub_overview_shows_each_members_latest_evaluation_and_who_has_not_evaluated(
    client_as: ClientAs, cast: Cast
) -> None:
    term = reports.current_term(timezone.localdate())
    before_term = datetime.datetime.combine(term.start - datetime.timedelta(days=1), datetime.time(12), LONDON)
    old = submitted_evaluation(cast.ashby, submitted_at=before_term - datetime.timedelta(days=200), achieved={1})
    latest = submitted_evaluation(cast.ashby, achieved={1, 2, 3, 4})
    cedar = InstitutionFactory.create(name="Cedar Academy", urn=700001)
    HubMembershipFactory.create(hub=cast.north_hub, institution=cedar)
    cedar_evaluation = submitted_evaluation(cedar, submitted_at=before_term, achieved={1, 2})
    HubMembershipFactory.create(hub=cast.north_hub, institution=InstitutionFactory.create(name="Dale School"))
    leaver = InstitutionFactory.create(name="Elm Former Member")
    HubMembershipFactory.create(hub=cast.north_hub, institution=leaver, left_on=datetime.date(2024, 1, 1))
    submitted_evaluation(cast.brook)  # South Hub: never shown here

    response = client_as("enterprise_coordinator").get(reverse("evaluations:hub", args=[cast.north_hub.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    rows = _table(response, "members-table")[2:]
    assert [row[0].split(" URN")[0] for row in rows] == ["Ashby High School", "Cedar Academy", "Dale School"]
    ashby, cedar_row, dale = rows
    assert ashby[1] == "Submitted this term"
    assert ashby[4] == "4"
    assert ashby[5:9] == ["100%", "100%", "100%", "100%"]
    assert cedar_row[1] == "Not evaluated this term" and cedar_row[4] == "2"
    assert dale[1] == "Not evaluated this term" and dale[2] == "No evaluation submitted"
    assert "2 of 3 members have not evaluated this term" in _text(response)
    assert reverse("evaluations:results", args=[latest.pk]) in html
    assert reverse("evaluations:results", args=[cedar_evaluation.pk]) in html
    assert reverse("evaluations:results", args=[old.pk]) not in html
    assert "Brook College" not in html and "Elm Former Member" not in html
    # The link opens the member's results, read only.
    results = client_as("enterprise_coordinator").get(reverse("evaluations:results", args=[latest.pk]))
    assert results.status_code == 200
    assert "Remove" not in _text(results)


def test_hub_overview_query_budget_does_not_grow_with_members(
    client_as: ClientAs, cast: Cast, django_assert_max_num_queries
) -> None:
    client = client_as("hub_lead")
    url = reverse("evaluations:hub", args=[cast.north_hub.pk])
    submitted_evaluation(cast.ashby)
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as one_member:
        assert client.get(url).status_code == 200
    for n in range(29):
        institution = InstitutionFactory.create(urn=710000 + n)
        HubMembership.objects.create(hub=cast.north_hub, institution=institution, joined_on=datetime.date(2020, 1, 1))
        submitted_evaluation(institution, submitted_at=at(2026, 1, 5) + datetime.timedelta(days=n))
        submitted_evaluation(institution, submitted_at=at(2026, 5, 5) + datetime.timedelta(days=n))
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("View results") == 30
    with CaptureQueriesContext(connection) as thirty_members:
        client.get(url)
    assert len(thirty_members) == len(one_member)


@pytest.mark.parametrize(
    ("today", "start", "end"),
    [
        (datetime.date(2026, 11, 23), datetime.date(2026, 8, 1), datetime.date(2026, 12, 31)),
        (datetime.date(2026, 12, 31), datetime.date(2026, 8, 1), datetime.date(2026, 12, 31)),
        (datetime.date(2027, 1, 1), datetime.date(2027, 1, 1), datetime.date(2027, 3, 31)),
        (datetime.date(2027, 3, 31), datetime.date(2027, 1, 1), datetime.date(2027, 3, 31)),
        (datetime.date(2027, 4, 1), datetime.date(2027, 4, 1), datetime.date(2027, 7, 31)),
        (datetime.date(2027, 8, 1), datetime.date(2027, 8, 1), datetime.date(2027, 12, 31)),
    ],
)
def test_current_term_ends_at_the_next_measurement_point(
    today: datetime.date, start: datetime.date, end: datetime.date
) -> None:
    term = reports.current_term(today)
    assert (term.start, term.end) == (start, end)
    assert term.holds(start) and term.holds(end)
    assert not term.holds(start - datetime.timedelta(days=1))


def test_change_texts() -> None:
    assert reports.Change(None, "benchmark", "benchmarks").text == "No earlier result"
    assert reports.Change(0, "benchmark", "benchmarks").text == "No change"
    assert reports.Change(1, "benchmark", "benchmarks").text == "Up 1 benchmark"
    assert reports.Change(-3, "percentage point", "percentage points").text == "Down 3 percentage points"
