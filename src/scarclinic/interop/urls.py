# The FHIR endpoints under /fhir/ and the interop pages under /interop/; numeric ids only.
from django.urls import path

from scarclinic.interop import views

app_name = "interop"
urlpatterns = [
    path("fhir/Patient/<int:patient_id>/$everything", views.everything, name="everything"),
    path("fhir/Patient", views.import_patient, name="import_patient"),
    path("fhir", views.import_bundle, name="import_bundle"),
    path("fhir/$export", views.bulk_kickoff, name="bulk_kickoff"),
    path("fhir/$export-status/<int:job_id>", views.bulk_status, name="bulk_status"),
    path("interop/exports/", views.bulk_page, name="bulk"),
    path("interop/exports/<int:job_id>/", views.bulk_job, name="bulk_job"),
    path("interop/exports/<int:job_id>/progress/", views.bulk_progress, name="bulk_progress"),
    path("interop/exports/<int:job_id>/files/<int:file_id>/", views.bulk_file, name="bulk_file"),
    path("interop/import/", views.import_page, name="import"),
]
