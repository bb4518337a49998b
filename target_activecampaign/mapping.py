"""Pure mapping logic: stream names to object types, record contracts, value formatting.

Nothing here touches the network, so every rule of the record contract is unit-testable. Sinks
call these functions and turn a `Reject` into a line of the rejects file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import typing as t
from dataclasses import dataclass, field
from decimal import Decimal

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


# -- results -----------------------------------------------------------------------------------


@dataclass
class Reject(Exception):
    """Why a record cannot be written; `api_error` is the API's own answer when there was one."""

    reason: str
    api_error: t.Any = None

    def __str__(self) -> str:
        return self.reason


MISSING: t.Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()

# -- small validators --------------------------------------------------------------------------

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
EMAIL_RE = re.compile(r"^[^@\s\"(),:;<>\[\]\\]+@" + _LABEL + r"(?:\." + _LABEL + r")+$")


#: Longest values the target sends. The API reference documents no limits; these are the
#: sizes of the underlying text columns (names and titles 255 characters, long texts 65,535),
#: so an oversized value is a clear reject here instead of a truncation or a refused import.
MAX_SHORT_TEXT = 255
MAX_LONG_TEXT = 65_535


def check_length(value: str, what: str, limit: int = MAX_SHORT_TEXT) -> str:
    if len(value) > limit:
        raise Reject(f"'{what}' is {len(value):,} characters long; at most {limit:,} can be sent")
    return value


def clean_email(value: t.Any, what: str = "email") -> str:
    """A syntactically valid email, trimmed; raise Reject otherwise (the API refuses them all)."""
    if value is None or value == "":
        raise Reject(f"'{what}' is required")
    if not isinstance(value, str):
        raise Reject(f"'{what}' must be a string, got {type(value).__name__}")
    email = value.strip()
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise Reject(f"'{what}' is not a valid email address: {email!r}")
    return email


def email_key(email: str) -> str:
    """ActiveCampaign matches emails case-insensitively, and so do our caches."""
    return email.strip().lower()


def is_id(value: t.Any) -> bool:
    """True for an integer id or a string of digits (the API sends ids as strings)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value > 0
    return isinstance(value, str) and value.strip().isdigit()


def as_text(value: t.Any, what: str) -> str:
    """Scalars become text; objects and lists are a wrong type for a text property."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return format(value, "g") if isinstance(value, float) else str(value)
    raise Reject(f"'{what}' must be text, got {type(value).__name__}")


def as_name_list(value: t.Any, what: str) -> list[t.Any]:
    """A list of names or ids; a single string is one item. Empty strings are dropped."""
    if value is None:
        return []
    if isinstance(value, str | int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list | tuple):
        raise Reject(f"'{what}' must be a list of names or ids, got {type(value).__name__}")
    out = []
    for item in value:
        if isinstance(item, dict):
            # the API's own link shapes: {"tag": "x"}, {"list": 3}, {"name": "x"}
            item = next(
                (item[k] for k in ("tag", "name", "list", "listid", "id") if k in item), None
            )
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise Reject(f"'{what}' items must be names or ids, got {type(item).__name__}")
        if isinstance(item, str):
            item = item.strip()
            if not item:
                continue
        out.append(item)
    return out


# -- custom field values -----------------------------------------------------------------------

MULTI_TYPES = frozenset({"checkbox", "listbox", "multiselect"})
CHOICE_TYPES = frozenset({"dropdown", "radio"})
DATE_TYPES = frozenset({"date"})
DATETIME_TYPES = frozenset({"datetime"})
NUMBER_TYPES = frozenset({"number", "currency"})


@dataclass
class FieldDef:
    """One custom field of the destination account (contact, account or deal field)."""

    id: str
    title: str
    type: str
    perstag: str = ""
    options: tuple[str, ...] = ()
    currency: str = ""  # an account/deal currency field's default currency


