# Cell-product URLs: numeric ids only (a DIN or a patient's name never goes in a URL path).
from django.urls import path

from scarclinic.biologics import views

app_name = "biologics"
urlpatterns = [
    path("", views.inventory, name="inventory"),
    path("queue/", views.queue, name="queue"),
    path("storage/", views.storage, name="storage"),
    path("storage/locations/", views.location_new, name="location_new"),
    path("receive/harvest/", views.harvest_new, name="harvest_new"),
    path("receive/blood-draw/", views.blood_draw_new, name="blood_draw_new"),
    path("receive/donor/", views.donor_receipt_new, name="donor_receipt_new"),
    path("collections/<int:collection_id>/", views.collection_detail, name="collection"),
    path("collections/<int:collection_id>/units/new/", views.product_new, name="product_new"),
    path("units/<int:product_id>/", views.product_detail, name="product"),
    path("units/<int:product_id>/processing/", views.processing_new, name="processing"),
    path("units/<int:product_id>/qc/", views.qc_new, name="qc"),
    path("units/<int:product_id>/release/", views.release, name="release"),
    path("units/<int:product_id>/reject/", views.reject, name="reject"),
    path("units/<int:product_id>/store/", views.store, name="store"),
    path("units/<int:product_id>/hand-over/", views.hand_over, name="hand_over"),
    path("units/<int:product_id>/excursion/", views.excursion, name="excursion"),
    path("units/<int:product_id>/thaw/", views.thaw, name="thaw"),
    path("units/<int:product_id>/issue/", views.issue, name="issue"),
    path("units/<int:product_id>/return/", views.return_view, name="return"),
    path("units/<int:product_id>/discard/", views.discard, name="discard"),
    path("units/<int:product_id>/label.pdf", views.label_pdf, name="label_pdf"),
    path("units/<int:product_id>/label.png", views.label_png, name="label_png"),
    path("bedside/", views.bedside, name="bedside"),
    path("lookback/", views.lookback, name="lookback"),
    path("lookback/export.csv", views.lookback_csv, name="lookback_csv"),
    path("recalls/", views.recall_new, name="recall_new"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/codes/", views.codes_upload, name="codes_upload"),
    path("settings/qc/<slug:product_type>/", views.qc_spec, name="qc_spec"),
]
