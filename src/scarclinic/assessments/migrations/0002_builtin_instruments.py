"""scarclinic's own free patient-reported questions (CLINICAL.md section 5): a patient
global assessment of how much the scars bother, and satisfaction with their look."""

from typing import Any

from django.db import migrations

SCALE_0_10 = list(range(11))

BUILTIN = [
    {
        "code": "pga",
        "name": "Patient global assessment (scarclinic)",
        "description": "How much the scars bother the patient, 0 (not at all) to 10 (extremely).",
        "items": [
            {
                "id": "bother",
                "text": "How much do your scars bother you?",
                "options": [
                    {
                        "value": v,
                        "label": {0: "0 — not at all", 10: "10 — extremely"}.get(v, str(v)),
                    }
                    for v in SCALE_0_10
                ],
            }
        ],
        "scoring": "sum",
        "higher_is_worse": True,
    },
    {
        "code": "satisfaction",
        "name": "Satisfaction with appearance (scarclinic)",
        "description": "Satisfaction with how the scars look now, 0 (not at all) to 10 (completely).",
        "items": [
            {
                "id": "satisfied",
                "text": "How satisfied are you with how your scars look now?",
                "options": [
                    {
                        "value": v,
                        "label": {0: "0 — not at all", 10: "10 — completely"}.get(v, str(v)),
                    }
                    for v in SCALE_0_10
                ],
            }
        ],
        "scoring": "sum",
        "higher_is_worse": False,
    },
]


def create(apps: Any, schema_editor: Any) -> None:
    instrument = apps.get_model("assessments", "Instrument")
    for spec in BUILTIN:
        instrument.objects.update_or_create(clinic=None, code=spec["code"], defaults=spec)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
