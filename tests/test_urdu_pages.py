"""No English interface text on the staff pages in Urdu.

Every page of ``tests/e2e/staff_pages.py`` is rendered with the Django test client for the
role that uses it, on the demo data, in Urdu. Its visible text is compared with the English
of the project's own catalogues (every msgid of ``<app>/locale/ur/LC_MESSAGES/django.po``):
a page fails when it shows a msgid of two or more words verbatim, or an English word of five
or more letters that the catalogues use. Content that is English on purpose (citations,
product and scale names, codes) is marked ``lang="en"`` or ``translate="no"`` in the templates
and left out, as are scripts, styles, form values, and the names of people and clinics."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test import Client, override_settings

from scarclinic.accounts.models import Clinic, User
from scarclinic.analytics.services import snapshot_compute
from scarclinic.assessments.models import Instrument
from scarclinic.interop.services import bulk_export_run, bulk_export_start
from scarclinic.patients.models import ConsentTemplate, Patient
from scarclinic.treatments.models import Device, Room
from scarclinic.web.demo import seed_demo
from tests.e2e.staff_pages import StaffPage, staff_pages

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[1] / "src" / "scarclinic"
WORD = re.compile(r"[A-Za-z][A-Za-z']*[A-Za-z]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{[^}]*\}")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
# <code> holds identifiers (rule ids, versions, MRNs), never interface words.
HIDDEN = {"script", "style", "template", "textarea", "noscript", "code"}

# Words that are msgids but also proper English on an Urdu page, beyond those the Urdu
# catalogues keep themselves:
# The product's name and the clinic's time zone (the footer: "times in Asia/Karachi").
ALLOWED_WORDS = {"scarclinic", "karachi"}

# Pages whose remaining English belongs to another piece of work: the page is still rendered
# (it must not error), and its English is expected until that work lands.
# Each names the area whose English it is; remove a line when that area is done.
LEFTOVERS: dict[str, str] = {}


# --- the English vocabulary ---------------------------------------------------------------


def _po_entries(path: Path) -> Iterator[tuple[str, str]]:
    """(keyword, text) of every msgid, msgid_plural and msgstr of a catalogue, unescaped."""
    keyword, parts = "", list[str]()
    for line in path.read_text(encoding="utf-8").splitlines():
        head = re.match(r"(msgid|msgid_plural|msgstr(?:\[\d+\])?) ", line)
        if head is not None:
            if keyword:
                yield keyword, "".join(parts)
            keyword, parts = head[1], [_unquote(line[head.end() :])]
        elif line.startswith('"') and keyword:
            parts.append(_unquote(line))
        else:
            if keyword:
                yield keyword, "".join(parts)
            keyword, parts = "", []
    if keyword:
        yield keyword, "".join(parts)


def _unquote(quoted: str) -> str:
    return quoted.strip()[1:-1].replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


@dataclass(frozen=True)
class Vocabulary:
    phrases: frozenset[str]  # the msgids of 2+ words, each part between placeholders
    words: frozenset[str]  # lower-case English words of 5+ letters used by any msgid


@cache
def vocabulary() -> Vocabulary:
    """The English of the msgids, less what the Urdu translations keep in English
    themselves (scale and drug names, PRP, "Goodman & Baron", "Kaplan-Meier" ...)."""
    phrases: set[str] = set()
    words: set[str] = set()
    kept: list[str] = []
    for po in sorted(SRC.glob("*/locale/ur/LC_MESSAGES/django.po")):
        for keyword, text in _po_entries(po):
            text = re.sub(r"<[^>]+>", " ", text)
            if keyword.startswith("msgstr"):
                kept.append(text)
                continue
            for part in PLACEHOLDER.split(text):
                part = _squash(part.strip(" .,:;()\u2026-"))
                if len(WORD.findall(part)) >= 2:
                    phrases.add(part)
            words.update(w.lower() for w in WORD.findall(text) if len(w) >= 5)
    urdu = " ".join(kept)
    words -= {w.lower() for w in WORD.findall(urdu)} | ALLOWED_WORDS
    phrases = {p for p in phrases if p not in urdu}
    return Vocabulary(frozenset(phrases), frozenset(words))


def _squash(text: str) -> str:
    return " ".join(text.split())


# --- the visible text of a page ---------------------------------------------------------------


class _VisibleText(HTMLParser):
    """The text a reader sees, without scripts, styles, form values and English on purpose."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: is its content left out?
        self.chunks: list[str] = []
        self.attributes: list[str] = []

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skip = (
            self._skipping()
            or tag in HIDDEN
            or (values.get("lang") or "").startswith("en")
            or values.get("translate") == "no"
            or "hidden" in values
        )
        if not skip:
            # Texts a screen reader or a pointer shows: they must be Urdu too.
            for name in ("aria-label", "title", "alt", "placeholder"):
                if values.get(name):
                    self.attributes.append(values[name] or "")
            if tag == "input" and values.get("type") in {"submit", "button"}:
                self.attributes.append(values.get("value") or "")
        if tag not in VOID:
            self.stack.append(skip)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.chunks.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return _squash(" \n ".join(parser.chunks + parser.attributes))


