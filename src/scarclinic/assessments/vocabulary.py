"""The clinical core's words for scars, regions and grades, for the translation catalogue.

``clinical/`` is plain Python without Django, so its labels are English; they are listed
here with gettext_noop so that makemessages finds them, and the choices and templates look
each one up in the active language (``gettext_lazy(label)``, ``{% translate label %}``)."""

from django.utils.translation import gettext_lazy, gettext_noop

MORPHOLOGY_NAMES = (
    gettext_noop("Ice-pick"),
    gettext_noop("Boxcar, shallow"),
    gettext_noop("Boxcar, deep"),
    gettext_noop("Rolling"),
    gettext_noop("Hypertrophic"),
    gettext_noop("Keloid"),
    gettext_noop("Macular (erythema / PIH)"),
)
REGION_NAMES = (
    gettext_noop("Forehead"),
    gettext_noop("Temple left"),
    gettext_noop("Temple right"),
    gettext_noop("Cheek left"),
    gettext_noop("Cheek right"),
    gettext_noop("Nose"),
    gettext_noop("Perioral"),
    gettext_noop("Chin"),
    gettext_noop("Jawline left"),
    gettext_noop("Jawline right"),
)
GRADE_DESCRIPTIONS = (
    gettext_noop("Macular: flat marks, a problem of colour not contour."),
    gettext_noop(
        "Mild: atrophy or hypertrophy not obvious at 50 cm or more; "
        "covered by make-up or beard shadow."
    ),
    gettext_noop(
        "Moderate: obvious at 50 cm or more, not easily covered; "
        "atrophic scars flatten when the skin is stretched."
    ),
    gettext_noop(
        "Severe: obvious at 50 cm or more, not easily covered; "
        "atrophic scars do not flatten when stretched."
    ),
    gettext_noop("Macular"),
    gettext_noop("Mild"),
    gettext_noop("Moderate"),
    gettext_noop("Severe"),
)

# The names of the scale versions stored with each assessment (clinical.scales.SCALE_VERSIONS).
SCALE_NAMES = {
    "goodman_baron_quantitative": gettext_lazy("Goodman & Baron quantitative"),
    "ecca": gettext_lazy("ECCA"),
    "morphology_mapping": gettext_lazy("Morphology mapping"),
}
