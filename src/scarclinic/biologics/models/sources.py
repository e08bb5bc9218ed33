"""Where cells come from: the patient's own fat or blood, or a donor's cord tissue or cord
blood received from a supplier."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from scarclinic.accounts.models import Clinic
from scarclinic.patients.models import Patient


class DonorEligibility(models.TextChoices):
    ELIGIBLE = "eligible", gettext_lazy("Eligible")
    INELIGIBLE = "ineligible", gettext_lazy("Ineligible")
    INCOMPLETE = "incomplete", gettext_lazy("Determination incomplete")


class Donor(models.Model):
    """An allogeneic donor as the supplier identifies them, with the eligibility determination
    and infectious disease screening results the supplier reported."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="donors")
    donor_identifier = models.CharField(
        max_length=64, help_text=gettext_lazy("The supplier's donor id")
    )
    supplier = models.CharField(max_length=200)
    eligibility = models.CharField(max_length=12, choices=DonorEligibility.choices)
    # [{"test": "HIV-1/2 antibody", "result": "non-reactive"}, ...]
    screening_results = models.JSONField(default=list, blank=True)
    screening_date = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["clinic", "supplier", "donor_identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "supplier", "donor_identifier"], name="one_donor_per_supplier_id"
            ),
            models.CheckConstraint(
                condition=models.Q(eligibility__in=["eligible", "ineligible", "incomplete"]),
                name="donor_eligibility_known",
            ),
        ]

    def __str__(self) -> str:
        return f"Donor {self.donor_identifier} ({self.supplier})"


class CollectionKind(models.TextChoices):
    HARVEST = "harvest", gettext_lazy("Lipoaspirate harvest (autologous)")
    BLOOD_DRAW = "blood_draw", gettext_lazy("Blood draw for PRP (autologous, same day)")
    DONOR_RECEIPT = "donor_receipt", gettext_lazy("Donor material received (allogeneic)")


class DonorMaterial(models.TextChoices):
    CORD_TISSUE = "cord_tissue", gettext_lazy("Umbilical cord tissue")
    CORD_BLOOD = "cord_blood", gettext_lazy("Cord blood")


class Collection(models.Model):
    """The starting material of one or more product units: a lipoaspirate harvest, a blood
    draw for PRP, or a donor unit received from a supplier (lot, shipping conditions)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="collections")
    kind = models.CharField(max_length=20, choices=CollectionKind.choices)
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="collections"
    )
    donor = models.ForeignKey(
        Donor, null=True, blank=True, on_delete=models.PROTECT, related_name="collections"
    )
    collected_at = models.DateTimeField(help_text=gettext_lazy("Harvested, drawn, or received at"))
    volume_ml = models.DecimalField(max_digits=8, decimal_places=1, null=True, blank=True)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=gettext_lazy("Who harvested or drew the blood"),
    )
    # Harvest
    harvest_site = models.CharField(max_length=100, blank=True)
    procedure_reference = models.CharField(
        max_length=100,
        blank=True,
        help_text=gettext_lazy("The procedure record of the harvest, if any"),
    )
    # Blood draw
    preparation_method = models.CharField(
        max_length=200, blank=True, help_text=gettext_lazy("PRP kit, or centrifuge protocol")
    )
    # Donor receipt
    material = models.CharField(max_length=20, choices=DonorMaterial.choices, blank=True)
    supplier_lot = models.CharField(max_length=64, blank=True)
    shipping_temperature_c = models.DecimalField(
        "Temperature on receipt (°C)", max_digits=5, decimal_places=1, null=True, blank=True
    )
    time_out_of_storage_minutes = models.PositiveIntegerField(null=True, blank=True)
    condition_acceptable = models.BooleanField(default=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["clinic", "-collected_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "supplier_lot"], name="collection_lot_idx"),
        ]
        constraints = [
            # Autologous material names its patient; donor material its donor and lot.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind__in=["harvest", "blood_draw"],
                        patient__isnull=False,
                        donor__isnull=True,
                    )
                    | models.Q(
                        kind="donor_receipt",
                        patient__isnull=True,
                        donor__isnull=False,
                    )
                    & ~models.Q(supplier_lot="")
                    & ~models.Q(material="")
                ),
                name="collection_source_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(volume_ml__isnull=True) | models.Q(volume_ml__gt=0),
                name="collection_volume_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_autologous(self) -> bool:
        return self.kind != CollectionKind.DONOR_RECEIPT
