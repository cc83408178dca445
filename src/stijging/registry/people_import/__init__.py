"""Importing households and persons: a housing association's tenant list and a population-register
(BRP) extract (issue 16; layouts in docs/people-import.md).

The file is read with the address import's reader (`imports.iter_rows`: BOM, cp1252, `;` or `,`,
CSV or XLSX, postcodes with a space or in lower case), row by row, and handled in batches of whole
addresses, so that a region's extract of a million persons needs memory for one batch plus one
integer per person seen (the complete extract's "who was missing"), never for the file.

Matching, not duplicating:
- an address is the registry's BAG address (postcode, number, letter, addition); a row at an address
  outside the programme's areas, or not in the registry at all, is rejected;
- a person is the same person by BSN where BSN is enabled (`STIJGING_ENABLE_BSN`) and the row has
  one; otherwise by given names, prefix, family name and date of birth, first among the persons who
  ever lived at the row's address, then among the persons living in the programme's areas now (a
  move within the neighbourhood), and only where exactly one person fits. A person of another
  programme is never taken: that row is rejected (decision 0004: an import takes only its own);
- a household is the one living at the address.

Every change to an existing household or person goes through the registry's services (a move, a
person leaving or joining a household), so that they leave the same audit events as on the screens
and keep the same rules (decision 0003). New households and persons are written in bulk by one
service per batch, audited per batch by person id. Persons are never named in an audit event.

Everything runs in one transaction. A dry run (the preview), a refused file (a rejected row while
`valid_rows_only` is off) and a confirmation whose plan changed since its preview are rolled back:
the report is what the import would do, computed by the same code.

The package: `reading` (the file, row by row, in batches), `importer` (matching and writing a batch)
and `import_people` here, the one entry point the command, the preview and the benchmark call.
"""

from __future__ import annotations

import datetime
from typing import BinaryIO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stijging.privacy import audit
from stijging.privacy.models import AuditAction

from ..models import Area
from .importer import ANALYZE_EVERY, Importer
from .reading import BRP, TENANTS, PeopleImportReport, batches, read

__all__ = ["BRP", "TENANTS", "PeopleImportReport", "import_people"]

# --- The import ---------------------------------------------------------------------------------


def import_people(
    *,
    acting_user,
    area: Area,
    stream: BinaryIO,
    filename: str,
    extract_date: datetime.date | None = None,
    complete: bool = False,
    dry_run: bool = False,
    valid_rows_only: bool = False,
    expected_plan: str | None = None,
) -> PeopleImportReport:
    """Import a tenant list or a population-register extract at the addresses of `area`'s programme.

    `extract_date`: the day the extract describes (default today); no date in the file may lie after
    it, and persons missing from a `complete` extract of `area` moved out on it. All or nothing unless
    `valid_rows_only`. `expected_plan`: the `plan` of the preview being confirmed; when the data
    changed since, nothing is written and the report is the new preview (`plan_changed`).
    Raises ImportFileError for a file that cannot be read as a whole."""
    extract_date = extract_date or timezone.localdate()
    report = PeopleImportReport(complete=complete, dry_run=dry_run, extract_date=extract_date)
    importer = Importer(acting_user=acting_user, area=area, report=report, extract_date=extract_date)
    with transaction.atomic():
        for batch in batches(read(stream, filename, extract_date=extract_date, report=report)):
            if report.shape == BRP:
                importer.person_batch(batch)
            else:
                importer.contract_batch(batch)
        if complete and report.shape == TENANTS:
            report.notes.append(
                _(
                    "A tenant list holds the housing association's dwellings only, so it is never taken as a "
                    "complete extract: nobody was marked as moved out for missing from it."
                )
            )
        elif complete and report.rejected:
            report.notes.append(
                _("Rows were rejected, so this file is not a complete extract: nobody was marked as moved out.")
            )
        elif complete and not report.rows_valid:
            report.notes.append(_("The file has no person to import, so it is not taken as a complete extract."))
        elif complete:
            if importer.added_since_analyze >= ANALYZE_EVERY // 10:
                importer.analyze()
            importer.end_missing()
        report.rejected.sort(key=lambda problem: problem.row)
        for problem in report.rejected:
            importer.decide("rejected", problem.row)
        report.plan = importer.plan.hexdigest()
        report.plan_changed = expected_plan is not None and expected_plan != report.plan
        if dry_run or report.plan_changed or (report.rejected and not valid_rows_only):
            transaction.set_rollback(True)
            return report
        report.committed = True
        audit.record(
            actor=acting_user,
            action=AuditAction.CREATE,
            object_type="registry.people_import",
            object_id=area.pk,
            # Counts only: who was added, moved or ended is in the events of those writes, by id.
            detail={
                "shape": report.shape,
                "extract_date": extract_date.isoformat(),
                "complete": complete,
                "rows_read": report.rows_read,
                "rejected": len(report.rejected),
                **report.counts(),
            },
        )
    return report
