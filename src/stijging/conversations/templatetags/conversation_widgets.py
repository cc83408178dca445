"""The conversation page draws hundreds of radio buttons (every member × every domain × five scores
and three non-answers, the ladder, the cohesion statements): rendering each through Django's widget
templates took most of the page's time. This builds the same <input> as Django's radio_option
template does, in Python."""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: `name` for True, `name="value"` otherwise, nothing for False/None."""
    parts = []
    for name, value in attrs.items():
        if value is None or value is False:
            continue
        parts.append(f" {name}" if value is True else f' {name}="{conditional_escape(value)}"')
    return "".join(parts)


@register.filter
def radio_input(radio) -> SafeString:
    data = radio.data
    value = "" if data["value"] is None else data["value"]
    return format_html(
        '<input type="{}" name="{}" value="{}"{}>',
        data["type"],
        data["name"],
        value,
        mark_safe(_attrs(data["attrs"])),  # noqa: S308  (every value escaped in _attrs)
    )


@register.simple_tag
def choices(options, modifier: str = "") -> SafeString:
    """A row of large, touchable options for one radio group (`options`: its radio subwidgets), as
    conversations/_choices.html drew it, without a template render per option."""
    items = "".join(
        format_html(
            '<label class="choice" for="{}">{}<span class="choice__text">{}</span></label>\n  ',
            radio.id_for_label,
            radio_input(radio),
            radio.choice_label,
        )
        for radio in options
    )
    return format_html(
        '<div class="choices{}">\n  {}</div>',
        f" choices--{modifier}" if modifier else "",
        mark_safe(items),  # noqa: S308
    )
