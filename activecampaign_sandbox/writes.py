"""Write endpoints with the real service's semantics (validation, upserts, duplicates)."""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime
from typing import Any, NamedTuple

from . import capture
from .mutate import stamp_updated
from .protocol import (
    DATE_RE,
    EMAIL_RE,
    ApiError,
    Request,
    Result,
    as_int,
    err,
    missing,
    not_found,
    not_found_404,
    require,
    sid,
)
from .resources import SPECS
from .state import AccountState
from .store import Record, Table
from .util import (
    ZERO_DATE,
    ZERO_DATETIME,
    fmt_naive,
    fmt_naive_utc,
    fmt_offset,
    fmt_utc_z,
    list_row,
    parse_ts,
)

FIELD_TYPES = {
    "text",
    "textarea",
    "date",
    "datetime",
    "dropdown",
    "multiselect",
    "radio",
    "checkbox",
    "hidden",
    "listbox",
}


# documented fieldType values of account and deal custom field definitions: the contact
# field types less listbox, plus currency and number
META_FIELD_TYPES = (FIELD_TYPES - {"listbox"}) | {"currency", "number"}
# keys FieldUpdateCustomFieldMetaRequest documents (the type cannot be changed)
META_UPDATABLE = ("fieldLabel", "displayOrder", "fieldDefault", "fieldOptions", "isFormVisible")


def wrapper(acct: AccountState, req: Request, key: str) -> dict[str, Any]:
    body = acct.json_body(req)
    obj = body.get(key) if isinstance(body, dict) else None
    if not isinstance(obj, dict):
        raise ApiError(
            400,
            {
                "errors": [
                    {
                        "title": f"The request body must contain a '{key}' object",
                        "detail": "",
                        "code": "invalid",
                        "source": {"pointer": f"/data/{key}"},
                    }
                ]
            },
        )
    return obj


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
        "AccountState",
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


