"""Referrals for tests: the own site's adult referred to the world's partner organisation (GGD), the
foreign site's adult to another one (GGZ), each on a consent to share with that organisation."""

from __future__ import annotations

import datetime

from stijging.privacy.models import Consent
from stijging.referrals import services
from stijging.referrals.models import Referral

from ..trajectories.factories import case_manager_of, domain, trajectory_of


def share_consent(person, organisation, *, given_by="person", given_on=datetime.date(2026, 1, 5), parent_name=""):
    return Consent.objects.create(
        person=person,
        purpose="share",
        organisation=organisation,
        given_by=given_by,
        parent_name=parent_name or ("Ouder" if given_by == "parent" else ""),
        given_on=given_on,
    )


def organisation_for(site, world):
    return world.partner_organisation if site is world.own else world.other_partner_organisation


def send_referral(
    site, world, *, organisation=None, priority=True, trajectory=None, consent=None, **kwargs
) -> Referral:
    organisation = organisation or organisation_for(site, world)
    trajectory = trajectory or trajectory_of(site, world)
    if consent is None and "legal_ground" not in kwargs:
        consent = share_consent(trajectory.person, organisation)
    return services.referral_send(
        acting_user=case_manager_of(site, world),
        trajectory=trajectory,
        organisation=organisation,
        domain=domain(),
        question="Graag contact over de gezondheid.",
        priority=priority,
        consent=consent,
        **kwargs,
    )


def referral_of(site, world) -> Referral:
    existing = Referral.objects.filter(person=site.adult).order_by("pk").first()
    return existing or send_referral(site, world)
