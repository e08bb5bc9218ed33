"""Demo price list: plausible prices in Pakistani rupees for one session of each treatment at
a private clinic in Islamabad. Demo values, marked as such on every page and in the PDF; not
a quote and not market research."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from scarclinic.accounts.models import Clinic, User
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.clinical.evidence import Modality
from scarclinic.treatments.models import PriceListEntry

DEMO_PRICES_FROM = date(2025, 1, 1)
DEMO_CURRENCY = "PKR"
# One session (CLINICAL.md gives no prices): example values.
DEMO_PRICES: dict[Modality, Decimal] = {
    Modality.STEM_CELL_SVF_INJECTION: Decimal("250000"),
    Modality.TOPICAL_CELL_PRODUCT_AFTER_MICRONEEDLING: Decimal("35000"),
    Modality.MICRONEEDLING_PRP: Decimal("18000"),
    Modality.MICRONEEDLING: Decimal("10000"),
    Modality.FRACTIONAL_ABLATIVE_LASER: Decimal("25000"),
    Modality.NON_ABLATIVE_FRACTIONAL_LASER: Decimal("20000"),
    Modality.CHEMICAL_PEEL: Decimal("8000"),
    Modality.TCA_CROSS: Decimal("7000"),
    Modality.SUBCISION: Decimal("15000"),
    Modality.DERMAL_FILLER: Decimal("60000"),
    Modality.PUNCH_EXCISION_ELEVATION: Decimal("12000"),
}


@transaction.atomic
def seed_demo_consultation(*, clinic: Clinic, director: User) -> None:
    """Load the demo price list at a clinic; running it again adds nothing.

    A treatment that already has any price at the clinic is left alone, so a clinic's own
    prices are never joined by demo ones."""
    priced = set(PriceListEntry.objects.filter(clinic=clinic).values_list("modality", flat=True))
    now = timezone.now()
    new = [
        PriceListEntry(
            clinic=clinic,
            modality=modality.value,
            price_per_session=price,
            currency=DEMO_CURRENCY,
            effective_from=DEMO_PRICES_FROM,
            is_demo=True,
            recorded_by=director,
            recorded_at=now,
        )
        for modality, price in DEMO_PRICES.items()
        if modality.value not in priced
    ]
    if not new:
        return
    PriceListEntry.objects.bulk_create(new)
    audit_record(
        actor=director,
        action=AuditAction.SEED,
        object_type=PriceListEntry._meta.label_lower,
        clinic_id=clinic.pk,
        detail={"prices": len(new), "demo": True},
    )
