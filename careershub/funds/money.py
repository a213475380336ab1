"""Money as exact integer pence: parsing what people type, showing amounts, and the sums.

Amounts are never floats. A typed amount ("£1,000", "12.5", "0.99") is read with `Decimal`
and must have at most two decimal places; it is held and stored as a whole number of pence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

#: The largest amount accepted anywhere: £100 million.
MAX_PENCE = 100_000_000 * 100

_AMOUNT = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")


class AmountError(ValueError):
    """An amount that cannot be read, with a message for the user."""


def pence_from_text(text: str) -> int:
    """Pence from what a person typed: digits with an optional £, commas and up to 2 decimals."""
    cleaned = str(text).strip().replace(",", "").replace(" ", "")
    if cleaned.startswith("£"):
        cleaned = cleaned[1:]
    if not cleaned:
        raise AmountError("Enter an amount")
    if cleaned.startswith("-"):
        raise AmountError("The amount must not be negative")
    if not _AMOUNT.match(cleaned):
        raise AmountError("Enter the amount in pounds and pence, like 250 or 99.50")
    try:
        pence = int(Decimal(cleaned) * 100)
    except InvalidOperation as exc:  # pragma: no cover - the pattern excludes this
        raise AmountError("Enter the amount in pounds and pence, like 250 or 99.50") from exc
    if pence > MAX_PENCE:
        raise AmountError("The amount must be £100,000,000 or less")
    return pence


def pounds(pence: int) -> Decimal:
    """The exact amount in pounds as a Decimal with two places (for exports)."""
    return (Decimal(pence) / 100).quantize(Decimal("0.01"))


def format_pence(pence: int | None) -> str:
    """£1,234.50 (negative amounts as −£12.00)."""
    if pence is None:
        return ""
    sign = "−" if pence < 0 else ""
    whole, part = divmod(abs(int(pence)), 100)
    return f"{sign}£{whole:,}.{part:02d}"


def plain_pence(pence: int) -> str:
    """1234.50: the amount as it is typed into a form."""
    whole, part = divmod(int(pence), 100)
    return f"{whole}.{part:02d}"


def total(amounts: Iterable[int]) -> int:
    return sum((int(a) for a in amounts), 0)


def headroom(limit: int, used: Iterable[int]) -> int:
    """How much of `limit` is left after `used` (negative when over)."""
    return int(limit) - total(used)


def fits(limit: int, used: Iterable[int], extra: int) -> bool:
    """Whether `extra` more can be committed without exceeding `limit`."""
    return extra > 0 and extra <= headroom(limit, used)
