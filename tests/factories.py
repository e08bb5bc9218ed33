"""factory_boy factories for volume; the named cast lives in conftest.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory

from scarclinic.accounts.models import Clinic, Membership, User
from scarclinic.patients.models import ConsentTemplate, ConsentTemplateVersion, Patient
from scarclinic.patients.search import normalise_name, phone_digits


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Clinic {n}")
    code = factory.Sequence(lambda n: f"C{n}")
    city = "Islamabad"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = "physician"


class PatientFactory(factory.django.DjangoModelFactory):
    """A patient row with its search columns filled as the services would fill them."""

    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    mrn = factory.Sequence(lambda n: f"T-{n:06d}")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    date_of_birth = factory.Faker(
        "date_between", start_date=dt.date(1960, 1, 1), end_date=dt.date(2008, 1, 1)
    )
    sex = "female"
    phone = factory.Sequence(lambda n: f"+92 300 {1000000 + n}")

    @classmethod
    def _create(cls, model_class: type[Patient], *args: Any, **kwargs: Any) -> Patient:
        patient = model_class(*args, **kwargs)
        patient.given_search = normalise_name(patient.given_name)
        patient.family_search = normalise_name(patient.family_name)
        patient.name_search = f"{patient.given_search} {patient.family_search}"
        patient.phone_digits = phone_digits(patient.phone)
        patient.save()
        return patient


class ConsentTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentTemplate

    clinic = factory.SubFactory(ClinicFactory)
    procedure_type = "prp"
    title = "Consent to PRP"


class ConsentTemplateVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentTemplateVersion

    template = factory.SubFactory(ConsentTemplateFactory)
    version = 1
    language = "en"
    body = "Blood will be drawn and concentrated. Risks: bruising, infection."
    status = "active"