def split_multi(value: str) -> list[str]:
    """`||a||b||` (the API's multi-value format) or a plain single value, as a list."""
    if value.startswith("||") and value.endswith("||"):
        return [p for p in value.strip("|").split("||") if p != ""]
    return [value]


def format_date(value: t.Any, what: str) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            pass
    raise Reject(f"{what} expects a date (YYYY-MM-DD), got {value!r}")


def format_datetime(value: t.Any, what: str) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time()).isoformat()
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
        except ValueError:
            pass
    raise Reject(f"{what} expects an ISO 8601 date-time, got {value!r}")


def _check_options(values: list[str], fdef: FieldDef, what: str) -> None:
    if not fdef.options:
        return
    known = {o.casefold() for o in fdef.options}
    bad = [v for v in values if v.casefold() not in known]
    if bad:
        raise Reject(
            f"{what} has no option {', '.join(repr(b) for b in bad)} "
            f"(options: {', '.join(fdef.options)})"
        )


def format_field_value(fdef: FieldDef, value: t.Any, *, clearing: bool = False) -> t.Any:
    """A contact field value as the API wants it for this field type (`||a||b||`, YYYY-MM-DD).

    `clearing` (a null the user asked to clear) becomes an empty string for every type.
    """
    what = f"custom field '{fdef.perstag or fdef.title}' ({fdef.type})"
    if clearing:
        return ""
    ftype = (fdef.type or "text").lower()
    if ftype in MULTI_TYPES:
        if isinstance(value, list | tuple):
            items = [as_text(v, what) for v in value]
        elif isinstance(value, str):
            items = split_multi(value)
        else:
            items = [as_text(value, what)]
        items = [i for i in items if i != ""]
        _check_options(items, fdef, what)
        return "||" + "||".join(items) + "||" if items else ""
    if ftype in CHOICE_TYPES:
        if isinstance(value, list | tuple):
            if len(value) != 1:
                raise Reject(f"{what} takes one option, got {len(value)}")
            value = value[0]
        text = as_text(value, what)
        if text.startswith("||") and text.endswith("||"):
            parts = split_multi(text)
            text = parts[0] if len(parts) == 1 else text
        _check_options([text], fdef, what)
        return text
    if ftype in DATE_TYPES:
        return format_date(value, what)
    if ftype in DATETIME_TYPES:
        return format_datetime(value, what)
    if ftype in NUMBER_TYPES:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise Reject(f"{what} expects a number, got {type(value).__name__}")
        try:
            float(value)
        except ValueError:
            raise Reject(f"{what} expects a number, got {value!r}") from None
        return value if not isinstance(value, str) else value.strip()
    if isinstance(value, dict | list | tuple):
        raise Reject(f"{what} expects text, got {type(value).__name__}")
    return check_length(as_text(value, what), what, MAX_LONG_TEXT)


def format_meta_value(fdef: FieldDef, value: t.Any, *, clearing: bool = False) -> t.Any:
    """An account or deal custom field value in the JSON type its request examples show.

    The `POST /accountCustomFieldData` and `/dealCustomFieldData` examples send multiselect and
    checkbox values as a JSON array (one option too), currency as an integer amount in cents,
    number as a string ("100.99"), and every other type (text, textarea, hidden, date,
    datetime, dropdown, radio) as a string. Validation is the contact rules'.
    """
    if clearing:
        return ""
    ftype = (fdef.type or "text").lower()
    if ftype == "currency":
        return cents(value, fdef.title or fdef.id)  # "'Revenue' must be an integer amount in cents"
    formatted = format_field_value(fdef, value)
    if ftype in MULTI_TYPES:
        return split_multi(formatted) if formatted else []
    if ftype in NUMBER_TYPES:
        return number_text(formatted)
    return formatted


def number_text(value: int | float | str) -> str:
    """A number as the decimal text the examples show ("100.99"), never in exponent form."""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    return str(value)


def meta_currency(fdef: FieldDef, given: t.Any) -> str | None:
    """`fieldCurrency` to send: the record's, else the field's default; only for currency."""
    if (fdef.type or "").lower() != "currency":
        return None
    if given not in (None, ""):
        return currency_code(given)
    return fdef.currency.lower() or None


