# Plan, scheduling, procedure and post-care URLs (mounted at /treatments/): numeric ids only,
# except the calendar feed, whose unguessable token is its only key.
from django.urls import path

from scarclinic.treatments.views import plans, postcare, procedures, reminders, scheduling

app_name = "plans"
urlpatterns = [
    path("patient/<int:patient_id>/section/", plans.plans_section, name="section"),
    path("patient/<int:patient_id>/new/", plans.plan_new, name="new"),
    path("plans/<int:plan_id>/", plans.plan_detail, name="plan"),
    path("plans/<int:plan_id>/change/", plans.plan_change, name="change"),
    path("plans/<int:plan_id>/status/", plans.plan_status, name="status"),
    path("plans/<int:plan_id>/estimate.pdf", plans.plan_estimate_pdf, name="estimate"),
    path("plans/<int:plan_id>/plan.ics", plans.plan_ics, name="ics"),
    path("plans/<int:plan_id>/book/", scheduling.plan_booking, name="book"),
    path("sessions/<int:session_id>/", procedures.session_page, name="session"),
    path("sessions/<int:session_id>/slots/", scheduling.session_slots, name="slots"),
    path("sessions/<int:session_id>/book/", scheduling.session_book, name="session_book"),
    path("sessions/<int:session_id>/checklist/", procedures.session_checklist, name="checklist"),
    path("sessions/<int:session_id>/handout.pdf", procedures.session_handout, name="handout"),
    path("sessions/<int:session_id>/postcare/", procedures.session_postcare, name="postcare_give"),
    path("procedures/<int:record_id>/details/", procedures.record_details, name="details"),
    path("procedures/<int:record_id>/sign/", procedures.record_sign, name="sign"),
    path("procedures/<int:record_id>/addendum/", procedures.record_addendum, name="addendum"),
    path("appointments/<int:appointment_id>/move/", scheduling.appointment_move, name="move"),
    path("appointments/<int:appointment_id>/cancel/", scheduling.appointment_cancel, name="cancel"),
    path("calendar/", scheduling.calendar, name="calendar"),
    path("calendar/feed/", scheduling.calendar_feed, name="feed_settings"),
    path("feed/<str:token>.ics", scheduling.feed, name="feed"),
    path("postcare/", postcare.postcare_templates, name="postcare"),
    path("resources/", scheduling.resources, name="resources"),
    path("reminders/", reminders.outbox, name="reminders"),
    path("reminders/run/", reminders.run_start, name="reminder_run_start"),
    path("reminders/runs/<int:run_id>/", reminders.run_detail, name="reminder_run"),
    path("reminders/runs/<int:run_id>/progress/", reminders.run_progress, name="reminder_progress"),
    path("reminders/<int:reminder_id>/retry/", reminders.retry, name="reminder_retry"),
]
