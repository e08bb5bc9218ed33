"""The interface language: chosen in the header, kept on the user, applied at sign-in."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client
from django.utils import formats, translation

from scarclinic.accounts.models import User
from tests.cast import Cast

pytestmark = pytest.mark.django_db

APPS = [
    "accounts",
    "patients",
    "assessments",
    "treatments",
    "biologics",
    "audit",
    "web",
    "portal",
    "outcomes",
    "analytics",
    "interop",
    "clinical",  # the clinical core's texts (not an app; in LOCALE_PATHS)
]
PACKAGE = Path(__file__).resolve().parents[2]


def _html_tag(client: Client, path: str) -> str:
    page = client.get(path).content.decode()
    match = re.search(r"<html[^>]*>", page)
    assert match is not None
    return match.group(0)


def test_english_is_the_default_for_a_browser_that_asks_for_nothing(client: Client) -> None:
    assert _html_tag(client, "/login/") == '<html lang="en" dir="ltr">'


def test_the_switcher_stores_the_choice_on_the_user_and_the_pages_turn_right_to_left(
    cast: Cast, client: Client
) -> None:
    client.force_login(cast.nurse)
    response = client.post("/language/", {"language": "ur", "next": "/patients/"})
    assert response.status_code == 302 and response["Location"] == "/patients/"
    cast.nurse.refresh_from_db()
    assert cast.nurse.preferred_language == "ur"
    assert _html_tag(client, "/patients/") == '<html lang="ur" dir="rtl">'
    page = client.get("/patients/").content.decode()
    assert "مریض تلاش کریں" in page  # "Search patients"
    assert "noto-naskh-arabic" in page  # the shipped Naskh font is preloaded


def test_the_stored_language_is_applied_at_sign_in_whatever_the_cookie_says(
    cast: Cast,
) -> None:
    User.objects.filter(pk=cast.physician.pk).update(preferred_language="ur")
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(cast.physician)
    assert _html_tag(client, "/") == '<html lang="ur" dir="rtl">'
    other = Client()
    other.force_login(cast.nurse)  # still English
    assert _html_tag(other, "/") == '<html lang="en" dir="ltr">'


def test_before_sign_in_the_choice_is_a_cookie_and_changes_no_user(
    cast: Cast, client: Client
) -> None:
    response = client.post("/language/", {"language": "ur", "next": "/login/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "ur"
    assert _html_tag(client, "/login/") == '<html lang="ur" dir="rtl">'
    assert set(User.objects.values_list("preferred_language", flat=True)) == {"en"}


def test_an_unknown_language_or_a_foreign_next_changes_nothing(cast: Cast, client: Client) -> None:
    client.force_login(cast.nurse)
    response = client.post("/language/", {"language": "fr", "next": "https://elsewhere.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    cast.nurse.refresh_from_db()
    assert cast.nurse.preferred_language == "en"


def test_the_switcher_only_takes_a_post(cast: Cast, client: Client) -> None:
    client.force_login(cast.nurse)
    assert client.get("/language/?language=ur").status_code == 405


def test_urdu_dates_are_day_month_year_with_urdu_month_names() -> None:
    with translation.override("ur"):
        assert formats.date_format(dt.date(2026, 3, 12)) == "12 مارچ 2026"
        assert formats.number_format(150000, force_grouping=True) == "1,50,000"
    with translation.override("en"):
        assert formats.date_format(dt.date(2026, 3, 12)) == "March 12, 2026"


@dataclass(frozen=True)
class _Entry:
    msgid: str
    plural: str  # msgid_plural, "" when the entry has none
    msgstrs: list[str]
    fuzzy: bool


def _entries(po: Path) -> list[_Entry]:
    """Every entry of a .po file (the header, whose msgid is empty, left out)."""
    entries = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        msgid = "".join(re.findall(r'"(.*)"', _field(block, "msgid")))
        if not msgid:
            continue
        strs = [
            "".join(re.findall(r'"(.*)"', m))
            for m in re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block, re.M)
        ]
        plural = "".join(re.findall(r'"(.*)"', _field(block, "msgid_plural")))
        entries.append(_Entry(msgid, plural, strs, "#, fuzzy" in block))
    return entries


def _field(block: str, name: str) -> str:
    match = re.search(rf'^{name} ((?:".*"\n?)+)', block, re.M)
    return match.group(1) if match else ""


@pytest.mark.parametrize("app", APPS)
def test_every_string_of_the_app_has_an_urdu_translation_with_the_same_placeholders(
    app: str,
) -> None:
    po = PACKAGE / app / "locale" / "ur" / "LC_MESSAGES" / "django.po"
    entries = _entries(po)
    assert len(entries) > 10
    untranslated = [e.msgid for e in entries if not all(e.msgstrs)]
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    assert untranslated == [] and fuzzy == []
    for entry in entries:
        msgid, plural, strs = entry.msgid, entry.plural, entry.msgstrs
        wanted = set(re.findall(r"%\(\w+\)s", msgid))
        if not plural:
            for msgstr in strs:
                assert set(re.findall(r"%\(\w+\)s", msgstr)) == wanted, msgid
            continue
        # A plural entry: the singular form may leave out the count ("every month"), the
        # other form has the plural's placeholders; none invents one.
        allowed = wanted | set(re.findall(r"%\(\w+\)s", plural))
        for msgstr in strs:
            assert set(re.findall(r"%\(\w+\)s", msgstr)) <= allowed, msgid
        assert set(re.findall(r"%\(\w+\)s", strs[-1])) == allowed, msgid


def test_a_portal_patients_choice_becomes_their_records_language_and_is_audited(
    cast: Cast, client: Client
) -> None:
    from scarclinic.audit.models import AuditEntry

    client.force_login(cast.patient)
    client.post("/language/", {"language": "ur", "next": "/portal/"})
    cast.amina.refresh_from_db()
    assert cast.amina.preferred_language == "ur"
    entry = AuditEntry.objects.filter(object_type="patients.patient").latest("pk")
    assert (entry.action, entry.patient_id, entry.actor_id) == (
        "update",
        cast.amina.pk,
        cast.patient.pk,
    )
    # Staff switching their own language change no patient's record.
    client.force_login(cast.nurse)
    client.post("/language/", {"language": "en", "next": "/"})
    cast.amina.refresh_from_db()
    assert cast.amina.preferred_language == "ur"