def meta_field_item(fdef: FieldDef, value: t.Any, given_currency: t.Any = None) -> dict:
    """One `fields[]` item of a `POST/PUT /accounts` or `/deals` body.

    A null is a clear (the caller skips nulls unless `null_clears_fields`). A currency field's
    item carries `fieldCurrency`, which the account request schema requires for that type.
    """
    item: dict[str, t.Any] = {
        "customFieldId": int(fdef.id),
        "fieldValue": format_meta_value(fdef, value, clearing=value is None),
    }
    currency = meta_currency(fdef, given_currency)
    if currency:
        item["fieldCurrency"] = currency
    return item


class FieldCatalog:
    """Custom fields of one kind, found by id, personalisation tag or title."""

    def __init__(self, fields: t.Iterable[FieldDef]) -> None:
        self.by_id: dict[str, FieldDef] = {}
        self.by_tag: dict[str, FieldDef] = {}
        self.by_title: dict[str, FieldDef] = {}
        for f in fields:
            self.add(f)

    def add(self, f: FieldDef) -> None:
        self.by_id[str(f.id)] = f
        if f.perstag:
            self.by_tag[normalize_perstag(f.perstag)] = f
        if f.title:
            self.by_title.setdefault(f.title.strip().casefold(), f)

    def find(self, key: t.Any) -> FieldDef | None:
        """Id first (digits), then perstag (`%TAG%`, any case), then title (any case)."""
        if is_id(key) and str(key).strip() in self.by_id:
            return self.by_id[str(key).strip()]
        if not isinstance(key, str):
            return None
        tag = self.by_tag.get(normalize_perstag(key))
        if tag is not None:
            return tag
        return self.by_title.get(key.strip().casefold())

    def __len__(self) -> int:
        return len(self.by_id)


def normalize_perstag(value: str) -> str:
    return value.strip().strip("%").upper()


def contact_fields_from_api(body: t.Mapping[str, t.Any]) -> list[FieldDef]:
    """FieldDefs from `GET /fields` (fields plus sideloaded fieldOptions)."""
    options: dict[str, list[tuple[int, str]]] = {}
    for opt in body.get("fieldOptions") or []:
        value = opt.get("value") if opt.get("value") not in (None, "") else opt.get("label")
        if value is None:
            continue
        order = int(opt.get("orderid") or 0) if str(opt.get("orderid") or "0").isdigit() else 0
        options.setdefault(str(opt.get("field")), []).append((order, str(value)))
    out = []
    for f in body.get("fields") or []:
        fid = str(f.get("id"))
        opts = tuple(v for _, v in sorted(options.get(fid, [])))
        out.append(
            FieldDef(
                id=fid,
                title=str(f.get("title") or ""),
                type=str(f.get("type") or "text"),
                perstag=str(f.get("perstag") or ""),
                options=opts,
            )
        )
    return out


def meta_fields_from_api(rows: t.Iterable[t.Mapping[str, t.Any]]) -> list[FieldDef]:
    """FieldDefs from `GET /accountCustomFieldMeta` or `/dealCustomFieldMeta` rows."""
    out = []
    for row in rows:
        opts = row.get("fieldOptions") or []
        out.append(
            FieldDef(
                id=str(row.get("id")),
                title=str(row.get("fieldLabel") or ""),
                type=str(row.get("fieldType") or "text"),
                perstag=str(row.get("personalization") or ""),
                options=tuple(str(o) for o in opts) if isinstance(opts, list) else (),
                currency=str(row.get("fieldDefaultCurrency") or ""),
            )
        )
    return out


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


# -- bulk import request shaping ---------------------------------------------------------------

MAX_IMPORT_CONTACTS = 250
MAX_IMPORT_BYTES = 400_000
IMPORT_ENVELOPE_BYTES = 200  # `{"contacts": [...], "exclude_automations": false}` and slack
#: each contact also carries its own `"exclude_automations": false` (see `import_body`)
EXCLUDE_FLAG_BYTES = len(', "exclude_automations": false')


