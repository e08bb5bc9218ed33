# Portal URLs carry numeric ids only; every id is looked up together with the signed-in
# patient's own record (another patient's id is a 404, like a missing one).
from django.urls import path

from scarclinic.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.portal_home, name="home"),
    path("appointments/", views.appointments, name="appointments"),
    path("appointments.ics", views.appointments_ics, name="appointments_ics"),
    path("appointments/<int:appointment_id>.ics", views.appointment_ics, name="appointment_ics"),
    path("plan/", views.plan, name="plan"),
    path("aftercare/", views.aftercare, name="aftercare"),
    path("aftercare/<int:given_id>/day/<int:day>/", views.aftercare_day, name="aftercare_day"),
    path("consents/", views.consents, name="consents"),
    path("consents/<int:consent_id>/", views.consent_detail, name="consent"),
    path("consents/to-sign/<int:request_id>/", views.consent_sign, name="consent_sign"),
    path("questionnaires/", views.questionnaires, name="questionnaires"),
    path("questionnaire/<int:instrument_id>/", views.questionnaire, name="questionnaire"),
    path("health-update/", views.history_update, name="history_update"),
    path("progress/", views.progress, name="progress"),
    path("side-effect/", views.side_effect, name="side_effect"),
    path("welcome/<str:token>/", views.welcome, name="welcome"),
    path("staff/patients/<int:patient_id>/", views.staff_access, name="staff_access"),
    path("staff/patients/<int:patient_id>/invite/", views.staff_invite, name="staff_invite"),
    path(
        "staff/patients/<int:patient_id>/consents/",
        views.staff_send_consent,
        name="staff_send_consent",
    ),
    path(
        "staff/health-updates/<int:update_id>/read/",
        views.staff_history_reviewed,
        name="staff_history_reviewed",
    ),
]