def english_left(text: str, names: frozenset[str]) -> list[str]:
    """The catalogue English found in an Urdu page's text: whole phrases, then words."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    vocab = vocabulary()
    # The substring test first: a regex per phrase per page was most of the test's time.
    found = sorted(p for p in vocab.phrases if p in text and _contains_phrase(text, p))
    words = {w for w in WORD.findall(text) if len(w) >= 5 and w.lower() in vocab.words}
    return found + sorted(words)


def _contains_phrase(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![A-Za-z]){re.escape(phrase)}(?![A-Za-z])", text) is not None


# --- the pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Demo:
    pages: dict[str, StaffPage]
    names: frozenset[str]  # people and clinics: proper names, English letters on any page


# The fewest demo patients that still give every page of staff_pages() its record.
DEMO_PATIENTS = 3
# Pages the demo data has no record for (staff_pages() leaves them out): not checked here.
NOT_IN_DEMO = {
    "decision": "the demo makes no shared decision",
    "reminder-run": "the demo sends no reminders",
}


@pytest.fixture(scope="module")
def demo(
    django_db_setup: None,
    django_db_blocker: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Demo]:
    """The demo clinic, seeded once for the module and rolled back after it.

    One test uses it, so under xdist a single worker seeds it, once. The rendering is the
    same on every database: on PostgreSQL (``make test`` runs the suite on both) it is
    skipped rather than paid for twice."""
    if connection.vendor != "sqlite":
        pytest.skip("database-agnostic: checked on the SQLite run")
    # The demo logins' passwords would be hashed and checked (each release is signed) at
    # production strength; photos go to a temporary folder, not the project's media.
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=tmp_path_factory.mktemp("urdu-media"),
    )
    with django_db_blocker.unblock(), fast, transaction.atomic():  # type: ignore[attr-defined]
        seed_demo(patients=DEMO_PATIENTS, seed=1)
        isb = Clinic.objects.get(code="ISB")
        snapshot_compute(clinic_id=isb.pk)
        director = User.objects.get(username="director")
        job = bulk_export_start(clinic=isb, by=director, base_url="http://testserver")
        bulk_export_run(job_id=job.pk)
        User.objects.update(preferred_language="ur")
        names = {c.name for c in Clinic.objects.all()}
        for user in User.objects.all():
            names.update({user.get_full_name(), user.first_name, user.last_name, user.username})
        for patient in Patient.objects.all():
            names.update({patient.given_name, patient.family_name, patient.mrn})
        # What the clinic writes itself: rooms, devices, questionnaires, consent titles.
        names.update(Room.objects.values_list("name", flat=True))
        names.update(Device.objects.values_list("name", flat=True))
        names.update(Instrument.objects.values_list("name", flat=True))
        names.update(ConsentTemplate.objects.values_list("title", flat=True))
        pages = {page.name: page for page in staff_pages()}
        yield Demo(pages, frozenset(n for n in names if n))
        transaction.set_rollback(True)


PAGE_NAMES = [
    "home-physician",
    "patients",
    "chart",
    "patient-edit",
    "consent-new",
    "assessment-new",
    "assessment",
    "assessment-addendum",
    "questionnaire",
    "photo-set-new",
    "photo-compare",
    "photo-consent",
    "consultation",
    "labs",
    "plan-new",
    "plan",
    "calendar-week",
    "calendar-feed",
    "bedside",
    "two-factor",
    "adverse-events",
    "adverse-event-new",
    "progress",
    "analytics",
    "analytics-comparison",
    "forecast",
    "home-nurse",
    "history-form",
    "home-frontdesk",
    "register",
    "plan-book",
    "calendar-day",
    "import-patients",
    "home-lab",
    "inventory",
    "lab-queue",
    "storage",
    "receive-harvest",
    "receive-blood",
    "receive-donor",
    "lookback",
    "home-director",
    "audit-log",
    "rules",
    "prices",
    "postcare-texts",
    "resources",
    "lab-settings",
    "adverse-event-rates",
    "fhir-exports",
    "home-admin",
    "admin-index",
    "session",
    "consent",
    "history",
    "photo-set",
    "decision",
    "unit",
    "collection",
    "adverse-event",
    "fhir-export",
    "adverse-event-review",
    "reminders",
    "reminder-run",
]


def _english_on(page: StaffPage, names: frozenset[str]) -> list[str]:
    client = Client()
    client.force_login(User.objects.get(username=page.role))
    response = client.get(page.path)
    assert response.status_code == 200, page.path
    html = response.content.decode()
    assert '<html lang="ur" dir="rtl">' in html, page.path
    return english_left(visible_text(html), names)


def test_no_staff_page_shows_english_interface_text_in_urdu(
    demo: Demo, request: pytest.FixtureRequest
) -> None:
    """Every page renders in Urdu; none but the LEFTOVERS shows catalogue English.

    One test for all pages, so that the demo is seeded once (a test per page is spread over
    the xdist workers, and each would seed it). ``--runxfail`` checks the LEFTOVERS too:
    the failure then lists each page's English."""
    assert set(demo.pages) <= set(PAGE_NAMES), "a staff page is missing from PAGE_NAMES"
    assert set(LEFTOVERS) <= set(PAGE_NAMES)
    missing = set(PAGE_NAMES) - set(demo.pages)
    assert missing <= set(NOT_IN_DEMO), f"the demo data has no record for {missing}"
    strict = request.config.option.runxfail
    shown: dict[str, list[str]] = {}
    cleared: list[str] = []
    for name, page in demo.pages.items():
        english = _english_on(page, demo.names)
        if name in LEFTOVERS and not strict:
            if not english:
                cleared.append(name)
        elif english:
            shown[page.path] = english
    if cleared:
        warnings.warn(f"no English left on {cleared}: delete their LEFTOVERS lines", stacklevel=1)
    assert not shown, "pages show English:\n" + "\n".join(f"{p}: {e}" for p, e in shown.items())
