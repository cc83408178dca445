"""The API client admin pages (issue 15) in a browser: every page passes axe, and an admin makes a client
whose token is shown once on the page that answers the form."""

import pytest
from django.urls import reverse

from tests.api.factories import api_client_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_client_pages_are_accessible_and_show_a_new_token_once(new_page, world, login_as, check_a11y):
    own, _ = api_client_of(world, name="GGD-systeem")
    pending, _ = api_client_of(world, name="Wachtend systeem", approved=False)
    page = new_page()
    login_as(page, world.user("admin"))
    for path in [
        reverse("beheer:api_apiclient_changelist"),
        reverse("beheer:api_apiclient_add"),
        reverse("beheer:api_apiclient_change", args=[own.pk]),
        reverse("beheer:api_apiclient_change", args=[pending.pk]),
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        check_a11y(page)
    page.goto(reverse("beheer:api_apiclient_add"))
    page.get_by_label("naam").fill("Nieuw systeem")
    page.locator("select[name=organisation]").select_option(label=str(world.partner_organisation))
    page.locator("input[name=programmes]").first.check()
    page.locator("input[name=scopes][value=referrals]").check()
    page.locator("input[type=submit]").click()
    check_a11y(page)
    token = page.locator("#secret").inner_text()
    assert token.startswith("stj_")
    # Shown once: the client's own page does not show it again.
    page.goto(reverse("beheer:api_apiclient_changelist"))
    assert token not in page.content()
