"""Panels: how a page of a lower floor shows what a higher floor knows, without importing it.

Imports only go down (ENGINEERING.md, layout): the registry's person page cannot import the
trajectories that sit above it. So a page declares a `Slot`, and the floor above registers a
provider in it at start-up (its AppConfig.ready) — the way privacy's `consent_withdrawn` signal lets
the floors above react. A provider returns a Panel (a template and its context) or None when it has
nothing to show, and runs a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict = field(default_factory=dict)


class Slot:
    def __init__(self, name: str) -> None:
        self.name = name
        self._providers: list[Callable[..., Panel | None]] = []

    def register(self, provider: Callable[..., Panel | None]) -> None:
        if provider not in self._providers:
            self._providers.append(provider)

    def panels(self, *args) -> list[Panel]:
        return [p for p in (provider(*args) for provider in self._providers) if p is not None]
