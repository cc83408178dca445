"""Reused reads of referrals, already scoped by `visible_to(user)` and already joined."""

from __future__ import annotations

import datetime
from typing import NamedTuple

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from stijging.accounts.models import CASE_ROLES, Organisation, Role, User
from stijging.privacy.models import Consent, ConsentPurpose, LegalGround
from stijging.privacy.selectors import restricted_person_ids
from stijging.registry.models import Address, HouseholdResidence, Person, full_name_of
from stijging.registry.selectors import current_on

from .models import Referral, ReferralEvent, is_overdue
from .states import OPEN_STATUSES, ReferralStatus

LIST_LIMIT = 50
INBOX_PER_PAGE = 25
INBOX_CAP = 250  # referrals counted for the pager


def _visible(user) -> QuerySet[Referral]:
    """`visible_to`, and for a partner without a case role not a person whose processing is
    restricted (AVG art. 18): hidden from partners until the privacy officer lifts it."""
    referrals = Referral.objects.visible_to(user)
    if not user.programme_ids_with(CASE_ROLES):
        referrals = referrals.exclude(person_id__in=restricted_person_ids())
    return referrals


def referral_for(user, pk: int) -> Referral:
    return _visible(user).select_related("trajectory", "person").get(pk=pk)


def referral_page(user, pk: int) -> Referral:
    """Everything a referral page shows, in a fixed number of queries."""
    return (
        _visible(user)
        .select_related(
            "person",
            "organisation",
            "domain",
            "trajectory__case_manager",
            "sent_by",
            "assigned_to",
            "consent",
            "legal_ground",
        )
        .prefetch_related(Prefetch("events", queryset=ReferralEvent.objects.select_related("by")))
        .get(pk=pk)
    )


def current_address(person_id: int, on: datetime.date | None = None) -> Address | None:
    """Where the person lives now (their current household's current address): one query. Called only
    for a person the caller has already been allowed to see through a referral."""
    on = on or timezone.localdate()
    residence = (
        HouseholdResidence.objects.filter(
            household__memberships__person_id=person_id,
            household__memberships__end_date__isnull=True,
        )
        .filter(current_on(on))
        .select_related("address__street")
        .order_by("-start_date")
        .first()
    )
    return residence.address if residence else None


def partner_inbox(user, *, status: str = "") -> QuerySet[Referral]:
    queryset = (
        Referral.objects.for_partner(user)
        .exclude(person_id__in=restricted_person_ids())
        .select_related("person", "domain", "assigned_to")
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-priority", "answer_due_on", "-sent_at", "-pk")


def colleagues_of(user, programme_id: int) -> QuerySet[User]:
    """Who a partner may assign a referral of this programme to: active partner users of the same
    organisation in that programme (a colleague who is a partner of another programme only could
    not open it)."""
    return (
        User.objects.filter(
            is_active=True,
            is_service_account=False,
            organisation_id=user.organisation_id,
            memberships__role=Role.PARTNER,
            memberships__programme_id=programme_id,
        )
        .distinct()
        .order_by("first_name", "last_name", "email")
    )


def partner_person(user, pk: int) -> Person:
    """A person a partner may see: only through a referral to their organisation, in a programme where
    they are a partner, with an active grant — never through the registry's scope, whatever other
    roles the same user holds — and not while the person restricted the processing (AVG art. 18)."""
    return (
        Person.objects.filter(pk__in=Referral.objects.for_partner(user).values("person_id"))
        .exclude(pk__in=restricted_person_ids())
        .get(pk=pk)
    )


def withdrawn_referral_for_partner(user, pk: int) -> Referral | None:
    """A referral to the partner's organisation whose consent was withdrawn: only its bare facts."""
    return Referral.objects.withdrawn_for_partner(user).select_related("organisation").filter(pk=pk).first()


def referrals_of_person_for_partner(user, person: Person) -> list[Referral]:
    return list(
        Referral.objects.for_partner(user)
        .filter(person=person)
        .exclude(person_id__in=restricted_person_ids())
        .select_related("domain")
    )


class WaitingReferral(NamedTuple):
    """A row of "referrals waiting on a partner": only the shown columns (no model instances)."""

    pk: int
    person_name: str
    organisation_name: str
    status: str
    status_label: str
    overdue: bool


def waiting_on_partner(user, today: datetime.date | None = None) -> list[WaitingReferral]:
    """The case manager's referrals that wait on a partner (sent, accepted, in progress)."""
    today = today or timezone.localdate()
    labels = {str(value): str(label) for value, label in ReferralStatus.choices}
    rows = (
        Referral.objects.visible_to(user)
        .filter(trajectory__case_manager=user, status__in=OPEN_STATUSES)
        .order_by("-priority", "answer_due_on", "sent_at")
        .values_list(
            "pk",
            "person__given_names",
            "person__tussenvoegsel",
            "person__family_name",
            "organisation__name",
            "status",
            "priority",
            "answer_due_on",
        )[:LIST_LIMIT]
    )
    return [
        WaitingReferral(
            pk,
            full_name_of(given, tussen, family),
            organisation,
            status,
            labels.get(status, status),
            is_overdue(priority, status, due, today),
        )
        for pk, given, tussen, family, organisation, status, priority, due in rows
    ]


def referrals_of_trajectory(user, trajectory) -> list[Referral]:
    return list(
        Referral.objects.visible_to(user)
        .filter(trajectory=trajectory)
        .select_related("organisation", "domain")
        .order_by("-sent_at")
    )


def partner_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.order_by("name")


def share_consents(person: Person) -> QuerySet[Consent]:
    return (
        Consent.objects.filter(person=person, purpose=ConsentPurpose.SHARE_WITH_ORGANISATION, withdrawn_on__isnull=True)
        .select_related("organisation")
        .order_by("-given_on")
    )


def active_grounds() -> QuerySet[LegalGround]:
    return LegalGround.objects.filter(active=True).order_by("title")


def overdue_count(queryset: QuerySet[Referral], today: datetime.date) -> int:
    return queryset.filter(priority=True, status=ReferralStatus.SENT, answer_due_on__lt=today).count()
