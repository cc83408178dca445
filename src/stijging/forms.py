"""Form helpers shared by every app's screens."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# "3,5" or "3.5" (a tablet's keyboard offers either), never "3.500" or "1.234,5": a thousands
# separator in hours or amounts is a typo here, and guessing it turned "3,5" into 35.
_DECIMAL = re.compile(r"^\s*(\d+)(?:[.,](\d+))?\s*$")


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names where the form has that
    field, else above the form. The user's input stays in the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class DutchDecimalField(forms.DecimalField):
    """A decimal as people in the Netherlands write it: a comma (or a point) before the decimals.

    A plain text input with the decimal keyboard, not `type=number`: Chromium's number input
    dropped a typed comma, so "3,5" arrived as 35. Shown with a comma.
    """

    widget = forms.TextInput

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.widget.attrs.setdefault("autocomplete", "off")

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        match = _DECIMAL.match(str(value))
        if not match:
            raise ValidationError(_("Enter a number such as 3,5."), code="invalid")
        whole, decimals = match.groups()
        return Decimal(f"{whole}.{decimals}" if decimals else whole)

    def widget_attrs(self, widget):
        # DecimalField would add min/max/step, which only a number input understands.
        return forms.Field.widget_attrs(self, widget)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format_decimal(value)
        return value


def format_decimal(value: Decimal) -> str:
    """3.5 → "3,5"; 4.0 → "4"."""
    text = f"{value.normalize():f}"
    return text.replace(".", ",")
