"""Optimistic concurrency, shared by every app: editable records carry a version; a save names the
version it started from; a stale save is refused, never silently applied (ENGINEERING.md, convention 6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class ConflictError(Exception):
    """Someone else saved this record after you opened it."""


def keep_input_after_conflict(form: forms.Form, current_version: int, message: str | StrPromise) -> None:
    """A stale save was refused: keep everything the user typed, say why, and let the next save go
    against the version now shown beside their input (ENGINEERING.md convention 6)."""
    form.add_error(None, message)
    data = form.data.copy()  # type: ignore[attr-defined]  # bound forms carry a QueryDict
    data["version"] = str(current_version)
    form.data = data
