"""The programme home's figures are kept for a while (a region's take seconds to compute) and
renewed by `stijging tick`; with a max age of 0 every visit computes them."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from stijging.core import tick
from stijging.monitoring import figures, kpis, periods

from ..registry.factories import HouseholdFactory, ResidenceFactory


@pytest.fixture
def kept(settings):
    settings.STIJGING_FIGURES_MAX_AGE = 600
    cache.clear()
    yield
    cache.clear()


def _in_scope(client, programme) -> int:
    response = client.get(reverse("monitoring:programme", args=[programme.slug]))
    assert response.status_code == 200
    return response.context["participation"].in_scope


def test_without_a_max_age_every_visit_computes_the_figures(world, login):
    client = login(world.user("fieldworker"))
    before = _in_scope(client, world.own.programme)
    ResidenceFactory(
        household=HouseholdFactory(), address=world.own.empty_address, start_date=datetime.date(2020, 1, 1)
    )
    assert _in_scope(client, world.own.programme) == before + 1


def test_kept_figures_are_shown_with_the_time_they_were_computed_until_the_tick_renews_them(
    world, login, kept, django_assert_max_num_queries
):
    client = login(world.user("fieldworker"))
    programme = world.own.programme
    before = _in_scope(client, programme)
    ResidenceFactory(
        household=HouseholdFactory(), address=world.own.empty_address, start_date=datetime.date(2020, 1, 1)
    )
    # Kept: the page does not compute them again (session, user, memberships, programme, access
    # checks and the kept figures from the cache — no figure queries).
    with django_assert_max_num_queries(8):
        assert _in_scope(client, programme) == before
    body = client.get(reverse("monitoring:programme", args=[programme.slug])).content.decode()
    assert "Computed at" in body
    # Young figures are left alone by the tick (it computes only the other programme's, kept nowhere
    # yet: its six parts); older than a third of the max age they are renewed, part by part.
    kept_figures = figures.programme_figures(programme)
    assert figures.refresh_all() == len(figures.PROGRAMME_PARTS)
    assert figures.refresh_all() == 0
    assert figures.programme_figures(programme).computed_at == kept_figures.computed_at
    key = figures.part_key(programme, kept_figures.period, "participation")
    participation, _computed_at = cache.get(key)
    cache.set(key, (participation, timezone.now() - datetime.timedelta(seconds=400)), 600)
    # The page says when its oldest part was computed.
    assert figures.programme_figures(programme).computed_at < kept_figures.computed_at
    results = tick.run()
    assert results["monitoring_figures"] == 1
    assert _in_scope(client, programme) == before + 1


def test_a_tick_run_stops_renewing_after_its_budget(world, kept):
    """Each kept part is one piece of work; a run that is out of time leaves the rest to the next."""
    assert figures.refresh_all(budget_seconds=0) == 0
    assert figures.refresh_all(budget_seconds=60) == 2 * len(figures.PROGRAMME_PARTS)  # both programmes


def test_an_areas_cohesion_index_is_kept_and_renewed_by_the_tick(world, login, kept):
    from stijging.cohesion import services as cohesion_services

    from ..cohesion.factories import wave_of
    from .test_neighbourhood_views import _neighbourhood

    programme = world.own.programme
    programme.start_date = datetime.date(2026, 1, 1)
    programme.save()
    _neighbourhood(world)  # 20+ households: the area is offered
    wave = wave_of(world.own)
    coordinator = world.user("coordinator")

    def respond():
        cohesion_services.wave_response_record(
            acting_user=coordinator,
            wave=wave,
            area=world.own.area,
            street=world.own.street,
            answered_on=datetime.date(2026, 10, 5),
            answers={s.pk: 3 for s in cohesion_services.door_statements()},
        )

    for _ in range(5):
        respond()
    client = login(coordinator)
    url = reverse("monitoring:cohesion", args=[programme.slug])

    def respondents() -> int:
        response = client.get(url)
        table = response.context["table"]
        count = next(row for row in table.rows if row.street_id == world.own.street.pk).cells[0].respondents
        # The drawn table is kept too (fragments.py): what the page shows is the kept figure's.
        assert f"<small>({count})</small>" in response.content.decode()
        return count

    assert respondents() == 5
    respond()
    assert respondents() == 5  # kept
    key = figures._cohesion_key(world.own.area, [wave])
    table, _computed = cache.get(key)
    activity_key = figures._activity_key(world.own.area, figures.kpis.programme_period(programme))
    _activity, activity_computed = cache.get(activity_key)  # kept by the page's visit
    cache.set(key, (table, timezone.now() - datetime.timedelta(seconds=400)), 600)
    assert figures.refresh_all() >= 1
    assert respondents() == 6
    # The activities per street are the same step's: renewed with the index.
    assert cache.get(activity_key)[1] > activity_computed


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a PostgreSQL setting: run with DATABASE_URL=postgres://…"
)
def test_the_tick_leaves_a_core_to_the_pages(world):
    """No parallel plans for the tick's aggregates: they would take both cores from the web workers."""
    with connection.cursor() as cursor:
        # As a web connection started with DB_PARALLEL_WORKERS_PER_QUERY=2 would be: the tick's own SET
        # holds whatever the application's default.
        cursor.execute("SET max_parallel_workers_per_gather = 2")
        tick.run()
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a PostgreSQL setting: run with DATABASE_URL=postgres://…"
)
def test_every_connection_plans_for_ssd_and_one_core_a_query(db):
    """DB_RANDOM_PAGE_COST (1.1) and DB_PARALLEL_WORKERS_PER_QUERY (0): with PostgreSQL's defaults an
    area's figures read every residence of a region, on three processes, instead of the area's
    through the index (decision 0008)."""
    with connection.cursor() as cursor:
        cursor.execute("RESET ALL")  # the connection's own settings, not a SET of some earlier test
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"


