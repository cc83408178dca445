"""The region generator (`stijging generate`) at a small size, on whichever database the suite runs
against (SQLite by default, PostgreSQL with DATABASE_URL): what the benchmark relies on."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from stijging.accounts.models import Membership, Role, User
from stijging.demo.generate import BENCH_TOTP_SECRET, bench_email, generate_region
from stijging.privacy.models import Consent
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
from stijging.registry.validators import validate_postcode

pytestmark = pytest.mark.django_db

HOUSEHOLDS = 400


@pytest.fixture
def region():
    return generate_region(households=HOUSEHOLDS, seed=7)


def households_of(slug: str):
    return Household.objects.filter(residences__address__area__programme__slug=slug).distinct()


def test_generates_the_households_asked_for_with_about_two_and_a_half_persons_each(region):
    assert region.households == HOUSEHOLDS
    assert households_of("regio").count() == HOUSEHOLDS
    persons = Person.objects.filter(household_memberships__household__in=households_of("regio")).distinct().count()
    assert persons == region.persons
    assert 2.1 <= persons / HOUSEHOLDS <= 2.7
    assert HouseholdMembership.objects.count() == region.memberships == persons


def test_every_household_has_exactly_one_current_residence_and_some_moved(region):
    current = HouseholdResidence.objects.filter(end_date__isnull=True)
    per_household = current.values("household").annotate(n=Count("id"))
    assert per_household.count() == HOUSEHOLDS
    assert {row["n"] for row in per_household} == {1}
    moves = HouseholdResidence.objects.filter(end_date__isnull=False)
    assert moves.exists()
    # A move ends on the day the household moved in at its present address.
    for earlier in moves.select_related("household")[:20]:
        now_at = current.get(household=earlier.household)
        assert earlier.end_date == now_at.start_date
        assert earlier.start_date < earlier.end_date
        assert earlier.address_id != now_at.address_id


def test_memberships_are_dated_and_never_start_before_birth(region):
    today = timezone.localdate()
    memberships = HouseholdMembership.objects.all()
    assert not memberships.filter(start_date__lt=F("person__date_of_birth")).exists()
    assert not memberships.filter(start_date__gt=today).exists()
    assert not memberships.filter(end_date__lt=F("start_date")).exists()
    # Every household has one main occupant, an adult.
    heads = memberships.filter(relation="head").select_related("person")
    assert heads.count() == HOUSEHOLDS
    assert all(m.person.age_on(today) >= 18 for m in heads)
    # Children come in the demo's shapes: some households have them, some grown children left.
    assert memberships.filter(relation="child").exists()
    assert memberships.filter(end_date__isnull=False).exists()


def test_addresses_are_unique_and_carry_every_bag_field(region):
    addresses = Address.objects.all()
    assert addresses.count() == region.addresses >= HOUSEHOLDS
    keys = set(addresses.values_list("postcode", "huisnummer", "huisletter", "huisnummertoevoeging"))
    assert len(keys) == region.addresses
    assert len(set(addresses.values_list("nummeraanduiding_id", flat=True))) == region.addresses
    for address in addresses.order_by("?")[:50]:
        address.full_clean()  # the model's own validators: postcode, BAG ids, letters
        validate_postcode(address.postcode)
        assert re.fullmatch(r"\d{16}", address.nummeraanduiding_id)
        assert re.fullmatch(r"\d{16}", address.verblijfsobject_id)
        assert address.bouwjaar and address.oppervlakte and address.gebruiksdoel == "woonfunctie"
        assert 190_000 < address.rd_x < 220_000 and 360_000 < address.rd_y < 410_000
    # Streets of ~40 addresses with fictional names, unique per place.
    streets = Street.objects.annotate(n=Count("addresses"))
    assert streets.count() == region.streets
    assert 20 <= sum(s.n for s in streets) / streets.count() <= 60
    for area in Area.objects.all():
        area.full_clean()
        assert re.fullmatch(r"BU0983\d{4}", area.cbs_buurtcode)


def test_a_person_validates_and_some_consented(region):
    for person in Person.objects.order_by("?")[:30]:
        person.full_clean()
    assert Consent.objects.count() == region.consents > 0


def test_bench_users_see_the_region_through_their_scope(region):
    fieldworker = User.objects.get(email=bench_email("fieldworker"))
    assert Household.objects.visible_to(fieldworker).count() == HOUSEHOLDS
    assert Person.objects.visible_to(fieldworker).count() == region.persons
    coordinator = User.objects.get(email=bench_email("coordinator"))
    assert not Household.objects.visible_to(coordinator).exists()  # no case role: no households
    assert Membership.objects.filter(programme__slug="regio").count() == len(Role)


def test_bench_users_have_the_totp_the_benchmark_computes(region):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import validate_totp_code

    user = User.objects.get(email=bench_email("fieldworker"))
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"
    spec = importlib.util.spec_from_file_location("stijging_benchmark_run", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    assert validate_totp_code(BENCH_TOTP_SECRET, module.totp(BENCH_TOTP_SECRET))


def test_a_second_region_with_another_slug_does_not_collide(region):
    second = generate_region(households=HOUSEHOLDS, seed=7, programme_slug="regio-twee")
    assert second.households == HOUSEHOLDS
    assert households_of("regio").count() == HOUSEHOLDS
    assert households_of("regio-twee").count() == HOUSEHOLDS
    assert Programme.objects.filter(slug__in=["regio", "regio-twee"]).count() == 2
    # The same bench users now work in both programmes.
    fieldworker = User.objects.get(email=bench_email("fieldworker"))
    assert Household.objects.visible_to(fieldworker).count() == 2 * HOUSEHOLDS
    # Postcodes, BAG ids and street names stay unique across both regions.
    assert Address.objects.count() == region.addresses + second.addresses
    assert Address.objects.values("nummeraanduiding_id").distinct().count() == Address.objects.count()
    assert not Street.objects.values("name", "woonplaats").annotate(n=Count("id")).filter(n__gt=1).exists()
    # The same seed gives the same households (each family draws from its own seeded generator).
    first_names = list(households_of("regio").order_by("id").values_list("name", flat=True))
    second_names = list(households_of("regio-twee").order_by("id").values_list("name", flat=True))
    assert first_names == second_names


def test_ordinary_inserts_after_generating_get_fresh_ids(region):
    # The sequences (PostgreSQL) and AUTOINCREMENT (SQLite) were moved past the ids used.
    household = Household.objects.create(name="Nieuw")
    assert household.pk > Household.objects.exclude(pk=household.pk).order_by("-pk").first().pk
    person = Person.objects.create(given_names="Nieuw", family_name="Persoon", date_of_birth="1990-01-01")
    assert person.pk > region.persons


def test_the_same_slug_twice_is_refused(region):
    with pytest.raises(ValueError, match="exists already"):
        generate_region(households=10, programme_slug="regio")


def test_the_command_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("generate", households=10)
    assert not Household.objects.exists()


def test_the_command_generates_with_debug_on(settings, capsys):
    settings.DEBUG = True
    call_command("generate", households=25, programme_slug="klein")
    assert households_of("klein").count() == 25
    assert "fieldworker@bench.stijging.nl" in capsys.readouterr().out


def test_no_address_lies_outside_its_area_programme(region):
    wrong = Address.objects.exclude(area__programme__slug="regio")
    assert not wrong.exists()
    assert not HouseholdResidence.objects.filter(~Q(address__area__programme__slug="regio")).exists()
