"""Django's own texts in Urdu: form errors, password rules, the admin and its date widgets.

Django's Urdu catalogues leave many strings in English; the project catalogue
(``scarclinic/locale``, first in LOCALE_PATHS) fills them in. The msgids are read from
Django's English catalogues at test time, so a Django upgrade that adds strings fails here.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation.trans_real import DjangoTranslation

from scarclinic.accounts.models import User
from tests.cast import Cast

DJANGO = Path(django.__file__).resolve().parent
PACKAGE = Path(__file__).resolve().parents[2]
PROJECT_PO = PACKAGE / "locale" / "ur" / "LC_MESSAGES"
# The catalogues of the Django apps scarclinic installs and shows to people (humanize, gis,
# flatpages, redirects, sites and admindocs are not installed).
DJANGO_CATALOGUES = [
    DJANGO / "conf" / "locale",
    DJANGO / "contrib" / "auth" / "locale",
    DJANGO / "contrib" / "admin" / "locale",
    DJANGO / "contrib" / "contenttypes" / "locale",
    DJANGO / "contrib" / "sessions" / "locale",
]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sdr]|\{\w*\}")


@dataclass(frozen=True)
class Entry:
    msgid: str
    context: str | None = None
    plural: str | None = None
    msgstrs: tuple[str, ...] = ()
    fuzzy: bool = False


def _unquote(lines: list[str]) -> str:
    return "".join(json.loads(f'"{line}"') for line in lines)


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (header left out): enough of gettext's format for Django's."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, list[str]] = {}
        current = ""
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = [match.group(2)]
            elif line.startswith('"') and current:
                fields[current].append(line[1:-1])
        if not fields.get("msgid") or not _unquote(fields["msgid"]):
            continue
        entries.append(
            Entry(
                msgid=_unquote(fields["msgid"]),
                context=_unquote(fields["msgctxt"]) if "msgctxt" in fields else None,
                plural=_unquote(fields["msgid_plural"]) if "msgid_plural" in fields else None,
                msgstrs=tuple(_unquote(v) for k, v in fields.items() if k.startswith("msgstr")),
                fuzzy="#, fuzzy" in block,
            )
        )
    return entries


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def _words(text: str) -> bool:
    """Whether the English has words to translate (not ":", "…", "IPv4" or only placeholders)."""
    return re.search(r"[a-z]{3,}", PLACEHOLDER.sub("", text)) is not None


def _same(a: str, b: str) -> bool:
    return unicodedata.normalize("NFC", a) == unicodedata.normalize("NFC", b)


def _english_entries(domain: str, roots: list[Path]) -> list[Entry]:
    return [
        entry
        for root in roots
        if (root / "en" / "LC_MESSAGES" / f"{domain}.po").exists()
        for entry in read_po(root / "en" / "LC_MESSAGES" / f"{domain}.po")
    ]


def _untranslated(catalogue: DjangoTranslation | None) -> list[str]:
    """Django msgids whose Urdu is still the English, or has other placeholders."""
    domain = "djangojs" if catalogue is not None else "django"
    roots = [DJANGO / "contrib" / "admin" / "locale"] if catalogue else DJANGO_CATALOGUES
    problems = []
    with translation.override("ur"):
        for e in _english_entries(domain, roots):
            if e.plural is None:
                pairs = [(e.msgid, _lookup(catalogue, e, 1))]
            else:
                pairs = [(e.msgid, _lookup(catalogue, e, 1)), (e.plural, _lookup(catalogue, e, 5))]
            for english, urdu in pairs:
                if _words(english) and _same(urdu, english):
                    problems.append(f"untranslated: {e.context or ''} {english!r}")
                elif set(_placeholders(urdu)) != set(_placeholders(english)) and not (
                    e.plural and set(_placeholders(urdu)) <= set(_placeholders(e.plural))
                ):
                    problems.append(f"placeholders: {english!r} -> {urdu!r}")
    return problems


def _lookup(catalogue: DjangoTranslation | None, e: Entry, n: int) -> str:
    if catalogue is None:
        if e.plural is not None:
            if e.context is not None:
                return translation.npgettext(e.context, e.msgid, e.plural, n)
            return translation.ngettext(e.msgid, e.plural, n)
        if e.context is not None:
            return translation.pgettext(e.context, e.msgid)
        return translation.gettext(e.msgid)
    if e.plural is not None:
        if e.context is not None:
            return catalogue.npgettext(e.context, e.msgid, e.plural, n)
        return catalogue.ngettext(e.msgid, e.plural, n)
    if e.context is not None:
        return catalogue.pgettext(e.context, e.msgid)
    return catalogue.gettext(e.msgid)


def test_every_django_text_the_app_shows_has_urdu_with_the_same_placeholders() -> None:
    assert len(_english_entries("django", DJANGO_CATALOGUES)) > 600
    assert _untranslated(None) == []


def test_the_admins_javascript_texts_have_urdu_too() -> None:
    # What the admin's jsi18n view (JavaScriptCatalog, packages=["django.contrib.admin"])
    # builds: the admin's djangojs catalogue, then LOCALE_PATHS on top.
    catalogue = DjangoTranslation(
        "ur", domain="djangojs", localedirs=[str(DJANGO / "contrib" / "admin" / "locale")]
    )
    assert _untranslated(catalogue) == []
    assert catalogue.pgettext("abbrev. month March", "Mar") == "مارچ"


@pytest.mark.parametrize("name", ["django.po", "djangojs.po"])
def test_the_project_catalogue_has_no_empty_or_fuzzy_entry(name: str) -> None:
    entries = read_po(PROJECT_PO / name)
    assert len(entries) > 50
    assert [e.msgid for e in entries if e.fuzzy or not all(e.msgstrs)] == []
    assert len({(e.context, e.msgid) for e in entries}) == len(entries)  # each msgid once
    assert str(PACKAGE / "locale") == str(settings.LOCALE_PATHS[0])


def test_no_apps_urdu_is_shadowed_by_djangos_own_word() -> None:
    """Django's contrib apps come before ours in INSTALLED_APPS, so their Urdu for a shared
    msgid ("Password", "Home", "Yes") wins over the app's unless the project catalogue
    repeats the app's word: append it to scarclinic/locale/ur/LC_MESSAGES/django.po."""
    ours = [a.rsplit(".", 1)[-1] for a in settings.INSTALLED_APPS if a.startswith("scarclinic.")]
    wanted: dict[tuple[str | None, str], str] = {}
    for app in ours:
        po = PACKAGE / app / "locale" / "ur" / "LC_MESSAGES" / "django.po"
        for e in read_po(po) if po.exists() else []:
            if e.plural is None and e.msgstrs and e.msgstrs[0]:
                wanted.setdefault((e.context, e.msgid), e.msgstrs[0])
    project = {(e.context, e.msgid) for e in read_po(PROJECT_PO / "django.po")}
    djangos = {(e.context, e.msgid) for e in _english_entries("django", DJANGO_CATALOGUES)}
    with translation.override("ur"):
        shadowed = [
            msgid
            for (context, msgid), urdu in wanted.items()
            if (context, msgid) in djangos
            and (context, msgid) not in project
            and not _same(
                translation.pgettext(context, msgid) if context else translation.gettext(msgid),
                urdu,
            )
        ]
    assert shadowed == []


