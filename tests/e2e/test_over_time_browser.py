"""The charts over time (issue 14 item 3) in a real browser: server-drawn SVG with a name and a
description, each table behind a disclosure, all of it through axe-core — with the tables open."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ..referrals.factories import send_referral

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed rows: a transactional database (see tests/e2e/conftest.py).
    pytest.mark.django_db(transaction=True),
]


def test_the_manager_reads_the_charts_and_their_tables(new_page, world, login_as, check_a11y, screenshot):
    site = world.own
    send_referral(site, world)  # a conversation, a trajectory and a referral: points to draw
    page = new_page()
    login_as(page, world.user("manager"))
    url = reverse("monitoring:programme", args=[site.programme.slug]) + "?period=custom&from=2020-01-01&to=2030-01-01"
    response = page.goto(url)
    assert response is not None and response.status == 200
    charts = page.locator("svg.chart__svg[role='img']")
    assert charts.count() >= 5
    for i in range(charts.count()):
        labelled = charts.nth(i).get_attribute("aria-labelledby") or ""
        title_id, desc_id = labelled.split()
        assert page.locator(f"#{title_id}").text_content()
        assert page.locator(f"#{desc_id}").text_content()
    # The tables behind the disclosures: opened, so that axe-core checks them too.
    summaries = page.locator("details.chart__details > summary")
    for i in range(summaries.count()):
        summaries.nth(i).click()
    assert page.locator("details.chart__details[open] table caption").count() == summaries.count()
    check_a11y(page)
    screenshot(page, "programme-home-over-time")
    page.context.close()
