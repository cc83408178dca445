"""Line charts drawn on the server as SVG (templates/monitoring/_chart.html): no JavaScript library,
the same picture on the page and in the PDF. Here only the geometry; what the points are — already
through the disclosure layer — comes from reports.over_time. A point that is not shown is a gap in
its line, marked with a cross on the axis and labelled in the table beside the chart."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .fragments import fingerprint

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 40, 14, 44
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
# Lines told apart by their dash and marker, not by colour alone (WCAG 1.4.1); dark enough on white.
STYLES = (
    {"stroke": "#1f4e79", "dash": "", "marker": "circle"},
    {"stroke": "#7a3b00", "dash": "6 4", "marker": "square"},
    {"stroke": "#245c2e", "dash": "2 3", "marker": "diamond"},
    {"stroke": "#5b2a86", "dash": "10 3 2 3", "marker": "circle"},
    {"stroke": "#333333", "dash": "1 2", "marker": "square"},
)
MAX_X_LABELS = 12


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[Decimal | None, ...]  # per x; None: not shown (a gap)


@dataclass
class Chart:
    key: str  # names the chart on the page (element ids)
    title: str
    description: str  # what the chart shows, for a screen reader (its table follows it)
    x_labels: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str = "%"  # "%" (0–100), "" (counts) or "index" (0–10)
    target: Decimal | None = None
    target_label: str = ""
    table_columns: tuple[str, ...] = ()
    table_rows: tuple[tuple, ...] = ()  # (label, cell, cell, …); a cell is a Disclosed or a text
    geometry: dict = field(default_factory=dict)

    def __post_init__(self):
        self.geometry = _geometry(self)

    @property
    def fingerprint(self) -> str:
        """The key of the drawn chart (_chart.html's {% cache %}, see fragments.py): its figures,
        already through the disclosure layer, its texts and the language active while it is drawn (a
        property, not cached, so the language is the render's)."""
        return fingerprint(
            self.key,
            self.title,
            self.description,
            self.x_labels,
            tuple((series.label, series.values) for series in self.series),
            self.unit,
            self.target,
            self.target_label,
            self.table_columns,
            self.table_rows,
        )


def _nice_max(value: Decimal) -> int:
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000):
        if value <= step * 4:
            return step * 4
    return int(value) + 1


def _geometry(chart: Chart) -> dict:
    shown = [v for s in chart.series for v in s.values if v is not None]
    if chart.unit == "%":
        y_max = 100
    elif chart.unit == "index":
        y_max = 10
    else:
        y_max = _nice_max(max(shown, default=Decimal(0)))
    n = len(chart.x_labels)

    def x(i: int) -> float:
        return LEFT + (PLOT_W / 2 if n == 1 else PLOT_W * i / (n - 1))

    def y(value: Decimal | float) -> float:
        return TOP + PLOT_H * (1 - float(value) / y_max)

    every = max(1, -(-n // MAX_X_LABELS))  # at most twelve labels under the axis
    ticks = [(round(y(y_max * k / 4), 1), _tick(y_max * k / 4)) for k in range(5)]
    lines = []
    for number, series in enumerate(chart.series):
        style = STYLES[number % len(STYLES)]
        segments: list[list[tuple[float, float]]] = [[]]
        points, gaps = [], []
        for i, value in enumerate(series.values):
            if value is None:
                gaps.append(round(x(i), 1))
                if segments[-1]:
                    segments.append([])
                continue
            point = (round(x(i), 1), round(y(value), 1))
            segments[-1].append(point)
            points.append(point)
        lines.append(
            {
                "label": series.label,
                "style": style,
                "paths": [" ".join(f"{px},{py}" for px, py in seg) for seg in segments if len(seg) > 1],
                "points": points,
                "gaps": gaps,
            }
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "ticks": ticks,
        "x_labels": [(round(x(i), 1), label) for i, label in enumerate(chart.x_labels) if i % every == 0 or i == n - 1],
        "lines": lines,
        "target_y": round(y(chart.target), 1) if chart.target is not None else None,
        "gap_y": HEIGHT - BOTTOM - 4,
        "has_gaps": any(line["gaps"] for line in lines),
    }


def _tick(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
