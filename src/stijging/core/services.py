"""Writes of configuration made in the configuration screens (/beheer/): every save and delete
leaves an audit event with what changed — field names with old and new values. Configuration holds
no residents' data; the fields of a user that are secrets (the password hash) are never written."""

from __future__ import annotations

import datetime
import decimal
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ForeignObjectRel
from django.utils.translation import gettext as _

from stijging.privacy import audit
from stijging.privacy.models import AuditAction

# Never into the log: the password hash is a secret, the last login is not configuration.
_NOT_LOGGED = frozenset({"password", "last_login"})

# The models that are configuration: deleting one takes only other configuration with it. Anything
# else that points at an object (addresses, households, records, memberships, users) is data the
# object holds, and an object that holds data is not deleted.
CONFIGURATION = frozenset(
    {
        "registry.programme",
        "registry.area",
        "accounts.organisation",
        "referrals.servicelevel",
        "cohesion.activitykind",
        "instruments.instrumentversion",
        "instruments.domain",
        "instruments.scalelevel",
        "instruments.ladderrung",
        "instruments.cohesionstatement",
        "instruments.defectcategory",
    }
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's configuration fields as JSON values; a foreign key as the id it points at."""
    return {
        field.name: _plain(getattr(obj, field.attname))
        for field in obj._meta.concrete_fields
        if not field.primary_key and field.name not in _NOT_LOGGED
    }


def data_held_by(obj: models.Model) -> dict[str, int]:
    """What, other than configuration, points at `obj` or at the configuration below it: verbose
    plural name → count. Counted per relation, never collected, so a programme with a region's
    addresses is answered with a few COUNT queries."""
    held: dict[str, int] = {}
    # Hidden reverse relations too (`related_name="+"`): a trajectory points at its programme that way.
    relations = [
        f
        for f in obj._meta.get_fields(include_hidden=True)
        if isinstance(f, ForeignObjectRel) and f.related_model is not None
    ]
    for relation in relations:
        related = cast(type[models.Model], relation.related_model)
        rows = related._base_manager.filter(**{relation.field.name: obj})
        if related._meta.label_lower in CONFIGURATION:
            for child in rows:
                for name, count in data_held_by(child).items():
                    held[name] = held.get(name, 0) + count
            continue
        count = rows.count()
        if count:
            name = str(related._meta.verbose_name_plural)
            held[name] = held.get(name, 0) + count
    return held


def refusal_message(obj: models.Model, held: dict[str, int]) -> str:
    what = ", ".join(f"{count} {name}" for name, count in sorted(held.items()))
    return _("“%(object)s” cannot be deleted: it holds %(what)s.") % {"object": obj, "what": what}


@transaction.atomic
def config_save(*, acting_user, obj: models.Model) -> None:
    """Save a configuration object and audit what changed (nothing changed: no event)."""
    adding = obj._state.adding or obj.pk is None
    before = None if adding else snapshot(type(obj)._base_manager.get(pk=obj.pk))
    obj.save()
    after = snapshot(obj)
    if before is None:
        audit.record(actor=acting_user, action=AuditAction.CREATE, obj=obj, detail={"created": after})
        return
    changed = {name: [before[name], after[name]] for name in after if before.get(name) != after[name]}
    if changed:
        audit.record(actor=acting_user, action=AuditAction.UPDATE, obj=obj, detail={"changed": changed})


@transaction.atomic
def config_delete(*, acting_user, obj: models.Model) -> None:
    """Delete a configuration object that holds no data; refuse, with what it holds, otherwise."""
    held = data_held_by(obj)
    if held:
        raise ValidationError(refusal_message(obj, held))
    audit.record(actor=acting_user, action=AuditAction.DELETE, obj=obj, detail={"deleted": snapshot(obj)})
    obj.delete()
