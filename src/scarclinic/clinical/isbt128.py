"""ISBT 128 donation identification numbers (DINs): make one, compute its check character,
and read one back from what a scanner or a person types.

Layout and check character from clinical reference §7 (ICCBBA's ISBT 128 standard; published
example in the UK Red Book, Annex 2):

- a DIN is 13 characters: facility identification number (5, assigned by ICCBBA) + year
  (2 digits) + sequence number (6 digits);
- 2 flag characters follow it; they are not part of the check;
- in eye-readable text the check character follows, boxed; in a barcode the DIN is preceded
  by the data identifier ``=`` and carries no check character;
- the check character is ISO/IEC 7064 MOD 37-2 over the 13 characters.

Only the algorithm and the layout are here: ISBT 128 is licensed, and its code tables are
loaded by each clinic from its own licence (clinical reference §7).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ISO/IEC 7064 MOD 37-2 character values (clinical reference §7): 0-9 -> 0-9, A-Z -> 10-35,
# and "*" -> 36, which only ever appears as a check character.
CHECK_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
DIN_ALPHABET = CHECK_ALPHABET[:36]
MODULUS = 37
DIN_LENGTH = 13
FACILITY_LENGTH = 5
FLAG_LENGTH = 2
BARCODE_IDENTIFIER = "="
DEFAULT_FLAGS = "00"

_FACILITY = re.compile(r"^[0-9A-Z]{5}$")
_FLAGS = re.compile(r"^[0-9A-Z]{2}$")


def _value(char: str, position: int) -> int:
    index = DIN_ALPHABET.find(char)
    if len(char) != 1 or index < 0:
        raise ValueError(
            f"Character {char!r} at position {position} is not allowed in a DIN "
            "(digits 0-9 and capital letters A-Z only)"
        )
    return index


def check_character(din: str) -> str:
    """The ISO/IEC 7064 MOD 37-2 check character of a 13-character DIN (clinical reference §7).

    >>> check_character("G123498654321")
    'H'
    """
    if len(din) != DIN_LENGTH:
        raise ValueError(f"A DIN has {DIN_LENGTH} characters; {din!r} has {len(din)}")
    p = 0
    for position, char in enumerate(din, start=1):
        p = ((p + _value(char, position)) * 2) % MODULUS
    return CHECK_ALPHABET[(MODULUS + 1 - p) % MODULUS]


def make_din(facility: str, year: int, sequence: int) -> str:
    """The 13-character DIN for a facility, a year (e.g. 2026) and a sequence number."""
    if not isinstance(facility, str) or not _FACILITY.match(facility):
        raise ValueError(
            "The facility identification number is 5 characters, digits and capital letters "
            f"(got {facility!r})"
        )
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2099:
        raise ValueError(f"The year must be a four-digit year from 2000 to 2099 (got {year!r})")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 1 <= sequence <= 999_999:
        raise ValueError(f"The sequence number must be from 1 to 999999 (got {sequence!r})")
    return f"{facility}{year % 100:02d}{sequence:06d}"


@dataclass(frozen=True)
class Din:
    """A DIN taken apart. ``flags`` and ``check`` are None when the text did not carry them;
    a check character, when present, has been verified."""

    facility: str
    year: int  # two digits as written on the label, e.g. 26
    sequence: int
    flags: str | None = None
    check: str | None = None

    @property
    def din(self) -> str:
        """The 13 characters the check character is computed over."""
        return f"{self.facility}{self.year:02d}{self.sequence:06d}"

    @property
    def check_character(self) -> str:
        return check_character(self.din)

    def eye_readable(self) -> str:
        """'G1234 98 654321 00 H': spaced DIN, flags, then the check character (boxed on a
        label)."""
        flags = self.flags if self.flags is not None else DEFAULT_FLAGS
        return f"{self.facility} {self.year:02d} {self.sequence:06d} {flags} {self.check_character}"

    def barcode_data(self) -> str:
        """What a Code 128 symbol of the DIN carries: '=' + DIN + flags, no check character."""
        flags = self.flags if self.flags is not None else DEFAULT_FLAGS
        return f"{BARCODE_IDENTIFIER}{self.din}{flags}"


def format_din(din: Din) -> str:
    """The eye-readable form of a DIN, as :func:`parse_din` reads it back."""
    return din.eye_readable()


def parse_din(text: str) -> Din:
    """Read a DIN as typed or scanned.

    Accepts the eye-readable form, with or without the flag characters and the check
    character, spaces ignored ('G1234 98 654321 00 H', 'G123498654321H', 'G123498654321'),
    and the barcode form with its data identifier ('=G12349865432100', flags optional).
    Raises ValueError saying what is wrong: a wrong length, a character outside the set, or a
    check character that does not match.
    """
    if not isinstance(text, str):
        raise ValueError("A DIN is text")
    compact = "".join(text.split()).upper()
    if not compact:
        raise ValueError("No DIN was given")
    barcode = compact.startswith(BARCODE_IDENTIFIER)
    body = compact[1:] if barcode else compact
    lengths = (
        {DIN_LENGTH: (False, False), DIN_LENGTH + FLAG_LENGTH: (True, False)}
        if barcode
        else {
            DIN_LENGTH: (False, False),
            DIN_LENGTH + 1: (False, True),
            DIN_LENGTH + FLAG_LENGTH: (True, False),
            DIN_LENGTH + FLAG_LENGTH + 1: (True, True),
        }
    )
    if len(body) not in lengths:
        expected = " or ".join(str(n) for n in sorted(lengths))
        form = "barcode (after '=')" if barcode else "eye-readable"
        raise ValueError(
            f"A DIN in {form} form has {expected} characters without spaces; {len(body)} were given"
        )
    has_flags, has_check = lengths[len(body)]
    din = body[:DIN_LENGTH]
    for position, char in enumerate(din, start=1):
        _value(char, position)
    if not din[FACILITY_LENGTH:].isdigit():
        raise ValueError("The year and sequence number of a DIN (characters 6-13) are digits")
    flags = body[DIN_LENGTH : DIN_LENGTH + FLAG_LENGTH] if has_flags else None
    if flags is not None and not _FLAGS.match(flags):
        raise ValueError(f"The flag characters {flags!r} are not digits or capital letters")
    check = body[-1] if has_check else None
    expected_check = check_character(din)
    if check is not None:
        if check not in CHECK_ALPHABET:
            raise ValueError(f"The check character {check!r} is outside the ISBT 128 set")
        if check != expected_check:
            raise ValueError(
                f"Wrong check character: {din} has check character {expected_check}, "
                f"not {check}. The DIN was mistyped or misread."
            )
    return Din(
        facility=din[:FACILITY_LENGTH],
        year=int(din[FACILITY_LENGTH : FACILITY_LENGTH + 2]),
        sequence=int(din[FACILITY_LENGTH + 2 :]),
        flags=flags,
        check=check,
    )
