"""The administrator imports a complete extract in the browser: the preview states how many
addresses would be retired and changes nothing; the confirmation imports. Both pages pass axe, in
Dutch."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stijging.registry.models import Address

from ..registry.test_imports import NLEXTRACT, csv_bytes, row
from .conftest import TABLET, fits_the_tablet

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed rows: a transactional database (see tests/e2e/conftest.py).
    pytest.mark.django_db(transaction=True),
]


def test_the_admin_previews_a_complete_extract_then_confirms_it(new_page, world, login_as, check_a11y, screenshot):
    site = world.own
    page = new_page()
    login_as(page, world.user("admin"))
    page.goto(reverse("registry:area_import", args=[site.programme.slug, site.area.pk]))
    # The file has the inhabited address and a new one; the area's empty address is missing from it.
    data = csv_bytes(NLEXTRACT, row(street=site.street.name, nr="1", postcode="5911AB"), row(nr="7", postcode="5911AC"))
    upload = page.locator('form[enctype="multipart/form-data"]')
    upload.locator('input[name="file"]').set_input_files(
        files=[{"name": "bagadres.csv", "mimeType": "text/csv", "buffer": data}]
    )
    upload.locator('input[name="complete"]').check()
    with page.expect_navigation():
        upload.locator('button[type="submit"]').click()
    report = page.locator("section.report")
    assert "Controle: wat een import zou doen" in report.inner_text()
    assert "1 adres van deze buurt staat niet in het bestand" in report.inner_text()
    check_a11y(page)
    # The column list is one long word: it breaks instead of widening the page past a tablet.
    page.set_viewport_size(TABLET)
    fits_the_tablet(page)
    screenshot(page, "preview")
    site.empty_address.refresh_from_db()
    assert site.empty_address.retired_on is None and not Address.objects.filter(postcode="5911AC").exists()

    with page.expect_navigation():
        report.locator('form button[type="submit"]').click()
    assert "Geïmporteerd" in page.locator("section.report h2").inner_text()
    check_a11y(page)
    screenshot(page, "imported")
    site.empty_address.refresh_from_db()
    assert site.empty_address.retired_on is not None
    assert Address.objects.filter(postcode="5911AC", area=site.area).exists()
    assert page.broken_resources == []
