"""Deterministic, realistic demo data, loaded with bulk inserts.

Names, ages and skin types are plausible for a clinic in Pakistan (the seed clinic is in
Islamabad); nothing is a real person. Running it twice creates nothing new."""

from __future__ import annotations

import base64
import hashlib
import random
import struct
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from scarclinic.accounts.models import Clinic, Membership, User
from scarclinic.accounts.roles import Role
from scarclinic.analytics.demo_trajectories import DemoTrajectory, DemoVisit, demo_trajectory
from scarclinic.assessments.demo_photos import seed_demo_photos
from scarclinic.assessments.models import (
    AssessmentStatus,
    Instrument,
    PatientReportedOutcome,
    RegionFinding,
    ReportSource,
    ScarAssessment,
)
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.biologics.demo import seed_demo_biologics
from scarclinic.clinical.scales import scores_from_findings
from scarclinic.outcomes.demo import seed_demo_adverse_events
from scarclinic.patients.models import (
    ConsentTemplate,
    ConsentTemplateVersion,
    MedicalHistoryVersion,
    Patient,
    SignatureMethod,
    SignedConsent,
    TemplateStatus,
)
from scarclinic.patients.search import normalise_name, phone_digits
from scarclinic.portal.demo import seed_demo_portal
from scarclinic.treatments.demo import seed_demo_consultation
from scarclinic.treatments.demo_plans import seed_demo_history, seed_demo_plans
from scarclinic.web.demo_consent_texts import COMMON_TAIL, CONSENT_TEXTS

DEMO_PASSWORD = "scarclinic-demo"
CLINICS = [
    ("ISB", "Islamabad Skin & Scar Clinic", "Islamabad"),
    ("LHE", "Lahore Regenerative Dermatology", "Lahore"),
]
# (username, first, last, role at ISB, role at LHE or None)
DEMO_USERS = [
    ("physician", "Ayesha", "Khan", Role.PHYSICIAN, None),
    ("nurse", "Sana", "Iqbal", Role.NURSE, None),
    ("lab", "Bilal", "Ahmed", Role.LAB, None),
    ("frontdesk", "Hina", "Raza", Role.FRONTDESK, None),
    ("director", "Tariq", "Mahmood", Role.DIRECTOR, Role.DIRECTOR),
    ("admin", "Omar", "Siddiqui", Role.ADMIN, Role.ADMIN),
    ("patient", "Zainab", "Hussain", Role.PATIENT, None),
]
GIVEN_F = [
    "Ayesha",
    "Fatima",
    "Zainab",
    "Maryam",
    "Sana",
    "Hina",
    "Amna",
    "Iqra",
    "Mahnoor",
    "Areeba",
    "Noor",
    "Sadia",
    "Rabia",
    "Kiran",
    "Mehwish",
    "Saba",
    "Anum",
    "Laiba",
    "Hafsa",
    "Khadija",
    "Sidra",
    "Nimra",
    "Aiman",
    "Bushra",
]
GIVEN_M = [
    "Ali",
    "Ahmed",
    "Hassan",
    "Usman",
    "Bilal",
    "Hamza",
    "Omar",
    "Faisal",
    "Imran",
    "Zain",
    "Saad",
    "Tariq",
    "Adeel",
    "Kamran",
    "Fahad",
    "Asad",
    "Danish",
    "Junaid",
    "Waqas",
    "Shahzad",
    "Haris",
    "Rizwan",
    "Moiz",
    "Arslan",
]
FAMILY = [
    "Khan",
    "Ahmed",
    "Malik",
    "Hussain",
    "Qureshi",
    "Butt",
    "Chaudhry",
    "Sheikh",
    "Raza",
    "Iqbal",
    "Mirza",
    "Abbasi",
    "Siddiqui",
    "Javed",
    "Aslam",
    "Rehman",
    "Shah",
    "Bhatti",
    "Akhtar",
    "Awan",
    "Gillani",
    "Rana",
    "Baig",
    "Zaidi",
    "Nawaz",
    "Saleem",
    "Anwar",
    "Hashmi",
    "Farooq",
    "Yousaf",
]
SECTORS = [
    "F-6",
    "F-7",
    "F-8",
    "F-10",
    "F-11",
    "G-9",
    "G-10",
    "G-11",
    "E-7",
    "I-8",
    "DHA II",
    "Bahria Town",
    "Gulberg",
    "Model Town",
    "Johar Town",
]
OTHER_ALLERGIES = ["penicillin", "sulfonamides", "latex", "chlorhexidine", "nickel", "aspirin"]


