"""Activities, participants and volunteer hours per street (issue 14 item 5): counted in one place
(kpis.activity_per_street) against values computed by hand, shown through the disclosure layer
(reports.activity_table) so that no hidden count can be worked out, on the cohesion page."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from stijging.cohesion.models import Activity, ActivityKind, Participant, VolunteerHours
from stijging.monitoring import kpis
from stijging.monitoring.reports import activity_table
from stijging.privacy.disclosure import State

from ..privacy.attacker import HIDDEN, SHOWN, SMALL, derivable
from ..registry.factories import AddressFactory, StreetFactory

D = datetime.date
PERIOD = kpis.Period(D(2026, 3, 1), D(2026, 6, 30))


class Neighbourhood:
    def __init__(self, world):
        self.site, self.user = world.own, world.user("coordinator")
        self.programme = self.site.programme
        self.streets = {}
        for name in ("Aalstraat", "Beukstraat", "Cederlaan"):
            street = StreetFactory(name=name)
            AddressFactory(area=self.site.area, street=street, postcode="5911AA", huisnummer=len(self.streets) + 1)
            self.streets[name] = street
        self.kind = ActivityKind.objects.get(code="alley_cleanup")

    def activity(self, day, streets, participants=(), programme=None):
        activity = Activity.objects.create(
            programme=programme or self.programme,
            kind=self.kind,
            title="Achterpaden",
            date=day,
            organiser="Bewoners",
            participant_count=12,
            created_by=self.user,
        )
        activity.streets.set([self.streets[s] for s in streets])
        activity.participants.set(participants)
        return activity

    def participant(self, name, street, programme=None):
        return Participant.objects.create(
            programme=programme or self.programme,
            name=name,
            street=self.streets[street],
            consent_given_on=D(2026, 1, 5),
            consent_given_by="self",
            volunteer=True,
            created_by=self.user,
        )

    def hours(self, participant, day, hours):
        VolunteerHours.objects.create(participant=participant, date=day, hours=Decimal(hours), recorded_by=self.user)


@pytest.fixture
def hood(world):
    """By hand, 1 March – 30 June 2026:
    Aalstraat: activities A1 (10 Mar) and A2 (on Aalstraat and Beukstraat, 5 May) = 2 (A0 on 20 Feb
      is before; a foreign programme's on 1 Apr is not ours); participants Piet (A1, A2) = 1 (Saar,
      who took part only in A0, is not); volunteers Piet 2.5 + 1.0 = 3.5 h (his 4 h on 1 Jul after).
    Beukstraat: activity A2 = 1; participants Jan (A1) = 1; volunteers none (Jan's 3 h of 28 Feb are
      before the period).
    Cederlaan: no activity; no participant; volunteer Fenna 4 h = 1, 4.0 h."""
    h = Neighbourhood(world)
    piet, saar, jan, fenna = (
        h.participant("Piet", "Aalstraat"),
        h.participant("Saar", "Aalstraat"),
        h.participant("Jan", "Beukstraat"),
        h.participant("Fenna", "Cederlaan"),
    )
    h.activity(D(2026, 2, 20), ["Aalstraat"], [saar])
    h.activity(D(2026, 3, 10), ["Aalstraat"], [piet, jan])
    h.activity(D(2026, 5, 5), ["Aalstraat", "Beukstraat"], [piet])
    h.activity(D(2026, 4, 1), ["Aalstraat"], programme=world.foreign.programme)
    h.hours(piet, D(2026, 3, 10), "2.5")
    h.hours(piet, D(2026, 6, 30), "1.0")
    h.hours(piet, D(2026, 7, 1), "4")
    h.hours(jan, D(2026, 2, 28), "3")
    h.hours(fenna, D(2026, 4, 2), "4")
    return h


def test_activities_participants_and_volunteer_hours_per_street_as_computed_by_hand(hood):
    s = hood.streets
    ids = [street.pk for street in s.values()]
    result = kpis.activity_per_street(hood.programme, PERIOD, ids)
    assert result[s["Aalstraat"].pk] == kpis.StreetActivity(2, 1, 1, Decimal("3.5"))
    assert result[s["Beukstraat"].pk] == kpis.StreetActivity(1, 1, 0, Decimal(0))
    assert result[s["Cederlaan"].pk] == kpis.StreetActivity(0, 0, 1, Decimal("4.0"))
    # Only the streets asked for; another programme's figures are its own.
    assert list(kpis.activity_per_street(hood.programme, PERIOD, ids[:1])) == ids[:1]
    other = kpis.activity_per_street(
        hood.site.programme.__class__.objects.exclude(pk=hood.programme.pk).get(), PERIOD, ids
    )
    assert other[s["Aalstraat"].pk].activities == 1 and other[s["Aalstraat"].pk].participants == 0


# A street table larger than the fixture's, for the layer: (activities, participants, volunteers, hours).
STREETS = {
    1: kpis.StreetActivity(6, 7, 6, Decimal("12.5")),
    2: kpis.StreetActivity(5, 2, 1, Decimal("3.0")),
    3: kpis.StreetActivity(5, 6, 5, Decimal("10.0")),
    4: kpis.StreetActivity(8, 9, 9, Decimal("20.0")),
}
NAMES = {1: "Aalstraat", 2: "Beukstraat", 3: "Cederlaan", 4: "Dorpsstraat"}
COLUMNS = ("activities", "participants", "volunteers")


def test_the_street_table_suppresses_small_counts_and_their_hours_and_adds_up():
    table = activity_table(STREETS, NAMES)
    assert [row.label for row in table.rows] == [*NAMES.values(), "All streets together"]
    rows = {row.label: row.cells for row in table.rows}
    # Beukstraat's 2 participants and 1 volunteer are "< 5", its hours with them; the totals (24, 21)
    # minus the others would give them away, so the smallest other street's count is hidden too.
    assert rows["Beukstraat"][1].state is State.SMALL and rows["Beukstraat"][2].state is State.SMALL
    assert rows["Beukstraat"][3].count is None and rows["Beukstraat"][3].state is State.SMALL
    assert rows["Cederlaan"][1].state is State.HIDDEN and rows["Cederlaan"][2].state is State.HIDDEN
    assert rows["Cederlaan"][3].count is None and rows["Cederlaan"][3].state is State.HIDDEN
    assert [cell.count for cell in rows["All streets together"]] == [24, 24, 21, Decimal("45.5")]
    assert [cell.count for cell in rows["Aalstraat"]] == [6, 7, 6, Decimal("12.5")]
    # The hours a reader can work out (total − shown: 45.5 − 12.5 − 20 = 13) are those of 6
    # volunteers together (21 − 6 − 9), never of fewer than 5.


def test_no_hidden_count_of_the_street_table_can_be_worked_out():
    table = activity_table(STREETS, NAMES)
    truth, published, sums = {}, {}, []
    by_label = dict(zip(NAMES.values(), STREETS.values(), strict=True))
    for row in table.rows:
        for column, cell in zip(COLUMNS, row.cells[: len(COLUMNS)], strict=True):
            values = [by_label[row.label]] if row.label in by_label else list(STREETS.values())
            truth[(row.label, column)] = sum(getattr(v, column) for v in values)
            kind = SHOWN if cell.state is State.SHOWN else SMALL if cell.state is State.SMALL else HIDDEN
            published[(row.label, column)] = (kind, cell.count)
    for column in COLUMNS:
        sums.append((("All streets together", column), [(name, column) for name in NAMES.values()]))
    assert derivable(truth, published, sums) == []


def test_the_total_hours_are_withheld_when_they_would_give_a_small_groups_hours_away():
    # A's 9 volunteers are shown, B's and C's 2 each are "< 5" (either could be 0 … 4: nothing is
    # pinned, so the layer shows the total, 13). The total's hours minus A's would be the hours of
    # B's and C's 4 volunteers together: withheld.
    streets = {
        1: kpis.StreetActivity(0, 0, 9, Decimal("9")),
        2: kpis.StreetActivity(0, 0, 2, Decimal("2")),
        3: kpis.StreetActivity(0, 0, 2, Decimal("5")),
    }
    table = activity_table(streets, {1: "A", 2: "B", 3: "C"})
    a, _b, _c, total = (row.cells for row in table.rows)
    assert (a[2].count, a[3].count, total[2].count) == (9, Decimal("9"), 13)
    assert total[3].count is None and total[3].state is State.HIDDEN
    # With C at 6 volunteers (shown or hidden, never with B's alone), the rest is 5 or more or none.
    streets[3] = kpis.StreetActivity(0, 0, 6, Decimal("5"))
    table = activity_table(streets, {1: "A", 2: "B", 3: "C"})
    total = table.rows[-1].cells
    shown = sum(row.cells[2].count or 0 for row in table.rows[:-1])
    assert total[2].count == 17 and total[2].count - shown >= 5
    assert total[3].count == Decimal("16")


def test_the_coordinator_sees_activities_per_street_on_the_cohesion_page(hood, world, login):
    from .test_neighbourhood_views import _neighbourhood

    _neighbourhood(world)  # 20 households or more: the area is offered
    hood.programme.start_date = D(2026, 1, 1)
    hood.programme.save()
    cache.clear()
    client = login(hood.user)
    url = reverse("monitoring:cohesion", args=[hood.programme.slug])
    area = hood.site.area
    response = client.get(url, {"period": "custom", "from": "2026-03-01", "to": "2026-06-30", "area": area.pk})
    assert response.status_code == 200
    table = response.context["activity"]
    assert table is not None
    labels = [row.label for row in table.rows]
    assert {"Aalstraat", "Beukstraat", "Cederlaan"} <= set(labels)
    body = response.content.decode()
    assert 'id="activity-heading"' in body and "Piet" not in body and "Fenna" not in body
    # Every count here is under 5: nothing but "< 5" for the hand-computed streets.
    for row in table.rows:
        if row.label in ("Aalstraat", "Beukstraat", "Cederlaan"):
            assert all(cell.count is None for cell in row.cells), row.label


# --- Kept with the cohesion index (issue 17 item 2): computed by the tick, drawn once ---------------


@pytest.fixture
def kept(settings):
    settings.STIJGING_FIGURES_MAX_AGE = 600
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def offered(hood, world):
    """The hood's area offered (20 households or more), the programme begun on 1 January 2026."""
    from .test_neighbourhood_views import _neighbourhood

    _neighbourhood(world)
    hood.programme.start_date = D(2026, 1, 1)
    hood.programme.save()
    cache.clear()
    return hood.site.area


