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
from stijging.demo.generate import BENCH_PASSWORD, BENCH_TOTP_SECRET, bench_email, generate_region
from stijging.privacy.models import Consent, ConsentPurpose
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
    return generate_region(households=HOUSEHOLDS, seed=7, bench_users=True)


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
    bench = Membership.objects.filter(programme__slug="regio", user__email__endswith="@bench.stijging.nl")
    assert bench.filter(user__email__in=[bench_email(role.value) for role in Role]).count() == len(Role)
    # A second admin approves the benchmark's API client.
    assert bench.get(user__email=bench_email("admin-second")).role == Role.ADMIN
    # Besides the bench users: the synthetic colleagues the generated rows point at (4 per partner).
    others = bench.exclude(user__email__in=[bench_email(role.value) for role in Role] + [bench_email("admin-second")])
    assert set(others.values_list("role", flat=True)) <= {Role.FIELDWORKER, Role.CASE_MANAGER, Role.PARTNER}


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
    # Each region has its own bench and synthetic users: the first region's see only the first.
    fieldworker = User.objects.get(email=bench_email("fieldworker"))
    assert Household.objects.visible_to(fieldworker).count() == HOUSEHOLDS
    second_fieldworker = User.objects.get(email=bench_email("fieldworker", "regio-twee"))
    assert second_fieldworker.email == "fieldworker+regio-twee@bench.stijging.nl"
    assert Household.objects.visible_to(second_fieldworker).count() == HOUSEHOLDS
    assert set(Household.objects.visible_to(second_fieldworker)).isdisjoint(Household.objects.visible_to(fieldworker))
    in_both = Membership.objects.filter(programme__slug="regio").values("user_id")
    assert not Membership.objects.filter(programme__slug="regio-twee", user_id__in=in_both).exists()
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


def test_the_command_refuses_with_debug_on_but_demo_mode_off(settings):
    settings.DEBUG = True
    settings.STIJGING_DEMO = False
    with pytest.raises(CommandError, match="demo mode"):
        call_command("generate", households=10)
    assert not Household.objects.exists()


def test_the_command_generates_in_demo_mode_with_users_nobody_can_log_in_to(settings, capsys):
    from allauth.mfa.models import Authenticator

    settings.DEBUG = True
    settings.STIJGING_DEMO = True
    call_command("generate", households=25, programme_slug="klein")
    assert households_of("klein").count() == 25
    out = capsys.readouterr().out
    assert BENCH_PASSWORD not in out and "fieldworker+klein@bench.stijging.nl" not in out
    for role in Role:
        user = User.objects.get(email=bench_email(role.value, "klein"))
        assert not user.has_usable_password()
        assert not user.check_password(BENCH_PASSWORD)
        assert not Authenticator.objects.filter(user=user).exists()


def test_the_command_makes_the_bench_users_only_when_asked(settings, capsys):
    settings.DEBUG = True
    settings.STIJGING_DEMO = True
    call_command("generate", households=25, programme_slug="klein", bench_users=True)
    assert "fieldworker+klein@bench.stijging.nl" in capsys.readouterr().out
    assert User.objects.get(email=bench_email("admin", "klein")).check_password(BENCH_PASSWORD)


def test_no_address_lies_outside_its_area_programme(region):
    wrong = Address.objects.exclude(area__programme__slug="regio")
    assert not wrong.exists()
    assert not HouseholdResidence.objects.filter(~Q(address__area__programme__slug="regio")).exists()


# --- Outreach, conversations, trajectories and referrals ------------------------------------------


def _bench(role: str) -> User:
    return User.objects.get(email=bench_email(role))


