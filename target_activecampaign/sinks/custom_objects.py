"""Custom object records: `POST /customObjects/records/{schema}` upserts by externalId.

The stream's object type names the schema (`custom_object_<slug or id>`); record keys outside
the reserved ones are field values and must be fields of that schema (an unknown one is a
reject naming it). Relationships to contacts accept emails or contact ids.
"""

from __future__ import annotations

import typing as t

from target_activecampaign.rejects import Reject
from target_activecampaign.routing import CUSTOM_OBJECT_PREFIX
from target_activecampaign.sinks.base import ActiveCampaignSink
from target_activecampaign.values import as_name_list, as_text, first_of


class CustomObjectSink(ActiveCampaignSink):
    """Custom object records: `POST /customObjects/records/{schema}` upserts by externalId."""

    RESERVED = frozenset(
        {
            "id",
            "externalId",
            "external_id",
            "fields",
            "relationships",
            "schemaId",
            "createdTimestamp",
            "updatedTimestamp",
            "created_timestamp",
            "updated_timestamp",
        }
    )

    def write_one(self, record: dict) -> None:
        ref = self.object_type[len(CUSTOM_OBJECT_PREFIX) :]
        schema = self.refs.schema(ref)
        ext = first_of(record, ("externalId", "external_id"))
        if ext is None:
            raise Reject("a custom object record needs 'externalId'")
        known = {
            str(f.get("id"))
            for f in schema.get("fields") or []
            if f.get("status") != "marked_for_deletion"
        }
        values: dict[str, t.Any] = {}
        raw = record.get("fields")
        if isinstance(raw, list):
            for item in raw:
                if not isinstance(item, dict) or "id" not in item:
                    raise Reject("'fields' items must be {id, value}")
                values[str(item["id"])] = item.get("value")
        elif isinstance(raw, dict):
            values.update({str(k): v for k, v in raw.items()})
        elif raw is not None:
            raise Reject("'fields' must be a list of {id, value} or an object")
        for key, value in record.items():
            if key not in self.RESERVED and not key.startswith("_sdc_"):
                values[key] = value
        unknown = sorted(k for k in values if k not in known)
        if unknown:
            raise Reject(
                f"unknown field(s) of custom object {schema.get('slug')!r}: {', '.join(unknown)}"
            )
        body: dict[str, t.Any] = {
            "externalId": as_text(ext, "externalId"),
            "fields": [
                {"id": k, "value": v}
                for k, v in values.items()
                if v is not None or self.run.null_clears
            ],
        }
        rels = record.get("relationships")
        if rels:
            if not isinstance(rels, dict):
                raise Reject("'relationships' must be an object of relationship -> ids")
            out = {}
            for rel, targets in rels.items():
                ids = []
                for target in as_name_list(targets, f"relationships.{rel}"):
                    if isinstance(target, str) and "@" in target:
                        ids.append(int(self.resolver.require_contact(target)))
                    elif "contact" in rel:
                        ids.append(int(self.refs.contact_id(target)))
                    else:
                        ids.append(int(target))
                out[rel] = ids
            body["relationships"] = out
        self.writer.send(
            "POST", f"customObjects/records/{schema['id']}", {"record": body}, ok=(400, 404, 422)
        )
