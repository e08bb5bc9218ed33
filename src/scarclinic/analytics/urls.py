# Analytics URLs: aggregate figures of the active clinic; no patient data in any path.
from django.urls import path

from scarclinic.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("comparison/", views.comparison, name="comparison"),
    path("forecast/", views.forecast_view, name="forecast"),
    path("status/", views.status, name="status"),
    path("refresh/", views.refresh, name="refresh"),
    path("export/<slug:table>.csv", views.export_csv, name="export"),
]
