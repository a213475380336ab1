"""The Risk of NEET Indicator (RONI) as pure functions: rules, flags, scores and RAG ratings.

Nothing here touches the database. A `Rule` is one catalogue indicator (loaded from
`data/indicators.yaml`); a `Scheme` is a configuration in force (which indicators are on, their
weights, the amber and red thresholds). A learner's values are a flat mapping whose keys are the
rule fields, e.g. ``{"learner.fsm": True, "factors.attendance_percent": 87.5}``; a missing or
``None`` value never raises a flag.

score = sum of the weights of the raised indicators that the scheme switches on;
RAG = red when score >= red threshold, amber when score >= amber threshold, else green.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CATALOGUE_FILE = Path(__file__).resolve().parent / "data" / "indicators.yaml"
RULES = ("true", "below", "at_least", "equals")
MAX_WEIGHT = 5
RED, AMBER, GREEN = "red", "amber", "green"
RAG_LABELS = {RED: "Red", AMBER: "Amber", GREEN: "Green"}


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    reason: str
    default_weight: int
    fields: tuple[str, ...]
    rule: str
    value: float | None = None
    values: tuple[str, ...] = ()
    description: str = ""

    def raised(self, values: Mapping[str, Any]) -> bool:
        """Whether this indicator applies to a learner with these values (any of its fields)."""
        for name in self.fields:
            value = values.get(name)
            if value is None or value == "":
                continue
            if self.rule == "true":
                hit = bool(value)
            elif self.rule == "below":
                hit = float(value) < self.value  # type: ignore[operator]
            elif self.rule == "at_least":
                hit = float(value) >= self.value  # type: ignore[operator]
            elif self.rule == "equals":
                hit = str(value) in self.values
            else:
                raise ValueError(f"Unknown rule {self.rule!r}")
            if hit:
                return True
        return False


@dataclass(frozen=True)
class Scheme:
    """A configuration in force: {indicator code: weight} for the indicators switched on."""

    weights: Mapping[str, int]
    amber: int
    red: int
    source: str = "The default indicator"

    def __post_init__(self) -> None:
        if not 0 < self.amber <= self.red:
            raise ValueError("The amber threshold must be above 0 and at most the red threshold")


def rule_from_data(data: Mapping[str, Any]) -> Rule:
    rule = str(data["rule"])
    if rule not in RULES:
        raise ValueError(f"Indicator {data.get('code')}: unknown rule {rule!r}")
    weight = int(data["default_weight"])
    if not 1 <= weight <= MAX_WEIGHT:
        raise ValueError(f"Indicator {data.get('code')}: weight {weight} is out of range")
    fields = tuple(str(f) for f in data["fields"])
    for name in fields:
        if not name.startswith(("learner.", "factors.")):
            raise ValueError(f"Indicator {data.get('code')}: field {name} is neither learner. nor factors.")
    value = data.get("value")
    if rule in ("below", "at_least") and value is None:
        raise ValueError(f"Indicator {data.get('code')}: rule {rule} needs a value")
    if rule == "equals" and not data.get("values"):
        raise ValueError(f"Indicator {data.get('code')}: rule equals needs values")
    return Rule(
        code=str(data["code"]),
        name=str(data["name"]),
        reason=str(data["reason"]),
        default_weight=weight,
        fields=fields,
        rule=rule,
        value=None if value is None else float(value),
        values=tuple(str(v) for v in data.get("values") or ()),
        description=str(data.get("description", "")),
    )


#: Parsed catalogue files by (path, modification time, size): YAML parsing took 10-30 ms, and the
#: learner import asks for the default thresholds at every step (`learner_import`).
_CATALOGUES: dict[tuple[Path, int, int], tuple[tuple[Rule, ...], tuple[tuple[str, int], ...]]] = {}


def load_catalogue(path: Path = CATALOGUE_FILE) -> tuple[list[Rule], dict[str, int]]:
    """The catalogue file's rules, in order, and its default thresholds {"amber": n, "red": n}.

    Read again whenever the file changes; otherwise a fresh list and dict of the parsed ones
    (rules are frozen)."""
    stat = path.stat()
    key = (path, stat.st_mtime_ns, stat.st_size)
    if key not in _CATALOGUES:
        rules, thresholds = _read_catalogue(path)
        _CATALOGUES[key] = (tuple(rules), tuple(thresholds.items()))
    rules_kept, thresholds_kept = _CATALOGUES[key]
    return list(rules_kept), dict(thresholds_kept)


def _read_catalogue(path: Path) -> tuple[list[Rule], dict[str, int]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rules = [rule_from_data(item) for item in data["indicators"]]
    codes = [r.code for r in rules]
    if len(set(codes)) != len(codes):
        raise ValueError("Indicator codes must be unique")
    return rules, {"amber": int(data["thresholds"]["amber"]), "red": int(data["thresholds"]["red"])}


def default_scheme(rules: Iterable[Rule], thresholds: Mapping[str, int]) -> Scheme:
    return Scheme(weights={r.code: r.default_weight for r in rules}, amber=thresholds["amber"], red=thresholds["red"])


def raised_flags(rules: Iterable[Rule], scheme: Scheme, values: Mapping[str, Any]) -> list[Rule]:
    """The switched-on indicators this learner raises, in catalogue order."""
    return [r for r in rules if r.code in scheme.weights and r.raised(values)]


def score(raised: Iterable[str], weights: Mapping[str, int]) -> int:
    """The sum of the weights of the raised indicators that are switched on."""
    return sum(weights.get(code, 0) for code in set(raised))


def rag(points: int, *, amber: int, red: int) -> str:
    if points >= red:
        return RED
    if points >= amber:
        return AMBER
    return GREEN


def fields_needed(rules: Iterable[Rule], switched_on: Iterable[str]) -> set[str]:
    """The risk-factor fields (without the ``factors.`` prefix) that switched-on indicators read."""
    on = set(switched_on)
    return {name.split(".", 1)[1] for r in rules if r.code in on for name in r.fields if name.startswith("factors.")}


def factor_fields(rules: Iterable[Rule]) -> set[str]:
    return {name.split(".", 1)[1] for r in rules for name in r.fields if name.startswith("factors.")}
