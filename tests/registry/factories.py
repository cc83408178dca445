import datetime

import factory

from stijging.registry.models import (
    Address,
    Area,
    Household,
    HouseholdMembership,
    HouseholdResidence,
    Person,
    Programme,
    Street,
)


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    name = factory.Sequence(lambda n: f"Programma {n}")
    slug = factory.Sequence(lambda n: f"programma-{n}")
    municipality = "Venlo"
    start_date = datetime.date(2026, 1, 1)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Buurt {n}")
    slug = factory.Sequence(lambda n: f"buurt-{n}")


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street

    name = factory.Sequence(lambda n: f"Teststraat {n}")
    woonplaats = "Venlo"


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    street = factory.SubFactory(StreetFactory)
    area = factory.SubFactory(AreaFactory)
    postcode = factory.Sequence(lambda n: f"{5900 + n % 90}AB")
    huisnummer = factory.Sequence(lambda n: n + 1)
    woonplaats = "Venlo"


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    name = factory.Faker("last_name", locale="nl_NL")


class ResidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HouseholdResidence

    household = factory.SubFactory(HouseholdFactory)
    address = factory.SubFactory(AddressFactory)
    start_date = datetime.date(2020, 1, 1)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    given_names = factory.Faker("first_name", locale="nl_NL")
    family_name = factory.Faker("last_name", locale="nl_NL")
    date_of_birth = datetime.date(1980, 5, 17)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HouseholdMembership

    household = factory.SubFactory(HouseholdFactory)
    person = factory.SubFactory(PersonFactory)
    relation = "head"
    start_date = datetime.date(2020, 1, 1)
