from django.urls import path

from scarclinic.web import portal_views

app_name = "portal"
urlpatterns = [
    path("", portal_views.portal_home, name="home"),
    path(
        "questionnaire/<int:instrument_id>/",
        portal_views.portal_questionnaire,
        name="questionnaire",
    ),
]
