"""The registry's core: programmes, areas, streets, BAG addresses, households over time, persons.

Every model holding personal data has exactly one way in: `Model.objects.visible_to(user)`.
Deny by default: a user without a fitting role in a programme sees nothing of it.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stijging.accounts.models import CASE_ROLES

from .validators import validate_bsn, validate_postcode


def _authenticated(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


class Programme(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    municipality = models.CharField(_("municipality"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    target_participation = models.PositiveSmallIntegerField(
        _("target: households reached (%)"), default=70, validators=[MaxValueValidator(100)]
    )
    target_uptake = models.PositiveSmallIntegerField(
        _("target: persons visited in a trajectory (%)"), default=50, validators=[MaxValueValidator(100)]
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="areas")
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80)
    cbs_buurtcode = models.CharField(
        _("CBS buurt code"),
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^BU\d{8}$", _("A CBS buurt code looks like BU09830105."))],
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["programme", "slug"], name="area_unique_slug")]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return self.name


class Street(models.Model):
    """A BAG openbare ruimte. A long through-road may cross several areas, so a street has no area;
    its addresses do."""

    name = models.CharField(_("name"), max_length=200)
    woonplaats = models.CharField(_("place"), max_length=100)
    openbare_ruimte_id = models.CharField(_("BAG openbare ruimte id"), max_length=16, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name", "woonplaats"], name="street_unique_name")]
        verbose_name = _("street")
        verbose_name_plural = _("streets")

    def __str__(self) -> str:
        return self.name


class Address(models.Model):
    """One BAG address of a dwelling (nummeraanduiding + verblijfsobject)."""

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="addresses")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="addresses")
    postcode = models.CharField(_("postcode"), max_length=6, validators=[validate_postcode])
    huisnummer = models.PositiveIntegerField(_("house number"), validators=[MinValueValidator(1)])
    huisletter = models.CharField(
        _("house letter"), max_length=1, blank=True, validators=[RegexValidator(r"^[A-Za-z]$")]
    )
    huisnummertoevoeging = models.CharField(
        _("house number addition"), max_length=4, blank=True, validators=[RegexValidator(r"^[A-Za-z0-9]{1,4}$")]
    )
    woonplaats = models.CharField(_("place"), max_length=100)
    nummeraanduiding_id = models.CharField(
        _("BAG nummeraanduiding id"), max_length=16, blank=True, validators=[RegexValidator(r"^\d{16}$")]
    )
    verblijfsobject_id = models.CharField(
        _("BAG verblijfsobject id"), max_length=16, blank=True, validators=[RegexValidator(r"^\d{16}$")]
    )
    gebruiksdoel = models.CharField(_("intended use"), max_length=100, default="woonfunctie")
    oppervlakte = models.PositiveIntegerField(_("floor area (m²)"), null=True, blank=True)
    bouwjaar = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)
    rd_x = models.DecimalField(_("RD x"), max_digits=9, decimal_places=3, null=True, blank=True)
    rd_y = models.DecimalField(_("RD y"), max_digits=9, decimal_places=3, null=True, blank=True)
    complex_number = models.CharField(_("housing association complex"), max_length=20, blank=True)
    # Set when an address disappears from a newer BAG extract; never deleted with its households.
    retired_on = models.DateField(_("no longer in the BAG since"), null=True, blank=True)

    class Meta:
        ordering = ["street__name", "huisnummer", "huisletter", "huisnummertoevoeging"]
        constraints = [
            models.UniqueConstraint(
                fields=["postcode", "huisnummer", "huisletter", "huisnummertoevoeging"], name="address_unique_bag"
            )
        ]
        indexes = [
            models.Index(fields=["street", "area", "huisnummer"]),
            models.Index(fields=["area", "street"]),
        ]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return f"{self.street.name} {self.house_number_display}, {self.postcode_display}"

    @property
    def house_number_display(self) -> str:
        text = f"{self.huisnummer}{self.huisletter}"
        if self.huisnummertoevoeging:
            text += f"-{self.huisnummertoevoeging}"
        return text

    @property
    def postcode_display(self) -> str:
        return f"{self.postcode[:4]} {self.postcode[4:]}"


def _latest_residence() -> Q:
    """A residence with no later one of the same household: where the household lives now, or, when
    it has left without a known new address, where it lived last."""
    later = HouseholdResidence.objects.filter(household=OuterRef("household")).filter(
        Q(start_date__gt=OuterRef("start_date")) | Q(start_date=OuterRef("start_date"), pk__gt=OuterRef("pk"))
    )
    return ~Q(Exists(later))


def lives_in(programme_ids, household_ref: str = "pk") -> Exists:
    """For a Household queryset (or, with `household_ref`, any row pointing at a household): its
    latest residence is at an address of one of these programmes.

    The one rule of where a household belongs (docs/decisions/0003-records-belong-to-their-programme.md):
    a programme's case roles see and write a household's registry data while it lives in one of the
    programme's areas (or, having left without a known new address, lived there last). After a move
    to another programme's area the old programme keeps only its own case records, read-only but for
    closing its trajectories and referrals. Correlated, so that checking one row costs an index probe
    rather than the programme's whole list of households."""
    return Exists(
        HouseholdResidence.objects.filter(_latest_residence())
        .filter(household=OuterRef(household_ref), address__area__programme_id__in=programme_ids)
        .values("pk")
    )


class HouseholdQuerySet(models.QuerySet["Household"]):
    def visible_to(self, user) -> HouseholdQuerySet:
        """Households living (latest residence) in an area of a programme where the user holds a case
        role. Not "ever lived": a household that moved on belongs to its new programme."""
        if not _authenticated(user):
            return self.none()
        programme_ids = user.programme_ids_with(CASE_ROLES)
        if not programme_ids:
            return self.none()
        return self.filter(lives_in(programme_ids))

    def in_programme(self, programme_id: int) -> HouseholdQuerySet:
        return self.filter(lives_in([programme_id]))


