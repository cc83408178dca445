"""What the API shows: exactly what the corresponding web page shows, no more (field by field)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from stijging.referrals import states
from stijging.referrals.states import ReferralCode, ReferralStatus, Side


def _name_of(user) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.email


class PersonNameSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="full_name")


class ReferralListSerializer(serializers.Serializer):
    """A row of the partner's inbox (the web inbox's columns)."""

    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=ReferralStatus.choices)
    priority = serializers.BooleanField()
    answer_due_on = serializers.DateField(allow_null=True)
    overdue = serializers.SerializerMethodField()
    sent_at = serializers.DateTimeField()
    changed_at = serializers.DateTimeField(allow_null=True)
    person = PersonNameSerializer()
    domain = serializers.CharField(source="domain.name")
    assigned_to = serializers.SerializerMethodField()

    def get_url(self, referral) -> str:
        return reverse("api:referral", args=[referral.pk])

    def get_overdue(self, referral) -> bool:
        return referral.is_overdue(self.context["today"])

    def get_assigned_to(self, referral) -> str | None:
        return _name_of(referral.assigned_to)


class AddressSerializer(serializers.Serializer):
    street = serializers.CharField(source="street.name")
    house_number = serializers.CharField(source="house_number_display")
    postcode = serializers.CharField(source="postcode_display")
    place = serializers.CharField(source="woonplaats")


class ReferralPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="full_name")
    date_of_birth = serializers.DateField()
    phone = serializers.CharField()


class CaseManagerSerializer(serializers.Serializer):
    name = serializers.SerializerMethodField()
    phone = serializers.CharField()
    email = serializers.EmailField()

    def get_name(self, user) -> str:
        return _name_of(user) or ""


class EventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    status = serializers.ChoiceField(source="to_status", choices=ReferralStatus.choices)
    code = serializers.CharField()
    code_text = serializers.CharField()


class ReferralSerializer(serializers.Serializer):
    """The partner's referral page, field by field."""

    id = serializers.IntegerField()
    organisation = serializers.CharField(source="organisation.name")
    status = serializers.ChoiceField(choices=ReferralStatus.choices)
    code = serializers.CharField()
    code_text = serializers.CharField()
    overdue = serializers.SerializerMethodField()
    priority = serializers.BooleanField()
    answer_due_on = serializers.DateField(allow_null=True)
    person = ReferralPersonSerializer()
    address = serializers.SerializerMethodField()
    domain = serializers.CharField(source="domain.name")
    question = serializers.CharField()
    case_manager = CaseManagerSerializer(source="trajectory.case_manager")
    sent_at = serializers.DateTimeField()
    assigned_to = serializers.SerializerMethodField()
    events = EventSerializer(many=True, source="events.all")
    next_steps = serializers.SerializerMethodField()
    version = serializers.IntegerField()

    def get_overdue(self, referral) -> bool:
        return referral.is_overdue(self.context["today"])

    @extend_schema_field(AddressSerializer(allow_null=True))
    def get_address(self, referral) -> dict | None:
        address = self.context.get("address")
        return AddressSerializer(address).data if address else None

    def get_assigned_to(self, referral) -> str | None:
        return _name_of(referral.assigned_to)

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=ReferralStatus.choices)))
    def get_next_steps(self, referral) -> list[str]:
        """The statuses the partner may move this referral to now (see POST …/transitions)."""
        if referral.status not in states.OPEN_STATUSES:
            return []
        return states.next_for(referral.status, Side.PARTNER)


PARTNER_TARGETS = sorted({to for (_frm, to), t in states.TRANSITIONS.items() if t.side == Side.PARTNER})


class TransitionSerializer(serializers.Serializer):
    """One step of the partner: accepted, declined (with a reason code), in_progress, completed (with
    an outcome code) or returned (with a reason code). The text only with the code "other"."""

    to_status = serializers.ChoiceField(choices=[(s, ReferralStatus(s).label) for s in PARTNER_TARGETS])
    code = serializers.ChoiceField(choices=ReferralCode.choices, required=False, allow_blank=True, default="")
    code_text = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text=_("Only with the code “other”.")
    )
