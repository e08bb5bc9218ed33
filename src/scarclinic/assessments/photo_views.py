"""Photo pages: thin views that parse, call a service or selector, and render.

Photos leave the server only through :func:`photo_image` and :func:`photo_thumbnail`, which
check who is asking and audit every look; there is no public media URL."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from scarclinic.accounts.access import ClinicRequest, requires
from scarclinic.accounts.roles import Perm, role_has
from scarclinic.assessments import photo_selectors as selectors
from scarclinic.assessments import photo_services as services
from scarclinic.assessments.models import REQUIRED_VIEWS, Photo, PhotoSet, PhotoView
from scarclinic.assessments.photo_forms import (
    LIGHTING_SUGGESTIONS,
    ComparisonForm,
    PhotoConsentGrantForm,
    PhotoSetForm,
    PhotoUploadForm,
    lighting_text,
)
from scarclinic.ops.storage import signed_url
from scarclinic.patients.forms import apply_service_errors
from scarclinic.patients.selectors import patient_for_user

COMPARE_MAX_WIDTH = 540  # each image of a side-by-side pair, in CSS pixels
COMPARE_MAX_HEIGHT = 680

# The capture conditions a comparison checks (photo_selectors.Comparison.differences).
CONDITION_NAMES = {
    "lighting": gettext_lazy("lighting"),
    "distance": gettext_lazy("distance"),
    "camera": gettext_lazy("camera"),
}


def _fit(photo: Photo | None, width: int, height: int) -> tuple[int, int]:
    if photo is None:
        return (0, 0)
    scale = min(width / photo.width, height / photo.height, 1.0)
    return max(1, round(photo.width * scale)), max(1, round(photo.height * scale))


@require_GET
@requires(Perm.PHOTO_VIEW)
def photo_chart_section(request: ClinicRequest, patient_id: int) -> HttpResponse:
    """The chart's photo section, loaded by htmx (or opened on its own without script)."""
    chart = selectors.photo_chart(user=request.user, patient_id=patient_id)
    context = {"chart": chart, "patient": chart.patient}
    if request.htmx:
        return render(request, "assessments/photos/_chart_section.html", context)
    return render(request, "assessments/photos/chart_section_page.html", context)


