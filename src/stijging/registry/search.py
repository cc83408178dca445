"""Registry search: by postcode + huisnummer, by street (+ number), and by a person's name.

Always within what the user may see (`visible_to`). Names are matched tolerant of tussenvoegsels
and initials everywhere ("J. de Vries", "de vries", "vries" find Jan de Vries), and of typos on
PostgreSQL through pg_trgm ("de Vreis"); SQLite, the demo's database, takes the simpler path of
substring matching.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.paginator import Page
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet

from stijging.pagination import CappedPaginator

from .access import PERSON_ROLES, programme_ids_for
from .models import Address, Household, HouseholdMembership, HouseholdResidence, Person
from .selectors import current_on
from .validators import normalise_postcode

PAGE_SIZE = 25
TUSSENVOEGSELS = frozenset(
    [
        "van",
        "de",
        "der",
        "den",
        "het",
        "'t",
        "t",
        "ter",
        "ten",
        "te",
        "in",
        "op",
        "aan",
        "bij",
        "uit",
        "voor",
        "onder",
        "over",
        "la",
        "le",
        "du",
        "da",
        "di",
        "del",
        "des",
        "dos",
        "el",
        "al",
    ]
)
POSTCODE_QUERY = re.compile(
    r"^\s*(?P<pc>[1-9]\d{3}\s*[A-Za-z]{2})"
    r"(?:\s*(?P<nr>\d{1,5})(?:\s*(?P<letter>[A-Za-z])(?![A-Za-z0-9]))?(?:\s*[-\s]\s*(?P<toev>[A-Za-z0-9]{1,4}))?)?\s*$"
)
STREET_NUMBER_QUERY = re.compile(r"^\s*(?P<street>\D+?)\s+(?P<nr>\d{1,5})\s*(?P<rest>[A-Za-z0-9 -]{0,6})\s*$")


@dataclass
class SearchResult:
    kind: str = ""  # "address", "name" or "" (nothing asked)
    addresses: list[Address] = field(default_factory=list)
    streets: list = field(default_factory=list)  # rows of street and area ids and names
    persons: Page | None = None

    @property
    def shown_person_ids(self) -> list[int]:
        ids = [person.pk for person in (self.persons or [])]
        for address in self.addresses:
            for residence in address.current_residences:  # type: ignore[attr-defined]
                ids.extend(m.person_id for m in residence.household.current_members)
        return ids


def name_terms(query: str) -> tuple[list[str], list[str]]:
    """Split a typed name into the words to match and initials ("J." → given names starting with j)."""
    words = [w for w in re.split(r"[\s.,;]+", query.strip().lower()) if w]
    initials = [w for w in words if len(w) == 1 and w.isalpha()]
    core = [w for w in words if len(w) > 1 and w not in TUSSENVOEGSELS]
    if not core:
        core = [w for w in words if len(w) > 1]
    return core, initials


def _addresses_with_households(user, addresses: QuerySet[Address]) -> list[Address]:
    members = (
        HouseholdMembership.objects.filter(current_on()).select_related("person").order_by("person__date_of_birth")
    )
    residences = (
        HouseholdResidence.objects.filter(current_on())
        .filter(household__in=Household.objects.visible_to(user))
        .select_related("household")
        .prefetch_related(Prefetch("household__memberships", queryset=members, to_attr="current_members"))
    )
    return list(
        addresses.select_related("street", "area__programme").prefetch_related(
            Prefetch("residences", queryset=residences, to_attr="current_residences")
        )[:50]
    )


def _persons_by_name(user, query: str) -> QuerySet[Person]:
    """Every typed word must match the given names or family name as a substring. Only when nothing
    matches (a typo) does PostgreSQL's trigram similarity widen the family-name match — at a region's
    scale the similarity operator alone matches tens of thousands of names."""
    core, initials = name_terms(query)
    if not core and not initials:
        return Person.objects.none()
    in_scope = Person.objects.visible_to(user).filter(anonymised_at__isnull=True)
    for initial in initials:
        in_scope = in_scope.filter(given_names__istartswith=initial)
    exact = in_scope
    for word in core:
        exact = exact.filter(Q(family_name__icontains=word) | Q(given_names__icontains=word))
    current_members = HouseholdMembership.objects.filter(current_on()).select_related("household")
    prefetch = Prefetch("household_memberships", queryset=current_members, to_attr="current_memberships")
    fuzzy_words = [word for word in core if len(word) >= 3]
    if connection.vendor != "postgresql" or not fuzzy_words or exact.exists():
        return exact.order_by("family_name", "given_names", "pk").prefetch_related(prefetch)
    from django.contrib.postgres.search import TrigramSimilarity

    fuzzy = in_scope
    for word in core:
        word_match = Q(family_name__icontains=word) | Q(given_names__icontains=word)
        if len(word) >= 3:
            # pg_trgm's % operator (threshold set per connection, see apps.py): "vreis" finds "Vries".
            word_match |= Q(family_name__trigram_similar=word)
        fuzzy = fuzzy.filter(word_match)
    return (
        fuzzy.annotate(similarity=TrigramSimilarity("family_name", fuzzy_words[-1]))
        .order_by("-similarity", "family_name", "given_names", "pk")
        .prefetch_related(prefetch)
    )


def search(user, query: str, page_number: str | int | None = 1) -> SearchResult:
    query = (query or "").strip()[:100]
    if not query:
        return SearchResult()
    programme_ids = programme_ids_for(user, PERSON_ROLES)
    in_scope = Address.objects.filter(area__programme_id__in=programme_ids)

    match = POSTCODE_QUERY.match(query)
    if match:
        addresses = in_scope.filter(postcode=normalise_postcode(match["pc"]))
        if match["nr"]:
            addresses = addresses.filter(huisnummer=int(match["nr"]))
        if match["letter"]:
            addresses = addresses.filter(huisletter__iexact=match["letter"])
        if match["toev"]:
            addresses = addresses.filter(huisnummertoevoeging__iexact=match["toev"])
        ordered = addresses.order_by("huisnummer", "huisletter", "huisnummertoevoeging")
        return SearchResult(kind="address", addresses=_addresses_with_households(user, ordered))

    match = STREET_NUMBER_QUERY.match(query)
    if match:
        addresses = in_scope.filter(street__name__icontains=match["street"].strip(), huisnummer=int(match["nr"]))
        rest = match["rest"].strip().strip("-").strip()
        if rest:
            addresses = addresses.filter(Q(huisletter__iexact=rest) | Q(huisnummertoevoeging__iexact=rest))
        ordered = addresses.order_by("street__name", "huisnummer", "huisletter", "huisnummertoevoeging")
        found = _addresses_with_households(user, ordered)
        if found:
            return SearchResult(kind="address", addresses=found)

    # Streets by name, each with the area(s) it lies in: one query, rows ready for the links.
    streets = list(
        in_scope.filter(street__name__icontains=query)
        .values("street_id", "street__name", "area_id", "area__name", "area__programme__slug")
        .distinct()
        .order_by("street__name", "area__name")[:10]
    )
    persons = CappedPaginator(_persons_by_name(user, query), PAGE_SIZE).get_page(page_number)
    return SearchResult(kind="name", streets=streets, persons=persons)
