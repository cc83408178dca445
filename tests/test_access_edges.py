"""The access model at its edges, tried as an attacker would (issue 11): households that move between
programmes, users with mixed roles, consent that ends, referrals that close, and valid POSTs against
objects that are not the user's. Each test names the door it tries."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from stijging.accounts.models import Role
from stijging.conversations.models import Conversation, Interview
from stijging.outreach.models import ContactAttempt
from stijging.privacy import services as privacy_services
from stijging.privacy.models import AccessGrant, Consent, LegalGround
from stijging.referrals import services as referral_services
from stijging.referrals.models import Referral
from stijging.registry.models import Household, HouseholdResidence, Person
from stijging.trajectories import services as trajectory_services
from stijging.trajectories.models import Trajectory

from .accounts.factories import MembershipFactory, UserFactory
from .conversations.factories import conversation_of, held_conversation
from .referrals.factories import referral_of, send_referral, share_consent
from .trajectories.factories import domain, fieldworker_of, open_trajectory, trajectory_of

TODAY = timezone.localdate()


def move_own_household_to_foreign(world, on: datetime.date | None = None) -> None:
    """The own site's household moves into the foreign programme's area (as the people import or a
    worker of both programmes records it)."""
    on = on or TODAY - datetime.timedelta(days=1)
    HouseholdResidence.objects.filter(household=world.own.household, end_date__isnull=True).update(end_date=on)
    HouseholdResidence.objects.create(household=world.own.household, address=world.foreign.empty_address, start_date=on)


def leave_without_new_address(world) -> None:
    HouseholdResidence.objects.filter(household=world.own.household, end_date__isnull=True).update(
        end_date=TODAY - datetime.timedelta(days=2)
    )


# --- A household that moved between programmes --------------------------------------------------


@pytest.fixture
def moved(world):
    """Programme X (own) held a conversation and opened a trajectory; then the household moved to Y."""
    conversation = conversation_of(world.own, world)
    trajectory = trajectory_of(world.own, world)
    move_own_household_to_foreign(world)
    return conversation, trajectory


@pytest.mark.parametrize("role", ["fieldworker", "case_manager"])
def test_the_old_programme_no_longer_opens_or_writes_the_households_registry(world, moved, client, role):
    client.force_login(world.user(role))
    household = world.own.household
    for name in ("registry:household", "registry:household_edit", "registry:household_move", "registry:member_add"):
        assert client.get(reverse(name, kwargs={"pk": household.pk})).status_code == 404, name
    assert client.get(reverse("registry:person", kwargs={"pk": world.own.adult.pk})).status_code == 404
    # A valid rename and a valid end of the residence in Y are refused, and change nothing.
    response = client.post(
        reverse("registry:household_edit", kwargs={"pk": household.pk}),
        {"name": "Hijacked", "note": "", "version": household.version},
    )
    assert response.status_code == 404
    response = client.post(
        reverse("registry:household_move", kwargs={"pk": household.pk}),
        {"moved_on": TODAY.isoformat(), "left_area": "on", "version": household.version},
    )
    assert response.status_code == 404
    household.refresh_from_db()
    assert household.name == "Own family"
    assert HouseholdResidence.objects.filter(household=household, end_date__isnull=True).count() == 1
    assert client.get(reverse("outreach:household", kwargs={"pk": household.pk})).status_code == 404
    assert (
        client.post(
            reverse("outreach:attempt_create", kwargs={"pk": household.pk}),
            {"date": TODAY.isoformat(), "channel": "doorbell", "outcome": "not_home"},
        ).status_code
        == 404
    )
    assert not ContactAttempt.objects.filter(household=household, date=TODAY, outcome="not_home").exists()
    assert client.get(reverse("conversations:start", kwargs={"household_id": household.pk})).status_code == 404


def test_the_old_programme_keeps_its_own_records_read_only(world, moved, client):
    conversation, trajectory = moved
    client.force_login(world.user("case_manager"))
    assert client.get(reverse("conversations:conversation", kwargs={"pk": conversation.pk})).status_code == 200
    page = client.get(reverse("trajectories:trajectory", kwargs={"pk": trajectory.pk}))
    assert page.status_code == 200
    # The new address is the new programme's: not shown to the old one.
    assert "Foreignstraat" not in page.content.decode()
    # The page offers only what is still possible: closing (no goal, action or note forms).
    assert "goal_form" not in page.context and "note_form" not in page.context
    assert page.context["transition_form"] is not None
    assert "no longer lives in an area of this programme" in page.content.decode()
    # Adding to the trajectory is refused by the service, for every caller.
    with pytest.raises(Exception, match="no longer lives"):
        trajectory_services.goal_add(
            acting_user=world.user("case_manager"), trajectory=trajectory, domain=domain(), target="x", target_score=3
        )
    # Closing it properly stays possible.
    trajectory_services.trajectory_transition(
        acting_user=world.user("case_manager"),
        trajectory=trajectory,
        version=trajectory.version,
        to_status="closed",
        outcome="moved_away",
    )
    assert Trajectory.objects.get(pk=trajectory.pk).status == "closed"


def test_a_section_of_the_old_programmes_conversation_cannot_be_saved_after_the_move(world, moved, client):
    conversation, _trajectory = moved
    interview = Interview.objects.filter(conversation=conversation).order_by("pk").first()
    client.force_login(world.user("fieldworker"))
    response = client.post(
        reverse("conversations:interview_section", kwargs={"pk": interview.pk, "section": "ladder"}),
        {"rung": "3", "version": interview.ladder_version, "key": "attack-1"},
    )
    assert response.status_code in (400, 409, 422), response.status_code
    interview.refresh_from_db()
    assert interview.rung is None


def test_the_new_programme_sees_the_household_but_not_the_old_programmes_records(world, moved, client):
    conversation, trajectory = moved
    ContactAttempt.objects.filter(household=world.own.household).count()
    y_worker = fieldworker_of(world.foreign, world)
    client.force_login(y_worker)
    household_page = client.get(reverse("registry:household", kwargs={"pk": world.own.household.pk}))
    assert household_page.status_code == 200
    assert client.get(reverse("conversations:conversation", kwargs={"pk": conversation.pk})).status_code == 404
    assert client.get(reverse("trajectories:trajectory", kwargs={"pk": trajectory.pk})).status_code == 404
    # Its outreach starts afresh: X's attempts (the held conversation) are neither listed nor counted.
    outreach = client.get(reverse("outreach:household", kwargs={"pk": world.own.household.pk}))
    assert outreach.status_code == 200
    assert outreach.context["attempts"] == []
    # A conversation Y holds is Y's, and X does not see it.
    y_conversation = held_conversation(world.own, y_worker)
    assert y_conversation.programme_id == world.foreign.programme.pk
    client.force_login(world.user("fieldworker"))
    assert client.get(reverse("conversations:conversation", kwargs={"pk": y_conversation.pk})).status_code == 404
    assert not Conversation.objects.visible_to(world.user("case_manager")).filter(pk=y_conversation.pk).exists()


# --- A household without a current residence ----------------------------------------------------


def test_the_pages_of_a_household_that_left_without_a_new_address_work(world, client):
    leave_without_new_address(world)
    client.force_login(world.user("fieldworker"))
    household = world.own.household
    for name, kwargs in (
        ("registry:household", {"pk": household.pk}),
        ("outreach:household", {"pk": household.pk}),
        ("conversations:start", {"household_id": household.pk}),
    ):
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 200, name
        assert "no longer lives" in response.content.decode(), name


# --- Consent that ends -----------------------------------------------------------------------------


def _complete(referral, partner):
    for to_status, code in (("accepted", ""), ("in_progress", ""), ("completed", "help_given")):
        referral = referral_services.referral_transition(
            acting_user=partner,
            referral=referral,
            version=referral.version,
            to_status=to_status,
            side="partner",
            code=code,
        )
    return referral


def test_withdrawing_consent_ends_the_partners_access_to_a_completed_referral(world, client):
    partner = world.user("partner")
    referral = _complete(referral_of(world.own, world), partner)
    client.force_login(partner)
    assert client.get(reverse("referrals:referral", kwargs={"pk": referral.pk})).status_code == 200
    privacy_services.consent_withdraw(
        acting_user=world.user("case_manager"), consent=referral.consent, withdrawn_on=TODAY
    )
    page = client.get(reverse("referrals:referral", kwargs={"pk": referral.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    assert "withdrew their consent" in html
    assert world.own.adult.family_name not in html and "Anna" not in html
    assert referral.question not in html
    assert client.get(reverse("referrals:person", kwargs={"pk": world.own.adult.pk})).status_code == 404
    assert not AccessGrant.objects.active().filter(reason_id=referral.pk).exists()


def test_a_closed_referrals_grant_ends_by_itself_after_the_service_levels_days(world, client):
    partner = world.user("partner")
    referral = _complete(referral_of(world.own, world), partner)
    grant = AccessGrant.objects.get(reason_type="referral", reason_id=referral.pk)
    assert grant.valid_until is not None
    assert datetime.timedelta(days=29) < grant.valid_until - timezone.now() <= datetime.timedelta(days=30)
    AccessGrant.objects.filter(pk=grant.pk).update(valid_until=timezone.now() - datetime.timedelta(seconds=1))
    client.force_login(partner)
    assert client.get(reverse("referrals:referral", kwargs={"pk": referral.pk})).status_code == 404
    assert client.get(reverse("referrals:person", kwargs={"pk": world.own.adult.pk})).status_code == 404


def test_opening_a_trajectory_needs_consent_to_receive_help_or_a_listed_ground(world):
    child = world.own.child
    assert not Consent.objects.filter(person=child, purpose="receive_help").exists()
    with pytest.raises(Exception, match="no consent to receive help"):
        open_trajectory(world.own, world, person=child, record_consent=False)
    ground = LegalGround.objects.filter(active=True).order_by("pk").first()
    trajectory = open_trajectory(world.own, world, person=child, legal_ground=ground)
    assert trajectory.legal_ground == ground


# --- Mixed roles -----------------------------------------------------------------------------------


def test_a_partner_in_one_programme_and_fieldworker_in_another_gets_no_registry_page_of_the_referred(world, client):
    referral = referral_of(world.own, world)
    partner = world.user("partner")
    MembershipFactory(user=partner, programme=world.foreign.programme, role=Role.FIELDWORKER)
    client.force_login(partner)
    # The partner page opens (the partner role in the referral's programme) ...
    assert client.get(reverse("referrals:referral", kwargs={"pk": referral.pk})).status_code == 200
    # ... but never the registry's, nor its consents.
    assert client.get(reverse("registry:person", kwargs={"pk": world.own.adult.pk})).status_code == 404
    assert client.get(reverse("registry:consent_withdraw", kwargs={"pk": referral.consent_id})).status_code == 404
    response = client.post(
        reverse("registry:consent_withdraw", kwargs={"pk": referral.consent_id}),
        {"withdrawn_on": TODAY.isoformat(), "note": "x"},
    )
    assert response.status_code == 404
    assert Consent.objects.get(pk=referral.consent_id).withdrawn_on is None
    assert not Person.objects.visible_to(partner).filter(pk=world.own.adult.pk).exists()


def test_a_partner_role_in_another_programme_does_not_open_this_programmes_referrals(world, client):
    """Same organisation, other programme: the GGD worker is a partner in the foreign programme only."""
    referral = referral_of(world.own, world)
    user = UserFactory(email="ggd-elsewhere@example.test", organisation=world.partner_organisation)
    MembershipFactory(user=user, programme=world.foreign.programme, role=Role.PARTNER)
    client.force_login(user)
    assert client.get(reverse("referrals:referral", kwargs={"pk": referral.pk})).status_code == 404
    assert client.get(reverse("referrals:person", kwargs={"pk": referral.person_id})).status_code == 404
    response = client.post(
        reverse("referrals:respond", kwargs={"pk": referral.pk}),
        {"to_status": "accepted", "version": referral.version},
    )
    assert response.status_code == 404
    assert Referral.objects.get(pk=referral.pk).status == "sent"


def test_a_partner_of_another_organisation_in_the_same_programme_sees_nothing(world, client):
    """Same programme, other organisation: the own programme's referral to GGZ is not GGD's."""
    trajectory = trajectory_of(world.own, world)
    to_ggz = send_referral(
        world.own,
        world,
        organisation=world.other_partner_organisation,
        trajectory=trajectory,
        consent=share_consent(world.own.adult, world.other_partner_organisation),
    )
    client.force_login(world.user("partner"))
    assert client.get(reverse("referrals:referral", kwargs={"pk": to_ggz.pk})).status_code == 404
    response = client.post(
        reverse("referrals:respond", kwargs={"pk": to_ggz.pk}), {"to_status": "accepted", "version": to_ggz.version}
    )
    assert response.status_code == 404
    assert Referral.objects.get(pk=to_ggz.pk).status == "sent"


def test_a_coordinator_who_is_also_case_manager_elsewhere_sees_no_households_here(world):
    coordinator = world.user("coordinator")
    MembershipFactory(user=coordinator, programme=world.foreign.programme, role=Role.CASE_MANAGER)
    assert not Household.objects.visible_to(coordinator).filter(pk=world.own.household.pk).exists()
    assert Household.objects.visible_to(coordinator).filter(pk=world.foreign.household.pk).exists()


# --- Query counts of the pages this changed --------------------------------------------------------

AUTH = 3  # session, user, memberships


def test_the_withdrawn_referral_page_runs_a_fixed_number_of_queries(world, client, django_assert_max_num_queries):
    referral = referral_of(world.own, world)
    privacy_services.consent_withdraw(
        acting_user=world.user("case_manager"), consent=referral.consent, withdrawn_on=TODAY
    )
    client.force_login(world.user("partner"))
    # AUTH + the referral through the partner's grant (none), the withdrawn one with its organisation,
    # the audit insert.
    with django_assert_max_num_queries(AUTH + 3):
        response = client.get(reverse("referrals:referral", kwargs={"pk": referral.pk}))
    assert response.status_code == 200


def test_the_outreach_page_of_a_household_that_left_runs_a_fixed_number_of_queries(
    world, client, django_assert_max_num_queries
):
    leave_without_new_address(world)
    client.force_login(world.user("fieldworker"))
    url = reverse("outreach:household", kwargs={"pk": world.own.household.pk})
    # AUTH + the household with its outreach row and prefetches (residences, attempts, appointments,
    # members), its last residence (where it went), the audit insert, and the status.
    with django_assert_max_num_queries(AUTH + 9):
        response = client.get(url)
    assert response.status_code == 200