def signature_png(rng: random.Random) -> str:
    """A small drawn-looking signature as a PNG data URL (grayscale, no Pillow needed)."""
    width, height = 160, 48
    pixels = [[255] * width for _ in range(height)]
    y = height / 2
    for x in range(8, width - 8):
        y += rng.uniform(-2.2, 2.2)
        y = min(max(y, 6), height - 7)
        for dy in (-1, 0, 1):
            pixels[int(y) + dy][x] = 20
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode()


@dataclass
class SeedReport:
    clinics: int = 0
    products: int = 0
    plans: int = 0
    photo_sets: int = 0
    assessments: int = 0
    users: int = 0
    templates: int = 0
    patients: int = 0
    histories: int = 0
    consents: int = 0


def demo_clinic(code: str, name: str, city: str) -> tuple[Clinic, bool]:
    """The demo clinic with that code, created if missing (also the network's, demo_network)."""
    return Clinic.objects.get_or_create(code=code, defaults={"name": name, "city": city})


def demo_user(username: str, first: str, last: str, password: str) -> tuple[User, bool]:
    """The demo user of that name, created if missing with an already hashed ``password``
    (also the network's staff, demo_network)."""
    return User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "password": password,
            "email": f"{username}@demo.scarclinic.invalid",
        },
    )


def _clinics(report: SeedReport) -> dict[str, Clinic]:
    result = {}
    for code, name, city in CLINICS:
        clinic, created = demo_clinic(code, name, city)
        report.clinics += int(created)
        result[code] = clinic
    return result


def _users(clinics: dict[str, Clinic], report: SeedReport) -> dict[str, User]:
    users = {}
    password = make_password(DEMO_PASSWORD)
    for username, first, last, role, second_role in DEMO_USERS:
        user, created = demo_user(username, first, last, password)
        report.users += int(created)
        Membership.objects.get_or_create(user=user, clinic=clinics["ISB"], defaults={"role": role})
        if second_role:
            Membership.objects.get_or_create(
                user=user, clinic=clinics["LHE"], defaults={"role": second_role}
            )
        users[username] = user
    # A physician at the second clinic: the outsider who must never see ISB's patients.
    outsider, created = User.objects.get_or_create(
        username="physician.lahore",
        defaults={"first_name": "Nadia", "last_name": "Farooq", "password": password},
    )
    report.users += int(created)
    Membership.objects.get_or_create(
        user=outsider, clinic=clinics["LHE"], defaults={"role": Role.PHYSICIAN}
    )
    users["physician.lahore"] = outsider
    return users


def _templates(
    clinics: dict[str, Clinic], report: SeedReport
) -> dict[int, dict[str, ConsentTemplateVersion]]:
    """One template per procedure and clinic, version 1 in use; cell therapy shows a
    withdrawn version 1 and an in-use version 2, as a wording change would leave it."""
    now = timezone.now()
    active: dict[int, dict[str, ConsentTemplateVersion]] = {}
    for clinic in clinics.values():
        active[clinic.pk] = {}
        for procedure, (title, body) in CONSENT_TEXTS.items():
            template, created = ConsentTemplate.objects.get_or_create(
                clinic=clinic, procedure_type=procedure, defaults={"title": title}
            )
            report.templates += int(created)
            if procedure == "cell_therapy":
                ConsentTemplateVersion.objects.get_or_create(
                    template=template,
                    version=1,
                    language="en",
                    defaults={
                        "body": body + COMMON_TAIL.replace(" at any time", ""),
                        "status": TemplateStatus.WITHDRAWN,
                        "published_at": now - timedelta(days=400),
                        "withdrawn_at": now - timedelta(days=200),
                    },
                )
                number = 2
            else:
                number = 1
            version, _ = ConsentTemplateVersion.objects.get_or_create(
                template=template,
                version=number,
                language="en",
                defaults={
                    "body": body + COMMON_TAIL,
                    "status": TemplateStatus.ACTIVE,
                    "published_at": now - timedelta(days=200),
                },
            )
            active[clinic.pk][procedure] = version
    return active


