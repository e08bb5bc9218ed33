"""Every write the portal makes: invitations, consents sent and signed, the post-care
checklist, history updates and side-effect reports. Each runs in one transaction and writes
its audit entry there; a patient may write only to their own record."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from scarclinic.accounts.access import has_perm_in
from scarclinic.accounts.models import Membership, User
from scarclinic.accounts.roles import Perm, Role
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_object
from scarclinic.patients.models import (
    ConsentTemplate,
    ConsentTemplateVersion,
    Patient,
    SignatureMethod,
    SignedConsent,
    SignerRelation,
    TemplateStatus,
)
from scarclinic.patients.services import consent_sign
from scarclinic.portal.models import (
    ConsentRequest,
    HistoryUpdate,
    InvitationChannel,
    PortalInvitation,
    PostCareTick,
)
from scarclinic.portal.selectors import CHECKLIST_MIN_DAYS, performed_on_of
from scarclinic.treatments.models import PostCareGiven
from scarclinic.validation import refuse_control_characters

INVITATION_DAYS = 7
TOKEN_SALT = "scarclinic.portal.invitation"
MAX_DESCRIPTION = 4000


def _require(user: User, clinic_id: int, perm: Perm) -> None:
    if not has_perm_in(user, clinic_id, perm):
        raise ValidationError({"clinic": _("You do not work in this clinic with that permission.")})


def _require_own(patient: Patient, by: User) -> None:
    if patient.portal_user_id is None or patient.portal_user_id != by.pk:
        raise ValidationError({"patient": _("You can act only on your own record.")})


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


# ------------------------------------------------------------------------------------------
# Invitations


def invitation_path(token: str) -> str:
    return reverse("portal:welcome", args=[token])


@transaction.atomic
def invitation_create(
    *, patient: Patient, by: User, channel: str, email: str = "", base_url: str
) -> tuple[PortalInvitation, str]:
    """Invite the patient to the portal: by email (sent when the transaction commits) or as
    a link the clinic gives them (shown to staff once, e.g. to send by SMS). Earlier
    invitations of the patient that are still open stop working. Returns the invitation
    and the link."""
    _require(by, patient.clinic_id, Perm.PATIENT_EDIT)
    if channel not in InvitationChannel.values:
        raise ValidationError({"channel": _("Choose email or a link.")})
    email = (email or patient.email).strip()
    if channel == InvitationChannel.EMAIL and not email:
        raise ValidationError({"email": _("The patient has no email address: give one.")})
    refuse_control_characters({"email": email})
    now = timezone.now()
    PortalInvitation.objects.filter(
        patient=patient, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    nonce = secrets.token_urlsafe(24)
    invitation = PortalInvitation(
        patient=patient,
        channel=channel,
        sent_to=email if channel == InvitationChannel.EMAIL else "",
        nonce_sha256=_digest(nonce),
        created_by=by,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    if invitation.sent_to:
        invitation.full_clean(exclude=["patient", "created_by"])
    invitation.save()
    token = signing.dumps({"i": invitation.pk, "n": nonce}, salt=TOKEN_SALT)
    link = base_url.rstrip("/") + invitation_path(token)
    audit_object(
        action=AuditAction.CREATE,
        obj=invitation,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        actor=by,
        detail={"channel": channel, "expires_at": invitation.expires_at.isoformat()},
    )
    if channel == InvitationChannel.EMAIL:
        transaction.on_commit(lambda: _send_invitation(patient, invitation.sent_to, link))
    return invitation, link


def _send_invitation(patient: Patient, email: str, link: str) -> None:
    # In the patient's language; the message names the clinic, not the treatment.
    with translation.override(patient.preferred_language):
        context = {
            "patient": patient,
            "clinic": patient.clinic,
            "link": link,
            "days": INVITATION_DAYS,
        }
        subject = _("Your patient portal at %(clinic)s") % {"clinic": patient.clinic.name}
        body = render_to_string("portal/email/invitation.txt", context)
    send_mail(subject, body, None, [email])


def invitation_for_token(token: str) -> PortalInvitation | None:
    """The open invitation the token names; None if it is forged, used, revoked or expired."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=timedelta(days=INVITATION_DAYS))
        invitation_id, nonce = int(data["i"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    invitation = (
        PortalInvitation.objects.select_related(
            "patient", "patient__clinic", "patient__portal_user"
        )
        .filter(pk=invitation_id, nonce_sha256=_digest(nonce))
        .first()
    )
    if (
        invitation is None
        or invitation.used_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= timezone.now()
    ):
        return None
    return invitation


@transaction.atomic
def invitation_accept(
    *, invitation: PortalInvitation, username: str, password: str, password_again: str
) -> User:
    """The patient sets their password (and, the first time, their sign-in name). A patient
    who already has a sign-in gets a new password on it: a new invitation is also how a
    forgotten password is replaced."""
    locked = PortalInvitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.used_at is not None or locked.revoked_at is not None:
        raise ValidationError({"token": _("This invitation was already used or replaced.")})
    if locked.expires_at <= timezone.now():
        raise ValidationError(
            {"token": _("This invitation has expired: ask the clinic for a new one.")}
        )
    patient = (
        Patient.objects.select_for_update(of=("self",))
        .select_related("portal_user")
        .get(pk=locked.patient_id)
    )
    user = patient.portal_user
    errors: dict[str, list[str]] = {}
    if user is None:
        username = username.strip()
        refuse_control_characters({"username": username})
        if not username:
            errors["username"] = [_("Choose a sign-in name.")]
        elif User.objects.filter(username__iexact=username).exists():
            errors["username"] = [_("This sign-in name is taken: choose another.")]
        user = User(
            username=username,
            first_name=patient.given_name,
            last_name=patient.family_name,
            email=locked.sent_to or patient.email,
            preferred_language=patient.preferred_language,
        )
        try:
            User._meta.get_field("username").run_validators(username)
        except ValidationError as error:
            errors.setdefault("username", []).extend(error.messages)
    if password != password_again:
        errors["password_again"] = [_("The two passwords differ.")]
    try:
        validate_password(password, user)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    created = user.pk is None
    user.save()
    if created:
        Membership.objects.create(user=user, clinic_id=patient.clinic_id, role=Role.PATIENT)
        patient.portal_user = user
        patient.save(update_fields=["portal_user", "updated_at"])
    locked.used_at = timezone.now()
    locked.save(update_fields=["used_at"])
    audit_object(
        action=AuditAction.UPDATE,
        obj=locked,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        actor=user,
        detail={"accepted": True, "new_sign_in": created},
    )
    return user


# ------------------------------------------------------------------------------------------
# Consents sent by the clinic, signed at home


@transaction.atomic
def consent_request_send(
    *, patient: Patient, template: ConsentTemplate, by: User
) -> ConsentRequest:
    """Send the patient a consent document to read and sign in the portal."""
    _require(by, patient.clinic_id, Perm.CONSENT_RECORD)
    if template.clinic_id != patient.clinic_id:
        raise ValidationError({"template": _("This consent template belongs to another clinic.")})
    if not ConsentTemplateVersion.objects.filter(
        template=template, status=TemplateStatus.ACTIVE
    ).exists():
        raise ValidationError({"template": _("No wording of this consent is in use.")})
    try:
        with transaction.atomic():
            request = ConsentRequest.objects.create(
                patient=patient, template=template, sent_by=by, sent_at=timezone.now()
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"template": _("The patient already has this consent to sign in the portal.")}
        ) from exc
    audit_object(
        action=AuditAction.CREATE,
        obj=request,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        actor=by,
        detail={"template": template.pk},
    )
    return request


@transaction.atomic
def portal_consent_sign(
    *,
    request: ConsentRequest,
    version: ConsentTemplateVersion,
    by: User,
    signer_name: str,
    signature_png: str,
    confirm_read: bool,
) -> SignedConsent:
    """The patient signs, by drawing, a consent the clinic sent them. The signature itself is
    recorded by the patients app's consent_sign, exactly as in the clinic."""
    locked = ConsentRequest.objects.select_for_update().select_related("patient").get(pk=request.pk)
    _require_own(locked.patient, by)
    if locked.signed_consent_id is not None:
        raise ValidationError({"request": _("You have already signed this consent.")})
    if version.template_id != locked.template_id:
        raise ValidationError({"template_version": _("This is not the consent you were sent.")})
    if not confirm_read:
        raise ValidationError({"confirm_read": _("Confirm that you have read the text.")})
    consent = consent_sign(
        patient=locked.patient,
        template_version=version,
        by=by,
        signer_name=signer_name,
        method=SignatureMethod.DRAWN,
        signer_relation=SignerRelation.SELF,
        signature_png=signature_png,
    )
    locked.signed_consent = consent
    locked.save(update_fields=["signed_consent"])
    return consent


# ------------------------------------------------------------------------------------------
# The post-care checklist


@transaction.atomic
def postcare_day_save(
    *, given: PostCareGiven, day: int, ticked: set[int], by: User, today: date | None = None
) -> list[int]:
    """Set which instructions the patient followed on ``day`` after the session; a day still
    to come cannot be ticked. Returns the ticked items."""

    _require_own(given.patient, by)
    items = list(given.template.items)
    last = max([CHECKLIST_MIN_DAYS, *given.template.remind_days])
    if not 0 <= day <= last:
        raise ValidationError({"day": _("No such day on this checklist.")})
    if performed_on_of(given) + timedelta(days=day) > (today or timezone.localdate()):
        raise ValidationError({"day": _("This day has not come yet.")})
    if any(not 0 <= i < len(items) for i in ticked):
        raise ValidationError({"items": _("No such instruction.")})
    PostCareTick.objects.filter(given=given, day=day).exclude(item__in=ticked).delete()
    have = set(PostCareTick.objects.filter(given=given, day=day).values_list("item", flat=True))
    now = timezone.now()
    PostCareTick.objects.bulk_create(
        PostCareTick(given=given, day=day, item=i, ticked_at=now) for i in sorted(ticked - have)
    )
    audit_object(
        action=AuditAction.UPDATE,
        obj=given,
        patient_id=given.patient_id,
        clinic_id=given.patient.clinic_id,
        actor=by,
        detail={"via": "portal", "checklist_day": day, "ticked": sorted(ticked)},
    )
    return sorted(ticked)


# ------------------------------------------------------------------------------------------
# Before a visit: what changed in the patient's health


HISTORY_QUESTIONS = (
    "new_medicines",
    "isotretinoin",
    "pregnant_or_breastfeeding",
    "blood_thinners",
    "cold_sores",
    "new_allergies",
    "skin_infection",
)


@transaction.atomic
def history_update_submit(
    *, patient: Patient, by: User, answers: dict[str, Any], notes: str
) -> HistoryUpdate:
    """Store the patient's report for the clinic; the medical history itself is recorded by
    a nurse or physician who reads it (the clinic decides what the answers mean)."""
    _require_own(patient, by)
    unknown = set(answers) - set(HISTORY_QUESTIONS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), _("Unknown question.")))
    if any(not isinstance(v, bool) for v in answers.values()):
        raise ValidationError({"answers": _("Answer yes or no.")})
    refuse_control_characters({"notes": notes})
    if len(notes) > MAX_DESCRIPTION:
        raise ValidationError({"notes": _("Please keep this shorter.")})
    update = HistoryUpdate.objects.create(
        patient=patient,
        answers={
            **{q: bool(answers.get(q, False)) for q in HISTORY_QUESTIONS},
            "notes": notes.strip(),
        },
        submitted_by=by,
        submitted_at=timezone.now(),
    )
    audit_object(
        action=AuditAction.CREATE,
        obj=update,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        actor=by,
        detail={"via": "portal"},
    )
    return update


