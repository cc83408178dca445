"""The participant search never stores the typed name in the (sealed, unerasable) audit log (issue 12,
item 2): a keyed hash stands in for it."""

from __future__ import annotations

from django.urls import reverse

from stijging.privacy import audit
from stijging.privacy.models import AuditEvent

from .factories import participant_of


def test_the_participant_search_logs_a_hash_of_the_typed_name_never_the_name(world, login):
    participant_of(world.own)
    client = login(world.user("coordinator"))
    response = client.get(reverse("cohesion:participants", args=[world.own.programme.slug]), {"q": "Noor Ownberg"})
    assert response.status_code == 200
    event = AuditEvent.objects.filter(object_type="cohesion.participant").latest("pk")
    assert "Noor" not in str(event.detail) and "Ownberg" not in str(event.detail) and "Noor" not in event.path
    # The privacy officer can still match a known search: same text, same hash (case and spaces aside).
    assert event.detail["q_hash"] == audit.search_hash("  noor   OWNBERG ")
    assert event.detail["q_hash"] != audit.search_hash("Noor Ownberger")
