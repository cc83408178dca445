"""Extension points of the trajectory page and the caseload, for the floor above.

The referrals floor imports trajectories, never the other way round (ENGINEERING.md, layout). Yet
the caseload shows "referrals waiting on a partner" and the trajectory page lists its referrals. So
the floor above registers a panel here at start-up (its AppConfig.ready), the way privacy's
`consent_withdrawn` signal lets the floors above react without privacy importing them. Each panel
is a function returning a template and its context, or None when it has nothing to show; each must
run a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict = field(default_factory=dict)


CaseloadPanel = Callable[..., "Panel | None"]
TrajectoryPanel = Callable[..., "Panel | None"]

_caseload_panels: list[CaseloadPanel] = []
_trajectory_panels: list[TrajectoryPanel] = []


def register_caseload_panel(panel: CaseloadPanel) -> None:
    if panel not in _caseload_panels:
        _caseload_panels.append(panel)


def register_trajectory_panel(panel: TrajectoryPanel) -> None:
    if panel not in _trajectory_panels:
        _trajectory_panels.append(panel)


def caseload_panels(user) -> list[Panel]:
    return [p for p in (panel(user) for panel in _caseload_panels) if p is not None]


def trajectory_panels(user, trajectory) -> list[Panel]:
    return [p for p in (panel(user, trajectory) for panel in _trajectory_panels) if p is not None]
