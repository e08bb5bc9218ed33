"""Cell products and their chain of identity and custody (issue 6).

Where each unit came from (:class:`Collection`: a harvest, a blood draw, a donor unit
received), what was done to it, its QC results and release, every hand-over and move, the
bedside checks and the one administration it can have. Nothing is overwritten: a change is a
new row (an event, a result, a signature), and the unit's status only moves along
:data:`TRANSITIONS`, which the database enforces too (migration 0002's triggers).
"""

from scarclinic.biologics.models.products import (
    ADMINISTRABLE_STATUSES,
    TRANSITIONS,
    BedsideCheck,
    BedsideOutcome,
    CustodyEvent,
    CustodyKind,
    ElectronicSignature,
    Manipulation,
    ProcessingStep,
    ProcessingStepKind,
    ProductAdministration,
    ProductStatus,
    ProductUnit,
    QcTestResult,
    ReagentUse,
    Recall,
    RecallUnit,
    RegulatoryClass,
    SignatureAction,
    SignatureMeaning,
)
from scarclinic.biologics.models.settings import (
    BiologicsSettings,
    DinCounter,
    ProductCode,
    QcSpecification,
    StorageCondition,
    StorageLocation,
)
from scarclinic.biologics.models.sources import (
    Collection,
    CollectionKind,
    Donor,
    DonorEligibility,
    DonorMaterial,
)

__all__ = [
    "ADMINISTRABLE_STATUSES",
    "TRANSITIONS",
    "BedsideCheck",
    "BedsideOutcome",
    "BiologicsSettings",
    "Collection",
    "CollectionKind",
    "CustodyEvent",
    "CustodyKind",
    "DinCounter",
    "Donor",
    "DonorEligibility",
    "DonorMaterial",
    "ElectronicSignature",
    "Manipulation",
    "ProcessingStep",
    "ProcessingStepKind",
    "ProductAdministration",
    "ProductCode",
    "ProductStatus",
    "ProductUnit",
    "QcSpecification",
    "QcTestResult",
    "ReagentUse",
    "Recall",
    "RecallUnit",
    "RegulatoryClass",
    "SignatureAction",
    "SignatureMeaning",
    "StorageCondition",
    "StorageLocation",
]
