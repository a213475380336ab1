"""Small, valid framework documents for tests to break one piece at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

BANDS: list[dict[str, Any]] = [
    {"code": "0", "label": "0%", "lowest": 0, "highest": 0},
    {"code": "1-49", "label": "1–49%", "lowest": 1, "highest": 49},
    {"code": "50-99", "label": "50–99%", "lowest": 50, "highest": 99},
    {"code": "100", "label": "100%", "lowest": 100, "highest": 100},
]


def benchmark(number: int) -> dict[str, Any]:
    """Benchmark ``number`` with one criterion and one yes/no question (a cohort one for benchmark 5)."""
    question: dict[str, Any] = {
        "code": f"{number}.1a",
        "criterion": f"{number}.1",
        "text": f"Question for benchmark {number}?",
        "verbatim": False,
        "answer_type": "yes_no",
    }
    if number == 5:
        question.update(answer_type="cohort_percentage", year_groups=["Y7"], met_at="100")
    return {
        "number": number,
        "title": f"Benchmark {number}",
        "summary": {"text": f"Summary {number}.", "verbatim": True},
        "criteria": [{"code": f"{number}.1", "text": f"Criterion {number}.1.", "verbatim": True}],
        "questions": [question],
    }


def framework_document(code: str = "test-framework", **changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "format": 1,
        "code": code,
        "version": "2099",
        "version_label": "Test version",
        "title": "Test framework",
        "variant": "schools",
        "applies_to": ["mainstream_school"],
        "valid_from": None,
        "valid_to": None,
        "source": "A test.",
        "sources": {"test_source": "A test source."},
        "texts_note": "Test texts.",
        "year_groups": [{"code": "Y7", "label": "Year 7"}, {"code": "Y8", "label": "Year 8"}],
        "cohort_bands": [dict(band) for band in BANDS],
        "benchmarks": [benchmark(n) for n in range(1, 9)],
    }
    document.update(changes)
    return document


def write(directory: Path, document: dict[str, Any], file_name: str | None = None) -> Path:
    path = directory / (file_name or f"{document['code']}.yaml")
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
