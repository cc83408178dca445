"""Who may do what through the API: the one place its checks live beyond the apps' own scopes.

A scope opens a kind of endpoint (permissions.HasScope). `referrals` and `case` act through the
role their scope gives the client's service account (models.SCOPE_ROLES), so the apps' own
`visible_to` and services decide. `figures` and `addresses` need no role: they reach only the
client's own programmes, checked here.
"""

from __future__ import annotations

from .models import ApiClient, Scope


def programme_ids(client: ApiClient) -> set[int]:
    """The client's programmes (one query per request, cached on the client)."""
    cached = getattr(client, "_programme_ids", None)
    if cached is None:
        cached = set(client.programmes.values_list("pk", flat=True))
        client._programme_ids = cached  # type: ignore[attr-defined]
    return cached


def may_read_figures(client: ApiClient, programme_id: int) -> bool:
    return client.active and client.has_scope(Scope.FIGURES) and programme_id in programme_ids(client)


def may_import_addresses(client: ApiClient, programme_id: int) -> bool:
    return client.active and client.has_scope(Scope.ADDRESSES) and programme_id in programme_ids(client)
