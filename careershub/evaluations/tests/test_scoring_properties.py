"""Property tests of scoring over every shipped framework."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from careershub.evaluations.framework_data import Framework, available_frameworks
from careershub.evaluations.scoring import (
    Answers,
    CriterionStatus,
    EvaluationResult,
    Rag,
    allowed_answers,
    band_for,
    score,
)

FRAMEWORKS = available_frameworks()
RAG_RANK = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}
# An unscored criterion has nothing met yet, like a not-achieved one.
STATUS_RANK = {
    CriterionStatus.UNSCORED: 0,
    CriterionStatus.NOT_ACHIEVED: 0,
    CriterionStatus.IN_PROGRESS: 1,
    CriterionStatus.ACHIEVED: 2,
}


def _lowest(framework: Framework) -> dict[str, str | None]:
    return {q.code: allowed_answers(framework, q)[0] for q in framework.questions}


def _highest(framework: Framework) -> dict[str, str | None]:
    return {q.code: allowed_answers(framework, q)[-1] for q in framework.questions}


@st.composite
def evaluations(draw: st.DrawFn) -> tuple[Framework, dict[str, str | None]]:
    """A framework and answers to it: each question unanswered or given any answer it allows."""
    framework = draw(st.sampled_from(FRAMEWORKS))
    answers: dict[str, str | None] = {}
    for question in framework.questions:
        answers[question.code] = draw(st.none() | st.sampled_from(allowed_answers(framework, question)))
    return framework, answers


def _rank(framework: Framework, code: str, answer: str | None) -> int:
    """None < the lowest answer's rank, and answers in the order allowed_answers gives them."""
    return -1 if answer is None else allowed_answers(framework, framework.question(code)).index(answer)


def _check_consistent(result: EvaluationResult) -> None:
    assert 0 <= result.benchmarks_fully_achieved <= 8
    assert result.benchmarks_fully_achieved == sum(b.fully_achieved for b in result.benchmarks)
    for benchmark in result.benchmarks:
        assert 0 <= benchmark.percentage <= 100
        assert 0 <= benchmark.met + benchmark.in_progress <= benchmark.total
        assert (benchmark.percentage == 100) is benchmark.fully_achieved
        assert (benchmark.rag is Rag.GREEN) is benchmark.fully_achieved
        assert (benchmark.rag is Rag.RED) is (benchmark.met == 0 and benchmark.in_progress == 0)
        assert benchmark.percentage == int(benchmark.fraction * 100)


@given(evaluations())
def test_scores_are_in_range_and_consistent(evaluation: tuple[Framework, dict[str, str | None]]) -> None:
    framework, answers = evaluation
    result = score(framework, answers)
    _check_consistent(result)
    assert set(result.unanswered) == {code for code, answer in answers.items() if answer is None}


@given(evaluations(), st.data())
def test_a_better_answer_never_lowers_a_score(
    evaluation: tuple[Framework, dict[str, str | None]], data: st.DataObject
) -> None:
    """Raising one answer (unanswered -> no -> partly -> yes, or to a higher cohort band) never
    lowers any benchmark's percentage, RAG or criterion status, nor the benchmarks fully achieved."""
    framework, answers = evaluation
    question = data.draw(st.sampled_from(framework.questions))
    current = _rank(framework, question.code, answers[question.code])
    options = allowed_answers(framework, question)
    better = data.draw(st.sampled_from(options[max(current, 0) :]))
    improved: Answers = {**answers, question.code: better}
    before, after = score(framework, answers), score(framework, improved)
    assert after.benchmarks_fully_achieved >= before.benchmarks_fully_achieved
    for old, new in zip(before.benchmarks, after.benchmarks, strict=True):
        assert new.percentage >= old.percentage
        assert new.met >= old.met
        assert RAG_RANK[new.rag] >= RAG_RANK[old.rag]
        for old_criterion, new_criterion in zip(old.criteria, new.criteria, strict=True):
            assert STATUS_RANK[new_criterion.status] >= STATUS_RANK[old_criterion.status]


@given(evaluations(), st.data())
def test_no_to_yes_never_lowers_a_score(
    evaluation: tuple[Framework, dict[str, str | None]], data: st.DataObject
) -> None:
    framework, answers = evaluation
    questions = [q for q in framework.questions if not q.is_cohort]
    question = data.draw(st.sampled_from(questions))
    before = score(framework, {**answers, question.code: "no"})
    after = score(framework, {**answers, question.code: "yes"})
    assert after.benchmarks_fully_achieved >= before.benchmarks_fully_achieved
    for old, new in zip(before.benchmarks, after.benchmarks, strict=True):
        assert new.percentage >= old.percentage
    number = int(question.code.split(".")[0])
    assert after.benchmark(number).met == before.benchmark(number).met + 1


def test_all_no_gives_no_benchmark() -> None:
    for framework in FRAMEWORKS:
        result = score(framework, _lowest(framework))
        assert result.benchmarks_fully_achieved == 0
        assert all(b.percentage == 0 and b.rag is Rag.RED for b in result.benchmarks)
        assert all(c.status is CriterionStatus.NOT_ACHIEVED for b in result.benchmarks for c in b.criteria)
        assert result.complete


def test_all_yes_gives_eight_benchmarks() -> None:
    for framework in FRAMEWORKS:
        result = score(framework, _highest(framework))
        assert result.benchmarks_fully_achieved == 8
        assert all(b.percentage == 100 and b.rag is Rag.GREEN for b in result.benchmarks)
        assert all(c.status is CriterionStatus.ACHIEVED for b in result.benchmarks for c in b.criteria)


def test_nothing_answered_is_unscored_and_red() -> None:
    for framework in FRAMEWORKS:
        result = score(framework, {})
        assert result.benchmarks_fully_achieved == 0
        assert all(b.rag is Rag.RED for b in result.benchmarks)
        assert all(c.status is CriterionStatus.UNSCORED for b in result.benchmarks for c in b.criteria)
        assert len(result.unanswered) == len(framework.questions)


@given(st.sampled_from(FRAMEWORKS), st.data())
def test_scores_stay_in_range_whatever_year_groups_there_are(framework: Framework, data: st.DataObject) -> None:
    year_groups = data.draw(st.frozensets(st.sampled_from([g.code for g in framework.year_groups])))
    answers = {q.code: data.draw(st.sampled_from(allowed_answers(framework, q))) for q in framework.questions}
    result = score(framework, answers, year_groups)
    _check_consistent(result)
    assert result.complete
    everything = score(framework, _highest(framework), year_groups)
    for benchmark in everything.benchmarks:
        # Fully achieved whenever some area applies; a benchmark with none applicable is not.
        assert benchmark.fully_achieved is (benchmark.total > 0)


@given(st.integers(min_value=1, max_value=400), st.data())
def test_bands_grow_with_the_count(total: int, data: st.DataObject) -> None:
    bands = FRAMEWORKS[0].cohort_bands
    codes = [b.code for b in bands]
    count = data.draw(st.integers(min_value=0, max_value=total))
    band = band_for(count, total, bands)
    assert (band.code == codes[0]) is (count == 0)
    assert (band.code == codes[-1]) is (count == total)
    # Never above the true percentage (except that any learner at all is at least 1%), never below it.
    assert band.lowest * total <= 100 * count or band.lowest == 1
    assert 100 * count < (band.highest + 1) * total
    if count < total:
        assert codes.index(band_for(count + 1, total, bands).code) >= codes.index(band.code)