class Household(models.Model):
    name = models.CharField(_("name"), max_length=200, help_text=_("Usually the family name(s), e.g. Jansen-de Boer."))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.name


class HouseholdResidence(models.Model):
    """A household living at an address over a dated period. A move ends one and starts another."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="residences")
    address = models.ForeignKey(Address, on_delete=models.PROTECT, related_name="residences")
    start_date = models.DateField(_("moved in on"))
    end_date = models.DateField(_("moved out on"), null=True, blank=True)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="residence_end_after_start",
            ),
            models.UniqueConstraint(
                fields=["household"], condition=Q(end_date__isnull=True), name="residence_one_current_per_household"
            ),
        ]
        indexes = [models.Index(fields=["address", "end_date"])]

    def __str__(self) -> str:
        return f"{self.household_id} @ {self.address_id} {self.start_date}–{self.end_date or ''}"

    def is_current(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.start_date <= on and (self.end_date is None or self.end_date > on)


def _latest_membership() -> Q:
    later = HouseholdMembership.objects.filter(person=OuterRef("person")).filter(
        Q(start_date__gt=OuterRef("start_date")) | Q(start_date=OuterRef("start_date"), pk__gt=OuterRef("pk"))
    )
    return ~Q(Exists(later))


def person_lives_in(programme_ids) -> Exists:
    """For a Person queryset: the person is a current member of a household that lives in one of these
    programmes (see `lives_in`) — or, being a current member of none, the household of their latest
    membership does. A person in two households (a child of separated parents) belongs to both."""
    return Exists(
        HouseholdMembership.objects.filter(Q(end_date__isnull=True) | _latest_membership())
        .filter(lives_in(programme_ids, "household"))
        .filter(person=OuterRef("pk"))
        .values("pk")
    )


class PersonQuerySet(models.QuerySet["Person"]):
    def visible_to(self, user) -> PersonQuerySet:
        """Persons whose household lives in one of the user's case programmes. The registry's scope
        only: a partner sees a person through a referral (`referred_to`), never here, whatever other
        roles the same user holds elsewhere."""
        if not _authenticated(user):
            return self.none()
        case_programmes = user.programme_ids_with(CASE_ROLES)
        if not case_programmes:
            return self.none()
        return self.filter(person_lives_in(case_programmes))

    def in_programme(self, programme_id: int) -> PersonQuerySet:
        return self.filter(person_lives_in([programme_id]))


def full_name_of(given_names: str, tussenvoegsel: str, family_name: str) -> str:
    """A person's name from its three columns: also for rows read with values_list."""
    return " ".join(part for part in (given_names, tussenvoegsel, family_name) if part)


class Person(models.Model):
    given_names = models.CharField(_("given names"), max_length=200)
    tussenvoegsel = models.CharField(
        _("tussenvoegsel"), max_length=20, blank=True, help_text=_("e.g. van, de, van der")
    )
    family_name = models.CharField(_("family name"), max_length=200)
    date_of_birth = models.DateField(_("date of birth"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    bsn = models.CharField(_("BSN"), max_length=9, blank=True, validators=[validate_bsn])
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_names"]
        indexes = [
            models.Index(fields=["family_name", "given_names"]),
            # The people import finds a person who moved by family name and date of birth (issue 16).
            models.Index(fields=["family_name", "date_of_birth"], name="person_name_birth"),
        ]
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return full_name_of(self.given_names, self.tussenvoegsel, self.family_name)

    def age_on(self, on: datetime.date | None = None) -> int:
        on = on or timezone.localdate()
        born = self.date_of_birth
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    @property
    def age(self) -> int:
        return self.age_on()


class Relation(models.TextChoices):
    HEAD = "head", _("main occupant")
    PARTNER = "partner", _("partner")
    CHILD = "child", _("child")
    PARENT = "parent", _("parent")
    SIBLING = "sibling", _("brother or sister")
    OTHER_FAMILY = "family", _("other family")
    OTHER = "other", _("other")


class HouseholdMembership(models.Model):
    """A person belonging to a household over a dated period (leaving keeps the history)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="household_memberships")
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)
    start_date = models.DateField(_("member since"))
    end_date = models.DateField(_("member until"), null=True, blank=True)

    class Meta:
        ordering = ["start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_end_after_start",
            ),
            models.UniqueConstraint(
                fields=["household", "person"], condition=Q(end_date__isnull=True), name="membership_one_current"
            ),
        ]
        indexes = [models.Index(fields=["person", "end_date"])]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.household_id}"


class FamilyName(models.Model):
    """Every family name that a person in the registry has or had, once (kept by PostgreSQL itself).

    Why: names repeat. A region's 1.9 million generated persons share 487 family names (a real one a
    few tens of thousands); a typo search ("Hremans") matched by trigram similarity against every
    person's name rechecks ~140,000 rows to find the few names meant. Matched against this table it
    looks at the distinct names only, then finds the persons by the name index (registry.search).
    A statement-level trigger on registry_person (migration 0005) adds each new name, also for bulk
    inserts and COPY (the generator, the people import), so no service has to remember it. A name no
    person has any more (an anonymised one) stays: it only costs a lookup that finds no one. PostgreSQL
    only — SQLite searches by substring and has no typo tolerance (search.py).
    """

    name = models.CharField(max_length=200, unique=True)

    def __str__(self) -> str:
        return self.name


def bsn_enabled() -> bool:
    return bool(getattr(settings, "STIJGING_ENABLE_BSN", False))