def test_an_empty_required_field_says_so_in_urdu(cast: Cast, client: Client) -> None:
    User.objects.filter(pk=cast.nurse.pk).update(preferred_language="ur")
    client.force_login(cast.nurse)
    page = client.post("/patients/register/", {"given_name": ""}).content.decode()
    assert "This field is required." not in page
    assert "Enter a valid date." not in page
    assert "یہ خانہ لازمی ہے۔" in page  # "This field is required."


def test_the_admin_index_and_password_form_speak_urdu(cast: Cast, client: Client) -> None:
    User.objects.filter(pk=cast.admin.pk).update(preferred_language="ur")
    client.force_login(cast.admin)
    index = client.get("/admin/").content.decode()
    for english in ["Recent actions", "My actions", "Skip to main content", "Log out", "View site"]:
        assert english not in index
    assert "حالیہ کارروائیاں" in index  # "Recent actions"
    assert "مرکزی مواد پر جائیں" in index  # "Skip to main content"
    assert "scarclinic administration" not in index and "ترتیبات" in index  # our site's titles
    form = client.post("/admin/password_change/", {"old_password": "wrong"}).content.decode()
    assert "پاس ورڈ" in form and "لفظ اجازت" not in form
    assert "Your old password was entered incorrectly" not in form


def test_the_admins_date_widget_texts_arrive_in_urdu(cast: Cast, client: Client) -> None:
    User.objects.filter(pk=cast.admin.pk).update(preferred_language="ur")
    client.force_login(cast.admin)
    script = client.get("/admin/jsi18n/").content.decode()
    assert json.dumps("تاریخ منتخب کریں") in script  # "Choose a Date"
    assert '"Choose a Date": "Choose a Date"' not in script
