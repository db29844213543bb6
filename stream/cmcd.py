"""CMCD (CTA-5004, v1 and v2) parsing: the wire form players send, turned into typed values and metric fields."""

import re

from django.core.exceptions import ValidationError

HEADERS = ("CMCD-Object", "CMCD-Request", "CMCD-Session", "CMCD-Status")
# Their WSGI environ keys: read directly, a heartbeat does not build the whole header mapping for them.
_META_KEYS = {header: "HTTP_" + header.upper().replace("-", "_") for header in HEADERS}

# Keys we read or validate, with their CTA-5004 types. Other keys (custom `x-...` keys, newer ones) are ignored,
# as the specification asks of receivers.
INTEGER_KEYS = {"br", "bl", "bsd", "d", "dl", "df", "dfa", "msd", "mtp", "pb", "pt", "rtp", "sn", "tb", "ts", "v"}
DECIMAL_KEYS = {"pr"}
STRING_KEYS = {"cid", "sid", "nor", "nrr", "ec"}
TOKEN_KEYS = {"ot", "sf", "st", "sta"}
FLAG_KEYS = {"bs", "su"}
TOKENS = {
    "ot": {"m", "a", "v", "av", "i", "c", "tt", "k", "o"},
    "sf": {"d", "h", "s", "o"},
    "st": {"v", "l", "ll"},
    "sta": {"s", "p", "k", "r", "a", "e", "f", "q", "w", "d"},
}
# CMCD v2 player states (`sta`) in our vocabulary; waiting (w) and preloading (d) are not yet playing.
STATES = {
    "s": "starting",
    "p": "playing",
    "k": "seeking",
    "r": "rebuffering",
    "a": "paused",
    "e": "ended",
    "f": "error",
    "q": "ended",  # quit: the viewer left; the session ends as the player's (see to_metrics)
    "w": "starting",
    "d": "starting",
}
MAX_INTEGER = 10**15  # CMCD integers are at most 15 digits (structured-field integers)

_KEY = re.compile(r"^[a-zA-Z0-9_.*-]+$")
_INTEGER = re.compile(r"^-?\d{1,15}$")
_DECIMAL = re.compile(r"^-?\d{1,12}(\.\d{1,3})?$")
_TOKEN = re.compile(r"^[a-zA-Z*][a-zA-Z0-9:/!#$%&'*+.^_`|~-]*$")


def _split(payload: str, separator: str) -> list[str]:
    """Splits on `separator` outside double-quoted strings and parentheses."""
    parts, current, quoted, depth, escaped = [], [], False, 0, False
    for char in payload:
        if quoted:
            current.append(char)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
            continue
        if char == '"':
            quoted = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == separator and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def _bare_value(raw: str) -> str:
    """Drops structured-field parameters (`;v`) after a value that is not a quoted string."""
    if raw.startswith('"'):
        end = raw.rfind('"')
        return raw[: end + 1] if end > 0 else raw
    return raw.split(";", 1)[0]


def _item_types(item: str) -> set[str]:
    """The parameters of an inner-list item (`2000;v` -> {"v"}), the media type it describes."""
    value = _bare_value(item)
    return {param.split("=", 1)[0].strip() for param in item[len(value) :].split(";") if param.strip()}


