"""The uploaded address file between the import screen's preview and its confirmation.

A browser cannot send a chosen file twice, so the preview keeps it server-side in the cache the
server's workers share, under a random token, bound to the user and the area it was previewed for.
The options (complete extract, move from other programmes, valid rows only) are kept with it: the
confirmation sends only the token and the preview's plan, so it cannot import under other options
than the ones the preview showed. A BAG extract holds addresses only, no personal data.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass

from django.core.cache import cache

from .models import Area

PREFIX = "registry:address-import:"
# Long enough to read a preview of a large file and confirm it; short enough not to keep files around.
MAX_AGE = 60 * 60


@dataclass(frozen=True)
class PendingImport:
    user_id: int
    area_id: int
    filename: str
    data: bytes
    valid_rows_only: bool
    complete: bool
    move_from_other_programmes: bool


def keep(pending: PendingImport) -> str:
    token = secrets.token_urlsafe(32)
    cache.set(PREFIX + token, asdict(pending), MAX_AGE)
    return token


def take(token: str, *, user, area: Area) -> PendingImport | None:
    """The pending import under `token`, if it was previewed by this user for this area."""
    stored = cache.get(PREFIX + token) if token else None
    if not stored:
        return None
    pending = PendingImport(**stored)
    if pending.user_id != user.pk or pending.area_id != area.pk:
        return None
    return pending


def drop(token: str) -> None:
    cache.delete(PREFIX + token)
