"""A clinic network at benchmark scale: 10 clinics and, at full size, 100,000 patients with
1,000,000 scar assessments, 300,000 signed procedure records and 50,000 cell products.

It starts from the ordinary demo (``seed_demo``: users, consent templates, prices, the demo
cell lab and plans made with the services), adds eight clinics with their staff, rooms, consent
templates, post-care wording and demo cell lab, and then loads the bulk with COPY on
PostgreSQL (``executemany`` on SQLite). The bulk rows are the demo's, at volume: names, skin
types and medical histories from :mod:`scarclinic.web.demo`, scar counts from its profiles
with scores computed by :func:`scarclinic.clinical.scales.scores_from_findings`, plan
protocols from the catalogue, procedure details validated by
:func:`scarclinic.treatments.details.validate_details`, DINs from :mod:`scarclinic.clinical.isbt128`.
Nothing bypasses the database: CHECK constraints, foreign keys, the exclusion constraints
on appointments and the cell-product triggers (a unit is created in quarantine, released only
with a release signature, administered only after a passing bedside check with consent in
force) all run on every row.

For benchmarks only: every patient's history is a treatment course (a baseline assessment,
three sessions four weeks apart, follow-ups), which is denser than a real clinic's."""

from __future__ import annotations

import hashlib
import json
import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from scarclinic.accounts.models import Clinic, Membership, User
from scarclinic.accounts.roles import Role
from scarclinic.analytics import demo_trajectories as trajectories
from scarclinic.assessments.models import (
    AssessmentStatus,
    Instrument,
    PatientReportedOutcome,
    RegionFinding,
    ReportSource,
    ScarAssessment,
)
from scarclinic.biologics import selectors as biologics_selectors
from scarclinic.biologics.models import (
    BedsideCheck,
    BiologicsSettings,
    Collection,
    CustodyEvent,
    ElectronicSignature,
    ProductAdministration,
    ProductCode,
    ProductUnit,
    QcTestResult,
)
from scarclinic.clinical.evidence import Modality
from scarclinic.clinical.isbt128 import check_character, make_din
from scarclinic.clinical.morphology import Morphology
from scarclinic.clinical.qc import Acceptance
from scarclinic.clinical.scales import scores_from_findings
from scarclinic.patients.models import (
    ConsentTemplateVersion,
    MedicalHistoryVersion,
    Patient,
    SignedConsent,
)
from scarclinic.patients.search import normalise_name, phone_digits
from scarclinic.treatments.demo import seed_demo_consultation
from scarclinic.treatments.demo_plans import DEMO_DETAILS, seed_demo_postcare
from scarclinic.treatments.details import validate_details
from scarclinic.treatments.models import (
    Appointment,
    PlanChange,
    PlanModality,
    ProcedureRecord,
    Room,
    TreatmentPlan,
    TreatmentSession,
)
from scarclinic.treatments.protocol import protocol_default
from scarclinic.web import demo

# Per patient, at every size: 10 assessments, 3 procedure records, half a cell product.
ASSESSMENTS_PER_PATIENT = 10
PROCEDURES_PER_PATIENT = 3
PRODUCTS_PER_PATIENT = 0.5
FULL_PATIENTS = 100_000
# The eight further clinics of the network (code, name, city); ISB and LHE come from the demo.
MORE_CLINICS = [
    ("KHI", "Karachi Scar & Skin Centre", "Karachi"),
    ("RWP", "Rawalpindi Dermatology Clinic", "Rawalpindi"),
    ("FSD", "Faisalabad Skin Clinic", "Faisalabad"),
    ("MUX", "Multan Regenerative Dermatology", "Multan"),
    ("PEW", "Peshawar Skin & Scar Clinic", "Peshawar"),
    ("QTA", "Quetta Dermatology Centre", "Quetta"),
    ("SKT", "Sialkot Skin Clinic", "Sialkot"),
    ("GUJ", "Gujranwala Scar Clinic", "Gujranwala"),
]
LANES = 5  # physicians, each with a room of their own, per clinic
SLOTS_PER_DAY = 8  # 60-minute slots from 09:00
COURSE_DAYS = 28  # sessions four weeks apart
FUTURE_SHARE = 0.1  # patients with a next session booked in the coming weeks
# Treatments of the bulk courses: no device to schedule, and a demo record for each.
COURSE_MODALITIES = (Modality.MICRONEEDLING_PRP, Modality.MICRONEEDLING, Modality.TCA_CROSS)
COURSE_CONSENT = {
    Modality.MICRONEEDLING_PRP: ("microneedling", "prp"),
    Modality.MICRONEEDLING: ("microneedling",),
    Modality.TCA_CROSS: ("chemical_peel",),
}
BATCH = 2000
DEMO_CHECKLIST = json.dumps(
    [
        {
            "key": "demo",
            "label": "Demo data",
            "passed": True,
            "detail": "Loaded with the benchmark data: no checklist was run for this record.",
            "refs": {},
        }
    ]
)


