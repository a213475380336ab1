"""Results of a submitted evaluation, assembled once for the results page, the PDF report and
the CSV download, and the hub overview's rows.

Nothing here decides who may see what: callers pass evaluations they reached through
`evaluations_for(request.membership)`. The rows read here (scores, answers, evidence counts,
measurement results) belong to that evaluation's own institution.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from careershub.evaluations import charts, framework_data, measurement_points, services
from careershub.evaluations.models import BenchmarkScore, Evaluation, MeasurementResult
from careershub.evaluations.scoring import CriterionStatus, Outcome, Rag

#: Benchmark status: always text in a tag, never colour alone.
BENCHMARK_STATUS: dict[str, tuple[str, str]] = {
    Rag.GREEN: ("Fully achieved", "govuk-tag--green"),
    Rag.AMBER: ("Partly achieved", "govuk-tag--yellow"),
    Rag.RED: ("Not achieved", "govuk-tag--red"),
}
CRITERION_STATUS: dict[str, tuple[str, str]] = {
    CriterionStatus.ACHIEVED: ("Achieved", "govuk-tag--green"),
    CriterionStatus.IN_PROGRESS: ("In progress", "govuk-tag--yellow"),
    CriterionStatus.NOT_ACHIEVED: ("Not achieved", "govuk-tag--red"),
    CriterionStatus.UNSCORED: ("Unscored", "govuk-tag--grey"),
}
OUTCOME_TEXT: dict[str, str] = {
    Outcome.MET: "Met",
    Outcome.IN_PROGRESS: "In progress",
    Outcome.UNMET: "Not met",
    Outcome.UNANSWERED: "Not answered",
    Outcome.NOT_APPLICABLE: "Does not apply",
}
_ANSWER_TEXT = {"yes": "Yes", "no": "No", "partly": "Partly"}
NO_EARLIER_RESULT = "No earlier result"


def local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return measurement_points.local_moment(moment).date() if moment else None


def long_date(day: datetime.date | None) -> str:
    return date_format(day, "j F Y") if day else ""


def short_date(day: datetime.date) -> str:
    return date_format(day, "j M Y")


# Changes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """The difference from an earlier figure (None: there is no earlier result)."""

    difference: int | None
    singular: str
    plural: str

    @property
    def text(self) -> str:
        if self.difference is None:
            return NO_EARLIER_RESULT
        if self.difference == 0:
            return "No change"
        size = abs(self.difference)
        unit = self.singular if size == 1 else self.plural
        return f"{'Up' if self.difference > 0 else 'Down'} {size} {unit}"


def _points_change(now: int, earlier: int | None) -> Change:
    return Change(None if earlier is None else now - earlier, "percentage point", "percentage points")


def _count_change(now: int, earlier: int | None) -> Change:
    return Change(None if earlier is None else now - earlier, "benchmark", "benchmarks")


# The results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionRow:
    code: str
    text: str
    status: str
    status_text: str
    tag_class: str
    evidence_count: int


@dataclass(frozen=True)
class QuestionRow:
    code: str
    benchmark: int
    criterion: str
    text: str
    answer_text: str
    outcome: str
    outcome_text: str


@dataclass(frozen=True)
class BenchmarkRow:
    number: int
    title: str
    met: int
    in_progress: int
    total: int
    percentage: int
    fully_achieved: bool
    rag: str
    status_text: str
    tag_class: str
    since_previous: Change
    since_year_earlier: Change
    criteria: tuple[CriterionRow, ...] = ()
    questions: tuple[QuestionRow, ...] = ()


@dataclass(frozen=True)
class HistoryRow:
    label: str  # for tables: "31 December 2024", "This evaluation (submitted 12 February 2026)"
    short_label: str  # for the chart's axis
    achieved: int
    is_this: bool = False


@dataclass(frozen=True)
class Results:
    evaluation: Evaluation
    spec: framework_data.Framework
    benchmarks: tuple[BenchmarkRow, ...]
    fully_achieved: int
    submitted_on: datetime.date
    counts_at: datetime.date
    previous: Evaluation | None
    previous_framework_differs: bool
    year_earlier_point: datetime.date
    year_earlier: MeasurementResult | None
    total_since_previous: Change
    total_since_year_earlier: Change
    history: tuple[HistoryRow, ...] = field(default=())

    @property
    def percentages(self) -> list[tuple[int, int]]:
        return [(b.number, b.percentage) for b in self.benchmarks]

    @property
    def questions(self) -> list[QuestionRow]:
        return [q for b in self.benchmarks for q in b.questions]


def _answer_text(spec: framework_data.Framework, question: framework_data.Question, answer: str | None) -> str:
    if answer is None:
        return ""
    if question.is_cohort:
        return next((band.label for band in spec.cohort_bands if band.code == answer), answer)
    return _ANSWER_TEXT.get(answer, answer)


def _evidence_counts(evaluation: Evaluation) -> dict[str, int]:
    counts: dict[str, int] = {}
    for code in evaluation.evidence.values_list("criterion_code", flat=True):
        counts[code] = counts.get(code, 0) + 1
    return counts


def _scores(evaluation: Evaluation | None) -> dict[int, BenchmarkScore]:
    if evaluation is None:
        return {}
    return {score.number: score for score in evaluation.benchmark_scores.all()}


def build_results(evaluation: Evaluation, *, previous: Evaluation | None) -> Results:
    """Everything the results page, PDF and CSV show for a submitted `evaluation`.

    `previous` is the institution's submitted evaluation before this one that the viewer may
    see (None when there is none). The year-earlier comparison and the history come from the
    institution's measurement results before the point at which this evaluation counts.
    """
    if evaluation.is_draft or evaluation.submitted_at is None:
        raise ValueError("Only a submitted evaluation has results")
    spec = evaluation.spec()
    scored = services.score_of(evaluation)
    stored = _scores(evaluation)
    earlier = _scores(previous)
    evidence = _evidence_counts(evaluation)
    submitted_on = local_date(evaluation.submitted_at)
    assert submitted_on is not None
    counts_at = measurement_points.next_point_on_or_after(submitted_on)
    year_earlier_point = counts_at.replace(year=counts_at.year - 1)
    past = list(evaluation.institution.measurement_results.filter(point__lt=counts_at).order_by("point"))
    year_earlier = next((r for r in past if r.point == year_earlier_point), None)

    rows = []
    for benchmark in spec.benchmarks:
        result = scored.benchmark(benchmark.number)
        score = stored.get(benchmark.number)
        percentage = score.percentage if score else result.percentage
        rag = score.rag if score else str(result.rag)
        status_text, tag_class = BENCHMARK_STATUS[rag]
        before = earlier.get(benchmark.number)
        year_before = (
            year_earlier.percentages[benchmark.number - 1]
            if year_earlier and len(year_earlier.percentages) >= benchmark.number
            else None
        )
        criteria = tuple(
            CriterionRow(
                code=c.code,
                text=criterion.text,
                status=str(c.status),
                status_text=CRITERION_STATUS[c.status][0],
                tag_class=CRITERION_STATUS[c.status][1],
                evidence_count=evidence.get(c.code, 0),
            )
            for c, criterion in zip(result.criteria, benchmark.criteria, strict=True)
        )
        questions = tuple(
            QuestionRow(
                code=q.code,
                benchmark=benchmark.number,
                criterion=q.criterion,
                text=question.text,
                answer_text=_answer_text(spec, question, q.answer),
                outcome=str(q.outcome),
                outcome_text=OUTCOME_TEXT[q.outcome],
            )
            for q, question in zip(result.questions, benchmark.questions, strict=True)
        )
        rows.append(
            BenchmarkRow(
                number=benchmark.number,
                title=benchmark.title,
                met=score.met if score else result.met,
                in_progress=score.in_progress if score else result.in_progress,
                total=score.total if score else result.total,
                percentage=percentage,
                fully_achieved=score.fully_achieved if score else result.fully_achieved,
                rag=rag,
                status_text=status_text,
                tag_class=tag_class,
                since_previous=_points_change(percentage, before.percentage if before else None),
                since_year_earlier=_points_change(percentage, year_before),
                criteria=criteria,
                questions=questions,
            )
        )
    fully_achieved = (
        evaluation.benchmarks_fully_achieved
        if evaluation.benchmarks_fully_achieved is not None
        else scored.benchmarks_fully_achieved
    )
    history = [HistoryRow(long_date(r.point), short_date(r.point), r.benchmarks_fully_achieved) for r in past]
    history.append(
        HistoryRow(
            f"This evaluation (submitted {long_date(submitted_on)})", "This evaluation", fully_achieved, is_this=True
        )
    )
    return Results(
        evaluation=evaluation,
        spec=spec,
        benchmarks=tuple(rows),
        fully_achieved=fully_achieved,
        submitted_on=submitted_on,
        counts_at=counts_at,
        previous=previous,
        previous_framework_differs=previous is not None and previous.framework_id != evaluation.framework_id,
        year_earlier_point=year_earlier_point,
        year_earlier=year_earlier,
        total_since_previous=_count_change(
            fully_achieved, previous.benchmarks_fully_achieved if previous is not None else None
        ),
        total_since_year_earlier=_count_change(
            fully_achieved, year_earlier.benchmarks_fully_achieved if year_earlier else None
        ),
        history=tuple(history),
    )


def results_charts(results: Results) -> dict[str, charts.Chart]:
    return {
        "benchmarks": charts.benchmark_bar_chart(results.percentages),
        "history": charts.history_line_chart([(row.short_label, row.achieved) for row in results.history]),
    }


def download_name(evaluation: Evaluation, extension: str) -> str:
    """`evaluation-<urn>-<date submitted>.<extension>`, for example evaluation-100000-2026-02-12.pdf."""
    day = local_date(evaluation.submitted_at) or timezone.localdate()
    return f"evaluation-{evaluation.institution.urn}-{day.isoformat()}.{extension}"


# CSV ----------------------------------------------------------------------------------------

#: A spreadsheet treats a cell starting with one of these as a formula (or may do so).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """A cell's text, with a leading apostrophe when a spreadsheet could read it as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def csv_rows(results: Results) -> list[list[str]]:
    rows: list[list[object]] = [["Question code", "Benchmark", "Criterion", "Question", "Answer", "Outcome"]]
    rows += [[q.code, q.benchmark, q.criterion, q.text, q.answer_text, q.outcome_text] for q in results.questions]
    rows.append([])
    rows.append(["Benchmark", "Title", "Areas met", "Areas assessed", "Percentage met", "Status"])
    rows += [[b.number, b.title, b.met, b.total, b.percentage, b.status_text] for b in results.benchmarks]
    rows.append([])
    rows.append(["Benchmarks fully achieved", results.fully_achieved])
    return [[neutralise(cell) for cell in row] for row in rows]


