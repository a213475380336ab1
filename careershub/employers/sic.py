"""SIC 2007 reference data (sections and 5-digit codes) from `data/` (see its README)."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@lru_cache(maxsize=1)
def sections() -> dict[str, str]:
    """{section letter: description}, A to U."""
    with (DATA / "sic2007_sections_govsic.csv").open(encoding="utf-8", newline="") as handle:
        return {row["section"]: row["description"] for row in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def _ranges() -> list[tuple[int, int, str]]:
    with (DATA / "sic2007_sections_govsic.csv").open(encoding="utf-8", newline="") as handle:
        return [(int(row["code_from"]), int(row["code_to"]), row["section"]) for row in csv.DictReader(handle)]


@lru_cache(maxsize=1)
def codes() -> dict[str, str]:
    """{5-digit code: description} from the Companies House condensed list."""
    with (DATA / "sic2007_companies_house_condensed_list.csv").open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["description"] for row in csv.DictReader(handle)}


def section_of(code: str) -> str:
    """The section letter whose code range holds `code` ('' when none does)."""
    if not code.isdigit():
        return ""
    number = int(code)
    for low, high, letter in _ranges():
        if low <= number <= high:
            return letter
    return ""


def section_choices() -> list[tuple[str, str]]:
    return [(letter, f"{letter}: {text}") for letter, text in sections().items()]