def _typed(key: str, raw: str):
    raw = raw.strip()
    if raw.startswith("(") and ")" in raw:
        # CMCD v2 inner lists: one value per media type, each tagged with its type token (`;v` video, `;a` audio,
        # `;av` muxed). The video item is the one that describes the picture; an untagged list has one value.
        items = _split(raw[1 : raw.rfind(")")], " ")
        if not items:
            raise ValidationError({key: ["An empty list is not a valid value."]})
        for wanted in ("v", "av"):
            chosen = next((item for item in items if wanted in _item_types(item)), None)
            if chosen is not None:
                return _typed(key, chosen)
        untagged = next((item for item in items if not _item_types(item)), items[0])
        return _typed(key, untagged)
    raw = _bare_value(raw)
    if key in FLAG_KEYS:
        if raw in ("?1", "true"):
            return True
        if raw in ("?0", "false"):
            return False
        raise ValidationError({key: ["A flag is sent as the bare key (true) or omitted (false)."]})
    if key in INTEGER_KEYS:
        if not _INTEGER.match(raw) or int(raw) < 0:
            raise ValidationError({key: [f"Expected a non-negative integer, got {raw!r}."]})
        return int(raw)
    if key in DECIMAL_KEYS:
        if not _DECIMAL.match(raw) or float(raw) < 0:
            raise ValidationError({key: [f"Expected a non-negative decimal number, got {raw!r}."]})
        return float(raw)
    if key in STRING_KEYS:
        if len(raw) < 2 or not (raw.startswith('"') and raw.endswith('"')):
            raise ValidationError({key: [f"Expected a double-quoted string, got {raw!r}."]})
        return raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if key in TOKEN_KEYS:
        if raw not in TOKENS[key]:
            raise ValidationError({key: [f"Unknown value {raw!r}; expected one of {', '.join(sorted(TOKENS[key]))}."]})
        return raw
    return raw  # an unknown key: kept as sent, never interpreted


def parse(payload: str) -> dict:
    """`bl=21300,br=3200,bs,cid="t42"` -> {"bl": 21300, "br": 3200, "bs": True, "cid": "t42"}.

    Raises django ValidationError naming the offending key for a value of the wrong type or range.
    """
    values: dict = {}
    for pair in _split(payload, ","):
        key, has_value, raw = pair.partition("=")
        key = key.strip()
        if not _KEY.match(key):
            raise ValidationError({"cmcd": [f"{key!r} is not a CMCD key."]})
        if has_value:
            values[key] = _typed(key, raw)
        elif key in FLAG_KEYS or key not in INTEGER_KEYS | DECIMAL_KEYS | STRING_KEYS | TOKEN_KEYS:
            values[key] = True  # a bare key is a true flag
        else:
            raise ValidationError({key: ["This key needs a value."]})
    return values


def parse_request(*, query_value: str | None, headers, body_value: str | None) -> dict:
    """All CMCD a request carries (query parameter, the four headers, a `cmcd` body field), merged."""
    values: dict = {}
    for header in HEADERS:
        if headers.get(header):
            values.update(parse(headers[header]))
    if query_value:
        values.update(parse(query_value))
    if body_value:
        values.update(parse(body_value))
    return values


def headers_from_meta(meta: dict) -> dict:
    """The CMCD headers of a request, from its WSGI environ (`request.META`)."""
    return {header: meta[key] for header, key in _META_KEYS.items() if key in meta}


def to_metrics(values: dict) -> dict:
    """CMCD values in the vocabulary of a JSON metric update (see the CMCD mapping in docs/services/stream.md)."""
    metrics: dict = {}
    # Version 1 has no sequence number: a report's timestamp (`ts`) orders it, else its arrival does.
    if "sn" in values:
        metrics["sequence"] = values["sn"]
    elif "ts" in values:
        metrics["sequence"] = values["ts"]
    if "pt" in values:
        metrics["position_s"] = values["pt"] / 1000
    # Now playing: the playhead bitrate (`pb`); without it, the encoded bitrate of the object requested (`br`).
    if "pb" in values:
        metrics["bitrate_kbps"] = values["pb"]
    elif "br" in values:
        metrics["bitrate_kbps"] = values["br"]
    if "bl" in values:
        metrics["buffer_ms"] = values["bl"]
    if "mtp" in values:
        metrics["throughput_kbps"] = values["mtp"]
    if "msd" in values:
        metrics["startup_time_ms"] = values["msd"]
    if "dfa" in values or "df" in values:
        metrics["dropped_frames"] = values.get("dfa", values.get("df"))  # `df` was its draft name
    # The player state: CMCD v2 says it outright; v1 is read from its flags.
    if "sta" in values:
        metrics["state"] = STATES[values["sta"]]
    elif values.get("su"):
        metrics["state"] = "starting"
    elif values.get("bs"):
        metrics["state"] = "rebuffering"
    elif values.get("pr") == 0:
        metrics["state"] = "paused"
    elif values:
        metrics["state"] = "playing"
    if values.get("sta") == "q":
        metrics["quit"] = True
    if metrics.get("state") == "error":
        metrics["fatal_error"] = True
    if "ec" in values:
        metrics["error_code"] = str(values["ec"])[:64]
    return metrics


