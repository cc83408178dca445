"""The `addresses` scope: a BAG extract imported into an area of the client's programmes through
registry.imports, with the same per-row report as the web form. Stateless: send the file with
`dry_run` for the preview, then again with the preview's `plan` as `expected_plan` to import exactly
that (or get a new preview with `plan_changed` when the addresses changed in between)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from stijging.registry import imports
from stijging.registry.forms import AddressImportForm
from stijging.registry.models import Area

from . import access
from .models import Scope
from .views import _not_found


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("CSV or XLSX with the BAG columns (see docs/address-import.md)."))
    dry_run = serializers.BooleanField(default=False, help_text=_("Only say what the import would do."))
    valid_rows_only = serializers.BooleanField(default=False)
    complete = serializers.BooleanField(default=False, help_text=_("The file is the area's complete extract."))
    move_from_other_programmes = serializers.BooleanField(default=False)
    expected_plan = serializers.CharField(required=False, allow_blank=True, max_length=128)


class RowProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    reason = serializers.CharField()


class MovedSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    address_id = serializers.IntegerField()
    label = serializers.CharField()
    from_area = serializers.CharField()
    from_programme = serializers.CharField()
    other_programme = serializers.BooleanField()


class ImportReportSerializer(serializers.Serializer):
    file_format = serializers.CharField()
    rows_read = serializers.IntegerField()
    accepted = serializers.SerializerMethodField()
    rejected = RowProblemSerializer(many=True)
    skipped = RowProblemSerializer(many=True)
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    retired = serializers.IntegerField()
    not_in_file = serializers.IntegerField()
    moved = MovedSerializer(many=True)
    committed = serializers.BooleanField()
    dry_run = serializers.BooleanField()
    complete = serializers.BooleanField()
    plan = serializers.CharField()
    plan_changed = serializers.BooleanField()

    def get_accepted(self, report) -> int:
        return len(report.accepted)


class AddressImportView(APIView):
    required_scope = Scope.ADDRESSES
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=["addresses"],
        summary="Import a BAG extract into an area (preview with dry_run, then confirm with expected_plan)",
        request={"multipart/form-data": ImportRequestSerializer},
        responses=ImportReportSerializer,
    )
    def post(self, request, slug: str, area_id: int):
        area = Area.objects.select_related("programme").filter(pk=area_id, programme__slug=slug).first()
        if area is None or not access.may_import_addresses(request.auth, area.programme_id):
            raise _not_found(request, "registry.area", area_id)
        given = ImportRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        options = given.validated_data
        upload = options["file"]
        if upload.size > AddressImportForm.MAX_BYTES:  # the web form's limit and message
            raise ValidationError({"file": [_("The file is larger than 50 MB. Split it per area.")]})
        try:
            report = imports.import_addresses(
                acting_user=request.user,
                area=area,
                data=upload.read(),
                filename=upload.name,
                dry_run=options["dry_run"],
                valid_rows_only=options["valid_rows_only"],
                complete=options["complete"],
                move_from_other_programmes=options["move_from_other_programmes"],
                expected_plan=options.get("expected_plan") or None,
            )
        except imports.ImportFileError as error:
            raise ValidationError({"file": [str(error)]}) from None
        # A processed file is a 200 whatever it says: `committed` tells whether anything was written.
        return Response(ImportReportSerializer(report).data)