class Writes:
    """All write handlers of one account (called with the account lock held)."""

    def __init__(self, acct: AccountState) -> None:
        self.a = acct
        self.w = acct.world
        self._account_names: dict[str, int] | None = None
        self._tag_index: tuple[int, dict[tuple[str, str], int]] | None = None
        self._ext: dict[str, dict[tuple[str, str], int]] = {}
        self._record_ext: dict[str, dict[str, int]] = {}

    def t(self, name: str) -> Table:
        return self.w.tables[name]

    def _stored(self, table: str, rid: str, singular: str) -> tuple[Table, int]:
        """The table and id of the row a PUT or DELETE path names; the API's 404 if none."""
        t = self.t(table)
        i = as_int(rid)
        if i is None or not t.exists(i):
            raise not_found(singular, rid)
        return t, i

    def existing(self, ref: Any, table: str, what: str) -> int:
        """The id of a row a write refers to; a 404 naming `what` when there is none."""
        i = as_int(ref)
        if i is None or not self.t(table).exists(i):
            raise not_found_404(what)
        return i

    def render(self, name: str, i: int) -> dict[str, Any]:
        return self.a.render(name, i) or {}

    # -- contacts --------------------------------------------------------------------------
    def _contact_id_by_email(self, email: str) -> int | None:
        i = self.w.email_index.get(email.strip().lower())
        if i is not None and self.t("contacts").exists(i):
            return i
        return None

    def _new_contact(self, email: str, now: float) -> Record:
        return {
            "cdate": fmt_offset(now),
            "email": email,
            "phone": "",
            "firstName": "",
            "lastName": "",
            "orgid": "0",
            "orgname": "",
            "segmentio_id": "",
            "bounced_hard": "0",
            "bounced_soft": "0",
            "bounced_date": ZERO_DATE,
            "ip": "0",
            "ua": "",
            "hash": uuid.uuid4().hex,
            "socialdata_lastcheck": ZERO_DATETIME,
            "email_local": "",
            "email_domain": "",
            "sentcnt": "0",
            "rating_tstamp": ZERO_DATE,
            "gravatar": "0",
            "deleted": "0",
            "anonymized": "0",
            "adate": None,
            "udate": fmt_offset(now),
            "edate": ZERO_DATETIME,
            "deleted_at": None,
            "created_utc_timestamp": fmt_naive_utc(now),
            "updated_utc_timestamp": fmt_naive_utc(now),
            "created_timestamp": fmt_naive(now),
            "updated_timestamp": fmt_naive(now),
            "created_by": None,
            "updated_by": None,
            "email_empty": False,
            "mpp_tracking": "0",
            "scoreValues": [],
            "accountContacts": [],
            "organization": None,
        }

    def _check_field_values(
        self,
        fvs: Any,
        pointer: str = "/data/attributes/fieldValues",
    ) -> list[tuple[int, str]]:
        if fvs is None:
            return []
        if not isinstance(fvs, list):
            raise err("Invalid field values", "field_invalid", pointer)
        out = []
        for fv in fvs:
            if not isinstance(fv, dict):
                raise err("Invalid field value", "field_invalid", pointer)
            f = as_int(fv.get("field"))
            if f is None or not self.t("fields").exists(f):
                raise err(
                    "Field not found",
                    "field_invalid",
                    pointer,
                    f"No field with id {sid(fv.get('field'))}",
                )
            value = "" if fv.get("value") is None else str(fv.get("value"))
            self._validate_value(f, value, pointer)
            out.append((f, value))
        return out

    def _validate_value(self, f: int, value: str, pointer: str) -> None:
        field = self.t("fields").get(f) or {}
        typ = field.get("type")
        if value == "":
            return
        if typ == "date" and not DATE_RE.match(value):
            raise err(
                "Invalid date value", "field_invalid", pointer, f"Field {f} expects YYYY-MM-DD"
            )
        if typ == "datetime" and parse_ts(value) is None:
            raise err(
                "Invalid datetime value",
                "field_invalid",
                pointer,
                f"Field {f} expects an ISO 8601 datetime",
            )
        opts = field.get("options") or []
        if opts and typ in ("dropdown", "radio", "checkbox", "multiselect", "listbox"):
            fo = self.t("fieldOptions")
            allowed = {str(fo.value(int(o), "value")) for o in opts if fo.exists(int(o))}
            vals = [v for v in value.split("||") if v] if "||" in value else [value]
            bad = [v for v in vals if v not in allowed]
            if bad:
                raise err(
                    "Invalid option value",
                    "field_invalid",
                    pointer,
                    f"'{bad[0]}' is not an option of field {f}",
                )

    def set_field_value(
        self,
        contact: int,
        field: int,
        value: str,
        now: float,
    ) -> tuple[int, bool]:
        """Upsert the one value of (contact, field); returns (id, created)."""
        t = self.t("fieldValues")
        j = t.child_where("contact", contact, "field", field)
        if j is not None:
            rec = t.materialize(j)
            if rec is not None:
                if rec.get("value") != value:
                    rec["value"] = value
                    rec["udate"] = fmt_offset(now)
                    capture.link_written(self.a, contact, now)
                t.touch()
            return j, False
        j = t.insert(
            {
                "contact": str(contact),
                "field": str(field),
                "value": value,
                "cdate": fmt_offset(now),
                "udate": fmt_offset(now),
                "created_by": "0",
                "updated_by": "0",
                "owner": str(contact),
            }
        )
        capture.link_written(self.a, contact, now)
        return j, True

    def _apply_contact(self, rec: Record, data: dict[str, Any], now: float) -> bool:
        changed = False
        for src, dst in (
            ("firstName", "firstName"),
            ("lastName", "lastName"),
            ("phone", "phone"),
            ("first_name", "firstName"),
            ("last_name", "lastName"),
        ):
            if src in data:
                v = "" if data[src] is None else str(data[src])
                if rec.get(dst) != v:
                    rec[dst] = v
                    changed = True
        if "orgid" in data:
            rec["orgid"] = sid(data["orgid"])
        return changed

    def _stamp_contact(self, rec: Record, now: float) -> None:
        rec["udate"] = fmt_offset(now)
        rec["updated_timestamp"] = fmt_naive(now)
        rec["updated_utc_timestamp"] = fmt_naive_utc(now)

    def upsert_contact(
        self,
        data: dict[str, Any],
        now: float,
        create_only: bool = False,
    ) -> tuple[int, bool, list[int]]:
        email = sid(data.get("email"))
        if not email:
            raise err("Email address is required", "field_missing", "/data/attributes/email")
        if not EMAIL_RE.match(email):
            raise err(
                "Email address is invalid",
                "email_invalid",
                "/data/attributes/email",
                f"'{email}' is not a valid email address",
            )
        fvs = self._check_field_values(data.get("fieldValues"))
        t = self.t("contacts")
        existing = self._contact_id_by_email(email)
        if existing is not None and create_only:
            raise err(
                "Email address already exists in the system", "duplicate", "/data/attributes/email"
            )
        if existing is None:
            rec = self._new_contact(email, now)
            self._apply_contact(rec, data, now)
            i = t.insert(rec)
            self.w.email_index[email.lower()] = i
            created = True
        else:
            i = existing
            rec = t.materialize(i) or {}
            if self._apply_contact(rec, data, now):
                # a contact write only when the contact's own keys change; field values
                # sent alongside are link writes (capture.link_written decides)
                self._stamp_contact(rec, now)
            t.touch()
            created = False
        fv_ids = [self.set_field_value(i, f, v, now)[0] for f, v in fvs]
        return i, created, fv_ids

    def contact_response(self, i: int, fv_ids: list[int]) -> dict[str, Any]:
        return {
            "fieldValues": [self.render("fieldValues", j) for j in fv_ids],
            "contact": self.render("contacts", i),
        }

    def post_contacts(self, req: Request) -> Result:
        data = wrapper(self.a, req, "contact")
        i, _, fv = self.upsert_contact(data, time.time(), create_only=True)
        return Result(201, self.contact_response(i, fv))

    def post_contact_sync(self, req: Request) -> Result:
        data = wrapper(self.a, req, "contact")
        i, created, fv = self.upsert_contact(data, time.time())
        return Result(201 if created else 200, self.contact_response(i, fv))

    def put_contact(self, req: Request, rid: str) -> Result:
        data = wrapper(self.a, req, "contact")
        t, i = self._stored("contacts", rid, "contact")
        now = time.time()
        fvs = self._check_field_values(data.get("fieldValues"))
        rec = t.materialize(i) or {}
        if "email" in data:
            email = sid(data.get("email"))
            if not EMAIL_RE.match(email):
                raise err("Email address is invalid", "email_invalid", "/data/attributes/email")
            other = self._contact_id_by_email(email)
            if other is not None and other != i:
                raise err(
                    "Email address already exists in the system",
                    "duplicate",
                    "/data/attributes/email",
                )
            self.w.email_index.pop(str(rec.get("email", "")).lower(), None)
            rec["email"] = email
            self.w.email_index[email.lower()] = i
        self._apply_contact(rec, data, now)
        self._stamp_contact(rec, now)
        t.touch()
        fv = [self.set_field_value(i, f, v, now)[0] for f, v in fvs]
        return Result(200, self.contact_response(i, fv))

    def delete_contact(self, req: Request, rid: str) -> Result:
        _, i = self._stored("contacts", rid, "contact")
        capture.delete_cascade(self.a, "contacts", i)
        return Result(200, {})

    # -- tags and lists --------------------------------------------------------------------
    def find_tag(self, name: str, tag_type: str = "contact") -> int | None:
        """Tag id by (type, case-insensitive name); the index is rebuilt when tags change."""
        t = self.t("tags")
        if self._tag_index is None or self._tag_index[0] != t.version:
            idx: dict[tuple[str, str], int] = {}
            for i in t.ids:
                rec = t.get(i)
                if rec is not None:
                    key = (str(rec.get("tagType", "contact")), str(rec.get("tag", "")).lower())
                    idx.setdefault(key, i)
            self._tag_index = (t.version, idx)
        return self._tag_index[1].get((tag_type, name.strip().lower()))

    def create_tag(self, name: str, tag_type: str, description: str, now: float) -> int:
        return self.t("tags").insert(
            {
                "tagType": tag_type,
                "tag": name,
                "description": description,
                "cdate": fmt_offset(now),
                "subscriber_count": "0",
                "created_timestamp": fmt_naive(now),
                "updated_timestamp": fmt_naive(now),
                "created_by": None,
                "updated_by": None,
                "deleted": "0",
            }
        )

    def post_tags(self, req: Request) -> Result:
        data = wrapper(self.a, req, "tag")
        name = sid(data.get("tag"))
        if not name:
            raise missing("tag")
        if "," in name:
            raise err("Tag names cannot contain commas", "invalid", "/data/attributes/tag")
        tag_type = sid(data.get("tagType")) or "contact"
        if tag_type not in ("contact", "template"):
            raise err("Invalid tag type", "invalid", "/data/attributes/tagType")
        if self.find_tag(name, tag_type) is not None:
            raise ApiError(
                422,
                {
                    "message": "Could not process request",
                    "error": f"Duplicate entry '{tag_type}-{name}' for key 'typetag'",
                },
            )
        i = self.create_tag(name, tag_type, sid(data.get("description")), time.time())
        return Result(201, {"tag": self.render("tags", i)})

    def link_tag(self, contact: int, tag: int, now: float) -> tuple[int, bool]:
        t = self.t("contactTags")
        j = t.child_where("contact", contact, "tag", tag)
        if j is not None:
            return j, False
        j = t.insert(
            {
                "contact": str(contact),
                "tag": str(tag),
                "cdate": fmt_offset(now),
                "created_timestamp": fmt_naive(now),
                "updated_timestamp": fmt_naive(now),
                "created_by": None,
                "updated_by": None,
            }
        )
        capture.link_written(self.a, contact, now)
        return j, True

    def post_contact_tags(self, req: Request) -> Result:
        data = wrapper(self.a, req, "contactTag")
        require(data, "contact", "tag")
        c = self.existing(data["contact"], "contacts", "Contact")
        tg = self.existing(data["tag"], "tags", "Tag")
        j, _ = self.link_tag(c, tg, time.time())
        return Result(201, {"contactTag": self.render("contactTags", j)})

    def delete_contact_tag(self, req: Request, rid: str) -> Result:
        i = as_int(rid)
        if i is None or not self.t("contactTags").exists(i):
            raise not_found("contactTag", rid)
        capture.delete_cascade(self.a, "contactTags", i)
        return Result(200, {})

    def set_list_status(
        self,
        contact: int,
        lst: int,
        status: str,
        now: float,
        sourceid: str = "0",
        force: bool = False,
    ) -> tuple[int, bool]:
        """Subscribe (1) or unsubscribe (2); an unsubscribed contact is only re-subscribed
        when forced (sourceid 4), as the service does."""
        t = self.t("contactLists")
        crec = self.t("contacts").get(contact) or {}
        j = t.child_where("contact", contact, "list", lst)
        if j is not None:
            rec = t.materialize(j) or {}
            cur = str(rec.get("status"))
            if cur == status or (cur == "2" and status == "1" and not force):
                return j, False
            rec["status"] = status
            # udate is the unsubscribe date: set on leaving, cleared on re-subscribing
            rec["udate"] = fmt_offset(now) if status == "2" else None
            rec["updated_timestamp"] = fmt_offset(now)
            if status == "1":
                rec["sdate"] = fmt_offset(now)
                rec["unsubreason"] = None
            rec["sourceid"] = sourceid
            t.touch()
            capture.link_written(self.a, contact, now)
            return j, False
        j = t.insert(
            {
                "contact": str(contact),
                "list": str(lst),
                "form": None,
                "seriesid": "0",
                "sdate": fmt_offset(now),
                "udate": fmt_offset(now) if status == "2" else None,
                "status": status,
                "responder": "1",
                "sync": "0",
                "unsubreason": None,
                "campaign": None,
                "message": None,
                "first_name": crec.get("firstName", ""),
                "last_name": crec.get("lastName", ""),
                "ip4Sub": "0",
                "sourceid": sourceid,
                "autosyncLog": None,
                "ip4_last": "0",
                "ip4Unsub": "0",
                "unsubscribeAutomation": None,
                "automation": None,
                "created_timestamp": fmt_offset(now),
                "updated_timestamp": fmt_offset(now),
            }
        )
        capture.link_written(self.a, contact, now)
        return j, True

    def post_contact_lists(self, req: Request) -> Result:
        data = wrapper(self.a, req, "contactList")
        require(data, "list", "contact", "status")
        status = sid(data["status"])
        if status not in ("1", "2"):
            raise err(
                "Invalid status",
                "invalid",
                "/data/attributes/status",
                "status must be 1 (subscribe) or 2 (unsubscribe)",
            )
        c = self.existing(data["contact"], "contacts", "Contact")
        lst = self.existing(data["list"], "lists", "List")
        src = sid(data.get("sourceid")) or "0"
        j, _ = self.set_list_status(c, lst, status, time.time(), src, force=src == "4")
        return Result(
            200,
            {
                "contacts": [self.render("contacts", c)],
                "contactList": self.render("contactLists", j),
            },
        )

    def post_lists(self, req: Request) -> Result:
        data = wrapper(self.a, req, "list")
        name = sid(data.get("name"))
        if not name:
            raise missing("name")
        now = time.time()
        rec = list_row(
            name,
            sid(data.get("stringid")) or re.sub(r"[^a-z0-9]+", "-", name.lower()),
            fmt_offset(now),
            userid=sid(data.get("user")) or "1",
            send_last_broadcast=sid(data.get("send_last_broadcast")) or "0",
            carboncopy=data.get("carboncopy") or None,
            subscription_notify=data.get("subscription_notify") or None,
            unsubscription_notify=data.get("unsubscription_notify") or None,
            sender_url=sid(data.get("sender_url")),
            sender_reminder=sid(data.get("sender_reminder")),
            udate=fmt_offset(now),
            user=sid(data.get("user")) or "1",
        )
        i = self.t("lists").insert(rec)
        return Result(200, {"list": self.render("lists", i)})

    # -- fields ----------------------------------------------------------------------------
    def post_fields(self, req: Request) -> Result:
        data = wrapper(self.a, req, "field")
        title = sid(data.get("title"))
        if not title:
            raise missing("title")
        typ = sid(data.get("type")) or "text"
        if typ not in FIELD_TYPES:
            raise err("Invalid field type", "invalid", "/data/attributes/type")
        t = self.t("fields")
        for i in t.ids:
            if str(t.value(i, "title")).lower() == title.lower():
                raise err(
                    "Duplicate field title",
                    "duplicate",
                    "/data/attributes/title",
                    f"A field titled '{title}' already exists",
                )
        now = time.time()
        perstag = sid(data.get("perstag")) or re.sub(r"[^A-Z0-9]+", "_", title.upper())
        i = t.insert(
            {
                "title": title,
                "descript": sid(data.get("descript")),
                "type": typ,
                "isrequired": sid(data.get("isrequired")) or "0",
                "perstag": perstag,
                "defval": sid(data.get("defval")),
                "show_in_list": "0",
                "rows": "0",
                "cols": "0",
                "visible": sid(data.get("visible")) or "1",
                "service": "",
                "ordernum": sid(data.get("ordernum")) or str(len(t.ids) + 1),
                "cdate": fmt_offset(now),
                "udate": fmt_offset(now),
                "created_timestamp": fmt_naive(now),
                "updated_timestamp": fmt_naive(now),
                "created_by": None,
                "updated_by": None,
                "options": [],
                "relations": [],
            }
        )
        return Result(201, {"field": self.render("fields", i)})

    def post_field_options(self, req: Request) -> Result:
        body = self.a.json_body(req)
        opts = body.get("fieldOptions") if isinstance(body, dict) else None
        if not isinstance(opts, list) or not opts:
            raise missing("fieldOptions")
        now = time.time()
        ft, fo = self.t("fields"), self.t("fieldOptions")
        out = []
        for o in opts:
            f = as_int(o.get("field")) if isinstance(o, dict) else None
            if f is None or not ft.exists(f):
                raise err("Field not found", "field_invalid", "/data/attributes/field")
        for o in opts:
            f = int(sid(o["field"]))
            j = fo.insert(
                {
                    "field": str(f),
                    "orderid": sid(o.get("orderid")) or "0",
                    "value": sid(o.get("value")),
                    "label": sid(o.get("label")),
                    "isdefault": "1" if o.get("isdefault") in (True, 1, "1") else "0",
                    "cdate": fmt_offset(now),
                    "udate": fmt_offset(now),
                }
            )
            frec = ft.materialize(f) or {}
            frec["options"] = [*frec.get("options", []), str(j)]
            out.append(j)
        ft.touch()
        return Result(201, {"fieldOptions": [self.render("fieldOptions", j) for j in out]})

    def post_field_rels(self, req: Request) -> Result:
        data = wrapper(self.a, req, "fieldRel")
        f = as_int(data.get("field"))
        if f is None or not self.t("fields").exists(f):
            raise err("Field not found", "field_invalid", "/data/attributes/field")
        relid = sid(data.get("relid")) or "0"
        if relid != "0" and not self.t("lists").exists(int(relid) if relid.isdigit() else -1):
            raise err("List not found", "invalid", "/data/attributes/relid")
        now = time.time()
        j = self.t("fieldRels").insert(
            {"field": str(f), "relid": relid, "dorder": "0", "cdate": fmt_offset(now)}
        )
        frec = self.t("fields").materialize(f) or {}
        frec["relations"] = [*frec.get("relations", []), str(j)]
        return Result(201, {"fieldRel": self.render("fieldRels", j)})

    def post_field_values(self, req: Request) -> Result:
        data = wrapper(self.a, req, "fieldValue")
        require(data, "contact", "field")
        c = self.existing(data["contact"], "contacts", "Contact")
        [(f, v)] = self._check_field_values(
            [{"field": data["field"], "value": data.get("value")}], "/data/attributes/value"
        )
        now = time.time()
        j, _ = self.set_field_value(c, f, v, now)
        return Result(
            200,
            {"contacts": [self.render("contacts", c)], "fieldValue": self.render("fieldValues", j)},
        )

    def put_field_value(self, req: Request, rid: str) -> Result:
        data = wrapper(self.a, req, "fieldValue")
        t, i = self._stored("fieldValues", rid, "fieldValue")
        rec = t.materialize(i) or {}
        f = as_int(data.get("field", rec.get("field")))
        [(f, v)] = self._check_field_values(
            [{"field": f, "value": data.get("value")}], "/data/attributes/value"
        )
        rec["value"] = v
        rec["field"] = str(f)
        rec["udate"] = fmt_offset(time.time())
        t.touch()
        capture.link_written(self.a, rec.get("contact"))
        return Result(200, {"fieldValue": self.render("fieldValues", i)})

    # -- accounts --------------------------------------------------------------------------
    @property
    def account_names(self) -> dict[str, int]:
        if self._account_names is None:
            t = self.t("accounts")
            self._account_names = {str(t.value(i, "name")).lower(): i for i in t.ids}
        return self._account_names

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

    def create_account(self, name: str, data: dict[str, Any], now: float) -> int:
        i = self.t("accounts").insert(
            {
                "name": name,
                "accountUrl": sid(data.get("accountUrl")) or None,
                "owner": sid(data.get("owner")) or "1",
                "createdTimestamp": fmt_offset(now),
                "updatedTimestamp": fmt_offset(now),
                "contactCount": "0",
                "dealCount": "0",
            }
        )
        self.account_names[name.lower()] = i
        return i

    def post_accounts(self, req: Request) -> Result:
        data = wrapper(self.a, req, "account")
        name = sid(data.get("name"))
        if not name:
            raise missing("name")
        if name.lower() in self.account_names and self.t("accounts").exists(
            self.account_names[name.lower()]
        ):
            raise err(
                f'The account name "{name}" already exists', "duplicate", "/data/attributes/name"
            )
        now = time.time()
        self._check_fields("account", data.get("fields"))
        i = self.create_account(name, data, now)
        self._set_fields("account", i, data.get("fields"), now)
        return Result(201, {"account": self.render("accounts", i)})

    def put_account(self, req: Request, rid: str) -> Result:
        data = wrapper(self.a, req, "account")
        t, i = self._stored("accounts", rid, "account")
        self._check_fields("account", data.get("fields"))
        now = time.time()
        rec = t.materialize(i) or {}
        if "name" in data:
            name = sid(data.get("name"))
            if not name:
                raise missing("name")
            other = self.account_names.get(name.lower())
            if other is not None and other != i and t.exists(other):
                raise err(
                    f'The account name "{name}" already exists',
                    "duplicate",
                    "/data/attributes/name",
                )
            self.account_names.pop(str(rec.get("name", "")).lower(), None)
            rec["name"] = name
            self.account_names[name.lower()] = i
        for k in ("accountUrl", "owner"):
            if k in data:
                rec[k] = sid(data[k]) or None
        rec["updatedTimestamp"] = fmt_offset(now)
        t.touch()
        self._set_fields("account", i, data.get("fields"), now)
        return Result(200, {"account": self.render("accounts", i)})

    def link_account(self, acc: int, contact: int, job: str, now: float) -> tuple[int, bool]:
        t = self.t("accountContacts")
        j = t.child_where("account", acc, "contact", contact)
        if j is not None:
            return j, False
        j = t.insert(
            {
                "account": str(acc),
                "contact": str(contact),
                "jobTitle": job,
                "createdTimestamp": fmt_offset(now),
                "updatedTimestamp": fmt_offset(now),
            }
        )
        capture.link_written(self.a, contact, now)
        return j, True

    def post_account_contacts(self, req: Request) -> Result:
        data = wrapper(self.a, req, "accountContact")
        require(data, "account", "contact")
        acc = self.existing(data["account"], "accounts", "AccountState")
        c = self.existing(data["contact"], "contacts", "Contact")
        j, created = self.link_account(acc, c, sid(data.get("jobTitle")), time.time())
        if not created:
            raise err(
                "The contact is already associated with this account",
                "duplicate",
                "/data/attributes/contact",
            )
        return Result(201, {"accountContact": self.render("accountContacts", j)})

    def post_custom_datum(self, kind: str) -> Any:
        """POST handler that sets one custom field value on an account or a deal."""
        spec = CUSTOM_DATA[kind]

        def fn(req: Request) -> Result:
            data = wrapper(self.a, req, spec.key)
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
            data = wrapper(self.a, req, key)
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

    # -- custom field definitions (accountCustomFieldMeta, dealCustomFieldMeta) -------------
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
        key = SPECS[spec.meta_table].singular

        def fn(req: Request) -> Result:
            data = wrapper(self.a, req, key)
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
        key = SPECS[spec.meta_table].singular

        def fn(req: Request, rid: str) -> Result:
            data = wrapper(self.a, req, key)
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

    # -- deals and notes -------------------------------------------------------------------
    def _deal_refs(self, data: dict[str, Any], rec: Record) -> None:
        if "contact" in data:
            c = as_int(data["contact"])
            if not c:  # null, "" or "0": the deal would lose its required primary contact
                raise missing("contact")
            if c is None or not self.t("contacts").exists(c):
                raise err("Contact not found", "invalid", "/data/attributes/contact")
            rec["contact"] = str(c)
        if "account" in data:
            a = as_int(data["account"]) if data["account"] not in (None, "") else None
            if a is not None and not self.t("accounts").exists(a):
                raise err("AccountState not found", "invalid", "/data/attributes/account")
            rec["account"] = rec["customerAccount"] = None if a is None else str(a)
        if "owner" in data:
            o = as_int(data["owner"])
            if o is None or not self.t("users").exists(o):
                raise err("Owner not found", "invalid", "/data/attributes/owner")
            rec["owner"] = str(o)
        if "stage" in data or "group" in data:
            st = as_int(data.get("stage", rec.get("stage")))
            if st is None or not self.t("dealStages").exists(st):
                raise err("Stage not found", "invalid", "/data/attributes/stage")
            grp = str(self.t("dealStages").value(st, "group"))
            if data.get("group") not in (None, "") and sid(data["group"]) != grp:
                raise err(
                    "The stage does not belong to the pipeline", "invalid", "/data/attributes/stage"
                )
            rec["stage"], rec["group"] = str(st), grp
        for k in ("title", "description", "percent"):
            if k in data:
                rec[k] = "" if data[k] is None else str(data[k])
        if "value" in data:
            v = as_int(data["value"])
            if v is None or v < 0:
                raise err(
                    "Invalid deal value",
                    "invalid",
                    "/data/attributes/value",
                    "value is in cents, a non-negative integer",
                )
            rec["value"] = str(v)
        if "currency" in data:
            cur = sid(data["currency"]).lower()
            if len(cur) != 3:
                raise err("Invalid currency", "invalid", "/data/attributes/currency")
            rec["currency"] = cur
        if "status" in data:
            s = sid(data["status"])
            if s not in ("0", "1", "2"):
                raise err("Invalid status", "invalid", "/data/attributes/status")
            rec["status"] = s

    def post_deals(self, req: Request) -> Result:
        data = wrapper(self.a, req, "deal")
        # the deal reference: "a deal requires a primary contact"; an account does not do
        require(data, "title", "value", "currency", "owner", "stage", "contact")
        now = time.time()
        rec: Record = {
            "hash": uuid.uuid4().hex[:8],
            "owner": "1",
            "contact": None,
            "organization": None,
            "group": "1",
            "stage": "1",
            "title": "",
            "description": "",
            "percent": "0",
            "cdate": fmt_offset(now),
            "mdate": fmt_offset(now),
            "nextdate": None,
            "nexttaskid": None,
            "value": "0",
            "currency": "usd",
            "winProbability": None,
            "winProbabilityMdate": None,
            "status": "0",
            "activitycount": "0",
            "nextdealid": None,
            "edate": ZERO_DATETIME,
            "isDisabled": False,
            "account": None,
            "customerAccount": None,
        }
        self._deal_refs(data, rec)
        self._check_fields("deal", data.get("fields"))
        i = self.t("deals").insert(rec)
        self._set_fields("deal", i, data.get("fields"), now)
        contacts = [self.render("contacts", int(rec["contact"]))] if rec["contact"] else []
        return Result(201, {"contacts": contacts, "deal": self.render("deals", i)})

    def put_deal(self, req: Request, rid: str) -> Result:
        data = wrapper(self.a, req, "deal")
        t, i = self._stored("deals", rid, "deal")
        now = time.time()
        rec = dict(t.get(i) or {})
        self._deal_refs(data, rec)
        self._check_fields("deal", data.get("fields"))
        rec["mdate"] = fmt_offset(now)
        if rec.get("status") in ("1", "2") and rec.get("edate") in (None, "", ZERO_DATETIME):
            rec["edate"] = fmt_naive(now)
        elif rec.get("status") == "0":
            rec["edate"] = ZERO_DATETIME
        t.put(i, rec)
        self._set_fields("deal", i, data.get("fields"), now)
        return Result(200, {"deal": self.render("deals", i)})

    NOTE_TABLES = {
        "Subscriber": "contacts",
        "Deal": "deals",
        "CustomerAccount": "accounts",
        "DealTask": "dealTasks",
    }

    def create_note(self, data: dict[str, Any], reltype: str, relid: int | None) -> int:
        text = sid(data.get("note"))
        if not text:
            raise missing("note")
        if relid is None:
            raise missing("relid")
        table = self.NOTE_TABLES.get(reltype)
        if table is None and reltype not in ("Activity", "CustomObject"):
            raise err("Invalid reltype", "invalid", "/data/attributes/reltype")
        if table is not None and not self.t(table).exists(relid):
            raise not_found_404(reltype)
        now = time.time()
        owner = {"Subscriber": "contact", "Deal": "deal", "CustomerAccount": "account"}.get(
            reltype, reltype.lower()
        )
        return self.t("notes").insert(
            {
                "note": text,
                "relid": str(relid),
                "reltype": reltype,
                "userid": "1",
                "is_draft": "0",
                "cdate": fmt_offset(now),
                "mdate": fmt_offset(now),
                "user": "1",
                "owner": {"type": owner, "id": str(relid)},
            }
        )

    def post_notes(self, req: Request) -> Result:
        data = wrapper(self.a, req, "note")
        i = self.create_note(
            data, sid(data.get("reltype")) or "Subscriber", as_int(data.get("relid"))
        )
        return Result(201, {"note": self.render("notes", i)})

    def post_child_note(self, reltype: str) -> Any:
        def fn(req: Request, pid: str) -> Result:
            data = wrapper(self.a, req, "note")
            i = self.create_note(data, reltype, as_int(pid))
            return Result(201, {"note": self.render("notes", i)})

        return fn

    # -- e-commerce ------------------------------------------------------------------------
    def post_ecom_customers(self, req: Request) -> Result:
        data = wrapper(self.a, req, "ecomCustomer")
        require(data, "connectionid", "externalid", "email")
        conn = as_int(data["connectionid"])
        if conn is None or not self.t("connections").exists(conn):
            raise err("Connection not found", "invalid", "/data/attributes/connectionid")
        email = sid(data["email"])
        if not EMAIL_RE.match(email):
            raise err("Email address is invalid", "email_invalid", "/data/attributes/email")
        t = self.t("ecomCustomers")
        ext = sid(data["externalid"])
        if (str(conn), ext) in self.ext_index("ecomCustomers"):
            raise err(
                "Duplicate customer",
                "duplicate",
                "/data/attributes/externalid",
                f"A customer with externalid {ext} already exists for this connection",
            )
        now = time.time()
        i = t.insert(
            {
                "connectionid": str(conn),
                "externalid": ext,
                "email": email,
                "totalRevenue": "0",
                "totalOrders": "0",
                "totalProducts": "0",
                "avgRevenuePerOrder": "0",
                "avgProductCategory": "",
                "tstamp": fmt_offset(now),
                "acceptsMarketing": sid(data.get("acceptsMarketing")) or "0",
                "connection": str(conn),
            }
        )
        self.ext_index("ecomCustomers")[(str(conn), ext)] = i
        return Result(201, {"ecomCustomer": self.render("ecomCustomers", i)})

    def _order_products(self, order: int, products: Any, now: float) -> list[int]:
        t = self.t("ecomOrderProducts")
        for j in t.children("orderid", order):
            t.delete(j)
        out = []
        for p in products or []:
            out.append(
                t.insert(
                    {
                        "externalid": sid(p.get("externalid")),
                        "name": sid(p.get("name")),
                        "price": sid(p.get("price")),
                        "quantity": sid(p.get("quantity")),
                        "category": sid(p.get("category")),
                        "sku": sid(p.get("sku")),
                        "description": sid(p.get("description")),
                        "imageUrl": sid(p.get("imageUrl")),
                        "productUrl": sid(p.get("productUrl")),
                        "createdDate": fmt_offset(now),
                        "updatedDate": fmt_offset(now),
                        "tstamp": fmt_offset(now),
                        "orderid": str(order),
                        "connectionid": str(self.t("ecomOrders").value(order, "connectionid")),
                        "ecomOrder": str(order),
                    }
                )
            )
        return out

    def _check_products(self, products: Any) -> None:
        if not isinstance(products, list):
            raise err("Invalid order products", "invalid", "/data/attributes/orderProducts")
        for n, p in enumerate(products):
            if not isinstance(p, dict):
                raise err("Invalid order product", "invalid", f"/data/attributes/orderProducts/{n}")
            for k in ("name", "price", "quantity"):
                if p.get(k) in (None, ""):
                    raise missing(f"orderProducts/{n}/{k}")
            if as_int(p.get("price")) is None or (as_int(p.get("price")) or 0) < 0:
                raise err(
                    "Invalid price",
                    "invalid",
                    f"/data/attributes/orderProducts/{n}/price",
                    "price is in cents, a non-negative integer",
                )

    def _apply_order(self, rec: Record, data: dict[str, Any]) -> None:
        money = ("totalPrice", "shippingAmount", "taxAmount", "discountAmount")
        for k in money:
            if k in data:
                v = as_int(data[k])
                if v is None:
                    raise err(
                        f"Invalid {k}", "invalid", f"/data/attributes/{k}", "amounts are in cents"
                    )
                rec[k] = v  # numbers, as the service answers
        for k in (
            "externalid",
            "externalcheckoutid",
            "source",
            "email",
            "currency",
            "orderUrl",
            "shippingMethod",
            "orderNumber",
            "externalCreatedDate",
            "externalUpdatedDate",
            "abandonedDate",
            "orderDate",
        ):
            if k in data:
                rec[k] = None if data[k] is None else sid(data[k])
        if "externalCreatedDate" in data and parse_ts(data["externalCreatedDate"]) is None:
            raise err(
                "Invalid externalCreatedDate", "invalid", "/data/attributes/externalCreatedDate"
            )

    def post_ecom_orders(self, req: Request) -> Result:
        data = wrapper(self.a, req, "ecomOrder")
        if data.get("externalid") in (None, "") and data.get("externalcheckoutid") in (None, ""):
            raise missing("externalid")
        require(
            data,
            "email",
            "totalPrice",
            "currency",
            "connectionid",
            "customerid",
            "externalCreatedDate",
        )
        if data.get("externalid") not in (None, "") and not data.get("orderProducts"):
            raise missing("orderProducts")
        conn, cust = as_int(data["connectionid"]), as_int(data["customerid"])
        if conn is None or not self.t("connections").exists(conn):
            raise err("Connection not found", "invalid", "/data/attributes/connectionid")
        if cust is None or not self.t("ecomCustomers").exists(cust):
            raise err("Customer not found", "invalid", "/data/attributes/customerid")
        if not EMAIL_RE.match(sid(data["email"])):
            raise err("Email address is invalid", "email_invalid", "/data/attributes/email")
        self._check_products(data.get("orderProducts") or [])
        t = self.t("ecomOrders")
        ext = sid(data.get("externalid"))
        if ext and (str(conn), ext) in self.ext_index("ecomOrders"):
            raise err(
                "Duplicate order",
                "duplicate",
                "/data/attributes/externalid",
                f"An order with externalid {ext} already exists",
            )
        now = time.time()
        rec: Record = {
            "externalid": None,
            "externalcheckoutid": None,
            "source": "1",
            "email": "",
            "currency": "USD",
            "connectionid": str(conn),
            "customerid": str(cust),
            "orderUrl": "",
            "shippingMethod": "",
            "shippingAmount": 0,
            "taxAmount": 0,
            "discountAmount": 0,
            "totalPrice": 0,
            "totalProducts": 0,
            "createdDate": fmt_offset(now),
            "updatedDate": fmt_offset(now),
            "externalCreatedDate": None,
            "externalUpdatedDate": None,
            "state": 1,
            "abandonedDate": None,
            "orderNumber": "",
            "orderDate": None,
            "tstamp": fmt_offset(now),
            "orderProducts": [],
            "orderDiscounts": data.get("orderDiscounts") or [],
            "connection": str(conn),
            "customer": str(cust),
        }
        self._apply_order(rec, data)
        if not rec.get("externalid"):
            rec["state"] = 2
        i = t.insert(rec)
        if rec.get("externalid"):
            self.ext_index("ecomOrders")[(str(conn), str(rec["externalid"]))] = i
        prods = self._order_products(i, data.get("orderProducts"), now)
        rec["orderProducts"] = [str(p) for p in prods]
        rec["totalProducts"] = len(prods)
        return Result(
            201,
            {
                "connections": [self.render("connections", conn)],
                "ecomCustomers": [self.render("ecomCustomers", cust)],
                "ecomOrderProducts": [self.render("ecomOrderProducts", p) for p in prods],
                "ecomOrder": self.render("ecomOrders", i),
            },
        )

    def put_ecom_order(self, req: Request, rid: str) -> Result:
        data = wrapper(self.a, req, "ecomOrder")
        t, i = self._stored("ecomOrders", rid, "ecomOrder")
        if "orderProducts" in data:
            self._check_products(data.get("orderProducts") or [])
        now = time.time()
        rec = dict(t.get(i) or {})
        self._apply_order(rec, data)
        if rec.get("externalid") and rec.get("state") == 2:
            rec["state"] = 3  # a recovered abandoned cart
        rec["updatedDate"] = rec["tstamp"] = fmt_offset(now)
        t.put(i, rec)
        self._ext.pop("ecomOrders", None)
        if "orderProducts" in data:
            prods = self._order_products(i, data.get("orderProducts"), now)
            rec["orderProducts"] = [str(p) for p in prods]
            rec["totalProducts"] = len(prods)
        return Result(200, {"ecomOrder": self.render("ecomOrders", i)})

    # -- custom objects --------------------------------------------------------------------
    def _ext_index(self, schema: str, t: Table) -> dict[str, int]:
        idx = self._record_ext.get(schema)
        if idx is None:
            idx = {str(t.value(i, "externalId")): i for i in t.ids}
            self._record_ext[schema] = idx
        return idx

    def post_record(self, req: Request, schema: str) -> Result:
        t = self.a.records_table(schema)
        si = self.a.schema_index(schema)
        srec = self.t("customObjects/schemas").get(si or 0) or {}
        data = wrapper(self.a, req, "record")
        ext = sid(data.get("externalId"))
        if not ext:
            raise missing("externalId")
        fields = data.get("fields") or []
        known = {f["id"]: f for f in srec.get("fields", [])}
        if not isinstance(fields, list):
            raise err("Invalid fields", "invalid", "/data/attributes/fields")
        for n, f in enumerate(fields):
            if not isinstance(f, dict) or f.get("id") not in known:
                raise err(
                    "Unknown field",
                    "field_invalid",
                    f"/record/fields/{n}/id",
                    f"Field '{f.get('id') if isinstance(f, dict) else f}' is not in the schema",
                )
        rels = data.get("relationships") or {}
        if not isinstance(rels, dict):
            raise err("Invalid relationships", "invalid", "/record/relationships")
        for rel, ids in rels.items():
            if rel == "primary-contact":
                for c in ids if isinstance(ids, list) else [ids]:
                    ci = as_int(c)
                    if ci is None or not self.t("contacts").exists(ci):
                        raise err(
                            "Related contact not found",
                            "invalid",
                            "/record/relationships/primary-contact",
                        )
        now = time.time()
        idx = self._ext_index(schema, t)
        i = idx.get(ext)
        norm_rels = {
            k: [sid(x) for x in (v if isinstance(v, list) else [v])] for k, v in rels.items()
        }
        if i is not None and t.exists(i):
            rec = dict(t.get(i) or {})
            merged = {f["id"]: f for f in rec.get("fields", [])}
            for f in fields:
                merged[f["id"]] = {"id": f["id"], "value": f.get("value")}
            rec["fields"] = list(merged.values())
            if rels:
                rec["relationships"] = {**rec.get("relationships", {}), **norm_rels}
            rec["updatedTimestamp"] = fmt_utc_z(now)
            t.put(i, rec)
            return Result(200, {"record": t.get(i)})
        rec = {
            "id": str(uuid.uuid4()),
            "externalId": ext,
            "schemaId": schema,
            "fields": [{"id": f["id"], "value": f.get("value")} for f in fields],
            "relationships": norm_rels,
            "createdTimestamp": fmt_utc_z(now),
            "updatedTimestamp": fmt_utc_z(now),
        }
        i = t.insert(rec)
        idx[ext] = i
        return Result(201, {"record": t.get(i)})

    def ext_index(self, name: str) -> dict[tuple[str, str], int]:
        """(connectionid, externalid) -> id for e-commerce rows, built on first use and kept
        up to date by creates; updates and deletes drop it (rebuilt on next use)."""
        idx = self._ext.get(name)
        if idx is None:
            t = self.t(name)
            idx = {}
            for j in t.ids:
                ext = t.value(j, "externalid")
                if ext:
                    idx[(str(t.value(j, "connectionid")), str(ext))] = j
            self._ext[name] = idx
        return idx

    # -- misc ------------------------------------------------------------------------------
    def generic_put(self, name: str) -> Any:
        """PUT /<name>/{id}: change the sent keys the record has, stamp its updated time."""
        singular = SPECS[name].singular

        def fn(req: Request, rid: str) -> Result:
            data = wrapper(self.a, req, singular)
            t, i = self._stored(name, rid, singular)
            rec = dict(t.get(i) or {})
            if name == "tags" and "tag" in data:
                other = self.find_tag(sid(data["tag"]), sid(data.get("tagType")) or "contact")
                if other is not None and other != i:
                    raise ApiError(
                        422,
                        {
                            "message": "Could not process request",
                            "error": f"Duplicate entry '{data['tag']}' for key 'typetag'",
                        },
                    )
            if name == "fields" and "title" in data:
                for j in t.ids:
                    if j != i and str(t.value(j, "title")).lower() == sid(data["title"]).lower():
                        raise err("Duplicate field title", "duplicate", "/data/attributes/title")
            if name == "accountContacts":
                # AccountUpdateAssociationRequest: account and contact are required
                require(data, "account", "contact")
                self.existing(data["account"], "accounts", "AccountState")
                self.existing(data["contact"], "contacts", "Contact")
            if name == "ecomCustomers":
                if "email" in data and not EMAIL_RE.match(sid(data["email"])):
                    raise err("Email address is invalid", "email_invalid", "/data/attributes/email")
                conn = as_int(data.get("connectionid", rec.get("connectionid")))
                if conn is None or not self.t("connections").exists(conn):
                    raise err("Connection not found", "invalid", "/data/attributes/connectionid")
            for k, v in data.items():
                if k in rec and k not in ("id", "links") and not isinstance(rec[k], dict | list):
                    rec[k] = None if v is None else sid(v) if not isinstance(v, str) else v
            if name == "ecomCustomers":
                rec["connection"] = rec.get("connectionid")
                rec["tstamp"] = fmt_offset(time.time())
            stamp_updated(rec)
            t.put(i, rec)
            if name in ("accountContacts", "contactAutomations"):
                capture.link_written(self.a, rec.get("contact"))
            self._ext.pop(name, None)
            return Result(200, {singular: self.render(name, i)})

        return fn

    def generic_delete(self, name: str) -> Any:
        def fn(req: Request, rid: str) -> Result:
            t, i = self._stored(name, rid, SPECS[name].singular)
            if name == "accounts":
                self.account_names.pop(str(t.value(i, "name")).lower(), None)
            capture.delete_cascade(self.a, name, i)
            self._ext.pop(name, None)
            return Result(200, {})

        return fn


