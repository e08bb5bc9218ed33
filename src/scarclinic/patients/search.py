"""Normalising names and phone numbers for indexed search, and reading a search query."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings

from scarclinic.validation import strip_control_characters


def normalise_name(text: str) -> str:
    """Case- and accent-insensitive form of a name: 'Zoë  Ahmed' -> 'zoe ahmed'."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def phone_digits(phone: str, country_code: str | None = None) -> str:
    """The national significant number: digits without the international prefix, the
    clinic's country code or the trunk 0, so '+92 300 1234567', '0092 300 1234567' and
    '0300-1234567' all read '3001234567' and one prefix index serves every way of typing."""
    if country_code is None:
        country_code = settings.PHONE_COUNTRY_CODE
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("00"):
        digits = digits[2:]
    elif phone.strip().startswith("+"):
        pass
    else:
        return digits.lstrip("0")
    if country_code and digits.startswith(country_code):
        digits = digits[len(country_code) :]
    return digits.lstrip("0")


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")


@dataclass(frozen=True)
class PatientQuery:
    """A search box entry read as what it most likely is."""

    name_terms: tuple[str, ...] = ()
    birth_date: date | None = None
    digits: str = ""  # a phone number or an MRN fragment
    mrn: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.name_terms or self.birth_date or self.digits or self.mrn)


def parse_query(raw: str) -> PatientQuery:
    text = strip_control_characters(raw).strip()
    if not text:
        return PatientQuery()
    for fmt in _DATE_FORMATS:
        try:
            return PatientQuery(birth_date=datetime.strptime(text, fmt).date())  # noqa: DTZ007
        except ValueError:
            continue
    if re.fullmatch(r"[+\d\s()-]{4,}", text):
        return PatientQuery(digits=phone_digits(text), mrn=text.replace(" ", "").upper())
    if re.fullmatch(r"[A-Za-z]{0,4}-?\d[\w-]*", text):
        return PatientQuery(mrn=text.upper())
    return PatientQuery(name_terms=tuple(normalise_name(text).split()))
