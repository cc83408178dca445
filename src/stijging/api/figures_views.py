"""The `figures` scope: a programme's aggregates by period and area, read through the programme home's
own call of the disclosure layer (monitoring.page.shown_figures), as a role without access to
persons sees them: small counts suppressed, special categories left out, and no cell shown that the
page hides from that reader (the page's monthly series and other tables tie cells together)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from stijging.monitoring import page as monitoring_page
from stijging.monitoring import periods
from stijging.privacy.disclosure import State
from stijging.registry.models import Programme

from . import access
from .models import Scope
from .views import _not_found

CARDS = ("in_scope", "reached", "visited", "with_question", "in_trajectory")
# The rows of the rise table, in reports.home_figures' order.
RISE_KEYS = ("rose", "equal", "declined", "at_top", "not_applicable", "no_rung")


class CellSerializer(serializers.Serializer):
    value = serializers.IntegerField(allow_null=True, help_text=_("Only when shown."))
    state = serializers.ChoiceField(choices=[(s.value, s.value) for s in State])
    threshold = serializers.IntegerField()


class PeriodSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()


class RiseRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    cell = CellSerializer()
    share = serializers.FloatField(allow_null=True)


class DomainRowSerializer(serializers.Serializer):
    name = serializers.CharField()
    compared = CellSerializer()
    improved = CellSerializer()
    equal = CellSerializer()
    worse = CellSerializer()
    mean_change = serializers.FloatField(allow_null=True)


class PartnerRowSerializer(serializers.Serializer):
    organisation = serializers.CharField()
    sent = CellSerializer()
    answered = CellSerializer()
    overdue_now = CellSerializer()
    within_share = serializers.FloatField(allow_null=True)
    median_working_days = serializers.FloatField(allow_null=True)


class AreaRowSerializer(serializers.Serializer):
    area_id = serializers.IntegerField()
    name = serializers.CharField()
    addresses = serializers.IntegerField()
    households = CellSerializer()
    empty = CellSerializer()


class CardsSerializer(serializers.Serializer):
    in_scope = CellSerializer()
    reached = CellSerializer()
    visited = CellSerializer()
    with_question = CellSerializer()
    in_trajectory = CellSerializer()


class FiguresSerializer(serializers.Serializer):
    programme = serializers.CharField()
    period = PeriodSerializer()
    area_id = serializers.IntegerField(allow_null=True)
    computed_at = serializers.DateTimeField()
    cards = CardsSerializer()
    participation_rate = serializers.FloatField(allow_null=True)
    rise = RiseRowSerializer(many=True)
    domains = DomainRowSerializer(many=True)
    partners = PartnerRowSerializer(many=True)
    areas = AreaRowSerializer(many=True)


def _cell(cell) -> dict:
    return {"value": cell.value, "state": str(cell.state), "threshold": cell.threshold}


def _number(value) -> float | None:
    return None if value is None else float(value)


class FiguresView(APIView):
    required_scope = Scope.FIGURES

    @extend_schema(
        tags=["figures"],
        summary="The programme's figures for a period and an area, as the programme home shows them",
        parameters=[
            OpenApiParameter(
                "period",
                OpenApiTypes.STR,
                description="`all` (the programme so far, default), a quarter `2026-Q3`, a year `2026`, or `custom`.",
            ),
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day, with period=custom."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, with period=custom."),
            OpenApiParameter("area", OpenApiTypes.INT, description="An area offered for figures (default: all)."),
        ],
        responses=FiguresSerializer,
    )
    def get(self, request, slug: str):
        programme = Programme.objects.filter(slug=slug).first()
        if programme is None or not access.may_read_figures(request.auth, programme.pk):
            raise _not_found(request, "registry.programme", slug)
        # The period and the area as the programme home reads them from its URL.
        chosen = monitoring_page.filters(request.query_params, programme, whole_programme=True)
        period = chosen["chosen_period"]
        if request.query_params.get("period", periods.ALL) != period.key:
            raise ValidationError({"period": [_("Choose a period the programme has (see the description).")]})
        area = chosen["area"]
        if request.query_params.get("area", "") and area is None:
            raise ValidationError({"area": [_("This area is not offered for figures.")]})
        # The programme home's own call, as a reader who sees no persons and no special categories:
        # the same cells the page shows that reader, never a second run of the layer over less.
        figures, home = monitoring_page.shown_figures(programme, chosen, sees_persons=False, special_allowed=False)
        data = {
            "programme": programme.slug,
            "period": {
                "key": period.key,
                "label": str(period.label),
                "start": period.period.start,
                "end": period.period.end,
            },
            "area_id": area.pk if area else None,
            "computed_at": figures.computed_at,
            "cards": {name: _cell(home.cells[name]) for name in CARDS},
            "participation_rate": _number(home.share("reached", "in_scope")),
            "rise": [
                {"key": key, "label": str(row["label"]), "cell": _cell(row["cell"]), "share": _number(row["share"])}
                for key, row in zip(RISE_KEYS, home.rise_rows, strict=True)
            ],
            "domains": [
                {
                    "name": str(row["name"]),
                    "compared": _cell(row["compared"]),
                    "improved": _cell(row["improved_cell"]),
                    "equal": _cell(row["equal_cell"]),
                    "worse": _cell(row["worse_cell"]),
                    "mean_change": _number(row["mean_change"]),
                }
                for row in home.domain_rows
            ],
            "partners": [
                {
                    "organisation": str(row["organisation"]),
                    "sent": _cell(row["sent"]),
                    "answered": _cell(row["answered"]),
                    "overdue_now": _cell(row["overdue_now"]),
                    "within_share": _number(row["within_share"]),
                    "median_working_days": _number(row["median"]),
                }
                for row in home.partner_rows
            ],
            "areas": [
                {
                    "area_id": row["area"].pk,
                    "name": row["area"].name,
                    "addresses": row["addresses"],
                    "households": _cell(row["households"]),
                    "empty": _cell(row["empty"]),
                }
                for row in home.area_rows
            ],
        }
        # Aggregates only, as on the programme home: no audit event (the web page writes none either).
        return Response(FiguresSerializer(data).data)