def test_the_programme_homes_cohesion_chart_is_kept_by_the_tick(
    world, login, kept, django_assert_max_num_queries, monkeypatch
):
    """The cohesion index per wave per area (the home's chart) takes 15–20 s at a region's size: the
    tick keeps it, so no visitor computes it (a first visit used to run past the worker's timeout)."""
    from stijging.cohesion.models import Wave
    from stijging.monitoring import reports

    from ..cohesion.factories import wave_of
    from .test_neighbourhood_views import _neighbourhood

    programme = world.own.programme
    programme.start_date = datetime.date(2026, 1, 1)
    programme.save()
    _neighbourhood(world)
    wave = wave_of(world.own)
    period = figures.kpis.programme_period(programme)
    assert figures.waves_in_period(programme, period) == [wave]
    areas = reports.offered_areas(programme, timezone.localdate())
    key = figures._cohesion_wave_key(programme, wave, areas)
    assert cache.get(key) is None
    figures.refresh_all()
    kept_wave, computed_at = cache.get(key)
    assert kept_wave.wave == wave
    client = login(world.user("coordinator"))
    url = reverse("monitoring:programme", args=[programme.slug])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    assert cache.get(key)[1] == computed_at  # the page used the kept one

    # A shorter period with some of the programme's waves (a quarter, with one area) draws its chart
    # from the waves the tick keeps: nothing is computed for it (one wave of a region takes seconds).
    spring = Wave.objects.create(
        programme=programme,
        name="Eerste meting",
        starts_on=datetime.date(2026, 4, 1),
        ends_on=datetime.date(2026, 5, 31),
        created_by=world.user("coordinator"),
    )
    figures.refresh_all()
    assert figures.waves_in_period(programme, figures.kpis.programme_period(programme)) == [spring, wave]
    assert figures.waves_in_period(programme, periods.quarter_period(2026, 4)) == [wave]
    monkeypatch.setattr(figures.kpis, "cohesion_per_wave", _must_not_run)
    response = client.get(url, {"period": "2026-Q4", "area": areas[0].pk})
    assert response.status_code == 200
    assert response.context["area"] == areas[0]
    assert [chart for chart in response.context["charts"] if "ohesi" in chart.title]


