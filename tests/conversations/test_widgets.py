"""The conversation page's widgets (conversation_widgets, drawn by the macros of
templates/jinja2/conversations/widgets.html): what a person filling in the page and a screen reader
rely on — every question one radio group under its legend, every label pointing at its input, the
posted answer checked again, the non-answers offered — and that what a resident or a worker typed
comes back escaped."""

from __future__ import annotations

from html.parser import HTMLParser

from django import forms
from django.template import Context, Template
from django.urls import reverse

from stijging.conversations.templatetags.conversation_widgets import field_html
from stijging.instruments.models import NonAnswer
from stijging.registry.models import Person

from .factories import conversation_of

HX = {"HTTP_HX_REQUEST": "true"}
HOSTILE = '<script>alert("x")</script> & "quoted"'


class _Page(HTMLParser):
    """The fieldsets with the inputs inside them, every element's id, and every label's `for`."""

    def __init__(self):
        super().__init__()
        self.ids: dict[str, dict] = {}
        self.label_for: list[str] = []
        self.fieldsets: list[dict] = []
        self.inputs: list[dict] = []
        self.textareas: dict[str, str] = {}
        self._open: list[dict] = []
        self._legend: dict | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, **{name: ("" if value is None else value) for name, value in attrs}}
        if "id" in element:
            self.ids[element["id"]] = element
        if tag == "label" and "for" in element:
            self.label_for.append(element["for"])
        if tag == "fieldset":
            fieldset = {"legend": "", "inputs": [], "groups": []}
            self.fieldsets.append(fieldset)
            self._open.append(fieldset)
        if tag == "legend" and self._open:
            self._legend = self._open[-1]
        if tag == "div" and "choices" in element.get("class", "").split() and self._open:
            self._open[-1]["groups"].append({"class": element["class"], "inputs": []})
        if tag == "input":
            self.inputs.append(element)
            if self._open:
                self._open[-1]["inputs"].append(element)
                if self._open[-1]["groups"] and element["type"] == "radio":
                    self._open[-1]["groups"][-1]["inputs"].append(element)
        if tag == "textarea":
            self._textarea = element["id"]
            self.textareas[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "fieldset":
            self._open.pop()
        if tag == "legend":
            self._legend = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._legend is not None:
            self._legend["legend"] += data
        if self._textarea is not None:
            # A browser drops the newline right after <textarea>; Django's widget writes one.
            self.textareas[self._textarea] += data.removeprefix("\n") if not self.textareas[self._textarea] else data


def _parse(response) -> _Page:
    page = _Page()
    page.feed(response.content.decode())
    return page


def _page(world, login):
    conversation = conversation_of(world.own, world)
    client = login(world.user("fieldworker"))
    response = client.get(reverse("conversations:conversation", args=[conversation.pk]))
    assert response.status_code == 200
    return conversation, client, response


def test_each_question_is_one_radio_group_under_its_legend(world, login):
    _conversation, _client, response = _page(world, login)
    page = _parse(response)
    groups = [fieldset for fieldset in page.fieldsets if any(i["type"] == "radio" for i in fieldset["inputs"])]
    assert len(groups) > 20  # two members: domains, ladder, cohesion statements, the housing questions
    for fieldset in groups:
        radios = [i for i in fieldset["inputs"] if i["type"] == "radio"]
        assert fieldset["legend"].strip(), fieldset
        assert len({radio["name"] for radio in radios}) == 1, fieldset["legend"]
        assert len({radio["id"] for radio in radios}) == len(radios)
        assert len({radio["value"] for radio in radios}) == len(radios)


def test_every_label_points_at_an_input_and_every_input_has_a_label(world, login):
    _conversation, _client, response = _page(world, login)
    page = _parse(response)
    for target in page.label_for:
        assert page.ids[target]["tag"] in ("input", "textarea", "select"), target
    labelled = set(page.label_for)
    for element in [*page.inputs, *({"id": i, "type": "textarea"} for i in page.textareas)]:
        if element.get("type") not in ("hidden", "submit"):
            assert element["id"] in labelled, element


def test_every_domain_offers_the_non_answers_beside_the_scores(world, login):
    _conversation, _client, response = _page(world, login)
    page = _parse(response)
    domains = [
        fieldset for fieldset in page.fieldsets if any("choices--scale" in g["class"] for g in fieldset["groups"])
    ]
    domains = [fieldset for fieldset in domains if fieldset["inputs"][0]["name"].endswith("-answer")]
    assert len(domains) >= 10
    for fieldset in domains:
        scale, quiet = fieldset["groups"]
        assert [radio["value"] for radio in scale["inputs"]] == ["1", "2", "3", "4", "5"]
        assert "choices--quiet" in quiet["class"]
        assert [radio["value"] for radio in quiet["inputs"]] == [choice.value for choice in NonAnswer]
    labels = response.content.decode()
    with_language = [str(choice.label) for choice in NonAnswer]
    assert all(label in labels for label in with_language)


def test_a_posted_answer_comes_back_checked_and_a_hostile_note_comes_back_escaped(world, login):
    conversation, client, _response = _page(world, login)
    adult = conversation.interviews.get(person=world.own.adult)
    url = reverse("conversations:interview_section", args=[adult.pk, "domains"])
    # Refused (a help question ticked without the question): the page comes back with what was typed.
    invalid = {"version": "1", "key": "widgets-12345", "wonen-answer": "4", "financien-help": "on"}
    invalid |= {"gezondheid-note": HOSTILE, "werken-answer": "declined"}
    response = client.post(url, invalid, **HX)
    assert response.status_code == 422
    html = response.content.decode()
    page = _parse(response)
    checked = {i["id"] for i in page.inputs if "checked" in i}
    wonen = [i for i in page.inputs if i["name"] == "wonen-answer"]
    assert {i["id"] for i in wonen if i["value"] == "4"} <= checked
    assert not {i["id"] for i in wonen if i["value"] != "4"} & checked
    assert {i["id"] for i in page.inputs if i["name"] == "werken-answer" and i["value"] == "declined"} <= checked
    assert {i["id"] for i in page.inputs if i["name"] == "financien-help"} <= checked
    note = next(text for id_, text in page.textareas.items() if id_.endswith("gezondheid-note"))
    assert note.strip() == HOSTILE
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quoted&#34;" in html
    # The question's error sits beside the field and the fieldset is described by it.
    question = next(i for i in page.ids if i.endswith("financien-question_error"))
    assert page.ids[question]["class"] == "form-error"


def test_inputs_and_textareas_draw_their_attributes_and_escape_values():
    class _Form(forms.Form):
        line = forms.CharField(widget=forms.TextInput(attrs={"data-note": 'say "hi" & <go>', "hidden": False}))
        text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
        box = forms.BooleanField(required=False)
        secret = forms.IntegerField(widget=forms.HiddenInput)
        picked = forms.ChoiceField(choices=[("a", '<b>"A"</b>'), ("b", "B")], widget=forms.RadioSelect)

    form = _Form({"line": '"><script>x</script>', "text": "</textarea><b>", "box": "on", "secret": "3", "picked": "b"})
    form.is_valid()
    page = _Page()
    page.feed("".join(str(field_html(form[name])) for name in ("line", "text", "box", "secret")))
    line, box, secret = page.inputs
    assert line == {
        "tag": "input",
        "type": "text",
        "name": "line",
        "value": '"><script>x</script>',
        "data-note": 'say "hi" & <go>',
        "required": "",
        "id": "id_line",
    }
    assert box["type"] == "checkbox" and "checked" in box and "required" not in box
    assert secret == {"tag": "input", "type": "hidden", "name": "secret", "value": "3", "id": "id_secret"}
    assert page.textareas == {"id_text": "</textarea><b>"}
    markup = str(field_html(form["text"]))
    assert "&lt;/textarea&gt;&lt;b&gt;</textarea>" in markup and 'rows="2"' in markup
    choices = Template('{% load conversation_widgets %}{% choices form.picked.subwidgets "wide" %}').render(
        Context({"form": form})
    )
    assert '<div class="choices choices--wide">' in choices
    assert "&lt;b&gt;&#34;A&#34;&lt;/b&gt;" in choices and "<b>" not in choices
    page = _Page()
    page.feed(choices)
    assert [(i["value"], "checked" in i) for i in page.inputs] == [("a", False), ("b", True)]
    assert page.label_for == [i["id"] for i in page.inputs]


def test_a_widget_these_templates_do_not_draw_is_left_to_django():
    class _Form(forms.Form):
        when = forms.DateField(widget=forms.SelectDateWidget(years=[2026]))

    bound = _Form()["when"]
    assert str(field_html(bound)) == str(bound)


def test_a_hostile_name_comes_back_escaped_in_the_member_s_block_and_overview_row(world, login):
    # The member's block and overview row are drawn by Jinja2 macros (sections.html), autoescaped.
    Person.objects.filter(pk=world.own.adult.pk).update(given_names=HOSTILE)
    conversation, client, response = _page(world, login)
    html = response.content.decode()
    adult = conversation.interviews.get(person=world.own.adult)
    page = _parse(response)
    assert f"interview-{adult.pk}-title" in page.ids and f"overview-{adult.pk}" in page.ids
    assert "<script>" not in html
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quoted&#34;"
    assert html.count(escaped) >= 3  # the block's heading, the overview row, a link's hidden text
