"""The uploaded tenant list or population-register extract between the preview and its confirmation.

Kept like the address import's upload (import_preview: a random token bound to user and area, an
hour at most, in the directory the server's workers share, readable by the server's user only), with
its options: the confirmation sends only the token and the preview's plan. Unlike a BAG extract this
file holds personal data, so it is removed as soon as it is imported or refused, and a preview that
changes nothing keeps nothing.
"""

from __future__ import annotations

import datetime
import io

from .import_preview import drop, keep_file, take_file
from .models import Area
from .people_import import PeopleImportReport, import_people

OBJECT_TYPE = "registry.people_import"


def preview(
    *,
    acting_user,
    area: Area,
    data: bytes,
    filename: str,
    extract_date: datetime.date,
    complete: bool,
    valid_rows_only: bool,
) -> tuple[PeopleImportReport, str]:
    """What importing the file would do, written nowhere, and the token to confirm it with (empty
    when the file is refused or would change nothing). Raises ImportFileError for an unreadable file."""
    report = import_people(
        acting_user=acting_user,
        area=area,
        stream=io.BytesIO(data),
        filename=filename,
        extract_date=extract_date,
        complete=complete,
        dry_run=True,
        valid_rows_only=valid_rows_only,
    )
    changes = report.households_added + report.households_moved + report.households_ended
    changes += report.persons_added + report.persons_moved + report.persons_ended
    if (report.rejected and not valid_rows_only) or not changes:
        return report, ""
    meta = {
        "user_id": acting_user.pk,
        "area_id": area.pk,
        "filename": filename,
        "extract_date": extract_date.isoformat(),
        "complete": complete,
        "valid_rows_only": valid_rows_only,
    }
    return report, keep_file(meta, data)


def confirm(*, acting_user, area: Area, token: str, plan: str) -> tuple[PeopleImportReport | None, str]:
    """Import a previewed file under the options of its preview, held to the preview's `plan`.
    (None, "") for an unknown, expired, used or foreign token; else the report, and the token that
    still confirms it when the plan changed (the report is then the new preview)."""
    kept = take_file(token, user=acting_user, area=area, object_type=OBJECT_TYPE)
    if kept is None:
        return None, ""
    meta, data = kept
    report = import_people(
        acting_user=acting_user,
        area=area,
        stream=io.BytesIO(data),
        filename=meta["filename"],
        extract_date=datetime.date.fromisoformat(meta["extract_date"]),
        complete=meta["complete"],
        valid_rows_only=meta["valid_rows_only"],
        expected_plan=plan,
    )
    if report.plan_changed:
        return report, token
    drop(token)
    return report, ""
