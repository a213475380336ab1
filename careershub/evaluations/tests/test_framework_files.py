"""The shipped framework files load, hang together, and are chosen by institution kind and date."""

from __future__ import annotations

import datetime

import pytest

from careershub.evaluations.framework_data import (
    FRAMEWORKS_DIR,
    INSTITUTION_KINDS,
    AnswerType,
    Criterion,
    Definition,
    Framework,
    Question,
    SourcedText,
    available_frameworks,
    effective_kind,
    framework_for,
    get_framework,
    load_framework,
)
from careershub.institutions.models import InstitutionKind

FRAMEWORKS = available_frameworks()
BY_CODE = {f.code: f for f in FRAMEWORKS}

# Assessment areas per benchmark. Update deliberately when a framework's data changes.
EXPECTED_QUESTIONS = {
    "gatsby-2014-schools": [15, 2, 7, 1, 7, 2, 5, 2],
    "gatsby-2014-special": [15, 2, 7, 1, 8, 2, 5, 2],
    "gatsby-2014-colleges": [15, 1, 9, 1, 6, 1, 1, 2],
    "gatsby-2024-schools": [18, 5, 8, 9, 7, 2, 5, 6],
    "gatsby-2024-special": [18, 5, 8, 10, 8, 2, 5, 6],
    "gatsby-2024-colleges": [17, 3, 8, 3, 4, 1, 1, 4],
}


def test_every_framework_file_loads() -> None:
    files = sorted(path.name for path in FRAMEWORKS_DIR.glob("*.yaml"))
    assert files == sorted(f"{code}.yaml" for code in EXPECTED_QUESTIONS)
    for path in FRAMEWORKS_DIR.glob("*.yaml"):
        framework = load_framework(path)
        assert framework.file_name == path.name
        assert len(framework.sha256) == 64


@pytest.mark.parametrize("framework", FRAMEWORKS, ids=lambda f: f.code)
def test_framework_shape(framework: Framework) -> None:
    assert [b.number for b in framework.benchmarks] == list(range(1, 9))
    assert [len(b.questions) for b in framework.benchmarks] == EXPECTED_QUESTIONS[framework.code]
    assert framework.texts_note and framework.counting_note and framework.source
    codes = [q.code for q in framework.questions]
    assert len(codes) == len(set(codes))
    for benchmark in framework.benchmarks:
        for criterion in benchmark.criteria:
            assert benchmark.questions_for(criterion.code), criterion.code
        for question in benchmark.questions:
            assert question.text.strip()
            if question.is_cohort:
                assert question.year_groups and question.met_at == "100"
            else:
                assert question.answer_type in (AnswerType.YES_NO, AnswerType.YES_NO_PARTLY)


@pytest.mark.parametrize("framework", FRAMEWORKS, ids=lambda f: f.code)
def test_verbatim_texts_cite_a_source(framework: Framework) -> None:
    """Texts claimed as verbatim say where they are quoted from; verbatim questions are Compass items."""
    for benchmark in framework.benchmarks:
        texts: list[SourcedText | Criterion | Definition | Question] = [
            benchmark.summary,
            *benchmark.criteria,
            *benchmark.definitions,
        ]
        for text in texts:
            assert not text.verbatim or text.source or framework.source
        for question in benchmark.questions:
            if question.verbatim:
                assert question.source.startswith("compass") and question.compass_ref, question.code
                assert framework.source_citation(question.source) != question.source


@pytest.mark.parametrize("year", ["2014", "2024"])
def test_special_school_variant_uses_the_schools_benchmark_wording(year: str) -> None:
    schools, special = BY_CODE[f"gatsby-{year}-schools"], BY_CODE[f"gatsby-{year}-special"]
    for a, b in zip(schools.benchmarks, special.benchmarks, strict=True):
        assert (a.title, a.summary, a.criteria) == (b.title, b.summary, b.criteria)
    assert [g.code for g in special.year_groups] == [*(g.code for g in schools.year_groups), "Y14"]


def test_published_compass_items_are_verbatim() -> None:
    question = BY_CODE["gatsby-2024-schools"].question("1.1a")
    assert question.text == "Does your school have a trained Careers Leader?"
    assert question.verbatim and question.compass_ref == "1.1"
    assert BY_CODE["gatsby-2014-schools"].question("1.1a").text == "Is written down"
    derived = BY_CODE["gatsby-2024-schools"].question("3.2a")
    assert not derived.verbatim
    assert not BY_CODE["gatsby-2024-schools"].benchmark(3).criteria[1].verbatim


def test_kinds_match_the_institution_model() -> None:
    assert set(INSTITUTION_KINDS) == set(InstitutionKind.values)


BEFORE = datetime.date(2025, 8, 31)
FROM = datetime.date(2025, 9, 1)


@pytest.mark.parametrize(
    ("kind", "on", "code"),
    [
        ("mainstream_school", BEFORE, "gatsby-2014-schools"),
        ("mainstream_school", FROM, "gatsby-2024-schools"),
        ("special_school", BEFORE, "gatsby-2014-special"),
        ("special_school", FROM, "gatsby-2024-special"),
        ("alternative_provision", BEFORE, "gatsby-2014-schools"),
        ("alternative_provision", FROM, "gatsby-2024-schools"),
        ("other", datetime.date(2019, 3, 31), "gatsby-2014-schools"),
        ("other", datetime.date(2040, 1, 1), "gatsby-2024-schools"),
        ("college", BEFORE, "gatsby-2014-colleges"),
        ("college", FROM, "gatsby-2024-colleges"),
        ("training_provider", datetime.date(2016, 1, 1), "gatsby-2014-colleges"),
        ("training_provider", FROM, "gatsby-2024-colleges"),
    ],
)
def test_framework_follows_kind_and_date(kind: str, on: datetime.date, code: str) -> None:
    assert framework_for(kind, on).code == code


def test_a_careers_leader_can_override_the_kind() -> None:
    assert framework_for("mainstream_school", FROM, override_kind="special_school").code == "gatsby-2024-special"
    assert framework_for("alternative_provision", BEFORE, "special_school").code == "gatsby-2014-special"
    assert framework_for("special_school", FROM, override_kind=None).code == "gatsby-2024-special"
    assert effective_kind("college", "training_provider") == "training_provider"


def test_unknown_kinds_and_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown institution kind 'academy'"):
        framework_for("academy", FROM)
    with pytest.raises(ValueError, match="unknown institution kind 'primary'"):
        framework_for("mainstream_school", FROM, override_kind="primary")
    with pytest.raises(TypeError):
        framework_for("college", datetime.datetime(2025, 9, 1, 12, 0))


def test_get_framework_by_code() -> None:
    assert get_framework("gatsby-2024-colleges").applies_to == ("college", "training_provider")
    with pytest.raises(LookupError):
        get_framework("gatsby-1999-schools")