def test_outreach_statuses_are_derived_by_the_applications_rules(region):
    from stijging.conversations.models import Conversation
    from stijging.outreach import status as rules
    from stijging.outreach.models import Appointment, ContactAttempt, HouseholdOutreach

    facts: dict[int, list] = {}
    for household_id, date, outcome, pk in ContactAttempt.objects.values_list("household_id", "date", "outcome", "id"):
        facts.setdefault(household_id, []).append(rules.AttemptFact(date, outcome, pk))
    planned = set(Appointment.objects.filter(status="planned", kind="visit").values_list("household_id", flat=True))
    statuses = {row.household_id: row for row in HouseholdOutreach.objects.all()}
    assert set(statuses) == set(households_of("regio").values_list("pk", flat=True))
    for household_id, row in statuses.items():
        attempts = facts.get(household_id, [])
        assert row.status == rules.derive(attempts, has_planned_appointment=household_id in planned)
        assert row.attempts == len(attempts)
        assert row.do_not_contact == (row.status == "objected")
    reached = {pk for pk, row in statuses.items() if row.status == "reached"}
    assert reached == set(Conversation.objects.values_list("household_id", flat=True))
    assert 0.5 <= len(reached) / HOUSEHOLDS <= 0.7
    assert {row.status for row in statuses.values()} >= {"reached", "refused", "attempted", "appointment"}


def test_the_bench_fieldworker_has_appointments_in_the_coming_weeks(region):
    from stijging.outreach.models import Appointment

    today = timezone.localdate()
    upcoming = Appointment.objects.filter(worker=_bench("fieldworker"), status="planned", starts_at__date__gte=today)
    assert upcoming.count() >= 5
    assert all(a.starts_at.weekday() < 5 for a in upcoming)
    assert not upcoming.filter(household__outreach__do_not_contact=True).exists()


def test_every_member_present_has_an_interview_with_answers_by_the_instrument(region):
    from stijging.conversations.models import CohesionAnswer, Conversation, DomainAnswer, Interview, Proposal

    for conversation in Conversation.objects.prefetch_related("members_present", "interviews")[:60]:
        assert {p.pk for p in conversation.members_present.all()} == {
            i.person_id for i in conversation.interviews.all()
        }
        assert conversation.held_on < timezone.localdate()
    for interview in Interview.objects.select_related("person", "conversation")[:200]:
        age = interview.person.age_on(interview.conversation.held_on)
        domains = [a.domain for a in DomainAnswer.objects.filter(interview=interview).select_related("domain")]
        assert domains and all(d.applies_to(age) for d in domains)
        assert CohesionAnswer.objects.filter(interview=interview).exists() == (age >= 15)
        assert (interview.rung is not None or interview.rung_non_answer != "") == (age >= 16)
    with_question = DomainAnswer.objects.filter(help_question=True)
    assert with_question.exists()
    assert Proposal.objects.count() == with_question.count()
    assert not with_question.filter(proposal__isnull=True).exists()


def test_trajectories_for_part_of_the_persons_visited_and_visible_to_the_bench_case_manager(region):
    from stijging.conversations.models import Interview
    from stijging.trajectories.models import Trajectory

    programme = Programme.objects.get(slug="regio")
    ours = Trajectory.objects.filter(programme=programme)
    visited = Interview.objects.values("person_id").distinct().count()
    assert 0.25 <= ours.count() / visited <= 0.55
    case_manager = _bench("case_manager")
    assert Trajectory.objects.visible_to(case_manager).filter(programme=programme).count() == ours.count()
    assert ours.filter(case_manager=case_manager).exclude(status="closed").exists()
    assert set(ours.values_list("status", flat=True)) == {"open", "active", "paused", "closed"}
    # The events tell the same story as the status.
    for trajectory in ours.prefetch_related("events")[:100]:
        assert list(trajectory.events.all())[-1].to_status == trajectory.status
    assert not Trajectory.objects.visible_to(_bench("partner")).exists()


def test_every_referral_rests_on_a_consent_and_has_its_grant_unless_withdrawn(region):
    from stijging.privacy.models import AccessGrant
    from stijging.referrals.models import Referral

    referrals = list(Referral.objects.select_related("consent").prefetch_related("events"))
    assert set(r.status for r in referrals) == {
        "sent", "accepted", "declined", "in_progress", "completed", "returned", "withdrawn"
    }  # fmt: skip
    assert len({r.organisation_id for r in referrals}) == 6
    grants = {g.reason_id: g for g in AccessGrant.objects.filter(reason_type="referral")}
    for referral in referrals:
        consent = referral.consent
        assert consent is not None
        assert consent.person_id == referral.person_id
        assert consent.organisation_id == referral.organisation_id
        assert consent.purpose == ConsentPurpose.SHARE_WITH_ORGANISATION and consent.withdrawn_on is None
        assert consent.given_on <= timezone.localdate(referral.sent_at)  # both on the local calendar
        grant = grants[referral.pk]
        assert (grant.person_id, grant.organisation_id) == (referral.person_id, referral.organisation_id)
        assert (grant.revoked_at is not None) == (referral.status == "withdrawn")
        events = list(referral.events.all())
        assert events[0].to_status == "sent" and events[-1].to_status == referral.status
    assert any(r.is_overdue(timezone.localdate()) for r in referrals)


