"""The referral's state machine: every allowed transition in this one table (ENGINEERING.md, convention 5).

    sent → accepted | declined (reason)
    accepted → in progress | returned (reason)
    in progress → completed (coded outcome) | returned (reason)
    sent | accepted | in progress → withdrawn (by the case manager, or because the consent was withdrawn)
    withdrawn → the status before it (the case manager undoes their own withdrawal, the same day only)

The partner may report the outcome in one step from any open state: the steps of OUTCOME_PATH from
the current status on are taken one after the other (services.referral_report_outcome), each by
this table.

Each transition names who may take it (the addressed partner, the case side, or the system acting
on a withdrawn consent) and which codes it takes. Codes only: no medical or police detail flows
back into the file; the short text is allowed only with the code "other".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("sent")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    IN_PROGRESS = "in_progress", _("in progress")
    COMPLETED = "completed", _("completed")
    RETURNED = "returned", _("returned")
    WITHDRAWN = "withdrawn", _("withdrawn")


class ReferralCode(models.TextChoices):
    HELP_GIVEN = "help_given", _("help given")
    CLIENT_REFUSED = "client_refused", _("client refused")
    NO_CAPACITY = "no_capacity", _("no capacity")
    UNABLE_TO_CONTACT = "unable_to_contact", _("unable to contact")
    NO_LONGER_NEEDED = "no_longer_needed", _("no longer needed")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("consent withdrawn")
    OTHER = "other", _("other")


class Side(models.TextChoices):
    PARTNER = "partner", _("the partner organisation")
    CASE = "case", _("the case manager")
    SYSTEM = "system", _("the system")


S = ReferralStatus
C = ReferralCode

REASONS = (C.CLIENT_REFUSED, C.NO_CAPACITY, C.UNABLE_TO_CONTACT, C.NO_LONGER_NEEDED, C.OTHER)
OUTCOMES = (C.HELP_GIVEN, C.CLIENT_REFUSED, C.UNABLE_TO_CONTACT, C.NO_LONGER_NEEDED, C.OTHER)
WITHDRAWALS = (C.NO_LONGER_NEEDED, C.CLIENT_REFUSED, C.OTHER)


@dataclass(frozen=True)
class Transition:
    side: str
    codes: tuple[str, ...] = ()  # empty: the transition takes no code

    @property
    def needs_code(self) -> bool:
        return bool(self.codes)


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.SENT, S.ACCEPTED): Transition(Side.PARTNER),
    (S.SENT, S.DECLINED): Transition(Side.PARTNER, REASONS),
    (S.ACCEPTED, S.IN_PROGRESS): Transition(Side.PARTNER),
    (S.ACCEPTED, S.RETURNED): Transition(Side.PARTNER, REASONS),
    (S.IN_PROGRESS, S.COMPLETED): Transition(Side.PARTNER, OUTCOMES),
    (S.IN_PROGRESS, S.RETURNED): Transition(Side.PARTNER, REASONS),
    (S.SENT, S.WITHDRAWN): Transition(Side.CASE, WITHDRAWALS),
    (S.ACCEPTED, S.WITHDRAWN): Transition(Side.CASE, WITHDRAWALS),
    (S.IN_PROGRESS, S.WITHDRAWN): Transition(Side.CASE, WITHDRAWALS),
}
# A withdrawn consent withdraws every open referral resting on it, whatever the user.
SYSTEM_WITHDRAWAL = Transition(Side.SYSTEM, (C.CONSENT_WITHDRAWN,))
# Undoing a withdrawal (one tap too many): back to the status before it, by the case side, on the
# day of the withdrawal and only while nothing happened since (services.referral_withdrawal_undo).
UNDO_WITHDRAWAL = Transition(Side.CASE)

# The partner's way from "sent" to an outcome; reporting the outcome walks it from where it stands.
OUTCOME_PATH = (S.SENT, S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED)

OPEN_STATUSES = frozenset({S.SENT, S.ACCEPTED, S.IN_PROGRESS})
FINAL_STATUSES = frozenset({S.DECLINED, S.COMPLETED, S.RETURNED, S.WITHDRAWN})
ANSWERED_STATUSES = frozenset({S.ACCEPTED, S.DECLINED})


def transition(from_status: str, to_status: str) -> Transition | None:
    return TRANSITIONS.get((from_status, to_status))


def next_for(from_status: str, side: str) -> list[str]:
    return [to for (frm, to), t in TRANSITIONS.items() if frm == from_status and t.side == side]


def outcome_steps(from_status: str) -> list[str]:
    """The statuses an outcome report passes from `from_status` to "completed" (empty when closed)."""
    if from_status not in OPEN_STATUSES:
        return []
    return list(OUTCOME_PATH[OUTCOME_PATH.index(from_status) + 1 :])
