"""The feedback forms' questions (from `data/feedback.yaml`), the signed one-time form token
that protects them, and the summaries of what people answered.

Protection against spam and repeats, none of which needs anything personal to be kept:

- a honeypot field people never see (filled: the answer is quietly dropped);
- a signed token issued with the form, carrying the time it was issued and a random nonce: a
  form sent back faster than `PROGRAMMES_FEEDBACK_MIN_SECONDS` is refused, a token older than a
  day has expired, and each nonce is stored with its answer, so one form cannot be sent twice;
- a signed cookie per link after a successful answer, so the same browser is told it has
  already answered;
- a rate limit per IP address in the cache (`PROGRAMMES_FEEDBACK_RATE`: answers per hour per
  address and link; the address as django-axes resolves it for the sign-in lock-out). It is
  generous, because a class answers from one school network.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core import signing
from django.core.cache import cache

from careershub.insight.suppression import SUPPRESSED, suppress_partition

DATA_FILE = Path(__file__).resolve().parent / "data" / "feedback.yaml"
SALT = "careershub.programmes.feedback"
TOKEN_MAX_AGE = 24 * 60 * 60


class FeedbackDataError(ValueError):
    pass


@dataclass(frozen=True)
class Option:
    code: str
    label: str


@dataclass(frozen=True)
class Statement:
    code: str
    text: str


@dataclass(frozen=True)
class Questionnaire:
    audience: str
    intro: str
    statements: tuple[Statement, ...]
    comment: str
    scale: tuple[Option, ...]


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FeedbackDataError(f"{DATA_FILE.name}: {where}: expected non-empty text")
    return value.strip()


def parse(raw: Any) -> dict[str, Questionnaire]:
    if not isinstance(raw, dict) or set(raw) != {"scale", "audiences"}:
        raise FeedbackDataError(f"{DATA_FILE.name}: expected the keys scale and audiences")
    scale = tuple(
        Option(_text(item.get("code"), f"scale[{i}].code"), _text(item.get("label"), f"scale[{i}].label"))
        for i, item in enumerate(raw["scale"])
    )
    result = {}
    for audience, spec in raw["audiences"].items():
        where = f"audiences.{audience}"
        statements = tuple(
            Statement(_text(s.get("code"), f"{where}.statements[{i}].code"), _text(s.get("text"), f"{where}.text"))
            for i, s in enumerate(spec.get("statements") or [])
        )
        if not statements:
            raise FeedbackDataError(f"{DATA_FILE.name}: {where}.statements: expected at least one")
        result[audience] = Questionnaire(
            audience, _text(spec.get("intro"), f"{where}.intro"), statements, _text(spec.get("comment"), where), scale
        )
    return result


@lru_cache(maxsize=1)
def questionnaires() -> dict[str, Questionnaire]:
    return parse(yaml.safe_load(DATA_FILE.read_text(encoding="utf-8")))


def questionnaire(audience: str) -> Questionnaire:
    return questionnaires()[audience]


# The one-time form token ----------------------------------------------------------------------


def issue_token(link_token: str, now: float | None = None) -> str:
    return signing.dumps(
        {"l": link_token, "n": secrets.token_urlsafe(12), "t": int(now if now is not None else time.time())},
        salt=SALT,
    )


class TokenProblem(ValueError):
    pass


def check_token(value: str, link_token: str, now: float | None = None) -> str:
    """The nonce of a valid token for this link, or TokenProblem with a message for the person."""
    now = now if now is not None else time.time()
    try:
        data = signing.loads(value, salt=SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise TokenProblem("This form has expired. Please fill it in again.") from exc
    except signing.BadSignature as exc:
        raise TokenProblem("This form could not be checked. Please fill it in again.") from exc
    if now - int(data.get("t", 0)) > TOKEN_MAX_AGE:
        raise TokenProblem("This form has expired. Please fill it in again.")
    if data.get("l") != link_token:
        raise TokenProblem("This form could not be checked. Please fill it in again.")
    if now - int(data["t"]) < min_seconds():
        raise TokenProblem("That was very quick. Please check your answers and send the form again.")
    return str(data["n"])


def min_seconds() -> int:
    return int(getattr(settings, "PROGRAMMES_FEEDBACK_MIN_SECONDS", 3))


def rate_limited(ip: str, link_token: str) -> bool:
    """Count one answer from `ip` for this link; True when it is over the hourly limit."""
    limit = int(getattr(settings, "PROGRAMMES_FEEDBACK_RATE", 60))
    key = f"programmes:feedback-rate:{link_token}:{ip}"
    cache.add(key, 0, timeout=60 * 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60 * 60)
        count = 1
    return count > limit


def cookie_name(link_token: str) -> str:
    return f"feedback-{link_token[:12]}"


# Summaries ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    label: str
    count: int | None  # None: withheld
    percentage: int | None

    @property
    def shown(self) -> str:
        return SUPPRESSED if self.count is None else str(self.count)


@dataclass(frozen=True)
class StatementSummary:
    statement: Statement
    answered: int | None
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class AudienceSummary:
    audience: str
    label: str
    responses: int | None  # None: withheld (fewer than the threshold)
    statements: tuple[StatementSummary, ...]
    comments: tuple[str, ...]  # only ever filled for the careers leader

    @property
    def withheld(self) -> bool:
        return self.responses is None


def summarise(
    audience: str, label: str, answers: Sequence[tuple[dict[str, str], str]], *, suppress: bool, with_comments: bool
) -> AudienceSummary:
    """Counts and percentages per statement and answer. With `suppress` (anything shown beyond
    the institution), fewer than 5 responses withholds the whole summary and small cells are
    withheld as in insight (primary and secondary suppression)."""
    spec = questionnaire(audience)
    total = len(answers)
    comments = tuple(c for _r, c in answers if c.strip()) if with_comments else ()
    if suppress and 0 < total < 5:
        return AudienceSummary(audience, label, None, (), ())
    rows = []
    for statement in spec.statements:
        counts = [sum(1 for ratings, _c in answers if ratings.get(statement.code) == o.code) for o in spec.scale]
        answered = sum(counts)
        decision = suppress_partition(counts) if suppress else None
        cells = []
        for index, (option, count) in enumerate(zip(spec.scale, counts, strict=True)):
            hidden = decision is not None and (index in decision.rows or decision.total)
            cells.append(
                Cell(
                    option.label,
                    None if hidden else count,
                    None if hidden or not answered else round(100 * count / answered),
                )
            )
        shown_answered = None if decision is not None and decision.total else answered
        rows.append(StatementSummary(statement, shown_answered, tuple(cells)))
    return AudienceSummary(audience, label, total, tuple(rows), comments)