def test_the_partner_sees_only_its_own_organisations_referrals(region):
    from stijging.referrals.models import Referral

    partner = _bench("partner")
    assert partner.organisation_id is not None
    inbox = Referral.objects.for_partner(partner)
    assert inbox.exists()
    assert set(inbox.values_list("organisation_id", flat=True)) == {partner.organisation_id}
    assert (
        inbox.count()
        == Referral.objects.filter(organisation_id=partner.organisation_id).exclude(status="withdrawn").count()
    )
    assert not Person.objects.visible_to(partner).exclude(referrals__organisation_id=partner.organisation_id).exists()


# --- The neighbourhood track: activities, participants and volunteers, waves --------------------


def test_a_weekly_childrens_series_per_area_and_single_activities_across_its_streets(region):
    from stijging.cohesion.models import Activity, ActivitySeries

    today = timezone.localdate()
    programme = Programme.objects.get(slug="regio")
    series = list(ActivitySeries.objects.filter(programme=programme))
    assert len(series) == Area.objects.filter(programme=programme).count()
    for one in series:
        assert one.kind.code == "children_cleaning_group" and one.every_weeks == 1
        dates = list(one.activities.order_by("date").values_list("date", flat=True))
        assert dates[0] == one.first_date and dates[-1] == one.last_date <= today
        assert len(dates) >= 50 and (today - one.first_date).days <= 365
        assert all((b - a).days == 7 for a, b in zip(dates, dates[1:], strict=False))
        streets = {frozenset(a.streets.values_list("pk", flat=True)) for a in one.activities.all()}
        assert len(streets) == 1
        assert Address.objects.filter(street__in=next(iter(streets)), area__programme=programme).exists()
    singles = Activity.objects.filter(programme=programme, series__isnull=True)
    assert singles.count() >= 8
    assert len(set(singles.values_list("kind__code", flat=True))) >= 4
    assert not singles.filter(date__gt=today).exists()
    for activity in Activity.objects.filter(programme=programme).annotate(named=Count("participants")):
        assert activity.participant_count >= activity.named
    assert Activity.participants.through.objects.count() >= 100


def test_participants_for_about_one_percent_of_the_persons_some_linked_and_regular(region):
    import datetime

    from stijging.cohesion.models import Participant, VolunteerHours
    from stijging.trajectories.models import Trajectory
    from stijging.trajectories.selectors import volunteering_hint

    today = timezone.localdate()
    participants = Participant.objects.filter(programme__slug="regio")
    assert 0.005 <= participants.count() / region.persons <= 0.02
    for participant in participants.order_by("?")[:20]:
        participant.full_clean()
    children = participants.filter(is_child=True)
    assert children.exists() and not children.exclude(consent_given_by="parent").exists()
    assert not children.filter(parent_name="").exists()
    volunteers = participants.filter(volunteer=True)
    assert volunteers.exists()
    assert not volunteers.annotate(n=Count("hours")).filter(n=0).exists()
    assert not VolunteerHours.objects.filter(Q(participant__volunteer=False) | Q(date__gt=today)).exists()
    linked = participants.filter(person__isnull=False).select_related("person")
    assert linked.count() >= 2 and not linked.filter(link_consent_on__isnull=True).exists()
    regular = hinted = 0
    for participant in linked:
        person = participant.person
        assert person is not None and participant.name == person.full_name
        trajectories = Trajectory.objects.filter(person=person, status__in=["open", "active"])
        assert trajectories.exists()
        windows = [
            participant.hours.filter(
                date__gt=today - datetime.timedelta(days=30 * (k + 1)),
                date__lte=today - datetime.timedelta(days=30 * k),
            ).exists()
            for k in range(3)
        ]
        if all(windows):
            regular += 1
            hinted += any(volunteering_hint(t, today) for t in trajectories)
    assert regular >= 1 and hinted >= 1  # their case manager sees the volunteering hint


