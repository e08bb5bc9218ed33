# Patient URLs carry numeric ids only, never names or MRNs (they end up in server logs).
from django.urls import path

from scarclinic.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("register/", views.patient_register_view, name="register"),
    path("<int:pk>/", views.patient_chart_view, name="chart"),
    path("<int:pk>/edit/", views.patient_edit, name="edit"),
    path("<int:pk>/history/", views.history_edit, name="history_edit"),
    path("<int:pk>/history/<int:version>/", views.history_version, name="history_version"),
    path("<int:pk>/consents/new/", views.consent_new, name="consent_new"),
    path("consents/<int:consent_id>/", views.consent_detail, name="consent_detail"),
    path(
        "consents/<int:consent_id>/withdraw/", views.consent_withdraw_view, name="consent_withdraw"
    ),
]
