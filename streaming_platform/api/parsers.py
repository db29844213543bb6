"""The API's JSON parser: DRF's, refusing what would fail later as a 500 (deep nesting, lone surrogates)."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No request body of this API nests deeper than a few levels; this bound leaves room and stays far below
# Python's recursion limit, which serializers and the database driver would otherwise hit.
MAX_JSON_DEPTH = 32


def first_problem(data) -> str | None:
    """Why `data` cannot be taken (too deep, a string that is not valid Unicode), or None."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            values = [*value.keys(), *value.values()]
        elif isinstance(value, list):
            values = value
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "JSON parse error - strings must be valid Unicode (a lone surrogate \\ud800-\\udfff was sent)."
            continue
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            return f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels."
        pending.extend((item, depth + 1) for item in values)
    return None


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.") from None
        problem = first_problem(data)
        if problem:
            raise ParseError(problem)
        return data
