"""A second, small demo programme beside De Ruit, and one household that moved from De Ruit into it.

It shows the rule of docs/decisions/0003-records-belong-to-their-programme.md on the demo: De Ruit's
case manager still reads (and may close) De Ruit's conversation and trajectory of the household that
moved, but no longer opens its registry page or sees its new address; the second programme's project
worker sees the household at its new address and none of De Ruit's records.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from stijging.accounts.models import Membership, Organisation, Role, User
from stijging.conversations.models import Conversation
from stijging.registry.models import (
    Address,
    Area,
    Household,
    HouseholdMembership,
    HouseholdResidence,
    Person,
    Programme,
    Relation,
    Street,
)
from stijging.trajectories.models import Trajectory

from .catalogue import FAMILY_NAMES, GIVEN_NAMES_F, GIVEN_NAMES_M

SLUG = "het-hoefijzer"
STREETS = ("Hoefijzerlaan", "Smidsweg")
# (e-mail, first name, last name, role, organisation)
USERS = [
    ("fieldworker.hoefijzer@demo.stijging.nl", "Hanna", "Projectmedewerker", Role.FIELDWORKER, "Gemeente Venlo"),
    ("casemanager.hoefijzer@demo.stijging.nl", "Hamid", "Casemanager", Role.CASE_MANAGER, "Gemeente Venlo"),
]


def seed_second_programme(
    de_ruit: Programme, organisations: dict[str, Organisation], *, rng: random.Random, password: str
) -> Programme:
    programme = Programme.objects.create(
        name="Sociale Stijging Het Hoefijzer",
        slug=SLUG,
        municipality="Venlo",
        description="Een tweede, kleine wijk van de demo: hierheen verhuisde één huishouden uit De Ruit.",
        start_date=datetime.date(2026, 9, 1),
        target_participation=70,
        target_uptake=50,
    )
    for email, first, last, role, org_name in USERS:
        user = User.objects.create_user(
            username=email,
            email=email,
            password=password,
            first_name=first,
            last_name=last,
            organisation=organisations[org_name],
        )
        Membership.objects.create(user=user, programme=programme, role=role)
    area = Area.objects.create(programme=programme, name="Het Hoefijzer", slug=SLUG, cbs_buurtcode="BU09839902")
    addresses = []
    for street_index, name in enumerate(STREETS):
        street = Street.objects.create(name=name, woonplaats="Venlo")
        for number in range(1, 13):
            addresses.append(
                Address.objects.create(
                    street=street,
                    area=area,
                    postcode=f"59{40 + street_index}HZ",
                    huisnummer=number,
                    woonplaats="Venlo",
                    oppervlakte=rng.randint(60, 110),
                    bouwjaar=1978,
                )
            )
    today = timezone.localdate()
    # Most addresses have a household of its own; the last one is where the household from De Ruit lands.
    for address in addresses[:18]:
        tussenvoegsel, family = rng.choice(FAMILY_NAMES)
        household = Household.objects.create(name=f"{tussenvoegsel} {family}".strip().title())
        moved_in = today - datetime.timedelta(days=rng.randint(400, 9000))
        HouseholdResidence.objects.create(household=household, address=address, start_date=moved_in)
        for relation, low, high in ((Relation.HEAD, 25, 80), (Relation.PARTNER, 25, 80)):
            if relation == Relation.PARTNER and rng.random() < 0.4:
                continue
            person = Person.objects.create(
                given_names=rng.choice(GIVEN_NAMES_F + GIVEN_NAMES_M),
                tussenvoegsel=tussenvoegsel,
                family_name=family,
                date_of_birth=today - datetime.timedelta(days=365 * rng.randint(low, high) + rng.randint(0, 364)),
            )
            HouseholdMembership.objects.create(
                household=household, person=person, relation=relation, start_date=moved_in
            )
    _move_one_household(de_ruit, addresses[-1], today)
    return programme


def _move_one_household(de_ruit: Programme, new_address: Address, today: datetime.date) -> None:
    """A De Ruit household with a held conversation and an open trajectory moves to Het Hoefijzer."""
    trajectory = (
        Trajectory.objects.filter(programme=de_ruit, status="open")
        .filter(person__household_memberships__end_date__isnull=True)
        .order_by("pk")
        .first()
    )
    if trajectory is None:
        return
    membership = HouseholdMembership.objects.filter(person=trajectory.person, end_date__isnull=True).first()
    if membership is None or not Conversation.objects.filter(household=membership.household).exists():
        return
    moved_on = today - datetime.timedelta(days=14)
    HouseholdResidence.objects.filter(household=membership.household, end_date__isnull=True).update(end_date=moved_on)
    HouseholdResidence.objects.create(household=membership.household, address=new_address, start_date=moved_on)
