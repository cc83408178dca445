"""Keys for the rendered fragments of the figure pages ({% cache %} in the templates).

The programme home draws its charts and its table of ~130 areas from kept figures, so the same HTML
is drawn again and again: at a region's size over half of the page's time. A fragment is kept under
a fingerprint of everything it is drawn from — the figures already through the disclosure layer (two
readers shown different cells get different keys), the texts, the links the reader may follow and
the active language — so a kept fragment is never one drawn for other figures or another reader's
cells (tests: test_series.py, the chart; test_figures.py, the areas table seen by two roles)."""

from __future__ import annotations

import hashlib

from django.utils.functional import Promise
from django.utils.translation import get_language


def _plain(value):
    """`value` with its lazy translations made text (a lazy string's repr does not show its text)."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, tuple | list):
        return tuple(_plain(v) for v in value)
    return value


def fingerprint(*content) -> str:
    """A key for what `content` draws in the active language. `content` is made of plain values,
    tuples and dataclasses with a deterministic repr (Disclosed, Decimal): never a model instance,
    whose repr leaves fields out."""
    return hashlib.sha256(repr(_plain((get_language(), *content))).encode()).hexdigest()
