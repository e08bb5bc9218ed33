# Outcome URLs (mounted at /outcomes/): numeric ids only, never a patient's name or MRN.
from django.urls import path

from scarclinic.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("adverse-events/", views.event_list, name="events"),
    path("adverse-events/rates/", views.rates, name="rates"),
    path("adverse-events/rates.csv", views.rates_csv, name="rates_csv"),
    path("adverse-events/<int:event_id>/", views.event_detail, name="event"),
    path("adverse-events/<int:event_id>/edit/", views.event_edit, name="event_edit"),
    path("adverse-events/<int:event_id>/entered-in-error/", views.event_error, name="event_error"),
    path("adverse-events/<int:event_id>/review/", views.event_review, name="event_review"),
    path("patient/<int:patient_id>/adverse-events/new/", views.event_new, name="event_new"),
    path("patient/<int:patient_id>/section/", views.chart_section, name="chart_section"),
    path("patient/<int:patient_id>/progress/", views.progress, name="progress"),
    path("patient/<int:patient_id>/progress.pdf", views.progress_pdf, name="progress_pdf"),
]
