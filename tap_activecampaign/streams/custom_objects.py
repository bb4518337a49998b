"""Custom objects: one stream per schema of the account, discovered at run time.

A record's ``fields`` array (``[{"id": "plan", "value": "pro"}]``) becomes one column per
schema field, typed from the field's declared type; ``relationships`` is kept as sent.
"""

from __future__ import annotations

import re
import typing as t

from tap_activecampaign.client import ActiveCampaignStream
from tap_activecampaign.paging import meta_total

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from singer_sdk.helpers.types import Context

    from activecampaign_http import ApiClient
    from tap_activecampaign.sdk_compat import TapServices

#: Record keys that are not custom fields (a field with one of these ids would collide).
RESERVED = frozenset(
    {"id", "externalId", "schemaId", "relationships", "createdTimestamp", "updatedTimestamp"}
)

_NULLABLE_STRING = {"type": ["string", "null"]}
_FIELD_TYPES: dict[str, dict[str, t.Any]] = {
    "number": {"type": ["number", "null"]},
    "currency": {"type": ["object", "number", "null"]},
    "date": {"type": ["string", "null"], "format": "date"},
    "datetime": {"type": ["string", "null"], "format": "date-time"},
    "multiselect": {"type": ["array", "null"], "items": {"type": ["string", "null"]}},
    "boolean": {"type": ["boolean", "null"]},
}


class CustomObjectSchemasStream(ActiveCampaignStream):
    """Custom object schemas, deleted fields included (``showFields=all``)."""

    name = "custom_object_schemas"
    path = "customObjects/schemas"
    records_key = "schemas"
    replication_key = "updatedTimestamp"
    created_key = "createdTimestamp"
    extra_params = {"showFields": "all"}
    scan_deletions = False

    def request_records(self, context: Context | None) -> Iterator[dict]:
        """The schemas discovery already read (same query), else read them now."""
        cached = self.tap.custom_object_definitions
        if cached is None:
            yield from super().request_records(context)
            return
        self._filter = {}
        self._client_since = self.incremental_since(context)
        self._seed_bookmark(context)
        yield from (dict(definition) for definition in cached)


def slugify(text: str) -> str:
    """Stream-name-safe snake_case."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "unnamed"


def record_schema(schema: dict[str, t.Any]) -> dict[str, t.Any]:
    """JSON schema of one custom object's records, one column per live field."""
    props: dict[str, t.Any] = {
        "id": {"type": ["string"]},
        "externalId": _NULLABLE_STRING,
        "schemaId": _NULLABLE_STRING,
        "relationships": {"type": ["object", "null"]},
        "createdTimestamp": {"type": ["string", "null"], "format": "date-time"},
        "updatedTimestamp": {"type": ["string", "null"], "format": "date-time"},
    }
    for field in schema.get("fields") or []:
        fid = field.get("id")
        if not fid or fid in RESERVED or field.get("status") == "marked_for_deletion":
            continue
        props[fid] = dict(_FIELD_TYPES.get(str(field.get("type")), _NULLABLE_STRING))
    return {"type": "object", "properties": props}


class CustomObjectRecordsStream(ActiveCampaignStream):
    """Records of one custom object schema, ``fields`` flattened to columns."""

    schema_id: str = ""
    replication_key = "updatedTimestamp"
    created_key = "createdTimestamp"
    records_key = "records"
    scan_deletions = False  # UUID keys: not in an id bitmap

    def __init__(self, tap: TapServices, definition: dict[str, t.Any], name: str) -> None:
        self.schema_id = str(definition["id"])
        self.path = f"customObjects/records/{self.schema_id}"
        schema = record_schema(definition)
        self._field_ids = frozenset(schema["properties"]) - RESERVED
        self._live_schema = schema
        super().__init__(tap=tap, name=name, schema=schema)  # type: ignore[arg-type]

    @property  # type: ignore[override]
    def schema(self) -> dict:  # ty: ignore[invalid-method-override]
        """The schema built from the live custom object definition."""
        return self._live_schema

    def preprocess_record(self, record: dict[str, t.Any]) -> dict[str, t.Any]:
        """Flatten ``fields`` into columns; a field absent from a record is null."""
        flat = {k: v for k, v in record.items() if k != "fields"}
        for name in self._field_ids:
            flat.setdefault(name, None)
        for item in record.get("fields") or []:
            fid = item.get("id") if isinstance(item, dict) else None
            if fid in self._field_ids:
                flat[fid] = item.get("value")
        return flat


def custom_object_definitions(client: ApiClient) -> list[dict[str, t.Any]]:
    """Every custom object schema of the account (all pages, deleted fields shown)."""
    found: list[dict[str, t.Any]] = []
    offset = 0
    while True:
        body = client.get_json(
            "customObjects/schemas", params={"limit": 100, "offset": offset, "showFields": "all"}
        )
        schemas = body.get("schemas") if isinstance(body, dict) else None
        if not schemas:
            return found
        found.extend(s for s in schemas if isinstance(s, dict) and s.get("id"))
        offset += len(schemas)
        total = meta_total(body)
        if (total is not None and offset >= total) or (total is None and len(schemas) < 100):
            return found


def custom_object_streams(
    tap: TapServices, definitions: list[dict[str, t.Any]]
) -> list[ActiveCampaignStream]:
    """One stream per custom object schema, named ``custom_object_<slug>``."""
    found: list[ActiveCampaignStream] = []
    seen_names: set[str] = set()
    for definition in definitions:
        name = f"custom_object_{slugify(str(definition.get('slug') or definition['id']))}"
        if name in seen_names:  # two slugs that snake_case alike
            name = f"{name}_{slugify(str(definition['id']))[:8]}"
        seen_names.add(name)
        found.append(CustomObjectRecordsStream(tap, definition, name))
    return found


#: This domain's streams, in discovery order (``streams.ALL`` concatenates the domains).
STREAMS: tuple[type[ActiveCampaignStream], ...] = (CustomObjectSchemasStream,)
