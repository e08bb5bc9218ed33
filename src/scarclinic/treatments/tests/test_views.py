"""The consultation pages as a physician, nurse or director uses them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scarclinic.accounts.models import User
from scarclinic.audit.models import AuditEntry
from scarclinic.clinical.candidacy import DEFAULT_RULES, add_months
from scarclinic.treatments import services
from scarclinic.treatments.demo import seed_demo_consultation
from scarclinic.treatments.models import (
    CandidacyRuleSettings,
    PriceListEntry,
    Screening,
    SharedDecision,
)
from scarclinic.treatments.tests.stories import months_ago, patient_with, signed_assessment
from tests.cast import Cast, build_cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _section(html: str, heading_id: str) -> str:
    """The HTML of the <section> whose heading has this id."""
    start = html.index(f'id="{heading_id}"')
    start = html.rindex("<section", 0, start)
    return html[start : html.index("</section>", start)]


def _deferred_patient(cast: Cast):  # type: ignore[no-untyped-def]
    return patient_with(
        cast.clinic_a,
        cast.nurse,
        cast.physician,
        isotretinoin="past",
        isotretinoin_last_dose=months_ago(timezone.localdate(), 4),
        bleeding_or_platelet_disorder=True,
        fitzpatrick=4,
    )


def test_the_page_shows_options_with_evidence_cost_and_the_deferral_with_its_date(
    cast: Cast, login: Login
) -> None:
    seed_demo_consultation(clinic=cast.clinic_a, director=cast.director)
    patient = _deferred_patient(cast)
    until = add_months(patient.current_history.isotretinoin_last_dose, 6)
    page = login(cast.physician).get(f"/consultation/patient/{patient.pk}/")
    html = page.content.decode()
    suitable = _section(html, "s-suitable")
    assert "Alam et al. JAMA Dermatol 2014" in suitable  # evidence with its citation
    assert "RCT, split-face, n = 15 patients" in suitable
    assert "Kang &amp; Lu, Front Med 2022" not in suitable  # PRP is contraindicated
    assert "Lee et al. Dermatol Surg 2002;28:1017-21" in suitable
    assert "PKR 28,000 to PKR 42,000" in suitable  # TCA CROSS 4-6 x 7,000 (demo)
    assert "Demo prices, not a quote." in suitable
    assert "Weak evidence" in suitable and "No clinic data yet." in suitable
    assert "Investigational" in suitable  # cell therapy
    not_now = _section(html, "s-not-now")
    assert f"Deferred until {until.isoformat()}" in not_now
    assert "Not suitable (contraindicated)" in not_now
    assert f"Reassess on or after {until.isoformat()}." in not_now
    assert "PRP relies on your platelets working normally" in not_now  # patient-facing
    for key in (
        "fractional_ablative_laser",
        "microneedling_prp",
        "tca_cross+fractional_ablative_laser",
        "subcision+microneedling_prp",
    ):
        assert f'data-option="{key}"' not in suitable
        assert f'data-option="{key}"' in not_now
        assert f'value="{key}"' not in _section(html, "s-decision")  # cannot be chosen
    screening = _section(html, "s-screening")
    assert "clinical-2025.1" in screening
    assert f"reassess on or after <b>{until.isoformat()}</b>" in screening


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    flags=st.fixed_dictionaries(
        {
            "bleeding_or_platelet_disorder": st.booleans(),
            "pregnant_or_breastfeeding": st.booleans(),
            "active_cancer": st.booleans(),
            "anticoagulant_or_antiplatelet": st.booleans(),
            "skin_infection_in_treatment_area": st.booleans(),
            "systemic_infection": st.booleans(),
            "keloid_tendency": st.booleans(),
        }
    ),
    months_since_isotretinoin=st.one_of(st.none(), st.integers(0, 8)),
    active_acne_at_exam=st.booleans(),
    platelets=st.one_of(st.none(), st.integers(20, 300)),
)
def test_a_deferred_or_contraindicated_option_never_appears_among_the_suitable_ones(
    flags: dict[str, bool],
    months_since_isotretinoin: int | None,
    active_acne_at_exam: bool,
    platelets: int | None,
) -> None:
    # Each example in its own rolled-back savepoint, through the real page.
    with transaction.atomic():
        _check_only_suitable_options_are_offered(
            flags, months_since_isotretinoin, active_acne_at_exam, platelets
        )
        transaction.set_rollback(True)


def _check_only_suitable_options_are_offered(
    flags: dict[str, bool],
    months_since: int | None,
    active_acne_at_exam: bool,
    platelets: int | None,
) -> None:
    cast = build_cast()
    today = timezone.localdate()
    history: dict[str, object] = dict(flags)
    if months_since is not None:
        history |= {
            "isotretinoin": "past",
            "isotretinoin_last_dose": months_ago(today, months_since),
        }
    patient = patient_with(cast.clinic_a, cast.nurse, cast.physician, assessment=False, **history)
    signed_assessment(patient, cast.physician, active_acne=active_acne_at_exam)
    if platelets is not None:
        services.labs_record(
            patient=patient,
            by=cast.nurse,
            platelet_count_10e9_per_l=Decimal(platelets),
            haemoglobin_g_dl=Decimal("12"),
            measured_on=today,
        )
    client = Client()
    client.force_login(cast.physician)
    html = client.get(f"/consultation/patient/{patient.pk}/").content.decode()
    suitable = _section(html, "s-suitable")
    decision = _section(html, "s-decision")
    blocked = {
        s.modality
        for s in Screening.objects.filter(patient=patient, status__in=["defer", "contraindicated"])
    }
    shown = set(re.findall(r'data-option="([^"]+)"', suitable))
    offered = set(re.findall(r'name="chosen" value="([^"]+)"', decision))
    for key in shown | offered:
        assert not set(key.split("+")) & blocked, (key, blocked)
    for modality in blocked:
        assert f'data-option="{modality}"' in _section(html, "s-not-now")


def test_without_a_signed_assessment_the_page_says_what_to_do_and_offers_nothing(
    cast: Cast, login: Login
) -> None:
    patient = patient_with(cast.clinic_a, cast.nurse, cast.physician, assessment=False)
    # A draft does not count.
    from scarclinic.assessments.models import ScarAssessment

    ScarAssessment.objects.create(
        patient=patient, visit_date=timezone.localdate(), assessed_by=cast.physician
    )
    html = login(cast.physician).get(f"/consultation/patient/{patient.pk}/").content.decode()
    assert "Before the comparison" in html
    assert "No signed scar assessment" in html
    assert f'href="/patients/{patient.pk}/#s-assess"' in html
    assert "Options for your scars" not in html and "Record the decision" not in html
    assert not Screening.objects.filter(patient=patient).exists()
    # No medical history either (Bilal): the history is asked for first, with its link.
    html = login(cast.physician).get(f"/consultation/patient/{cast.bilal.pk}/").content.decode()
    assert "No medical history is recorded" in html
    assert f'href="/patients/{cast.bilal.pk}/history/"' in html


def test_viewing_the_page_keeps_the_screenings_and_audits_the_read(
    cast: Cast, login: Login
) -> None:
    patient = _deferred_patient(cast)
    login(cast.physician).get(f"/consultation/patient/{patient.pk}/")
    laser = Screening.objects.get(patient=patient, modality="fractional_ablative_laser")
    assert (laser.status, laser.screened_by, laser.rule_set_version) == (
        "defer",
        cast.physician,
        "clinical-2025.1",
    )
    reads = AuditEntry.objects.filter(patient_id=patient.pk, action="read")
    assert reads.filter(detail__perm="consultation.view").count() == 1
    assert AuditEntry.objects.filter(
        patient_id=patient.pk, object_type="treatments.screening", action="create"
    ).exists()


def test_the_page_makes_the_same_number_of_queries_whatever_the_assessments_and_decisions(
    cast: Cast, login: Login
) -> None:
    seed_demo_consultation(clinic=cast.clinic_a, director=cast.director)
    patient = patient_with(cast.clinic_a, cast.nurse, cast.physician)
    services.rule_settings_change(
        clinic=cast.clinic_a, by=cast.director, thresholds={"isotretinoin_months": 7}
    )
    client = login(cast.physician)
    url = f"/consultation/patient/{patient.pk}/"
    client.get(url)  # keeps today's screenings; the views below find them kept
    few = _queries(client, url)
    for n in range(12):
        signed_assessment(
            patient, cast.physician, visit_date=timezone.localdate() - dt.timedelta(days=40 + n)
        )
    for _ in range(7):
        services.decision_record(patient=patient, by=cast.physician, chosen="microneedling")
    many = _queries(client, url)
    assert few == many <= 22, (few, many)
    section = f"/consultation/patient/{patient.pk}/section/"
    # 15: the session is saved on every request (SESSION_SAVE_EVERY_REQUEST, idle timeout).
    assert _queries(client, section) <= 15


def test_the_physician_records_the_decision_and_the_chart_shows_the_proposed_plan(
    cast: Cast, login: Login
) -> None:
    seed_demo_consultation(clinic=cast.clinic_a, director=cast.director)
    patient = patient_with(cast.clinic_a, cast.nurse, cast.physician)
    client = login(cast.physician)
    page = client.get(f"/consultation/patient/{patient.pk}/").content.decode()
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', page)
    assert fingerprint is not None
    response = client.post(
        f"/consultation/patient/{patient.pk}/decision/",
        {
            "chosen": "microneedling_prp",
            "questions": "Is PRP made from my own blood?",
            "fingerprint": fingerprint.group(1),
        },
    )
    decision = SharedDecision.objects.get(patient=patient)
    assert response.status_code == 302
    assert response["Location"] == f"/consultation/decisions/{decision.pk}/"
    assert decision.questions == "Is PRP made from my own blood?"
    detail = client.get(response["Location"]).content.decode()
    assert "Microneedling with PRP" in detail and "Is PRP made from my own blood?" in detail
    assert "Chosen" in detail
    section = client.get(f"/consultation/patient/{patient.pk}/section/").content.decode()
    assert "Start of a treatment plan" in section and "proposed" in section
    assert "Microneedling with PRP" in section and "3-4 sessions, every 2-4 weeks" in section


def test_a_decision_for_a_deferred_option_is_refused_on_the_page_with_the_reason(
    cast: Cast, login: Login
) -> None:
    patient = _deferred_patient(cast)
    response = login(cast.physician).post(
        f"/consultation/patient/{patient.pk}/decision/", {"chosen": "fractional_ablative_laser"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "is defer for this patient and cannot be the start of a treatment plan" in html
    assert not SharedDecision.objects.exists()


def test_the_pdf_is_an_audited_private_attachment(cast: Cast, login: Login) -> None:
    patient = _deferred_patient(cast)
    response = login(cast.physician).get(f"/consultation/patient/{patient.pk}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response.content.rstrip().endswith(b"%%EOF")
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="treatment-options-{patient.pk}-{today}-en.pdf"'
    )
    assert response["Cache-Control"] == "private, no-store"
    assert AuditEntry.objects.filter(
        patient_id=patient.pk, action="export", object_type="treatments.consultation"
    ).exists()


# ------------------------------------------------------------------------------------------
# The director's pages


def test_the_director_switches_a_rule_off_with_a_reason_and_back_on(
    cast: Cast, login: Login
) -> None:
    client = login(cast.director)
    page = client.get("/consultation/rules/").content.decode()
    assert page.count('<tr id="rule-') == len(DEFAULT_RULES.rules)
    assert "Waldman et al. Dermatol Surg 2017;43:1249-62" in page
    no_reason = client.post(
        "/consultation/rules/",
        {"action": "switch", "rule_id": "isotretinoin_recent_ablative", "switch": "off"},
    )
    assert "Say why the rule is switched off" in no_reason.content.decode()
    assert not CandidacyRuleSettings.objects.exists()
    off = client.post(
        "/consultation/rules/",
        {
            "action": "switch",
            "rule_id": "isotretinoin_recent_ablative",
            "switch": "off",
            "reason": "Fractional mode only",
        },
    )
    assert off.status_code == 302
    row = CandidacyRuleSettings.objects.get()
    assert row.disabled_rules == ["isotretinoin_recent_ablative"]
    assert row.reason == "Fractional mode only" and row.changed_by == cast.director
    page = client.get("/consultation/rules/").content.decode()
    assert row.version in page and "Switch on" in page
    on = client.post(
        "/consultation/rules/",
        {"action": "switch", "rule_id": "isotretinoin_recent_ablative", "switch": "on"},
    )
    assert on.status_code == 302
    assert CandidacyRuleSettings.objects.order_by("-number")[0].version == "clinical-2025.1"


def test_a_threshold_out_of_range_is_shown_next_to_its_field(cast: Cast, login: Login) -> None:
    client = login(cast.director)
    response = client.post(
        "/consultation/rules/",
        {"action": "thresholds", "isotretinoin_months": "72", "platelet_min_10e9_per_l": "100"},
    )
    html = response.content.decode()
    field = html[html.index('id="id_isotretinoin_months"') :]
    assert "must be from 0 to 60" in field[: field.index("</div>")]
    assert not CandidacyRuleSettings.objects.exists()
    saved = client.post(
        "/consultation/rules/",
        {"action": "thresholds", "isotretinoin_months": "12", "reason": "Local protocol"},
    )
    assert saved.status_code == 302
    assert CandidacyRuleSettings.objects.get().threshold_overrides == {"isotretinoin_months": 12}


def test_the_price_list_page_adds_a_price_and_refuses_a_bad_one(cast: Cast, login: Login) -> None:
    client = login(cast.admin)
    seed_demo_consultation(clinic=cast.clinic_a, director=cast.director)
    page = client.get("/consultation/prices/").content.decode()
    assert "demo" in page and "PKR 18,000.00" in page
    bad = client.post(
        "/consultation/prices/",
        {
            "modality": "tca_cross",
            "price_per_session": "-1",
            "currency": "PKR",
            "effective_from": "2030-01-01",
        },
    )
    assert "A price cannot be negative." in bad.content.decode()
    good = client.post(
        "/consultation/prices/",
        {
            "modality": "tca_cross",
            "price_per_session": "7500",
            "currency": "PKR",
            "effective_from": "2030-01-01",
        },
    )
    assert good.status_code == 302
    assert PriceListEntry.objects.filter(modality="tca_cross").count() == 2
