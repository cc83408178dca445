"""The API client admin pages (issue 15) in a browser: every page passes axe, an admin makes a client
whose token is shown once on the page that answers the form, and revokes one through its confirmation
page."""

import pytest
from django.urls import reverse

from stijging.api.models import ApiClient
from tests.api.factories import api_client_of, http

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


def test_revoking_goes_through_a_confirmation_page_that_passes_axe(new_page, world, login_as, check_a11y):
    own, token = api_client_of(world, name="GGD-systeem")
    page = new_page()
    login_as(page, world.user("admin"))
    page.goto(reverse("beheer:api_apiclient_change", args=[own.pk]))
    page.get_by_role("link", name="De koppeling intrekken…").click()
    assert page.url.endswith(reverse("beheer:api_apiclient_revoke", args=[own.pk]))
    check_a11y(page)
    summary = page.locator("#revoke-summary").inner_text()
    assert "GGD-systeem" in summary and str(world.partner_organisation) in summary
    assert world.own.programme.name in summary
    assert "werkt meteen niet meer" in page.locator("#revoke-consequences").inner_text()
    # "No, go back" changes nothing.
    page.get_by_role("link", name="Nee, ga terug").click()
    assert page.url.endswith(reverse("beheer:api_apiclient_change", args=[own.pk]))
    assert ApiClient.objects.get(pk=own.pk).active
    page.get_by_role("link", name="De koppeling intrekken…").click()
    page.get_by_role("button", name="Ja, trek de koppeling in").click()
    assert page.url.endswith(reverse("beheer:api_apiclient_change", args=[own.pk]))
    assert "De koppeling is ingetrokken" in page.locator(".messagelist").inner_text()
    check_a11y(page)
    assert not ApiClient.objects.get(pk=own.pk).active
    assert http(token).get(reverse("api:inbox")).status_code == 401
