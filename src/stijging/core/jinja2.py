"""The Jinja2 environment of the second template engine (settings.TEMPLATES).

Django's templates draw the pages; Jinja2 draws the few fragments repeated hundreds of times on one
page (the conversation page's radio groups and domain rows, the neighbourhood pages' figure tables),
where a Django variable, `if` and `translate` per cell took most of the page's time
(docs/decisions/0011-jinja2-for-the-repeated-fragments.md). The template tags that the Django pages
call the macros of these templates (templates/jinja2/), so the pages themselves are unchanged.

Autoescape is always on (set here, whatever the OPTIONS say). Only what the fragments use is
offered: gettext as `_` (old style: the translation is escaped like any value, as Django's
{% translate %} does; `{{ _("...") }}` is what makemessages reads in templates) and Django's number
formatting as the `localize` filter.
"""

from __future__ import annotations

from typing import Any, cast

from django.template import engines
from django.template.backends.jinja2 import Jinja2
from django.utils.formats import localize
from django.utils.translation import gettext
from jinja2 import Environment


def environment(**options: Any) -> Environment:
    # Always on, whatever OPTIONS say: every value these fragments draw is escaped.
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    env.globals["_"] = gettext
    env.filters["localize"] = localize
    return env


def macros(template_name: str) -> Any:
    """The macros of a template of the Jinja2 engine, for the template tags of Django pages to call.
    A macro returns its markup escaped (a markupsafe.Markup, which Django takes as safe through its
    __html__). Calling a macro skips the context a whole template's render builds, which on the
    conversation page was a quarter of these fragments' time."""
    engine = cast(Jinja2, engines["jinja2"])
    return engine.env.get_template(template_name).module
