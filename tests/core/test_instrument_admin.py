"""The functional administrator publishes a new instrument version; answers keep their version."""

import pytest
from django.core.exceptions import ValidationError

from stijging.instruments import services as instruments
from stijging.instruments.models import CohesionStatement, Domain, InstrumentVersion
from stijging.instruments.services import current_instrument
from stijging.privacy.models import AuditEvent


def test_version_one_is_seeded_with_the_seeds_ten_domains_and_the_cbs_statements(db):
    version = current_instrument()
    assert version.number == 1
    codes = list(Domain.objects.filter(version=version).values_list("code", flat=True))
    assert codes == [
        "wonen",
        "leren",
        "opgroeien",
        "werken",
        "integratie",
        "veiligheid",
        "opleiding",
        "gezondheid",
        "voorzieningen",
        "financien",
    ]
    statements = CohesionStatement.objects.filter(version=version)
    assert statements.count() == 6 and statements.filter(reverse_coded=True).count() == 1
    assert [r.number for r in version.rungs.all()] == [1, 2, 3, 4, 5, 6]


def test_a_draft_copy_is_edited_and_published_and_becomes_current(world):
    admin = world.user("admin")
    v1 = current_instrument()
    draft = instruments.instrument_draft_from(acting_user=admin, source=v1)
    assert draft.number == 2 and draft.published_at is None
    assert current_instrument() == v1  # a draft is not used yet
    Domain.objects.filter(version=draft, code="werken").update(max_age=67)
    instruments.instrument_publish(acting_user=admin, draft=draft)
    assert current_instrument() == draft
    # Version 1 is unchanged: answers given in it keep their meaning.
    assert Domain.objects.get(version=v1, code="werken").max_age == 66
    assert AuditEvent.objects.filter(object_type="instruments.instrumentversion").count() == 2
    with pytest.raises(ValidationError):
        instruments.instrument_publish(acting_user=admin, draft=draft)


def test_an_incomplete_draft_cannot_be_published(world):
    draft = instruments.instrument_draft_from(acting_user=world.user("admin"), source=current_instrument())
    CohesionStatement.objects.filter(version=draft, reverse_coded=True).update(reverse_coded=False)
    with pytest.raises(ValidationError):
        instruments.instrument_publish(acting_user=world.user("admin"), draft=draft)


def test_the_admin_screens_copy_and_publish_and_keep_published_versions_read_only(world, client):
    client.force_login(world.user("admin"))
    v1 = InstrumentVersion.objects.get(number=1)
    response = client.post(
        "/beheer/instruments/instrumentversion/", {"action": "copy_as_draft", "_selected_action": [v1.pk]}
    )
    assert response.status_code == 302
    draft = InstrumentVersion.objects.get(number=2)
    page = client.get(f"/beheer/instruments/instrumentversion/{v1.pk}/change/").content.decode()
    assert 'name="domains-0-name_nl"' not in page  # published: read-only
    page = client.get(f"/beheer/instruments/instrumentversion/{draft.pk}/change/").content.decode()
    assert 'name="domains-0-name_nl"' in page  # draft: editable
    client.post("/beheer/instruments/instrumentversion/", {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.published_at is not None
