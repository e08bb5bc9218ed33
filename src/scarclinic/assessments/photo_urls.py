# Photo URLs (owned by the photo module): numeric ids only, never file names.
from django.urls import path

from scarclinic.assessments import photo_views

urlpatterns = [
    path(
        "patient/<int:patient_id>/section/",
        photo_views.photo_chart_section,
        name="photo_chart_section",
    ),
]
