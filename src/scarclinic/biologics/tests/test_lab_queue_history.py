"""The lab queue reads only units that may be listed: units released, issued or administered
whose results the database sees passing are not read, so the page does not grow with the
lab's history; the units it lists are exactly those the full QC evaluation lists."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scarclinic.biologics import selectors
from scarclinic.biologics.models import ProductStatus, ProductUnit, QcTestResult
from scarclinic.biologics.tests.stories import (
    LabWorld,
    pass_qc,
    released_cord,
    released_svf,
    svf_unit,
)
from scarclinic.clinical.qc import ProductType

pytestmark = pytest.mark.django_db

PAST_QUARANTINE = [ProductStatus.RELEASED, ProductStatus.ISSUED, "administered"]


def expected_ids(clinic_id: int) -> set[int]:
    """What the queue must list, by evaluating every unit in Python (the former way)."""
    specs = selectors.qc_specs_in_force(clinic_id=clinic_id)
    ids = set()
    for unit in ProductUnit.objects.filter(clinic_id=clinic_id):
        if unit.status == ProductStatus.QUARANTINE:
            ids.add(unit.pk)
        elif unit.status in PAST_QUARANTINE:
            results = list(QcTestResult.objects.filter(product=unit).order_by("recorded_at", "id"))
            spec = specs[ProductType(unit.product_type)].spec
            if selectors.evaluate_unit(unit, spec, results).has_failure:
                ids.add(unit.pk)
    return ids


def add_result(world: LabWorld, product: ProductUnit, code: str, **data: Any) -> None:
    """A result written straight to the table (the service would put the unit back in
    quarantine): what an administered unit's late result looks like."""
    now = timezone.now()
    QcTestResult.objects.create(
        product=product,
        test_code=code,
        tested_at=now,
        recorded_at=now,
        recorded_by=world.lab,
        **data,
    )


def test_released_units_that_pass_are_not_read(
    world: LabWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = svf_unit(world)
    pass_qc(world, waiting, skip=("sterility",))
    evaluated: list[int] = []
    real = selectors.evaluate_unit

    def counting(unit: ProductUnit, *args: Any) -> Any:
        evaluated.append(unit.pk)
        return real(unit, *args)

    monkeypatch.setattr(selectors, "evaluate_unit", counting)
    counts = []
    for _ in range(2):
        released_svf(world)
        released_cord(world)
        evaluated.clear()
        with CaptureQueriesContext(connection) as queries:
            items = selectors.lab_queue(clinic_id=world.clinic.pk)
        counts.append(len(queries))
        assert [i.product_id for i in items] == [waiting.pk]
        assert evaluated == [waiting.pk]  # the released units never left the database
    assert counts == [3, 3]


def test_a_late_failing_result_of_a_released_unit_is_listed(world: LabWorld) -> None:
    unit = released_svf(world)
    released_svf(world)
    add_result(world, unit, "sterility", text="Growth of S. aureus")
    items = selectors.lab_queue(clinic_id=world.clinic.pk)
    assert [(i.product_id, i.stage) for i in items] == [(unit.pk, "failed_after_release")]
    assert items[0].waiting_for == ["Sterility (aerobic, anaerobic, fungal culture)"]


RESULTS = st.one_of(
    st.tuples(
        st.just("sterility"),
        st.sampled_from(["No growth", "NO GROWTH", " no  growth ", "Growth", "sterile", "  "]),
    ),
    st.tuples(
        st.just("viability"),
        st.decimals(min_value=60, max_value=80, places=1),
        st.sampled_from(["%", "percent"]),
    ),
    st.tuples(
        st.just("endotoxin"),
        st.decimals(min_value=0, max_value=200, places=2),
        st.sampled_from(["EU/mL", "EU/kg"]),
    ),
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(late=st.lists(RESULTS, max_size=4), weight=st.sampled_from(["60", "1", "0.5"]))
def test_the_queue_lists_exactly_the_units_the_full_evaluation_lists(
    world: LabWorld, late: list[tuple[Any, ...]], weight: str
) -> None:
    unit = released_svf(world)
    ProductUnit.objects.filter(pk=unit.pk).update(dose_body_weight_kg=Decimal(weight))
    for result in late:
        if result[0] == "sterility":
            add_result(world, unit, "sterility", text=result[1])
        else:
            add_result(world, unit, result[0], value=result[1], unit=result[2])
    listed = {i.product_id for i in selectors.lab_queue(clinic_id=world.clinic.pk)}
    assert listed == expected_ids(world.clinic.pk)
