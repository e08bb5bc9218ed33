"""The clinic's post-care instructions per treatment and language (the medical director)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from scarclinic.accounts.access import ClinicRequest, requires
from scarclinic.accounts.roles import Perm
from scarclinic.treatments.forms import apply_service_errors
from scarclinic.treatments.plan_forms import PostCareTemplateForm
from scarclinic.treatments.selectors import postcare as selectors
from scarclinic.treatments.services import postcare as services


def _as_text(items: list[dict[str, object]]) -> str:
    lines = []
    for item in items:
        days = item.get("remind_days") or []
        suffix = f" | {', '.join(str(d) for d in days)}" if isinstance(days, list) and days else ""
        lines.append(f"{item['text']}{suffix}")
    return "\n".join(lines)


@requires(Perm.POSTCARE_TEMPLATE_MANAGE)
def postcare_templates(request: ClinicRequest) -> HttpResponse:
    clinic = request.clinic
    current = selectors.current_templates(clinic_id=clinic.pk)
    initial = {}
    modality, language = request.GET.get("modality", ""), request.GET.get("language", "en")
    if (modality, language) in current:
        t = current[(modality, language)]
        initial = {
            "modality": modality,
            "language": language,
            "title": t.title,
            "items": _as_text(t.items),
        }
    form = PostCareTemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        items = form.parsed_items()
        if isinstance(items, str):
            form.add_error("items", items)
        else:
            try:
                template = services.postcare_template_save(
                    clinic=clinic,
                    by=request.user,
                    modality=form.cleaned_data["modality"],
                    language=form.cleaned_data["language"],
                    title=form.cleaned_data["title"],
                    items=items,
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(
                    request,
                    gettext(
                        "Saved as version %(version)s of %(modality_label)s (%(language)s); earlier versions are kept."
                    )
                    % {
                        "version": template.version,
                        "modality_label": template.modality_label,
                        "language": template.get_language_display(),
                    },
                )
                return redirect("plans:postcare")
    return render(
        request,
        "treatments/plans/postcare.html",
        {"form": form, "templates": selectors.templates_of(clinic_id=clinic.pk)},
    )
