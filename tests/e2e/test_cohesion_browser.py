"""The neighbourhood coordinator's screens in a real browser on a tablet (768×1024), with axe-core on
every new page (the neighbourhood-track issue, "Done when").

The coordinator logs in through the real login page, registers a child (with a parent's consent),
records an activity on a street and adds the child to it, adds a wave of the cohesion survey and
records five respondents at the door through the form, then opens "Cohesion per street" and sees the
street's index: the number worked out by hand below, not one read back from the code.

Then axe-core runs on every page of the track, as the coordinator and (for the aggregates and the
housing signals) as the programme manager, one test per page so that a failure names its page.

Elements are found by name, value and link target, not by their text, so the walk keeps working once
the Dutch catalogue fills in; the browser is Dutch (nl-NL), as the coordinator's is.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from stijging.cohesion import services as cohesion_services
from stijging.cohesion.models import Activity, ActivityKind, Participant, Wave, WaveResponse
from stijging.instruments.models import CohesionStatement
from tests.e2e.conftest import PAGE_LANGUAGE, fits_the_tablet, follow, lands_on, translated
from tests.monitoring.cohesion_fixtures import conversation as held_conversation
from tests.monitoring.cohesion_fixtures import housing
from tests.registry.factories import AddressFactory, HouseholdFactory, ResidenceFactory, StreetFactory

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed rows; tests/conftest.py puts back the seeded reference data.
    pytest.mark.django_db(transaction=True),
]

INDEX_SCREENSHOT = Path("/tmp/cohesion-index.png")
HOUSING_SCREENSHOT = Path("/tmp/housing.png")

# The answers every respondent gives at the door: 4 ("agree") on the five ordinary statements and 2
# ("disagree") on the reverse-coded one ("people here hardly know each other"). Flipped, 6 − 2 = 4,
# so each respondent's mean is (4+4+4+4+4+4)/6 = 4 and their index (4 − 1) × 2.5 = 7.5; the street's
# index is the mean over its five respondents: 7.5.
ORDINARY_ANSWER = "4"
REVERSE_CODED_ANSWER = "2"
RESPONDENTS = 5  # the fewest a street may have to show its index


# --- Helpers --------------------------------------------------------------------------------------


def shown_number(value: Decimal) -> str:
    """A number as the (Dutch) page shows it: 7,5."""
    with translation.override(PAGE_LANGUAGE):
        return formats.localize(value)


def submit(form) -> None:
    form.locator('button[type="submit"]').last.click()


# --- The neighbourhood: enough households for its area to be shown --------------------------------


@dataclass
class Neighbourhood:
    site: object
    second_street: object  # a street of the same area where fewer than 5 answered at the door


def make_neighbourhood(site, *, housing_answers: bool = False) -> Neighbourhood:
    """Give the site's area 22 households (an area is offered in the aggregates from 20): 12 more in
    the site's street and 9 in a second street, 6 of whom moved in this year (turnover). With
    `housing_answers`, 6 households of the street in complex C-101 answered the housing section."""
    this_year = timezone.localdate().year
    second = StreetFactory(name="Ownlaan")
    by = None
    if housing_answers:
        from tests.monitoring.cohesion_fixtures import worker

        by = worker()
    for number in range(1, 13):
        address = AddressFactory(
            street=site.street,
            area=site.area,
            postcode="5911AC",
            huisnummer=number,
            complex_number="C-101" if number <= 6 else "",
        )
        household = HouseholdFactory(name=f"Straat {number}")
        ResidenceFactory(household=household, address=address, start_date=datetime.date(2012, 1, 1))
        if housing_answers and number <= 6:
            housing(
                held_conversation(household, datetime.date(this_year, 2, number), by=by),
                satisfaction=4 if number <= 4 else 2,
                defects=("vocht",) if number <= 5 else (),
                move_wish="stay" if number <= 5 else "move",
                fits_household="fits",
                fits_ageing="yes",
            )
    for number in range(1, 10):
        address = AddressFactory(street=second, area=site.area, postcode="5911AD", huisnummer=number)
        household = HouseholdFactory(name=f"Laan {number}")
        start = datetime.date(this_year, 3, number) if number <= 6 else datetime.date(2014, 1, 1)
        ResidenceFactory(household=household, address=address, start_date=start)
    return Neighbourhood(site=site, second_street=second)


def door_answers(values: dict[bool, int]) -> dict[int, int]:
    """The same answer on every statement: values[True] on the reverse-coded one, values[False] on the others."""
    return {
        s.pk: values[s.reverse_coded] for s in CohesionStatement.objects.filter(version__number=1).order_by("order")
    }


# --- 1. The coordinator's walk ("Done when") ------------------------------------------------------


def test_a_coordinator_records_an_activity_with_a_participant_and_a_wave_and_sees_the_street_index(
    page, world, login_as, screenshot
):
    site = world.own
    coordinator = world.user("coordinator")
    slug = site.programme.slug
    neighbourhood = make_neighbourhood(site)
    today = timezone.localdate()

    login_as(page, coordinator)

    # --- A participant: a child, with her mother's consent -----------------------------------------
    page.goto(reverse("cohesion:participants", args=[slug]))
    follow(page, reverse("cohesion:participant_create", args=[slug]))
    form = page.locator("main form.form")
    form.locator('input[name="name"]').fill("Lotte Veldman")
    form.locator('input[name="phone"]').fill("06-11223344")
    form.locator('select[name="street"]').select_option(str(site.street.pk))
    form.locator('input[name="is_child"]').check()
    assert form.locator('input[name="consent_given_on"]').input_value() == today.isoformat()
    form.locator('input[name="consent_given_by"][value="parent"]').check()
    form.locator('input[name="parent_name"]').fill("Sanne Veldman")
    with page.expect_navigation():
        submit(form)
    lotte = Participant.objects.get(programme=site.programme, name="Lotte Veldman")
    assert urlsplit(page.url).path == reverse("cohesion:participant", args=[lotte.pk])
    assert (lotte.is_child, lotte.consent_given_by, lotte.parent_name) == (True, "parent", "Sanne Veldman")
    assert lotte.street == site.street
    assert page.get_by_role("status").count() == 1
    screenshot(page, "01-participant")

    # --- A single activity on the street -------------------------------------------------------------
    page.goto(reverse("cohesion:activities", args=[slug]))
    follow(page, reverse("cohesion:activity_create", args=[slug]))
    alley_cleanup = ActivityKind.objects.get(code="alley_cleanup")
    form = page.locator("main form.form")
    form.locator('select[name="kind"]').select_option(str(alley_cleanup.pk))
    form.locator('input[name="title"]').fill("Achterpaden Ownstraat")
    assert form.locator('input[name="date"]').input_value() == today.isoformat()
    form.locator(f'input[name="streets"][value="{site.street.pk}"]').check()
    form.locator('input[name="organiser"]').fill("Bewonerscommissie")
    form.locator('input[name="participant_count"]').fill("9")
    with page.expect_navigation():
        submit(form)
    activity = Activity.objects.get(programme=site.programme)
    activity_url = reverse("cohesion:activity", args=[activity.pk])
    assert urlsplit(page.url).path == activity_url
    assert (activity.kind, activity.title, activity.date) == (alley_cleanup, "Achterpaden Ownstraat", today)
    assert list(activity.streets.all()) == [site.street]
    assert (activity.organiser, activity.participant_count) == ("Bewonerscommissie", 9)

    # --- Lotte took part ------------------------------------------------------------------------------
    # She lives on the activity's street, so she is on the list to tick: one tick, one submit.
    attendance_url = reverse("cohesion:attendance", args=[activity.pk])
    tick_form = page.locator(f'form[action="{attendance_url}"]')
    tick_form.locator(f'input[name="present"][value="{lotte.pk}"]').check()
    with lands_on(page, activity_url):
        submit(tick_form)
    assert list(activity.participants.all()) == [lotte]
    # She stays on the list, ticked: not offered to be added twice.
    assert page.locator(f'input[name="present"][value="{lotte.pk}"]').is_checked()
    assert page.locator(f'input[name="present"][value="{lotte.pk}"]').count() == 1
    screenshot(page, "02-activity-with-participant")

    # The list of activities counts the activity and its participant by name.
    page.goto(reverse("cohesion:activities", args=[slug]))
    row = page.locator("section[aria-labelledby='list-heading'] tbody tr").filter(
        has=page.locator(f'a[href="{activity_url}"]')
    )
    assert row.locator("td.num").all_inner_texts() == ["9", "1"]

    # --- A wave, and five respondents at the door in the site's street ---------------------------------
    waves_url = reverse("cohesion:waves", args=[slug])
    page.goto(waves_url)
    page.locator("main details > summary").click()
    form = page.locator("main details form")
    form.locator('input[name="name"]').fill("Meting najaar")
    form.locator('input[name="starts_on"]').fill((today - datetime.timedelta(days=14)).isoformat())
    form.locator('input[name="ends_on"]').fill((today + datetime.timedelta(days=30)).isoformat())
    with page.expect_navigation():
        submit(form)
    wave = Wave.objects.get(programme=site.programme)
    wave_url = reverse("cohesion:wave", args=[wave.pk])
    assert urlsplit(page.url).path == wave_url
    screenshot(page, "03-wave")

    statements = list(CohesionStatement.objects.filter(version__number=1).order_by("order"))
    assert len(statements) == 6 and sum(s.reverse_coded for s in statements) == 1
    for respondent in range(RESPONDENTS):
        form = page.locator("main section[aria-labelledby='respondent-heading'] form")
        if respondent == 0:
            form.locator('select[name="area"]').select_option(str(site.area.pk))
            form.locator('select[name="street"]').select_option(str(site.street.pk))
        else:  # after a respondent the form keeps the area and street: the next door is in the same street
            assert form.locator('select[name="area"]').input_value() == str(site.area.pk)
            assert form.locator('select[name="street"]').input_value() == str(site.street.pk)
        assert form.locator('input[name="answered_on"]').input_value() == today.isoformat()
        form.locator('input[name="aged_15_or_older"]').check()
        for statement in statements:
            value = REVERSE_CODED_ANSWER if statement.reverse_coded else ORDINARY_ANSWER
            form.locator(f'input[name="statement_{statement.pk}"][value="{value}"]').check()
        with lands_on(page, wave_url):
            submit(form)
        assert page.get_by_role("status").count() == 1
    responses = WaveResponse.objects.filter(wave=wave, area=site.area, street=site.street)
    assert responses.count() == RESPONDENTS
    for response in responses:
        assert {(a.statement.reverse_coded, a.value) for a in response.answers.select_related("statement")} == {
            (True, 2),
            (False, 4),
        }
    door_row = page.locator("section[aria-labelledby='door-heading'] tbody tr").filter(
        has=page.locator("th", has_text=site.street.name)
    )
    assert door_row.locator("td.num").inner_text() == str(RESPONDENTS)

    # Two more respondents in the second street, recorded earlier through the service: too few to show.
    for _ in range(2):
        cohesion_services.wave_response_record(
            acting_user=coordinator,
            wave=wave,
            area=site.area,
            street=neighbourhood.second_street,
            answered_on=today,
            answers=door_answers({True: 1, False: 5}),
        )

    # --- The street index ----------------------------------------------------------------------------
    index_url = reverse("monitoring:cohesion", args=[slug])
    follow(page, index_url)
    page.goto(f"{index_url}?area={site.area.pk}")
    table = page.locator("main table").filter(has=page.locator("caption#index-caption"))  # not the activities
    assert table.locator("thead th").nth(1).inner_text().startswith("Meting najaar")
    street_row = table.locator("tbody tr").filter(has=page.locator("th", has_text=site.street.name))
    assert street_row.count() == 1
    cell = street_row.locator("td").first
    # The second street had 2 respondents: "< 5"; the other streets together stay under 5 too, so no
    # such line is shown. The area's figure and this street's would give those two away together: the
    # disclosure layer hides a part before its total (readers steer on the area), so this street's
    # index is hidden and the area's own (both streets' 7 respondents) is shown.
    assert cell.inner_text() == translated("hidden")
    second_row = table.locator("tbody tr").filter(has=page.locator("th", has_text=neighbourhood.second_street.name))
    assert second_row.locator("td").first.inner_text() == "< 5"
    assert table.locator("tbody tr.table__rest").count() == 0
    total = table.locator("tbody tr.table__total td").first
    assert total.locator("small").inner_text() == f"({RESPONDENTS + 2})"
    fits_the_tablet(page)
    page.screenshot(path=str(INDEX_SCREENSHOT), full_page=True)
    screenshot(page, "04-street-index")


# --- 2. axe-core on every page of the track ------------------------------------------------------


@dataclass
class Seeded:
    neighbourhood: Neighbourhood
    activity: Activity
    series_activity: Activity
    participant: Participant
    adult: Participant
    wave: Wave

    @property
    def slug(self) -> str:
        return self.neighbourhood.site.programme.slug

    @property
    def area_query(self) -> str:
        return f"?area={self.neighbourhood.site.area.pk}"


def seed(world) -> Seeded:
    """The track as a coordinator leaves it after some weeks, made through the services."""
    site = world.own
    coordinator = world.user("coordinator")
    neighbourhood = make_neighbourhood(site, housing_answers=True)
    today = timezone.localdate()
    programme = site.programme
    kinds = {k.code: k for k in ActivityKind.objects.all()}
    child = cohesion_services.participant_register(
        acting_user=coordinator,
        programme=programme,
        name="Lotte Veldman",
        consent_given_on=today - datetime.timedelta(days=30),
        consent_given_by="parent",
        parent_name="Sanne Veldman",
        is_child=True,
        street=site.street,
    )
    adult = cohesion_services.participant_register(
        acting_user=coordinator,
        programme=programme,
        name="Karim Bouzid",
        email="karim@example.test",
        consent_given_on=today - datetime.timedelta(days=60),
        consent_given_by="self",
        street=neighbourhood.second_street,
        volunteer=True,
    )
    activity = cohesion_services.activity_record(
        acting_user=coordinator,
        programme=programme,
        kind=kinds["alley_cleanup"],
        title="Achterpaden Ownstraat",
        date=today - datetime.timedelta(days=3),
        streets=[site.street, neighbourhood.second_street],
        organiser="Bewonerscommissie",
        participant_count=9,
    )
    for participant in (child, adult):
        cohesion_services.attendance_add(acting_user=coordinator, activity=activity, participant=participant)
    cohesion_services.hours_record(
        acting_user=coordinator,
        participant=adult,
        date=activity.date,
        hours=Decimal("2.5"),
        activity=activity,
        what="Koffie en afvalzakken",
    )
    series = cohesion_services.series_create(
        acting_user=coordinator,
        programme=programme,
        kind=kinds["children_cleaning_group"],
        title="Kinderschoonmaakploeg",
        first_date=today - datetime.timedelta(weeks=4),
        last_date=today + datetime.timedelta(weeks=4),
        every_weeks=1,
        streets=[site.street],
        organiser="Buurtcoördinator",
        participant_count=6,
    )
    wave = cohesion_services.wave_create(
        acting_user=coordinator,
        programme=programme,
        name="Meting najaar",
        starts_on=today - datetime.timedelta(days=14),
        ends_on=today + datetime.timedelta(days=30),
    )
    for street, count in ((site.street, 5), (neighbourhood.second_street, 2)):
        for _ in range(count):
            cohesion_services.wave_response_record(
                acting_user=coordinator,
                wave=wave,
                area=site.area,
                street=street,
                answered_on=today,
                answers=door_answers({True: 2, False: 4}),
            )
    return Seeded(
        neighbourhood=neighbourhood,
        activity=activity,
        series_activity=series.activities.order_by("date").first(),
        participant=child,
        adult=adult,
        wave=wave,
    )


def _submit_empty(page) -> None:
    """Send the page's main form without filling it in: the page comes back with its errors."""
    form = page.locator("main form.form").last
    with page.expect_navigation():
        submit(form)
    assert page.get_by_role("alert").count() == 1, f"{page.url}: no error summary"


