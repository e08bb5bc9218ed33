"""ISBT 128 DINs, tested from clinical reference §7 (UK Red Book, Annex 2 example)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scarclinic.clinical.isbt128 import (
    CHECK_ALPHABET,
    DIN_ALPHABET,
    Din,
    check_character,
    format_din,
    make_din,
    parse_din,
)

ALNUM = st.sampled_from(DIN_ALPHABET)
facilities = st.text(ALNUM, min_size=5, max_size=5)
dins = st.builds(
    lambda f, y, s: f"{f}{y:02d}{s:06d}",
    facilities,
    st.integers(0, 99),
    st.integers(1, 999_999),
)


def test_the_published_example_has_check_character_h() -> None:
    assert check_character("G123498654321") == "H"


def test_a_din_is_made_of_facility_year_and_sequence() -> None:
    assert make_din("G1234", 2098, 654321) == "G123498654321"
    assert make_din("A9999", 2026, 7) == "A999926000007"


@pytest.mark.parametrize(
    ("facility", "year", "sequence", "message"),
    [
        ("G123", 2026, 1, "5 characters"),
        ("g1234", 2026, 1, "5 characters"),
        ("G1234", 26, 1, "four-digit year"),
        ("G1234", 2026, 0, "from 1 to 999999"),
        ("G1234", 2026, 1_000_000, "from 1 to 999999"),
    ],
)
def test_make_din_refuses_impossible_parts(
    facility: str, year: int, sequence: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make_din(facility, year, sequence)


@pytest.mark.parametrize(
    "text",
    [
        "G1234 98 654321 00 H",
        "G123498654321H",
        "G123498654321",
        "G123498654321 00",
        "  g1234 98 654321  ",
        "=G12349865432100",
        "=G123498654321",
    ],
)
def test_every_written_and_scanned_form_reads_as_the_same_din(text: str) -> None:
    din = parse_din(text)
    assert (din.facility, din.year, din.sequence) == ("G1234", 98, 654321)
    assert din.din == "G123498654321"
    assert din.check_character == "H"


def test_the_parts_read_include_the_flags_and_the_check_character_when_given() -> None:
    assert parse_din("G1234 98 654321 07 H") == Din("G1234", 98, 654321, "07", "H")
    assert parse_din("=G12349865432107") == Din("G1234", 98, 654321, "07", None)


def test_a_wrong_check_character_is_refused_with_the_expected_one_named() -> None:
    with pytest.raises(ValueError, match="check character H, not J"):
        parse_din("G1234 98 654321 00 J")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("G1234 98 65432", "13 or 14 or 15 or 16 characters"),
        ("=G1234986543210", "13 or 15 characters"),
        ("G12#498654321", "not allowed in a DIN"),
        ("G1234AB654321", "are digits"),
        ("G1234 98 654321 0_ H", "not allowed|not digits"),
        ("", "No DIN"),
    ],
)
def test_bad_dins_are_refused_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_din(text)


def test_the_eye_readable_form_spaces_the_parts_and_ends_with_the_check_character() -> None:
    din = parse_din("G123498654321")
    assert din.eye_readable() == "G1234 98 654321 00 H"
    assert din.barcode_data() == "=G12349865432100"


@settings(max_examples=300)
@given(dins, st.data())
def test_any_single_substitution_changes_the_check_character(din: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(din) - 1))
    allowed = DIN_ALPHABET if position < 5 else "0123456789"
    other = data.draw(st.sampled_from([c for c in allowed if c != din[position]]))
    changed = din[:position] + other + din[position + 1 :]
    assert check_character(changed) != check_character(din)


@settings(max_examples=300)
@given(dins, st.data())
def test_any_adjacent_transposition_changes_the_check_character(
    din: str, data: st.DataObject
) -> None:
    position = data.draw(st.integers(0, len(din) - 2))
    a, b = din[position], din[position + 1]
    swapped = din[:position] + b + a + din[position + 2 :]
    if a == b:
        assert swapped == din
    else:
        assert check_character(swapped) != check_character(din)


@settings(max_examples=300)
@given(
    facilities,
    st.integers(0, 99),
    st.integers(1, 999_999),
    st.text(st.sampled_from(DIN_ALPHABET), min_size=2, max_size=2),
)
def test_parsing_the_formatted_din_gives_it_back(
    facility: str, year: int, sequence: int, flags: str
) -> None:
    original = Din(facility, year, sequence, flags, None)
    original = Din(facility, year, sequence, flags, original.check_character)
    assert parse_din(format_din(original)) == original
    assert parse_din(original.barcode_data()) == Din(facility, year, sequence, flags, None)


@given(dins)
def test_the_check_character_is_always_one_of_the_37(din: str) -> None:
    assert check_character(din) in CHECK_ALPHABET