@transaction.atomic
def history_update_review(*, update: HistoryUpdate, by: User) -> HistoryUpdate:
    """A nurse or physician has read the patient's report (and updated the history)."""
    locked = HistoryUpdate.objects.select_for_update().select_related("patient").get(pk=update.pk)
    _require(by, locked.patient.clinic_id, Perm.HISTORY_EDIT)
    if locked.reviewed_at is not None:
        raise ValidationError({"update": _("This report was already reviewed.")})
    locked.reviewed_by = by
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["reviewed_by", "reviewed_at"])
    audit_object(
        action=AuditAction.UPDATE,
        obj=locked,
        patient_id=locked.patient_id,
        clinic_id=locked.patient.clinic_id,
        actor=by,
        detail={"reviewed": True},
    )
    return locked


# ------------------------------------------------------------------------------------------
# Side effects


def side_effect_report(*, patient: Patient, by: User, onset_on: date, description: str) -> Any:
    """The patient reports a side effect: it reaches the clinic as a draft adverse event,
    made by the outcomes app (which audits it); a clinician then assesses it."""
    from scarclinic.outcomes.services import adverse_event_report_by_patient

    _require_own(patient, by)
    return adverse_event_report_by_patient(
        patient=patient, by=by, onset_on=onset_on, description=description
    )
