"""The `case` scope: the municipality's case system reads households, persons, trajectories and
referrals of the client's programmes, and registers a household with its members. Reads through the
apps' scoped selectors (the service account is a project worker there), writes through the
registry's services; the same audit events as the web pages."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from stijging.privacy import audit
from stijging.privacy.models import AuditAction
from stijging.referrals.models import Referral
from stijging.referrals.states import ReferralCode, ReferralStatus
from stijging.registry import access as registry_access
from stijging.registry import selectors as registry_selectors
from stijging.registry import services as registry_services
from stijging.registry.forms import HouseholdCreateForm, MemberAddForm
from stijging.registry.models import Address, Household, Person, Relation
from stijging.trajectories.models import Trajectory

from .models import Scope
from .pagination import IdCursorPagination
from .serializers import AddressSerializer
from .views import _not_found

PURPOSE = "registry"


# --- Serializers ------------------------------------------------------------------------------------


class HouseholdRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MemberSerializer(serializers.Serializer):
    person_id = serializers.IntegerField()
    name = serializers.CharField(source="person.full_name")
    date_of_birth = serializers.DateField(source="person.date_of_birth")
    relation = serializers.ChoiceField(choices=Relation.choices)
    since = serializers.DateField(source="start_date")
    until = serializers.DateField(source="end_date", allow_null=True)


class HouseholdSerializer(serializers.Serializer):
    """The household page: its current address and its members, current and former."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    note = serializers.CharField()
    address = AddressSerializer(allow_null=True)
    members = MemberSerializer(many=True)
    version = serializers.IntegerField()


class MembershipSerializer(serializers.Serializer):
    household_id = serializers.IntegerField()
    relation = serializers.ChoiceField(choices=Relation.choices)
    since = serializers.DateField(source="start_date")
    until = serializers.DateField(source="end_date", allow_null=True)


class PersonSerializer(serializers.Serializer):
    """The person page's facts (never the BSN)."""

    id = serializers.IntegerField()
    given_names = serializers.CharField()
    tussenvoegsel = serializers.CharField()
    family_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    phone = serializers.CharField()
    email = serializers.CharField()
    households = MembershipSerializer(many=True, source="household_memberships.all")
    version = serializers.IntegerField()


class TrajectoryRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person_id = serializers.IntegerField()
    status = serializers.CharField()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    case_manager = serializers.SerializerMethodField()

    def get_case_manager(self, trajectory) -> str:
        return trajectory.case_manager.get_full_name() or trajectory.case_manager.email


class CaseReferralRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    trajectory_id = serializers.IntegerField()
    person_id = serializers.IntegerField()
    organisation = serializers.CharField(source="organisation.name")
    status = serializers.ChoiceField(choices=ReferralStatus.choices)
    code = serializers.ChoiceField(choices=[("", "—"), *ReferralCode.choices])
    priority = serializers.BooleanField()
    sent_at = serializers.DateTimeField()


class NewMemberSerializer(serializers.Serializer):
    given_names = serializers.CharField(max_length=100)
    tussenvoegsel = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    family_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField()
    relation = serializers.ChoiceField(choices=Relation.choices)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")


class NewHouseholdSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    address_id = serializers.IntegerField(min_value=1, help_text=_("An address of one of the client's programmes."))
    moved_in_on = serializers.DateField()
    members = NewMemberSerializer(many=True, min_length=1, max_length=20)


# --- Views ------------------------------------------------------------------------------------------


def _web_forms(data: dict) -> tuple[HouseholdCreateForm, list[MemberAddForm]]:
    """The web's own forms check what the API is sent (dates not in the future, a valid phone
    number, …): one set of rules, with the same Dutch messages. Raises a 400 naming each field."""
    household_form = HouseholdCreateForm(
        data={"name": data["name"], "note": data["note"], "moved_in_on": data["moved_in_on"].isoformat()}
    )
    errors: dict[str, list[str]] = {}
    if not household_form.is_valid():
        errors.update({key: [str(m) for m in value] for key, value in household_form.errors.items()})
    member_forms = []
    for number, member in enumerate(data["members"]):
        form = MemberAddForm(
            data={
                **{key: value for key, value in member.items() if key != "date_of_birth"},
                "date_of_birth": member["date_of_birth"].isoformat(),
                "member_since": data["moved_in_on"].isoformat(),
            }
        )
        if not form.is_valid():
            errors.update({f"members[{number}].{key}": [str(m) for m in value] for key, value in form.errors.items()})
        member_forms.append(form)
    if errors:
        raise ValidationError(errors)
    return household_form, member_forms


