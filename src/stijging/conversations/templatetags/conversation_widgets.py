"""The conversation page draws every member's whole interview: hundreds of radio buttons (every
member × every domain × five scores and three non-answers, the ladder, the cohesion statements) and,
per domain, a note, a help-question checkbox and the question itself. Through Django's widget
templates and the template language that took most of the page's time, so the page's Django
template calls these tags once, and they call the macros of Jinja2 templates instead:
templates/jinja2/conversations/sections.html (the overview's rows, every member's sections, one
section after a save) and widgets.html (the radio groups, domain and statement rows, and Django's
widget markup); docs/decisions/0011-jinja2-for-the-repeated-fragments.md."""

from __future__ import annotations

from django import template
from django.forms.boundfield import BoundField, BoundWidget
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import format_html
from django.utils.safestring import SafeString
from markupsafe import Markup

from stijging.core.jinja2 import macros

register = template.Library()
WIDGETS = "conversations/widgets.html"
SECTIONS = "conversations/sections.html"

# Widgets drawn by the Jinja2 templates; any other widget is rendered by Django.
_INPUT_TEMPLATES = frozenset(
    {
        "django/forms/widgets/input.html",
        "django/forms/widgets/checkbox.html",
        "django/forms/widgets/hidden.html",
        "django/forms/widgets/text.html",
    }
)
_TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"


@register.filter
def radio_input(radio: BoundWidget) -> Markup:
    """One option of a RadioSelect or CheckboxSelectMultiple (its BoundWidget), as `radio.tag()`."""
    return macros(WIDGETS).input(radio.data)


@register.filter
def field_html(bound: BoundField) -> SafeString | Markup:
    """`{{ bound }}` (BoundField.as_widget) for inputs, checkboxes, hidden inputs and textareas, from
    the widget's own context (its attributes, id and value, as Django computes them); any other
    widget, or a field with options these templates do not draw, is left to Django."""
    form_field = bound.field
    widget = form_field.widget
    template_name = widget.template_name
    if (
        form_field.show_hidden_initial
        or form_field.localize
        or widget.is_localized
        or (template_name not in _INPUT_TEMPLATES and template_name != _TEXTAREA_TEMPLATE)
    ):
        return format_html("{}", bound)  # Django's own rendering (BoundField.__html__)
    attrs = bound.build_widget_attrs({}, widget)
    if bound.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound.auto_id)
    context = widget.get_context(bound.html_name, bound.value(), attrs)["widget"]
    widgets = macros(WIDGETS)
    return (widgets.textarea if template_name == _TEXTAREA_TEMPLATE else widgets.input)(context)


@register.simple_tag
def choices(options, modifier: str = "") -> Markup:
    """A row of large, touchable options for one radio group (`options`: its radio subwidgets)."""
    return macros(WIDGETS).choices(options, modifier)


@register.simple_tag
def conversation_overview(blocks) -> Markup:
    """The overview's row per member (page.InterviewBlock): what has been answered."""
    return macros(SECTIONS).overview(blocks)


@register.simple_tag
def overview_row(block, oob: bool = False) -> Markup:
    """One member's overview row; `oob`: swapped in out of band after a save (HTMX)."""
    return macros(SECTIONS).overview_row(block, oob)


@register.simple_tag(takes_context=True)
def conversation_members(context, blocks, housing_section) -> Markup:
    """The page's body: every member's block with its sections, then the household's housing
    section (a page.InterviewBlock list and a page.Section or None), in one macro call."""
    return macros(SECTIONS).members(blocks, housing_section, _csrf_input(context), field_html)


@register.simple_tag(takes_context=True)
def conversation_section(context, section) -> Markup:
    """One section alone (a page.Section): the HTMX answer to a save."""
    return macros(SECTIONS).conversation_section(section, _csrf_input(context), field_html)


def _csrf_input(context) -> str:
    """The hidden CSRF input, drawn by Django's own {% csrf_token %} for this request."""
    return CsrfTokenNode().render(context)