def _history_values(rng: random.Random, sex: str, today: date) -> dict[str, object]:
    active_acne = rng.random() < 0.2
    iso_roll = rng.random()
    if iso_roll < 0.05:
        isotretinoin, last_dose = "current", None
    elif iso_roll < 0.35:
        isotretinoin, last_dose = "past", today - timedelta(days=rng.randint(20, 1100))
    else:
        isotretinoin, last_dose = "never", None
    allergies = [rng.choice(OTHER_ALLERGIES)] if rng.random() < 0.08 else []
    return {
        "active_acne": active_acne,
        "acne_severity": rng.choices(["mild", "moderate", "severe"], [6, 3, 1])[0]
        if active_acne
        else "none",
        "skin_infection_in_treatment_area": rng.random() < 0.02,
        "isotretinoin": isotretinoin,
        "isotretinoin_last_dose": last_dose,
        "pregnant_or_breastfeeding": sex == "female" and rng.random() < 0.04,
        "anticoagulant_or_antiplatelet": rng.random() < 0.02,
        "bleeding_or_platelet_disorder": rng.random() < 0.01,
        "keloid_tendency": rng.random() < 0.05,
        "herpes_simplex_history": rng.random() < 0.15,
        "photosensitising_drugs": rng.random() < 0.03,
        "autoimmune_disease": rng.random() < 0.02,
        "active_cancer": rng.random() < 0.005,
        "systemic_infection": False,
        "local_anaesthetic_allergy": rng.random() < 0.01,
        "allergies": allergies,
        # South Asian patients are mostly types III-V.
        "fitzpatrick": rng.choices([2, 3, 4, 5, 6], [4, 30, 44, 19, 3])[0],
    }


def _assessment_plan(
    rng: random.Random, today: date, history: dict[str, object] | None = None
) -> DemoTrajectory | None:
    """A demo patient's assessments and the treatment course they follow (or None, never
    assessed): the trajectory model of scarclinic.analytics.demo_trajectories, drawn from
    one number of ``rng`` so the patients' other values keep their place in the stream."""
    values = history or {}
    fitzpatrick = values.get("fitzpatrick")
    treatable = not (
        values.get("active_acne")
        or values.get("skin_infection_in_treatment_area")
        or values.get("pregnant_or_breastfeeding")
    )
    return demo_trajectory(
        random.Random(rng.random()),
        today=today,
        fitzpatrick=fitzpatrick if isinstance(fitzpatrick, int) else None,
        treatable=treatable,
    )


def _create_assessments(
    patients: list[Patient], plans: list[DemoTrajectory | None], physician: User
) -> int:
    pga = Instrument.objects.get(clinic=None, code="pga")
    now = timezone.now()
    assessments: list[ScarAssessment] = []
    owners: list[tuple[Patient, DemoVisit]] = []
    for patient, trajectory in zip(patients, plans, strict=True):
        for visit in trajectory.visits if trajectory else ():
            scores = scores_from_findings(visit.findings, float(visit.keloid_area_cm2))
            assessments.append(
                ScarAssessment(
                    patient=patient,
                    visit_date=visit.visit_date,
                    assessed_by=physician,
                    status=AssessmentStatus.SIGNED,
                    qualitative_grade=visit.grade,
                    fitzpatrick=patient.current_history.fitzpatrick
                    if patient.current_history
                    else None,
                    keloid_area_cm2=visit.keloid_area_cm2,
                    goodman_baron_score=scores.goodman_baron,
                    ecca_score=scores.ecca,
                    scale_versions=dict(scores.versions),
                    signed_at=now,
                    signed_by=physician,
                )
            )
            owners.append((patient, visit))
    ScarAssessment.objects.bulk_create(assessments, batch_size=1000)
    RegionFinding.objects.bulk_create(
        (
            RegionFinding(assessment=assessment, region=region, morphology=morphology, count=count)
            for assessment, (_, visit) in zip(assessments, owners, strict=True)
            for region, counts in visit.findings.items()
            for morphology, count in counts.items()
            if count
        ),
        batch_size=2000,
    )
    PatientReportedOutcome.objects.bulk_create(
        (
            PatientReportedOutcome(
                patient=patient,
                instrument=pga,
                visit_date=visit.visit_date,
                answers={"bother": visit.bother},
                score=Decimal(visit.bother),
                source=ReportSource.CLINIC,
                recorded_by=physician,
                recorded_at=now,
            )
            for patient, visit in owners
        ),
        batch_size=2000,
    )
    baselines: dict[int, ScarAssessment] = {}
    for assessment, (patient, _) in zip(assessments, owners, strict=True):
        baselines.setdefault(patient.pk, assessment)
    seed_demo_history(
        courses=[
            (patient, baselines[patient.pk], trajectory.course)
            for patient, trajectory in zip(patients, plans, strict=True)
            if trajectory is not None and trajectory.course is not None
        ],
        physician=physician,
    )
    return len(assessments)


