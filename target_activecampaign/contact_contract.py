"""The contact record contract: which keys a contact record may carry and what each becomes.

`parse_contact` reads a record into a `ContactIntent` (email, scalars, custom fields, lists,
tags, account); `import_entry` and `sync_body` shape it for a bulk import or `contact/sync`.
Kept apart from value formatting because the README's contract table documents exactly this.
"""

from __future__ import annotations

import json
import typing as t
from dataclasses import dataclass, field

from target_activecampaign.rejects import Reject
from target_activecampaign.values import as_name_list, as_text, check_length, clean_email, email_key

MISSING: t.Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()

# -- the contact record contract ---------------------------------------------------------------

CONTACT_SCALARS = (
    ("first_name", ("first_name", "firstName"), "firstName"),
    ("last_name", ("last_name", "lastName"), "lastName"),
    ("phone", ("phone",), "phone"),
)


CONTACT_CONTRACT_KEYS = frozenset(
    {
        "email",
        "first_name",
        "firstName",
        "last_name",
        "lastName",
        "phone",
        "custom_fields",
        "fieldValues",
        "tags",
        "remove_tags",
        "lists",
        "unsubscribe_lists",
        "account",
    }
)
#: keys of the API's contact object (our tap's `contacts` rows): read-only, never written
API_CONTACT_KEYS = frozenset(
    [
        "accountContacts",
        "adate",
        "anonymized",
        "bounced_date",
        "bounced_hard",
        "bounced_soft",
        "cdate",
        "created_by",
        "created_timestamp",
        "created_utc_timestamp",
        "deleted",
        "deleted_at",
        "edate",
        "email_domain",
        "email_empty",
        "email_local",
        "gravatar",
        "hash",
        "id",
        "ip",
        "links",
        "mpp_tracking",
        "organization",
        "orgid",
        "orgname",
        "rating_tstamp",
        "scoreValues",
        "segmentio_id",
        "sentcnt",
        "socialdata_lastcheck",
        "ua",
        "udate",
        "updated_by",
        "updated_timestamp",
        "updated_utc_timestamp",
    ]
)


def unwritten_keys(record: t.Mapping[str, t.Any]) -> list[str]:
    """Keys of a contact record that are neither the contract nor the API's read-only ones."""
    return [
        k
        for k in record
        if k not in CONTACT_CONTRACT_KEYS
        and k not in API_CONTACT_KEYS
        and not k.startswith("_sdc_")
    ]


@dataclass
class ContactIntent:
    """What one contact record asks for, before names are resolved to ids."""

    email: str
    scalars: dict[str, str] = field(default_factory=dict)  # first_name/last_name/phone -> value
    fields: list[tuple[t.Any, t.Any, bool]] = field(default_factory=list)  # (key, value, is_id)
    tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)
    lists: list[t.Any] = field(default_factory=list)
    unsubscribe_lists: list[t.Any] = field(default_factory=list)
    account: str | None = None

    @property
    def key(self) -> str:
        return email_key(self.email)


def _pick(record: t.Mapping[str, t.Any], names: t.Sequence[str]) -> t.Any:
    for name in names:
        if name in record:
            return record[name]
    return MISSING


def parse_contact(record: t.Mapping[str, t.Any], *, null_clears: bool = False) -> ContactIntent:
    """Validate one contact record against the contract; never invent a value it did not set.

    A key the record lacks is not sent. A null is not sent either, unless `null_clears`: then
    it becomes an empty value, which is how ActiveCampaign clears a stored one.
    """
    email = clean_email(record.get("email"))
    intent = ContactIntent(email=email)
    for out_name, names, _ in CONTACT_SCALARS:
        value = _pick(record, names)
        if value is MISSING:
            continue
        if value is None:
            if null_clears:
                intent.scalars[out_name] = ""
            continue
        intent.scalars[out_name] = check_length(as_text(value, names[0]), names[0])

    custom = record.get("custom_fields")
    if custom is not None:
        if not isinstance(custom, dict):
            raise Reject(f"'custom_fields' must be an object, got {type(custom).__name__}")
        for key, value in custom.items():
            if value is None and not null_clears:
                continue
            intent.fields.append((key, value, False))
    api_values = record.get("fieldValues")
    if api_values is not None:
        if not isinstance(api_values, list):
            raise Reject("'fieldValues' must be a list of {field, value}")
        for item in api_values:
            if not isinstance(item, dict) or "field" not in item:
                raise Reject("'fieldValues' items must be objects with 'field' and 'value'")
            value = item.get("value")
            if value is None and not null_clears:
                continue
            intent.fields.append((item["field"], value, True))

    intent.tags = [
        check_length(as_text(x, "tags"), "tags") for x in as_name_list(record.get("tags"), "tags")
    ]
    intent.remove_tags = [
        as_text(x, "remove_tags") for x in as_name_list(record.get("remove_tags"), "remove_tags")
    ]
    intent.lists = as_name_list(record.get("lists"), "lists")
    intent.unsubscribe_lists = as_name_list(record.get("unsubscribe_lists"), "unsubscribe_lists")
    account = record.get("account")
    if account is not None and account != "":
        if isinstance(account, dict):
            account = account.get("name")
        intent.account = check_length(as_text(account, "account").strip(), "account") or None
    return intent


def import_entry(
    intent: ContactIntent,
    field_values: t.Sequence[tuple[str, t.Any]],
    subscribe: t.Sequence[str],
    unsubscribe: t.Sequence[str],
) -> dict[str, t.Any]:
    """One contact of a `POST /import/bulk_import` body, with only what the record set."""
    entry: dict[str, t.Any] = {"email": intent.email}
    entry.update(intent.scalars)
    if intent.tags:
        entry["tags"] = list(dict.fromkeys(intent.tags))
    if field_values:
        entry["fields"] = [{"id": int(fid), "value": v} for fid, v in field_values]
    if subscribe:
        entry["subscribe"] = [{"listid": int(i)} for i in dict.fromkeys(subscribe)]
    if unsubscribe:
        entry["unsubscribe"] = [{"listid": int(i)} for i in dict.fromkeys(unsubscribe)]
    if intent.account:
        entry["customer_acct_name"] = intent.account
    return entry


def sync_body(entry: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The `POST /contact/sync` body for a bulk import entry (tags/lists go separately)."""
    contact: dict[str, t.Any] = {"email": entry["email"]}
    for src, dst in (("first_name", "firstName"), ("last_name", "lastName"), ("phone", "phone")):
        if src in entry:
            contact[dst] = entry[src]
    if entry.get("fields"):
        contact["fieldValues"] = [
            {"field": str(f["id"]), "value": f["value"]} for f in entry["fields"]
        ]
    return {"contact": contact}


def merge_entries(a: dict[str, t.Any], b: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """Fold entry `b` into `a` for the same email: later scalars win, links accumulate."""
    out = dict(a)
    for key, value in b.items():
        if key in ("tags",):
            out[key] = list(dict.fromkeys([*out.get(key, []), *value]))
        elif key in ("subscribe", "unsubscribe", "fields"):
            merged = {json.dumps(x, sort_keys=True): x for x in [*out.get(key, []), *value]}
            if key == "fields":  # one value per field: the later one wins
                by_field = {}
                for item in [*out.get(key, []), *value]:
                    by_field[item["id"]] = item
                out[key] = list(by_field.values())
            else:
                out[key] = list(merged.values())
        else:
            out[key] = value
    return out
