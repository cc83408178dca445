"""The conversation page draws every member's whole interview: hundreds of radio buttons (every
member × every domain × five scores and three non-answers, the ladder, the cohesion statements) and,
per domain, a note, a help-question checkbox and the question itself. Rendering each of them through
Django's widget templates took most of the page's time. This builds the same markup as Django's
widget templates do (input.html, textarea.html, attrs.html, radio_option.html), in Python;
tests/conversations/test_widgets.py compares every one on a real page with Django's own."""

from __future__ import annotations

import html

from django import template
from django.forms.boundfield import BoundField
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()

# Widget templates drawn here; any other widget is rendered by Django.
_INPUT_TEMPLATES = frozenset(
    {
        "django/forms/widgets/input.html",
        "django/forms/widgets/checkbox.html",
        "django/forms/widgets/hidden.html",
        "django/forms/widgets/text.html",
    }
)
_TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"


def _esc(text) -> str:
    """conditional_escape() without its lazy-string wrapper (which cost more than the escaping)."""
    if type(text) is str:
        return html.escape(text)
    if isinstance(text, Promise):
        text = str(text)
    if hasattr(text, "__html__"):
        return text.__html__()
    return html.escape(str(text))


def _text(value) -> str:
    """As `{{ value|stringformat:'s' }}` under autoescape: str() of it, escaped unless it is safe."""
    return _esc(value if isinstance(value, str) else "%s" % value)  # noqa: UP031


def _attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: `name` for True, nothing for False, `name="value"` otherwise."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_esc(name)}" if value is True else f' {_esc(name)}="{_text(value)}"')
    return "".join(parts)


def _input(widget: dict) -> str:
    """As django/forms/widgets/input.html, for the `widget` of a widget's (or an option's) context."""
    value = widget["value"]
    value_attr = "" if value is None else f' value="{_text(value)}"'
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value_attr}{_attrs(widget["attrs"])}>'


@register.filter
def radio_input(radio) -> SafeString:
    """One option of a RadioSelect or CheckboxSelectMultiple (its BoundWidget), as `radio.tag()`."""
    return mark_safe(_input(radio.data))  # noqa: S308  (every value escaped in _input)


@register.filter
def field_html(bound: BoundField) -> SafeString:
    """`{{ bound }}` (BoundField.as_widget) for inputs, checkboxes, hidden inputs and textareas,
    without a template render; any other widget, or a field with options this does not draw, is
    left to Django."""
    form_field = bound.field
    widget = form_field.widget
    template_name = widget.template_name
    if form_field.show_hidden_initial or form_field.localize or widget.is_localized:
        return mark_safe(str(bound))  # noqa: S308  (Django's own rendering)
    if template_name not in _INPUT_TEMPLATES and template_name != _TEXTAREA_TEMPLATE:
        return mark_safe(str(bound))  # noqa: S308
    attrs = bound.build_widget_attrs({}, widget)
    if bound.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound.auto_id)
    context = widget.get_context(bound.html_name, bound.value(), attrs)["widget"]
    if template_name == _TEXTAREA_TEMPLATE:
        value = context["value"]
        return mark_safe(  # noqa: S308  (every value escaped)
            f'<textarea name="{_text(context["name"])}"{_attrs(context["attrs"])}>\n'
            f"{_esc(value) if value else ''}</textarea>"
        )
    return mark_safe(_input(context))  # noqa: S308  (every value escaped in _input)


@register.simple_tag
def hidden_fields(form) -> SafeString:
    """`{% for hidden in form.hidden_fields %}{{ hidden }}{% endfor %}`."""
    return mark_safe("".join(field_html(bound) for bound in form.hidden_fields()))  # noqa: S308


@register.simple_tag
def stored(value) -> SafeString:
    """What is stored now, beside a field after a refused stale save (was conversations/_stored.html,
    whose closing newline stays)."""
    if not value:
        return mark_safe("\n")
    return format_html(
        '<p class="conv-stored"><span class="conv-stored__label">{}</span> {}</p>\n', gettext("Stored now:"), value
    )


