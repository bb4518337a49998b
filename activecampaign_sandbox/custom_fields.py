"""Account and deal custom fields: their meta (definitions) and data (values).

Both kinds follow one documented shape (fieldType, fieldOptions, a datum per parent and
field), so one set of handlers serves both, driven by a `CustomDatumSpec` per kind. The value
checks follow the reference's field types (numbers, dates, currency, choices).

The module reads top-down: its resource specs (`SPECS`), read handlers, write handlers, the
generators of its tables (`build_config` for configuration, `build` for contact-scaled rows)
and `register`, which adds its routes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from . import names
from .catalog import FIELD_TYPES
from .mutate import WriteBase
from .protocol import (
    DATE_RE,
    ApiError,
    Request,
    Result,
    as_int,
    err,
    missing,
    not_found_404,
    require,
    sid,
    wrapper,
)
from .resources import Spec, make_spec
from .store import Record, Table
from .util import DAY_S, START_TS, fmt_date, fmt_naive, h1, salt_of
from .world import World

# documented fieldType values of account and deal custom field definitions: the contact
# field types less listbox, plus currency and number
META_FIELD_TYPES = (FIELD_TYPES - {"listbox"}) | {"currency", "number"}
# keys FieldUpdateCustomFieldMetaRequest documents (the type cannot be changed)
META_UPDATABLE = ("fieldLabel", "displayOrder", "fieldDefault", "fieldOptions", "isFormVisible")


# how this domain's list and record endpoints answer (envelope keys, links, filters)
SPECS: dict[str, Spec] = {
    "accountCustomFieldMeta": make_spec(
        "accountCustomFieldMeta",
        "accountCustomFieldMetum",
        ("accountCustomFieldData",),
        meta=False,
        default_limit=100,
    ),
    "accountCustomFieldData": make_spec(
        "accountCustomFieldData",
        "accountCustomFieldDatum",
        ("account", "accountCustomFieldMetum"),
        eq={"filters[customerAccountId]": "accountId"},
        meta=False,
    ),
    "dealCustomFieldMeta": make_spec(
        "dealCustomFieldMeta",
        "dealCustomFieldMetum",
        ("dealCustomFieldData",),
        meta=False,
        default_limit=100,
    ),
    "dealCustomFieldData": make_spec(
        "dealCustomFieldData",
        "dealCustomFieldDatum",
        ("deal", "dealCustomFieldMetum"),
        eq={"filters[dealId]": "dealId"},
        meta=False,
    ),
}


# (label, type, options, currency)
ACCOUNT_FIELDS: tuple[tuple[str, str, tuple[str, ...] | None, str | None], ...] = (
    ("Industry", "dropdown", ("Retail", "Software", "Finance", "Health"), None),
    ("Employees", "number", None, None),
    ("Annual Revenue", "currency", None, "usd"),
    ("Founded", "date", None, None),
    ("Description", "textarea", None, None),
    ("Segments", "multiselect", ("SMB", "Mid", "Enterprise"), None),
)

DEAL_FIELDS: tuple[tuple[str, str, tuple[str, ...] | None, str | None], ...] = (
    ("Lead Source", "dropdown", ("Web", "Referral", "Event", "Outbound"), None),
    ("Close Reason", "text", None, None),
    ("Contract Value", "currency", None, "usd"),
    ("Expected Close", "date", None, None),
    ("Competitors", "multiselect", ("Acme", "Globex", "Initech"), None),
    ("Seats", "number", None, None),
)


def _update_datum(t: Table, j: int, changes: Record, currency: Any, now: float) -> None:
    """Change a stored custom field datum; an empty currency keeps the one it had."""
    rec = t.materialize(j) or {}
    rec.update(changes)
    if currency:
        rec["fieldCurrency"] = currency
    rec["updatedTimestamp"] = fmt_naive(now)
    t.touch()


META_MULTI = ("multiselect", "checkbox")
META_CHOICE = ("dropdown", "radio")


def _is_number_text(v: Any) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return isinstance(v, str) and v.strip() != ""


def _is_iso_datetime(v: Any) -> bool:
    if not isinstance(v, str) or "T" not in v:
        return False
    try:
        datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def meta_value_problem(ftype: str, options: Any, value: Any) -> str | None:
    """Why an account/deal custom field value is not what the request examples send; or None.

    The `POST /accountCustomFieldData` and `/dealCustomFieldData` examples, one per type:
    multiselect/checkbox a JSON array of options (one option too), currency an integer amount
    in cents, number a numeric string, date `YYYY-MM-DD`, datetime ISO 8601, dropdown/radio an
    option (or the example's `||option||` form), text/textarea/hidden a string. An empty
    string (or null) clears a value of any type.
    """
    if value is None or value == "":
        return None
    known = {str(o).casefold() for o in options} if isinstance(options, list) else set()
    ftype = (ftype or "text").lower()
    if ftype in META_MULTI:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f'a {ftype} value is a JSON array of options, e.g. ["option 1"]'
        picked = value
    elif ftype == "currency":
        integral = isinstance(value, int) and not isinstance(value, bool)
        if not (integral or (isinstance(value, str) and re.fullmatch(r"-?\d+", value))):
            return "a currency value is an integer amount in cents, e.g. 9999"
        return None
    elif ftype == "number":
        return None if _is_number_text(value) else 'a number value is a numeric string, "100.99"'
    elif ftype == "date":
        ok = isinstance(value, str) and DATE_RE.match(value)
        return None if ok else "a date value is YYYY-MM-DD"
    elif ftype == "datetime":
        return None if _is_iso_datetime(value) else "a datetime value is ISO 8601"
    elif not isinstance(value, str):
        return f"a {ftype} value is a string"
    elif ftype in META_CHOICE:
        picked = (
            [p for p in value.strip("|").split("||") if p] if value.startswith("||") else [value]
        )
    else:
        return None
    bad = [v for v in picked if known and v.casefold() not in known]
    return f"no option {', '.join(map(repr, bad))}" if bad else None


def stored_meta_value(ftype: str, value: Any) -> Any:
    """How a written value is stored (and read back): numbers and amounts as JSON numbers."""
    if value in (None, "") or ftype not in ("number", "currency") or not isinstance(value, str):
        return value
    number = float(value)
    return int(number) if number.is_integer() else number


class CustomDatumSpec(NamedTuple):
    """Where an account's or a deal's custom field values live, and what the API calls them."""

    table: str
    key: str
    parent_key: str
    meta_key: str
    meta_table: str
    parent_table: str
    parent_name: str
    id_attrs: tuple[str, ...]


CUSTOM_DATA: dict[str, CustomDatumSpec] = {
    "account": CustomDatumSpec(
        "accountCustomFieldData",
        "accountCustomFieldDatum",
        "accountId",
        "accountCustomFieldMetumId",
        "accountCustomFieldMeta",
        "accounts",
        "Account",
        ("customerAccountId", "accountId"),
    ),
    "deal": CustomDatumSpec(
        "dealCustomFieldData",
        "dealCustomFieldDatum",
        "dealId",
        "dealCustomFieldMetumId",
        "dealCustomFieldMeta",
        "deals",
        "Deal",
        ("dealId",),
    ),
}


class CustomFieldWrites(WriteBase):
    """The custom fields write endpoints."""

    def _check_fields(self, kind: str, fields: Any) -> None:
        """Reject a `fields` list naming a custom field the account or deal kind does not have,
        a value of the wrong type (`meta_value_problem`), or a currency value without its
        `fieldCurrency` (the account request schema: "Required only for the currency field
        type")."""
        if fields is None:
            return
        meta = self.t(CUSTOM_DATA[kind].meta_table)
        if not isinstance(fields, list) or any(
            not isinstance(f, dict) or not meta.exists(as_int(f.get("customFieldId")) or 0)
            for f in fields
        ):
            raise err(
                "Custom field not found", "field_invalid", "/data/attributes/fields/customFieldId"
            )
        for f in fields:
            cf = as_int(f["customFieldId"]) or 0
            self._check_meta_value(kind, cf, f.get("fieldValue"), "/data/attributes/fields")
            if str(meta.value(cf, "fieldType")) == "currency" and not f.get("fieldCurrency"):
                raise missing("fields/fieldCurrency")

    def _check_meta_value(self, kind: str, cf: int, value: Any, pointer: str) -> None:
        """A 422 naming the field when `value` is not what the examples send for its type."""
        meta = self.t(CUSTOM_DATA[kind].meta_table)
        problem = meta_value_problem(
            str(meta.value(cf, "fieldType")), meta.value(cf, "fieldOptions"), value
        )
        if problem:
            raise err(
                "Invalid field value",
                "field_invalid",
                f"{pointer}/fieldValue",
                f"custom field {cf} ({meta.value(cf, 'fieldLabel')}): {problem}",
            )

    def _set_fields(self, kind: str, parent: int, fields: Any, now: float) -> None:
        """Store each entry of an (already checked) `fields` list as a custom field datum."""
        for f in fields or ():
            self.set_custom_datum(
                kind,
                parent,
                int(sid(f["customFieldId"])),
                f.get("fieldValue"),
                f.get("fieldCurrency"),
                now,
            )

    def set_custom_datum(
        self, kind: str, parent: int, field: int, value: Any, currency: Any, now: float
    ) -> int:
        spec = CUSTOM_DATA[kind]
        parent_key, meta_key = spec.parent_key, spec.meta_key
        t = self.t(spec.table)
        value = stored_meta_value(str(self.t(spec.meta_table).value(field, "fieldType")), value)
        j = t.child_where(parent_key, parent, "customFieldId", field)
        if j is not None:
            _update_datum(t, j, {"fieldValue": value}, currency, now)
            return j
        rec = {
            meta_key: field,
            parent_key: parent,
            "customFieldId": field,
            "createdTimestamp": fmt_naive(now),
            "updatedTimestamp": fmt_naive(now),
            "fieldValue": value,
        }
        if currency:
            rec["fieldCurrency"] = currency
        return t.insert(rec)

    def post_custom_datum(self, kind: str) -> Any:
        """POST handler that sets one custom field value on an account or a deal."""
        spec = CUSTOM_DATA[kind]

        def fn(req: Request) -> Result:
            data = wrapper(req, spec.key)
            parent = as_int(next((data.get(k) for k in spec.id_attrs if k in data), None))
            cf = as_int(data.get("customFieldId"))
            if parent is None:
                raise missing(spec.id_attrs[0])
            if cf is None:
                raise missing("customFieldId")
            if not self.t(spec.parent_table).exists(parent):
                raise not_found_404(spec.parent_name)
            if not self.t(spec.meta_table).exists(cf):
                raise not_found_404("Custom field")
            if "fieldValue" not in data:
                raise missing("fieldValue")
            self._check_meta_value(kind, cf, data.get("fieldValue"), "/data/attributes")
            j = self.set_custom_datum(
                kind, parent, cf, data.get("fieldValue"), data.get("fieldCurrency"), time.time()
            )
            return Result(200, {spec.key: self.render(spec.table, j)})

        return fn

    def put_custom_datum(self, kind: str) -> Any:
        """PUT handler that changes one stored custom field value of an account or a deal."""
        spec = CUSTOM_DATA[kind]
        table, key = spec.table, spec.key

        def fn(req: Request, rid: str) -> Result:
            data = wrapper(req, key)
            t = self.t(table)
            i = as_int(rid)
            if i is None or not t.exists(i):
                raise ApiError(404, {"errors": [{"status": 404, "title": "Not Found"}]})
            cf = as_int(t.value(i, "customFieldId")) or 0
            value = {}
            if "fieldValue" in data:
                self._check_meta_value(kind, cf, data["fieldValue"], "/data/attributes")
                ftype = str(self.t(spec.meta_table).value(cf, "fieldType"))
                value = {"fieldValue": stored_meta_value(ftype, data["fieldValue"])}
            _update_datum(t, i, value, data.get("fieldCurrency"), time.time())
            return Result(200, {key: self.render(table, i)})

        return fn

    def _meta_label_taken(self, table: str, label: str, other_than: int | None = None) -> bool:
        t = self.t(table)
        low = label.strip().lower()
        return any(
            j != other_than and str(t.value(j, "fieldLabel") or "").strip().lower() == low
            for j in t.ids
        )

    def _meta_changes(self, table: str, data: dict[str, Any], rec: Record, i: int | None) -> None:
        """Apply the documented metum keys to `rec`; 422 on a bad type, label or option list."""
        if "fieldType" in data:
            typ = sid(data["fieldType"])
            if typ not in META_FIELD_TYPES:
                raise err(
                    "Invalid field type",
                    "invalid",
                    "/data/attributes/fieldType",
                    "fieldType is one of " + ", ".join(sorted(META_FIELD_TYPES)),
                )
            rec["fieldType"] = typ
        if "fieldLabel" in data:
            label = sid(data["fieldLabel"]).strip()
            if not label:
                raise missing("fieldLabel")
            if self._meta_label_taken(table, label, i):
                raise err(
                    "Duplicate field label",
                    "duplicate",
                    "/data/attributes/fieldLabel",
                    f"A field labelled '{label}' already exists",
                )
            rec["fieldLabel"] = label
        if "fieldOptions" in data:
            opts = data["fieldOptions"]
            if opts is not None and (
                not isinstance(opts, list) or not all(isinstance(o, str | int) for o in opts)
            ):
                raise err("Invalid field options", "invalid", "/data/attributes/fieldOptions")
            rec["fieldOptions"] = [str(o) for o in opts] if opts else None
        if "fieldDefault" in data:
            d = data["fieldDefault"]
            rec["fieldDefault"] = d if d is None or isinstance(d, list) else sid(d)
        if "fieldDefaultCurrency" in data:
            rec["fieldDefaultCurrency"] = sid(data["fieldDefaultCurrency"]).lower() or None
        for k in ("displayOrder", "isFormVisible", "isRequired"):
            if k in data:
                v = data[k]
                n = (1 if v else 0) if isinstance(v, bool) else as_int(v)
                if n is None:
                    raise err(f"Invalid {k}", "invalid", f"/data/attributes/{k}")
                rec[k] = n

    def post_custom_meta(self, kind: str) -> Any:
        """POST /{account,deal}CustomFieldMeta: a new field definition (200, as documented)."""
        spec = CUSTOM_DATA[kind]
        key = self.a.specs[spec.meta_table].singular

        def fn(req: Request) -> Result:
            data = wrapper(req, key)
            require(data, "fieldType", "fieldLabel")
            t = self.t(spec.meta_table)
            now = time.time()
            rec: Record = {
                "fieldLabel": "",
                "fieldType": "text",
                "fieldOptions": None,
                "fieldDefault": None,
                "fieldDefaultCurrency": None,
                "isFormVisible": 0,
                "isRequired": 0,
                "displayOrder": len(t) + 1,
                "personalization": "",
                "knownFieldId": None,
                "hideFieldFlag": 0,
                "createdTimestamp": fmt_naive(now),
                "updatedTimestamp": fmt_naive(now),
            }
            self._meta_changes(spec.meta_table, data, rec, None)
            i = t.insert(rec)
            return Result(200, {key: self.render(spec.meta_table, i)})

        return fn

    def put_custom_meta(self, kind: str) -> Any:
        """PUT /{account,deal}CustomFieldMeta/{id}: the documented keys only (not fieldType)."""
        spec = CUSTOM_DATA[kind]
        key = self.a.specs[spec.meta_table].singular

        def fn(req: Request, rid: str) -> Result:
            data = wrapper(req, key)
            t = self.t(spec.meta_table)
            i = as_int(rid)
            if i is None or not t.exists(i):
                raise ApiError(404, {"errors": [{"status": 404, "title": "Not Found"}]})
            rec = dict(t.get(i) or {})
            changes = {k: v for k, v in data.items() if k in META_UPDATABLE}
            self._meta_changes(spec.meta_table, changes, rec, i)
            rec["updatedTimestamp"] = fmt_naive(time.time())
            t.put(i, rec)
            return Result(200, {key: self.render(spec.meta_table, i)})

        return fn

    def delete_custom_meta(self, kind: str) -> Any:
        """DELETE /{account,deal}CustomFieldMeta/{id}: the definition and its stored values."""
        spec = CUSTOM_DATA[kind]

        def fn(req: Request, rid: str) -> Result:
            t = self.t(spec.meta_table)
            i = as_int(rid)
            if i is None or not t.exists(i):
                raise ApiError(404, {"errors": [{"status": 404, "title": "Not Found"}]})
            t.delete(i)
            data = self.t(spec.table)
            for j in [j for j in data.ids if sid(data.value(j, "customFieldId")) == str(i)]:
                data.delete(j)
            return Result(200, {})

        return fn


# -- generated data --------------------------------------------------------------------
def build_config(w: World) -> None:
    """Generate this domain's account configuration (small tables, built eagerly)."""
    for name, spec in (
        ("accountCustomFieldMeta", ACCOUNT_FIELDS),
        ("dealCustomFieldMeta", DEAL_FIELDS),
    ):
        rows = []
        for i, (label, typ, opts, cur) in enumerate(spec, 1):
            t = w.config_ts(name, i)
            rows.append(
                {
                    "id": str(i),
                    "fieldLabel": label,
                    "fieldType": typ,
                    "fieldOptions": list(opts) if opts else None,
                    "fieldDefault": None,
                    "fieldDefaultCurrency": cur,
                    "isFormVisible": 1 if i % 2 else 0,
                    "isRequired": 0,
                    "displayOrder": i,
                    "personalization": "",
                    "knownFieldId": None,
                    "hideFieldFlag": 0,
                    "createdTimestamp": fmt_naive(t),
                    "updatedTimestamp": fmt_naive(t + DAY_S),
                }
            )
        w.eager(name, rows)


def custom_field_data(
    w: World,
    name: str,
    parent_key: str,
    meta_key: str,
    parents: int,
    spec: tuple[tuple[str, str, tuple[str, ...] | None, str | None], ...],
    parent_created: Callable[[int], int],
) -> None:
    own, slot = w.fanout(name, parents, (1, 2, 2, 3))
    seed = w.seed
    nf = len(spec)

    def field_of(i: int) -> int:
        return (h1(seed, salt_of(name), own[i - 1]) % nf + slot[i - 1]) % nf + 1

    def gen(i: int) -> Record:
        p = own[i - 1]
        f = field_of(i)
        _, typ, opts, cur = spec[f - 1]
        hh = w.h(name, i)
        val: Any
        if typ == "dropdown":
            val = hh.pick(opts or ("",))
        elif typ == "multiselect":
            val = [o for o in (opts or ()) if hh.n(2)] or [(opts or ("",))[0]]
        elif typ == "number":
            val = hh.n(5000)
        elif typ == "currency":
            val = hh.n(10**7)
        elif typ == "date":
            val = fmt_date(START_TS - hh.n(3650) * DAY_S)
        else:
            val = hh.pick(names.NOTE_TEXTS)
        c = w.ts_between(hh, parent_created(p))
        u = w.ts_between(hh, c)
        rec: Record = {
            "id": str(i),
            meta_key: f,
            parent_key: p,
            "customFieldId": f,
            "createdTimestamp": fmt_naive(c),
            "updatedTimestamp": fmt_naive(u),
            "fieldValue": val,
        }
        if cur:
            rec["fieldCurrency"] = cur
        return rec

    w.tables[name] = Table(
        name,
        gen,
        len(own),
        fast={parent_key: lambda i: own[i - 1]},
        owner_field=parent_key,
        owners=own,
    )


def register(w: CustomFieldWrites) -> None:
    """Add this domain's routes to the account's router (reads and writes)."""
    r = w.a.router
    for kind, spec in CUSTOM_DATA.items():
        r.add("POST", f"/{spec.table}", w.post_custom_datum(kind))
        r.add("PUT", f"/{spec.table}/{{id}}", w.put_custom_datum(kind))
        r.add("POST", f"/{spec.meta_table}", w.post_custom_meta(kind))
        r.add("PUT", f"/{spec.meta_table}/{{id}}", w.put_custom_meta(kind))
        r.add("DELETE", f"/{spec.meta_table}/{{id}}", w.delete_custom_meta(kind))