def _open_details(page) -> None:
    for summary in page.locator("main details:not([open]) > summary").all():
        summary.click()


@dataclass(frozen=True)
class PageCase:
    role: str
    url: Callable[[Seeded], str]
    then: Callable | None = None  # what to do on the page before axe runs
    prepare: Callable | None = None  # more data for this page: prepare(seeded, world)


def _earlier_waves(seeded: Seeded, world) -> None:
    """Seven more waves of a week each before the seeded one: eight columns, wider than the tablet."""
    first = seeded.wave.starts_on - datetime.timedelta(weeks=15)
    for number in range(7):
        starts_on = first + datetime.timedelta(weeks=2 * number)
        cohesion_services.wave_create(
            acting_user=world.user("coordinator"),
            programme=seeded.neighbourhood.site.programme,
            name=f"Meting {number + 1}",
            starts_on=starts_on,
            ends_on=starts_on + datetime.timedelta(days=6),
        )


COORDINATOR_PAGES = {
    "activities": PageCase("coordinator", lambda s: reverse("cohesion:activities", args=[s.slug])),
    "activity-create": PageCase("coordinator", lambda s: reverse("cohesion:activity_create", args=[s.slug])),
    "activity-create-with-errors": PageCase(
        "coordinator", lambda s: reverse("cohesion:activity_create", args=[s.slug]), _submit_empty
    ),
    "activity": PageCase("coordinator", lambda s: reverse("cohesion:activity", args=[s.activity.pk])),
    "activity-of-a-series": PageCase(
        "coordinator", lambda s: reverse("cohesion:activity", args=[s.series_activity.pk])
    ),
    "series-create": PageCase("coordinator", lambda s: reverse("cohesion:series_create", args=[s.slug])),
    "participants": PageCase("coordinator", lambda s: reverse("cohesion:participants", args=[s.slug])),
    "participant-create": PageCase("coordinator", lambda s: reverse("cohesion:participant_create", args=[s.slug])),
    "participant-create-with-errors": PageCase(
        "coordinator", lambda s: reverse("cohesion:participant_create", args=[s.slug]), _submit_empty
    ),
    "participant": PageCase(
        "coordinator", lambda s: reverse("cohesion:participant", args=[s.participant.pk]), _open_details
    ),
    "volunteer": PageCase("coordinator", lambda s: reverse("cohesion:participant", args=[s.adult.pk]), _open_details),
    "participant-link": PageCase(
        "coordinator", lambda s: reverse("cohesion:participant_link", args=[s.participant.pk])
    ),
    "waves": PageCase("coordinator", lambda s: reverse("cohesion:waves", args=[s.slug]), _open_details),
    "wave": PageCase("coordinator", lambda s: reverse("cohesion:wave", args=[s.wave.pk])),
    "wave-with-errors": PageCase("coordinator", lambda s: reverse("cohesion:wave", args=[s.wave.pk]), _submit_empty),
    "cohesion-index": PageCase("coordinator", lambda s: reverse("monitoring:cohesion", args=[s.slug]) + s.area_query),
    "cohesion-index-eight-waves": PageCase(
        "coordinator",
        lambda s: reverse("monitoring:cohesion", args=[s.slug]) + s.area_query,
        prepare=_earlier_waves,
    ),
    "turnover": PageCase("coordinator", lambda s: reverse("monitoring:turnover", args=[s.slug]) + s.area_query),
}
MANAGER_PAGES = {
    "housing-signals": PageCase("manager", lambda s: reverse("monitoring:housing", args=[s.slug]) + s.area_query),
    "cohesion-index": PageCase("manager", lambda s: reverse("monitoring:cohesion", args=[s.slug]) + s.area_query),
    "turnover": PageCase("manager", lambda s: reverse("monitoring:turnover", args=[s.slug]) + s.area_query),
}
CASES = {f"coordinator-{k}": v for k, v in COORDINATOR_PAGES.items()} | {
    f"manager-{k}": v for k, v in MANAGER_PAGES.items()
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_page_of_the_neighbourhood_track_passes_axe(case, page, world, login_as, check_a11y, screenshot):
    page_case = CASES[case]
    seeded = seed(world)
    if page_case.prepare is not None:
        page_case.prepare(seeded, world)
    login_as(page, world.user(page_case.role))
    url = page_case.url(seeded)
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    if page_case.then is not None:
        page_case.then(page)
    screenshot(page, case)
    check_a11y(page)


def test_the_manager_sees_the_housing_signals_and_downloads_them(new_page, world, login_as, screenshot):
    seeded = seed(world)
    page = new_page()
    site = seeded.neighbourhood.site
    login_as(page, world.user("manager"))
    housing_url = reverse("monitoring:housing", args=[seeded.slug])
    page.goto(reverse("monitoring:cohesion", args=[seeded.slug]))
    follow(page, housing_url)  # the manager's neighbourhood menu leads to the housing signals
    assert page.locator(f'select[name="area"] option[value="{site.area.pk}"]').count() == 1
    # Six households of complex C-101 answered: four satisfied (4), two not (2) → a mean of 20/6 ≈ 3.3.
    means = page.locator("main table").first
    complex_row = means.locator("tbody tr").filter(has=page.locator("th", has_text="C-101"))
    assert complex_row.locator("td").inner_text() == shown_number(Decimal("3.3"))
    # Per street as well (issue 14 item 5): the same households, protected together with the complexes.
    assert page.locator("main h2", has_text=re.compile(r"Per (straat|street)")).count() == 1
    assert page.locator("main table caption", has_text=re.compile(r"per (straat|street)")).count() == 3
    fits_the_tablet(page)
    page.screenshot(path=str(HOUSING_SCREENSHOT), full_page=True)
    screenshot(page, "housing")

    download = page.request.get(reverse("monitoring:housing_xlsx", args=[seeded.slug]))
    assert download.status == 200
    assert download.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert download.body()[:2] == b"PK"  # an XLSX is a zip file

    # The coordinator sees no housing signals: neither in the menu nor by address.
    coordinator_page = new_page()
    login_as(coordinator_page, world.user("coordinator"))
    coordinator_page.goto(reverse("monitoring:cohesion", args=[seeded.slug]))
    assert coordinator_page.locator(f'a[href="{housing_url}"]').count() == 0
    response = coordinator_page.goto(housing_url)
    assert response is not None and response.status == 404
