"""Lookback and recall: from a donor, a lot or a patient to every unit and every recipient, in
a fixed number of queries whatever the size; exportable as CSV. The lab's queue, inventory and
storage map in a fixed number of queries too."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scarclinic.biologics import selectors, services
from scarclinic.biologics.models import ProductStatus, Recall
from scarclinic.biologics.tests.stories import (
    LabWorld,
    cord_unit,
    donor_receipt,
    harvest,
    pass_qc,
    release,
    released_cord,
    released_svf,
    svf_unit,
)
from scarclinic.biologics.tests.test_bedside import administer, eligible_patient

pytestmark = pytest.mark.django_db


def _given_donor_units(world: LabWorld, count: int, lot: str = "LOT-A1") -> list[int]:
    """``count`` vials of one donor lot, the first administered to Amina."""
    receipt = donor_receipt(world, supplier_lot=lot)
    ids = []
    for n in range(count):
        vial = cord_unit(world, receipt)
        services.processing_step_record(
            product=vial, by=world.lab, step="formulation", reagents=[("Cryomedium", f"CM-{n}")]
        )
        if n == 0:
            pass_qc(world, vial)
            release(world, vial)
            services.product_thaw(product=vial, by=world.lab)
            services.product_issue(product=vial, by=world.lab, patient=world.cast.amina)
            administer(world, vial)
        ids.append(vial.pk)
    return ids


def test_lookback_from_a_donor_finds_every_unit_and_every_recipient(world: LabWorld) -> None:
    ids = _given_donor_units(world, 3)
    donor = world.cast.amina  # noqa: F841 - the recipient we expect
    result = selectors.lookback(
        user=world.cast.director,
        clinic_id=world.clinic.pk,
        donor_id=selectors.donors(clinic_id=world.clinic.pk)[0].pk,
    )
    assert [r.unit.pk for r in result.rows] == ids
    assert result.recipients == [world.cast.amina]


def test_lookback_from_a_reagent_lot_finds_units_processed_with_it(world: LabWorld) -> None:
    unit, other = svf_unit(world), svf_unit(world)
    services.processing_step_record(
        product=unit, by=world.lab, step="washing", reagents=[("Wash buffer", "WB-13")]
    )
    result = selectors.lookback(user=world.cast.director, clinic_id=world.clinic.pk, lot="WB-13")
    assert [r.unit for r in result.rows] == [unit]
    assert result.rows[0].reagent_lots == ["Wash buffer WB-13"]
    assert other not in [r.unit for r in result.rows]


def test_lookback_from_a_patient_lists_what_they_received_and_gave(world: LabWorld) -> None:
    given = released_svf(world)
    administer(world, given)
    kept = svf_unit(world)  # their own cells, not given yet
    carol = eligible_patient(world)
    not_hers = svf_unit(world, collection=harvest(world, carol))
    result = selectors.lookback(
        user=world.cast.director, clinic_id=world.clinic.pk, patient_id=world.cast.amina.pk
    )
    units = [r.unit for r in result.rows]
    assert given in units and kept in units and not_hers not in units


@pytest.mark.parametrize("size", [1, 6])
def test_lookback_takes_the_same_number_of_queries_whatever_its_size(
    world: LabWorld, size: int
) -> None:
    _given_donor_units(world, size)
    # Warm the user's membership cache as a request would have it.
    selectors.lookback(user=world.cast.director, clinic_id=world.clinic.pk, lot="LOT-A1")
    with CaptureQueriesContext(connection) as queries:
        result = selectors.lookback(
            user=world.cast.director, clinic_id=world.clinic.pk, lot="LOT-A1"
        )
        selectors.lookback_csv(result)
    assert len(result.rows) == size
    assert len(queries) == LOOKBACK_QUERIES, [q["sql"][:60] for q in queries.captured_queries]


# 3 reads (the units with their collection, donor, source patient, administration and
# recipient in one join; their processing steps; the reagent lots) and the audit entry
# (savepoint, chain head, insert, update, release).
LOOKBACK_QUERIES = 8


def test_the_lookback_exports_as_csv_without_formula_injection(world: LabWorld) -> None:
    _given_donor_units(world, 2, lot="=HYPERLINK(1)")
    result = selectors.lookback(
        user=world.cast.director, clinic_id=world.clinic.pk, lot="=HYPERLINK(1)"
    )
    rows = list(csv.DictReader(io.StringIO(selectors.lookback_csv(result))))
    assert len(rows) == 2
    assert rows[0]["recipient_mrn"] == "A-0001" and rows[0]["recipient_name"] == "Amina Qureshi"
    assert rows[0]["supplier_lot"] == "'=HYPERLINK(1)"


def test_lookback_is_the_directors_and_needs_exactly_one_starting_point(world: LabWorld) -> None:
    with pytest.raises(selectors.ProductNotFound):
        selectors.lookback(user=world.lab, clinic_id=world.clinic.pk, lot="LOT-A1")
    with pytest.raises(ValidationError):
        selectors.lookback(
            user=world.cast.director, clinic_id=world.clinic.pk, lot="x", patient_id=1
        )


def test_a_recall_of_a_lot_stops_the_unused_units_and_lists_the_recipients(
    world: LabWorld,
) -> None:
    ids = _given_donor_units(world, 3)
    recall = services.recall_initiate(
        clinic=world.clinic, by=world.cast.director, reason="Supplier notice", lot="LOT-A1"
    )
    statuses = dict(recall.units.values_list("product_id", "status_before"))
    assert statuses == {ids[0]: "administered", ids[1]: "quarantine", ids[2]: "quarantine"}
    assert list(recall.units.values_list("product__status", flat=True).order_by("product_id")) == [
        ProductStatus.ADMINISTERED,
        ProductStatus.RECALLED,
        ProductStatus.RECALLED,
    ]
    with pytest.raises(ValidationError):
        services.recall_initiate(
            clinic=world.clinic, by=world.cast.director, reason="x", lot="NONE"
        )
    with pytest.raises(ValidationError):
        services.recall_initiate(clinic=world.clinic, by=world.lab, reason="x", lot="LOT-A1")
    assert Recall.objects.count() == 1


# ------------------------------------------------------------------------------------------
# The lab's lists


def test_the_lab_queue_says_what_each_unit_waits_for(world: LabWorld) -> None:
    waiting = svf_unit(world)
    pass_qc(world, waiting, skip=("sterility",))
    ready = svf_unit(world)
    pass_qc(world, ready)
    failed = svf_unit(world)
    services.qc_result_record(product=failed, by=world.lab, test_code="sterility", text="Growth")
    released_svf(world)  # released: not in the queue
    queue = {item.product_id: item for item in selectors.lab_queue(clinic_id=world.clinic.pk)}
    assert queue[waiting.pk].stage == "awaiting_qc"
    assert queue[waiting.pk].waiting_for == ["Sterility (aerobic, anaerobic, fungal culture)"]
    assert queue[ready.pk].stage == "awaiting_release"
    assert queue[failed.pk].stage == "qc_failed"
    assert len(queue) == 3
    # No patient data in the queue: the home page can show it as it is.
    assert "Amina" not in repr(list(queue.values())) and "A-0001" not in repr(list(queue.values()))


@pytest.mark.parametrize("size", [1, 5])
def test_the_lab_queue_takes_three_queries_whatever_its_size(world: LabWorld, size: int) -> None:
    for _ in range(size):
        pass_qc(world, svf_unit(world), skip=("sterility",))
    released_cord(world)
    with CaptureQueriesContext(connection) as queries:
        items = selectors.lab_queue(clinic_id=world.clinic.pk)
    assert len(items) == size and len(queries) == 3


@pytest.mark.parametrize("size", [1, 5])
def test_the_inventory_and_storage_map_take_a_fixed_number_of_queries(
    world: LabWorld, size: int
) -> None:
    for n in range(size):
        vial = released_cord(world)
        services.product_store(
            product=vial, by=world.lab, to_location=world.freezer, rack="A", position=str(n)
        )
    selectors.inventory(user=world.lab, clinic_id=world.clinic.pk)
    with CaptureQueriesContext(connection) as queries:
        stock = selectors.inventory(user=world.lab, clinic_id=world.clinic.pk)
    # Settings, the active units, the latest gone; the audit entry (5 with its savepoint).
    assert len(stock.released) == size and len(queries) == 8
    with CaptureQueriesContext(connection) as queries:
        boxes = selectors.storage_map(clinic_id=world.clinic.pk)
    assert len(queries) == 2
    assert [len(b.slots) for b in boxes if b.location == world.freezer] == [size]
