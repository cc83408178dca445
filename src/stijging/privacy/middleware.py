import re
import uuid

from django.conf import settings

from . import context

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class AuditContextMiddleware:
    """Gives each request an id and remembers the client address for the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = context.set_current(
            context.RequestContext(request_id=request_id, client_ip=client_ip(request), path=request.path[:300])
        )
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


def client_ip(request) -> str | None:
    """The client's address for the audit log. Behind STIJGING_PROXY_HOPS trusted reverse proxies the
    address is the one the outermost of them put into X-Forwarded-For; anything further left in that
    header was written by the client and is not believed."""
    hops = settings.STIJGING_PROXY_HOPS
    forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops] or None
    return request.META.get("REMOTE_ADDR") or None
