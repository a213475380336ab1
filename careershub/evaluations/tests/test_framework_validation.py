"""A broken framework file fails loudly, naming the file and the path of the bad item."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from careershub.evaluations.framework_data import (
    Framework,
    FrameworkError,
    NoFrameworkError,
    available_frameworks,
    check_registry,
    framework_for,
    load_framework,
    parse_framework,
)
from careershub.evaluations.tests.builders import benchmark, framework_document, write

Document = dict[str, Any]


def _bm(document: Document, number: int) -> Document:
    result: Document = document["benchmarks"][number - 1]
    return result


def _drop_benchmark_8(d: Document) -> None:
    d["benchmarks"].pop()


def _nine_benchmarks(d: Document) -> None:
    extra = benchmark(8)
    d["benchmarks"].append(extra)


def _duplicate_benchmark(d: Document) -> None:
    d["benchmarks"][3] = benchmark(3)


def _benchmark_out_of_range(d: Document) -> None:
    _bm(d, 8)["number"] = 9


def _benchmarks_out_of_order(d: Document) -> None:
    d["benchmarks"][0], d["benchmarks"][1] = d["benchmarks"][1], d["benchmarks"][0]


def _duplicate_criterion(d: Document) -> None:
    _bm(d, 1)["criteria"].append({"code": "1.1", "text": "Again.", "verbatim": False})


def _criterion_wrong_benchmark(d: Document) -> None:
    _bm(d, 2)["criteria"][0]["code"] = "3.1"
    _bm(d, 2)["questions"][0]["criterion"] = "3.1"


def _criterion_without_question(d: Document) -> None:
    _bm(d, 3)["criteria"].append({"code": "3.2", "text": "Unevidenced.", "verbatim": False})


def _duplicate_question_in_benchmark(d: Document) -> None:
    _bm(d, 1)["questions"].append(dict(_bm(d, 1)["questions"][0]))


def _question_unknown_criterion(d: Document) -> None:
    _bm(d, 2)["questions"][0]["criterion"] = "2.9"


def _question_of_other_benchmarks_criterion(d: Document) -> None:
    _bm(d, 2)["questions"][0]["criterion"] = "1.1"


def _question_code_not_under_criterion(d: Document) -> None:
    _bm(d, 4)["questions"][0]["code"] = "q1"


def _question_code_ambiguous(d: Document) -> None:
    _bm(d, 4)["questions"][0]["code"] = "4.10"


def _wrong_answer_type(d: Document) -> None:
    _bm(d, 6)["questions"][0]["answer_type"] = "multiple_choice"


def _cohort_without_year_groups(d: Document) -> None:
    del _bm(d, 5)["questions"][0]["year_groups"]


def _cohort_unknown_year_group(d: Document) -> None:
    _bm(d, 5)["questions"][0]["year_groups"] = ["Y7", "Y99"]


def _cohort_unknown_band(d: Document) -> None:
    _bm(d, 5)["questions"][0]["met_at"] = "90"


def _cohort_met_at_lowest(d: Document) -> None:
    _bm(d, 5)["questions"][0]["met_at"] = "0"


def _cohort_without_met_at(d: Document) -> None:
    del _bm(d, 5)["questions"][0]["met_at"]


def _yes_no_with_met_at(d: Document) -> None:
    _bm(d, 6)["questions"][0]["met_at"] = "100"


def _missing_verbatim(d: Document) -> None:
    del _bm(d, 7)["criteria"][0]["verbatim"]


def _verbatim_not_boolean(d: Document) -> None:
    _bm(d, 7)["questions"][0]["verbatim"] = "yes"


def _unknown_question_key(d: Document) -> None:
    _bm(d, 8)["questions"][0]["answer"] = "yes"


def _summary_without_text(d: Document) -> None:
    del _bm(d, 1)["summary"]["text"]


def _empty_title(d: Document) -> None:
    _bm(d, 2)["title"] = "  "


def _unknown_source(d: Document) -> None:
    _bm(d, 3)["criteria"][0]["source"] = "nowhere"


def _unknown_kind(d: Document) -> None:
    d["applies_to"] = ["academy"]


def _unknown_variant(d: Document) -> None:
    d["variant"] = "primary"


def _dates_reversed(d: Document) -> None:
    d["valid_from"] = datetime.date(2025, 9, 1)
    d["valid_to"] = datetime.date(2025, 8, 31)


def _bad_date(d: Document) -> None:
    d["valid_from"] = "1 September 2025"


def _band_gap(d: Document) -> None:
    d["cohort_bands"][2]["lowest"] = 60


def _bands_stop_short(d: Document) -> None:
    d["cohort_bands"][-1].update(lowest=100, highest=100)
    d["cohort_bands"][-2]["highest"] = 98


def _duplicate_year_group(d: Document) -> None:
    d["year_groups"][1]["code"] = "Y7"


def _wrong_format(d: Document) -> None:
    d["format"] = 2


def _missing_texts_note(d: Document) -> None:
    del d["texts_note"]


def _benchmarks_not_a_list(d: Document) -> None:
    d["benchmarks"] = {"1": "A stable careers programme"}


CASES: list[tuple[str, Callable[[Document], None], str, str]] = [
    ("7 benchmarks", _drop_benchmark_8, "benchmarks", "expected exactly 8 benchmarks, got 7; missing benchmark 8"),
    ("9 benchmarks", _nine_benchmarks, "benchmarks[8].number", "duplicate benchmark number '8'"),
    ("duplicate benchmark", _duplicate_benchmark, "benchmarks[3].number", "duplicate benchmark number '3'"),
    ("benchmark 9", _benchmark_out_of_range, "benchmarks[7].number", "expected 1 to 8, got 9"),
    ("out of order", _benchmarks_out_of_order, "benchmarks", "in order 1 to 8"),
    ("duplicate criterion", _duplicate_criterion, "benchmarks[0].criteria[1].code", "duplicate criterion code '1.1'"),
    ("criterion prefix", _criterion_wrong_benchmark, "benchmarks[1].criteria[0].code", "must be '2.<n>'"),
    ("unevidenced criterion", _criterion_without_question, "benchmarks[2].criteria[1]", "has no question"),
    (
        "duplicate question",
        _duplicate_question_in_benchmark,
        "benchmarks[0].questions[1].code",
        "duplicate question code '1.1a'",
    ),
    (
        "unknown criterion",
        _question_unknown_criterion,
        "benchmarks[1].questions[0].criterion",
        "question '2.1a' points at unknown criterion '2.9'",
    ),
    (
        "other benchmark's criterion",
        _question_of_other_benchmarks_criterion,
        "benchmarks[1].questions[0].criterion",
        "unknown criterion '1.1'",
    ),
    ("code not under criterion", _question_code_not_under_criterion, "benchmarks[3].questions[0].code", "must be"),
    ("ambiguous code", _question_code_ambiguous, "benchmarks[3].questions[0].code", "must be"),
    ("answer type", _wrong_answer_type, "benchmarks[5].questions[0].answer_type", "unknown answer type"),
    ("no year groups", _cohort_without_year_groups, "benchmarks[4].questions[0].year_groups", "non-empty list"),
    (
        "unknown year group",
        _cohort_unknown_year_group,
        "benchmarks[4].questions[0].year_groups[1]",
        "unknown year group 'Y99'",
    ),
    ("unknown band", _cohort_unknown_band, "benchmarks[4].questions[0].met_at", "unknown cohort band '90'"),
    ("met at 0%", _cohort_met_at_lowest, "benchmarks[4].questions[0].met_at", "lowest band cannot count as met"),
    ("no met_at", _cohort_without_met_at, "benchmarks[4].questions[0].met_at", "expected non-empty text"),
    ("yes/no with met_at", _yes_no_with_met_at, "benchmarks[5].questions[0].met_at", "only cohort_percentage"),
    ("missing verbatim", _missing_verbatim, "benchmarks[6].criteria[0].verbatim", "missing"),
    ("verbatim text", _verbatim_not_boolean, "benchmarks[6].questions[0].verbatim", "expected true or false"),
    ("unknown key", _unknown_question_key, "benchmarks[7].questions[0].answer", "unknown key"),
    ("summary text", _summary_without_text, "benchmarks[0].summary.text", "missing"),
    ("empty title", _empty_title, "benchmarks[1].title", "expected non-empty text"),
    ("unknown source", _unknown_source, "benchmarks[2].criteria[0].source", "unknown source 'nowhere'"),
    ("unknown kind", _unknown_kind, "applies_to[0]", "unknown institution kind 'academy'"),
    ("unknown variant", _unknown_variant, "variant", "unknown variant 'primary'"),
    ("dates reversed", _dates_reversed, "valid_to", "is before valid_from"),
    ("bad date", _bad_date, "valid_from", "expected a date"),
    ("band gap", _band_gap, "cohort_bands[2].lowest", "without gaps"),
    ("bands stop short", _bands_stop_short, "cohort_bands[3].lowest", "expected 99"),
    ("duplicate year group", _duplicate_year_group, "year_groups[1].code", "duplicate year group 'Y7'"),
    ("format", _wrong_format, "format", "reads format 1"),
    ("texts note", _missing_texts_note, "texts_note", "missing"),
    ("benchmarks mapping", _benchmarks_not_a_list, "benchmarks", "non-empty list"),
]


def test_the_minimal_document_is_valid(tmp_path: Path) -> None:
    framework = load_framework(write(tmp_path, framework_document()))
    assert framework.code == "test-framework"
    assert [b.number for b in framework.benchmarks] == list(range(1, 9))


@pytest.mark.parametrize(("mutate", "path", "problem"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_broken_data_is_refused_with_file_and_path(
    tmp_path: Path, mutate: Callable[[Document], None], path: str, problem: str
) -> None:
    document = framework_document()
    mutate(document)
    with pytest.raises(FrameworkError) as caught:
        load_framework(write(tmp_path, document))
    error = caught.value
    assert error.file == "test-framework.yaml"
    assert error.path == path
    assert problem in error.problem
    assert str(error).startswith(f"test-framework.yaml: {path}: ")


def test_the_file_must_be_named_after_its_code(tmp_path: Path) -> None:
    with pytest.raises(FrameworkError, match=r"other\.yaml: code: the file must be named after its code"):
        load_framework(write(tmp_path, framework_document(), file_name="other.yaml"))


def test_invalid_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "test-framework.yaml"
    path.write_text("code: [unclosed\n", encoding="utf-8")
    with pytest.raises(FrameworkError, match=r"test-framework\.yaml: not valid YAML"):
        load_framework(path)


def test_a_document_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(FrameworkError, match="expected a mapping, got list"):
        parse_framework("- 1\n- 2\n", "test-framework.yaml")


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FrameworkError, match="cannot read the file"):
        load_framework(tmp_path / "missing.yaml")


# --- the set of frameworks together ------------------------------------------------------------


def _framework(code: str, kinds: list[str], valid_from: str | None, valid_to: str | None) -> Framework:
    document = framework_document(code, applies_to=kinds, valid_from=valid_from, valid_to=valid_to)
    return parse_framework(yaml.safe_dump(document), f"{code}.yaml")


ALL_KINDS = ["mainstream_school", "special_school", "alternative_provision", "college", "training_provider", "other"]


def test_registry_accepts_consecutive_versions() -> None:
    old = _framework("old", ALL_KINDS, None, "2025-08-31")
    new = _framework("new", ALL_KINDS, "2025-09-01", None)
    check_registry([old, new])
    assert framework_for("college", datetime.date(2025, 8, 31), frameworks=[old, new]).code == "old"
    assert framework_for("college", datetime.date(2025, 9, 1), frameworks=[old, new]).code == "new"


def test_registry_refuses_overlapping_versions() -> None:
    old = _framework("old", ALL_KINDS, None, "2025-09-01")
    new = _framework("new", ALL_KINDS, "2025-09-01", None)
    with pytest.raises(FrameworkError, match=r"new\.yaml: valid_from: overlaps old\.yaml"):
        check_registry([old, new])


def test_registry_refuses_a_gap_between_versions() -> None:
    old = _framework("old", ALL_KINDS, None, "2025-08-30")
    new = _framework("new", ALL_KINDS, "2025-09-01", None)
    with pytest.raises(FrameworkError, match=r"must be the day after old\.yaml valid_to"):
        check_registry([old, new])


def test_registry_refuses_a_kind_without_a_framework() -> None:
    only_schools = _framework("only-schools", ["mainstream_school"], None, None)
    with pytest.raises(FrameworkError, match="no framework applies to institution kind 'special_school'"):
        check_registry([only_schools])


def test_registry_refuses_duplicate_codes() -> None:
    a = _framework("same", ALL_KINDS, None, None)
    with pytest.raises(FrameworkError, match="duplicate framework code 'same'"):
        check_registry([a, a])


def test_a_directory_with_a_broken_file_is_refused(tmp_path: Path) -> None:
    document = framework_document("broken", applies_to=ALL_KINDS)
    document["benchmarks"].pop()
    write(tmp_path, document)
    with pytest.raises(FrameworkError, match=r"broken\.yaml: benchmarks: expected exactly 8"):
        available_frameworks(tmp_path)


def test_a_new_version_can_be_added_as_data_alone(tmp_path: Path) -> None:
    write(tmp_path, framework_document("first", applies_to=ALL_KINDS, valid_to="2030-08-31"))
    write(tmp_path, framework_document("second", applies_to=ALL_KINDS, valid_from="2030-09-01"))
    codes = [f.code for f in available_frameworks(tmp_path)]
    assert codes == ["first", "second"]
    frameworks = available_frameworks(tmp_path)
    assert framework_for("mainstream_school", datetime.date(2031, 1, 1), frameworks=frameworks).code == "second"


def test_no_framework_for_a_date_outside_every_range() -> None:
    bounded = _framework("bounded", ALL_KINDS, "2020-09-01", "2021-08-31")
    with pytest.raises(NoFrameworkError, match="no framework applies to 'college' on 2022-01-01"):
        framework_for("college", datetime.date(2022, 1, 1), frameworks=[bounded])


def test_a_stem_flag_needs_a_stem(tmp_path: Path) -> None:
    document = framework_document()
    _bm(document, 1)["questions"][0]["stem_verbatim"] = True
    with pytest.raises(FrameworkError, match=r"benchmarks\[0\]\.questions\[0\]\.stem_verbatim: there is no stem"):
        load_framework(write(tmp_path, document))
