# Assessment URLs carry numeric ids only.
from django.urls import include, path

from scarclinic.assessments import views

app_name = "assessments"
urlpatterns = [
    path("patient/<int:patient_id>/section/", views.chart_section, name="chart_section"),
    path("patient/<int:patient_id>/new/", views.assessment_new, name="new"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
    path("photos/", include("scarclinic.assessments.photo_urls")),
]
