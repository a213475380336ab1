"""Maturity models for the internal leadership review, as versioned YAML reference data.

Each file in ``maturity/`` is one version. A file must say ``derived: true`` with a note while its
names are not the official ones. A broken file fails loudly with the file name and the item.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

MATURITY_DIR = Path(__file__).resolve().parent / "maturity"


class MaturityModelError(ValueError):
    pass


@dataclass(frozen=True)
class Choice:
    code: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class Theme:
    code: str
    label: str
    benchmarks: tuple[int, ...]


@dataclass(frozen=True)
class MaturityModel:
    code: str
    title: str
    derived: bool
    derived_note: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    levels: tuple[Choice, ...]
    taking_part: tuple[Choice, ...]
    themes: tuple[Theme, ...]

    def level_label(self, code: str) -> str:
        return next((level.label for level in self.levels if level.code == code), "Not given")

    def in_force_on(self, on: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)


def _choices(raw: Any, file: str, key: str) -> tuple[Choice, ...]:
    if not isinstance(raw, list) or not raw:
        raise MaturityModelError(f"{file}: {key}: a non-empty list is required")
    result = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not item.get("code") or not item.get("label"):
            raise MaturityModelError(f"{file}: {key}[{index}]: needs a code and a label")
        result.append(Choice(str(item["code"]), str(item["label"]), str(item.get("description", ""))))
    if len({c.code for c in result}) != len(result):
        raise MaturityModelError(f"{file}: {key}: codes must be unique")
    return tuple(result)


def parse_model(text: str, file: str) -> MaturityModel:
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict) or raw.get("format") != 1:
        raise MaturityModelError(f"{file}: format 1 is required")
    if raw.get("derived") is not True or not str(raw.get("derived_note", "")).strip():
        raise MaturityModelError(f"{file}: derived: true and a derived_note are required (the names are not official)")
    themes = []
    for index, item in enumerate(raw.get("themes") or []):
        benchmarks = item.get("benchmarks") if isinstance(item, dict) else None
        if not isinstance(benchmarks, list) or not all(isinstance(b, int) and 1 <= b <= 8 for b in benchmarks):
            raise MaturityModelError(f"{file}: themes[{index}].benchmarks: a list of benchmark numbers 1-8 is required")
        themes.append(Theme(str(item["code"]), str(item["label"]), tuple(benchmarks)))
    if not themes:
        raise MaturityModelError(f"{file}: themes: a non-empty list is required")
    covered = {b for t in themes for b in t.benchmarks}
    if covered != set(range(1, 9)):
        raise MaturityModelError(f"{file}: themes: every benchmark 1-8 must belong to a theme")
    return MaturityModel(
        code=str(raw["code"]),
        title=str(raw["title"]),
        derived=True,
        derived_note=str(raw["derived_note"]).strip(),
        valid_from=raw.get("valid_from"),
        valid_to=raw.get("valid_to"),
        levels=_choices(raw.get("levels"), file, "levels"),
        taking_part=_choices(raw.get("taking_part"), file, "taking_part"),
        themes=tuple(themes),
    )


@lru_cache(maxsize=8)
def available_models() -> tuple[MaturityModel, ...]:
    return tuple(parse_model(path.read_text("utf-8"), path.name) for path in sorted(MATURITY_DIR.glob("*.yaml")))


def get_model(code: str) -> MaturityModel:
    for model in available_models():
        if model.code == code:
            return model
    raise KeyError(code)


def model_for(on: datetime.date) -> MaturityModel:
    models = [m for m in available_models() if m.in_force_on(on)]
    if not models:
        return available_models()[-1]
    return models[-1]
