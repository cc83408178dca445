"""The privacy officer's desk in the demo: a few data-subject requests in each state, made through
the services as the privacy officer would, so the desk, the deadlines and the register show."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from stijging.accounts.models import Membership, Role
from stijging.privacy import services
from stijging.privacy.subject import legal_holds
from stijging.registry.models import HouseholdMembership, Person, Programme
from stijging.trajectories.models import Trajectory


def seed_requests(programme: Programme, *, today: datetime.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    officer = Membership.objects.filter(programme=programme, role=Role.PRIVACY_OFFICER).select_related("user").first()
    if officer is None:
        return {}
    user = officer.user
    in_programme = Person.objects.filter(
        Exists(
            HouseholdMembership.objects.filter(
                person=OuterRef("pk"), household__residences__address__area__programme=programme
            )
        )
    ).order_by("pk")
    with_open_trajectory = in_programme.filter(Exists(Trajectory.objects.not_closed().filter(person=OuterRef("pk"))))
    # Adults without a trajectory, referral or meldcode signal: nothing holds their erasure.
    free = [
        p
        for p in in_programme.filter(date_of_birth__lt=today.replace(year=today.year - 18))[:60]
        if not legal_holds(p.pk)
    ]
    held = list(with_open_trajectory[:2])
    if len(free) < 8 or not held:
        return {}

    def register(person, kind, days_ago, check="id_document", **extra):
        return services.subject_request_register(
            acting_user=user,
            programme_id=programme.pk,
            person_id=person.pk,
            kind=kind,
            received_on=today - datetime.timedelta(days=days_ago),
            identity_check=check,
            **extra,
        )

    def close(request, status, outcome):
        request.refresh_from_db()
        return services.subject_request_close(
            acting_user=user, request=request, version=request.version, status=status, outcome=outcome
        )

    counts: dict[str, int] = {}
    # Received, nothing done yet: an access request and an erasure request a new privacy officer can
    # take from registration to the PDF, and to an anonymised person.
    register(free[0], "access", 2, description="Wil weten wat er over haar is vastgelegd.")
    register(free[1], "erasure", 3, check="digid", description="Wil niet meer in het systeem staan.")
    # Due within a week, export already made.
    soon = register(free[2], "access", 26)
    services.subject_export_create(acting_user=user, request=soon)
    # Extended by two months, with its reason.
    extended = register(free[3], "portability", 40, check="known_worker")
    services.subject_request_extend(
        acting_user=user,
        request=extended,
        version=extended.version,
        months=2,
        reason="Gegevens bij drie partnerorganisaties moeten worden nagevraagd.",
    )
    # Overdue: an objection nobody answered in time.
    register(free[4], "objection", 35, description="Maakt bezwaar tegen de huisbezoeken.")
    # A rectification with processing restricted while the date of birth is checked.
    rectification = register(free[5], "rectification", 5, description="Geboortedatum klopt niet.")
    services.restriction_place(acting_user=user, request=rectification, reason="Juistheid betwist (art. 18 lid 1 a)")
    # Done: an access request handed over.
    done = register(free[6], "access", 60)
    services.subject_export_create(acting_user=user, request=done)
    close(done, "done", "Overzicht op 12 november persoonlijk overhandigd.")
    # Withdrawn.
    close(
        register(free[7], "portability", 20, check="representative", requested_by_other="J. Bakker (gemachtigde)"),
        "withdrawn",
        "De verzoeker heeft het verzoek telefonisch ingetrokken.",
    )
    # Refused: an erasure request held by an open trajectory.
    refused = register(held[0], "erasure", 15)
    services.erasure_decide(
        acting_user=user,
        request=refused,
        version=refused.version,
        grant=False,
        outcome="Afgewezen: er loopt nog een hulptraject; na afsluiting kan het verzoek opnieuw worden gedaan.",
    )
    # Granted: a person anonymised.
    granted = register(free[8] if len(free) > 8 else free[-1], "erasure", 45)
    services.erasure_decide(
        acting_user=user, request=granted, version=granted.version, grant=True, outcome="Gegevens geanonimiseerd."
    )
    counts["requests"] = 10
    return counts