def _must_not_run(*args, **kwargs):
    raise AssertionError("computed, not kept")


def test_the_tick_lays_the_housing_and_turnover_tables_out_so_no_visitor_waits_for_the_layer(
    world, login, kept, monkeypatch
):
    """The disclosure layer's search (up to half a second for a region's area) runs in the tick: the
    visitor's page finds its result kept. The search itself is made to fail after the tick's run, so
    the pages answer only if nothing was left for them to search."""
    from stijging.privacy import disclosure

    from .test_neighbourhood_views import _neighbourhood

    programme = world.own.programme
    programme.start_date = datetime.date(2026, 1, 1)
    programme.save()
    _neighbourhood(world)
    assert figures.refresh_all() >= 2

    def no_search(*args, **kwargs):
        raise AssertionError("the disclosure layer's search ran for a visitor")

    monkeypatch.setattr(disclosure, "_protect", no_search)
    client = login(world.user("manager"))
    for name in ("monitoring:housing", "monitoring:turnover"):
        response = client.get(reverse(name, args=[programme.slug]))
        assert response.status_code == 200
        assert response.context["table" if name == "monitoring:turnover" else "tables"]


def _areas_table(client, programme) -> str:
    body = client.get(reverse("monitoring:programme", args=[programme.slug])).content.decode()
    return body[body.index('id="registry-heading"') :]


def test_a_kept_areas_table_is_never_one_drawn_for_a_reader_who_may_see_more(world, login, kept):
    """The areas' table and the charts are kept drawn (fragments.py). A field worker sees the small
    counts; the manager, who comes after, must get the table drawn for the manager — the same as with
    nothing kept — not the field worker's."""
    programme = world.own.programme
    worker = _areas_table(login(world.user("fieldworker")), programme)
    manager = _areas_table(login(world.user("manager")), programme)
    assert manager != worker  # the world has an area of fewer than five households: shown to one only
    cache.clear()
    assert _areas_table(login(world.user("manager")), programme) == manager
    assert _areas_table(login(world.user("fieldworker")), programme) == worker


def test_an_areas_figures_count_that_areas_addresses_only_and_the_same_as_the_programmes_row(
    world, django_assert_max_num_queries
):
    """An area's page asks the summary of its own area (not every area of a region, 2–3 s at that
    size): the same counts as the area's row of the programme's summary, and that row is its total."""
    from stijging.registry.selectors import programme_summary

    from ..registry.factories import AddressFactory, AreaFactory

    programme, on = world.own.programme, timezone.localdate()
    second = AreaFactory(programme=programme, name="Tweede buurt", slug="tweede-buurt")
    for n in (1, 2, 3):
        address = AddressFactory(street=world.own.street, area=second, postcode="5999ZZ", huisnummer=n)
        if n < 3:
            ResidenceFactory(household=HouseholdFactory(), address=address, start_date=datetime.date(2020, 1, 1))
    whole = programme_summary(programme, on)
    rows = {row.area.pk: row for row in whole["areas"]}
    assert (rows[second.pk].addresses, rows[second.pk].households, rows[second.pk].empty_addresses) == (3, 2, 1)
    for area in (world.own.area, second):
        with django_assert_max_num_queries(2):
            own = programme_summary(programme, on, area.pk)
        assert [row.area.pk for row in own["areas"]] == [area.pk]
        assert own["areas"][0] == rows[area.pk]
        assert (own["total"].addresses, own["total"].households, own["total"].empty_addresses) == (
            rows[area.pk].addresses,
            rows[area.pk].households,
            rows[area.pk].empty_addresses,
        )
    # The kept figures of an area are keyed by the area: the other area's are not served for it.
    period = kpis.programme_period(programme)
    assert figures.part_key(programme, period, "summary", second.pk) != figures.part_key(programme, period, "summary")
    assert figures.programme_figures(programme, period, second.pk).summary["areas"] == [rows[second.pk]]
