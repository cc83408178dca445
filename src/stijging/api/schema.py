"""What the published OpenAPI document says beyond what drf-spectacular infers: the bearer token, and
the problem details (RFC 9457) every operation may answer with."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

PROBLEM = {
    "type": "object",
    "description": "Problem details (RFC 9457).",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                "required": ["field", "message"],
            },
        },
    },
    "required": ["type", "title", "status"],
}

COMMON = {
    "400": "The request is not valid.",
    "401": "No valid token.",
    "403": "The client lacks the scope.",
    "404": "Not found, or not yours.",
    "406": "Not acceptable.",
    "415": "Unsupported media type.",
    "429": "Too many requests: wait Retry-After seconds.",
}
WRITES = {
    "412": "The record changed since you read it (stale ETag).",
    "428": "If-Match is missing.",
}
VERSION_HEADER = {
    "API-Version": {"description": "The API's version (semver).", "schema": {"type": "string"}},
}


class ApiClientAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "stijging.api.authentication.ApiClientAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "The API client's token, shown once."}


def add_problem_responses(result, generator, request, public):
    """Postprocessing hook: every operation documents its problem responses and the version header."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            codes = dict(COMMON)
            if method in ("post", "put", "patch", "delete") and any(
                p.get("name") == "If-Match" for p in operation.get("parameters", [])
            ):
                codes.update(WRITES)
            for code, text in codes.items():
                responses.setdefault(code, {"description": text})
            for code, response in responses.items():
                if code.startswith(("4", "5")):
                    response["content"] = problem
                response.setdefault("headers", {}).update(VERSION_HEADER)
    return result
