"""Turn ActiveCampaign's stringly-typed JSON into values of the stream's JSON schema types.

The API sends ids and counters as strings (``"id": "12"``), flags as ``"0"``/``"1"``, some
timestamps with an offset and some naive (account time zone), and ``0000-00-00`` for "no
date". Converters are built once per stream from its schema, so each record costs one pass
over its typed fields and nothing is guessed from the values themselves.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

Converter = t.Callable[[t.Any], t.Any]

#: API navigation URLs (``links``) are derived from the id and the account's API host: they
#: carry no data, would be most of each record's bytes, and are left out of every schema.
IGNORED_KEY = "links"
#: "No date" as the API writes it (``0000-00-00`` or ``0000-00-00 00:00:00``): null.
ZERO_DATE = "0000-00-00"

_TRUE = frozenset({"1", "true", "True", "TRUE", "yes", "on", "t", "y"})
_FALSE = frozenset({"0", "false", "False", "FALSE", "no", "off", "f", "n", ""})
_BOOL_TEXT = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}


def parse_timestamp(value: t.Any) -> dt.datetime | None:
    """An aware datetime from an emitted (already conformed) timestamp string."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def schema_types(prop: dict) -> set[str]:
    """The JSON types a property allows, with ``null`` dropped."""
    types = prop.get("type", [])
    if isinstance(types, str):
        types = [types]
    found = {x for x in types if x != "null"}
    for sub in prop.get("anyOf", []) or []:
        found |= schema_types(sub)
    return found


def to_integer(value: t.Any) -> int | None:
    """``"12"`` -> 12; empty strings become null; a whole float becomes an int."""
    if value is None or isinstance(value, bool):
        return None if value is None else int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value).strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
        if not number.is_finite():  # "inf", "NaN": no integer, and int() would raise
            return None
        return int(number) if number == number.to_integral_value() else None


