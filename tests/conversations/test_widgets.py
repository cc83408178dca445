"""The conversation page builds its radio inputs, inputs and textareas, and its domain rows, in Python
(conversation_widgets) for speed; they must be exactly what Django's own widget templates, and the
templates they replaced, render."""

from __future__ import annotations

from django import forms
from django.template import Context, Template

from stijging.conversations.templatetags.conversation_widgets import (
    domain_row,
    field_html,
    radio_input,
    statement_row,
    stored,
)


class _Everything(forms.Form):
    plain = forms.ChoiceField(choices=[("1", "one"), ("2", "two")], widget=forms.RadioSelect)
    attrs = forms.ChoiceField(
        choices=[(1, "een"), (None, "geen")],
        required=False,
        widget=forms.RadioSelect(attrs={"data-note": 'say "hi" & <go>', "disabled": True, "hidden": False}),
    )


def _pairs(form):
    for field in form:
        if isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            for radio in field.subwidgets:
                yield radio_input(radio), radio.tag()


def test_radio_input_is_what_djangos_radio_template_renders():
    for data in (None, {"plain": "2", "attrs": "1"}):
        form = _Everything(data, initial={"plain": "1"})
        form.is_valid()
        pairs = list(_pairs(form))
        assert len(pairs) == 4
        for ours, djangos in pairs:
            assert str(ours) == str(djangos).strip()


def test_every_radio_of_a_real_conversation_page_is_what_django_renders(world, login):
    from django.urls import reverse

    from .factories import conversation_of

    conversation = conversation_of(world.own, world)
    response = login(world.user("fieldworker")).get(reverse("conversations:conversation", args=[conversation.pk]))
    assert response.status_code == 200
    forms_on_page = [section.form for block in response.context["blocks"] for section in block.sections]
    forms_on_page.append(response.context["housing_section"].form)  # its defects are checkboxes
    pairs = [pair for form in forms_on_page for pair in _pairs(form)]
    assert len(pairs) > 100  # two members: domains, ladder, cohesion — hundreds of options
    for ours, djangos in pairs:
        assert str(ours) == str(djangos).strip()
        assert str(ours) in response.content.decode()


# --- Inputs, checkboxes, hidden inputs and textareas; the domain rows --------------------------------------

# conversations/_domains.html and _cohesion.html drew each domain row and statement with this markup
# before they became the domain_row and statement_row tags; _stored.html drew what is stored now
# beside a field before it became the stored tag.
_DOMAIN_ROW_TEMPLATE = """{% load i18n conversation_widgets %}<fieldset class="conv-item{% if row.answer.errors or row.question.errors %} conv-item--invalid{% endif %}"{% if row.answer.errors %} aria-describedby="{{ row.answer.auto_id }}_error"{% endif %}>
  <legend class="conv-item__title">{{ row.domain.name }}{% if row.answered %} <span class="conv-tick">{% translate "answered" %}</span>{% endif %}</legend>
  {% if row.answer.errors %}<p class="form-error" id="{{ row.answer.auto_id }}_error">{{ row.answer.errors|join:" " }}</p>{% endif %}
  {% choices row.scores "scale" %}
  {% choices row.non_answers "quiet" %}
  {% if row.stored %}<p class="conv-stored"><span class="conv-stored__label">{% translate "Stored now:" %}</span> {% for label, value in row.stored %}{{ label }}: {{ value }}{% if not forloop.last %}; {% endif %}{% endfor %}</p>{% endif %}
  <details class="conv-extra"{% if row.open_extra %} open{% endif %}>
    <summary>{% translate "Note or help question" %}</summary>
    <div class="form-field">
      <label class="form-label" for="{{ row.note.id_for_label }}">{% translate "Note" %}</label>
      {{ row.note }}
    </div>
    <div class="form-checkbox">{{ row.help }} <label for="{{ row.help.id_for_label }}">{% translate "There is a help question" %}</label></div>
    <div class="form-field{% if row.question.errors %} form-field--invalid{% endif %}">
      <label class="form-label" for="{{ row.question.id_for_label }}">{% translate "The help question" %}</label>
      {% if row.question.errors %}<p class="form-error" id="{{ row.question.auto_id }}_error">{{ row.question.errors|join:" " }}</p>{% endif %}
      {{ row.question }}
    </div>
  </details>
</fieldset>"""  # noqa: E501
_STATEMENT_ROW_TEMPLATE = """{% load i18n conversation_widgets %}<fieldset class="conv-item">
  <legend class="conv-item__title conv-item__title--statement">{{ row.statement.text }}</legend>
  {% choices row.values "agree" %}
  {% choices row.non_answers "quiet" %}
  {% if row.stored %}<p class="conv-stored"><span class="conv-stored__label">{% translate "Stored now:" %}</span> {{ row.stored }}</p>{% endif %}

</fieldset>"""  # noqa: E501
_STORED_TEMPLATE = """{% load i18n %}{% if value %}<p class="conv-stored"><span class="conv-stored__label">{% translate "Stored now:" %}</span> {{ value }}</p>{% endif %}
"""


