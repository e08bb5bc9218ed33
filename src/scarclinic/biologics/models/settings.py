"""The lab's configuration: the clinic's ISBT 128 facility number and DIN counter, the product
code table it loads from its licence, storage locations, and its QC specifications."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy, gettext_noop

from scarclinic.accounts.models import Clinic
from scarclinic.clinical.qc import ProductType

# The clinical core's names of the product types (clinical/qc.py), for the catalogue: the
# choices look them up in the active language when shown.
PRODUCT_TYPE_NAMES = (
    gettext_noop("Stromal vascular fraction (autologous)"),
    gettext_noop("Adipose-derived stem cells, culture-expanded (autologous)"),
    gettext_noop("Umbilical cord MSC (allogeneic)"),
    gettext_noop("Cord blood cells (allogeneic)"),
    gettext_noop("Platelet-rich plasma (autologous)"),
)
PRODUCT_TYPE_CHOICES = [(t.value, gettext_lazy(t.label)) for t in ProductType]  # noqa: INT001


class StorageCondition(models.TextChoices):
    ROOM = "room", gettext_lazy("Room temperature (15 to 25 °C)")
    REFRIGERATED = "refrigerated", gettext_lazy("Refrigerated (2 to 8 °C)")
    FROZEN = "frozen", gettext_lazy("Frozen (-80 °C or colder)")
    LN2_VAPOUR = "ln2_vapour", gettext_lazy("Liquid nitrogen vapour (-150 °C or colder)")


class BiologicsSettings(models.Model):
    """A clinic's cell-lab settings. The facility identification number (FIN) is assigned by
    ICCBBA to a registered facility (clinical reference §7); a demo FIN is marked as such and
    every label printed with it says so."""

    clinic = models.OneToOneField(Clinic, on_delete=models.PROTECT, related_name="biologics")
    facility_identification_number = models.CharField(
        "Facility identification number (FIN)",
        max_length=5,
        validators=[RegexValidator(r"^[0-9A-Z]{5}$", "5 characters: digits and capital letters.")],
        help_text=gettext_lazy(
            "Assigned by ICCBBA on registration; the first 5 characters of every DIN."
        ),
    )
    fin_is_demo = models.BooleanField(
        "Demo FIN",
        default=False,
        help_text=gettext_lazy("A made-up number for demonstration, not assigned by ICCBBA"),
    )
    expiring_soon_days = models.PositiveSmallIntegerField(
        default=7,
        help_text=gettext_lazy("Units expiring within this many days are listed as expiring soon"),
    )
    prp_use_within_hours = models.PositiveSmallIntegerField(
        "PRP: use within (hours)",
        null=True,
        blank=True,
        help_text=gettext_lazy(
            "Blank: PRP expires at the end of the day of the blood draw (same day only)"
        ),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name_plural = "biologics settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(facility_identification_number__regex=r"^[0-9A-Z]{5}$"),
                name="fin_is_5_characters",
            ),
        ]

    def __str__(self) -> str:
        return f"Cell-lab settings of clinic {self.clinic_id}"


class DinCounter(models.Model):
    """The last DIN sequence number used by a clinic in a year (locked while a DIN is made)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_sequence = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "year"], name="one_din_counter_per_year"),
            models.CheckConstraint(
                condition=models.Q(last_sequence__lte=999_999), name="din_sequence_six_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"DIN counter {self.year} of clinic {self.clinic_id}: {self.last_sequence}"


class ProductCode(models.Model):
    """One product description code of the clinic's table. ICCBBA's tables are licensed and
    not shipped (clinical reference §7): the clinic loads its own, and demo codes are marked as
    local test codes, never presented as ICCBBA's. Codes are never deleted, only retired."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="product_codes")
    code = models.CharField(
        max_length=5,
        validators=[RegexValidator(r"^[A-Z][0-9]{4}$", "A letter and 4 digits, e.g. S1127.")],
    )
    description = models.CharField(max_length=300)
    product_type = models.CharField(
        max_length=20,
        choices=PRODUCT_TYPE_CHOICES,
        blank=True,
        help_text=gettext_lazy("Blank: any type"),
    )
    is_local_test_code = models.BooleanField(
        default=False,
        help_text=gettext_lazy("A local code for testing, not from ICCBBA's licensed table"),
    )
    licence_note = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    loaded_at = models.DateTimeField()

    class Meta:
        ordering = ["clinic", "code"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "code"], name="one_product_code_per_clinic"),
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[A-Z][0-9]{4}$"), name="product_code_format"
            ),
        ]

    def __str__(self) -> str:
        local = " (local test code)" if self.is_local_test_code else ""
        return f"{self.code} {self.description}{local}"


class StorageLocation(models.Model):
    """A place a unit can be: a freezer, a nitrogen tank, a refrigerator, a shelf, the
    procedure room. Racks and positions are recorded with each unit and each move."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="storage_locations")
    name = models.CharField(max_length=100)
    storage_condition = models.CharField(max_length=20, choices=StorageCondition.choices)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["clinic", "name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="one_location_name_per_clinic"),
        ]

    def __str__(self) -> str:
        return self.name


class QcSpecification(models.Model):
    """One version of a clinic's QC release specification for a product type: the whole list
    of tests (see :class:`scarclinic.clinical.qc.QcTest`). A change adds a version; the latest
    is in force, and each release signature keeps the version it was evaluated against."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="qc_specifications")
    product_type = models.CharField(max_length=20, choices=PRODUCT_TYPE_CHOICES)
    number = models.PositiveIntegerField()
    tests = models.JSONField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()
    change = models.CharField(max_length=500)
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["clinic", "product_type", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "product_type", "number"], name="one_qc_spec_number"
            ),
        ]

    def __str__(self) -> str:
        return f"QC specification {self.product_type} v{self.number} of clinic {self.clinic_id}"

    @property
    def version(self) -> str:
        return f"clinic-{self.clinic_id}-{self.product_type}-v{self.number}"
