"""The cell-product rows of the global permissions matrix (tests/test_permissions_matrix.py).

Same shape as its MATRIX: "METHOD path" -> statuses for the columns
physician, nurse, lab, frontdesk, director, admin, patient, outsider, anonymous.
Written out by hand from accounts/roles.py (product.*) and the views, never computed:
the lab receives, processes, tests, labels, stores, issues and releases; the physician and
the nurse see units and do the bedside check; the director releases, co-signs exceptional
releases, runs lookback and recall and keeps the lab's settings. The outsider is a physician
of clinic B: they see clinic B's units and do clinic B's bedside checks.

To merge: add the rows to MATRIX, BIOLOGICS_CHANGES_DATABASE to CHANGES_DATABASE,
BIOLOGICS_BODIES to BODIES, the ids of ``biologics_world(cast)`` to the world's ids, and
``biologics_snapshot()`` to the rows the matrix compares. New placeholders: {unit_a} a
released autologous unit of Amina, in the refrigerator; {quarantine_a} a unit of Amina in
quarantine with every required QC result passing, made by another lab technician;
{frozen_a} a released donor vial in nitrogen; {issued_a} a donor vial issued for Amina;
{collection_a} Amina's harvest; {location_a} the refrigerator; {zara_unit} and
{zara_collection} the same at clinic B.

A refused bedside check is recorded, so the outsider's bedside rows (clinic A's unit scanned
at clinic B: "not found") change the database like the care team's administrations.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.cast import PASSWORD, Cast
from tests.permissions import CompiledRows

# fmt: off
BIOLOGICS_ROUTES: dict[str, tuple[int, int, int, int, int, int, int, int, int]] = {
    #                                                              phys nurse lab desk  dir  adm  pat  out anon
    # Web: lists and the storage map (product.view)
    "GET /biologics/":                                            (200, 200, 200, 403, 200, 403, 403, 200, 302),
    "GET /biologics/queue/":                                      (200, 200, 200, 403, 200, 403, 403, 200, 302),
    "GET /biologics/storage/":                                    (200, 200, 200, 403, 200, 403, 403, 200, 302),
    "POST /biologics/storage/locations/":                         (403, 403, 302, 403, 403, 403, 403, 403, 302),
    # Web: receipt (product.receive) and making units (product.process)
    "GET /biologics/receive/harvest/":                            (403, 403, 200, 403, 403, 403, 403, 403, 302),
    "POST /biologics/receive/harvest/":                           (403, 403, 302, 403, 403, 403, 403, 403, 302),
    "GET /biologics/receive/blood-draw/":                         (403, 403, 200, 403, 403, 403, 403, 403, 302),
    "POST /biologics/receive/blood-draw/":                        (403, 403, 302, 403, 403, 403, 403, 403, 302),
    "GET /biologics/receive/donor/":                              (403, 403, 200, 403, 403, 403, 403, 403, 302),
    "POST /biologics/receive/donor/":                             (403, 403, 302, 403, 403, 403, 403, 403, 302),
    "GET /biologics/collections/{collection_a}/":                 (200, 200, 200, 403, 200, 403, 403, 404, 302),
    "GET /biologics/collections/{zara_collection}/":              (404, 404, 404, 403, 404, 403, 403, 200, 302),
    "GET /biologics/collections/{collection_a}/units/new/":       (403, 403, 200, 403, 403, 403, 403, 403, 302),
    "POST /biologics/collections/{collection_a}/units/new/":      (403, 403, 302, 403, 403, 403, 403, 403, 302),
    "GET /biologics/collections/{zara_collection}/units/new/":    (403, 403, 404, 403, 403, 403, 403, 403, 302),
    # Web: one unit
    "GET /biologics/units/{unit_a}/":                             (200, 200, 200, 403, 200, 403, 403, 404, 302),
    "GET /biologics/units/{zara_unit}/":                          (404, 404, 404, 403, 404, 403, 403, 200, 302),
    "POST /biologics/units/{quarantine_a}/processing/":           (403, 403, 302, 403, 403, 403, 403, 403, 302),
    "POST /biologics/units/{quarantine_a}/qc/":                   (403, 403, 302, 403, 403, 403, 403, 403, 302),
    "GET /biologics/units/{quarantine_a}/release/":               (403, 403, 200, 403, 200, 403, 403, 403, 302),
    "POST /biologics/units/{quarantine_a}/release/":              (403, 403, 302, 403, 302, 403, 403, 403, 302),
    "GET /biologics/units/{zara_unit}/release/":                  (403, 403, 404, 403, 404, 403, 403, 403, 302),
    "POST /biologics/units/{quarantine_a}/reject/":               (403, 403, 302, 403, 302, 403, 403, 403, 302),
    "POST /biologics/units/{zara_unit}/reject/":                  (403, 403, 404, 403, 404, 403, 403, 403, 302),
    "POST /biologics/units/{unit_a}/store/":                      (403, 403, 302, 403, 403, 403, 403, 403, 302),
    "POST /biologics/units/{unit_a}/hand-over/":                  (403, 403, 302, 403, 403, 403, 403, 403, 302),
    "POST /biologics/units/{unit_a}/excursion/":                  (403, 403, 302, 403, 403, 403, 403, 403, 302),
    "POST /biologics/units/{frozen_a}/thaw/":                     (403, 403, 302, 403, 403, 403, 403, 403, 302),
    "POST /biologics/units/{unit_a}/issue/":                      (403, 403, 302, 403, 403, 403, 403, 403, 302),
    "POST /biologics/units/{issued_a}/return/":                   (403, 403, 302, 403, 403, 403, 403, 403, 302),
    "POST /biologics/units/{unit_a}/discard/":                    (403, 403, 302, 403, 403, 403, 403, 403, 302),
    "POST /biologics/units/{zara_unit}/discard/":                 (403, 403, 404, 403, 403, 403, 403, 403, 302),
    "GET /biologics/units/{unit_a}/label.pdf":                    (403, 403, 200, 403, 403, 403, 403, 403, 302),
    "GET /biologics/units/{unit_a}/label.png":                    (403, 403, 200, 403, 403, 403, 403, 403, 302),
    "GET /biologics/units/{zara_unit}/label.pdf":                 (403, 403, 404, 403, 403, 403, 403, 403, 302),
    # Web: the bedside (product.administer)
    "GET /biologics/bedside/":                                    (200, 200, 403, 403, 403, 403, 403, 200, 302),
    "POST /biologics/bedside/":                                   (302, 302, 403, 403, 403, 403, 403, 200, 302),
    # Web: lookback and recall (product.lookback), settings (product.settings)
    "GET /biologics/lookback/?lot=LOT-A1":                        (403, 403, 403, 403, 200, 403, 403, 403, 302),
    "GET /biologics/lookback/export.csv?lot=LOT-A1":              (403, 403, 403, 403, 200, 403, 403, 403, 302),
    "POST /biologics/recalls/":                                   (403, 403, 403, 403, 302, 403, 403, 403, 302),
    "GET /biologics/settings/":                                   (403, 403, 403, 403, 200, 403, 403, 403, 302),
    "POST /biologics/settings/":                                  (403, 403, 403, 403, 302, 403, 403, 403, 302),
    "POST /biologics/settings/codes/":                            (403, 403, 403, 403, 302, 403, 403, 403, 302),
    "GET /biologics/settings/qc/svf/":                            (403, 403, 403, 403, 200, 403, 403, 403, 302),
    "POST /biologics/settings/qc/svf/":                           (403, 403, 403, 403, 302, 403, 403, 403, 302),
    # API
    "GET /api/v1/biologics/units":                                (200, 200, 200, 403, 200, 403, 403, 200, 401),
    "GET /api/v1/biologics/units?clinic_id={clinic_b}":           (403, 403, 403, 403, 403, 403, 403, 200, 401),
    "GET /api/v1/biologics/units/{unit_a}":                       (200, 200, 200, 403, 200, 403, 403, 404, 401),
    "GET /api/v1/biologics/units/{zara_unit}":                    (404, 404, 404, 403, 404, 403, 403, 200, 401),
    "GET /api/v1/biologics/units/{unit_a}/timeline":              (200, 200, 200, 403, 200, 403, 403, 404, 401),
    "GET /api/v1/biologics/units/{unit_a}/label":                 (403, 403, 200, 403, 403, 403, 403, 403, 401),
    "GET /api/v1/biologics/units/{zara_unit}/label":              (403, 403, 404, 403, 403, 403, 403, 403, 401),
    "GET /api/v1/biologics/queue":                                (200, 200, 200, 403, 200, 403, 403, 200, 401),
    "GET /api/v1/biologics/storage":                              (200, 200, 200, 403, 200, 403, 403, 200, 401),
    "GET /api/v1/biologics/collections/{collection_a}":           (200, 200, 200, 403, 200, 403, 403, 404, 401),
    "GET /api/v1/biologics/collections/{zara_collection}":        (404, 404, 404, 403, 404, 403, 403, 200, 401),
    "POST /api/v1/biologics/collections/harvest":                 (403, 403, 201, 403, 403, 403, 403, 403, 401),
    "POST /api/v1/biologics/collections/blood-draw":              (403, 403, 201, 403, 403, 403, 403, 403, 401),
    "POST /api/v1/biologics/collections/donor-receipt":           (403, 403, 201, 403, 403, 403, 403, 403, 401),
    "POST /api/v1/biologics/collections/{collection_a}/units":    (403, 403, 201, 403, 403, 403, 403, 403, 401),
    "POST /api/v1/biologics/collections/{zara_collection}/units": (403, 403, 404, 403, 403, 403, 403, 403, 401),
    "POST /api/v1/biologics/units/{quarantine_a}/processing":     (403, 403, 201, 403, 403, 403, 403, 403, 401),
    "POST /api/v1/biologics/units/{quarantine_a}/qc":             (403, 403, 201, 403, 403, 403, 403, 403, 401),
    "POST /api/v1/biologics/units/{quarantine_a}/release":        (403, 403, 200, 403, 200, 403, 403, 403, 401),
    "POST /api/v1/biologics/units/{zara_unit}/release":           (403, 403, 404, 403, 404, 403, 403, 403, 401),
    "POST /api/v1/biologics/units/{quarantine_a}/reject":         (403, 403, 200, 403, 200, 403, 403, 403, 401),
    "POST /api/v1/biologics/units/{unit_a}/custody":              (403, 403, 201, 403, 403, 403, 403, 403, 401),
    "POST /api/v1/biologics/units/{unit_a}/issue":                (403, 403, 200, 403, 403, 403, 403, 403, 401),
    "POST /api/v1/biologics/units/{issued_a}/return":             (403, 403, 200, 403, 403, 403, 403, 403, 401),
    "POST /api/v1/biologics/bedside/check":                       (200, 200, 403, 403, 403, 403, 403, 200, 401),
    "POST /api/v1/biologics/administrations":                     (201, 201, 403, 403, 403, 403, 403, 422, 401),
    "GET /api/v1/biologics/lookback?lot=LOT-A1":                  (403, 403, 403, 403, 200, 403, 403, 403, 401),
    "POST /api/v1/biologics/recalls":                             (403, 403, 403, 403, 201, 403, 403, 403, 401),
    "GET /api/v1/biologics/settings":                             (403, 403, 403, 403, 200, 403, 403, 403, 401),
    "PUT /api/v1/biologics/settings":                             (403, 403, 403, 403, 200, 403, 403, 403, 401),
    "POST /api/v1/biologics/storage/locations":                   (403, 403, 201, 403, 403, 403, 403, 403, 401),
    "GET /api/v1/biologics/product-codes":                        (200, 200, 200, 403, 200, 403, 403, 200, 401),
    "POST /api/v1/biologics/product-codes":                       (403, 403, 403, 403, 201, 403, 403, 403, 401),
    "GET /api/v1/biologics/qc-specs/svf":                         (200, 200, 200, 403, 200, 403, 403, 200, 401),
    "POST /api/v1/biologics/qc-specs/svf":                        (403, 403, 403, 403, 201, 403, 403, 403, 401),
}

# The roles whose request must change the database; for every other cell nothing may change.
BIOLOGICS_CHANGES_DATABASE: dict[str, set[str]] = {
    "POST /biologics/storage/locations/":                         {"lab"},
    "POST /biologics/receive/harvest/":                           {"lab"},
    "POST /biologics/receive/blood-draw/":                        {"lab"},
    "POST /biologics/receive/donor/":                             {"lab"},
    "POST /biologics/collections/{collection_a}/units/new/":      {"lab"},
    "POST /biologics/units/{quarantine_a}/processing/":           {"lab"},
    "POST /biologics/units/{quarantine_a}/qc/":                   {"lab"},
    "POST /biologics/units/{quarantine_a}/release/":              {"lab", "director"},
    "POST /biologics/units/{quarantine_a}/reject/":               {"lab", "director"},
    "POST /biologics/units/{unit_a}/store/":                      {"lab"},
    "POST /biologics/units/{unit_a}/hand-over/":                  {"lab"},
    "POST /biologics/units/{unit_a}/excursion/":                  {"lab"},
    "POST /biologics/units/{frozen_a}/thaw/":                     {"lab"},
    "POST /biologics/units/{unit_a}/issue/":                      {"lab"},
    "POST /biologics/units/{issued_a}/return/":                   {"lab"},
    "POST /biologics/units/{unit_a}/discard/":                    {"lab"},
    "POST /biologics/bedside/":                                   {"physician", "nurse", "outsider"},
    "POST /biologics/recalls/":                                   {"director"},
    "POST /biologics/settings/":                                  {"director"},
    "POST /biologics/settings/codes/":                            {"director"},
    "POST /biologics/settings/qc/svf/":                           {"director"},
    "POST /api/v1/biologics/collections/harvest":                 {"lab"},
    "POST /api/v1/biologics/collections/blood-draw":              {"lab"},
    "POST /api/v1/biologics/collections/donor-receipt":           {"lab"},
    "POST /api/v1/biologics/collections/{collection_a}/units":    {"lab"},
    "POST /api/v1/biologics/units/{quarantine_a}/processing":     {"lab"},
    "POST /api/v1/biologics/units/{quarantine_a}/qc":             {"lab"},
    "POST /api/v1/biologics/units/{quarantine_a}/release":        {"lab", "director"},
    "POST /api/v1/biologics/units/{quarantine_a}/reject":         {"lab", "director"},
    "POST /api/v1/biologics/units/{unit_a}/custody":              {"lab"},
    "POST /api/v1/biologics/units/{unit_a}/issue":                {"lab"},
    "POST /api/v1/biologics/units/{issued_a}/return":             {"lab"},
    "POST /api/v1/biologics/bedside/check":                       {"physician", "nurse", "outsider"},
    "POST /api/v1/biologics/administrations":                     {"physician", "nurse", "outsider"},
    "POST /api/v1/biologics/recalls":                             {"director"},
    "PUT /api/v1/biologics/settings":                             {"director"},
    "POST /api/v1/biologics/storage/locations":                   {"lab"},
    "POST /api/v1/biologics/product-codes":                       {"director"},
    "POST /api/v1/biologics/qc-specs/svf":                        {"director"},
}
# fmt: on


def _local(hours: float) -> str:
    return (timezone.localtime() + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def _iso(hours: float) -> str:
    return (timezone.now() + dt.timedelta(hours=hours)).isoformat()


def _din(ids: dict[str, int], name: str) -> str:
    from scarclinic.biologics.models import ProductUnit

    return ProductUnit.objects.get(pk=ids[name]).din


_UNIT_FORM = {
    "product_type": "svf",
    "volume_ml": "3",
    "cell_count_million": "20",
    "dose_body_weight_kg": "60",
    "storage_condition": "refrigerated",
    "regulatory_class": "same_surgical_procedure",
    "manipulation": "minimal",
}
_DONOR = {
    "supplier": "Matrix Cord Bank",
    "donor_identifier": "D-M1",
    "eligibility": "eligible",
    "screening_results": "HBsAg: non-reactive",
    "screening_date": "2025-01-02",
    "material": "cord_tissue",
    "supplier_lot": "LOT-M1",
    "shipping_temperature_c": "-160",
    "time_out_of_storage_minutes": "3",
    "condition_acceptable": "on",
}


def _codes_file() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "codes.csv", b"code,description,product_type\nS9909,LOCAL TEST matrix,svf\n", "text/csv"
    )


# A valid body for every route that writes, as an allowed role would send it. Each takes the
# matrix's world and reads only ``world.ids``.
BIOLOGICS_BODIES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "POST /biologics/storage/locations/": lambda w: {
        "name": "Tank 9",
        "storage_condition": "ln2_vapour",
    },
    "POST /biologics/receive/harvest/": lambda w: {
        "patient_mrn": "A-0001",
        "collected_at": _local(-1),
        "harvest_site": "Abdomen",
        "volume_ml": "100",
    },
    "POST /biologics/receive/blood-draw/": lambda w: {
        "patient_mrn": "A-0001",
        "collected_at": _local(-0.2),
        "volume_ml": "30",
        "preparation_method": "Double spin",
    },
    "POST /biologics/receive/donor/": lambda w: _DONOR | {"received_at": _local(-1)},
    "POST /biologics/collections/{collection_a}/units/new/": lambda w: (
        _UNIT_FORM | {"expires_at": _local(20)}
    ),
    "POST /biologics/units/{quarantine_a}/processing/": lambda w: {
        "step": "washing",
        "equipment": "CF-01",
        "reagents": "Saline: S-1",
    },
    "POST /biologics/units/{quarantine_a}/qc/": lambda w: {
        "test_code": "gram_stain",
        "text": "Negative",
        "method": "Gram stain",
    },
    "POST /biologics/units/{quarantine_a}/release/": lambda w: {
        "meaning": "approval",
        "password": PASSWORD,
    },
    "POST /biologics/units/{quarantine_a}/reject/": lambda w: {
        "reject-reason": "Clotted",
        "reject-password": PASSWORD,
    },
    "POST /biologics/units/{zara_unit}/reject/": lambda w: {
        "reject-reason": "Clotted",
        "reject-password": PASSWORD,
    },
    "POST /biologics/units/{unit_a}/store/": lambda w: {
        "to_location": w.ids["location_a"],
        "rack": "2",
        "position": "9",
    },
    "POST /biologics/units/{unit_a}/hand-over/": lambda w: {"handed_to": w.ids["nurse_user"]},
    "POST /biologics/units/{unit_a}/excursion/": lambda w: {
        "temperature_c": "12",
        "duration_minutes": "20",
    },
    "POST /biologics/units/{frozen_a}/thaw/": lambda w: {},
    "POST /biologics/units/{unit_a}/issue/": lambda w: {"patient_mrn": "A-0001"},
    "POST /biologics/units/{issued_a}/return/": lambda w: {"note": "Session postponed"},
    "POST /biologics/units/{unit_a}/discard/": lambda w: {"reason": "Dropped"},
    "POST /biologics/units/{zara_unit}/discard/": lambda w: {"reason": "Dropped"},
    "POST /biologics/bedside/": lambda w: {
        "action": "administer",
        "din": _din(w.ids, "unit_a"),
        "patient_identifier": "A-0001",
        "route": "Intradermal injection",
        "volume_ml": "2",
        "sites": "Cheeks",
    },
    "POST /biologics/recalls/": lambda w: {"reason": "Supplier notice", "lot": "LOT-A1"},
    "POST /biologics/settings/": lambda w: {
        "facility_identification_number": "T9999",
        "fin_is_demo": "on",
        "expiring_soon_days": "10",
    },
    "POST /biologics/settings/codes/": lambda w: {
        "csv_file": _codes_file(),
        "local_test_codes": "on",
    },
    "POST /biologics/settings/qc/svf/": lambda w: {
        "cell_dose__minimum": "5",
        "viability__minimum": "70",
        "viability__required": "on",
        "sterility__required": "on",
        "endotoxin__maximum": "5",
        "endotoxin__required": "on",
        "cell_dose__required": "on",
        "reason": "Protocol minimum",
    },
    "POST /api/v1/biologics/collections/harvest": lambda w: {
        "patient_id": w.ids["amina"],
        "collected_at": _iso(-1),
        "harvest_site": "Flanks",
        "volume_ml": 90,
    },
    "POST /api/v1/biologics/collections/blood-draw": lambda w: {
        "patient_id": w.ids["amina"],
        "collected_at": _iso(-0.2),
        "volume_ml": 30,
        "preparation_method": "Kit",
    },
    "POST /api/v1/biologics/collections/donor-receipt": lambda w: {
        "donor_identifier": "D-M2",
        "supplier": "Matrix Cord Bank",
        "eligibility": "eligible",
        "screening_results": [{"test": "HBsAg", "result": "non-reactive"}],
        "screening_date": "2025-01-02",
        "material": "cord_blood",
        "supplier_lot": "LOT-M2",
        "received_at": _iso(-1),
        "shipping_temperature_c": -150,
        "time_out_of_storage_minutes": 2,
    },
    "POST /api/v1/biologics/collections/{collection_a}/units": lambda w: {
        "product_type": "svf",
        "volume_ml": 3,
        "storage_condition": "refrigerated",
        "expires_at": _iso(20),
        "regulatory_class": "same_surgical_procedure",
        "manipulation": "minimal",
    },
    "POST /api/v1/biologics/collections/{zara_collection}/units": lambda w: {
        "product_type": "svf",
        "volume_ml": 3,
        "storage_condition": "refrigerated",
        "expires_at": _iso(20),
        "regulatory_class": "same_surgical_procedure",
        "manipulation": "minimal",
    },
    "POST /api/v1/biologics/units/{quarantine_a}/processing": lambda w: {
        "step": "washing",
        "reagents": [{"reagent": "Saline", "lot": "S-1"}],
    },
    "POST /api/v1/biologics/units/{quarantine_a}/qc": lambda w: {
        "test_code": "gram_stain",
        "text": "Negative",
        "method": "Gram stain",
    },
    "POST /api/v1/biologics/units/{quarantine_a}/release": lambda w: {
        "password": PASSWORD,
        "meaning": "approval",
    },
    "POST /api/v1/biologics/units/{zara_unit}/release": lambda w: {
        "password": PASSWORD,
        "meaning": "approval",
    },
    "POST /api/v1/biologics/units/{quarantine_a}/reject": lambda w: {
        "password": PASSWORD,
        "reason": "Clotted",
    },
    "POST /api/v1/biologics/units/{unit_a}/custody": lambda w: {
        "kind": "hand_over",
        "handed_to_id": w.ids["nurse_user"],
    },
    "POST /api/v1/biologics/units/{unit_a}/issue": lambda w: {"patient_id": w.ids["amina"]},
    "POST /api/v1/biologics/units/{issued_a}/return": lambda w: {"note": "Postponed"},
    "POST /api/v1/biologics/bedside/check": lambda w: {
        "din": _din(w.ids, "unit_a"),
        "patient_identifier": "A-0001",
    },
    "POST /api/v1/biologics/administrations": lambda w: {
        "din": _din(w.ids, "unit_a"),
        "patient_identifier": "A-0001",
        "route": "Intradermal injection",
        "volume_ml": 2,
    },
    "POST /api/v1/biologics/recalls": lambda w: {"reason": "Supplier notice", "lot": "LOT-A1"},
    "PUT /api/v1/biologics/settings": lambda w: {
        "facility_identification_number": "T9999",
        "fin_is_demo": True,
        "expiring_soon_days": 10,
    },
    "POST /api/v1/biologics/storage/locations": lambda w: {
        "name": "Tank 9",
        "storage_condition": "ln2_vapour",
    },
    "POST /api/v1/biologics/product-codes": lambda w: {
        "csv": "code,description,product_type\nS9909,LOCAL TEST matrix,svf\n",
        "local_test_codes": True,
    },
    "POST /api/v1/biologics/qc-specs/svf": lambda w: {
        "changes": {"cell_dose": {"minimum": "5"}},
        "reason": "Protocol minimum",
    },
}


def biologics_world(cast: Cast) -> dict[str, int]:
    """The units, collections and settings the rows name, at clinic A and clinic B; returns
    the new placeholders' ids. Units are made by a second lab technician of each clinic, so
    that the matrix's lab technician may release them."""
    from scarclinic.accounts.models import Membership, User
    from scarclinic.biologics import services
    from scarclinic.biologics.tests.stories import (
        build_lab_world,
        cord_unit,
        harvest,
        pass_qc,
        svf_unit,
    )

    world = build_lab_world(cast)
    maker = User.objects.create_user(username="lab.maker", password=PASSWORD)
    Membership.objects.create(user=maker, clinic=cast.clinic_a, role="lab")
    collection = harvest(world)
    # The units: made by lab.maker, tested by the lab, released by a second technician.
    unit = svf_unit(world, collection, by=maker)
    pass_qc(world, unit)
    services.product_release(product=unit, by=world.lab2, password=PASSWORD, meaning="approval")
    services.product_store(product=unit, by=maker, to_location=world.fridge, rack="1", position="1")
    quarantine = svf_unit(world, collection, by=maker)
    pass_qc(world, quarantine)
    frozen = cord_unit(world, by=maker)
    pass_qc(world, frozen)
    services.product_release(product=frozen, by=world.lab2, password=PASSWORD, meaning="approval")
    issued = cord_unit(world, by=maker)
    pass_qc(world, issued)
    services.product_release(product=issued, by=world.lab2, password=PASSWORD, meaning="approval")
    services.product_issue(product=issued, by=maker, patient=cast.amina)
    # Clinic B: a harvest of Zara's and a released unit, made by B's technician.
    lab_b = User.objects.get(username="lab.b")
    director_b = User.objects.get(username="director.b")
    zara_collection = services.harvest_record(
        clinic=cast.clinic_b,
        by=lab_b,
        patient=cast.zara,
        collected_at=timezone.now() - dt.timedelta(hours=1),
        harvest_site="Abdomen",
        volume_ml="90",
    )
    zara_unit = services.product_create(
        collection=zara_collection,
        by=lab_b,
        product_type="svf",
        volume_ml="3",
        storage_condition="refrigerated",
        expires_at=timezone.now() + dt.timedelta(hours=20),
        regulatory_class="same_surgical_procedure",
        manipulation="minimal",
    )
    for test, value, text, unit_text in (
        ("cell_dose", "20", "", "x10^6 cells"),
        ("viability", "90", "", "%"),
        ("sterility", None, "No growth", ""),
        ("endotoxin", "0.1", "", "EU/kg"),
    ):
        services.qc_result_record(
            product=zara_unit, by=lab_b, test_code=test, value=value, text=text, unit=unit_text
        )
    services.product_release(
        product=zara_unit, by=director_b, password=PASSWORD, meaning="approval"
    )
    return {
        "unit_a": unit.pk,
        "quarantine_a": quarantine.pk,
        "frozen_a": frozen.pk,
        "issued_a": issued.pk,
        "collection_a": collection.pk,
        "location_a": world.fridge.pk,
        "zara_unit": zara_unit.pk,
        "zara_collection": zara_collection.pk,
    }


def biologics_snapshot() -> dict[str, list[Any]]:
    """The cell-product rows a request could change, for the matrix's "nothing changed"."""
    return _biologics_rows()()


@functools.cache
def _biologics_rows() -> CompiledRows:
    from scarclinic.biologics import models

    names = (
        "BiologicsSettings",
        "ProductCode",
        "StorageLocation",
        "QcSpecification",
        "Donor",
        "Collection",
        "ProductUnit",
        "ProcessingStep",
        "ReagentUse",
        "QcTestResult",
        "ElectronicSignature",
        "CustodyEvent",
        "BedsideCheck",
        "ProductAdministration",
        "Recall",
        "RecallUnit",
    )
    return CompiledRows(  # SQL compiled once a process (tests/permissions.py)
        {
            f"biologics.{name}": getattr(models, name).objects.order_by("pk").values()
            for name in names
        }
    )
