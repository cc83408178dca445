"""Registry search: by postcode + huisnummer, by street (+ number), and by a person's name.

Always within what the user may see (`visible_to`). Names are matched tolerant of tussenvoegsels
and initials everywhere ("J. de Vries", "de vries", "vries" find Jan de Vries), and of typos on
PostgreSQL through pg_trgm ("de Vreis"); SQLite, the demo's database, takes the simpler path of
substring matching.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page
from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

from stijging.pagination import CappedPaginator

from .access import PERSON_ROLES, programme_ids_for
from .models import Address, Household, HouseholdMembership, HouseholdResidence, Person
from .selectors import current_on
from .validators import normalise_postcode

PAGE_SIZE = 25
# Persons counted and paged through by a name search (ten pages): past it, the page asks to narrow the
# search. Each counted person costs a visibility check, so the cap is the search's cost at a region's scale.
NAME_CAP = 250
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
# "Tredelaan 11", and "Tredelaan11" as people type it on a tablet: the space is optional.
STREET_NUMBER_QUERY = re.compile(r"^\s*(?P<street>\D+?)\s*(?P<nr>\d{1,5})\s*(?P<rest>[A-Za-z0-9 -]{0,6})\s*$")


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


# Name matches ranked before the visibility check: at most this many per search (see _first_visible_ids).
CANDIDATE_CAP = 20_000
# pg_trgm's similarity threshold for a typo, by the length of the typed word. One swapped, replaced or
# missing letter scores at least 0.20 against the name in a word of five letters, 0.27 in one of six,
# 0.33 from seven on (measured over the generator's 487 family names); a lower threshold than needed
# only adds similar names to look at (models.FamilyName: the distinct names, not every person).
TRIGRAM_THRESHOLD = 0.2  # the connection's own (apps.py)


def trigram_threshold(word_length: int) -> float:
    if word_length <= 5:
        return TRIGRAM_THRESHOLD
    return 0.25 if word_length == 6 else 0.3


@contextmanager
def _similarity_threshold(threshold: float) -> Iterator[None]:
    """pg_trgm's `%` for the queries inside, then the connection's own threshold again."""
    if threshold == TRIGRAM_THRESHOLD:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, false)", [str(threshold)])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, false)", [str(TRIGRAM_THRESHOLD)])


def _name_condition(core: list[str], initials: list[str], similar: dict[str, list[str]] | None = None) -> Q:
    """Every typed word matches the given names or family name as a substring; initials start the given
    names. With `similar` (PostgreSQL: a word's similar family names, _similar_family_names) a word also
    matches a person who has one of those family names. Without the user's visibility: see
    _first_visible_ids."""
    condition = Q(anonymised_at__isnull=True)
    for initial in initials:
        condition &= Q(given_names__istartswith=initial)
    for word in core:
        word_match = Q(family_name__icontains=word) | Q(given_names__icontains=word)
        if similar and similar.get(word):
            word_match |= Q(family_name__in=similar[word])
        condition &= word_match
    return condition


# The most similar family names a typed word stands for (the best first); a word like "Hremans" has a
# handful above the threshold, a two-letter fragment is not looked up at all (len >= 3).
SIMILAR_NAMES_CAP = 200


def _similar_family_names(words: list[str]) -> dict[str, list[str]]:
    """Per typed word of 3+ letters, the registry's family names like it by pg_trgm's `%` (the
    threshold set by the caller), from the table of distinct names (models.FamilyName): "vreis" →
    ["Vries", …]. Looking at the few hundred distinct names instead of every person's is what makes a
    typo search cheap at a region's size."""
    from django.contrib.postgres.search import TrigramSimilarity

    from .models import FamilyName

    similar = {}
    for word in words:
        if len(word) < 3:
            continue
        names = (
            FamilyName.objects.filter(name__trigram_similar=word)
            .annotate(similarity=TrigramSimilarity("name", word))
            .order_by("-similarity", "name")
            .values_list("name", flat=True)[:SIMILAR_NAMES_CAP]
        )
        similar[word] = list(names)
    return similar


def _first_visible_ids(user, candidates: QuerySet[Person], limit: int) -> list[int]:
    """The first `limit` ids of `candidates` (ordered, name conditions only) that `user` may see.

    Why not simply `visible_to(user)` on the candidates: PostgreSQL then either runs the visibility
    check (a five-table EXISTS, ~15 µs a row) on every match of a common name before sorting, or walks
    the whole name index in order from "A" to reach "Geurts" — 100–200 ms either way at a region's
    scale. Ranking the matches first (trigram indexes, at most CANDIDATE_CAP rows) and checking
    visibility in rank order until `limit` are found takes 10–40 ms. (The ranked rows keep their order
    through the subqueries, which do not reorder; they are also sorted here by rank.)
    Only when a name matches more than CANDIDATE_CAP persons in the whole database and fewer than
    `limit` of those are visible — a user of a small programme typing two letters — does the search
    fall back to the plain filtered query, which is correct at any size."""
    ranked = candidates.annotate(candidate_id=F("pk")).values_list("candidate_id", flat=True)[: CANDIDATE_CAP + 1]
    inner_sql, inner_params = ranked.query.sql_with_params()
    visible = Person.objects.visible_to(user).filter(pk=RawSQL("stijging_candidates.candidate_id", ())).values("pk")
    try:
        visible_sql, visible_params = visible.query.sql_with_params()
    except EmptyResultSet:  # a role that sees no one
        return []
    # The ranked matches are planned on their own (MATERIALIZED: the planner must not carry the outer
    # LIMIT into them and walk the whole name index); the fence (OFFSET 0) keeps the visibility check in
    # the select list, once a row, in rank order. The first candidate always comes back, visible or not,
    # to tell how many candidates there were. Both parts are the ORM's own SQL, every value a parameter.
    fence = "OFFSET 0" if connection.vendor == "postgresql" else "LIMIT -1 OFFSET 0"  # SQLite wants a LIMIT
    sql = (
        f"WITH ranked AS MATERIALIZED ({inner_sql}) "  # noqa: S608
        "SELECT checked.candidate_id, checked.candidate_rank, checked.candidates, checked.visible FROM ("
        f" SELECT stijging_candidates.*, EXISTS ({visible_sql}) AS visible FROM ("
        "  SELECT ranked.candidate_id, row_number() OVER () AS candidate_rank, count(*) OVER () AS candidates"
        "  FROM ranked"
        f" ) stijging_candidates {fence}"
        ") checked WHERE checked.visible OR checked.candidate_rank = 1 LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*inner_params, *visible_params, limit + 1))
        rows = sorted(cursor.fetchall(), key=lambda row: row[1])
    ids = [candidate_id for candidate_id, _rank, _count, visible in rows if visible][:limit]
    if len(ids) < limit and rows and rows[0][2] > CANDIDATE_CAP:
        return list(_visible(user, candidates).values_list("pk", flat=True)[:limit])
    return ids


# The typo search walks this many of the most similar family names one by one (see below).
NAMES_WALKED = 3


def _first_visible_by_name(user, condition: Q, names: list[str], word: str, limit: int) -> list[int]:
    """The typo search's first `limit` visible ids, in its order (the family name's similarity to
    `word`, then family name, given names, id), taken name by name for the NAMES_WALKED most similar
    names, then the rest in one query.

    Why name by name: ordering all persons of all similar names by similarity reads every one of
    them (≈ 33,000 rows for "Hremans" at a region's size) to show 25; one name's persons come from the
    (family_name, given_names) index already in order, and the most similar name nearly always fills
    the page. `names` is ordered as the results are (_similar_family_names), so walking it keeps the
    order exactly; what is left (further names, and persons matched by a substring of another kind)
    ranks after them."""

    ids: list[int] = []
    walked = names[:NAMES_WALKED]
    for name in walked:
        same_name = Person.objects.filter(condition, family_name=name).order_by("given_names", "pk")
        ids += _first_visible_ids(user, same_name, limit - len(ids))
        if len(ids) >= limit:
            return ids
    rest = _by_likeness(Person.objects.filter(condition).exclude(family_name__in=walked), word)
    return ids + _first_visible_ids(user, rest, limit - len(ids))


def _by_likeness(persons: QuerySet[Person], word: str) -> QuerySet[Person]:
    """The typo search's order: the family name's likeness to `word`, then name and id."""
    from django.contrib.postgres.search import TrigramSimilarity

    return persons.annotate(similarity=TrigramSimilarity("family_name", word)).order_by(
        "-similarity", "family_name", "given_names", "pk"
    )


def _visible(user, candidates: QuerySet[Person]) -> QuerySet[Person]:
    """The plain way: the candidates filtered by what the user may see, in their order."""
    return candidates.filter(pk__in=Person.objects.visible_to(user).values("pk"))


def _persons_by_name(user, query: str) -> tuple[QuerySet[Person], list[int]]:
    """Every typed word must match the given names or family name as a substring. Only when nothing
    matches (a typo) does PostgreSQL's trigram similarity widen the family-name match, through the
    kept family names (models.FamilyName) and name by name (_first_visible_by_name). Returns the persons (for
    the page's rows) and the first NAME_CAP + 1 ids in order."""
    core, initials = name_terms(query)
    if not core and not initials:
        return Person.objects.none(), []
    current_members = HouseholdMembership.objects.filter(current_on()).select_related("household")
    prefetch = Prefetch("household_memberships", queryset=current_members, to_attr="current_memberships")
    # The address beside each name: nineteen "Hermans" can only be told apart by where they live.
    addresses = Prefetch(
        "current_memberships__household__residences",
        queryset=HouseholdResidence.objects.filter(current_on()).select_related("address__street"),
        to_attr="current_residences",
    )
    limit = NAME_CAP + 1
    candidates: QuerySet[Person] = Person.objects.filter(_name_condition(core, initials))
    ids = _first_visible_ids(user, candidates.order_by("family_name", "given_names", "pk"), limit)
    fuzzy_words = [word for word in core if len(word) >= 3]
    if not ids and fuzzy_words and connection.vendor == "postgresql":
        # The most tolerant threshold any typed word needs (each word has its own `%`).
        with _similarity_threshold(min(trigram_threshold(len(word)) for word in fuzzy_words)):
            similar = _similar_family_names(fuzzy_words)
        condition = _name_condition(core, initials, similar)
        word = fuzzy_words[-1]  # the results are ordered by their family name's likeness to it
        candidates = _by_likeness(Person.objects.filter(condition), word)
        ids = (
            _first_visible_by_name(user, condition, similar.get(word, []), word, limit) if any(similar.values()) else []
        )
    # A page is fetched by its ids (CappedPaginator); past the cap, by slicing this query.
    persons = _visible(user, candidates).prefetch_related(prefetch, addresses)
    return persons, ids


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
    persons, ids = _persons_by_name(user, query)
    page = CappedPaginator(persons, PAGE_SIZE, cap=NAME_CAP, ids=ids).get_page(page_number)
    return SearchResult(kind="name", streets=streets, persons=page)