@register.simple_tag
def choices(options, modifier: str = "") -> SafeString:
    """A row of large, touchable options for one radio group (`options`: its radio subwidgets), as
    conversations/_choices.html drew it, without a template render per option."""
    items = "".join(
        f'<label class="choice" for="{_esc(radio.id_for_label)}">{_input(radio.data)}'
        f'<span class="choice__text">{_esc(radio.choice_label)}</span></label>\n  '
        for radio in options
    )
    modifier_class = f" choices--{_esc(modifier)}" if modifier else ""
    return mark_safe(f'<div class="choices{modifier_class}">\n  {items}</div>')  # noqa: S308  (every value escaped)


def _errors(errors) -> str:
    """As `{{ errors|join:" " }}`."""
    return " ".join(_esc(error) for error in errors)


@register.simple_tag
def domain_row(row) -> SafeString:
    """One life domain of a member's domains section (a forms.DomainRow): the score, the reason for
    none, the stored answer after a conflict, and the note and help question, as the <fieldset>
    conversations/_domains.html drew per row (the page has one per member per domain)."""
    answer, note, help_, question = row.answer, row.note, row.help, row.question
    answer_errors, question_errors = answer.errors, question.errors
    # Translated outside the f-strings below: xgettext does not look inside them, so these messages
    # never reached the Dutch catalogue and the page spoke English.
    answered_text = gettext("answered")
    stored_text = gettext("Stored now:")
    extra_text = gettext("Note or help question")
    note_text = gettext("Note")
    help_text = gettext("There is a help question")
    question_text = gettext("The help question")
    parts = [
        '<fieldset class="conv-item',
        " conv-item--invalid" if answer_errors or question_errors else "",
        '"',
        f' aria-describedby="{_esc(answer.auto_id)}_error"' if answer_errors else "",
        '>\n  <legend class="conv-item__title">',
        _esc(row.domain.name),
        f' <span class="conv-tick">{_esc(answered_text)}</span>' if row.answered else "",
        "</legend>\n  ",
    ]
    if answer_errors:
        parts.append(f'<p class="form-error" id="{_esc(answer.auto_id)}_error">{_errors(answer_errors)}</p>')
    parts += ["\n  ", choices(row.scores, "scale"), "\n  ", choices(row.non_answers, "quiet"), "\n  "]
    if row.stored:
        listed = "; ".join(f"{_esc(label)}: {_esc(value)}" for label, value in row.stored)
        parts.append(f'<p class="conv-stored"><span class="conv-stored__label">{_esc(stored_text)}</span> {listed}</p>')
    parts += [
        '\n  <details class="conv-extra"',
        " open" if row.open_extra else "",
        f">\n    <summary>{_esc(extra_text)}</summary>\n",
        '    <div class="form-field">\n',
        f'      <label class="form-label" for="{_esc(note.id_for_label)}">{_esc(note_text)}</label>\n',
        f"      {field_html(note)}\n",
        "    </div>\n",
        f'    <div class="form-checkbox">{field_html(help_)} <label for="{_esc(help_.id_for_label)}">'
        f"{_esc(help_text)}</label></div>\n",
        '    <div class="form-field',
        " form-field--invalid" if question_errors else "",
        '">\n',
        f'      <label class="form-label" for="{_esc(question.id_for_label)}">{_esc(question_text)}</label>\n      ',
    ]
    if question_errors:
        parts.append(f'<p class="form-error" id="{_esc(question.auto_id)}_error">{_errors(question_errors)}</p>')
    parts += [f"\n      {field_html(question)}\n", "    </div>\n  </details>\n</fieldset>"]
    return mark_safe("".join(parts))  # noqa: S308  (every value escaped)


@register.simple_tag
def statement_row(row) -> SafeString:
    """One cohesion statement of a member's cohesion section (a forms.StatementRow), as the <fieldset>
    conversations/_cohesion.html drew per statement."""
    return mark_safe(  # noqa: S308  (every value escaped)
        '<fieldset class="conv-item">\n'
        f'  <legend class="conv-item__title conv-item__title--statement">{_esc(row.statement.text)}</legend>\n'
        f"  {choices(row.values, 'agree')}\n"
        f"  {choices(row.non_answers, 'quiet')}\n"
        f"  {stored(row.stored)}\n"
        "</fieldset>"
    )
