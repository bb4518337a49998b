"""The request contract of ActiveCampaign's write endpoints, read from the reference document.

activecampaign-v3-openapi-write-endpoints.txt is a text export of the OpenAPI description: per
endpoint a `METHOD /path` line, `operationId:`, and a `Request Body` JSON block holding the
schema `$ref` and named request examples; at the end a `Schemas` section of `object <Name>`
JSON blocks (only some of the referenced schemas are included). This module parses that text
and turns each endpoint's examples (and its schema, where the document has it) into a JSON
Schema that a request body we send can be validated against with `jsonschema`: the wrapper
key, every field name (unknown names are errors) and the JSON types the examples use.
"""

from __future__ import annotations

import json
import os
import re
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

WRITE_DOC = "activecampaign-v3-openapi-write-endpoints.txt"
ENDPOINT_RE = re.compile(r"^(POST|PUT|PATCH|DELETE) (/\S+)$")
SCHEMA_RE = re.compile(r"^object (\w+)$")

#: Keys that hold ids (these, and keys ending in `id`/`Id`). The document writes ids as
#: integers in some examples and as strings of digits in others (`contactList.contact: 1`,
#: `contactTag.contact: "1"`; api-facts.md: "Ids are strings in JSON"), so either form matches.
ID_KEYS = frozenset({"contact", "account", "tag", "list", "owner", "group", "stage", "deal"})


def is_id_key(key: str) -> bool:
    return key in ID_KEYS or key.lower().endswith("id")


def reference_dir() -> Path | None:
    """Where the reference texts are: $AC_REFERENCE_DIR, else ../shared/reference upwards."""
    env = os.environ.get("AC_REFERENCE_DIR")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    candidates += [p / "shared" / "reference" for p in here.parents]
    return next((p for p in candidates if (p / WRITE_DOC).is_file()), None)


@dataclass
class Endpoint:
    method: str
    path: str
    operation_id: str = ""
    schema_ref: str | None = None
    examples: dict[str, t.Any] = field(default_factory=dict)


@dataclass
class WriteReference:
    endpoints: dict[str, Endpoint]  # "POST /accounts" -> Endpoint
    schemas: dict[str, dict[str, t.Any]]  # "AccountCreateNewAccountRequest" -> JSON Schema


def _json_block(lines: list[str], start: int) -> tuple[t.Any, int]:
    """The JSON value that begins at the first line from `start` opening with `{` or `[`."""
    i = start
    while i < len(lines) and not lines[i].startswith(("{", "[")):
        i += 1
    text = "\n".join(lines[i:])
    value, end = json.JSONDecoder().raw_decode(text)
    return value, i + text[:end].count("\n") + 1


def _next_text(lines: list[str], start: int) -> str:
    return next((x.strip() for x in lines[start:] if x.strip()), "")


def parse_write_reference(text: str) -> WriteReference:
    """Every endpoint with a request body, and every schema of the `Schemas` section."""
    lines = text.splitlines()
    endpoints: dict[str, Endpoint] = {}
    schemas: dict[str, dict[str, t.Any]] = {}
    current: Endpoint | None = None
    in_schemas = False
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if line == "Schemas" and SCHEMA_RE.match(_next_text(lines, i + 1)):
            in_schemas = True  # the section, not the page header's "Schemas / 571"
        elif in_schemas and (m := SCHEMA_RE.match(line)):
            schemas[m.group(1)], i = _json_block(lines, i + 1)
            continue
        elif not in_schemas and (m := ENDPOINT_RE.match(line)):
            current = Endpoint(m.group(1), m.group(2))
        elif current is not None and line.startswith("operationId:"):
            current.operation_id = line.split(":", 1)[1].strip()
        elif current is not None and line == "Request Body" and current.operation_id:
            body, i = _json_block(lines, i + 1)
            media = (body.get("content") or {}).get("application/json") or {}
            current.schema_ref = ((media.get("schema") or {}).get("$ref") or "").rsplit("/")[-1]
            current.examples = {
                name: ex.get("value") for name, ex in (media.get("examples") or {}).items()
            }
            endpoints[f"{current.method} {current.path}"] = current
            current = None
            continue
        i += 1
    return WriteReference(endpoints, schemas)


def load_write_reference(directory: Path) -> WriteReference:
    return parse_write_reference((directory / WRITE_DOC).read_text(encoding="utf-8"))


