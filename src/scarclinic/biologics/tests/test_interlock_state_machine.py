"""Random sequences of lab, ward and bedside actions, checked against a model of the world:
after every step, no administration exists of a unit that was not administrable at the moment
it was recorded, and every attempt the model allows succeeds (the interlocks do not simply
refuse everything).

The model is written here from the rules in words (released or issued, not expired, not
recalled, thawed within its stability, the patient's own or issued for them, consent in force,
not deferred), independently of the services' code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from scarclinic.biologics import services
from scarclinic.biologics.models import ProductAdministration, ProductStatus, ProductUnit
from scarclinic.biologics.tests.stories import (
    LabWorld,
    build_lab_world,
    cord_unit,
    harvest,
    pass_qc,
    sign,
    signed_assessment,
    svf_unit,
)
from scarclinic.patients.models import Patient, SignedConsent
from scarclinic.patients.services import consent_withdraw, history_record
from tests.budget import db_examples
from tests.cast import PASSWORD, build_cast
from tests.factories import PatientFactory

STEPS = 30


@dataclass
class UnitModel:
    pk: int
    owner: int | None  # autologous: whose cells
    frozen: bool
    status: str = ProductStatus.QUARANTINE
    qc: str = "none"  # "none", "pass", "fail"
    expired: bool = False
    thawed: bool = False
    thaw_expired: bool = False
    issued_for: int | None = None


@dataclass
class PatientModel:
    pk: int
    mrn: str
    consents: set[str]
    deferred: bool = False  # cell therapy deferred (pregnancy)
    screenable: bool = True  # history and signed assessment on file


class Interlocks(RuleBasedStateMachine):
    world: LabWorld
    units = Bundle("units")
    outcomes: dict[str, int] = {"given": 0, "refused": 0}

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.model: dict[int, UnitModel] = {}
        self.allowed: set[int] = set()  # units administrable when their administration was made

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @initialize()
    def patients(self) -> None:
        world = self.world
        carol = Patient.objects.get(mrn="A-0003", clinic=world.clinic)
        self.people = {
            "amina": PatientModel(world.cast.amina.pk, "A-0001", {"cell_therapy", "prp"}),
            "carol": PatientModel(carol.pk, "A-0003", {"cell_therapy", "prp"}),
            "bilal": PatientModel(
                world.cast.bilal.pk, "A-0002", {"cell_therapy"}, screenable=False
            ),
        }

    # --- the lab ------------------------------------------------------------------------

    @rule(target=units, who=st.sampled_from(["amina", "carol", "bilal"]))
    def receive_autologous(self, who: str) -> int:
        patient = Patient.objects.get(pk=self.people[who].pk)
        unit = svf_unit(self.world, collection=harvest(self.world, patient))
        self.model[unit.pk] = UnitModel(unit.pk, patient.pk, frozen=False)
        return unit.pk

    @rule(target=units, who=st.sampled_from(["amina", "carol"]))
    def receive_test_and_release(self, who: str) -> int:
        """The whole lab way in one step, so that sequences often reach the bedside."""
        pk = self.receive_autologous(who)
        self.record_qc(pk, passing=True)
        self.release(pk)
        return pk

    @rule(
        target=units,
        source=st.sampled_from(["amina", "carol", "donor"]),
        then=st.sampled_from(
            [
                "nothing",
                "thaw",
                "thaw_long_ago",
                "expire",
                "recall",
                "withdraw",
                "pregnancy",
                "late_failure",
                "other_patient",
            ]
        ),
    )
    def released_then_something_then_the_bedside(self, source: str, then: str) -> int:
        """A released unit (the patient's own, or a donor's), one thing that may forbid it,
        then an attempt at the bedside: the sequences most likely to catch a missing
        interlock, drawn often."""
        if source == "donor":
            pk = self.receive_donor_unit()
            self.record_qc(pk, passing=True)
            self.release(pk)
            who = "amina"
        else:
            pk = self.receive_test_and_release(source)
            who = source
        if then in ("thaw", "thaw_long_ago"):
            self.thaw(pk)
            if then == "thaw_long_ago":
                self.thawed_long_ago(pk)
        elif then == "expire":
            self.expire(pk)
        elif then == "recall":
            self.recall(pk)
        elif then == "withdraw":
            self.withdraw_consent(who, "cell_therapy")
        elif then == "pregnancy":
            self.pregnancy(who, True)
        elif then == "late_failure":
            self.record_qc(pk, passing=False)
        other = "carol" if who == "amina" else "amina"
        self.administer_attempt(pk, other if then == "other_patient" else who)
        return pk

    # Drawn three times as often as the other rules: these are the sequences that matter.
    released_then_something_again = released_then_something_then_the_bedside
    released_then_something_once_more = released_then_something_then_the_bedside

    @rule(target=units)
    def receive_donor_unit(self) -> int:
        unit = cord_unit(self.world)
        self.model[unit.pk] = UnitModel(unit.pk, None, frozen=True)
        return unit.pk

    @rule(pk=units, passing=st.booleans())
    def record_qc(self, pk: int, passing: bool) -> None:
        unit = ProductUnit.objects.get(pk=pk)
        m = self.model[pk]
        if passing:
            pass_qc(self.world, unit)
            m.qc = "pass"
        else:
            services.qc_result_record(
                product=unit, by=self.world.lab, test_code="sterility", text="Growth"
            )
            m.qc = "fail"
            if m.status in (ProductStatus.RELEASED, ProductStatus.ISSUED):
                m.status = ProductStatus.QUARANTINE  # a late failure puts it back

    @rule(pk=units)
    def release(self, pk: int) -> None:
        m = self.model[pk]
        expected = m.status == ProductStatus.QUARANTINE and m.qc == "pass" and not m.expired
        try:
            services.product_release(
                product=ProductUnit.objects.get(pk=pk),
                by=self.world.lab2,
                password=PASSWORD,
                meaning="approval",
            )
        except ValidationError:
            assert not expected
        else:
            assert expected
            m.status = ProductStatus.RELEASED

    @rule(pk=units)
    def recall(self, pk: int) -> None:
        m = self.model[pk]
        services.recall_initiate(
            clinic=self.world.clinic,
            by=self.world.cast.director,
            reason="Test recall",
            product=ProductUnit.objects.get(pk=pk),
        )
        if m.status in (ProductStatus.QUARANTINE, ProductStatus.RELEASED, ProductStatus.ISSUED):
            m.status = ProductStatus.RECALLED

    @rule(pk=units)
    def expire(self, pk: int) -> None:
        ProductUnit.objects.filter(pk=pk).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
        self.model[pk].expired = True

    @rule(pk=units)
    def thaw(self, pk: int) -> None:
        m = self.model[pk]
        try:
            services.product_thaw(product=ProductUnit.objects.get(pk=pk), by=self.world.lab)
        except ValidationError:
            assert not m.frozen or m.thawed or m.status in ("administered", "discarded")
        else:
            m.thawed = True

    @rule(pk=units)
    def thawed_long_ago(self, pk: int) -> None:
        m = self.model[pk]
        if m.thawed:
            ProductUnit.objects.filter(pk=pk).update(
                thawed_at=timezone.now() - dt.timedelta(hours=6)
            )
            m.thaw_expired = True

    @rule(pk=units, who=st.sampled_from(["amina", "carol", "bilal"]))
    def issue(self, pk: int, who: str) -> None:
        m = self.model[pk]
        person = self.people[who]
        try:
            services.product_issue(
                product=ProductUnit.objects.get(pk=pk),
                by=self.world.lab,
                patient=Patient.objects.get(pk=person.pk),
            )
        except ValidationError:
            return
        assert m.status == ProductStatus.RELEASED and not m.expired and not m.thaw_expired
        assert m.owner in (None, person.pk)
        m.status = ProductStatus.ISSUED
        m.issued_for = person.pk

    # --- the ward ---------------------------------------------------------------------

    @rule(
        who=st.sampled_from(["amina", "carol"]), procedure=st.sampled_from(["cell_therapy", "prp"])
    )
    def withdraw_consent(self, who: str, procedure: str) -> None:
        person = self.people[who]
        for consent in SignedConsent.objects.filter(
            patient_id=person.pk, procedure_type=procedure, withdrawn_at__isnull=True
        ):
            consent_withdraw(consent=consent, by=self.world.cast.nurse, reason="Patient's wish")
        person.consents.discard(procedure)

    @rule(who=st.sampled_from(["amina", "carol"]))
    def consent_again(self, who: str) -> None:
        person = self.people[who]
        if "cell_therapy" not in person.consents:
            sign(Patient.objects.get(pk=person.pk), self.world.cell_consent, self.world.cast.nurse)
            person.consents.add("cell_therapy")

    @rule(who=st.sampled_from(["amina", "carol"]), pregnant=st.booleans())
    def pregnancy(self, who: str, pregnant: bool) -> None:
        person = self.people[who]
        if person.deferred != pregnant:
            history_record(
                patient=Patient.objects.get(pk=person.pk),
                by=self.world.cast.nurse,
                pregnant_or_breastfeeding=pregnant,
            )
            person.deferred = pregnant

    # --- the bedside --------------------------------------------------------------------

    def administrable(self, m: UnitModel, person: PatientModel) -> bool:
        return (
            m.status in (ProductStatus.RELEASED, ProductStatus.ISSUED)
            and not m.expired
            and (not m.frozen or (m.thawed and not m.thaw_expired))
            and (m.owner is None or m.owner == person.pk)
            and (m.issued_for is None or m.issued_for == person.pk)
            and "cell_therapy" in person.consents
            and person.screenable
            and not person.deferred
        )

    @rule(pk=units, who=st.sampled_from(["amina", "carol", "bilal"]))
    def administer_attempt(self, pk: int, who: str) -> None:
        m, person = self.model[pk], self.people[who]
        expected = self.administrable(m, person)
        try:
            services.administration_record(
                clinic=self.world.clinic,
                by=self.world.cast.nurse,
                din_text=ProductUnit.objects.get(pk=pk).din,
                patient_identifier=person.mrn,
                modality=None,
                route="Intradermal injection",
                volume_ml="1",
            )
        except services.BedsideRefused as refused:
            assert not expected, refused.message_dict
            Interlocks.outcomes["refused"] += 1
            for code in {r.code for r in refused.result.refusals}:
                Interlocks.outcomes[code] = Interlocks.outcomes.get(code, 0) + 1
        else:
            assert expected
            Interlocks.outcomes["given"] += 1
            self.allowed.add(pk)
            m.status = ProductStatus.ADMINISTERED

    @rule(pk=units)
    def administer_to_its_patient(self, pk: int) -> None:
        """An attempt for the patient the unit is meant for (often allowed)."""
        m = self.model[pk]
        owner = m.owner or m.issued_for or self.people["amina"].pk
        who = next(name for name, person in self.people.items() if person.pk == owner)
        self.administer_attempt(pk, who)

    @invariant()
    def no_administration_of_a_unit_that_was_not_administrable(self) -> None:
        given = set(ProductAdministration.objects.values_list("product_id", flat=True))
        assert given <= self.allowed
        for pk in given:
            assert self.model[pk].status == ProductStatus.ADMINISTERED


@pytest.fixture
def machine_world(django_db_blocker: Any, db: None) -> LabWorld:
    cast = build_cast()
    world = build_lab_world(cast)
    carol = PatientFactory(clinic=cast.clinic_a, mrn="A-0003", given_name="Carol")
    history_record(patient=carol, by=cast.nurse, fitzpatrick=3)
    signed_assessment(carol, cast.physician)
    sign(carol, world.cell_consent, cast.nurse)
    sign(carol, cast.prp_consent, cast.nurse)
    # Bilal has a cell-therapy consent but no history nor signed assessment.
    sign(cast.bilal, world.cell_consent, cast.nurse)
    return world


def test_random_sequences_of_actions_never_leave_a_forbidden_administration(
    machine_world: LabWorld,
) -> None:
    Interlocks.world = machine_world
    Interlocks.outcomes = {"given": 0, "refused": 0}
    run_state_machine_as_test(
        Interlocks,
        settings=settings(
            max_examples=db_examples(),  # was 50: 25 under the ci profile, 250 thorough
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    # The sequences reached both sides: administrations made, and administrations refused.
    assert Interlocks.outcomes["given"] > 0 and Interlocks.outcomes["refused"] > 0, (
        Interlocks.outcomes
    )
