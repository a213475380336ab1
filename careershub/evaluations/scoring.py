"""Scoring a benchmark evaluation: pure functions over a ``Framework`` and its answers.

Answers are a mapping of question code to answer: ``"yes"``, ``"no"``, ``"partly"`` (only where
the question allows it), a cohort band code such as ``"75-99"`` (cohort questions), or ``None`` /
absent for unanswered. Nothing here reads or writes the database.

How it counts (the rules below are also stated in each framework file's ``counting_note``):

* Each question is one **assessment area**. It is *met* when answered yes, or when a cohort
  band reaches the question's ``met_at`` band. "Partly", and a cohort band above the lowest but
  below ``met_at``, are not met but *in progress*. "No" and the lowest band (0%) are *unmet*.
* A cohort question about year groups the institution does not have (no learners entered) is
  *not applicable*: it is left out of every count. ``year_groups=None`` means every year group
  applies.
* **Criterion status**: *unscored* when none of its applicable questions is answered (or none
  applies); *achieved* when every applicable question is met; *in progress* when at least one is
  met or in progress; otherwise *not achieved*. Unanswered questions count as not met.
* **Benchmark percentage**: areas met ÷ applicable areas, as a whole percentage **rounded down**
  (Compass's reports do the same: 11 of 17 areas is shown as 64%), so 100% appears only when
  every area is met. The exact value is ``BenchmarkResult.fraction``. A benchmark with no
  applicable area scores 0% and is not fully achieved.
* **Fully achieved**: every applicable area met (100%). **Benchmarks fully achieved** (0-8)
  counts them.
* **RAG**: green when fully achieved; amber when at least one area is met or in progress
  ("partially met" in Compass's words); red when none is.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from careershub.evaluations.framework_data import AnswerType, Benchmark, CohortBand, Framework, Question

YES = "yes"
NO = "no"
PARTLY = "partly"

Answers = Mapping[str, str | None]


class AnswerError(ValueError):
    """An answer that the framework does not allow, or an answer to a question it does not have."""


class Outcome(StrEnum):
    MET = "met"
    IN_PROGRESS = "in_progress"
    UNMET = "unmet"
    UNANSWERED = "unanswered"
    NOT_APPLICABLE = "not_applicable"


class CriterionStatus(StrEnum):
    ACHIEVED = "achieved"
    IN_PROGRESS = "in_progress"
    NOT_ACHIEVED = "not_achieved"
    UNSCORED = "unscored"


class Rag(StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"


@dataclass(frozen=True)
class QuestionResult:
    code: str
    criterion: str
    answer: str | None
    outcome: Outcome


@dataclass(frozen=True)
class CriterionResult:
    code: str
    status: CriterionStatus
    met: int
    in_progress: int
    answered: int
    applicable: int


@dataclass(frozen=True)
class BenchmarkResult:
    number: int
    title: str
    met: int
    in_progress: int
    total: int
    percentage: int
    fully_achieved: bool
    rag: Rag
    criteria: tuple[CriterionResult, ...]
    questions: tuple[QuestionResult, ...]

    @property
    def fraction(self) -> Fraction:
        """Areas met as an exact fraction of applicable areas (0 when none applies)."""
        return Fraction(self.met, self.total) if self.total else Fraction(0)


@dataclass(frozen=True)
class EvaluationResult:
    framework_code: str
    benchmarks: tuple[BenchmarkResult, ...]
    benchmarks_fully_achieved: int
    unanswered: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """Every applicable question is answered, so the evaluation can be submitted."""
        return not self.unanswered

    def benchmark(self, number: int) -> BenchmarkResult:
        for result in self.benchmarks:
            if result.number == number:
                return result
        raise KeyError(number)

    def question(self, code: str) -> QuestionResult:
        for result in self.benchmarks:
            for question in result.questions:
                if question.code == code:
                    return question
        raise KeyError(code)


def allowed_answers(framework: Framework, question: Question) -> tuple[str, ...]:
    """The answers a question accepts, in order from least to most."""
    if question.answer_type is AnswerType.COHORT_PERCENTAGE:
        return tuple(band.code for band in framework.cohort_bands)
    if question.answer_type is AnswerType.YES_NO_PARTLY:
        return (NO, PARTLY, YES)
    return (NO, YES)


def check_answers(framework: Framework, answers: Answers) -> None:
    """Raise ``AnswerError`` for an answer to an unknown question or an answer a question does not allow."""
    questions = {q.code: q for q in framework.questions}
    for code, answer in answers.items():
        question = questions.get(code)
        if question is None:
            raise AnswerError(f"{framework.code} has no question {code!r}")
        if answer is not None and answer not in allowed_answers(framework, question):
            allowed = ", ".join(allowed_answers(framework, question))
            raise AnswerError(
                f"question {code!r} ({question.answer_type}) cannot be answered {answer!r}: use {allowed}"
            )


def is_applicable(question: Question, year_groups: Collection[str] | None) -> bool:
    """Whether a question applies to an institution with learners in ``year_groups`` (None: all)."""
    if year_groups is None or not question.is_cohort:
        return True
    return any(group in year_groups for group in question.year_groups)


def question_outcome(
    framework: Framework, question: Question, answer: str | None, year_groups: Collection[str] | None = None
) -> Outcome:
    """Met, in progress, unmet, unanswered or not applicable, for one question's answer."""
    if not is_applicable(question, year_groups):
        return Outcome.NOT_APPLICABLE
    if answer is None:
        return Outcome.UNANSWERED
    if answer not in allowed_answers(framework, question):
        raise AnswerError(f"question {question.code!r} ({question.answer_type}) cannot be answered {answer!r}")
    if question.is_cohort:
        reached = framework.band_index(answer)
        if reached >= framework.band_index(question.met_at):
            return Outcome.MET
        return Outcome.IN_PROGRESS if reached > 0 else Outcome.UNMET
    if answer == YES:
        return Outcome.MET
    return Outcome.IN_PROGRESS if answer == PARTLY else Outcome.UNMET