@dataclass
class NetworkReport:
    clinics: int = 0
    patients: int = 0
    assessments: int = 0
    region_findings: int = 0
    procedures: int = 0
    appointments: int = 0
    products: int = 0
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)
    loaded: dict[str, tuple[int, float]] = field(default_factory=dict)  # rows, seconds

    def counts(self) -> dict[str, int]:
        return {
            "clinics": Clinic.objects.count(),
            "patients": Patient.objects.count(),
            "assessments": ScarAssessment.objects.count(),
            "procedures": ProcedureRecord.objects.count(),
            "products": ProductUnit.objects.count(),
        }


class NetworkExists(Exception):
    pass


def _lite(value: Any) -> Any:
    """A value as SQLite's driver takes it, stored the way Django stores it."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool):
        return int(value)
    return value


class _Loader:
    """Explicit ids and fast inserts: COPY on PostgreSQL, executemany on SQLite. Columns a row
    does not give take the model field's default (or NULL); a NOT NULL column without either
    is an error here, before the database sees anything."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.next_id: dict[type[models.Model], int] = {}
        self.touched: set[type[models.Model]] = set()
        self.rows: dict[str, int] = {}
        self.seconds: dict[str, float] = {}

    def ids(self, model: type[models.Model], n: int) -> range:
        if model not in self.next_id:
            top = model._default_manager.aggregate(m=models.Max("pk"))["m"] or 0
            self.next_id[model] = int(top) + 1
        start = self.next_id[model]
        self.next_id[model] = start + n
        self.touched.add(model)
        return range(start, start + n)

    def _fill(
        self, model: type[models.Model], columns: Sequence[str]
    ) -> tuple[list[str], tuple[Any, ...]]:
        given = set(columns)
        extra_columns: list[str] = []
        extra: list[Any] = []
        now = timezone.now()
        for f in model._meta.concrete_fields:
            if f.column in given or f.primary_key:
                continue  # a key not given is the database's to number
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value: Any = now
            elif f.has_default() or (f.empty_strings_allowed and not f.null):
                value = f.get_default()  # a text field without a default: ""
            elif f.null:
                value = None
            else:
                raise ValueError(f"{model.__name__}.{f.name} needs a value")
            if value is not None and isinstance(f, models.JSONField):
                value = json.dumps(value)
            extra_columns.append(f.column)
            extra.append(value)
        return extra_columns, tuple(extra)

    def load(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        started = time.perf_counter()
        extra_columns, extra = self._fill(model, columns)
        names = [*columns, *extra_columns]
        table = connection.ops.quote_name(model._meta.db_table)
        column_sql = ", ".join(connection.ops.quote_name(c) for c in names)
        n = 0
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row((*row, *extra))
                        n += 1
            else:
                marks = ", ".join(["%s"] * len(names))
                data = [tuple(_lite(v) for v in (*row, *extra)) for row in rows]
                cursor.executemany(f"INSERT INTO {table} ({column_sql}) VALUES ({marks})", data)
                n = len(data)
        self.rows[model._meta.label] = self.rows.get(model._meta.label, 0) + n
        self.seconds[model._meta.label] = (
            self.seconds.get(model._meta.label, 0.0) + time.perf_counter() - started
        )
        return n

    def reset_sequences(self) -> None:
        if self.vendor != "postgresql" or not self.touched:
            return
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(self.touched)):
                cursor.execute(sql)


@lru_cache(maxsize=200_000)
def _scores(totals: tuple[tuple[str, int], ...], area: float) -> tuple[int, int, str]:
    # Scores depend on the counts summed over the face (scales.scores_from_findings says so),
    # so one region carrying the totals gives the same scores; cached, as totals repeat.
    scores = scores_from_findings({"cheek_left": dict(totals)}, area)
    return scores.goodman_baron, scores.ecca, json.dumps(dict(scores.versions))


@dataclass
class _Staff:
    physicians: list[User]
    nurse: User
    lab: User
    frontdesk: User
    director: User
    rooms: list[Room]


def _clinic_setup(clinic: Clinic, director: User, password: str, rng: random.Random) -> _Staff:
    tag = clinic.code.lower()
    Membership.objects.get_or_create(user=director, clinic=clinic, defaults={"role": Role.DIRECTOR})

    def member(username: str, role: Role) -> User:
        user, _ = demo.demo_user(
            username, rng.choice(demo.GIVEN_F + demo.GIVEN_M), rng.choice(demo.FAMILY), password
        )
        Membership.objects.get_or_create(user=user, clinic=clinic, defaults={"role": role})
        return user

    physicians = [member(f"dr{n}.{tag}", Role.PHYSICIAN) for n in range(1, LANES + 1)]
    staff = _Staff(
        physicians=physicians,
        nurse=member(f"nurse.{tag}", Role.NURSE),
        lab=member(f"lab.{tag}", Role.LAB),
        frontdesk=member(f"frontdesk.{tag}", Role.FRONTDESK),
        director=director,
        rooms=[
            Room.objects.get_or_create(clinic=clinic, name=f"Procedure room {n}")[0]
            for n in range(1, LANES + 1)
        ],
    )
    seed_demo_consultation(clinic=clinic, director=director)
    seed_demo_postcare(clinic=clinic)
    return staff


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _baseline(rng: random.Random) -> tuple[dict[str, dict[str, int]], float, int]:
    """A face as the demo trajectories draw one: a profile, a severity, scars by region."""
    profile = rng.choices(list(trajectories.PROFILES), trajectories.PROFILE_WEIGHTS)[0]
    severity = rng.choice([8, 15, 25, 40, 60])
    findings = trajectories._baseline_findings(rng, profile, severity)
    area = round(rng.uniform(0.5, 8), 1) if profile == "hypertrophic" else 0.0
    return findings, area, severity