def register(acct: AccountState) -> None:
    """Add the write routes to the account's router."""
    w = Writes(acct)
    acct.writes = w
    r = acct.router
    r.add("POST", "/contacts", w.post_contacts)
    r.add("POST", "/contact/sync", w.post_contact_sync)
    r.add("PUT", "/contacts/{id}", w.put_contact)
    r.add("DELETE", "/contacts/{id}", w.delete_contact)
    r.add("POST", "/tags", w.post_tags)
    r.add("POST", "/contactTags", w.post_contact_tags)
    r.add("DELETE", "/contactTags/{id}", w.delete_contact_tag)
    r.add("POST", "/contactLists", w.post_contact_lists)
    r.add("POST", "/lists", w.post_lists)
    r.add("POST", "/fields", w.post_fields)
    r.add("POST", "/fieldOption/bulk", w.post_field_options)
    r.add("POST", "/fieldRels", w.post_field_rels)
    r.add("POST", "/fieldValues", w.post_field_values)
    r.add("PUT", "/fieldValues/{id}", w.put_field_value)
    r.add("POST", "/accounts", w.post_accounts)
    r.add("PUT", "/accounts/{id}", w.put_account)
    r.add("POST", "/accountContacts", w.post_account_contacts)
    for kind, spec in CUSTOM_DATA.items():
        r.add("POST", f"/{spec.table}", w.post_custom_datum(kind))
        r.add("PUT", f"/{spec.table}/{{id}}", w.put_custom_datum(kind))
        r.add("POST", f"/{spec.meta_table}", w.post_custom_meta(kind))
        r.add("PUT", f"/{spec.meta_table}/{{id}}", w.put_custom_meta(kind))
        r.add("DELETE", f"/{spec.meta_table}/{{id}}", w.delete_custom_meta(kind))
    r.add("POST", "/deals", w.post_deals)
    r.add("PUT", "/deals/{id}", w.put_deal)
    r.add("POST", "/notes", w.post_notes)
    r.add("POST", "/deals/{id}/notes", w.post_child_note("Deal"))
    r.add("POST", "/accounts/{id}/notes", w.post_child_note("CustomerAccount"))
    r.add("POST", "/ecomCustomers", w.post_ecom_customers)
    r.add("POST", "/ecomOrders", w.post_ecom_orders)
    r.add("PUT", "/ecomOrders/{id}", w.put_ecom_order)
    r.add("POST", "/customObjects/records/{schemaId}", w.post_record)
    for name in (
        "ecomCustomers",
        "tags",
        "lists",
        "fields",
        "accountContacts",
        "notes",
        "dealTasks",
        "dealStages",
        "dealGroups",
        "webhooks",
        "connections",
        "contactAutomations",
    ):
        r.add("PUT", f"/{name}/{{id}}", w.generic_put(name))
    for name in (
        "deals",
        "notes",
        "tags",
        "accounts",
        "accountContacts",
        "ecomOrders",
        "ecomCustomers",
        "fieldValues",
        "lists",
        "fields",
    ):
        r.add("DELETE", f"/{name}/{{id}}", w.generic_delete(name))
