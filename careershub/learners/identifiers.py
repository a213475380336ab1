"""Pupil and learner identifiers: the UPN check letter and the ULN check digit. Pure functions.

UPN (Unique Pupil Number), DfE data standard: 13 characters. Character 1 is a check letter;
characters 2–13 are the LA number (3 digits), the establishment number (4), the last two digits
of the year of allocation (2) and a serial (3 digits; a *temporary* UPN has 2 digits and a
letter). The check letter: multiply the character in each position 2–13 by its position number
(2…13), add the products, take the remainder after dividing by 23 and look it up in
`UPN_ALPHABET` (0 → A … 22 → Z; I, O and S are never used). In a temporary UPN the letter in
position 13 counts as its index in the same alphabet. Worked example: `B801200005001` — digits
8,0,1,2,0,0,0,0,5,0,0,1 weighted 2…13 sum to 93; 93 mod 23 = 1 → B.
(shared/reference/domain.md, section 9.1, from the govtalk UPN v2.0 standard.) The weighting
matches the DfE school census check 1510 and its worked example as MIS suppliers publish it, and
python-stdnum's `stdnum.gb.upn` (tests/test_identifiers.py).

ULN (Unique Learner Number, Learning Records Service): 10 digits, the first not zero; the
digits weighted 10, 9, …, 1 add up to a number whose remainder after dividing by 11 is 10.
Worked example from HESA: 9276308686.
"""

from __future__ import annotations

import operator

UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"
_ULN_WEIGHTS = tuple(range(10, 0, -1))
_UPN_WEIGHTS = tuple(range(2, 13))


class IdentifierError(ValueError):
    """An identifier that is not valid; the message says why, for the person who typed it."""


def compact(value: str) -> str:
    """Upper case without spaces: what people type becomes what we store."""
    return "".join(str(value).split()).upper()


def upn_check_letter(body: str) -> str:
    """The check letter for the 12 characters after it (11 digits and a digit or a letter)."""
    if len(body) != 12 or not _digits(body[:11]):
        raise IdentifierError("A UPN has 12 characters after its check letter")
    # Characters 2 to 12 are digits (checked above), weighted by their position.
    total = sum(map(operator.mul, map(int, body[:11]), _UPN_WEIGHTS))
    last = body[11]
    if _digits(last):
        total += int(last) * 13
    elif last in UPN_ALPHABET:
        total += UPN_ALPHABET.index(last) * 13
    else:
        raise IdentifierError(f"'{last}' cannot be character 13 of a UPN")
    return UPN_ALPHABET[total % 23]


def _digits(text: str) -> bool:
    """Only the ASCII digits 0-9 (`str.isdigit` also takes '²', '٣' and the like, which int() and
    the check letter cannot use)."""
    return bool(text) and text.isascii() and text.isdigit()


def validate_upn(value: str) -> str:
    """The UPN in its stored form (upper case, no spaces), or IdentifierError saying what is wrong."""
    upn = compact(value)
    if len(upn) != 13:
        raise IdentifierError(f"A UPN has 13 characters; '{upn}' has {len(upn)}")
    if upn[0] not in UPN_ALPHABET:
        raise IdentifierError("A UPN starts with a check letter (A to Z, not I, O or S)")
    if not _digits(upn[1:12]):
        raise IdentifierError("Characters 2 to 12 of a UPN are digits")
    if not (_digits(upn[12]) or upn[12] in UPN_ALPHABET):
        raise IdentifierError("The last character of a UPN is a digit, or a letter other than I, O or S")
    expected = upn_check_letter(upn[1:])
    if upn[0] != expected:
        raise IdentifierError(f"The check letter of UPN '{upn}' should be {expected}: check it for a typing mistake")
    return upn


def is_temporary_upn(upn: str) -> bool:
    """A temporary UPN ends in a letter; it is replaced by a permanent one when that is known."""
    return len(upn) == 13 and upn[12].isalpha()


def uln_is_valid_checksum(digits: str) -> bool:
    return sum(int(d) * w for d, w in zip(digits, _ULN_WEIGHTS, strict=True)) % 11 == 10


def uln_check_digit(first_nine: str) -> str | None:
    """The tenth digit that makes a ULN valid, or None when no digit can (some prefixes have none)."""
    for candidate in "0123456789":
        if uln_is_valid_checksum(first_nine + candidate):
            return candidate
    return None


def validate_uln(value: str) -> str:
    uln = compact(value)
    if len(uln) != 10 or not _digits(uln):
        raise IdentifierError(f"A ULN has 10 digits; '{uln}' is not 10 digits")
    if uln[0] == "0":
        raise IdentifierError("A ULN does not start with 0")
    if not uln_is_valid_checksum(uln):
        raise IdentifierError(f"ULN '{uln}' fails its check: check it for a typing mistake")
    return uln


def make_upn(body: str) -> str:
    """A valid UPN from its 12 characters after the check letter (for tests and the demo)."""
    return upn_check_letter(body) + body