def to_number(value: t.Any) -> int | float | None:
    """``"12.50"`` -> 12.5; integers stay integers so ``"100"`` is written back unchanged."""
    if value is None or isinstance(value, bool):
        return None if value is None else int(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    text = str(value).strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return None


def to_boolean(value: t.Any) -> bool | None:
    """``"1"``/``"0"``, ``1``/``0``, ``"true"``/``"false"`` -> bool; anything else -> null."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    text = str(value).strip()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


class DateTimeConverter:
    """ISO 8601 with offset out; offsets in the input are kept exactly as sent.

    Naive timestamps (``2019-11-22 14:15:37``) are in the account's time zone, so they get
    that zone's offset. Zero dates (``0000-00-00 00:00:00``) and empty strings become null.
    Every value is parsed (so malformed text becomes null, never invalid output), but the
    common shapes are re-assembled as strings instead of through ``isoformat``.
    """

    def __init__(self, tz: dt.tzinfo) -> None:
        self.tz = tz
        offset = tz.utcoffset(None) if not isinstance(tz, ZoneInfo) else None
        if isinstance(tz, ZoneInfo) and tz.key in ("UTC", "Etc/UTC", "Etc/GMT", "GMT"):
            offset = dt.timedelta(0)
        # A fixed offset lets naive text get its suffix without computing DST.
        self.suffix: str | None = None
        if offset is not None:
            sign = "-" if offset < dt.timedelta(0) else "+"
            minutes = abs(int(offset.total_seconds())) // 60
            self.suffix = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"

    def __call__(self, value: t.Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            parsed = value
        else:
            text = value if isinstance(value, str) else str(value)
            size = len(text)
            if size == 25 and text[10] == "T" and text[19] in "+-":
                # "YYYY-MM-DDTHH:MM:SS+HH:MM": already what we emit; keep the original text.
                try:
                    dt.datetime.fromisoformat(text)
                except ValueError:
                    return None
                return text
            if size == 19 and text[10] in " T" and self.suffix is not None:
                if text.startswith(ZERO_DATE):
                    return None
                try:
                    dt.datetime.fromisoformat(text)
                except ValueError:
                    return None
                return f"{text[:10]}T{text[11:]}{self.suffix}"
            text = text.strip()
            if not text or text.startswith(ZERO_DATE):
                return None
            if text.isdigit() and len(text) >= 9:  # a Unix timestamp
                try:
                    return dt.datetime.fromtimestamp(int(text), tz=dt.UTC).isoformat()
                except (OverflowError, OSError, ValueError):  # beyond the datetime range
                    return None
            try:
                parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.tz)
        return parsed.isoformat()


class DateConverter:
    """``YYYY-MM-DD`` out (JSON schema ``format: date``); zero dates become null."""

    def __call__(self, value: t.Any) -> str | None:
        if value is None:
            return None
        text = str(value).strip()
        if not text or text.startswith(ZERO_DATE):
            return None
        try:
            return dt.date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            return None


def _keep(value: t.Any) -> t.Any:
    return value


def to_string(value: t.Any) -> t.Any:
    """Scalars become strings (the API mixes ``1`` and ``"1"``); structures are kept."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    return value


def converter_for(prop: dict, tz: dt.tzinfo) -> Converter:
    """Pick the converter for one schema property."""
    types = schema_types(prop)
    fmt = prop.get("format")
    if "string" in types and fmt == "date-time":
        return DateTimeConverter(tz)
    if "string" in types and fmt == "date":
        return DateConverter()
    if types == {"integer"}:
        return to_integer
    if types <= {"number", "integer"} and types:
        return to_number
    if types == {"boolean"}:
        return to_boolean
    if types == {"string"}:
        return to_string
    return _keep


class RecordConverter:
    """Conform one stream's records to its schema: drop unknown keys, convert typed ones.

    The per-record function is generated once per schema (straight-line code, one block per
    typed property) because this runs for every record and a generic loop costs several times
    more. It works in place on the freshly decoded record (nobody else holds it): values that
    are already right, most of them, are only looked at.
    """

    def __init__(self, schema: dict, tz: dt.tzinfo | str = "UTC") -> None:
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        props: dict[str, dict] = schema.get("properties", {})
        self.keys = frozenset(props)
        self.unknown_seen: set[str] = set()
        env: dict[str, t.Any] = {
            "_keys": self.keys,
            "_unknown": self.unknown_seen,
            "_ignored": IGNORED_KEY,
            "_iso": dt.datetime.fromisoformat,
            "_bools": _BOOL_TEXT,
        }
        lines = ["def convert(r):"]
        if IGNORED_KEY not in props:
            # Always sent, never kept: drop it before the cheap check for unknown keys.
            lines += ["    if _ignored in r:", "        del r[_ignored]"]
        lines += [
            "    if not _keys.issuperset(r):",
            "        extra = r.keys() - _keys",
            "        for k in extra:",
            "            del r[k]",
            "        _unknown.update(extra)",
            "    get = r.get",
        ]
        for n, (name, prop) in enumerate(props.items()):
            conv = converter_for(prop, zone)
            if conv is _keep:
                continue
            key = repr(name)
            fn = f"_c{n}"
            env[fn] = conv
            lines.append(f"    v = get({key})")
            if conv is to_integer:
                lines += [
                    "    if v is not None and v.__class__ is not int:",
                    "        try:",
                    f"            r[{key}] = int(v) if v.__class__ is str else {fn}(v)",
                    "        except ValueError:",
                    f"            r[{key}] = {fn}(v)",
                ]
            elif conv is to_string:
                lines += [
                    "    if v is not None and v.__class__ is not str:",
                    f"        r[{key}] = {fn}(v)",
                ]
            elif conv is to_boolean:
                lines += [
                    "    if v is not None and v.__class__ is not bool:",
                    "        b = _bools.get(v) if v.__class__ is str else None",
                    f"        r[{key}] = b if b is not None else {fn}(v)",
                ]
            elif isinstance(conv, DateTimeConverter):
                # Inline the commonest shapes: "YYYY-MM-DDTHH:MM:SS+HH:MM" (validate, keep)
                # and, for a fixed-offset account zone, naive "YYYY-MM-DD HH:MM:SS".
                lines += [
                    "    if v is None:",
                    "        pass",
                    "    elif v.__class__ is str and len(v) == 25 and v[10] == 'T'"
                    " and v[19] in '+-':",
                    "        try:",
                    "            _iso(v)",
                    "        except ValueError:",
                    f"            r[{key}] = None",
                ]
                if conv.suffix is not None:
                    # A zero date ("0000-00-00 00:00:00", null) would fail the parse: test
                    # for it first, as raising costs more than the whole conversion.
                    lines += [
                        "    elif v.__class__ is str and len(v) == 19 and v[10] == ' ':",
                        f"        if v.startswith({ZERO_DATE!r}):",
                        f"            r[{key}] = None",
                        "        else:",
                        "            try:",
                        "                _iso(v)",
                        f"                r[{key}] = v[:10] + 'T' + v[11:] + {conv.suffix!r}",
                        "            except ValueError:",
                        f"                r[{key}] = None",
                    ]
                lines += ["    else:", f"        r[{key}] = {fn}(v)"]
            elif isinstance(conv, DateConverter):
                lines += [
                    "    if v is None:",
                    "        pass",
                    f"    elif v.__class__ is str and v.startswith({ZERO_DATE!r}):",
                    f"        r[{key}] = None",
                    "    else:",
                    f"        r[{key}] = {fn}(v)",
                ]
            else:
                lines += ["    if v is not None:", f"        r[{key}] = {fn}(v)"]
        lines.append("    return r")
        code = "\n".join(lines)
        exec(compile(code, f"<converter {len(props)} fields>", "exec"), env)
        #: The generated function itself (one call layer less on the per-record path).
        self.convert: t.Callable[[dict], dict] = env["convert"]

    def __call__(self, record: dict) -> dict:
        """Convert ``record`` in place and return it."""
        return self.convert(record)