def _page(client, programme, language="nl", **params):
    response = client.get(reverse("monitoring:cohesion", args=[programme.slug]), params, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    body = response.content.decode()
    return response, body[body.index('id="activity-heading"') :]


def test_the_tick_keeps_the_activities_per_street_as_computed_by_hand_and_the_page_draws_them(
    hood, world, login, kept, offered
):
    from stijging.monitoring import figures
    from stijging.registry.selectors import streets_in_area

    s = hood.streets
    period = kpis.programme_period(hood.programme)
    key = figures._activity_key(offered, period)
    assert cache.get(key) is None
    assert figures.refresh_all() >= 1
    per_street, _computed_at = cache.get(key)
    # By hand, 1 January 2026 – today (the page's default period): Aalstraat A0, A1, A2 = 3, Piet
    # and Saar = 2, Piet's 2.5 + 1.0 + 4 = 7.5 h; Beukstraat A2 = 1, Jan = 1, Jan's 3 h; Cederlaan
    # Fenna's 4 h.
    assert per_street[s["Aalstraat"].pk] == kpis.StreetActivity(3, 2, 1, Decimal("7.5"))
    assert per_street[s["Beukstraat"].pk] == kpis.StreetActivity(1, 1, 1, Decimal("3"))
    assert per_street[s["Cederlaan"].pk] == kpis.StreetActivity(0, 0, 1, Decimal("4"))
    streets = dict(streets_in_area(offered).values_list("pk", "name"))
    live = kpis.activity_per_street(hood.programme, period, list(streets))
    assert per_street == live
    # The page reads the kept figure (no activity query) and shows the table of the live computation,
    # through the same layer: every count here under 5.
    client = login(hood.user)
    response, drawn = _page(client, hood.programme)
    assert response.context["activity"] == activity_table(live, streets)
    assert "Piet" not in drawn and "&lt; 5" in drawn


def test_a_new_activity_shows_once_the_tick_has_renewed_the_kept_figure(hood, world, login, kept, offered):
    from stijging.monitoring import figures
    from stijging.registry.selectors import streets_in_area

    for day in range(1, 7):  # six more on Aalstraat and Beukstraat: counts the layer shows
        hood.activity(D(2026, 9, day), ["Aalstraat", "Beukstraat"])
    client = login(hood.user)
    before, drawn_before = _page(client, hood.programme)
    streets = dict(streets_in_area(offered).values_list("pk", "name"))
    period = kpis.programme_period(hood.programme)
    old = activity_table(kpis.activity_per_street(hood.programme, period, list(streets)), streets)
    hood.activity(D(2026, 10, 1), ["Aalstraat"])
    new = activity_table(kpis.activity_per_street(hood.programme, period, list(streets)), streets)
    assert new != old
    # Kept: the page still shows what was computed before, drawn as before.
    response, drawn = _page(client, hood.programme)
    assert response.context["activity"] == old and drawn == drawn_before
    # Older than a third of the max age, the tick renews it; the page shows the new activity.
    key = figures._activity_key(offered, period)
    per_street, _computed = cache.get(key)
    cache.set(key, (per_street, timezone.now() - datetime.timedelta(seconds=400)), 600)
    assert figures.refresh_all() >= 1
    response, drawn = _page(client, hood.programme)
    assert response.context["activity"] == new and drawn != drawn_before
    # Aalstraat's activities: 3 + 6 before, the new one makes 10 (shown: 5 or more).
    assert [row.cells[0].count for row in (old.rows[0], new.rows[0])] == [9, 10]
    assert old.rows[0].label == "Aalstraat"


def test_a_kept_activity_table_is_never_one_drawn_for_another_language_or_period(hood, world, login, kept, offered):
    """The table is drawn once per kept figure (cohesion.html's fragment) under a fingerprint of the
    kept figure, the streets' names and the language: what a reader gets is what would be drawn for
    them with nothing kept. The coordinator and the manager are shown the same cells."""
    coordinator, manager = login(hood.user), login(world.user("manager"))
    quarter = {"period": "2026-Q2"}
    seen = {
        "nl": _page(coordinator, hood.programme)[1],
        "en": _page(manager, hood.programme, language="en")[1],
        "nl-Q2": _page(manager, hood.programme, **quarter)[1],
    }
    assert seen["nl"] != seen["en"] and seen["nl"] != seen["nl-Q2"]
    assert _page(manager, hood.programme)[1] == seen["nl"]
    cache.clear()
    assert _page(manager, hood.programme, **quarter)[1] == seen["nl-Q2"]
    assert _page(coordinator, hood.programme, language="en")[1] == seen["en"]
    assert _page(manager, hood.programme)[1] == seen["nl"]
