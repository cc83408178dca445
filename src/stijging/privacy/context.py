"""Per-request context that audit events pick up (client address, request id, path).

Services are called with `acting_user=` only; where they are called from a request, the middleware
has put the rest here, so the audit trail is complete without threading `request` everywhere.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_ip: str | None = None
    path: str = ""


# RequestContext is a frozen dataclass, so sharing one default instance is safe.
_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "stijging_request_context",
    default=RequestContext(),  # noqa: B039
)


def current() -> RequestContext:
    return _current.get()


def set_current(ctx: RequestContext) -> contextvars.Token[RequestContext]:
    return _current.set(ctx)


def reset(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)