def csv_bytes(rows: Iterable[Sequence[str]]) -> bytes:
    """UTF-8 with a byte order mark, so spreadsheet programs read the dashes and quotes right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


# PDF ----------------------------------------------------------------------------------------

#: WeasyPrint resolves relative addresses against this folder; the fetcher below refuses every
#: scheme but data:, so rendering never touches the network or the file system.
PDF_BASE_URL = Path(__file__).resolve().parent / "jinja2" / "evaluations"


def offline_url_fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1, fail_on_errors=False)


def report_html(results: Results, report_charts: dict[str, charts.Chart]) -> str:
    evaluation = results.evaluation
    return render_to_string(
        "evaluations/report_pdf.html",
        {
            "results": results,
            "evaluation": evaluation,
            "institution": evaluation.institution,
            "charts": report_charts,
            "submitted_by": str(evaluation.submitted_by) if evaluation.submitted_by else "Not recorded",
            "generated_on": timezone.localdate(),
        },
    )


def report_document(results: Results, report_charts: dict[str, charts.Chart]) -> Any:
    """The laid-out WeasyPrint document (tests read its pages; `report_pdf` writes it)."""
    import weasyprint

    html = weasyprint.HTML(
        string=report_html(results, report_charts),
        base_url=str(PDF_BASE_URL),
        url_fetcher=offline_url_fetcher(),
    )
    return html.render()


def report_pdf(results: Results, report_charts: dict[str, charts.Chart]) -> bytes:
    return bytes(report_document(results, report_charts).write_pdf())


# The hub overview ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """The term ending at the next measurement point."""

    start: datetime.date
    end: datetime.date

    @property
    def label(self) -> str:
        return f"{measurement_points.term_of_point(self.end).capitalize()} term, to {long_date(self.end)}"

    def holds(self, day: datetime.date | None) -> bool:
        return day is not None and self.start <= day <= self.end


def current_term(today: datetime.date) -> Term:
    end = measurement_points.next_point_on_or_after(today)
    start = measurement_points.latest_point_on_or_before(end - datetime.timedelta(days=1)) + datetime.timedelta(days=1)
    return Term(start=start, end=end)


@dataclass(frozen=True)
class MemberRow:
    institution_name: str
    urn: int
    evaluation: Evaluation | None
    submitted_on: datetime.date | None
    evaluated_this_term: bool
    percentages: tuple[int | None, ...]  # benchmarks 1 to 8

    @property
    def status_text(self) -> str:
        return "Submitted this term" if self.evaluated_this_term else "Not evaluated this term"

    @property
    def tag_class(self) -> str:
        return "govuk-tag--green" if self.evaluated_this_term else "govuk-tag--grey"


def member_row(institution: Any, latest: Evaluation | None, term: Term) -> MemberRow:
    """One hub member's row. `latest` must have its benchmark scores prefetched."""
    submitted_on = local_date(latest.submitted_at) if latest else None
    by_number = {s.number: s.percentage for s in latest.benchmark_scores.all()} if latest else {}
    return MemberRow(
        institution_name=institution.name,
        urn=institution.urn,
        evaluation=latest,
        submitted_on=submitted_on,
        evaluated_this_term=term.holds(submitted_on),
        percentages=tuple(by_number.get(n) for n in range(1, framework_data.BENCHMARK_COUNT + 1)),
    )