class _Builder:
    def __init__(self, loader: _Loader, rng: random.Random, report: NetworkReport) -> None:
        self.loader = loader
        self.rng = rng
        self.report = report
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        self.pga = Instrument.objects.get(clinic=None, code="pga")
        self.details = {
            m: json.dumps(
                validate_details(
                    m,
                    DEMO_DETAILS[m]
                    | {
                        "anaesthesia": {"kind": "topical", "agent": "Topical anaesthetic cream"},
                        "immediate_reactions": ["erythema"],
                    },
                )
            )
            for m in COURSE_MODALITIES
        }
        self.protocols = {m: protocol_default(m) for m in COURSE_MODALITIES}
        self.span = 3 * COURSE_DAYS  # days between cohorts (set per clinic)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, dtime(hour, minute), tzinfo=self.tz)

    # -- one clinic ---------------------------------------------------------------------
    def clinic(
        self,
        clinic: Clinic,
        staff: _Staff,
        patients: int,
        assessments: int,
        procedures: int,
        products: int,
        first_index: int,
    ) -> None:
        if patients <= 0:
            return
        versions = {
            v.template.procedure_type: v
            for v in ConsentTemplateVersion.objects.filter(
                template__clinic=clinic, status="active"
            ).select_related("template")
        }
        settings = BiologicsSettings.objects.filter(clinic=clinic).first()
        prp_code = ProductCode.objects.filter(clinic=clinic, product_type="prp").first()
        per_patient_a = _split(assessments, patients)
        per_patient_p = _split(procedures, patients)
        # A cohort is as many patients as the lanes take in four weeks.
        cohort = LANES * SLOTS_PER_DAY * COURSE_DAYS
        cohorts = math.ceil(patients / cohort)
        # A cohort's courses take as many four-week rounds as its longest course (three
        # sessions, some four when the procedures do not divide evenly), so cohorts never
        # share a slot.
        self.span = max(3, max(per_patient_p)) * COURSE_DAYS
        first_day = self.today - timedelta(days=cohorts * self.span + 1)
        # PRP sessions (even-numbered patients are on microneedling + PRP) share the products
        # evenly: one every ``product_every`` of them.
        prp_sessions = sum(per_patient_p[k] for k in range(0, patients, 2) if per_patient_a[k] > 0)
        if products > prp_sessions:
            raise ValueError(f"{products} cell products need as many PRP sessions")
        product_every = prp_sessions / products if products else 0.0
        state = {"prp_sessions": 0, "products": 0, "future": 0}
        for start in range(0, patients, BATCH):
            stop = min(patients, start + BATCH)
            with transaction.atomic():
                self._batch(
                    clinic,
                    staff,
                    versions,
                    settings,
                    prp_code,
                    range(start, stop),
                    per_patient_a,
                    per_patient_p,
                    first_day,
                    cohort,
                    products,
                    product_every,
                    state,
                    first_index,
                )

    def _batch(
        self,
        clinic: Clinic,
        staff: _Staff,
        versions: dict[str, ConsentTemplateVersion],
        settings: BiologicsSettings | None,
        prp_code: ProductCode | None,
        indices: range,
        per_patient_a: list[int],
        per_patient_p: list[int],
        first_day: date,
        cohort: int,
        products: int,
        product_every: float,
        state: dict[str, int],
        first_index: int,
    ) -> None:
        rng, load, now, today = self.rng, self.loader, self.now, self.today
        n = len(indices)
        patient_ids = load.ids(Patient, n)
        history_ids = load.ids(MedicalHistoryVersion, n)
        patients: list[tuple[Any, ...]] = []
        histories: list[tuple[Any, ...]] = []
        consents: list[tuple[Any, ...]] = []
        courses: list[tuple[int, int, Modality, int, int, int, str, int]] = []
        for slot, (k, pid, hid) in enumerate(zip(indices, patient_ids, history_ids, strict=True)):
            sex = rng.choices(["female", "male"], [55, 45])[0]
            given = rng.choice(demo.GIVEN_F if sex == "female" else demo.GIVEN_M)
            family = rng.choice(demo.FAMILY)
            dob = today - timedelta(days=rng.randint(16 * 365, 58 * 365))
            phone = f"+92 3{rng.randint(0, 4)}{rng.randint(0, 9)} {rng.randint(1000000, 9999999)}"
            address = (
                f"House {rng.randint(1, 400)}, Street {rng.randint(1, 60)}, "
                f"{rng.choice(demo.SECTORS)}, {clinic.city}"
            )
            mrn = f"{clinic.code}-{first_index + k + 1:06d}"
            patients.append(
                (
                    pid,
                    clinic.pk,
                    mrn,
                    given,
                    family,
                    dob,
                    sex,
                    phone,
                    address,
                    "ur" if rng.random() < 0.35 else "en",
                    normalise_name(given),
                    normalise_name(family),
                    normalise_name(f"{given} {family}"),
                    phone_digits(phone),
                    staff.frontdesk.pk,
                    hid,
                    now - timedelta(days=400),
                )
            )
            values = demo._history_values(rng, sex, today)
            # A patient on a course was screened suitable: no active acne or infection today.
            values.update(active_acne=False, acne_severity="none")
            values.update(skin_infection_in_treatment_area=False, pregnant_or_breastfeeding=False)
            histories.append(
                (
                    hid,
                    pid,
                    1,
                    now - timedelta(days=400),
                    staff.nurse.pk,
                    "Intake",
                    *(
                        json.dumps(v) if isinstance(v, list) else v
                        for v in (values[c] for c in _HISTORY_FIELDS)
                    ),
                )
            )
            modality = COURSE_MODALITIES[0] if k % 2 == 0 else rng.choice(COURSE_MODALITIES[1:])
            full_name = f"{given} {family}"
            for kind in ("photography", *COURSE_CONSENT[modality]):
                version = versions[kind]
                consents.append(
                    (
                        pid,
                        version.pk,
                        kind,
                        version.template.title,
                        version.version,
                        version.language,
                        version.body,
                        hashlib.sha256(version.body.encode()).hexdigest(),
                        full_name,
                        "typed",
                        full_name,
                        staff.nurse.pk,
                        "",
                        now - timedelta(days=390),
                        staff.frontdesk.pk,
                    )
                )
            lane = (k % cohort) % (LANES * SLOTS_PER_DAY) // SLOTS_PER_DAY
            courses.append((k, pid, modality, per_patient_a[k], per_patient_p[k], lane, mrn, slot))
        load.load(Patient, _PATIENT_COLUMNS, patients)
        load.load(MedicalHistoryVersion, _HISTORY_COLUMNS, histories)
        load.load(SignedConsent, _CONSENT_COLUMNS, consents)
        self.report.patients += n
        self._assessments_and_courses(
            clinic,
            staff,
            settings,
            prp_code,
            courses,
            first_day,
            cohort,
            products,
            product_every,
            state,
        )

    def _assessments_and_courses(
        self,
        clinic: Clinic,
        staff: _Staff,
        settings: BiologicsSettings | None,
        prp_code: ProductCode | None,
        courses: list[tuple[int, int, Modality, int, int, int, str, int]],
        first_day: date,
        cohort: int,
        products: int,
        product_every: float,
        state: dict[str, int],
    ) -> None:
        rng, load, now, today = self.rng, self.loader, self.now, self.today
        per_day = LANES * SLOTS_PER_DAY
        a_ids = iter(load.ids(ScarAssessment, sum(c[3] for c in courses)))
        assessments: list[tuple[Any, ...]] = []
        findings: list[tuple[Any, ...]] = []
        pros: list[tuple[Any, ...]] = []
        plan_rows: list[tuple[Any, ...]] = []
        pm_rows: list[tuple[Any, ...]] = []
        change_rows: list[tuple[Any, ...]] = []
        session_rows: list[tuple[Any, ...]] = []
        appt_rows: list[tuple[Any, ...]] = []
        record_rows: list[tuple[Any, ...]] = []
        product_work: list[tuple[int, int, datetime, str, int]] = []  # session, patient, at, mrn
        with_course = [c for c in courses if c[4] > 0]
        plan_ids = iter(load.ids(TreatmentPlan, len(with_course)))
        pm_ids = iter(load.ids(PlanModality, len(with_course)))
        future = [c for c in with_course if rng.random() < FUTURE_SHARE]
        future_set = {c[1] for c in future}
        n_sessions = sum(c[4] for c in with_course) + len(future)
        session_ids = iter(load.ids(TreatmentSession, n_sessions))
        appt_ids = iter(load.ids(Appointment, n_sessions))
        for k, pid, modality, n_assess, n_proc, lane, mrn, _slot in courses:
            physician = staff.physicians[lane]
            room = staff.rooms[lane]
            cohort_no, r = divmod(k, cohort)
            day0 = first_day + timedelta(days=cohort_no * self.span + r // per_day)
            hour = 9 + r % SLOTS_PER_DAY
            # Assessments: the baseline a week before the first session, then follow-ups
            # spread evenly up to today, each with fewer scars.
            base, area, severity = _baseline(rng)
            start = day0 - timedelta(days=7)
            step = max(1, (today - start).days // max(1, n_assess - 1))
            current = base
            bother = min(10, 3 + severity // 8 + rng.randint(0, 2))
            grade = 2 if severity <= 8 else 3 if severity <= 25 else 4
            fitz = rng.choices([2, 3, 4, 5, 6], [4, 30, 44, 19, 3])[0]
            # Each session done clears a share of each morphology (the demo trajectories'
            # model, applied to the counts rather than scar by scar, for speed).
            factor = trajectories.response_factor(rng)
            keep = {
                m.value: 1 - trajectories.session_clearance(modality, m, factor, fitz)
                for m in Morphology
            }
            session_days = [day0 + timedelta(days=COURSE_DAYS * j) for j in range(n_proc)]
            done_before = 0
            for i in range(n_assess):
                aid = next(a_ids)
                visit = min(today, start + timedelta(days=i * step))
                done = sum(1 for d in session_days if d < visit)
                if done > done_before:
                    times = done - done_before
                    current = {
                        region: {m: round(c * keep[m] ** times) for m, c in counts.items()}
                        for region, counts in current.items()
                    }
                    area = round(area * keep[Morphology.HYPERTROPHIC.value] ** times, 1)
                    bother = max(0, bother - rng.randint(0, times))
                    if grade > 1 and rng.random() < 0.3 * times:
                        grade -= 1
                    done_before = done
                totals: dict[str, int] = {}
                for counts in current.values():
                    for m, c in counts.items():
                        totals[m] = totals.get(m, 0) + c
                gb, ecca, versions = _scores(tuple(sorted(totals.items())), area)
                signed = self.at(visit, 12)
                assessments.append(
                    (
                        aid,
                        pid,
                        visit,
                        physician.pk,
                        AssessmentStatus.SIGNED.value,
                        grade,
                        fitz,
                        Decimal(str(area)),
                        gb,
                        ecca,
                        versions,
                        signed,
                        signed,
                        signed,
                        physician.pk,
                    )
                )
                for region, counts in current.items():
                    for m, c in counts.items():
                        if c:
                            findings.append((aid, region, m, c))
                pros.append(
                    (
                        pid,
                        self.pga.pk,
                        visit,
                        json.dumps({"bother": bother}),
                        Decimal(bother),
                        ReportSource.CLINIC.value,
                        physician.pk,
                        signed,
                    )
                )
            if n_proc <= 0:
                continue
            first_assessment = assessments[-n_assess][0] if n_assess else None
            if first_assessment is None:
                continue
            plan_id, pm_id = next(plan_ids), next(pm_ids)
            booked_next = pid in future_set
            n_total = n_proc + (1 if booked_next else 0)
            default = self.protocols[modality]
            interval = default.interval.value if default.interval else 4
            created = self.at(day0 - timedelta(days=7), 13)
            plan_rows.append(
                (
                    plan_id,
                    pid,
                    first_assessment,
                    f"Fewer and shallower scars: {modality.label} (benchmark course).",
                    day0,
                    physician.pk,
                    "active" if booked_next else "completed",
                    created,
                    created,
                )
            )
            pm_rows.append(
                (
                    pm_id,
                    plan_id,
                    modality.value,
                    0,
                    n_total,
                    interval if n_total > 1 else None,
                    default.minimum.unit if default.minimum else "weeks",
                    0,
                    default.sessions,
                    default.interval.value if default.interval else None,
                    default.minimum.value if default.minimum else None,
                    default.maximum.value if default.maximum else None,
                    default.minimum.unit if default.minimum else "weeks",
                    default.wording[:300],
                    default.source or "",
                    default.verified,
                )
            )
            change_rows.append(
                (
                    plan_id,
                    "created",
                    json.dumps({"start_date": day0.isoformat(), "status": "proposed"}),
                    physician.pk,
                    created,
                )
            )
            minutes = 60 if modality == Modality.MICRONEEDLING_PRP else 45
            if modality == Modality.TCA_CROSS:
                minutes = 30
            for j in range(n_proc):
                sid, apid = next(session_ids), next(appt_ids)
                day = day0 + timedelta(days=COURSE_DAYS * j)
                starts = self.at(day, hour)
                session_rows.append((sid, plan_id, pm_id, j + 1, day, "done"))
                appt_rows.append(
                    (
                        apid,
                        clinic.pk,
                        pid,
                        sid,
                        modality.value,
                        physician.pk,
                        room.pk,
                        starts,
                        starts + timedelta(minutes=minutes),
                        "completed",
                        staff.frontdesk.pk,
                        starts - timedelta(days=10),
                    )
                )
                administration = None
                if (
                    modality == Modality.MICRONEEDLING_PRP
                    and settings is not None
                    and state["products"] < products
                    and state["prp_sessions"] >= state["products"] * product_every
                ):
                    administration = len(product_work)
                    product_work.append((sid, pid, starts, mrn, physician.pk))
                    state["products"] += 1
                if modality == Modality.MICRONEEDLING_PRP:
                    state["prp_sessions"] += 1
                record_rows.append(
                    (
                        sid,
                        apid,
                        pid,
                        modality.value,
                        day,
                        physician.pk,
                        DEMO_CHECKLIST,
                        staff.nurse.pk,
                        starts - timedelta(minutes=15),
                        administration,
                        self.details[modality],
                        f"{modality.value}/1",
                        staff.nurse.pk,
                        starts + timedelta(minutes=minutes),
                        "signed",
                        starts + timedelta(minutes=minutes + 5),
                        physician.pk,
                    )
                )
            if booked_next:
                # The next session, booked in the coming weeks on the physician's lane.
                sid, apid = next(session_ids), next(appt_ids)
                f = state["future"]
                state["future"] += 1
                day = today + timedelta(days=1 + f // per_day)
                f_lane = f % per_day // SLOTS_PER_DAY
                starts = self.at(day, 9 + f % SLOTS_PER_DAY)
                session_rows.append((sid, plan_id, pm_id, n_proc + 1, day, "booked"))
                appt_rows.append(
                    (
                        apid,
                        clinic.pk,
                        pid,
                        sid,
                        modality.value,
                        staff.physicians[f_lane].pk,
                        staff.rooms[f_lane].pk,
                        starts,
                        starts + timedelta(minutes=minutes),
                        "booked",
                        staff.frontdesk.pk,
                        now - timedelta(days=3),
                    )
                )
        load.load(ScarAssessment, _ASSESSMENT_COLUMNS, assessments)
        load.load(RegionFinding, ("assessment_id", "region", "morphology", "count"), findings)
        load.load(PatientReportedOutcome, _PRO_COLUMNS, pros)
        load.load(TreatmentPlan, _PLAN_COLUMNS, plan_rows)
        load.load(PlanModality, _PM_COLUMNS, pm_rows)
        load.load(
            PlanChange, ("plan_id", "kind", "after", "changed_by_id", "changed_at"), change_rows
        )
        load.load(
            TreatmentSession,
            ("id", "plan_id", "plan_modality_id", "number", "target_date", "status"),
            session_rows,
        )
        load.load(Appointment, _APPOINTMENT_COLUMNS, appt_rows)
        administration_ids = self._products(clinic, staff, settings, prp_code, product_work)
        load.load(
            ProcedureRecord,
            _RECORD_COLUMNS,
            (
                (*r[:9], administration_ids[r[9]] if r[9] is not None else None, *r[10:])
                for r in record_rows
            ),
        )
        self.report.assessments += len(assessments)
        self.report.region_findings += len(findings)
        self.report.procedures += len(record_rows)
        self.report.appointments += len(appt_rows)

    def _products(
        self,
        clinic: Clinic,
        staff: _Staff,
        settings: BiologicsSettings | None,
        prp_code: ProductCode | None,
        work: list[tuple[int, int, datetime, str, int]],
    ) -> list[int]:
        """PRP made from the patient's own blood on the day of a microneedling + PRP session:
        blood draw, unit (created in quarantine), QC, release signature, custody, the bedside
        check and the administration; then released and administered through the status
        machine's triggers."""
        if not work or settings is None:
            return []
        load = self.loader
        n = len(work)
        collection_ids = load.ids(Collection, n)
        unit_ids = load.ids(ProductUnit, n)
        check_ids = load.ids(BedsideCheck, n)
        admin_ids = load.ids(ProductAdministration, n)
        spec = biologics_selectors.qc_spec_in_force(clinic_id=clinic.pk, product_type="prp")
        qc_values = _qc_values(spec.spec.tests)
        fin = settings.facility_identification_number
        collections, units, qcs, custody, signatures, checks, admins = [], [], [], [], [], [], []
        for (session_id, pid, starts, mrn, physician_id), cid, uid, chk, adm in zip(
            work, collection_ids, unit_ids, check_ids, admin_ids, strict=True
        ):
            del session_id
            drawn = starts - timedelta(minutes=40)
            # Sequences from 500000 leave the demo lab's own DINs (from 1) alone.
            din = make_din(fin, drawn.year, 500_000 + uid % 499_999)
            collections.append(
                (
                    cid,
                    clinic.pk,
                    "blood_draw",
                    pid,
                    drawn,
                    Decimal("20.0"),
                    staff.nurse.pk,
                    "Demo PRP kit, single spin",
                    staff.nurse.pk,
                    drawn,
                )
            )
            made = drawn + timedelta(minutes=15)
            units.append(
                (
                    uid,
                    clinic.pk,
                    cid,
                    din,
                    check_character(din),
                    prp_code.pk if prp_code else None,
                    "prp",
                    True,
                    pid,
                    Decimal("4.00"),
                    "room",
                    drawn + timedelta(hours=4),
                    "same_surgical_procedure",
                    "minimal",
                    "quarantine",
                    staff.lab.pk,
                    made,
                )
            )
            for code, value, text, unit_text in qc_values:
                qcs.append(
                    (
                        uid,
                        code,
                        value,
                        text,
                        unit_text,
                        made,
                        staff.lab.pk,
                        made + timedelta(minutes=2),
                    )
                )
            released = made + timedelta(minutes=10)
            checked = starts + timedelta(minutes=15)
            given = starts + timedelta(minutes=20)
            signatures.append(
                (
                    uid,
                    "release",
                    "approval",
                    staff.director.pk,
                    staff.director.get_full_name(),
                    "director",
                    released,
                    "I release this unit for clinical use",
                    hashlib.sha256(din.encode()).hexdigest(),
                )
            )
            custody.extend(
                [
                    (uid, "received", made, staff.lab.pk, "quarantine", made),
                    (uid, "released", released, staff.director.pk, "released", released),
                    (uid, "administered", given, physician_id, "administered", given),
                ]
            )
            checks.append(
                (
                    chk,
                    clinic.pk,
                    uid,
                    din,
                    pid,
                    mrn,
                    "microneedling_prp",
                    True,
                    "passed",
                    json.dumps([]),
                    staff.nurse.pk,
                    checked,
                )
            )
            admins.append(
                (
                    adm,
                    uid,
                    pid,
                    chk,
                    "microneedling_prp",
                    "topical",
                    Decimal("4.00"),
                    "prp",
                    physician_id,
                    given,
                )
            )
        load.load(Collection, _COLLECTION_COLUMNS, collections)
        load.load(ProductUnit, _UNIT_COLUMNS, units)
        load.load(QcTestResult, _QC_COLUMNS, qcs)
        load.load(ElectronicSignature, _SIGNATURE_COLUMNS, signatures)
        load.load(
            CustodyEvent,
            ("product_id", "kind", "at", "by_id", "status_after", "recorded_at"),
            custody,
        )
        first, last = unit_ids[0], unit_ids[-1]
        # Through the status machine (migration 0002's triggers check each row).
        ProductUnit.objects.filter(pk__gte=first, pk__lte=last).update(status="released")
        load.load(BedsideCheck, _CHECK_COLUMNS, checks)
        load.load(ProductAdministration, _ADMIN_COLUMNS, admins)
        ProductUnit.objects.filter(pk__gte=first, pk__lte=last).update(status="administered")
        self.report.products += n
        return list(admin_ids)


def _qc_values(tests: Iterable[Any]) -> list[tuple[str, Decimal | None, str, str]]:
    """A passing result for each required test (as biologics.demo._pass_all records them)."""
    rows = []
    for test in tests:
        if not test.required:
            continue
        value: Decimal | None = None
        text, unit_text = "", test.unit
        if test.acceptance is Acceptance.NEGATIVE:
            text, unit_text = "Negative", ""
        elif test.acceptance is Acceptance.NO_GROWTH:
            text, unit_text = "No growth", ""
        elif test.acceptance is Acceptance.EQUALS:
            text, unit_text = test.expected, ""
        elif test.code == "endotoxin":
            value, unit_text = Decimal("0.4"), "EU/mL"
        elif test.code == "viability":
            value = Decimal("88.5")
        elif test.code == "cell_dose":
            value = Decimal(20)
        elif test.acceptance is Acceptance.MAX:
            value = Decimal("0.8")
        else:
            value = (test.minimum or Decimal(0)) + Decimal("2.5")
        rows.append((test.code, value, text, unit_text))
    return rows


_PATIENT_COLUMNS = (
    "id",
    "clinic_id",
    "mrn",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "phone",
    "address",
    "preferred_language",
    "given_search",
    "family_search",
    "name_search",
    "phone_digits",
    "registered_by_id",
    "current_history_id",
    "registered_at",
)
_HISTORY_FIELDS = (
    "active_acne",
    "acne_severity",
    "skin_infection_in_treatment_area",
    "isotretinoin",
    "isotretinoin_last_dose",
    "pregnant_or_breastfeeding",
    "anticoagulant_or_antiplatelet",
    "bleeding_or_platelet_disorder",
    "keloid_tendency",
    "herpes_simplex_history",
    "photosensitising_drugs",
    "autoimmune_disease",
    "active_cancer",
    "systemic_infection",
    "local_anaesthetic_allergy",
    "allergies",
    "fitzpatrick",
)
_HISTORY_COLUMNS = (
    "id",
    "patient_id",
    "version",
    "recorded_at",
    "recorded_by_id",
    "change_note",
    *_HISTORY_FIELDS,
)
_CONSENT_COLUMNS = (
    "patient_id",
    "template_version_id",
    "procedure_type",
    "title",
    "version_number",
    "language",
    "text_shown",
    "text_sha256",
    "signer_name",
    "method",
    "typed_name",
    "witness_id",
    "signature_png",
    "signed_at",
    "recorded_by_id",
)
_ASSESSMENT_COLUMNS = (
    "id",
    "patient_id",
    "visit_date",
    "assessed_by_id",
    "status",
    "qualitative_grade",
    "fitzpatrick",
    "keloid_area_cm2",
    "goodman_baron_score",
    "ecca_score",
    "scale_versions",
    "created_at",
    "updated_at",
    "signed_at",
    "signed_by_id",
)
_PRO_COLUMNS = (
    "patient_id",
    "instrument_id",
    "visit_date",
    "answers",
    "score",
    "source",
    "recorded_by_id",
    "recorded_at",
)
_PLAN_COLUMNS = (
    "id",
    "patient_id",
    "assessment_id",
    "goal",
    "start_date",
    "prescriber_id",
    "status",
    "created_at",
    "status_changed_at",
)
_PM_COLUMNS = (
    "id",
    "plan_id",
    "modality",
    "position",
    "sessions",
    "interval_value",
    "interval_unit",
    "first_offset_days",
    "default_sessions",
    "default_interval_value",
    "protocol_min_value",
    "protocol_max_value",
    "protocol_unit",
    "protocol_wording",
    "protocol_source",
    "protocol_verified",
)
_APPOINTMENT_COLUMNS = (
    "id",
    "clinic_id",
    "patient_id",
    "session_id",
    "modality",
    "clinician_id",
    "room_id",
    "starts_at",
    "ends_at",
    "status",
    "booked_by_id",
    "booked_at",
)
_RECORD_COLUMNS = (
    "session_id",
    "appointment_id",
    "patient_id",
    "modality",
    "performed_on",
    "performed_by_id",
    "checklist",
    "checklist_by_id",
    "checklist_at",
    "product_administration_id",
    "details",
    "details_schema",
    "recorded_by_id",
    "recorded_at",
    "status",
    "signed_at",
    "signed_by_id",
)
_COLLECTION_COLUMNS = (
    "id",
    "clinic_id",
    "kind",
    "patient_id",
    "collected_at",
    "volume_ml",
    "performed_by_id",
    "preparation_method",
    "recorded_by_id",
    "recorded_at",
)
_UNIT_COLUMNS = (
    "id",
    "clinic_id",
    "collection_id",
    "din",
    "check_character",
    "product_code_id",
    "product_type",
    "is_autologous",
    "intended_recipient_id",
    "volume_ml",
    "storage_condition",
    "expires_at",
    "regulatory_class",
    "manipulation",
    "status",
    "created_by_id",
    "created_at",
)
_QC_COLUMNS = (
    "product_id",
    "test_code",
    "value",
    "text",
    "unit",
    "tested_at",
    "recorded_by_id",
    "recorded_at",
)
_SIGNATURE_COLUMNS = (
    "product_id",
    "action",
    "meaning",
    "signer_id",
    "signer_name",
    "signer_role",
    "signed_at",
    "statement",
    "record_sha256",
)
_CHECK_COLUMNS = (
    "id",
    "clinic_id",
    "product_id",
    "din_entered",
    "patient_id",
    "patient_identifier_entered",
    "modality",
    "for_administration",
    "outcome",
    "reasons",
    "checked_by_id",
    "checked_at",
)
_ADMIN_COLUMNS = (
    "id",
    "product_id",
    "patient_id",
    "bedside_check_id",
    "modality",
    "route",
    "volume_ml",
    "consent_procedure",
    "administered_by_id",
    "administered_at",
)


def _lab_setup(clinic: Clinic, staff: _Staff) -> None:
    """The clinic's cell-lab settings, product codes and storage, made with the services as
    the demo lab makes them (biologics.demo); every clinic gets a demo FIN of its own."""
    from scarclinic.biologics import demo as lab_demo
    from scarclinic.biologics import services as lab_services

    director = User.objects.get(pk=staff.director.pk)  # fresh: its memberships just changed
    if not BiologicsSettings.objects.filter(clinic=clinic).exists():
        taken = set(
            BiologicsSettings.objects.values_list("facility_identification_number", flat=True)
        )
        fin = next(
            f"DEMO{c}" for c in "123456789ABCDEFGHJKLMNPQRSTUVWXYZ" if f"DEMO{c}" not in taken
        )
        lab_services.settings_update(
            clinic=clinic, by=director, facility_identification_number=fin, fin_is_demo=True
        )
    lab_demo._codes(clinic, director)
    lab_demo._locations(clinic, staff.lab)


def build_network(
    *,
    patients: int,
    seed: int = 1,
    log: Callable[[str], None] = lambda text: None,
) -> NetworkReport:
    """Build the network into an empty (migrated) database: ``patients`` patients in all, ten
    assessments, three procedure records and half a cell product each (the demo's own records
    included). Refuses a database that already holds the network (its third clinic exists)."""
    if Clinic.objects.filter(code=MORE_CLINICS[0][0]).exists():
        raise NetworkExists("this database already holds the network; use a fresh one")
    report = NetworkReport()
    started = time.perf_counter()
    rng = random.Random(seed)
    mark = started

    def step(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        report.steps[name] = round(now - mark, 2)
        log(f"  {name}: {now - mark:.1f} s")
        mark = now

    demo.seed_demo(patients=min(200, max(20, patients // 50)), seed=seed)
    step("seed_demo (services)")
    password = make_password(demo.DEMO_PASSWORD)
    director = User.objects.get(username="director")
    clinics = sorted(Clinic.objects.filter(code__in=["ISB", "LHE"]), key=lambda c: c.code != "ISB")
    for code, name, city in MORE_CLINICS:
        clinic, _ = demo.demo_clinic(code, name, city)
        clinics.append(clinic)
    staff: dict[int, _Staff] = {}
    with transaction.atomic():
        demo._templates({c.code: c for c in clinics}, demo.SeedReport())
        for clinic in clinics:
            staff[clinic.pk] = _clinic_setup(clinic, director, password, rng)
            _lab_setup(clinic, staff[clinic.pk])
    report.clinics = len(clinics)
    step("clinics, staff, templates, labs")

    loader = _Loader()
    builder = _Builder(loader, rng, report)
    parts = len(clinics)
    per_clinic = _split(max(0, patients - Patient.objects.count()), parts)
    per_clinic_a = _split(
        max(0, patients * ASSESSMENTS_PER_PATIENT - ScarAssessment.objects.count()), parts
    )
    per_clinic_p = _split(
        max(0, patients * PROCEDURES_PER_PATIENT - ProcedureRecord.objects.count()), parts
    )
    per_clinic_u = _split(
        max(0, round(patients * PRODUCTS_PER_PATIENT) - ProductUnit.objects.count()), parts
    )
    for i, clinic in enumerate(clinics):
        builder.clinic(
            clinic,
            staff[clinic.pk],
            per_clinic[i],
            per_clinic_a[i],
            per_clinic_p[i],
            per_clinic_u[i],
            Patient.objects.filter(clinic=clinic).count(),  # MRNs continue after the demo's
        )
        log(f"    {clinic.code}: {per_clinic[i]} patients")
    step("bulk: patients, assessments, courses, cell products")
    report.loaded = {
        label: (loader.rows[label], round(loader.seconds[label], 2)) for label in loader.rows
    }
    loader.reset_sequences()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        step("ANALYZE")
    report.seconds = round(time.perf_counter() - started, 1)
    return report
