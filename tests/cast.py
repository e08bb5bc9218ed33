"""The named cast every test can use: staff of clinic A (Islamabad), an outsider at clinic B.

Stories read as: "the outsider cannot see Amina's chart"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from scarclinic.accounts.models import Clinic, Membership, User
from scarclinic.accounts.roles import Role
from scarclinic.patients.models import ConsentTemplateVersion, Patient
from scarclinic.patients.services import history_record
from tests.factories import (
    ConsentTemplateFactory,
    ConsentTemplateVersionFactory,
    PatientFactory,
)

PASSWORD = "correct horse battery"
ROLES = [r.value for r in Role]


@dataclass
class Cast:
    clinic_a: Clinic
    clinic_b: Clinic
    users: dict[str, User]  # one per role at clinic A, plus "outsider" (physician at B)
    amina: Patient  # a patient of clinic A, with history and the portal login "patient"
    bilal: Patient  # another patient of clinic A, no history
    zara: Patient  # a patient of clinic B
    prp_consent: ConsentTemplateVersion  # in use at clinic A

    def __getattr__(self, name: str) -> User:
        try:
            return self.__dict__["users"][name]
        except KeyError as exc:
            raise AttributeError(name) from exc


def build_cast() -> Cast:
    clinic_a = Clinic.objects.create(name="Clinic A Islamabad", code="A")
    clinic_b = Clinic.objects.create(name="Clinic B Lahore", code="B")
    users: dict[str, User] = {}
    for role in ROLES:
        user = User.objects.create_user(username=role, password=PASSWORD, first_name=role.title())
        Membership.objects.create(user=user, clinic=clinic_a, role=role)
        users[role] = user
    outsider = User.objects.create_user(username="outsider", password=PASSWORD)
    Membership.objects.create(user=outsider, clinic=clinic_b, role=Role.PHYSICIAN)
    users["outsider"] = outsider
    amina = PatientFactory(
        clinic=clinic_a,
        mrn="A-0001",
        given_name="Amina",
        family_name="Qureshi",
        date_of_birth=dt.date(1996, 3, 14),
        phone="+92 300 1234567",
        portal_user=users["patient"],
    )
    bilal = PatientFactory(clinic=clinic_a, mrn="A-0002", given_name="Bilal", family_name="Ahmed")
    zara = PatientFactory(clinic=clinic_b, mrn="B-0001", given_name="Zara", family_name="Malik")
    history_record(
        patient=amina,
        by=users["nurse"],
        change_note="Intake",
        fitzpatrick=4,
        herpes_simplex_history=True,
        allergies=["penicillin"],
    )
    prp = ConsentTemplateVersionFactory(
        template=ConsentTemplateFactory(
            clinic=clinic_a, procedure_type="prp", title="Consent to PRP"
        )
    )
    ConsentTemplateVersionFactory(
        template=ConsentTemplateFactory(clinic=clinic_b, procedure_type="prp", title="PRP at B")
    )
    return Cast(clinic_a, clinic_b, users, amina, bilal, zara, prp)
