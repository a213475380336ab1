"""Hand-worked scoring examples: every benchmark of the 2014 and 2024 schools frameworks, and some
of the colleges and special-school ones. Each example lists every question of the benchmark, and
the comment shows the arithmetic (areas met / applicable areas, rounded down)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from careershub.evaluations.framework_data import get_framework
from careershub.evaluations.scoring import (
    AnswerError,
    CriterionStatus,
    Outcome,
    Rag,
    band_for,
    check_answers,
    question_outcome,
    score,
    score_benchmark,
    unanswered_questions,
    year_groups_with_learners,
)

ACHIEVED = CriterionStatus.ACHIEVED
IN_PROGRESS = CriterionStatus.IN_PROGRESS
NOT_ACHIEVED = CriterionStatus.NOT_ACHIEVED
UNSCORED = CriterionStatus.UNSCORED
ELEVEN_TO_SIXTEEN = frozenset({"Y7", "Y8", "Y9", "Y10", "Y11"})


@dataclass(frozen=True)
class Example:
    name: str
    framework: str
    benchmark: int
    answers: dict[str, str | None]
    met: int
    in_progress: int
    total: int
    percentage: int
    rag: Rag
    criteria: dict[str, CriterionStatus]
    year_groups: frozenset[str] | None = field(default=None)


# fmt: off
EXAMPLES = [
    # --- Good Career Guidance 2014, schools -----------------------------------------------------
    Example(
        "2014 schools BM1: 11 of 15 met, one partly -> 73%",  # 11/15 = 73.3%
        "gatsby-2014-schools",
        1,
        {
            "1.1a": "yes", "1.1b": "yes", "1.1c": "yes", "1.1d": "no", "1.1e": "yes", "1.1f": "yes",
            "1.1g": "yes", "1.1h": "partly", "1.2a": "yes", "1.2b": "yes", "1.3a": "yes", "1.3b": "yes",
            "1.3c": "no", "1.3d": "yes", "1.3e": "no",
        },
        met=11, in_progress=1, total=15, percentage=73, rag=Rag.AMBER,
        criteria={"1.1": IN_PROGRESS, "1.2": ACHIEVED, "1.3": IN_PROGRESS},
    ),
    Example(
        "2014 schools BM2: Year 9 at 75-99% is in progress -> 50%",  # 1/2
        "gatsby-2014-schools",
        2,
        {"2.1a": "75-99", "2.2a": "yes"},
        met=1, in_progress=1, total=2, percentage=50, rag=Rag.AMBER,
        criteria={"2.1": IN_PROGRESS, "2.2": ACHIEVED},
    ),
    Example(
        "2014 schools BM3: all yes -> fully achieved",  # 7/7
        "gatsby-2014-schools",
        3,
        {"3.1a": "yes", "3.1b": "yes", "3.2a": "yes", "3.2b": "yes", "3.3a": "yes", "3.4a": "yes", "3.4b": "yes"},
        met=7, in_progress=0, total=7, percentage=100, rag=Rag.GREEN,
        criteria={"3.1": ACHIEVED, "3.2": ACHIEVED, "3.3": ACHIEVED, "3.4": ACHIEVED},
    ),
    Example(
        "2014 schools BM4: every Year 9 pupil -> fully achieved",  # 1/1
        "gatsby-2014-schools",
        4,
        {"4.1a": "100"},
        met=1, in_progress=0, total=1, percentage=100, rag=Rag.GREEN,
        criteria={"4.1": ACHIEVED},
    ),
    Example(
        "2014 schools BM4: no Year 9 pupil -> red",  # 0/1
        "gatsby-2014-schools",
        4,
        {"4.1a": "0"},
        met=0, in_progress=0, total=1, percentage=0, rag=Rag.RED,
        criteria={"4.1": NOT_ACHIEVED},
    ),
    Example(
        "2014 schools BM5: 4 year groups at 100%, 2 partway, Year 13 none -> 57%",  # 4/7 = 57.1%
        "gatsby-2014-schools",
        5,
        {"5.1a": "100", "5.1b": "100", "5.1c": "100", "5.1d": "75-99", "5.1e": "100", "5.1f": "50-74", "5.1g": "0"},
        met=4, in_progress=2, total=7, percentage=57, rag=Rag.AMBER,
        criteria={"5.1": IN_PROGRESS},
    ),
    Example(
        "2014 schools BM6: Year 13 unanswered counts as not met -> 50%",  # 1/2
        "gatsby-2014-schools",
        6,
        {"6.1a": "100", "6.2a": None},
        met=1, in_progress=0, total=2, percentage=50, rag=Rag.AMBER,
        criteria={"6.1": ACHIEVED, "6.2": UNSCORED},
    ),
    Example(
        "2014 schools BM7: universities at 25-49% -> 80%",  # 4/5
        "gatsby-2014-schools",
        7,
        {"7.1a": "100", "7.1b": "100", "7.1c": "25-49", "7.1d": "100", "7.2a": "100"},
        met=4, in_progress=1, total=5, percentage=80, rag=Rag.AMBER,
        criteria={"7.1": IN_PROGRESS, "7.2": ACHIEVED},
    ),
    Example(
        "2014 schools BM8: no interviews -> red",  # 0/2
        "gatsby-2014-schools",
        8,
        {"8.1a": "0", "8.1b": "0"},
        met=0, in_progress=0, total=2, percentage=0, rag=Rag.RED,
        criteria={"8.1": NOT_ACHIEVED},
    ),
    # --- Good Career Guidance: The Next 10 Years (2024), schools --------------------------------
    Example(
        "2024 schools BM1: 15 of 18 met -> 83%",  # 15/18 = 83.3%
        "gatsby-2024-schools",
        1,
        {
            "1.1a": "yes", "1.1b": "yes", "1.1c": "yes", "1.1d": "no", "1.1e": "yes",
            "1.2a": "yes", "1.2b": "yes", "1.2c": "yes", "1.2d": "yes",
            "1.3a": "yes", "1.3b": "partly", "1.3c": "yes",
            "1.4a": "yes", "1.4b": "yes", "1.4c": "no", "1.4d": "yes", "1.4e": "yes", "1.4f": "yes",
        },
        met=15, in_progress=1, total=18, percentage=83, rag=Rag.AMBER,
        criteria={"1.1": IN_PROGRESS, "1.2": ACHIEVED, "1.3": IN_PROGRESS, "1.4": IN_PROGRESS},
    ),
    Example(
        "2024 schools BM2: every key stage and both parent questions -> fully achieved",  # 5/5
        "gatsby-2024-schools",
        2,
        {"2.1a": "100", "2.1b": "100", "2.1c": "100", "2.2a": "yes", "2.2b": "yes"},
        met=5, in_progress=0, total=5, percentage=100, rag=Rag.GREEN,
        criteria={"2.1": ACHIEVED, "2.2": ACHIEVED},
    ),
    Example(
        "2024 schools BM2 in an 11-16 school: Key Stage 5 does not apply",  # 4/4
        "gatsby-2024-schools",
        2,
        {"2.1a": "100", "2.1b": "100", "2.2a": "yes", "2.2b": "yes"},
        met=4, in_progress=0, total=4, percentage=100, rag=Rag.GREEN,
        criteria={"2.1": ACHIEVED, "2.2": ACHIEVED},
        year_groups=ELEVEN_TO_SIXTEEN,
    ),
    Example(
        "2024 schools BM3: nothing met but two partly -> 0% yet amber",  # 0/8
        "gatsby-2024-schools",
        3,
        {
            "3.1a": "partly", "3.1b": "partly", "3.1c": "no", "3.2a": "no", "3.2b": "no", "3.2c": "no",
            "3.3a": "no", "3.3b": "no",
        },
        met=0, in_progress=2, total=8, percentage=0, rag=Rag.AMBER,
        criteria={"3.1": IN_PROGRESS, "3.2": NOT_ACHIEVED, "3.3": NOT_ACHIEVED},
    ),
    Example(
        "2024 schools BM4: Year 13 at 75-99% and staff development partly -> 77%",  # 7/9 = 77.8%
        "gatsby-2024-schools",
        4,
        {
            "4.1a": "100", "4.1b": "100", "4.1c": "100", "4.1d": "100", "4.1e": "100", "4.1f": "100",
            "4.1g": "75-99", "4.2a": "yes", "4.2b": "partly",
        },
        met=7, in_progress=2, total=9, percentage=77, rag=Rag.AMBER,
        criteria={"4.1": IN_PROGRESS, "4.2": IN_PROGRESS},
    ),
    Example(
        "2024 schools BM5 in an 11-16 school: Years 7-11 all at 100%",  # 5/5
        "gatsby-2024-schools",
        5,
        {"5.1a": "100", "5.1b": "100", "5.1c": "100", "5.1d": "100", "5.1e": "100"},
        met=5, in_progress=0, total=5, percentage=100, rag=Rag.GREEN,
        criteria={"5.1": ACHIEVED},
        year_groups=ELEVEN_TO_SIXTEEN,
    ),
    Example(
        "2024 schools BM6: both cohorts partway -> 0% amber",  # 0/2
        "gatsby-2024-schools",
        6,
        {"6.1a": "50-74", "6.2a": "1-24"},
        met=0, in_progress=2, total=2, percentage=0, rag=Rag.AMBER,
        criteria={"6.1": IN_PROGRESS, "6.2": IN_PROGRESS},
    ),
    Example(
        "2024 schools BM7: every provider type and HE visits -> fully achieved",  # 5/5
        "gatsby-2024-schools",
        7,
        {"7.1a": "100", "7.1b": "100", "7.1c": "100", "7.1d": "100", "7.2a": "100"},
        met=5, in_progress=0, total=5, percentage=100, rag=Rag.GREEN,
        criteria={"7.1": ACHIEVED, "7.2": ACHIEVED},
    ),
    Example(
        "2024 schools BM8: not on the website -> 83%",  # 5/6 = 83.3%
        "gatsby-2024-schools",
        8,
        {"8.1a": "100", "8.1b": "100", "8.1c": "yes", "8.2a": "yes", "8.2b": "yes", "8.2c": "no"},
        met=5, in_progress=0, total=6, percentage=83, rag=Rag.AMBER,
        criteria={"8.1": ACHIEVED, "8.2": IN_PROGRESS},
    ),
    # --- colleges and independent training providers --------------------------------------------
    Example(
        "2014 colleges BM5: later years at 75-99%, part-time work partly -> 66%",  # 4/6 = 66.7%
        "gatsby-2014-colleges",
        5,
        {"5.1a": "100", "5.1b": "75-99", "5.1c": "100", "5.1d": "100", "5.2a": "yes", "5.2b": "partly"},
        met=4, in_progress=2, total=6, percentage=66, rag=Rag.AMBER,
        criteria={"5.1": IN_PROGRESS, "5.2": IN_PROGRESS},
    ),
    Example(
        "2014 colleges BM8: every completer interviewed, level 6 access -> fully achieved",  # 2/2
        "gatsby-2014-colleges",
        8,
        {"8.1a": "100", "8.1b": "yes"},
        met=2, in_progress=0, total=2, percentage=100, rag=Rag.GREEN,
        criteria={"8.1": ACHIEVED},
    ),
    Example(
        "2024 colleges BM6: completers at 75-99% -> 0% amber",  # 0/1
        "gatsby-2024-colleges",
        6,
        {"6.1a": "75-99"},
        met=0, in_progress=1, total=1, percentage=0, rag=Rag.AMBER,
        criteria={"6.1": IN_PROGRESS},
    ),
    Example(
        "2024 colleges BM2: one parent question unanswered -> 66%",  # 2/3 = 66.7%
        "gatsby-2024-colleges",
        2,
        {"2.1a": "100", "2.2a": "yes", "2.2b": None},
        met=2, in_progress=0, total=3, percentage=66, rag=Rag.AMBER,
        criteria={"2.1": ACHIEVED, "2.2": IN_PROGRESS},
    ),
    # --- special schools ------------------------------------------------------------------------
    Example(
        "2024 special BM5: Year 14 at 1-24% -> 87%",  # 7/8 = 87.5%
        "gatsby-2024-special",
        5,
        {
            "5.1a": "100", "5.1b": "100", "5.1c": "100", "5.1d": "100", "5.1e": "100", "5.1f": "100",
            "5.1g": "100", "5.1h": "1-24",
        },
        met=7, in_progress=1, total=8, percentage=87, rag=Rag.AMBER,
        criteria={"5.1": IN_PROGRESS},
    ),
    Example(
        "2014 special BM5 in a school with no Year 14: Years 7-13 at 100%",  # 7/7
        "gatsby-2014-special",
        5,
        {"5.1a": "100", "5.1b": "100", "5.1c": "100", "5.1d": "100", "5.1e": "100", "5.1f": "100", "5.1g": "100"},
        met=7, in_progress=0, total=7, percentage=100, rag=Rag.GREEN,
        criteria={"5.1": ACHIEVED},
        year_groups=frozenset({"Y7", "Y8", "Y9", "Y10", "Y11", "Y12", "Y13"}),
    ),
]
# fmt: on


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_hand_worked_example(example: Example) -> None:
    framework = get_framework(example.framework)
    benchmark = framework.benchmark(example.benchmark)
    applicable = [
        q.code
        for q in benchmark.questions
        if example.year_groups is None or not q.is_cohort or set(q.year_groups) & example.year_groups
    ]
    assert sorted(example.answers) == sorted(applicable), "an example answers every applicable question"
    result = score_benchmark(framework, benchmark, example.answers, example.year_groups)
    assert (result.met, result.in_progress, result.total) == (example.met, example.in_progress, example.total)
    assert result.percentage == example.percentage
    assert result.fully_achieved is (example.met == example.total)
    assert result.rag is example.rag
    assert {c.code: c.status for c in result.criteria} == example.criteria


@pytest.mark.parametrize("framework_code", ["gatsby-2014-schools", "gatsby-2024-schools"])
def test_every_schools_benchmark_has_a_hand_worked_example(framework_code: str) -> None:
    covered = {e.benchmark for e in EXAMPLES if e.framework == framework_code}
    assert covered == set(range(1, 9))


def _answers(framework_code: str, year_groups: frozenset[str] | None = None) -> dict[str, str | None]:
    answers: dict[str, str | None] = {}
    for example in EXAMPLES:
        if example.framework == framework_code and example.year_groups == year_groups:
            answers.update(example.answers)
    return answers


def test_a_whole_2014_evaluation() -> None:
    framework = get_framework("gatsby-2014-schools")
    answers = _answers("gatsby-2014-schools")  # benchmark 4 from its last example: 4.1a = "0"
    answers["4.1a"] = "100"
    result = score(framework, answers)
    assert [b.percentage for b in result.benchmarks] == [73, 50, 100, 100, 57, 50, 80, 0]
    assert [b.rag for b in result.benchmarks] == [
        Rag.AMBER,
        Rag.AMBER,
        Rag.GREEN,
        Rag.GREEN,
        Rag.AMBER,
        Rag.AMBER,
        Rag.AMBER,
        Rag.RED,
    ]
    assert result.benchmarks_fully_achieved == 2
    assert result.unanswered == ("6.2a",)
    assert not result.complete
    assert result.question("2.1a").outcome is Outcome.IN_PROGRESS


def test_a_whole_2024_evaluation_for_an_11_to_16_school() -> None:
    framework = get_framework("gatsby-2024-schools")
    answers = {
        **_answers("gatsby-2024-schools"),
        **_answers("gatsby-2024-schools", ELEVEN_TO_SIXTEEN),
    }
    # Sixth-form questions are answered in the all-year-group examples above but do not apply here.
    result = score(framework, answers, ELEVEN_TO_SIXTEEN)
    # BM1 15/18; BM2 4/4; BM3 0/8 (2 partly); BM4 5 cohorts + 4.2a of 7 = 6/7 = 85.7%; BM5 5/5;
    # BM6 6.1a in progress, 6.2a n/a = 0/1; BM7 4/4 (7.2a n/a); BM8 8.1b n/a, 8.2c no = 4/5.
    assert [(b.met, b.total) for b in result.benchmarks] == [
        (15, 18),
        (4, 4),
        (0, 8),
        (6, 7),
        (5, 5),
        (0, 1),
        (4, 4),
        (4, 5),
    ]
    assert [b.percentage for b in result.benchmarks] == [83, 100, 0, 85, 100, 0, 100, 80]
    assert result.benchmarks_fully_achieved == 3
    assert result.complete
    assert result.benchmark(6).criteria[1].status is UNSCORED  # 6.2: by 18, no sixth form
    assert result.question("6.2a").outcome is Outcome.NOT_APPLICABLE


def test_unanswered_questions_are_listed_in_framework_order() -> None:
    framework = get_framework("gatsby-2024-schools")
    assert unanswered_questions(framework, {})[:3] == ("1.1a", "1.1b", "1.1c")
    everything: dict[str, str | None] = {q.code: "yes" if not q.is_cohort else "100" for q in framework.questions}
    assert unanswered_questions(framework, everything) == ()
    del everything["8.2c"]
    everything["5.1g"] = None
    assert unanswered_questions(framework, everything) == ("5.1g", "8.2c")
    assert unanswered_questions(framework, everything, ELEVEN_TO_SIXTEEN) == ("8.2c",)


def test_answers_the_question_does_not_allow_are_refused() -> None:
    framework = get_framework("gatsby-2014-schools")
    with pytest.raises(AnswerError, match=r"'1\.1a' .* cannot be answered 'partly'"):
        score(framework, {"1.1a": "partly"})
    with pytest.raises(AnswerError, match="cannot be answered 'yes'"):
        check_answers(framework, {"5.1a": "yes"})
    with pytest.raises(AnswerError, match="cannot be answered '100'"):
        check_answers(framework, {"3.1a": "100"})
    with pytest.raises(AnswerError, match=r"has no question '9\.1a'"):
        check_answers(framework, {"9.1a": "yes"})
    with pytest.raises(AnswerError, match="has no year group 'Y14'"):
        score(framework, {}, year_groups={"Y7", "Y14"})
    with pytest.raises(AnswerError):
        question_outcome(framework, framework.question("2.2a"), "maybe")


def test_partly_is_in_progress_and_no_is_unmet() -> None:
    framework = get_framework("gatsby-2014-schools")
    question = framework.question("3.1a")
    assert question.allows_partly
    assert question_outcome(framework, question, "yes") is Outcome.MET
    assert question_outcome(framework, question, "partly") is Outcome.IN_PROGRESS
    assert question_outcome(framework, question, "no") is Outcome.UNMET
    assert question_outcome(framework, question, None) is Outcome.UNANSWERED


@pytest.mark.parametrize(
    ("count", "total", "band"),
    [
        (0, 30, "0"),
        (1, 300, "1-24"),  # 0.3% is still someone
        (7, 30, "1-24"),  # 23.3%
        (15, 60, "25-49"),  # 25% exactly
        (15, 30, "50-74"),
        (29, 30, "75-99"),  # 96.7%
        (299, 300, "75-99"),  # 99.7% is not everyone
        (30, 30, "100"),
    ],
)
def test_band_for_learner_numbers(count: int, total: int, band: str) -> None:
    bands = get_framework("gatsby-2024-schools").cohort_bands
    assert band_for(count, total, bands).code == band


def test_band_for_refuses_impossible_numbers() -> None:
    bands = get_framework("gatsby-2024-schools").cohort_bands
    for count, total in [(0, 0), (31, 30), (-1, 30)]:
        with pytest.raises(ValueError, match="cannot band"):
            band_for(count, total, bands)


def test_year_groups_with_learners() -> None:
    assert year_groups_with_learners({"Y7": 180, "Y8": 175, "Y12": 0, "Y13": 0}) == {"Y7", "Y8"}
