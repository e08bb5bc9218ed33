# Photo URLs (owned by the photo module): numeric ids only, never file names, and no public
# media URL: every image goes through photo_image / photo_thumbnail, which check and audit.
from django.urls import path

from scarclinic.assessments import photo_views

urlpatterns = [
    path(
        "patient/<int:patient_id>/section/",
        photo_views.photo_chart_section,
        name="photo_chart_section",
    ),
    path("patient/<int:patient_id>/new/", photo_views.photo_set_new, name="photo_set_new"),
    path("patient/<int:patient_id>/compare/", photo_views.photo_compare, name="photo_compare"),
    path("patient/<int:patient_id>/consent/", photo_views.photo_consent, name="photo_consent"),
    path(
        "patient/<int:patient_id>/consent/grant/",
        photo_views.photo_consent_grant,
        name="photo_consent_grant",
    ),
    path(
        "consent/<int:grant_id>/withdraw/",
        photo_views.photo_consent_withdraw,
        name="photo_consent_withdraw",
    ),
    path("set/<int:set_id>/", photo_views.photo_set_detail, name="photo_set"),
    path("set/<int:set_id>/upload/", photo_views.photo_upload, name="photo_upload"),
    path("<int:photo_id>/image/", photo_views.photo_image, name="photo_image"),
    path("<int:photo_id>/thumbnail/", photo_views.photo_thumbnail, name="photo_thumbnail"),
]
