"""Over time: the charts of the programme home and the quarterly report, laid out from figures that
have been through the disclosure layer (privacy.disclosure.protect) — the monthly points together
with the cards (reports.home_figures), the cohesion index per wave per area here. A rate is drawn
only where its count and its base are shown; otherwise the month is a gap in the line."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from stijging.privacy.disclosure import Disclosed, protect, relation
from stijging.registry.models import Area, Programme

from . import kpis
from .charts import Chart, Series
from .reports import HomeFigures, month_key


def _share(cells: dict, part: Hashable, whole: Hashable) -> Decimal | None:
    n, d = cells[part], cells[whole]
    return kpis.rate(n.value, d.value) if n.shown and d.shown else None


def target_charts(home: HomeFigures, programme: Programme) -> list[Chart]:
    """Households reached, persons visited, trajectory uptake, social rise and priority referrals
    within their service level, month by month: each as it stood at the month's end."""
    series = home.series
    if not series:
        return []
    cells = home.cells

    def cell(i: int, name: str) -> Disclosed:
        return cells[month_key(series, i, name)]

    def share(i: int, part: str, whole: str) -> Decimal | None:
        return _share(cells, month_key(series, i, part), month_key(series, i, whole))

    months = range(len(series))
    labels = tuple(date_format(point.month, "M Y") for point in series)
    month = _("Month (up to its end)")
    reached = tuple(share(i, "reached", "in_scope") for i in months)
    uptake = tuple(share(i, "in_trajectory", "visited") for i in months)
    rose = tuple(share(i, "rose", "compared") for i in months)
    within = tuple(share(i, "within", "decided") for i in months)
    visited = tuple(Decimal(cell(i, "visited").value or 0) if cell(i, "visited").shown else None for i in months)
    since = _("From the start of the period up to the end of each month.")
    return [
        Chart(
            key="reached",
            title=_("Households reached, month by month"),
            description=_("Households reached as a percentage of the households in scope.") + " " + since,
            x_labels=labels,
            series=(Series(_("Households reached (%)"), reached),),
            target=Decimal(programme.target_participation),
            target_label=_("The dashed line is the target of %(target)s%%.")
            % {"target": programme.target_participation},
            table_columns=(month, _("Households in scope"), _("Reached"), _("Reached (%)")),
            table_rows=tuple((labels[i], cell(i, "in_scope"), cell(i, "reached"), reached[i]) for i in months),
        ),
        Chart(
            key="visited",
            title=_("Persons visited, month by month"),
            description=_("Persons, children included, with an interview in a conversation.") + " " + since,
            x_labels=labels,
            series=(Series(_("Persons visited"), visited),),
            unit="",
            table_columns=(month, _("Persons visited")),
            table_rows=tuple((labels[i], cell(i, "visited")) for i in months),
        ),
        Chart(
            key="uptake",
            title=_("Trajectory uptake, month by month"),
            description=_("Persons visited with a help trajectory opened, as a percentage of the persons visited.")
            + " "
            + since,
            x_labels=labels,
            series=(Series(_("Trajectory uptake (%)"), uptake),),
            target=Decimal(programme.target_uptake),
            target_label=_("The dashed line is the target of %(target)s%%.") % {"target": programme.target_uptake},
            table_columns=(month, _("Persons visited"), _("In a trajectory"), _("Uptake (%)")),
            table_rows=tuple((labels[i], cell(i, "visited"), cell(i, "in_trajectory"), uptake[i]) for i in months),
        ),
        Chart(
            key="rise",
            title=_("Social rise, month by month"),
            description=_(
                "Persons compared (a baseline rung and a rung at least 90 days later) whose latest rung is higher, "
                "as a percentage of the persons compared."
            )
            + " "
            + since,
            x_labels=labels,
            series=(Series(_("Rose (%)"), rose),),
            table_columns=(month, _("Persons followed"), _("Persons compared"), _("Rose"), _("Rose (%)")),
            table_rows=tuple(
                (labels[i], cell(i, "followed"), cell(i, "compared"), cell(i, "rose"), rose[i]) for i in months
            ),
        ),
        Chart(
            key="priority",
            title=_("Priority referrals answered within the service level, month by month"),
            description=_(
                "Priority referrals answered within their service level, as a percentage of those whose service "
                "level is decided; referrals to mental-health care and the police are not included."
            )
            + " "
            + since,
            x_labels=labels,
            series=(Series(_("Within the service level (%)"), within),),
            table_columns=(month, _("Decided"), _("Within the service level"), _("Within (%)")),
            table_rows=tuple((labels[i], cell(i, "decided"), cell(i, "within"), within[i]) for i in months),
        ),
    ]


def cohesion_chart(per_wave: Sequence[kpis.WaveIndex], areas: Sequence[Area], area: Area | None) -> Chart | None:
    """The cohesion index per wave, a line per area offered (or the one area chosen) and one for the
    programme. The respondent counts go through the disclosure layer together: the programme's are
    its areas' plus those of the areas too small to be offered (never shown); an index is drawn only
    where its count is shown."""
    if not per_wave:
        return None
    shown_areas = [a for a in areas if area is None or a.pk == area.pk]
    counts: dict[Hashable, int] = {}
    rels = []
    for w, wave_index in enumerate(per_wave):
        for a in shown_areas:
            counts[(w, a.pk)] = wave_index.areas[a.pk].respondents or 0
        counts[(w, "programme")] = wave_index.programme.respondents or 0
        counts[(w, "other")] = counts[(w, "programme")] - sum(counts[(w, a.pk)] for a in shown_areas)
        rels.append(relation((w, "programme"), [*((w, a.pk) for a in shown_areas), (w, "other")]))
    other = [(w, "other") for w in range(len(per_wave))]
    cells = protect(counts, rels, unpublished=other)
    lines: list[tuple[str, object]] = [(a.name, a.pk) for a in shown_areas]
    if area is None:
        lines.append((_("The whole programme"), "programme"))

    def index(w: int, key: object) -> Decimal | None:
        wave_index = per_wave[w]
        cell = wave_index.programme if key == "programme" else wave_index.areas[key]  # type: ignore[index]
        return cell.index if cells[(w, key)].shown else None

    waves = range(len(per_wave))
    labels = tuple(wave_index.wave.name for wave_index in per_wave)
    columns: list[str] = [_("Wave")]
    for name, _key in lines:
        columns += [_("%(name)s: index") % {"name": name}, _("%(name)s: respondents") % {"name": name}]
    return Chart(
        key="cohesion",
        title=_("Cohesion index per wave"),
        description=_(
            "The social-cohesion index (0–10) from the six CBS statements, per wave: the mean over the respondents "
            "of each area."
        ),
        x_labels=labels,
        series=tuple(Series(name, tuple(index(w, key) for w in waves)) for name, key in lines),
        unit="index",
        table_columns=tuple(columns),
        table_rows=tuple(
            (labels[w], *[v for _name, key in lines for v in (index(w, key), cells[(w, key)])]) for w in waves
        ),
    )
