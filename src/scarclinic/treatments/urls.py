# Consultation and treatment URLs: numeric ids only.
from django.urls import path

from scarclinic.treatments import views

app_name = "treatments"
urlpatterns = [
    path("patient/<int:patient_id>/section/", views.chart_section, name="chart_section"),
    path("patient/<int:patient_id>/", views.consultation, name="consultation"),
    path("patient/<int:patient_id>/pdf/", views.consultation_pdf, name="pdf"),
    path("patient/<int:patient_id>/decision/", views.decision_new, name="decision_new"),
    path("patient/<int:patient_id>/labs/", views.labs_new, name="labs"),
    path("decisions/<int:decision_id>/", views.decision_detail, name="decision"),
    path("rules/", views.rules, name="rules"),
    path("prices/", views.prices, name="prices"),
]
