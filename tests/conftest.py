"""The base fixture: one user per role in the own programme, an outsider without membership, and a
foreign programme whose objects nobody here may see (healthchecks' alice/bob/charlie, grown up)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest

from stijging.accounts.models import Organisation, OrganisationKind, Role, User
from stijging.privacy.models import Consent

from .accounts.factories import MembershipFactory, OrganisationFactory, UserFactory
from .registry.factories import (
    AddressFactory,
    AreaFactory,
    HouseholdFactory,
    MemberFactory,
    PersonFactory,
    ProgrammeFactory,
    ResidenceFactory,
    StreetFactory,
)

ROLES = [role.value for role in Role]
PASSWORD = "correct horse battery staple"


def pytest_configure(config):
    from django.conf import settings

    # Hashing a password the production way takes ~0.3 s; tests make dozens of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.STIJGING_REQUIRE_MFA = False
    settings.STIJGING_AUDIT_ANCHOR_FILE = tmp_path / "audit-anchor.log"
    settings.LANGUAGE_CODE = "en"
    # Every test sees the figures of the data it made; the cache is the test's own.
    settings.STIJGING_FIGURES_MAX_AGE = 0
    # A location of its own: a local-memory cache's contents outlive the test under the same name.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}
    }
    settings.STIJGING_IMPORT_PREVIEW_DIR = tmp_path / "import-previews"


@pytest.fixture(autouse=True)
def _instruments_read_anew():
    # The published instrument's lists are kept per process (conversations.selectors.instrument_of);
    # a test that changes them in its own rolled-back transaction must not leave them to the next.
    from stijging.conversations.selectors import forget_instruments

    forget_instruments()
    yield
    forget_instruments()


def ensure_reference_data() -> None:
    """Put back what the data migrations seed (legal grounds, instrument v1, kinds of activity) after a transactional
    test flushed the database. We do not use serialized_rollback: a flush followed by Django's
    content-type re-creation makes its restore collide on django_content_type."""
    import importlib

    from django.apps import apps

    from stijging.instruments.models import InstrumentVersion
    from stijging.privacy.models import LegalGround

    if not LegalGround.objects.exists():
        importlib.import_module("stijging.privacy.migrations.0002_legal_grounds_and_person_index").add_grounds(
            apps, None
        )
        importlib.import_module("stijging.privacy.migrations.0008_legal_grounds_in_dutch").to_dutch(apps, None)
    if not InstrumentVersion.objects.filter(number=1).exists():
        importlib.import_module("stijging.conversations.migrations.0002_instrument_v1").forwards(
            apps, None, app_label="instruments"
        )
    from stijging.cohesion.models import ActivityKind

    if not ActivityKind.objects.exists():
        importlib.import_module("stijging.cohesion.migrations.0002_activity_kinds").forwards(apps, None)


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        ensure_reference_data()


@dataclass
class Site:
    """One programme with one area, one street, an inhabited and an empty address, a household of an
    adult and a child, and the adult's consent."""

    programme: object
    area: object
    street: object
    address: object
    empty_address: object
    household: object
    adult: object
    child: object
    membership_adult: object
    consent: Consent
    appointment: object


def make_site(prefix: str, postcode_base: int) -> Site:
    programme = ProgrammeFactory(name=f"{prefix} programme", slug=f"{prefix.lower()}-programme")
    area = AreaFactory(programme=programme, name=f"{prefix} area", slug=f"{prefix.lower()}-area")
    street = StreetFactory(name=f"{prefix}straat")
    address = AddressFactory(street=street, area=area, postcode=f"{postcode_base}AB", huisnummer=1)
    empty = AddressFactory(street=street, area=area, postcode=f"{postcode_base}AB", huisnummer=3)
    household = HouseholdFactory(name=f"{prefix} family")
    ResidenceFactory(household=household, address=address, start_date=datetime.date(2015, 3, 1))
    adult = PersonFactory(given_names="Anna", family_name=f"{prefix}sen", date_of_birth=datetime.date(1985, 4, 2))
    child = PersonFactory(given_names="Bram", family_name=f"{prefix}sen", date_of_birth=datetime.date(2016, 9, 9))
    membership_adult = MemberFactory(household=household, person=adult, relation="head")
    MemberFactory(household=household, person=child, relation="child")
    consent = Consent.objects.create(
        person=adult, purpose="receive_help", given_by="person", given_on=datetime.date(2026, 2, 1)
    )
    from django.utils import timezone

    from stijging.outreach.models import Appointment

    worker = UserFactory(email=f"planner-{prefix.lower()}@example.test")
    appointment = Appointment.objects.create(
        programme=programme, household=household, worker=worker, starts_at=timezone.now() + datetime.timedelta(days=1)
    )
    return Site(
        programme, area, street, address, empty, household, adult, child, membership_adult, consent, appointment
    )


@dataclass
class World:
    own: Site
    foreign: Site
    users: dict[str, User] = field(default_factory=dict)
    partner_organisation: Organisation | None = None
    other_partner_organisation: Organisation | None = None

    def user(self, role: str) -> User:
        return self.users[role]


@pytest.fixture
def world(db) -> World:
    own = make_site("Own", 5911)
    foreign = make_site("Foreign", 5921)
    ggd = OrganisationFactory(name="GGD Limburg-Noord", kind=OrganisationKind.GGD)
    ggz = OrganisationFactory(name="GGZ Noord- en Midden-Limburg", kind=OrganisationKind.GGZ)
    municipality = OrganisationFactory(name="Gemeente Venlo", kind=OrganisationKind.MUNICIPALITY)
    w = World(own=own, foreign=foreign, partner_organisation=ggd, other_partner_organisation=ggz)
    for role in ROLES:
        organisation = ggd if role == Role.PARTNER else municipality
        user = UserFactory(email=f"{role}@example.test", organisation=organisation, password=PASSWORD)
        MembershipFactory(user=user, programme=own.programme, role=role)
        w.users[role] = user
    w.users["no_membership"] = UserFactory(email="outsider@example.test", organisation=municipality, password=PASSWORD)
    return w


@pytest.fixture
def login(client):
    """Log a user in through Django (MFA is tested separately) and return the client."""

    def _login(user: User | None):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return _login