def entry_size(entry: t.Mapping[str, t.Any]) -> int:
    encoded = json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode()
    return len(encoded) + 1 + EXCLUDE_FLAG_BYTES


def import_body(
    entries: t.Iterable[t.Mapping[str, t.Any]], exclude_automations: bool
) -> dict[str, t.Any]:
    """The `POST /import/bulk_import` body.

    The reference's request example puts `exclude_automations` inside each `contacts[]` item,
    so that is where it takes effect; the top-level flag some clients send is kept as well.
    """
    return {
        "contacts": [{**e, "exclude_automations": exclude_automations} for e in entries],
        "exclude_automations": exclude_automations,
    }


def chunk_entries(
    sizes: t.Sequence[tuple[str, int]],
    *,
    max_count: int = MAX_IMPORT_CONTACTS,
    max_bytes: int = MAX_IMPORT_BYTES,
) -> list[list[int]]:
    """Group entries (email key, encoded size) into requests under both limits.

    Returns index lists. An email seen twice starts a new request, so one request never holds
    the same contact twice (the import's order within a request is not documented).
    """
    budget = max_bytes - IMPORT_ENVELOPE_BYTES
    chunks: list[list[int]] = []
    current: list[int] = []
    seen: set[str] = set()
    used = 0
    for i, (key, size) in enumerate(sizes):
        if size > budget:
            raise ValueError(f"entry {i} alone is {size} bytes, over the import limit")
        if current and (len(current) >= max_count or used + size > budget or key in seen):
            chunks.append(current)
            current, seen, used = [], set(), 0
        current.append(i)
        seen.add(key)
        used += size
    if current:
        chunks.append(current)
    return chunks


@dataclass
class BulkAnswer:
    """A `POST /import/bulk_import` answer, classified."""

    ok: bool
    batch_id: str | None = None
    rate_limited: bool = False
    failures: dict[int, str] = field(default_factory=dict)  # index in request -> reason
    message: str = ""


def parse_bulk_answer(status: int, body: t.Any) -> BulkAnswer:
    """Success (either capitalisation), the import rate limit, or per-contact failures."""
    if not isinstance(body, dict):
        return BulkAnswer(ok=False, message=str(body)[:300])
    success = body.get("success", body.get("Success"))
    if status < 300 and str(success) in ("1", "True", "true"):
        batch = body.get("batchId") or body.get("batchid") or body.get("batch_id")
        return BulkAnswer(ok=True, batch_id=str(batch) if batch else None)
    message = str(body.get("message") or "")
    if "rate limit" in message.lower():
        return BulkAnswer(ok=False, rate_limited=True, message=message)
    failures: dict[int, str] = {}
    for item in body.get("failureReasons") or []:
        if not isinstance(item, dict):
            continue
        idx = item.get("contact")
        if isinstance(idx, int) or (isinstance(idx, str) and idx.isdigit()):
            failures[int(idx)] = str(item.get("failureReason") or message or "rejected")
    return BulkAnswer(ok=False, failures=failures, message=message)


def import_done(info: t.Any) -> str:
    """'done', 'failed' or 'pending' for a `GET /import/info` answer."""
    if not isinstance(info, dict):
        return "pending"
    status = info.get("status")
    if status == "completed":
        return "done"
    if status in ("failed", "interrupted", "error"):
        return "failed"
    return "pending"


def api_error_text(body: t.Any) -> str:
    """One line from any of the API's three error shapes."""
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            parts = []
            for e in errors[:3]:
                if isinstance(e, dict):
                    parts.append(str(e.get("title") or e.get("detail") or e.get("code") or e))
                else:
                    parts.append(str(e))
            return "; ".join(parts)
        if body.get("message"):
            reasons = body.get("failureReasons") or []
            extra = "; ".join(
                str(r.get("failureReason")) for r in reasons[:3] if isinstance(r, dict)
            )
            return f"{body['message']}{': ' + extra if extra else ''}"
        if not body:
            return "empty error body"
    return str(body)[:300]