def key_for_field(name: str, values: dict) -> str:
    """The CMCD key that carried the metric field `name` in `values` (a range error names what the player sent)."""
    if name == "bitrate_kbps" and "pb" not in values:
        return "br"
    if name == "dropped_frames" and "dfa" not in values:
        return "df"
    if name == "sequence" and "sn" not in values:
        return "ts"
    return KEY_FOR_FIELD.get(name, name)


# Which CMCD key a metric field came from, so a range error names the key the player sent.
KEY_FOR_FIELD = {
    "sequence": "sn",
    "position_s": "pt",
    "bitrate_kbps": "pb",
    "buffer_ms": "bl",
    "throughput_kbps": "mtp",
    "startup_time_ms": "msd",
    "dropped_frames": "dfa",
    "error_code": "ec",
    "state": "sta",
}


MAX_REPORT_LINES = 1000  # reports in one event-mode transmission


def _wire_value(key: str, value) -> str | None:
    """A JSON value of CMCD's JSON form in the wire form, so one parser checks both (None: a false flag)."""
    if isinstance(value, bool):
        return "" if value else None
    if isinstance(value, list):
        return "(" + " ".join(_wire_value(key, item) or "" for item in value) + ")"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        if key in STRING_KEYS or key not in TOKEN_KEYS:
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return value
    raise ValidationError({key: ["Expected a number, a string, a boolean or a list."]})


def parse_json_report(report) -> dict:
    """One report of CMCD's JSON form (`{"br": 2000, "sta": "p", "bs": true}`) as typed values."""
    if not isinstance(report, dict):
        raise ValidationError({"cmcd": ["Each report is a JSON object of CMCD keys."]})
    pairs = []
    for key, value in report.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise ValidationError({"cmcd": [f"{str(key)[:40]!r} is not a CMCD key."]})
        wire = _wire_value(key, value)
        if wire is not None:
            pairs.append(key if wire == "" else f"{key}={wire}")
    return parse(",".join(pairs))


def parse_reports(*, body: bytes, content_type: str, query_value: str | None) -> list[dict]:
    """The reports of one event-mode transmission (CTA-5004-B): `application/cmcd` (one report per line, as
    `navigator.sendBeacon` sends text too), JSON (an object or a list of them), or one report in `?CMCD=`."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    reports: list[dict] = []
    if body.strip():
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationError({"cmcd": ["The body is not UTF-8 text."]}) from exc
        if media_type == "application/json":
            import json

            try:
                data = json.loads(text)
            except ValueError as exc:
                raise ValidationError({"cmcd": ["The body is not valid JSON."]}) from exc
            items = data if isinstance(data, list) else [data]
            if len(items) > MAX_REPORT_LINES:
                raise ValidationError({"cmcd": [f"At most {MAX_REPORT_LINES} reports per request."]})
            reports = [parse_json_report(item) for item in items]
        else:
            lines = [line for line in text.splitlines() if line.strip()]
            if len(lines) > MAX_REPORT_LINES:
                raise ValidationError({"cmcd": [f"At most {MAX_REPORT_LINES} reports per request."]})
            reports = [parse(line) for line in lines]
    if query_value:
        reports.append(parse(query_value))
    return reports


def report_order(reports: list[dict]) -> list[dict]:
    """The reports of a batch in the order they happened: by sequence number, else by timestamp, else as sent."""
    for key in ("sn", "ts"):
        if reports and all(key in report for report in reports):
            return sorted(reports, key=lambda report: report[key])
    return reports
