from django.urls import path

from bench import floor
from scarclinic.config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("__floor__/<slug:page>/", floor.floor_view, name="bench_floor"),
    *project_urlpatterns,
]