def test_two_waves_and_door_responses_of_about_a_tenth_of_the_adults(region):
    from stijging.cohesion.models import Wave, WaveAnswer, WaveResponse
    from stijging.conversations.models import Conversation
    from stijging.instruments.services import current_instrument

    today = timezone.localdate()
    one, two = Wave.objects.filter(programme__slug="regio").order_by("starts_on")
    assert one.ends_on < two.starts_on and two.ends_on < today
    assert (today - two.starts_on).days <= 61
    # Every conversation is held in one of the two waves: the baseline or, in the last two months, the second.
    held = Conversation.objects.values_list("held_on", flat=True)
    assert held and all(one.starts_on <= day <= two.ends_on for day in held)
    assert any(day <= one.ends_on for day in held)
    responses = WaveResponse.objects.filter(wave=two)
    assert not WaveResponse.objects.filter(wave=one).exists()
    adults = sum(
        1
        for born in Person.objects.filter(household_memberships__end_date__isnull=True).values_list(
            "date_of_birth", flat=True
        )
        if (today.year - born.year - ((today.month, today.day) < (born.month, born.day))) >= 18
    )
    assert 0.08 <= responses.count() / adults <= 0.12
    assert not responses.filter(Q(answered_on__lt=two.starts_on) | Q(answered_on__gt=two.ends_on)).exists()
    assert set(responses.values_list("instrument_version", flat=True)) == {current_instrument().number}
    # A respondent's street lies in the response's area.
    for response in responses.order_by("?")[:30]:
        assert Address.objects.filter(street_id=response.street_id, area_id=response.area_id).exists()
    per_response = WaveAnswer.objects.filter(response__wave=two).values("response").annotate(n=Count("id"))
    assert {row["n"] for row in per_response} == {6} and len(per_response) == responses.count()
    assert WaveAnswer.objects.filter(non_answer="declined").exists()
    assert WaveAnswer.objects.filter(value__isnull=False).count() > 0.85 * 6 * responses.count()


def test_the_benchmarks_api_client_is_approved_and_its_token_opens_the_inbox(region, client):
    """benchmarks/run.py makes its API client as an integrator's admin would, and has it approved by the
    second bench admin: the API pages of the benchmark would otherwise all answer 403."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    try:
        import run as bench
    finally:
        sys.path.pop(0)
    token = bench.api_token("regio")
    response = client.get("/api/v1/referrals/", HTTP_AUTHORIZATION=f"Bearer {token}", secure=True)
    assert response.status_code == 200, response.content


def test_generated_revisits_have_a_kind_of_reason_and_first_visits_none(region):
    """The programme's figure of revisits by reason has something to split in a generated region."""
    from stijging.outreach.models import Appointment, AppointmentKind, RevisitReason

    revisits = Appointment.objects.filter(kind=AppointmentKind.REVISIT)
    assert revisits.exists()
    assert not revisits.filter(reason_category__isnull=True).exists()
    assert set(revisits.values_list("reason_category", flat=True)) <= set(RevisitReason.values)
    assert not Appointment.objects.filter(kind=AppointmentKind.VISIT, reason_category__isnull=False).exists()


def test_the_benchmarks_filtered_figure_pages_open_with_the_period_and_area_asked_for(region, client):
    """benchmarks/run.py --with-filtered opens the figure pages with a past period and one area (issue
    14, item 7): each sample answers the manager with that period and that area, not the defaults."""
    from urllib.parse import parse_qs, urlsplit

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    try:
        import run as bench
    finally:
        sys.path.pop(0)
    pages = bench.build_filtered_pages()
    bench.pick_samples(pages, "regio", 3, 1)
    client.force_login(bench.page_user("regio", "manager"))
    for page in pages:
        assert page.samples, page.name
        for sample in page.samples:
            query = parse_qs(urlsplit(sample.path).query)
            response = client.get(sample.path, secure=True)
            assert response.status_code == 200, (page.name, sample.path)
            assert response.context["chosen_period"].key == query["period"][0] != "all"
            assert str(response.context["area"].pk) == query["area"][0]
