"""Value formatting: the small pure checks and conversions every record's values go through.

Emails, texts and their lengths, custom field values (by field type), money in cents, statuses,
and the API's error answers in one line. Nothing here touches the network, so each rule is
unit-testable; a value that cannot be sent raises `Reject` naming the field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import typing as t
from dataclasses import dataclass
from decimal import Decimal

from target_activecampaign.rejects import Reject

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
