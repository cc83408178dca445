import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.nl import bsn as stdnum_bsn

POSTCODE_RE = re.compile(r"^[1-9][0-9]{3}[A-Z]{2}$")


def normalise_postcode(value: str) -> str:
    """`5912 ab` is `5912AB`."""
    return re.sub(r"\s+", "", value or "").upper()


def validate_postcode(value: str) -> None:
    if not POSTCODE_RE.match(normalise_postcode(value)) or normalise_postcode(value)[4:] in {"SA", "SD", "SS"}:
        raise ValidationError(
            _("“%(value)s” is not a Dutch postcode; write four digits and two letters, e.g. 5912 AB."),
            params={"value": value},
            code="postcode",
        )


def validate_bsn(value: str) -> None:
    if value and not stdnum_bsn.is_valid(value):
        raise ValidationError(_("This is not a valid BSN: it must have 9 digits and pass the 11-proef."), code="bsn")
