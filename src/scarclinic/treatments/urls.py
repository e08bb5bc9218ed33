# Consultation and treatment URLs: numeric ids only.
from django.urls import path

from scarclinic.treatments import views

app_name = "treatments"
urlpatterns = [
    path("patient/<int:patient_id>/section/", views.chart_section, name="chart_section"),
]
