"""No page or download with personal data stays in a shared tablet's browser cache (issue 12, item 4):
every URL of the access table, fetched by a role the table allows, answers `Cache-Control: no-store`."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stijging import access_table

from ..test_access_table import NAMED, QUERY_STRINGS, _targets


@pytest.mark.parametrize("name,route,arg_names", NAMED, ids=[name for name, _r, _a in NAMED])
def test_every_page_of_the_access_table_is_never_stored_by_the_browser(name, route, arg_names, world, client):
    row = access_table.row_for(name)
    assert row is not None
    allowed = [who for who in access_table.ROLES if row.rule_for(who) in ("yes", "own")]
    if allowed:
        client.force_login(world.user(allowed[0]))
    for _label, kwargs in list(_targets(row, world, arg_names))[:1]:
        response = client.get(reverse(name, kwargs=kwargs) + QUERY_STRINGS.get(name, ""))
        assert "no-store" in response.get("Cache-Control", ""), f"{name}: {response.get('Cache-Control')}"


def test_a_pdf_download_is_never_stored_either(world, client):
    client.force_login(world.user("fieldworker"))
    site = world.own
    url = reverse("outreach:walking_list_pdf", args=[site.programme.slug, site.area.pk, site.street.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
