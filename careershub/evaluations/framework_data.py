"""The Gatsby Benchmark frameworks as versioned reference data.

Each framework variant (for example Good Career Guidance 2014 for schools, or the 2024 refresh for
colleges and independent training providers) is one YAML file in ``frameworks/``. This module
loads a file into frozen dataclasses and validates it, so that a broken file fails loudly with
the file name and the path of the bad item (``gatsby-2014-schools.yaml: benchmarks[2].questions[4].criterion:
...``). Nothing here touches the database: a migration or management command can copy the data
into tables later, and the scoring module works on these dataclasses directly.

Choosing a framework
    ``framework_for(kind, on)`` picks the one framework whose ``applies_to`` contains the
    institution kind and whose ``valid_from``/``valid_to`` range contains the date. Which kinds
    a framework applies to is part of the data, not of this code: alternative provision and
    "other" establishments use the schools variant (they teach pupils of school age, and CEC's
    Compass offers schools a separate evaluation only where the setting is special), colleges
    and independent training providers share the post-16 variant (Compass "Post 16" evaluation),
    and special schools have their own variant. A careers leader can override the kind (for
    example a school where fewer than 75% of pupils take Level 2/GCSE qualifications may choose
    the special-school variant, as Compass allows); the caller records the reason.

Adding a framework version
    Add a YAML file named ``<code>.yaml`` and close the previous version's ``valid_to`` the day
    before the new ``valid_from``. ``check_registry`` refuses overlaps and gaps.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

import yaml

FRAMEWORKS_DIR = Path(__file__).resolve().parent / "frameworks"

#: The file format this loader reads (the ``format`` key of each file).
FORMAT_VERSION = 1

#: Institution kinds, as ``careershub.institutions.models.InstitutionKind`` values.
INSTITUTION_KINDS: tuple[str, ...] = (
    "mainstream_school",
    "special_school",
    "alternative_provision",
    "college",
    "training_provider",
    "other",
)

VARIANTS: tuple[str, ...] = ("schools", "special", "colleges")

BENCHMARK_COUNT = 8

_CODE_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")


class AnswerType(StrEnum):
    YES_NO = "yes_no"
    YES_NO_PARTLY = "yes_no_partly"
    COHORT_PERCENTAGE = "cohort_percentage"


class FrameworkError(ValueError):
    """A framework file (or the set of them) is not valid. ``path`` locates the bad item."""

    def __init__(self, file: str, path: str, problem: str) -> None:
        self.file = file
        self.path = path
        self.problem = problem
        super().__init__(f"{file}: {path}: {problem}" if path else f"{file}: {problem}")


class NoFrameworkError(LookupError):
    """No framework applies to this institution kind on this date."""


@dataclass(frozen=True)
class YearGroup:
    code: str
    label: str


@dataclass(frozen=True)
class CohortBand:
    """A band of the proportion of a cohort, in whole percentages from ``lowest`` to ``highest``."""

    code: str
    label: str
    lowest: int
    highest: int


@dataclass(frozen=True)
class SourcedText:
    text: str
    verbatim: bool
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class Definition:
    term: str
    text: str
    verbatim: bool
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class Criterion:
    code: str
    text: str
    verbatim: bool
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class Question:
    """One assessment area: a question an institution answers, evidencing one criterion."""

    code: str
    criterion: str
    text: str
    verbatim: bool
    answer_type: AnswerType
    stem: str = ""
    stem_verbatim: bool = False
    source: str = ""
    note: str = ""
    compass_ref: str = ""
    year_groups: tuple[str, ...] = ()
    population: str = ""
    met_at: str = ""

    @property
    def is_cohort(self) -> bool:
        return self.answer_type is AnswerType.COHORT_PERCENTAGE

    @property
    def allows_partly(self) -> bool:
        return self.answer_type is AnswerType.YES_NO_PARTLY


@dataclass(frozen=True)
class Benchmark:
    number: int
    title: str
    summary: SourcedText
    criteria: tuple[Criterion, ...]
    questions: tuple[Question, ...]
    definitions: tuple[Definition, ...] = ()
    title_note: str = ""

    def questions_for(self, criterion_code: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.criterion == criterion_code)


@dataclass(frozen=True)
class Framework:
    code: str
    version: str
    version_label: str
    title: str
    variant: str
    applies_to: tuple[str, ...]
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    source: str
    sources: tuple[tuple[str, str], ...]
    texts_note: str
    counting_note: str
    year_groups: tuple[YearGroup, ...]
    cohort_bands: tuple[CohortBand, ...]
    benchmarks: tuple[Benchmark, ...]
    file_name: str
    sha256: str

    def in_force_on(self, on: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)

    def applies(self, kind: str, on: datetime.date) -> bool:
        return kind in self.applies_to and self.in_force_on(on)

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for b in self.benchmarks for q in b.questions)

    def question(self, code: str) -> Question:
        for q in self.questions:
            if q.code == code:
                return q
        raise KeyError(f"{self.code} has no question {code!r}")

    def benchmark(self, number: int) -> Benchmark:
        for b in self.benchmarks:
            if b.number == number:
                return b
        raise KeyError(f"{self.code} has no benchmark {number}")

    def band_index(self, code: str) -> int:
        for index, band in enumerate(self.cohort_bands):
            if band.code == code:
                return index
        raise KeyError(f"{self.code} has no cohort band {code!r}")

    def source_citation(self, key: str) -> str:
        return dict(self.sources).get(key, key)


# --- reading one file --------------------------------------------------------------------------

_FRAMEWORK_KEYS = {
    "required": (
        "format",
        "code",
        "version",
        "version_label",
        "title",
        "variant",
        "applies_to",
        "valid_from",
        "valid_to",
        "source",
        "texts_note",
        "year_groups",
        "cohort_bands",
        "benchmarks",
    ),
    "optional": ("sources", "counting_note"),
}
_BENCHMARK_KEYS = {
    "required": ("number", "title", "summary", "criteria", "questions"),
    "optional": ("definitions", "title_note"),
}
_TEXT_KEYS = {"required": ("text", "verbatim"), "optional": ("source", "note")}
_DEFINITION_KEYS = {"required": ("term", "text", "verbatim"), "optional": ("source", "note")}
_CRITERION_KEYS = {"required": ("code", "text", "verbatim"), "optional": ("source", "note")}
_QUESTION_KEYS = {
    "required": ("code", "criterion", "text", "verbatim", "answer_type"),
    "optional": ("stem", "stem_verbatim", "source", "note", "compass_ref", "year_groups", "population", "met_at"),
}
_COHORT_ONLY_KEYS = ("year_groups", "population", "met_at")


def _describe(value: object) -> str:
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"[:80]


class _Reader:
    """Typed access to a parsed YAML document, failing with the file name and item path."""

    def __init__(self, file: str, sources: Iterable[str] = ()) -> None:
        self.file = file
        self.sources = frozenset(sources)

    def fail(self, path: str, problem: str) -> NoReturn:
        raise FrameworkError(self.file, path, problem)

    def mapping(self, value: object, path: str, keys: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping, got {_describe(value)}")
        allowed = (*keys["required"], *keys["optional"])
        for key in value:
            if key not in allowed:
                self.fail(_join(path, str(key)), f"unknown key (allowed: {', '.join(allowed)})")
        for key in keys["required"]:
            if key not in value:
                self.fail(_join(path, key), "missing")
        return value

    def text(self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(_join(path, key), f"expected non-empty text, got {_describe(value)}")
        return value.strip()

    def identifier(self, data: Mapping[str, Any], key: str, path: str) -> str:
        value = self.text(data, key, path)
        if not _IDENTIFIER_PATTERN.match(value):
            self.fail(_join(path, key), f"{value!r} is not a code (letters, digits and _ only)")
        return value

    def flag(self, data: Mapping[str, Any], key: str, path: str, *, default: bool | None = None) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.fail(_join(path, key), f"expected true or false, got {_describe(value)}")
        return value

    def integer(self, data: Mapping[str, Any], key: str, path: str) -> int:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(_join(path, key), f"expected a whole number, got {_describe(value)}")
        return value

    def items(self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> list[Any]:
        value = data.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list) or (required and not value):
            self.fail(_join(path, key), f"expected a non-empty list, got {_describe(value)}")
        return value

    def date(self, data: Mapping[str, Any], key: str, path: str) -> datetime.date | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date | str):
            self.fail(_join(path, key), f"expected a date (YYYY-MM-DD) or null, got {_describe(value)}")
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                self.fail(_join(path, key), f"expected a date (YYYY-MM-DD), got {value!r}")
        return value

    def source(self, data: Mapping[str, Any], path: str) -> str:
        key = self.text(data, "source", path, required=False)
        if key and key not in self.sources:
            known = ", ".join(sorted(self.sources)) or "none declared"
            self.fail(_join(path, "source"), f"unknown source {key!r} (the file's sources: {known})")
        return key


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _unique(reader: _Reader, values: Iterable[tuple[str, str]], what: str) -> None:
    seen: set[str] = set()
    for path, value in values:
        if value in seen:
            reader.fail(path, f"duplicate {what} {value!r}")
        seen.add(value)


def _read_sources(reader: _Reader, raw: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    value = raw.get("sources")
    if value is None:
        return ()
    if not isinstance(value, dict):
        reader.fail("sources", f"expected a mapping of key: citation, got {_describe(value)}")
    result = []
    for key, citation in value.items():
        if not isinstance(key, str) or not _IDENTIFIER_PATTERN.match(key):
            reader.fail("sources", f"{key!r} is not a source key (letters, digits and _ only)")
        if not isinstance(citation, str) or not citation.strip():
            reader.fail(f"sources.{key}", f"expected a citation, got {_describe(citation)}")
        result.append((key, " ".join(citation.split())))
    return tuple(result)


def _read_year_groups(reader: _Reader, raw: Mapping[str, Any]) -> tuple[YearGroup, ...]:
    groups = []
    for i, item in enumerate(reader.items(raw, "year_groups", "")):
        path = f"year_groups[{i}]"
        data = reader.mapping(item, path, {"required": ("code", "label"), "optional": ()})
        groups.append(YearGroup(reader.identifier(data, "code", path), reader.text(data, "label", path)))
    _unique(reader, ((f"year_groups[{i}].code", g.code) for i, g in enumerate(groups)), "year group")
    return tuple(groups)


def _read_bands(reader: _Reader, raw: Mapping[str, Any]) -> tuple[CohortBand, ...]:
    bands = []
    expected_lowest = 0
    for i, item in enumerate(reader.items(raw, "cohort_bands", "")):
        path = f"cohort_bands[{i}]"
        data = reader.mapping(item, path, {"required": ("code", "label", "lowest", "highest"), "optional": ()})
        band = CohortBand(
            code=reader.text(data, "code", path),
            label=reader.text(data, "label", path),
            lowest=reader.integer(data, "lowest", path),
            highest=reader.integer(data, "highest", path),
        )
        if band.lowest != expected_lowest:
            reader.fail(f"{path}.lowest", f"expected {expected_lowest}: bands must run from 0 to 100 without gaps")
        if band.highest < band.lowest or band.highest > 100:
            reader.fail(f"{path}.highest", f"expected a value from {band.lowest} to 100, got {band.highest}")
        expected_lowest = band.highest + 1
        bands.append(band)
    if expected_lowest != 101:
        reader.fail("cohort_bands", "the last band must end at 100")
    if len(bands) < 2 or bands[0].highest != 0 or bands[-1].lowest != 100:
        reader.fail("cohort_bands", "the first band must be exactly 0% and the last exactly 100%")
    _unique(reader, ((f"cohort_bands[{i}].code", b.code) for i, b in enumerate(bands)), "cohort band")
    return tuple(bands)


def _read_sourced_text(reader: _Reader, value: object, path: str) -> SourcedText:
    data = reader.mapping(value, path, _TEXT_KEYS)
    return SourcedText(
        text=reader.text(data, "text", path),
        verbatim=reader.flag(data, "verbatim", path),
        source=reader.source(data, path),
        note=reader.text(data, "note", path, required=False),
    )


def _read_criterion(reader: _Reader, value: object, path: str, number: int) -> Criterion:
    data = reader.mapping(value, path, _CRITERION_KEYS)
    code = reader.text(data, "code", path)
    if not re.fullmatch(rf"{number}\.[1-9][0-9]*", code):
        reader.fail(f"{path}.code", f"criterion code {code!r} must be '{number}.<n>' in benchmark {number}")
    return Criterion(
        code=code,
        text=reader.text(data, "text", path),
        verbatim=reader.flag(data, "verbatim", path),
        source=reader.source(data, path),
        note=reader.text(data, "note", path, required=False),
    )


@dataclass(frozen=True)
class _QuestionContext:
    criteria: tuple[str, ...]
    year_groups: tuple[str, ...]
    bands: tuple[str, ...]


def _read_answer_type(reader: _Reader, data: Mapping[str, Any], path: str) -> AnswerType:
    value = data.get("answer_type")
    try:
        return AnswerType(str(value))
    except ValueError:
        allowed = ", ".join(t.value for t in AnswerType)
        reader.fail(f"{path}.answer_type", f"unknown answer type {value!r} (allowed: {allowed})")


def _read_cohort_fields(
    reader: _Reader, data: Mapping[str, Any], path: str, context: _QuestionContext
) -> tuple[tuple[str, ...], str, str]:
    groups = reader.items(data, "year_groups", path)
    for i, group in enumerate(groups):
        if group not in context.year_groups:
            known = ", ".join(context.year_groups)
            reader.fail(f"{path}.year_groups[{i}]", f"unknown year group {group!r} (the file's year groups: {known})")
    if len(set(groups)) != len(groups):
        reader.fail(f"{path}.year_groups", "a year group is listed twice")
    met_at = reader.text(data, "met_at", path)
    if met_at not in context.bands:
        reader.fail(f"{path}.met_at", f"unknown cohort band {met_at!r} (bands: {', '.join(context.bands)})")
    if met_at == context.bands[0]:
        reader.fail(f"{path}.met_at", "the lowest band cannot count as met")
    return tuple(groups), reader.text(data, "population", path, required=False), met_at


def _read_question(reader: _Reader, value: object, path: str, context: _QuestionContext) -> Question:
    data = reader.mapping(value, path, _QUESTION_KEYS)
    code = reader.text(data, "code", path)
    criterion = reader.text(data, "criterion", path)
    if criterion not in context.criteria:
        known = ", ".join(context.criteria)
        reader.fail(
            f"{path}.criterion",
            f"question {code!r} points at unknown criterion {criterion!r} (this benchmark has {known})",
        )
    rest = code.removeprefix(criterion)
    if rest == code or not rest or rest[0].isdigit() or not re.fullmatch(r"[a-z0-9._]+", rest):
        reader.fail(f"{path}.code", f"question code {code!r} must be its criterion code {criterion!r} and a suffix")
    answer_type = _read_answer_type(reader, data, path)
    year_groups: tuple[str, ...] = ()
    population = met_at = ""
    if answer_type is AnswerType.COHORT_PERCENTAGE:
        year_groups, population, met_at = _read_cohort_fields(reader, data, path, context)
    else:
        for key in _COHORT_ONLY_KEYS:
            if key in data:
                reader.fail(f"{path}.{key}", f"only cohort_percentage questions have {key} (this is {answer_type})")
    stem = reader.text(data, "stem", path, required=False)
    if "stem_verbatim" in data and not stem:
        reader.fail(f"{path}.stem_verbatim", "there is no stem")
    return Question(
        code=code,
        criterion=criterion,
        text=reader.text(data, "text", path),
        verbatim=reader.flag(data, "verbatim", path),
        answer_type=answer_type,
        stem=stem,
        stem_verbatim=reader.flag(data, "stem_verbatim", path, default=False) if stem else False,
        source=reader.source(data, path),
        note=reader.text(data, "note", path, required=False),
        compass_ref=reader.text(data, "compass_ref", path, required=False),
        year_groups=year_groups,
        population=population,
        met_at=met_at,
    )


def _read_benchmark(reader: _Reader, value: object, path: str, context: _QuestionContext) -> Benchmark:
    data = reader.mapping(value, path, _BENCHMARK_KEYS)
    number = reader.integer(data, "number", path)
    if not 1 <= number <= BENCHMARK_COUNT:
        reader.fail(f"{path}.number", f"expected 1 to {BENCHMARK_COUNT}, got {number}")
    criteria = tuple(
        _read_criterion(reader, item, f"{path}.criteria[{i}]", number)
        for i, item in enumerate(reader.items(data, "criteria", path))
    )
    _unique(reader, ((f"{path}.criteria[{i}].code", c.code) for i, c in enumerate(criteria)), "criterion code")
    context = _QuestionContext(tuple(c.code for c in criteria), context.year_groups, context.bands)
    questions = tuple(
        _read_question(reader, item, f"{path}.questions[{i}]", context)
        for i, item in enumerate(reader.items(data, "questions", path))
    )
    for i, criterion in enumerate(criteria):
        if not any(q.criterion == criterion.code for q in questions):
            reader.fail(f"{path}.criteria[{i}]", f"criterion {criterion.code!r} has no question evidencing it")
    definitions = []
    for i, item in enumerate(reader.items(data, "definitions", path, required=False)):
        item_path = f"{path}.definitions[{i}]"
        definition = reader.mapping(item, item_path, _DEFINITION_KEYS)
        definitions.append(
            Definition(
                term=reader.text(definition, "term", item_path),
                text=reader.text(definition, "text", item_path),
                verbatim=reader.flag(definition, "verbatim", item_path),
                source=reader.source(definition, item_path),
                note=reader.text(definition, "note", item_path, required=False),
            )
        )
    return Benchmark(
        number=number,
        title=reader.text(data, "title", path),
        summary=_read_sourced_text(reader, data.get("summary"), f"{path}.summary"),
        criteria=criteria,
        questions=questions,
        definitions=tuple(definitions),
        title_note=reader.text(data, "title_note", path, required=False),
    )


def _read_benchmarks(reader: _Reader, raw: Mapping[str, Any], context: _QuestionContext) -> tuple[Benchmark, ...]:
    items = reader.items(raw, "benchmarks", "")
    benchmarks = tuple(_read_benchmark(reader, item, f"benchmarks[{i}]", context) for i, item in enumerate(items))
    _unique(reader, ((f"benchmarks[{i}].number", str(b.number)) for i, b in enumerate(benchmarks)), "benchmark number")
    numbers = [b.number for b in benchmarks]
    missing = sorted(set(range(1, BENCHMARK_COUNT + 1)) - set(numbers))
    if len(benchmarks) != BENCHMARK_COUNT or missing:
        detail = f"; missing benchmark {', '.join(map(str, missing))}" if missing else ""
        reader.fail("benchmarks", f"expected exactly {BENCHMARK_COUNT} benchmarks, got {len(benchmarks)}{detail}")
    if numbers != sorted(numbers):
        reader.fail("benchmarks", "benchmarks must be listed in order 1 to 8")
    questions = [
        (f"benchmarks[{i}].questions[{j}].code", q.code)
        for i, b in enumerate(benchmarks)
        for j, q in enumerate(b.questions)
    ]
    _unique(reader, questions, "question code")
    return benchmarks


def _read_applies_to(reader: _Reader, raw: Mapping[str, Any]) -> tuple[str, ...]:
    kinds = reader.items(raw, "applies_to", "")
    for i, kind in enumerate(kinds):
        if kind not in INSTITUTION_KINDS:
            reader.fail(
                f"applies_to[{i}]", f"unknown institution kind {kind!r} (kinds: {', '.join(INSTITUTION_KINDS)})"
            )
    _unique(reader, ((f"applies_to[{i}]", k) for i, k in enumerate(kinds)), "institution kind")
    return tuple(kinds)


def parse_framework(text: str, file_name: str) -> Framework:
    """Parse and validate the YAML text of a framework file called ``file_name``."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise FrameworkError(file_name, "", f"not valid YAML: {error}") from error
    reader = _Reader(file_name)
    raw = reader.mapping(raw, "", _FRAMEWORK_KEYS)
    reader = _Reader(file_name, (key for key, _ in _read_sources(reader, raw)))
    if type(raw["format"]) is not int or raw["format"] != FORMAT_VERSION:
        reader.fail("format", f"this loader reads format {FORMAT_VERSION}, got {_describe(raw['format'])}")
    code = reader.text(raw, "code", "")
    if not _CODE_PATTERN.match(code):
        reader.fail("code", f"{code!r} is not a framework code (lower-case letters, digits and hyphens)")
    if Path(file_name).stem != code:
        reader.fail("code", f"the file must be named after its code: expected {code}.yaml")
    variant = reader.text(raw, "variant", "")
    if variant not in VARIANTS:
        reader.fail("variant", f"unknown variant {variant!r} (variants: {', '.join(VARIANTS)})")
    valid_from, valid_to = reader.date(raw, "valid_from", ""), reader.date(raw, "valid_to", "")
    if valid_from and valid_to and valid_to < valid_from:
        reader.fail("valid_to", f"{valid_to} is before valid_from {valid_from}")
    year_groups = _read_year_groups(reader, raw)
    bands = _read_bands(reader, raw)
    context = _QuestionContext((), tuple(g.code for g in year_groups), tuple(b.code for b in bands))
    return Framework(
        code=code,
        version=reader.text(raw, "version", ""),
        version_label=reader.text(raw, "version_label", ""),
        title=reader.text(raw, "title", ""),
        variant=variant,
        applies_to=_read_applies_to(reader, raw),
        valid_from=valid_from,
        valid_to=valid_to,
        source=reader.text(raw, "source", ""),
        sources=_read_sources(reader, raw),
        texts_note=reader.text(raw, "texts_note", ""),
        counting_note=reader.text(raw, "counting_note", "", required=False),
        year_groups=year_groups,
        cohort_bands=bands,
        benchmarks=_read_benchmarks(reader, raw, context),
        file_name=file_name,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


def load_framework(path: Path) -> Framework:
    """Load and validate one framework file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FrameworkError(path.name, "", f"cannot read the file: {error}") from error
    return parse_framework(text, path.name)


# --- the set of frameworks ---------------------------------------------------------------------


def _ranges_overlap(a: Framework, b: Framework) -> bool:
    a_from = a.valid_from or datetime.date.min
    b_from = b.valid_from or datetime.date.min
    a_to = a.valid_to or datetime.date.max
    b_to = b.valid_to or datetime.date.max
    return a_from <= b_to and b_from <= a_to


def check_registry(frameworks: Sequence[Framework]) -> None:
    """Check a set of frameworks together: unique codes, and for every institution kind exactly
    one framework on any date from the first framework's start, with no overlap and no gap."""
    _unique(_Reader("frameworks"), ((f.file_name, f.code) for f in frameworks), "framework code")
    for kind in INSTITUTION_KINDS:
        applying = sorted(
            (f for f in frameworks if kind in f.applies_to), key=lambda f: f.valid_from or datetime.date.min
        )
        if not applying:
            raise FrameworkError("frameworks", "", f"no framework applies to institution kind {kind!r}")
        for earlier, later in itertools.pairwise(applying):
            if _ranges_overlap(earlier, later):
                raise FrameworkError(
                    later.file_name, "valid_from", f"overlaps {earlier.file_name} for institution kind {kind!r}"
                )
            if earlier.valid_to is None or later.valid_from != earlier.valid_to + datetime.timedelta(days=1):
                raise FrameworkError(
                    later.file_name,
                    "valid_from",
                    f"must be the day after {earlier.file_name} valid_to for institution kind {kind!r}",
                )


@lru_cache(maxsize=8)
def _load_directory(directory: Path) -> tuple[Framework, ...]:
    frameworks = tuple(load_framework(path) for path in sorted(directory.glob("*.yaml")))
    check_registry(frameworks)
    return frameworks


def available_frameworks(directory: Path | None = None) -> tuple[Framework, ...]:
    """Every framework file in ``directory`` (the shipped ``frameworks/`` by default), validated."""
    return _load_directory((directory or FRAMEWORKS_DIR).resolve())


def get_framework(code: str, directory: Path | None = None) -> Framework:
    for framework in available_frameworks(directory):
        if framework.code == code:
            return framework
    raise NoFrameworkError(f"no framework with code {code!r}")


def effective_kind(kind: str, override_kind: str | None = None) -> str:
    """The kind an institution is evaluated as: the careers leader's override, else its own kind."""
    chosen = override_kind or kind
    if chosen not in INSTITUTION_KINDS:
        raise ValueError(f"unknown institution kind {chosen!r} (kinds: {', '.join(INSTITUTION_KINDS)})")
    return chosen


def framework_for(
    kind: str,
    on: datetime.date,
    override_kind: str | None = None,
    *,
    frameworks: Sequence[Framework] | None = None,
) -> Framework:
    """The framework an institution of ``kind`` works to on ``on``.

    The 2014 frameworks apply before 1 September 2025 and the 2024 ones from then (as the data's
    ``valid_from``/``valid_to`` say). ``override_kind`` replaces ``kind`` when a careers leader
    has chosen another evaluation type.
    """
    chosen = effective_kind(kind, override_kind)
    if isinstance(on, datetime.datetime):
        raise TypeError("framework_for takes a date, not a datetime")
    matching = [f for f in (available_frameworks() if frameworks is None else frameworks) if f.applies(chosen, on)]
    if not matching:
        raise NoFrameworkError(f"no framework applies to {chosen!r} on {on.isoformat()}")
    if len(matching) > 1:
        codes = ", ".join(f.code for f in matching)
        raise NoFrameworkError(f"more than one framework applies to {chosen!r} on {on.isoformat()}: {codes}")
    return matching[0]
