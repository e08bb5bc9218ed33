# Assessment URLs carry numeric ids only.
from django.urls import include, path

from scarclinic.assessments import views

app_name = "assessments"
urlpatterns = [
    path("patient/<int:patient_id>/section/", views.chart_section, name="chart_section"),
    path("patient/<int:patient_id>/new/", views.assessment_new, name="new"),
    path("patient/<int:patient_id>/questionnaire/", views.pro_new, name="pro_new"),
    path("preview/", views.score_preview, name="preview"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
    path("<int:pk>/edit/", views.assessment_edit, name="edit"),
    path("<int:pk>/sign/", views.assessment_sign_view, name="sign"),
    path("<int:pk>/addendum/", views.addendum_new, name="addendum"),
    path("photos/", include("scarclinic.assessments.photo_urls")),
]
