"""Property tests of the money arithmetic: exact pence, no floats, no rounding drift."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from careershub.funds.money import (
    MAX_PENCE,
    AmountError,
    fits,
    format_pence,
    headroom,
    pence_from_text,
    plain_pence,
    pounds,
    total,
)

amounts = st.integers(min_value=0, max_value=MAX_PENCE)


@given(amounts)
def test_typed_amount_round_trips_exactly(pence: int) -> None:
    assert pence_from_text(plain_pence(pence)) == pence
    assert pence_from_text(format_pence(pence)) == pence  # "£1,234.56" is accepted as typed


@given(amounts)
def test_pounds_are_exact_decimals(pence: int) -> None:
    value = pounds(pence)
    assert isinstance(value, Decimal)
    assert value * 100 == pence
    assert value.as_tuple().exponent == -2


@given(st.integers(min_value=0, max_value=MAX_PENCE // 100 - 1), st.integers(min_value=0, max_value=99))
def test_one_or_two_decimal_places(whole: int, part: int) -> None:
    assert pence_from_text(f"{whole}.{part:02d}") == whole * 100 + part
    if part % 10 == 0:
        assert pence_from_text(f"{whole}.{part // 10}") == whole * 100 + part


@pytest.mark.parametrize("text", ["", "abc", "١٢", "1.234", "1e3", "-5", "£-5", "1,00.0.0", "NaN", "Infinity", "0x10"])
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(AmountError):
        pence_from_text(text)


def test_too_large_is_refused() -> None:
    with pytest.raises(AmountError, match="100,000,000"):
        pence_from_text(plain_pence(MAX_PENCE + 1))


@given(amounts, st.lists(st.integers(min_value=1, max_value=10**8), max_size=30))
def test_accepting_only_what_fits_never_exceeds_the_limit(limit: int, requests: list[int]) -> None:
    accepted: list[int] = []
    for amount in requests:
        if fits(limit, accepted, amount):
            accepted.append(amount)
        assert total(accepted) <= limit
        assert headroom(limit, accepted) == limit - sum(accepted)
    # whatever was refused really would not have fitted when it was asked for
    remaining = headroom(limit, accepted)
    assert remaining >= 0


@given(amounts, amounts)
def test_fits_exactly_up_to_the_headroom(limit: int, used: int) -> None:
    left = headroom(limit, [used])
    if left > 0:
        assert fits(limit, [used], left)
    assert not fits(limit, [used], left + 1)
    assert not fits(limit, [used], 0)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_format_pence_shape(pence: int) -> None:
    text = format_pence(pence)
    assert text.lstrip("−").startswith("£")
    assert text.endswith(f"{abs(pence) % 100:02d}")