def is_duplicate_error(body: t.Any) -> bool:
    """422 'duplicate' (already exists / already linked): the write is already done."""
    text = json.dumps(body).lower() if body is not None else ""
    return "duplicate" in text or "already exist" in text or "already" in text


# -- link records ------------------------------------------------------------------------------


def first_of(record: t.Mapping[str, t.Any], names: t.Sequence[str]) -> t.Any:
    """The first present, non-empty value among `names` (None if none)."""
    for name in names:
        value = record.get(name)
        if value is not None and value != "":
            return value
    return None


LIST_STATUS = {
    "1": 1,
    "active": 1,
    "subscribed": 1,
    "subscribe": 1,
    "2": 2,
    "unsubscribed": 2,
    "unsubscribe": 2,
}


def list_status(value: t.Any) -> int:
    """1 subscribe / 2 unsubscribe; other statuses (unconfirmed, bounced) cannot be written."""
    if value is None or value == "":
        return 1
    key = str(value).strip().lower()
    if key in LIST_STATUS:
        return LIST_STATUS[key]
    raise Reject(
        f"contact list status {value!r} cannot be written: only 1 (subscribed) and "
        "2 (unsubscribed) can be set through the API"
    )


DEAL_STATUS = {"0": 0, "open": 0, "1": 1, "won": 1, "2": 2, "lost": 2}


def deal_status(value: t.Any) -> int:
    key = str(value).strip().lower()
    if key not in DEAL_STATUS:
        raise Reject(f"deal status must be open/won/lost or 0/1/2, got {value!r}")
    return DEAL_STATUS[key]


def cents(value: t.Any, what: str = "value") -> int:
    """Money is sent in cents: integers (or integral strings/floats) only."""
    if isinstance(value, bool):
        raise Reject(f"'{what}' must be an amount in cents, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        if re.fullmatch(r"-?\d+\.0+", text):
            return int(float(text))
    raise Reject(f"'{what}' must be an integer amount in cents, got {value!r}")


def currency_code(value: t.Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{3}", value.strip()):
        raise Reject(f"'currency' must be a 3-letter ISO code, got {value!r}")
    return value.strip().lower()


NOTE_RELTYPES = {
    "contact": "Subscriber",
    "contacts": "Subscriber",
    "subscriber": "Subscriber",
    "deal": "Deal",
    "deals": "Deal",
    "account": "CustomerAccount",
    "accounts": "CustomerAccount",
    "customeraccount": "CustomerAccount",
}


def note_reltype(value: t.Any) -> str:
    key = str(value or "").strip().lower()
    if key not in NOTE_RELTYPES:
        raise Reject(f"note 'reltype' must be contact, deal or account, got {value!r}")
    return NOTE_RELTYPES[key]


def custom_field_items(value: t.Any, what: str) -> list[tuple[t.Any, t.Any, t.Any]]:
    """Custom field values as (key, value, currency) from `{key: value}` or the API's lists.

    Accepts `[{customFieldId, fieldValue, fieldCurrency}]` (accounts/deals) and `[{field,
    value}]`/`[{id, value}]` shapes too.
    """
    if value is None:
        return []
    if isinstance(value, dict):
        return [(k, v, None) for k, v in value.items()]
    if isinstance(value, list):
        out = []
        for item in value:
            if not isinstance(item, dict):
                raise Reject(f"'{what}' items must be objects")
            key = first_of(item, ("customFieldId", "field", "id", "fieldLabel", "title"))
            if key is None:
                raise Reject(f"'{what}' item has no field id: {item!r}")
            val = item.get("fieldValue", item.get("value"))
            out.append((key, val, item.get("fieldCurrency")))
        return out
    raise Reject(f"'{what}' must be an object of field -> value, got {type(value).__name__}")
