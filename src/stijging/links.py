"""Row links for long lists, shared by every app's pages.

`{% url %}` per row costs a reverse each time; a page of dozens of rows reverses its link once
(`row_link`) and fills the id in per row with the `fill` filter (core/templatetags/row_links.py)."""

from __future__ import annotations

from django.urls import reverse


def row_link(name: str) -> str:
    """The URL `name` with one integer argument as a pattern: "/households/{}/"."""
    return reverse(name, args=[0]).replace("/0/", "/{}/")
