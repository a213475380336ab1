from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from careershub.learners import identifiers
from careershub.learners.identifiers import IdentifierError

digits = st.text(alphabet="0123456789", min_size=11, max_size=11)
last = st.sampled_from(list("0123456789" + identifiers.UPN_ALPHABET))


def test_worked_example_from_the_standard() -> None:
    assert identifiers.upn_check_letter("801200005001") == "B"
    assert identifiers.validate_upn("b801200005001") == "B801200005001"
    assert identifiers.validate_upn(" B8012 0000 5001 ") == "B801200005001"


def test_published_census_example_uses_the_same_weights() -> None:
    """The DfE school census check 1510 ("UPN invalid (wrong check letter at character 1)"), as
    MIS suppliers' help pages reproduce it (Arbor, Pupil Asset): "multiply the second digit by 2
    etc.", with digit 13 of a temporary UPN valued by its place in A=0 … Z=22 (no I, O, S), and
    the worked example B207000016049 with the terms (2x2)+(4x7)+(9x1)+(10x6)+(12x4)+(13x9).

    Those terms are exactly position × digit for positions 2–13, the weighting used here (and in
    the govtalk UPN v2.0 standard quoted in domain.md, which has no worked example). The published
    example then adds them up to 267 and answers Q; the terms add up to 266, which leaves 13, the
    remainder the example itself states, and 13 is P in its own table: the example has an
    addition slip. The correct UPN is P207000016049 (python-stdnum agrees: see below).
    """
    body = "207000016049"
    terms = [(position, int(char)) for position, char in enumerate(body, start=2) if char != "0"]
    assert terms == [(2, 2), (4, 7), (9, 1), (10, 6), (12, 4), (13, 9)]
    assert sum(p * d for p, d in terms) == 266 and 266 % 23 == 13 and identifiers.UPN_ALPHABET[13] == "P"
    assert identifiers.upn_check_letter(body) == "P"
    assert identifiers.validate_upn("P207000016049") == "P207000016049"
    with pytest.raises(IdentifierError, match="should be P"):
        identifiers.validate_upn("B207000016049")


@given(digits, last)
def test_check_letter_agrees_with_python_stdnum(body: str, final: str) -> None:
    """An independent, well-kept implementation of the same standard (stdnum.gb.upn)."""
    from stdnum.gb import upn as stdnum_upn

    assert identifiers.upn_check_letter(body + final) == stdnum_upn.calc_check_digit(body + final)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("A801200005001", "check letter"),
        ("B80120000500", "13 characters"),
        ("I801200005001", "check letter (A to Z"),
        ("B80120000A001", "digits"),
        ("B80120000500I", "last character"),
    ],
)
def test_invalid_upns_say_why(value: str, reason: str) -> None:
    with pytest.raises(IdentifierError, match=reason.replace("(", r"\(")):
        identifiers.validate_upn(value)


@given(digits, last)
def test_every_generated_upn_is_valid_and_round_trips(body: str, final: str) -> None:
    upn = identifiers.make_upn(body + final)
    assert identifiers.validate_upn(upn.lower()) == upn
    assert identifiers.is_temporary_upn(upn) == final.isalpha()
    assert upn[0] not in "IOS"


@given(digits, last, st.integers(min_value=1, max_value=11), st.integers(min_value=1, max_value=9))
def test_a_changed_digit_is_caught(body: str, final: str, position: int, delta: int) -> None:
    upn = identifiers.make_upn(body + final)
    changed = int(upn[position]) + delta
    if changed > 9:
        changed -= 10
    altered = upn[:position] + str(changed) + upn[position + 1 :]
    # Weights 2..12 are all coprime with 23, so any single-digit change moves the check letter.
    with pytest.raises(IdentifierError):
        identifiers.validate_upn(altered)


def test_temporary_upn() -> None:
    upn = identifiers.make_upn("80120000501A")
    assert identifiers.is_temporary_upn(upn)
    assert identifiers.validate_upn(upn) == upn


def test_uln_worked_example() -> None:
    assert identifiers.validate_uln("9276308686") == "9276308686"
    assert identifiers.uln_check_digit("927630868") == "6"
    with pytest.raises(IdentifierError, match="fails its check"):
        identifiers.validate_uln("9276308687")
    with pytest.raises(IdentifierError, match="start with 0"):
        identifiers.validate_uln("0276308686")
    with pytest.raises(IdentifierError, match="10 digits"):
        identifiers.validate_uln("92763086")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda s: s[0] != "0"))
def test_uln_check_digit_property(first_nine: str) -> None:
    check = identifiers.uln_check_digit(first_nine)
    if check is None:
        # No tenth digit satisfies the rule (it would need to be 10): no valid ULN has this prefix.
        assert not any(identifiers.uln_is_valid_checksum(first_nine + d) for d in "0123456789")
        return
    uln = first_nine + check
    assert identifiers.validate_uln(uln) == uln
    others = [first_nine + d for d in "0123456789" if d != check]
    assert not any(identifiers.uln_is_valid_checksum(o) for o in others)


@given(st.text(alphabet="123456789", min_size=10, max_size=10))
def test_uln_single_digit_changes_are_caught(uln: str) -> None:
    if not identifiers.uln_is_valid_checksum(uln):
        return
    for position in range(10):
        for digit in "0123456789":
            if digit != uln[position]:
                assert not identifiers.uln_is_valid_checksum(uln[:position] + digit + uln[position + 1 :])


@given(st.text(min_size=1, max_size=14))
def test_any_text_is_either_a_valid_identifier_or_refused_with_a_reason(value: str) -> None:
    """Nothing but IdentifierError comes out, whatever is typed: digits beyond ASCII ('²', '٣')
    are refused, not passed to int()."""
    for validate in (identifiers.validate_upn, identifiers.validate_uln):
        try:
            validate(value)
        except IdentifierError as error:
            assert str(error)


def test_superscript_and_arabic_digits_are_refused() -> None:
    with pytest.raises(IdentifierError, match="last character"):
        identifiers.validate_upn("A82101800102²")
    with pytest.raises(IdentifierError):
        identifiers.validate_upn("A8210180010٣2")
    with pytest.raises(IdentifierError):
        identifiers.validate_uln("999999999٣")