def _patients(
    clinic: Clinic,
    count: int,
    rng: random.Random,
    users: dict[str, User],
    versions: dict[str, ConsentTemplateVersion],
    report: SeedReport,
    batch: int = 2000,
) -> None:
    today = timezone.localdate()
    now = timezone.now()
    existing = set(Patient.objects.filter(clinic=clinic).values_list("mrn", flat=True))
    nurse = users["nurse"] if clinic.code == "ISB" else users["physician.lahore"]
    witness = users["nurse"] if clinic.code == "ISB" else users["director"]
    drawn = signature_png(rng)
    for start in range(0, count, batch):
        new_patients: list[Patient] = []
        plans: list[tuple[dict[str, object], bool, list[str]]] = []
        assessment_plans: list[DemoTrajectory | None] = []
        for i in range(start, min(start + batch, count)):
            # Every patient's values come from the random stream in order, whether or not it
            # is created now, so a second run makes the same patients and skips them.
            sex = rng.choices(["female", "male"], [55, 45])[0]
            given = rng.choice(GIVEN_F if sex == "female" else GIVEN_M)
            family = rng.choice(FAMILY)
            dob = today - timedelta(days=rng.randint(16 * 365, 58 * 365))
            phone = f"+92 3{rng.randint(0, 4)}{rng.randint(0, 9)} {rng.randint(1000000, 9999999)}"
            address = f"House {rng.randint(1, 400)}, Street {rng.randint(1, 60)}, {rng.choice(SECTORS)}, {clinic.city}"
            history = _history_values(rng, sex, today)
            second_version = rng.random() < 0.1
            consent_kinds = (
                ["photography"]
                + rng.sample(
                    [
                        "microneedling",
                        "prp",
                        "laser",
                        "chemical_peel",
                        "subcision",
                        "cell_therapy",
                        "fat_harvest",
                    ],
                    rng.randint(0, 2),
                )
                if rng.random() < 0.6
                else []
            )
            mrn = f"{clinic.code}-{i + 1:06d}"
            if mrn in existing:
                continue
            patient = Patient(
                clinic=clinic,
                mrn=mrn,
                given_name=given,
                family_name=family,
                date_of_birth=dob,
                sex=sex,
                phone=phone,
                email="",
                address=address,
                preferred_language="ur" if rng.random() < 0.35 else "en",
                given_search=normalise_name(given),
                family_search=normalise_name(family),
                name_search=normalise_name(f"{given} {family}"),
                phone_digits=phone_digits(phone),
                registered_by=users["frontdesk"] if clinic.code == "ISB" else nurse,
            )
            new_patients.append(patient)
            assessment_plans.append(_assessment_plan(rng, today, history))
            plans.append((history, second_version, consent_kinds))
        if not new_patients:
            continue
        Patient.objects.bulk_create(new_patients)
        histories: list[MedicalHistoryVersion] = []
        current_index: list[int] = []
        for patient, (values, second_version, _) in zip(new_patients, plans, strict=True):
            first = MedicalHistoryVersion(
                patient=patient,
                version=1,
                recorded_at=now - timedelta(days=30),
                recorded_by=nurse,
                change_note="Intake",
                **values,
            )
            histories.append(first)
            if second_version:
                changed = dict(values, active_acne=False, acne_severity="none")
                histories.append(
                    MedicalHistoryVersion(
                        patient=patient,
                        version=2,
                        recorded_at=now - timedelta(days=2),
                        recorded_by=nurse,
                        change_note="Acne treated; reviewed at follow-up",
                        **changed,
                    )
                )
            current_index.append(len(histories) - 1)
        MedicalHistoryVersion.objects.bulk_create(histories)
        for patient, index in zip(new_patients, current_index, strict=True):
            patient.current_history = histories[index]
        Patient.objects.bulk_update(new_patients, ["current_history"], batch_size=1000)
        consents: list[SignedConsent] = []
        for n, (patient, (_, _, kinds)) in enumerate(zip(new_patients, plans, strict=True)):
            for kind in kinds:
                version = versions[kind]
                typed = n % 3 != 0
                consents.append(
                    SignedConsent(
                        patient=patient,
                        template_version=version,
                        procedure_type=kind,
                        title=version.template.title,
                        version_number=version.version,
                        language=version.language,
                        text_shown=version.body,
                        text_sha256=hashlib.sha256(version.body.encode()).hexdigest(),
                        signer_name=patient.full_name,
                        method=SignatureMethod.TYPED if typed else SignatureMethod.DRAWN,
                        typed_name=patient.full_name if typed else "",
                        witness=witness if typed else None,
                        signature_png="" if typed else drawn,
                        signed_at=now - timedelta(days=20),
                        recorded_by=nurse,
                    )
                )
        SignedConsent.objects.bulk_create(consents, batch_size=1000)
        report.assessments += _create_assessments(
            new_patients, assessment_plans, users["physician"] if clinic.code == "ISB" else nurse
        )
        report.patients += len(new_patients)
        report.histories += len(histories)
        report.consents += len(consents)


