from django.urls import include, path

from scarclinic.accounts.admin_site import clinic_admin_site
from scarclinic.config.api import api

urlpatterns = [
    # /healthz, /readyz, /metrics: before the shell, whose old /healthz read the database.
    path("", include("scarclinic.ops.urls")),
    path("", include("scarclinic.web.urls")),
    path("", include("scarclinic.accounts.urls")),
    path("patients/", include("scarclinic.patients.urls")),
    path("audit/", include("scarclinic.audit.urls")),
    path("assessments/", include("scarclinic.assessments.urls")),
    path("consultation/", include("scarclinic.treatments.urls")),
    path("treatments/", include("scarclinic.treatments.plan_urls")),
    path("biologics/", include("scarclinic.biologics.urls")),
    path("analytics/", include("scarclinic.analytics.urls")),
    path("", include("scarclinic.interop.urls")),  # /fhir/... and /interop/...
    path("outcomes/", include("scarclinic.outcomes.urls")),
    path("admin/", clinic_admin_site.urls),
    path("api/v1/", api.urls),
]
