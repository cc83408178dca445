"""The conversation page builds its radio inputs in Python (conversation_widgets.radio_input) for
speed; they must be exactly what Django's own widget template renders."""

from __future__ import annotations

from django import forms

from stijging.conversations.templatetags.conversation_widgets import radio_input


class _Everything(forms.Form):
    plain = forms.ChoiceField(choices=[("1", "one"), ("2", "two")], widget=forms.RadioSelect)
    attrs = forms.ChoiceField(
        choices=[(1, "een"), (None, "geen")],
        required=False,
        widget=forms.RadioSelect(attrs={"data-note": 'say "hi" & <go>', "disabled": True, "hidden": False}),
    )


def _pairs(form):
    for field in form:
        if isinstance(field.field.widget, forms.RadioSelect):
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
    pairs = [pair for form in forms_on_page for pair in _pairs(form)]
    assert len(pairs) > 100  # two members: domains, ladder, cohesion — hundreds of options
    for ours, djangos in pairs:
        assert str(ours) == str(djangos).strip()
        assert str(ours) in response.content.decode()
