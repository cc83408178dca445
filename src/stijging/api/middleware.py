"""Under /api/v1/: the `API-Version` header on every answer, and problem details (RFC 9457) also for
the errors Django answers before a view of the API runs (a URL that matches no route: 404)."""

from __future__ import annotations

import json

from django.http import HttpResponse

API_PREFIX = "/api/v1/"
API_VERSION = "1.0.0"
PROBLEM_CONTENT_TYPE = "application/problem+json"
_TITLES = {404: "Not found", 405: "Method not allowed", 500: "Server error"}


class ApiVersionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX):
            return response
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            (PROBLEM_CONTENT_TYPE, "application/json")
        ):
            body = {
                "type": "about:blank",
                "title": _TITLES.get(response.status_code, "Error"),
                "status": response.status_code,
                "instance": request.path,
            }
            response = HttpResponse(json.dumps(body), status=response.status_code, content_type=PROBLEM_CONTENT_TYPE)
        response["API-Version"] = API_VERSION
        return response
