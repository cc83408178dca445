"""Every write tried with valid data against an object of another programme (or, for a partner,
another organisation): a 404, an audited refusal, and nothing changed anywhere. The same data against
the user's own object go through, so the data are valid and only the scope stops them."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from stijging.privacy.models import AuditAction, AuditEvent

from .referrals.factories import referral_of, share_consent
from .test_access_table import _kwargs
from .trajectories.factories import case_manager_of, domain, trajectory_of

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)
TOMORROW = TODAY + datetime.timedelta(days=1)


def _fingerprint() -> dict:
    """Every row of every Stijging model but the audit log (which records the refusal), as values."""
    rows: dict = {}
    for model in apps.get_models():
        label = model._meta.label
        if not label.startswith(("registry.", "outreach.", "conversations.", "trajectories.", "referrals.")) and (
            label not in ("privacy.Consent", "privacy.AccessGrant", "cohesion.VolunteerHours")
        ):
            continue
        rows[label] = sorted((obj.pk, repr(model_to_dict(obj))) for obj in model.objects.all())
    return rows


# (url name, object kind, role, data for a site) — data valid for the user's own object.
CASES = [
    ("registry:household_edit", "household", "fieldworker", lambda s, w, u: {"name": "Nieuw", "version": "1"}),
    (
        "registry:household_move",
        "household",
        "case_manager",
        lambda s, w, u: {"version": "1", "moved_on": YESTERDAY.isoformat(), "left_area": "on"},
    ),
    (
        "registry:member_add",
        "household",
        "fieldworker",
        lambda s, w, u: {
            "relation": "child",
            "member_since": TODAY.isoformat(),
            "given_names": "Eva",
            "family_name": "Nieuw",
            "date_of_birth": "2012-05-05",
        },
    ),
    (
        "registry:person_edit",
        "person",
        "fieldworker",
        lambda s, w, u: {"given_names": "Anna", "family_name": "Anders", "date_of_birth": "1985-04-02", "version": "1"},
    ),
    (
        "registry:consent_create",
        "person",
        "fieldworker",
        lambda s, w, u: {"purpose": "receive_help", "given_by": "person", "given_on": TODAY.isoformat()},
    ),
    ("registry:consent_withdraw", "consent", "case_manager", lambda s, w, u: {"withdrawn_on": TODAY.isoformat()}),
    (
        "registry:household_create",
        "address",
        "fieldworker",
        lambda s, w, u: {"name": "Nieuw", "moved_in_on": TODAY.isoformat()},
    ),
    (
        "outreach:attempt_create",
        "household",
        "fieldworker",
        lambda s, w, u: {"date": TODAY.isoformat(), "channel": "doorbell", "outcome": "not_home"},
    ),
    (
        "outreach:appointment_create",
        "household",
        "fieldworker",
        lambda s, w, u: {
            "date": TOMORROW.isoformat(),
            "time": "10:00",
            "duration_minutes": "60",
            "worker": str(u.pk),
            "kind": "visit",
        },
    ),
    ("outreach:appointment_status", "appointment", "fieldworker", lambda s, w, u: {"version": "1", "status": "done"}),
    (
        "conversations:start",
        "household",
        "fieldworker",
        lambda s, w, u: {
            "held_on": TODAY.isoformat(),
            "workers": [str(u.pk)],
            "members_present": [str(s.adult.pk), str(s.child.pk)],
            "informed": "on",
        },
    ),
    (
        "trajectories:open",
        "person",
        "case_manager",
        lambda s, w, u: {"case_manager": str(u.pk), "follow_up_interval_days": "90"},
    ),
    (
        "trajectories:transition",
        "trajectory",
        "case_manager",
        lambda s, w, u: {"version": "1", "to_status": "closed", "outcome": "goal_reached"},
    ),
    (
        "trajectories:goal_add",
        "trajectory",
        "case_manager",
        lambda s, w, u: {"domain": str(domain().pk), "target": "Zelf de post openen", "target_score": "4"},
    ),
    ("trajectories:note_add", "trajectory", "case_manager", lambda s, w, u: {"text": "Gebeld"}),
    (
        "trajectories:action_add",
        "trajectory",
        "case_manager",
        lambda s, w, u: {"description": "Bellen", "owner": str(u.pk), "due_date": TOMORROW.isoformat()},
    ),
    (
        "referrals:send",
        "trajectory",
        "case_manager",
        lambda s, w, u: {
            "organisation": str(w.partner_organisation.pk),
            "domain": str(domain().pk),
            "question": "Graag contact",
            "consent": str(share_consent(w.own.adult, w.partner_organisation).pk),
        },
    ),
    (
        "referrals:withdraw",
        "referral",
        "case_manager",
        lambda s, w, u: {"version": "1", "code": "no_longer_needed"},
    ),
    ("referrals:respond", "referral", "partner", lambda s, w, u: {"version": "1", "to_status": "accepted"}),
    ("referrals:assign", "referral", "partner", lambda s, w, u: {"version": "1", "assigned_to": str(u.pk)}),
]


@pytest.mark.parametrize("name,kind,role,data", CASES, ids=[case[0] for case in CASES])
def test_a_valid_post_against_a_foreign_object_changes_nothing(world, client, name, kind, role, data):
    user = world.user(role)
    # The objects exist on both sides before anything is tried (the factories write, so they go first).
    for site in (world.own, world.foreign):
        if kind in ("trajectory", "referral"):
            trajectory_of(site, world)
        if kind == "referral":
            referral_of(site, world)
    case_manager_of(world.own, world)
    arg_names = ["household_id"] if name == "conversations:start" else ["pk"]
    own_url = reverse(name, kwargs=_kwargs(kind, world.own, world, arg_names))
    foreign_url = reverse(name, kwargs=_kwargs(kind, world.foreign, world, arg_names))
    payload = data(world.own, world, user)
    client.force_login(user)

    before = _fingerprint()
    last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.post(foreign_url, payload)
    assert response.status_code == 404, f"POST {foreign_url} as {role}: {response.status_code}"
    assert _fingerprint() == before, f"POST {foreign_url} as {role} changed data"
    refusals = AuditEvent.objects.filter(id__gt=last_event, action=AuditAction.DENIED, actor_id=user.pk)
    assert refusals.exists(), f"POST {foreign_url} as {role}: the refusal left no audit event"

    # The same data against the own object are valid: only the scope stopped them.
    response = client.post(own_url, payload)
    assert response.status_code == 302, f"POST {own_url} as {role}: {response.status_code}"
