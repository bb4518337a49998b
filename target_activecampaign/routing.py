"""Routing: which ActiveCampaign object type a stream's records are, and in which order types drain.

A stream is named after an object type (`contacts`, `deals`, ...), bound to one by the
`stream_objects` setting, or refused before anything is written. `WRITE_ORDER` is the dependency
order (contacts before the deals naming them): the target drains earlier types first.
"""

from __future__ import annotations

import typing as t

# -- stream name -> object type ----------------------------------------------------------------

#: Object types that write data, as named in the README.
WRITE_TYPES = (
    "contacts",
    "accounts",
    "account_contacts",
    "account_field_values",
    "deals",
    "deal_field_values",
    "notes",
    "contact_tags",
    "contact_lists",
    "field_values",
    "tags",
    "ecom_customers",
    "ecom_orders",
)
CUSTOM_OBJECT_PREFIX = "custom_object_"

#: Streams our tap emits that describe account configuration. They write nothing; their records
#: teach the id translation (source id -> natural key) used by the streams that reference them.
REFERENCE_TYPES = (
    "lists",
    "fields",
    "deal_pipelines",
    "deal_stages",
    "users",
    "account_custom_fields",
    "deal_custom_fields",
    "connections",
    "custom_object_schemas",
)
IGNORE_TYPE = "ignore"

#: Other names the same things go by (API resource names, camelCase) for convenience.
ALIASES = {
    "contact": "contacts",
    "account": "accounts",
    "accountcontacts": "account_contacts",
    "deal": "deals",
    "note": "notes",
    "contacttags": "contact_tags",
    "contactlists": "contact_lists",
    "fieldvalues": "field_values",
    "contact_field_values": "field_values",
    "ecomcustomers": "ecom_customers",
    "ecomorders": "ecom_orders",
    "account_custom_field_data": "account_field_values",
    "accountcustomfielddata": "account_field_values",
    "deal_custom_field_data": "deal_field_values",
    "dealcustomfielddata": "deal_field_values",
    "custom_fields": "fields",
    "contact_fields": "fields",
    "pipelines": "deal_pipelines",
    "deal_groups": "deal_pipelines",
    "dealgroups": "deal_pipelines",
    "stages": "deal_stages",
    "dealstages": "deal_stages",
    "account_custom_field_meta": "account_custom_fields",
    "accountcustomfieldmeta": "account_custom_fields",
    "deal_custom_field_meta": "deal_custom_fields",
    "dealcustomfieldmeta": "deal_custom_fields",
    "custom_object_schema": "custom_object_schemas",
    "customobjects_schemas": "custom_object_schemas",
    "schemas": "custom_object_schemas",
}

#: The order object types are written in: each one may refer to the ones before it.
WRITE_ORDER = (
    "reference",
    "tags",
    "accounts",
    "account_field_values",
    "contacts",
    "field_values",
    "contact_tags",
    "contact_lists",
    "account_contacts",
    "deals",
    "deal_field_values",
    "notes",
    "ecom_customers",
    "ecom_orders",
    "custom_object",
    IGNORE_TYPE,
)


class UnknownStreamError(ValueError):
    """A stream this target cannot place: stop before anything is written."""


def canonical_type(name: str) -> str | None:
    """The object type a name denotes, or None. Accepts aliases and `custom_object_<x>`."""
    key = name.strip().lower().replace("-", "_")
    key = ALIASES.get(key, key)
    if key in WRITE_TYPES or key in REFERENCE_TYPES or key == IGNORE_TYPE:
        return key
    if key.startswith(CUSTOM_OBJECT_PREFIX) and len(key) > len(CUSTOM_OBJECT_PREFIX):
        # keep the slug/id as given (slugs are case-sensitive in the API)
        return CUSTOM_OBJECT_PREFIX + name.strip()[len(CUSTOM_OBJECT_PREFIX) :]
    return None


def resolve_object_type(stream_name: str, stream_objects: t.Mapping[str, str] | None) -> str:
    """Bind a stream to an object type: `stream_objects` first, then the stream's own name."""
    objects = stream_objects or {}
    bound = objects.get(stream_name)
    if bound is None and canonical_type(stream_name) is None:
        bound = objects.get("*")  # the user's fallback for every other stream, e.g. "ignore"
    if bound is not None:
        found = canonical_type(bound)
        if found is None:
            raise UnknownStreamError(
                f"stream_objects binds stream '{stream_name}' to '{bound}', which is not an "
                f"object type. Use one of: {', '.join(known_types())}."
            )
        return found
    found = canonical_type(stream_name)
    if found is None:
        raise UnknownStreamError(
            f"Unknown stream '{stream_name}': it is not an ActiveCampaign object type. Name the "
            f"stream after one ({', '.join(known_types())}), or bind it in the `stream_objects` "
            f'setting, e.g. {{"{stream_name}": "contacts"}} (or "ignore" to skip it). '
            "Nothing has been written."
        )
    return found


def known_types() -> list[str]:
    return [*WRITE_TYPES, "custom_object_<slug or id>", *REFERENCE_TYPES, IGNORE_TYPE]


def write_rank(object_type: str) -> int:
    """Position in WRITE_ORDER: a sink drains every sink of lower rank before itself."""
    if object_type in REFERENCE_TYPES:
        return 0
    if object_type.startswith(CUSTOM_OBJECT_PREFIX):
        return WRITE_ORDER.index("custom_object")
    return WRITE_ORDER.index(object_type)
