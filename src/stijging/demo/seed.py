"""The demo programme "Sociale Stijging De Ruit" (Venlo): ~350 synthetic households of ~800 persons
on fictional streets, the seed's partner organisations and one demo user per role.

Deterministic: the same seed gives the same neighbourhood on every machine.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.db import connection, transaction

from stijging.accounts.models import Membership, Organisation, OrganisationKind, Role, User
from stijging.privacy.models import Consent, ConsentGivenBy, ConsentPurpose
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

from .catalogue import FAMILY_NAMES, FICTIONAL_STREETS, GIVEN_NAMES_F, GIVEN_NAMES_M, household_shape

DEMO_PASSWORD = "demo-stijging-2026"
REFERENCE_DATE = datetime.date(2026, 11, 1)

ORGANISATIONS = [
    ("Gemeente Venlo", OrganisationKind.MUNICIPALITY, "sociaal-domein@demo.stijging.nl"),
    ("Woningstichting Venlo-Blerick", OrganisationKind.HOUSING, "wonen@demo.stijging.nl"),
    ("GGZ Noord- en Midden-Limburg", OrganisationKind.GGZ, "ggz@demo.stijging.nl"),
    ("GGD Limburg-Noord", OrganisationKind.GGD, "ggd@demo.stijging.nl"),
    ("Stichting Wel.kom", OrganisationKind.WELFARE, "welkom@demo.stijging.nl"),
    ("Politie Limburg, basisteam Venlo", OrganisationKind.POLICE, "politie@demo.stijging.nl"),
]

# (e-mail, first name, last name, role, organisation)
DEMO_USERS = [
    ("fieldworker@demo.stijging.nl", "Femke", "Projectmedewerker", Role.FIELDWORKER, "Gemeente Venlo"),
    ("casemanager@demo.stijging.nl", "Karim", "Casemanager", Role.CASE_MANAGER, "Gemeente Venlo"),
    # Colleagues of the same team, so that caseloads differ (care.CASELOAD_PATTERN spreads them).
    ("casemanager2@demo.stijging.nl", "Sanne", "Casemanager", Role.CASE_MANAGER, "Gemeente Venlo"),
    ("casemanager3@demo.stijging.nl", "Ruud", "Casemanager", Role.CASE_MANAGER, "Gemeente Venlo"),
    ("casemanager4@demo.stijging.nl", "Esra", "Casemanager", Role.CASE_MANAGER, "Gemeente Venlo"),
    ("partner.ggd@demo.stijging.nl", "Gert", "van de GGD", Role.PARTNER, "GGD Limburg-Noord"),
    ("coordinator@demo.stijging.nl", "Bianca", "Buurtcoördinator", Role.COORDINATOR, "Woningstichting Venlo-Blerick"),
    ("manager@demo.stijging.nl", "Monique", "Programmaleider", Role.MANAGER, "Gemeente Venlo"),
    ("admin@demo.stijging.nl", "Arjen", "Beheerder", Role.ADMIN, "Gemeente Venlo"),
    ("privacy@demo.stijging.nl", "Priya", "Privacy Officer", Role.PRIVACY_OFFICER, "Gemeente Venlo"),
]

AREA_DESCRIPTION = (
    "De Ruit in Venlo-Oost: het gebied tussen Groenveldsingel, Kaldenkerkerweg, Kapelaan Nausstraat en "
    "Leutherweg (deel van de buurt Leutherberg). In deze demo wonen de huishoudens aan fictieve straten."
)


@dataclass
class SeedResult:
    households: int
    persons: int
    addresses: int


def _date_of_birth(rng: random.Random, age_low: int, age_high: int) -> datetime.date:
    age = rng.randint(age_low, age_high)
    return REFERENCE_DATE - datetime.timedelta(days=age * 365 + rng.randint(0, 364))


def _organisations() -> dict[str, Organisation]:
    result = {}
    for name, kind, email in ORGANISATIONS:
        organisation, _created = Organisation.objects.get_or_create(name=name, defaults={"kind": kind, "email": email})
        result[name] = organisation
    return result


def _users(programme: Programme, organisations: dict[str, Organisation]) -> None:
    for email, first, last, role, org_name in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                username=email,
                email=email,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                organisation=organisations[org_name],
            )
        Membership.objects.get_or_create(user=user, programme=programme, role=role)


@transaction.atomic
def seed_demo(*, seed: int = 2009, households: int = 350) -> SeedResult:
    rng = random.Random(seed)
    organisations = _organisations()
    programme, _created = Programme.objects.get_or_create(
        slug="de-ruit",
        defaults={
            "name": "Sociale Stijging De Ruit",
            "municipality": "Venlo",
            "description": (
                "Gemeente Venlo en Woningstichting Venlo-Blerick werken aan de sociale stijging van de bewoners "
                "en aan samenhang en leefbaarheid in De Ruit. Projectmedewerkers voeren met elk lid van elk "
                "huishouden, kinderen inbegrepen, een huiskamergesprek."
            ),
            "start_date": datetime.date(2026, 3, 1),
            "end_date": datetime.date(2028, 2, 29),
            "target_participation": 70,
            "target_uptake": 50,
        },
    )
    _users(programme, organisations)
    if Area.objects.filter(programme=programme).exists():
        return SeedResult(
            households=Household.objects.count(), persons=Person.objects.count(), addresses=Address.objects.count()
        )
    area = Area.objects.create(
        programme=programme, name="De Ruit", slug="de-ruit", cbs_buurtcode="BU09839901", description=AREA_DESCRIPTION
    )
    streets = [Street.objects.create(name=name, woonplaats="Venlo") for name in FICTIONAL_STREETS]

    # Addresses: ~6% more than households, so some stand empty (SPEC §4 shows them beside the rate).
    address_total = int(households * 1.06) + 2
    addresses: list[Address] = []
    per_street = -(-address_total // len(streets))
    for street_index, street in enumerate(streets):
        letters = "ABCDEFGHJKLMNPRSTVWXZ"
        for number in range(1, per_street + 1):
            if len(addresses) >= address_total:
                break
            postcode = (
                f"59{28 + street_index // 6}{letters[(street_index * 3 + number // 10) % len(letters)]}"
                f"{letters[number % len(letters)]}"
            )
            addresses.append(
                Address(
                    street=street,
                    area=area,
                    postcode=postcode,
                    huisnummer=number,
                    huisletter="A" if number % 17 == 0 else "",
                    woonplaats="Venlo",
                    gebruiksdoel="woonfunctie",
                    oppervlakte=rng.randint(55, 130),
                    bouwjaar=rng.choice([1958, 1962, 1967, 1972, 1994]),
                    complex_number=f"WVB-{100 + street_index * 2 + (number > per_street // 2)}",
                )
            )
    Address.objects.bulk_create(addresses)
    addresses = list(Address.objects.filter(area=area).order_by("id"))
    rng.shuffle(addresses)
    occupied = addresses[:households]
    spare = addresses[households:]

    person_count = 0
    for index, address in enumerate(occupied):
        shape = household_shape(rng)
        tussenvoegsel, family = rng.choice(FAMILY_NAMES)
        # Without a given name in front, a tussenvoegsel takes a capital: "Van Dijk".
        name = f"{tussenvoegsel[:1].upper()}{tussenvoegsel[1:]} {family}" if tussenvoegsel else family
        household = Household.objects.create(name=name)
        moved_in = REFERENCE_DATE - datetime.timedelta(days=rng.randint(60, 40 * 365))
        # A few households moved within De Ruit: their earlier address is history.
        if index % 40 == 0 and spare:
            earlier = spare[index % len(spare)]
            HouseholdResidence.objects.create(
                household=household,
                address=earlier,
                start_date=moved_in - datetime.timedelta(days=900),
                end_date=moved_in,
            )
        HouseholdResidence.objects.create(household=household, address=address, start_date=moved_in)
        head_is_female = rng.random() < 0.5
        for member_index, (relation, low, high) in enumerate(shape):
            if relation == Relation.CHILD:
                parent_age = (REFERENCE_DATE - moved_in).days // 365
                high = min(high, max(low, parent_age + 17))
            female = (
                head_is_female
                if member_index == 0
                else (not head_is_female if relation == Relation.PARTNER else rng.random() < 0.5)
            )
            given = rng.choice(GIVEN_NAMES_F if female else GIVEN_NAMES_M)
            p_tussen, p_family = (tussenvoegsel, family)
            if relation in (Relation.PARTNER, Relation.PARENT) and rng.random() < 0.45:
                p_tussen, p_family = rng.choice(FAMILY_NAMES)
            born = _date_of_birth(rng, low, high)
            person = Person.objects.create(
                given_names=given,
                tussenvoegsel=p_tussen,
                family_name=p_family,
                date_of_birth=born,
                phone=f"+316{rng.randint(10000000, 99999999)}" if (REFERENCE_DATE - born).days > 16 * 365 else "",
            )
            since = max(moved_in, born)
            HouseholdMembership.objects.create(household=household, person=person, relation=relation, start_date=since)
            person_count += 1
            # Consents recorded at some first visits: to receive help, some also to share with the GGD.
            if member_index == 0 and index % 5 == 0:
                given_on = programme.start_date + datetime.timedelta(days=rng.randint(10, 200))
                Consent.objects.create(
                    person=person,
                    purpose=ConsentPurpose.RECEIVE_HELP,
                    given_by=ConsentGivenBy.PERSON,
                    given_on=given_on,
                )
                if index % 10 == 0:
                    Consent.objects.create(
                        person=person,
                        purpose=ConsentPurpose.SHARE_WITH_ORGANISATION,
                        organisation=organisations["GGD Limburg-Noord"],
                        given_by=ConsentGivenBy.PERSON,
                        given_on=given_on,
                        withdrawn_on=given_on + datetime.timedelta(days=30) if index % 50 == 0 else None,
                    )
        # Now and then a grown child has left home: the membership ends, the person stays on record.
        if index % 23 == 0 and len(shape) > 2:
            last = HouseholdMembership.objects.filter(household=household, relation=Relation.CHILD).last()
            if last is not None:
                last.end_date = max(last.start_date, REFERENCE_DATE - datetime.timedelta(days=120))
                last.save(update_fields=["end_date"])
    from .progress import seed_progress

    seed_progress(programme, rng=rng)
    from .care import seed_care

    seed_care(programme, rng=rng)
    from .neighbourhood import seed_neighbourhood

    # Its own generator: the activities and waves do not shift when the help data change.
    seed_neighbourhood(programme, rng=random.Random(f"{seed}:neighbourhood"))
    if connection.vendor == "postgresql":
        # Statistics for what this transaction wrote: without them PostgreSQL plans the requests'
        # lookups and exports below as nested loops over whole tables (minutes, a CI hang).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    from .second import seed_second_programme

    # A second, small programme, and one De Ruit household that moved into it (decision 0003).
    seed_second_programme(programme, organisations, rng=random.Random(f"{seed}:second"), password=DEMO_PASSWORD)

    from .requests import seed_requests

    # Last: the requests' lookups and exports see the whole demo, and the access log shows its views.
    seed_requests(programme)
    return SeedResult(households=len(occupied), persons=person_count, addresses=len(addresses))