def criterion_status(outcomes: Collection[Outcome]) -> CriterionStatus:
    """A criterion's status from the outcomes of the questions that evidence it."""
    applicable = [o for o in outcomes if o is not Outcome.NOT_APPLICABLE]
    if not applicable or all(o is Outcome.UNANSWERED for o in applicable):
        return CriterionStatus.UNSCORED
    if all(o is Outcome.MET for o in applicable):
        return CriterionStatus.ACHIEVED
    if any(o in (Outcome.MET, Outcome.IN_PROGRESS) for o in applicable):
        return CriterionStatus.IN_PROGRESS
    return CriterionStatus.NOT_ACHIEVED


def percentage_met(met: int, total: int) -> int:
    """Whole percentage of areas met, rounded down (0 when there are no areas)."""
    return (100 * met) // total if total else 0


def rag_for(met: int, in_progress: int, total: int) -> Rag:
    if total and met == total:
        return Rag.GREEN
    return Rag.AMBER if met or in_progress else Rag.RED


def score_benchmark(
    framework: Framework, benchmark: Benchmark, answers: Answers, year_groups: Collection[str] | None = None
) -> BenchmarkResult:
    questions = tuple(
        QuestionResult(
            q.code, q.criterion, answers.get(q.code), question_outcome(framework, q, answers.get(q.code), year_groups)
        )
        for q in benchmark.questions
    )
    criteria = []
    for criterion in benchmark.criteria:
        outcomes = [r.outcome for r in questions if r.criterion == criterion.code]
        criteria.append(
            CriterionResult(
                code=criterion.code,
                status=criterion_status(outcomes),
                met=outcomes.count(Outcome.MET),
                in_progress=outcomes.count(Outcome.IN_PROGRESS),
                answered=sum(o in (Outcome.MET, Outcome.IN_PROGRESS, Outcome.UNMET) for o in outcomes),
                applicable=sum(o is not Outcome.NOT_APPLICABLE for o in outcomes),
            )
        )
    outcomes = [r.outcome for r in questions]
    met = outcomes.count(Outcome.MET)
    in_progress = outcomes.count(Outcome.IN_PROGRESS)
    total = sum(o is not Outcome.NOT_APPLICABLE for o in outcomes)
    return BenchmarkResult(
        number=benchmark.number,
        title=benchmark.title,
        met=met,
        in_progress=in_progress,
        total=total,
        percentage=percentage_met(met, total),
        fully_achieved=bool(total) and met == total,
        rag=rag_for(met, in_progress, total),
        criteria=tuple(criteria),
        questions=questions,
    )


def score(framework: Framework, answers: Answers, year_groups: Collection[str] | None = None) -> EvaluationResult:
    """Score an evaluation. ``year_groups``: the year groups with learners (None: all apply)."""
    check_answers(framework, answers)
    if year_groups is not None:
        known = {g.code for g in framework.year_groups}
        unknown = sorted(set(year_groups) - known)
        if unknown:
            raise AnswerError(f"{framework.code} has no year group {', '.join(map(repr, unknown))}")
    benchmarks = tuple(score_benchmark(framework, b, answers, year_groups) for b in framework.benchmarks)
    return EvaluationResult(
        framework_code=framework.code,
        benchmarks=benchmarks,
        benchmarks_fully_achieved=sum(b.fully_achieved for b in benchmarks),
        unanswered=unanswered_questions(framework, answers, year_groups),
    )


def unanswered_questions(
    framework: Framework, answers: Answers, year_groups: Collection[str] | None = None
) -> tuple[str, ...]:
    """Codes of applicable questions without an answer, in framework order."""
    return tuple(q.code for q in framework.questions if is_applicable(q, year_groups) and answers.get(q.code) is None)


def year_groups_with_learners(learner_numbers: Mapping[str, int]) -> frozenset[str]:
    """The year groups an institution has, from the learner numbers it entered."""
    return frozenset(group for group, count in learner_numbers.items() if count > 0)


def band_for(count: int, total: int, bands: tuple[CohortBand, ...]) -> CohortBand:
    """The band for ``count`` learners out of ``total``.

    The percentage is rounded down to a whole number, but any learner at all lifts it to at
    least 1% and anyone missing keeps it at 99% at most, so "0%" means none and "100%" means all.
    """
    if total <= 0 or not 0 <= count <= total:
        raise ValueError(f"cannot band {count} of {total} learners")
    percent = (100 * count) // total
    if count > 0:
        percent = max(percent, 1)
    if count < total:
        percent = min(percent, 99)
    for band in bands:
        if band.lowest <= percent <= band.highest:
            return band
    raise ValueError(f"no band holds {percent}%")