class _Plain(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "data-x": 'a "b" <c>'}))
    empty = forms.CharField(required=False, widget=forms.Textarea)
    box = forms.BooleanField(required=False)
    required_box = forms.BooleanField()
    secret = forms.IntegerField(widget=forms.HiddenInput)
    line = forms.CharField(required=False, disabled=True, help_text="Help & <more>")


def _field_pairs(form):
    for bound in form:
        yield field_html(bound), str(bound)


def test_field_html_is_what_djangos_widget_templates_render():
    for data in (None, {"text": 'x < y & "z"\n', "box": "on", "secret": "7"}, {"text": "", "secret": "x"}):
        form = _Plain(data, initial={"text": "<b>bold</b>", "secret": 3, "box": True}, auto_id="f-%s")
        form.is_valid()
        for ours, djangos in _field_pairs(form):
            assert str(ours) == str(djangos)
    form = _Plain(auto_id=False)
    for ours, djangos in _field_pairs(form):
        assert str(ours) == str(djangos)


def _interview_forms(response):
    context = response.context
    sections = [context["section"]] if "section" in context else []
    for block in context.get("blocks") or []:
        sections.extend(block.sections)
    if context.get("housing_section"):
        sections.append(context["housing_section"])
    return sections


def _assert_same_as_django(response) -> int:
    html = response.content.decode()
    compared = 0
    for section in _interview_forms(response):
        for bound in section.form:
            if isinstance(bound.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                continue
            ours = str(field_html(bound))
            assert ours == str(bound)
            # The key is new for each render; the reason for changing a baseline is drawn only when
            # the service asked for it.
            drawn = bound.name != "reason" or section.form.asks_reason
            if (not bound.is_hidden or bound.name == "version") and drawn:
                assert ours in html
            compared += 1
        for row in section.rows if section.kind == "domains" else []:
            expected = Template(_DOMAIN_ROW_TEMPLATE).render(Context({"row": row}))
            assert str(domain_row(row)) == expected
            assert expected.replace(_key_of(section), "") in html.replace(_key_of(section), "")
        for row in section.rows if section.kind == "cohesion" else []:
            expected = Template(_STATEMENT_ROW_TEMPLATE).render(Context({"row": row}))
            assert str(statement_row(row)) == expected
            assert expected in html
        for value in [*section.stored.values(), *(getattr(row, "stored", None) for row in section.rows)]:
            if not isinstance(value, list):
                assert str(stored(value)) == Template(_STORED_TEMPLATE).render(Context({"value": value}))
    return compared


def _key_of(section) -> str:
    return str(section.form["key"].value())


def test_every_input_and_domain_row_of_a_real_conversation_page_is_what_django_renders(world, login):
    from django.urls import reverse

    from .factories import conversation_of

    conversation = conversation_of(world.own, world)
    client = login(world.user("fieldworker"))
    response = client.get(reverse("conversations:conversation", args=[conversation.pk]))
    assert response.status_code == 200
    assert _assert_same_as_django(response) > 30


def test_the_inputs_and_domain_rows_of_refused_saves_are_what_django_renders(world, login):
    """With errors beside the fields (422) and what is stored now beside them (409)."""
    from django.urls import reverse

    from .factories import conversation_of

    conversation = conversation_of(world.own, world)
    adult = conversation.interviews.get(person=world.own.adult)
    url = reverse("conversations:interview_section", args=[adult.pk, "domains"])
    hx = {"HTTP_HX_REQUEST": "true"}
    client = login(world.user("fieldworker"))
    invalid = {"version": "1", "key": "invalid-1234", "wonen-answer": "4", "financien-help": "on"}
    invalid |= {"gezondheid-note": 'Rug & "nek" <klachten>'}
    response = client.post(url, invalid, **hx)
    assert response.status_code == 422
    rows = response.context["section"].rows
    assert any(row.answer.errors for row in rows) and any(row.question.errors for row in rows)
    assert _assert_same_as_django(response) > 10
    colleague = login(world.user("case_manager"))
    saved = colleague.post(url, {"version": "1", "key": "colleague-1", "wonen-answer": "5", "wonen-note": "x"}, **hx)
    assert saved.status_code == 200
    stale = {"version": "1", "key": "mine-12345", "wonen-answer": "2", "wonen-help": "on", "wonen-question": "Q?"}
    response = client.post(url, stale, **hx)
    assert response.status_code == 409
    assert "Stored now:" in response.content.decode()
    assert any(row.stored for row in response.context["section"].rows)
    assert _assert_same_as_django(response) > 10