@transaction.atomic
def seed_demo(*, patients: int, seed: int) -> SeedReport:
    report = SeedReport()
    clinics = _clinics(report)
    users = _users(clinics, report)
    versions = _templates(clinics, report)
    isb_count = max(1, round(patients * 0.9))
    _patients(
        clinics["ISB"], isb_count, random.Random(seed), users, versions[clinics["ISB"].pk], report
    )
    _patients(
        clinics["LHE"],
        patients - isb_count,
        random.Random(seed + 1),
        users,
        versions[clinics["LHE"].pk],
        report,
    )
    for clinic in clinics.values():
        seed_demo_consultation(clinic=clinic, director=users["director"])
    report.products = seed_demo_biologics(
        clinic=clinics["ISB"],
        users=users,
        patients=list(Patient.objects.filter(clinic=clinics["ISB"]).order_by("mrn")[:30]),
        rng=random.Random(seed + 4),
    )
    report.plans = seed_demo_plans(
        clinic=clinics["ISB"],
        users=users,
        patients=list(Patient.objects.filter(clinic=clinics["ISB"]).order_by("mrn")[:60]),
        rng=random.Random(seed + 3),
    )
    report.photo_sets = seed_demo_photos(
        patients=list(Patient.objects.filter(clinic=clinics["ISB"]).order_by("mrn")[:12]),
        taken_by=users["nurse"],
        rng=random.Random(seed + 2),
        count=12,
    )
    portal_patient = Patient.objects.filter(clinic=clinics["ISB"], mrn="ISB-000001").first()
    if portal_patient is not None and portal_patient.portal_user_id is None:
        portal_patient.portal_user = users["patient"]
        portal_patient.save(update_fields=["portal_user"])
        # The portal login carries the name of the record it opens.
        User.objects.filter(pk=users["patient"].pk).update(
            first_name=portal_patient.given_name, last_name=portal_patient.family_name
        )
    if portal_patient is not None:
        seed_demo_portal(patient=portal_patient, by=users["nurse"])
    seed_demo_adverse_events(clinic=clinics["ISB"], users=users, rng=random.Random(seed + 5))
    audit_record(
        action=AuditAction.SEED, object_type="demo", detail=report.__dict__ | {"seed": seed}
    )
    return report