@requires(Perm.PHOTO_UPLOAD)
def photo_set_new(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(user=request.user, patient_id=patient_id, perm=Perm.PHOTO_UPLOAD)
    form = PhotoSetForm(request.POST or None, patient_id=patient.pk)
    if request.method == "POST" and form.is_valid():
        try:
            photo_set = services.photo_set_create(
                patient=patient, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, gettext("Photo set opened: add the five standard views."))
            return redirect("assessments:photo_set", set_id=photo_set.pk)
    return render(
        request,
        "assessments/photos/set_form.html",
        {
            "form": form,
            "patient": patient,
            # The stored value stays the English one (see LIGHTING_SUGGESTIONS); the
            # option's label is the reader's.
            "lighting_suggestions": [(s, gettext(s)) for s in LIGHTING_SUGGESTIONS],
        },
    )


def _upload_form(view: str, request: HttpRequest | None = None) -> PhotoUploadForm:
    # One form per view on the page: ids are made unique per view, names stay the same.
    return PhotoUploadForm(
        request.POST if request is not None else None,
        request.FILES if request is not None else None,
        auto_id=f"id_{view}_%s",
        initial={"view": view},
    )


def _render_set(
    request: ClinicRequest, photo_set: PhotoSet, failed: PhotoUploadForm | None = None
) -> HttpResponse:
    summary = selectors.photo_set_summary(photo_set=photo_set)
    can_upload = role_has(request.membership.role, Perm.PHOTO_UPLOAD)
    failed_view = failed.data.get("view") if failed is not None else None
    forms = {}
    if can_upload:
        for view in [*(slot.view for slot in summary.missing), PhotoView.CLOSE_UP]:
            forms[view] = (
                failed if failed is not None and failed_view == view else _upload_form(view)
            )
    slots = [(slot, forms.get(slot.view)) for slot in summary.slots]
    return render(
        request,
        "assessments/photos/set_detail.html",
        {
            "photo_set": photo_set,
            "lighting": lighting_text(photo_set.lighting),
            "patient": photo_set.patient,
            "summary": summary,
            "slots": slots,
            "close_up_form": forms.get(PhotoView.CLOSE_UP),
            "failed": failed,
            "uses": selectors.use_states(patient=photo_set.patient),
            "max_mb": services.max_upload_bytes() // 1_000_000,
        },
    )


@require_GET
@requires(Perm.PHOTO_VIEW)
def photo_set_detail(request: ClinicRequest, set_id: int) -> HttpResponse:
    photo_set = selectors.photo_set_for_user(user=request.user, set_id=set_id)
    return _render_set(request, photo_set)


@require_POST
@requires(Perm.PHOTO_UPLOAD)
def photo_upload(request: ClinicRequest, set_id: int) -> HttpResponse:
    photo_set = selectors.photo_set_for_user(
        user=request.user, set_id=set_id, perm=Perm.PHOTO_UPLOAD, audit=False
    )
    view = request.POST.get("view", "")
    form = _upload_form(view if view in PhotoView.values else PhotoView.FRONTAL, request)
    if form.is_valid():
        # Read one byte more than allowed, never the whole of an oversize upload.
        data = form.cleaned_data["image"].read(services.max_upload_bytes() + 1)
        try:
            photo = services.photo_add(
                photo_set=photo_set,
                by=request.user,
                view=form.cleaned_data["view"],
                region=form.cleaned_data["region"],
                upload=data,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, gettext("%(view)s photo stored.") % {"view": photo.get_view_display()}
            )
            return redirect("assessments:photo_set", set_id=photo_set.pk)
    return _render_set(request, photo_set, failed=form)


@require_GET
@requires(Perm.PHOTO_VIEW)
def photo_consent(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(user=request.user, patient_id=patient_id, perm=Perm.PHOTO_VIEW)
    panel = selectors.photo_consent_panel(patient=patient)
    can_record = role_has(request.membership.role, Perm.PHOTO_CONSENT_RECORD)
    grant_form = PhotoConsentGrantForm(patient_id=patient.pk) if can_record else None
    return render(
        request,
        "assessments/photos/consent.html",
        {"panel": panel, "patient": patient, "grant_form": grant_form},
    )


@require_POST
@requires(Perm.PHOTO_CONSENT_RECORD)
def photo_consent_grant(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(
        user=request.user, patient_id=patient_id, perm=Perm.PHOTO_CONSENT_RECORD, audit=False
    )
    form = PhotoConsentGrantForm(request.POST, patient_id=patient.pk)
    if form.is_valid():
        try:
            grant = services.photo_consent_grant(
                patient=patient,
                use=form.cleaned_data["use"],
                by=request.user,
                signed_consent=form.cleaned_data["signed_consent"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, gettext("%(use)s use granted.") % {"use": grant.get_use_display()}
            )
    else:
        messages.error(
            request, gettext("Choose a use, and a signed consent of this patient if any.")
        )
    return redirect("assessments:photo_consent", patient_id=patient.pk)


@require_POST
@requires(Perm.PHOTO_CONSENT_RECORD)
def photo_consent_withdraw(request: ClinicRequest, grant_id: int) -> HttpResponse:
    grant = selectors.grant_for_user(
        user=request.user, grant_id=grant_id, perm=Perm.PHOTO_CONSENT_RECORD
    )
    try:
        services.photo_consent_withdraw(grant=grant, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            gettext("%(use)s use withdrawn: the photos are no longer shown for it.")
            % {"use": grant.get_use_display()},
        )
    return redirect("assessments:photo_consent", patient_id=grant.patient_id)


@require_GET
@requires(Perm.PHOTO_VIEW)
def photo_compare(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = patient_for_user(user=request.user, patient_id=patient_id, perm=Perm.PHOTO_VIEW)
    form = ComparisonForm(request.GET)
    params = form.cleaned_data if form.is_valid() else {}
    comparison = selectors.photo_comparison(
        patient=patient,
        view=params.get("view") or PhotoView.FRONTAL,
        before_set_id=params.get("before"),
        after_set_id=params.get("after"),
    )
    return render(
        request,
        "assessments/photos/compare.html",
        {
            "patient": patient,
            "comparison": comparison,
            "views": [(v, PhotoView(v).label) for v in REQUIRED_VIEWS],
            "conditions": _conditions(comparison),
            "differences": [str(CONDITION_NAMES[name]) for name in comparison.differences],
            "before_size": _fit(comparison.before, COMPARE_MAX_WIDTH, COMPARE_MAX_HEIGHT),
            "after_size": _fit(comparison.after, COMPARE_MAX_WIDTH, COMPARE_MAX_HEIGHT),
        },
    )


def _conditions(comparison: selectors.Comparison) -> list[tuple[str, str, str]]:
    if comparison.before is None or comparison.after is None:
        return []
    a, b = comparison.before.photo_set, comparison.after.photo_set

    def cm(value: int | None) -> str:
        return gettext("%(distance_cm)s cm") % {"distance_cm": value} if value else ""

    return [
        (gettext("Lighting"), lighting_text(a.lighting), lighting_text(b.lighting)),
        (gettext("Distance"), cm(a.distance_cm), cm(b.distance_cm)),
        (gettext("Camera"), a.camera, b.camera),
    ]


def photo_file_response(photo: Photo, variant: str) -> HttpResponseBase:
    """The stored JPEG, streamed; never cached, never sniffed into something else. With
    object storage (STORAGE_BACKEND=s3) a redirect to a signed URL that expires after
    STORAGE_URL_SECONDS instead: callers check the permission first."""
    field = photo.thumbnail if variant == "thumbnail" else photo.image
    url = signed_url(field, filename=f"photo-{photo.pk}-{variant}.jpg", content_type="image/jpeg")
    if url is not None:
        redirect_response = HttpResponseRedirect(url)
        redirect_response["Cache-Control"] = "private, no-store"
        redirect_response["Referrer-Policy"] = "no-referrer"
        return redirect_response
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The photo file is missing.") from exc
    response = FileResponse(
        handle, content_type="image/jpeg", filename=f"photo-{photo.pk}-{variant}.jpg"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def may_see_photos(request: HttpRequest) -> bool:
    """Staff whose role includes photos, or a patient in the portal (their own only)."""
    membership = getattr(request, "membership", None)
    return membership is not None and (
        role_has(membership.role, Perm.PHOTO_VIEW) or role_has(membership.role, Perm.PORTAL_OWN)
    )


def _serve(request: HttpRequest, photo_id: int, variant: str) -> HttpResponseBase:
    if not may_see_photos(request):
        raise PermissionDenied
    photo = selectors.photo_for_user(user=request.user, photo_id=photo_id, variant=variant)
    return photo_file_response(photo, variant)


@require_GET
@login_required
def photo_image(request: HttpRequest, photo_id: int) -> HttpResponseBase:
    return _serve(request, photo_id, "image")


@require_GET
@login_required
def photo_thumbnail(request: HttpRequest, photo_id: int) -> HttpResponseBase:
    return _serve(request, photo_id, "thumbnail")
