"""The OpenAPI schema's shared parts: every error status an operation can answer, with the error body's shape."""

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import AllowAny

ERROR_REF = {"$ref": "#/components/schemas/Error"}
VALIDATION_ERROR_REF = {"$ref": "#/components/schemas/ValidationError"}
ERROR_COMPONENTS = {
    "Error": {
        "type": "object",
        "description": 'Every error under /api/ but field errors: `{"detail": "..."}`, sometimes with a `code` and '
        "more fields the operation describes.",
        "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationError": {
        "type": "object",
        "description": "Field errors: each offending field (or CMCD key, or `non_field_errors`) with its messages, "
        'e.g. `{"position_s": ["Ensure this value is less than or equal to 1000000."]}`; or `{"detail": "..."}`.',
        "additionalProperties": {},
    },
}
ERROR_DESCRIPTIONS = {
    "400": "Invalid input: the fields or parameters named, and why.",
    "401": "No valid credentials (a missing, malformed, expired or revoked token).",
    "403": "Authenticated, but not allowed.",
    "404": "Not found, or not visible to the caller.",
    "413": "Request body too large.",
    "415": "Unsupported media type of the request body.",
    "429": "Throttled: retry after the `Retry-After` seconds.",
    "503": "The database is unavailable; retry shortly (`Retry-After`).",
}


def _error_response(code: str) -> dict:
    schema = VALIDATION_ERROR_REF if code == "400" else ERROR_REF
    return {"description": ERROR_DESCRIPTIONS[code], "content": {"application/json": {"schema": schema}}}


class ProjectAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, with the error answers every operation can give added where undeclared."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        codes = ["503"]
        needs_credentials = not any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        if self.view.get_authenticators():
            codes.append("401")  # a malformed or revoked token is refused even where anyone may call
        if needs_credentials:
            codes.append("403")
        if "{" in path:
            codes.append("404")
        if operation.get("requestBody") or any(p.get("in") == "query" for p in operation.get("parameters", [])):
            codes.append("400")
        if operation.get("requestBody"):
            codes += ["413", "415"]
        if self.view.get_throttles():
            codes.append("429")
        for code in codes:
            responses.setdefault(code, _error_response(code))
        return operation


def _merge_bearer_schemes(result: dict) -> None:
    """Bearer schemes that differ only in the class checking the token become one, so one paste authorizes all."""
    schemes = result["components"].get("securitySchemes", {})
    bearer = [name for name, scheme in schemes.items() if scheme == {"type": "http", "scheme": "bearer"}]
    if len(bearer) < 2:
        return
    kept, merged = bearer[0], set(bearer[1:])
    for name in merged:
        del schemes[name]
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "security" in operation:
                renamed = [
                    {(kept if name in merged else name): scopes for name, scopes in requirement.items()}
                    for requirement in operation["security"]
                ]
                operation["security"] = [r for i, r in enumerate(renamed) if r not in renamed[:i]]


def _nullable_references(node) -> None:
    """`{"allOf": [ref], "nullable": true}` as `{"oneOf": [ref, NullEnum]}`.

    In OpenAPI 3.0 `nullable` applies only beside a `type`, so validators (and generated clients) read the first
    form as "never null"; the second is how drf-spectacular already writes nullable enums.
    """
    if isinstance(node, list):
        for item in node:
            _nullable_references(item)
        return
    if not isinstance(node, dict):
        return
    all_of = node.get("allOf")
    if node.get("nullable") and isinstance(all_of, list) and len(all_of) == 1 and "type" not in node:
        del node["nullable"]
        node["oneOf"] = [node.pop("allOf")[0], {"$ref": "#/components/schemas/NullEnum"}]
    for value in node.values():
        _nullable_references(value)


def postprocess(result, generator, request, public):
    """Adds the error components; one bearer scheme, listed first, so Swagger's "Authorize" offers it first;
    nullable references a validator reads as nullable."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("NullEnum", {"enum": [None]})
    _nullable_references(result.get("paths", {}))
    _nullable_references(schemas)
    for name, component in ERROR_COMPONENTS.items():
        schemas.setdefault(name, component)
    _merge_bearer_schemes(result)
    schemes = result["components"].get("securitySchemes", {})
    if schemes:
        bearer = {name: scheme for name, scheme in schemes.items() if scheme.get("scheme") == "bearer"}
        result["components"]["securitySchemes"] = {**bearer, **{k: v for k, v in schemes.items() if k not in bearer}}
    return result


WALL_CLOCK_TIME_SCHEMA = {
    "type": "string",
    "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$",
    "example": "07:30:00",
    "description": "A local wall-clock time, HH:MM[:SS], in the account's time zone (no UTC offset).",
}
