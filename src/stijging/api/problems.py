"""RFC 9457 problem details for every error of the API (application/problem+json).

DRF's own handler decides the status (401, 403, 404, 405, 429, …); this turns its body into a problem
document. Django's ValidationError (what the services raise) is a 400 with the field errors, and a
ConflictError (someone else changed the record) a 412: the client's ETag is stale.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from stijging.concurrency import ConflictError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy("The record was changed since you read it: read it again and use its new ETag.")
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = gettext_lazy("Send If-Match with the ETag of the record you read.")
    default_code = "precondition_required"


class Gone(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_detail = gettext_lazy(
        "The consent for this referral was withdrawn: stop the work; nothing of the person is shared."
    )
    default_code = "consent_withdrawn"


def _errors(data) -> list[dict]:
    """Flatten DRF's error structure to [{"field": …, "message": …}]."""
    result: list[dict] = []

    def walk(value, field: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, key if key != "non_field_errors" and key != "__all__" else field)
        elif isinstance(value, list):
            for inner in value:
                walk(inner, field)
        else:
            result.append({"field": field, "message": str(value)})

    walk(data, "")
    return result


def problem(request, status_code: int, title: str, detail: str = "", errors: list[dict] | None = None) -> Response:
    body: dict = {"type": "about:blank", "title": title, "status": status_code}
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.path
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def handler(exc, context):
    request = context.get("request")
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}  # type: ignore[dict-item]
        )
    elif isinstance(exc, ConflictError):
        exc = PreconditionFailed()
    response = exception_handler(exc, context)
    if response is None:
        logger.exception("API error", exc_info=exc)
        return problem(request, 500, _("Server error"), _("Something went wrong on our side."))
    if isinstance(exc, exceptions.ValidationError):
        result = problem(request, response.status_code, _("The request is not valid."), "", _errors(exc.detail))
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else ""
        title = {
            400: _("Bad request"),
            401: _("Not authenticated"),
            403: _("Forbidden"),
            404: _("Not found"),
            405: _("Method not allowed"),
            406: _("Not acceptable"),
            410: _("Gone"),
            412: _("Precondition failed"),
            415: _("Unsupported media type"),
            428: _("Precondition required"),
            429: _("Too many requests"),
        }.get(response.status_code, _("Error"))
        result = problem(request, response.status_code, str(title), str(detail))
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            result[header] = response[header]
    return result
