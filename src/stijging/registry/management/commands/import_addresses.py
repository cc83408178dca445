from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stijging.registry.imports import ImportFileError, import_addresses
from stijging.registry.models import Area


class Command(BaseCommand):
    help = (
        "Import BAG addresses (NLExtract bagadres.csv / bagadres-full.csv, or the project template as CSV or XLSX) "
        "into an area. All or nothing, unless --valid-rows-only."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--area", required=True, help="the area's short name (slug)")
        parser.add_argument("--programme", help="the programme's slug, when several programmes have this area slug")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--valid-rows-only", action="store_true", help="import the good rows, report the rest")
        parser.add_argument(
            "--complete",
            action="store_true",
            help="the file is the complete extract of the area: mark the area's addresses it lacks as no longer "
            "in the BAG (run with --dry-run first to see how many)",
        )
        parser.add_argument(
            "--move-from-other-programmes",
            action="store_true",
            help="move addresses that lie in another programme's area into this area, with their households "
            "and history (each is listed); without it such a row is rejected",
        )

    def handle(self, *args, **options):
        areas = Area.objects.filter(slug=options["area"])
        if options["programme"]:
            areas = areas.filter(programme__slug=options["programme"])
        if areas.count() != 1:
            raise CommandError(f"Expected one area with short name {options['area']!r}, found {areas.count()}.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            report = import_addresses(
                acting_user=None,
                area=areas.get(),
                data=path.read_bytes(),
                filename=path.name,
                dry_run=options["dry_run"],
                valid_rows_only=options["valid_rows_only"],
                complete=options["complete"],
                move_from_other_programmes=options["move_from_other_programmes"],
            )
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        out = self.stdout.write
        out(f"format: {report.file_format}; rows read: {report.rows_read}")
        out(f"accepted: {len(report.accepted)}; skipped: {len(report.skipped)}; rejected: {len(report.rejected)}")
        for problem in report.skipped:
            out(f"  skipped  row {problem.row}: {problem.reason}")
        for problem in report.rejected:
            out(f"  rejected row {problem.row}: {problem.reason}")
        if report.rejected and not options["valid_rows_only"]:
            raise CommandError(
                "Nothing was imported: fix the rejected rows, or run with --valid-rows-only to import the rest."
            )
        verb = "would be" if report.dry_run else "were"
        for moved in report.moved:
            programme = f" of programme {moved.from_programme}" if moved.other_programme else ""
            out(
                f"  {verb} moved address {moved.address_id} ({moved.label}, row {moved.row}) from area "
                f"{moved.from_area}{programme}"
            )
        out(
            f"{report.created} addresses {verb} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.retired} marked as no longer in the BAG."
        )
        if not report.complete and report.not_in_file:
            out(
                f"{report.not_in_file} addresses of the area are not in this file and stay as they are; "
                "run with --complete (try --dry-run first) if the file is the complete extract of the area."
            )
        elif report.retire_note:
            out(report.retire_note)