# -- JSON Schema from the examples (and the documented schema) ---------------------------------

JSON_TYPES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
    (type(None), "null"),
)


def json_type(value: t.Any) -> str:
    return next(name for kind, name in JSON_TYPES if isinstance(value, kind))


def _merge(a: dict[str, t.Any], b: dict[str, t.Any]) -> dict[str, t.Any]:
    """One schema that accepts what either accepts (types, properties, items)."""
    types = sorted(set(_types(a)) | set(_types(b)))
    out: dict[str, t.Any] = {"type": types}
    if "properties" in a or "properties" in b:
        props = dict(a.get("properties") or {})
        for key, sub in (b.get("properties") or {}).items():
            props[key] = _merge(props[key], sub) if key in props else sub
        out["properties"] = props
        out["additionalProperties"] = False
        required = set(a.get("required") or []) | set(b.get("required") or [])
        if required:
            out["required"] = sorted(required)
    if "items" in a or "items" in b:
        items = [s for s in (a.get("items"), b.get("items")) if s]
        out["items"] = _merge(*items) if len(items) == 2 else items[0]
    return out


def _types(schema: dict[str, t.Any]) -> list[str]:
    kind = schema.get("type")
    return list(kind) if isinstance(kind, list) else [kind] if kind else []


def schema_of_example(value: t.Any, key: str = "") -> dict[str, t.Any]:
    """The narrowest schema an example value fits: its JSON type, its keys, its items."""
    kind = json_type(value)
    if is_id_key(key) and (kind == "integer" or (kind == "string" and value.isdigit())):
        return {"type": ["integer", "string"]}
    if kind == "object":
        props = {k: schema_of_example(v, k) for k, v in value.items()}
        return {"type": ["object"], "properties": props, "additionalProperties": False}
    if kind == "array":
        items = [schema_of_example(v, key) for v in value]
        if not items:
            return {"type": ["array"]}
        merged = items[0]
        for other in items[1:]:
            merged = _merge(merged, other)
        return {"type": ["array"], "items": merged}
    return {"type": [kind]}


def _from_documented(schema: dict[str, t.Any], key: str = "") -> dict[str, t.Any]:
    """A documented (OpenAPI) schema in the same closed form as `schema_of_example`."""
    kind = schema.get("type") or "object"
    if is_id_key(key) and kind in ("integer", "string"):
        return {"type": ["integer", "string"]}
    out: dict[str, t.Any] = {"type": [kind]}
    if kind == "object":
        out["properties"] = {
            k: _from_documented(v, k) for k, v in (schema.get("properties") or {}).items()
        }
        out["additionalProperties"] = False
        if schema.get("required"):
            out["required"] = list(schema["required"])
    if kind == "array" and isinstance(schema.get("items"), dict):
        out["items"] = _from_documented(schema["items"], key)
    return out


def request_schema(
    ref: WriteReference, endpoint: str | None, schema_name: str | None = None
) -> dict[str, t.Any]:
    """What a request body may hold: the union of the endpoint's examples and its schema.

    `schema_name` names a documented schema for an endpoint the document lists no body for
    (the PUT endpoints: their schemas are in the `Schemas` section under their own names).
    """
    parts: list[dict[str, t.Any]] = []
    names = [schema_name] if schema_name else []
    if endpoint is not None:
        ep = ref.endpoints[endpoint]
        parts += [schema_of_example(v) for v in ep.examples.values() if v is not None]
        names.append(ep.schema_ref or "")
    parts += [_from_documented(ref.schemas[n]) for n in names if n in ref.schemas]
    if not parts:
        raise KeyError(f"the reference has no request example or schema for {endpoint}")
    merged = parts[0]
    for other in parts[1:]:
        merged = _merge(merged, other)
    return merged


def schema_node(schema: dict[str, t.Any], path: str) -> dict[str, t.Any]:
    """The part of a request schema at a dotted path (`account.fields.fieldValue`); arrays
    are stepped through to their items."""
    node = schema
    for key in path.split(".") if path else []:
        while "items" in node:
            node = node["items"]
        node = node["properties"][key]
    return node


def object_node(schema: dict[str, t.Any], path: str) -> dict[str, t.Any]:
    """The object schema at a dotted path (an array's items when the path ends at an array)."""
    node = schema_node(schema, path)
    while "items" in node and "properties" not in node:
        node = node["items"]
    return node
