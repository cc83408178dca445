"""The current instrument, and publishing versions. A published version never changes (old answers
keep their meaning); a new version starts as a draft copy of the current one, is edited, then
published."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from stijging.privacy import audit
from stijging.privacy.models import AuditAction

from .models import CohesionStatement, DefectCategory, Domain, InstrumentVersion, LadderRung, ScaleLevel

ITEM_MODELS = (Domain, ScaleLevel, LadderRung, CohesionStatement, DefectCategory)


def current_instrument() -> InstrumentVersion:
    """The newest published version: what a new conversation or door response is asked with."""
    version = InstrumentVersion.objects.filter(published_at__isnull=False).order_by("-number").first()
    if version is None:
        raise ValidationError(_("No instrument version has been published."))
    return version


@transaction.atomic
def instrument_draft_from(*, acting_user, source: InstrumentVersion, note: str = "") -> InstrumentVersion:
    number = (InstrumentVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = InstrumentVersion.objects.create(
        number=number, note=note or _("Copy of version %(n)s") % {"n": source.number}
    )
    for model in ITEM_MODELS:
        items: list = list(model.objects.filter(version=source))
        for item in items:
            item.pk = None
            item.version = draft
        model.objects.bulk_create(items)  # type: ignore[attr-defined]
    audit.record(actor=acting_user, action=AuditAction.CREATE, obj=draft, detail={"copied_from": source.number})
    return draft


@transaction.atomic
def instrument_publish(*, acting_user, draft: InstrumentVersion) -> InstrumentVersion:
    if draft.published_at is not None:
        raise ValidationError(_("This version is already published."))
    if Domain.objects.filter(version=draft).count() == 0 or ScaleLevel.objects.filter(version=draft).count() != 5:
        raise ValidationError(_("A version needs its domains and the five levels of the scale."))
    if LadderRung.objects.filter(version=draft).count() != 6:
        raise ValidationError(_("A version needs the six rungs of the Participatieladder."))
    statements = CohesionStatement.objects.filter(version=draft)
    if statements.count() != 6 or statements.filter(reverse_coded=True).count() != 1:
        raise ValidationError(_("A version needs the six cohesion statements, one of them reverse-coded."))
    draft.published_at = timezone.now()
    draft.save(update_fields=["published_at"])
    audit.record(actor=acting_user, action=AuditAction.UPDATE, obj=draft, detail={"published": draft.number})
    return draft
