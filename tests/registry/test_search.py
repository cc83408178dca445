"""Registry search: postcode + huisnummer, street, and names tolerant of tussenvoegsels, initials and
(on PostgreSQL) typos — always within what the user may see."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from stijging.privacy.models import AuditAction, AuditEvent
from stijging.registry.search import name_terms, search

from .factories import AddressFactory, HouseholdFactory, MemberFactory, PersonFactory, ResidenceFactory, StreetFactory


@pytest.fixture
def jan(world):
    street = StreetFactory(name="Kapelaan Fictiefstraat")
    address = AddressFactory(street=street, area=world.own.area, postcode="5912AB", huisnummer=12, huisletter="A")
    AddressFactory(street=street, area=world.own.area, postcode="5912AB", huisnummer=12, huisnummertoevoeging="2")
    household = HouseholdFactory(name="De Vries")
    ResidenceFactory(household=household, address=address, start_date=datetime.date(2019, 1, 1))
    person = PersonFactory(given_names="Jan Willem", tussenvoegsel="de", family_name="Vries")
    MemberFactory(household=household, person=person)
    # Someone of the same name in the foreign programme: never found by our users.
    foreign_household = HouseholdFactory(name="De Vries")
    ResidenceFactory(household=foreign_household, address=world.foreign.empty_address)
    MemberFactory(
        household=foreign_household, person=PersonFactory(given_names="Jan", tussenvoegsel="de", family_name="Vries")
    )
    return person


def names(result) -> list[str]:
    return [p.full_name for p in result.persons]


@pytest.mark.parametrize("query", ["de vries", "vries", "J. de Vries", "Jan de Vries", "jan vries", "VRIES", "j vries"])
def test_a_name_is_found_however_it_is_typed(world, jan, query):
    result = search(world.user("fieldworker"), query)
    assert names(result) == ["Jan Willem de Vries"]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="typo tolerance uses pg_trgm: run with DATABASE_URL=postgres://…"
)
@pytest.mark.parametrize("query", ["de Vreis", "Jan de Vreis", "vriess"])
def test_a_typo_in_the_name_still_finds_the_person_on_postgresql(world, jan, query):
    assert "Jan Willem de Vries" in names(search(world.user("fieldworker"), query))


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the family names are kept by PostgreSQL triggers: run with DATABASE_URL"
)


@postgresql_only
def test_postgresql_keeps_every_family_name_once_for_the_typo_search(world):
    """models.FamilyName is kept by statement-level triggers: one insert, a bulk insert (as the
    generator and the people import do) and a renamed person all add their names, each once."""
    from stijging.registry.models import FamilyName, Person

    PersonFactory(family_name="Hermans")
    Person.objects.bulk_create(
        [
            Person(given_names=f"Kind{n}", family_name=name, date_of_birth=datetime.date(2010, 1, 1))
            for n, name in enumerate(["Geurts", "Geurts", "Hermans", "Peeters"])
        ]
    )
    renamed = PersonFactory(family_name="Janssen")
    Person.objects.filter(pk=renamed.pk).update(family_name="Jaspers")
    names_kept = list(FamilyName.objects.filter(name__in=["Hermans", "Geurts", "Peeters", "Janssen", "Jaspers"]))
    assert sorted(n.name for n in names_kept) == ["Geurts", "Hermans", "Janssen", "Jaspers", "Peeters"]


@postgresql_only
def test_a_typo_finds_a_name_added_after_the_migration_and_only_within_the_users_programmes(world):
    """The typo search looks the name up among the kept family names, then among the persons the user
    may see: a person of that name in the foreign programme stays out."""
    own = HouseholdFactory(name="Hermans")
    ResidenceFactory(household=own, address=world.own.empty_address)
    MemberFactory(household=own, person=PersonFactory(given_names="Truus", family_name="Hermans"))
    foreign = HouseholdFactory(name="Hermans")
    ResidenceFactory(household=foreign, address=world.foreign.empty_address)
    MemberFactory(household=foreign, person=PersonFactory(given_names="Toos", family_name="Hermans"))
    assert names(search(world.user("fieldworker"), "Hremans")) == ["Truus Hermans"]
    assert names(search(world.user("fieldworker"), "Truus Hremans")) == ["Truus Hermans"]
    assert names(search(world.user("fieldworker"), "Xyzzyq")) == []


@postgresql_only
@pytest.mark.parametrize("walked", [0, 1, 3])
def test_the_typo_search_name_by_name_keeps_the_order_of_one_similarity_query(world, monkeypatch, walked):
    """Walking the similar names one by one (search._first_visible_by_name) gives exactly the ids, in
    exactly the order, that one query ordered by similarity, name, given names and id gives."""
    from django.contrib.postgres.search import TrigramSimilarity

    from stijging.registry import search as search_module
    from stijging.registry.models import Person

    for n, family in enumerate(["Hermans", "Heremans", "Remans", "Hemans", "Hermans", "Harmsen", "Remans"]):
        household = HouseholdFactory(name=family)
        ResidenceFactory(household=household, address=AddressFactory(area=world.own.area))
        MemberFactory(household=household, person=PersonFactory(given_names=f"{'ZAB'[n % 3]}na", family_name=family))
    foreign = HouseholdFactory(name="Hermans")
    ResidenceFactory(household=foreign, address=world.foreign.empty_address)
    MemberFactory(household=foreign, person=PersonFactory(given_names="Anna", family_name="Hermans"))
    monkeypatch.setattr(search_module, "NAMES_WALKED", walked)
    user = world.user("fieldworker")
    with search_module._similarity_threshold(search_module.trigram_threshold(len("hremans"))):
        similar = search_module._similar_family_names(["hremans"])
    condition = search_module._name_condition(["hremans"], [], similar)
    one_query = (
        Person.objects.filter(condition)
        .annotate(similarity=TrigramSimilarity("family_name", "hremans"))
        .order_by("-similarity", "family_name", "given_names", "pk")
    )
    expected = search_module._first_visible_ids(user, one_query, 251)
    assert len(expected) == 6  # four names alike (Harmsen is not), and the foreign Hermans left out
    assert search_module._first_visible_by_name(user, condition, similar["hremans"], "hremans", 251) == expected
    assert search_module._first_visible_by_name(user, condition, similar["hremans"], "hremans", 3) == expected[:3]


@postgresql_only
def test_the_typo_search_page_query_count(world, jan, client, django_assert_max_num_queries):
    client.force_login(world.user("fieldworker"))
    # As the exact search (see below), plus the similar family names looked up once the exact
    # match found no one, and the persons ranked name by name.
    # At most NAMES_WALKED + 1 queries rank the persons, however many names are alike.
    with django_assert_max_num_queries(14):
        response = client.get("/search/", {"q": "de Vreis"})
    assert response.status_code == 200
    assert "Jan Willem de Vries" in response.content.decode()


def test_an_initial_that_does_not_match_finds_nobody(world, jan):
    assert names(search(world.user("fieldworker"), "P. de Vries")) == []


def test_name_terms_drop_tussenvoegsels_and_keep_initials():
    assert name_terms("J. van der Berg") == (["berg"], ["j"])
    assert name_terms("de") == (["de"], [])  # only a tussenvoegsel typed: match it as it is
    assert name_terms("El Idrissi") == (["idrissi"], [])


@pytest.mark.parametrize(
    "query,expected",
    [("5912 ab 12", {"12A", "12-2"}), ("5912AB 12a", {"12A"}), ("5912AB 12-2", {"12-2"}), ("5912ab", {"12A", "12-2"})],
)
def test_postcode_and_house_number_find_the_address(world, jan, query, expected):
    result = search(world.user("fieldworker"), query)
    assert result.kind == "address"
    assert {a.house_number_display for a in result.addresses} == expected


def test_an_address_result_shows_its_current_household(world, jan):
    result = search(world.user("case_manager"), "5912AB 12A")
    (address,) = result.addresses
    assert [r.household.name for r in address.current_residences] == ["De Vries"]
    assert jan.pk in result.shown_person_ids


def test_street_and_number_find_the_address(world, jan):
    result = search(world.user("fieldworker"), "Fictiefstraat 12 a")
    assert [a.house_number_display for a in result.addresses] == ["12A"]


@pytest.mark.parametrize("query", ["Fictiefstraat12a", "Kapelaan Fictiefstraat12 A", "fictiefstraat 12a"])
def test_street_and_number_are_found_with_or_without_a_space(world, jan, query):
    result = search(world.user("fieldworker"), query)
    assert (result.kind, [a.house_number_display for a in result.addresses]) == ("address", ["12A"])


def test_a_name_result_shows_the_address_and_age(world, jan, client):
    client.force_login(world.user("fieldworker"))
    html = client.get("/search/", {"q": "vries"}).content.decode()
    assert "Kapelaan Fictiefstraat 12A" in html
    assert f'<td class="num">{jan.age}</td>' in html


def test_a_street_search_does_not_say_nobody_was_found(world, jan, client):
    client.force_login(world.user("fieldworker"))
    html = client.get("/search/", {"q": "Fictiefstraat"}, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Kapelaan Fictiefstraat" in html
    assert 'id="persons-heading"' not in html  # no "0 persons – nobody found with this name"


def test_a_street_name_lists_the_street_with_its_area(world, jan):
    result = search(world.user("fieldworker"), "fictief")
    assert [(row["street__name"], row["area_id"]) for row in result.streets] == [
        ("Kapelaan Fictiefstraat", world.own.area.pk)
    ]


def test_addresses_of_another_programme_are_not_found(world, jan):
    postcode = world.foreign.address.postcode
    assert search(world.user("fieldworker"), f"{postcode} 1").addresses == []


@pytest.mark.parametrize("role", ["partner", "coordinator", "manager", "admin", "privacy_officer", "no_membership"])
def test_other_roles_find_no_one(world, jan, role):
    result = search(world.user(role), "vries")
    assert list(result.persons) == [] and result.streets == []


def test_results_are_paginated(world):
    household = HouseholdFactory(name="Pietersen")
    ResidenceFactory(household=household, address=world.own.empty_address)
    for n in range(30):
        MemberFactory(household=household, person=PersonFactory(given_names=f"Kind{n}", family_name="Pietersen"))
    first = search(world.user("fieldworker"), "pietersen")
    second = search(world.user("fieldworker"), "pietersen", 2)
    assert (len(first.persons), len(second.persons), first.persons.paginator.count) == (25, 5, 30)
    assert not set(names(first)) & set(names(second))


def test_the_search_page_audits_the_persons_it_shows_but_not_the_typed_name(
    world, jan, client, django_assert_max_num_queries
):
    client.force_login(world.user("fieldworker"))
    # session, user, memberships, [PG: similarity threshold on a new connection], does any name match
    # exactly (else the typo-tolerant match), capped count, persons page, current memberships +
    # households, the households' current residences + addresses + streets, street rows, audit insert.
    with django_assert_max_num_queries(10):
        response = client.get("/search/", {"q": "J. de Vries"})
    assert response.status_code == 200
    assert "Jan Willem de Vries" in response.content.decode()
    event = AuditEvent.objects.filter(action=AuditAction.SEARCH).latest("id")
    assert event.person_ids == [jan.pk]
    assert "Vries" not in str(event.detail)


def test_the_search_page_query_count_does_not_grow_with_the_results(world, jan, client, django_assert_num_queries):
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.user("fieldworker"))
    with CaptureQueriesContext(connection) as few:
        client.get("/search/", {"q": "vries"})
    household = HouseholdFactory(name="Vries-Peeters")
    ResidenceFactory(household=household, address=world.own.empty_address)
    for n in range(10):
        MemberFactory(household=household, person=PersonFactory(given_names=f"Kind{n}", family_name="Vries"))
    with CaptureQueriesContext(connection) as many:
        client.get("/search/", {"q": "vries"})
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as addresses:
        client.get("/search/", {"q": "5912AB"})
    assert len(addresses) <= len(few)


def test_an_empty_search_page_shows_the_form_and_audits_nothing(world, client):
    client.force_login(world.user("fieldworker"))
    before = AuditEvent.objects.count()
    response = client.get("/search/")
    assert response.status_code == 200
    assert AuditEvent.objects.count() == before


def test_a_very_common_name_is_counted_up_to_the_cap_only(world, monkeypatch):
    from stijging.registry import search as search_module

    monkeypatch.setattr(search_module, "NAME_CAP", 3)
    household = HouseholdFactory(name="Jansen")
    ResidenceFactory(household=household, address=world.own.empty_address)
    for n in range(5):
        MemberFactory(household=household, person=PersonFactory(given_names=f"Kind{n}", family_name="Jansen"))
    result = search(world.user("fieldworker"), "jansen")
    assert result.persons.paginator.more_than_cap
    assert len(result.persons) == 4  # the page shows what the capped count allows


def test_names_come_in_name_order_with_the_other_programmes_matches_left_out(world):
    """The matches are ranked before the visibility check (search._first_visible_ids): the order and
    the filter must survive it."""
    own = HouseholdFactory(name="Smits")
    ResidenceFactory(household=own, address=world.own.empty_address)
    foreign = HouseholdFactory(name="Smits")
    ResidenceFactory(household=foreign, address=world.foreign.empty_address)
    for given in ["Zoë", "Anna", "Maud"]:
        MemberFactory(household=own, person=PersonFactory(given_names=given, family_name="Smits"))
        MemberFactory(household=foreign, person=PersonFactory(given_names=f"{given}x", family_name="Smits"))
    MemberFactory(household=own, person=PersonFactory(given_names="Bert", family_name="Smitsen"))
    assert names(search(world.user("fieldworker"), "smits")) == [
        "Anna Smits",
        "Maud Smits",
        "Zoë Smits",
        "Bert Smitsen",
    ]


def test_a_name_with_more_matches_than_are_ranked_still_finds_the_visible_ones(world, monkeypatch):
    """More name matches in the database than the ranking takes (CANDIDATE_CAP), the first of them in
    another programme: the search falls back to the plain query and still finds ours."""
    from stijging.registry import search as search_module

    monkeypatch.setattr(search_module, "CANDIDATE_CAP", 2)
    foreign = HouseholdFactory(name="Aarts")
    ResidenceFactory(household=foreign, address=world.foreign.empty_address)
    for given in ["Aad", "Bas", "Cor"]:
        MemberFactory(household=foreign, person=PersonFactory(given_names=given, family_name="Aarts"))
    own = HouseholdFactory(name="Aarts")
    ResidenceFactory(household=own, address=world.own.empty_address)
    MemberFactory(household=own, person=PersonFactory(given_names="Wim", family_name="Aarts"))
    assert names(search(world.user("fieldworker"), "aarts")) == ["Wim Aarts"]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="typo tolerance uses pg_trgm: run with DATABASE_URL=postgres://…"
)
@pytest.mark.parametrize("family,typed", [("Vries", "Vreis"), ("Bakker", "Bakekr"), ("Timmermans", "Timmermasn")])
def test_a_swapped_letter_is_found_at_every_length_and_the_threshold_is_restored(world, family, typed):
    """The trigram threshold narrows with the typed word's length (search.trigram_threshold): a swapped
    letter still scores above it, and the connection gets its own threshold back for the next query."""
    household = HouseholdFactory(name=family)
    ResidenceFactory(household=household, address=world.own.empty_address)
    MemberFactory(household=household, person=PersonFactory(given_names="Mia", family_name=family))
    assert names(search(world.user("fieldworker"), typed)) == [f"Mia {family}"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW pg_trgm.similarity_threshold")
        assert float(cursor.fetchone()[0]) == 0.2
