"""API v1 views: thin, like the web's. Reads through the referrals app's scoped selectors, writes
through its services (no second write path), the same audit events as the web pages, the client's
service account as the actor. Outside the scope: 404 (existence does not leak), audited."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from stijging.privacy import audit
from stijging.privacy.models import AuditAction
from stijging.referrals import access as referral_access
from stijging.referrals import selectors as referral_selectors
from stijging.referrals import services as referral_services
from stijging.referrals.models import Referral, ReferralEvent
from stijging.referrals.states import ReferralStatus, Side

from .models import Scope
from .pagination import IdCursorPagination
from .problems import Gone, PreconditionFailed, PreconditionRequired
from .serializers import ReferralListSerializer, ReferralSerializer, TransitionSerializer

PURPOSE = "referral"


def _not_found(request, object_type: str, pk) -> NotFound:
    audit.record_denied(actor=request.user, object_type=object_type, object_id=pk, detail={"status": 404})
    return NotFound()


def etag_of(referral: Referral) -> str:
    return f'"referral-{referral.pk}-v{referral.version}"'


def _version_from_if_match(request, referral: Referral) -> int:
    """The version the client read, from If-Match (428 without it, 412 when it is not the current one)."""
    if_match = request.headers.get("If-Match", "").strip()
    if not if_match:
        raise PreconditionRequired()
    if etag_of(referral) not in [tag.strip() for tag in if_match.split(",")]:
        raise PreconditionFailed()
    return referral.version


# --- The partner's inbox ----------------------------------------------------------------------------


class InboxFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReferralStatus.choices, required=False)
    changed_since = serializers.DateTimeField(required=False, help_text=_("ISO 8601, e.g. 2026-12-01T08:00:00+01:00"))


@extend_schema(
    tags=["referrals"],
    summary="The organisation's referral inbox",
    parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, enum=ReferralStatus.values, description="Only this status."),
        OpenApiParameter(
            "changed_since", OpenApiTypes.DATETIME, description="Only referrals with a step at or after this moment."
        ),
    ],
)
class InboxView(generics.ListAPIView):
    """Referrals addressed to the client's organisation in its programmes, opened by an active access
    grant (the web inbox's list), newest first."""

    required_scope = Scope.REFERRALS
    serializer_class = ReferralListSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self):
        filters = InboxFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        # Filtered on the client's organisation AND its programmes (the partner role its service account
        # holds in each, models.SCOPE_ROLES); newest first by id, served by referral_programme_org_id_idx.
        queryset = referral_selectors.partner_inbox(self.request.user, status=filters.validated_data.get("status", ""))
        last_step = ReferralEvent.objects.filter(referral=OuterRef("pk")).order_by("-at", "-id").values("at")[:1]
        queryset = queryset.annotate(changed_at=Subquery(last_step))
        since = filters.validated_data.get("changed_since")
        if since is not None:
            queryset = queryset.filter(Exists(ReferralEvent.objects.filter(referral=OuterRef("pk"), at__gte=since)))
        return queryset

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        rows = response.data["results"]
        audit.record(
            actor=request.user,
            action=AuditAction.LIST,
            object_type="referrals.referral",
            person_ids=[row["person"]["id"] for row in rows],
            purpose=PURPOSE,
            detail={"status": request.query_params.get("status", ""), "api": True},
        )
        return response


# --- One referral ---------------------------------------------------------------------------------


def _referral_response(request, referral: Referral, status: int = 200) -> Response:
    context = {
        "request": request,
        "today": timezone.localdate(),
        # The partner visits the person where they live now (as on the web page).
        "address": referral_selectors.current_address(referral.person_id),
    }
    response = Response(ReferralSerializer(referral, context=context).data, status=status)
    response["ETag"] = etag_of(referral)
    return response


def _partner_referral(request, pk: int) -> Referral:
    """The referral page's read, or 410 when the consent was withdrawn (the partner learns that much),
    or 404 (audited) for anything else outside the scope."""
    try:
        referral = referral_selectors.referral_page(request.user, pk)
    except Referral.DoesNotExist:
        withdrawn = referral_selectors.withdrawn_referral_for_partner(request.user, pk)
        if withdrawn is None:
            raise _not_found(request, "referrals.referral", pk) from None
        audit.record(
            actor=request.user,
            action=AuditAction.VIEW,
            obj=withdrawn,
            purpose=PURPOSE,
            detail={"consent_withdrawn": True},
        )
        raise Gone() from None
    if not referral_access.acts_as_partner(request.user, referral):
        raise _not_found(request, "referrals.referral", pk)
    return referral


class ReferralView(APIView):
    required_scope = Scope.REFERRALS

    @extend_schema(
        tags=["referrals"],
        summary="A referral, with exactly what the partner's referral page shows",
        responses={200: ReferralSerializer, 410: OpenApiResponse(description="The consent was withdrawn.")},
    )
    def get(self, request, pk: int):
        referral = _partner_referral(request, pk)
        audit.record(
            actor=request.user,
            action=AuditAction.VIEW,
            obj=referral,
            person_ids=[referral.person_id],
            purpose=PURPOSE,
            detail={"organisation_id": referral.organisation_id, "api": True},
        )
        return _referral_response(request, referral)


class TransitionView(APIView):
    required_scope = Scope.REFERRALS

    @extend_schema(
        tags=["referrals"],
        summary="The partner's next step: accept, decline, start, complete or return",
        description=(
            "Send `If-Match` with the `ETag` of the referral as you last read it (412 when someone changed it "
            "since, 428 without it). Reason and outcome codes only: never medical or police detail; "
            "`code_text` only with the code `other`."
        ),
        parameters=[OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True)],
        request=TransitionSerializer,
        responses={200: ReferralSerializer, 410: OpenApiResponse(description="The consent was withdrawn.")},
    )
    def post(self, request, pk: int):
        referral = _partner_referral(request, pk)
        version = _version_from_if_match(request, referral)
        step = TransitionSerializer(data=request.data)
        step.is_valid(raise_exception=True)
        referral_services.referral_transition(
            acting_user=request.user,
            referral=referral,
            version=version,
            to_status=step.validated_data["to_status"],
            side=Side.PARTNER,
            code=step.validated_data["code"],
            code_text=step.validated_data["code_text"],
        )
        return _referral_response(request, referral_selectors.referral_page(request.user, pk))
