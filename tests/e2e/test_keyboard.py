"""The project worker's round with the keyboard alone (WCAG 2.1.1 Keyboard, 2.4.1 Bypass Blocks,
2.4.3 Focus Order, 2.4.7 Focus Visible), under the app's real Content-Security-Policy.

No mouse and no `locator.click()`: only Tab, Space and Enter. Every element the Tab key lands on must
show a visible focus indicator.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from stijging.privacy.models import Consent
from tests.conftest import PASSWORD
from tests.e2e.conftest import lands_on, translated

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed rows; serialized_rollback gives each test the rows the
    # migrations seed (legal grounds), which the flush after a transactional test removes.
    pytest.mark.django_db(transaction=True),
]

MAX_TABS = 60  # more Tab presses than this to reach the next step is a usability failure in itself

FOCUSED = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return {
        tag: el.tagName.toLowerCase(),
        id: el.id,
        name: el.getAttribute('name'),
        type: el.getAttribute('type'),
        value: el.getAttribute('value'),
        href: el.getAttribute('href'),
        text: (el.innerText || '').trim(),
        classes: el.className,
        outlineStyle: style.outlineStyle,
        outlineWidth: parseFloat(style.outlineWidth),
        boxShadow: style.boxShadow,
    };
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def assert_focus_visible(element: dict) -> None:
    visible = (element["outlineStyle"] != "none" and element["outlineWidth"] > 0) or element["boxShadow"] != "none"
    assert visible, f"focus is not visible on {element['tag']} {element['id'] or element['name'] or element['text']!r}"


def tab_to(page, selector: str, what: str) -> dict:
    """Press Tab until the focused element matches `selector`; each element passed must show focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        element = focused(page)
        if element["tag"] == "body":
            continue  # focus left the document's end and wraps around
        assert_focus_visible(element)
        if page.evaluate("selector => document.activeElement.matches(selector)", selector):
            return element
    raise AssertionError(f"{what} ({selector}) was not reached with {MAX_TABS} Tab presses")


def tab_to_link(page, url: str, text: str | None = None) -> dict:
    element = tab_to(page, f'a[href="{url}"]', "the link")
    if text is not None:
        assert element["text"] == text
    return element


def follow_link(page, url: str, text: str | None = None) -> None:
    tab_to_link(page, url, text)
    with lands_on(page, url):
        page.keyboard.press("Enter")


def skip_to_main(page) -> None:
    """On a freshly loaded page the skip link is the first stop, visible, and takes focus to <main>."""
    # Focus styles come from the stylesheet: without it the browser's defaults would be judged.
    assert page.broken_resources == [], f"{page.url} did not get all of its resources: {page.broken_resources}"
    page.keyboard.press("Tab")
    element = focused(page)
    assert (element["tag"], element["href"]) == ("a", "#main"), f"first focusable element is {element}"
    assert "skip-link" in element["classes"]
    assert_focus_visible(element)
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the focused skip link is off screen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_fieldworker_walks_to_a_person_and_records_a_consent_by_keyboard(new_page, world, screenshot):
    page = new_page(bypass_csp=False)  # the real policy: what the keyboard needs must work under it
    site = world.own
    fieldworker = world.user("fieldworker")
    adult = site.adult

    # Log in: Tab to the fields, type, Enter submits.
    page.goto(reverse("account_login"))
    skip_to_main(page)
    tab_to(page, 'input[name="login"]', "the e-mail field")
    page.keyboard.type(fieldworker.email)
    tab_to(page, 'input[name="password"]', "the password field")
    page.keyboard.type(PASSWORD)
    screenshot(page, "01-login-typed")
    with lands_on(page, reverse("monitoring:programme", args=[site.programme.slug])):
        page.keyboard.press("Enter")

    skip_to_main(page)
    follow_link(page, reverse("outreach:area", args=[site.programme.slug, site.area.pk]), site.area.name)

    skip_to_main(page)
    follow_link(
        page, reverse("outreach:street", args=[site.programme.slug, site.area.pk, site.street.pk]), site.street.name
    )

    skip_to_main(page)
    follow_link(page, reverse("registry:household", args=[site.household.pk]), site.household.name)

    skip_to_main(page)
    person_url = reverse("registry:person", args=[adult.pk])
    follow_link(page, person_url, adult.full_name)

    # Open "Record a consent" with Enter, choose with Space, submit with Enter.
    skip_to_main(page)
    tab_to(page, "#record-consent > summary", "the 'Record a consent' disclosure")
    page.keyboard.press("Enter")
    assert page.locator("#record-consent").get_attribute("open") is not None
    tab_to(page, 'input[name="purpose"]', "the purpose radio buttons")
    # Arrow keys move within a radio group; the group's first button is receive help.
    page.keyboard.press("Space")
    assert focused(page)["value"] == "receive_help"
    tab_to(page, 'input[name="given_by"]', "the 'given by' radio buttons")
    page.keyboard.press("Space")
    assert focused(page)["value"] == "person"
    screenshot(page, "02-consent-form-by-keyboard")
    tab_to(page, '#record-consent button[type="submit"]', "the 'Record consent' button")
    with lands_on(page, person_url):
        page.keyboard.press("Enter")

    today = timezone.localdate()
    consent = Consent.objects.get(person=adult, given_on=today)
    assert (consent.purpose, consent.given_by) == ("receive_help", "person")

    # Withdraw it: Tab to its Withdraw link, Enter, Tab to the button, Enter.
    skip_to_main(page)
    withdraw_url = reverse("registry:consent_withdraw", args=[consent.pk])
    follow_link(page, withdraw_url)
    skip_to_main(page)
    tab_to(page, 'main form button[type="submit"]', "the withdraw button")
    with lands_on(page, person_url):
        page.keyboard.press("Enter")
    consent.refresh_from_db()
    assert consent.withdrawn_on == today
    badge = page.locator("tbody tr", has=page.get_by_text(today.strftime("%-d-%-m-%Y"), exact=True)).locator(".badge")
    assert badge.first.inner_text() == translated("withdrawn on %(date)s", date=today.strftime("%-d-%-m-%Y"))
    screenshot(page, "03-withdrawn-by-keyboard")

    assert page.csp_violations == [], "the Content-Security-Policy refused something: " + "; ".join(page.csp_violations)