def _household_response(request, household: Household, status_code: int = 200) -> Response:
    residence = registry_selectors.current_residence(household)
    data = {
        "id": household.pk,
        "name": household.name,
        "note": household.note,
        "address": residence.address if residence else None,
        "members": list(household.memberships.all()),
        "version": household.version,
    }
    return Response(HouseholdSerializer(data).data, status=status_code)


@extend_schema(tags=["case"], summary="Households living in the client's programmes")
class HouseholdListView(generics.ListAPIView):
    required_scope = Scope.CASE
    serializer_class = HouseholdRowSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self):
        return Household.objects.visible_to(self.request.user).only("id", "name")

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        audit.record(
            actor=request.user,
            action=AuditAction.LIST,
            object_type="registry.household",
            purpose=PURPOSE,
            detail={"api": True, "ids": [row["id"] for row in response.data["results"]]},
        )
        return response

    @extend_schema(
        tags=["case"],
        summary="Register a household at an address, with its members",
        request=NewHouseholdSerializer,
        responses={201: HouseholdSerializer},
    )
    def post(self, request):
        if not registry_access.may_edit_registry(request.user):
            raise _not_found(request, "registry.household", "")
        new = NewHouseholdSerializer(data=request.data)
        new.is_valid(raise_exception=True)
        data = new.validated_data
        household_form, member_forms = _web_forms(data)
        try:
            address = registry_selectors.address_for(request.user, data["address_id"])
        except Address.DoesNotExist:
            raise _not_found(request, "registry.address", data["address_id"]) from None
        # One transaction over the registry's two services: a household without its members is
        # never left behind by a member the services refuse.
        with transaction.atomic():
            household = registry_services.household_register(
                acting_user=request.user,
                name=household_form.cleaned_data["name"],
                address=address,
                moved_in_on=household_form.cleaned_data["moved_in_on"],
                note=household_form.cleaned_data["note"],
            )
            for form in member_forms:
                registry_services.person_add_to_household(
                    acting_user=request.user,
                    household=household,
                    relation=form.cleaned_data["relation"],
                    member_since=form.cleaned_data["member_since"],
                    **form.person_fields(),
                )
        return _household_response(
            request, registry_selectors.household_detail(request.user, household.pk), status.HTTP_201_CREATED
        )


class HouseholdView(APIView):
    required_scope = Scope.CASE

    @extend_schema(tags=["case"], summary="A household: its address and members", responses=HouseholdSerializer)
    def get(self, request, pk: int):
        try:
            household = registry_selectors.household_detail(request.user, pk)
        except Household.DoesNotExist:
            raise _not_found(request, "registry.household", pk) from None
        audit.record(
            actor=request.user,
            action=AuditAction.VIEW,
            obj=household,
            person_ids=[m.person_id for m in household.memberships.all()],
            purpose=PURPOSE,
            detail={"api": True},
        )
        return _household_response(request, household)


class PersonView(APIView):
    required_scope = Scope.CASE

    @extend_schema(tags=["case"], summary="A person", responses=PersonSerializer)
    def get(self, request, pk: int):
        try:
            person = registry_selectors.person_detail(request.user, pk)
        except Person.DoesNotExist:
            raise _not_found(request, "registry.person", pk) from None
        audit.record(
            actor=request.user,
            action=AuditAction.VIEW,
            obj=person,
            person_ids=[person.pk],
            purpose=PURPOSE,
            detail={"api": True},
        )
        return Response(PersonSerializer(person).data)


def _list_audit(request, object_type: str, rows: list[dict], purpose: str) -> None:
    audit.record(
        actor=request.user,
        action=AuditAction.LIST,
        object_type=object_type,
        person_ids=[row["person_id"] for row in rows],
        purpose=purpose,
        detail={"api": True},
    )


@extend_schema(tags=["case"], summary="Trajectories of the client's programmes")
class TrajectoryListView(generics.ListAPIView):
    required_scope = Scope.CASE
    serializer_class = TrajectoryRowSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self):
        return Trajectory.objects.visible_to(self.request.user).select_related("case_manager")

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        _list_audit(request, "trajectories.trajectory", response.data["results"], "trajectory")
        return response


@extend_schema(tags=["case"], summary="Referrals of the client's programmes")
class CaseReferralListView(generics.ListAPIView):
    required_scope = Scope.CASE
    serializer_class = CaseReferralRowSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self):
        return Referral.objects.visible_to(self.request.user).select_related("organisation")

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        _list_audit(request, "referrals.referral", response.data["results"], "referral")
        return response
