"""Contacts and their links: the contact endpoints, tags on contacts, list memberships and
field values.

A contact is never written alone in ActiveCampaign: a sync can create field values, a tag link
stamps the contact, a list status carries its own dates. Those rules sit beside the contact
reads (the filters, include= sideloads and page_input of GET /contacts) so the contract of a
contact can be read in one place. The catalogues the links point at (tags, lists, fields)
are catalog.py's.

The module reads top-down: its resource specs (`SPECS`), read handlers, write handlers, the
generators of its tables (`build_config` for configuration, `build` for contact-scaled rows)
and `register`, which adds its routes.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from . import names, query
from .catalog import CONTACT_FIELDS
from .mutate import WriteBase, delete_cascade, link_written
from .protocol import (
    DATE_RE,
    EMAIL_RE,
    ApiError,
    Request,
    Result,
    as_int,
    err,
    not_found,
    parse_int,
    require,
    sid,
    wrapper,
)
from .resources import Spec, make_spec
from .state import AccountState
from .store import Record, Table, owned_table
from .util import (
    DAY_S,
    START_TS,
    ZERO_DATE,
    ZERO_DATETIME,
    fmt_date,
    fmt_naive,
    fmt_naive_utc,
    fmt_offset,
    h1,
    parse_ts,
)
from .world import World

# include= values GET /contacts honours: response key -> (child table, field holding the
# contact id). All are sideloaded by GET /contacts/{id} or are the contact's own links.
LIST_INCLUDES: dict[str, tuple[str, str]] = {
    "fieldValues": ("fieldValues", "contact"),
    "contactLists": ("contactLists", "contact"),
    "contactTags": ("contactTags", "contact"),
    "contactAutomations": ("contactAutomations", "contact"),
    "accountContacts": ("accountContacts", "contact"),
    "deals": ("deals", "contact"),
}


CONTACT_LINKS = (
    "bounceLogs",
    "contactAutomations",
    "contactData",
    "contactGoals",
    "contactLists",
    "contactLogs",
    "contactTags",
    "contactDeals",
    "deals",
    "fieldValues",
    "geoIps",
    "notes",
    "organization",
    "plusAppend",
    "trackingLogs",
    "scoreValues",
    "accountContacts",
    "automationEntryCounts",
)

# how this domain's list and record endpoints answer (envelope keys, links, filters)
SPECS: dict[str, Spec] = {
    "contacts": make_spec(
        "contacts",
        "contact",
        CONTACT_LINKS,
        date_filters={
            "filters[updated_after]": ("udate", "ge"),
            "filters[updated_before]": ("udate", "le"),
            "filters[created_after]": ("cdate", "ge"),
            "filters[created_before]": ("cdate", "le"),
        },
        order_alias={"first_name": "firstName", "last_name": "lastName", "name": "firstName"},
    ),
    "fieldValues": make_spec(
        "fieldValues",
        "fieldValue",
        ("owner", "field"),
        eq={"filters[fieldid]": "field", "filters[val]": "value"},
    ),
    "contactLists": make_spec(
        "contactLists",
        "contactList",
        (
            "automation",
            "list",
            "contact",
            "form",
            "autosyncLog",
            "campaign",
            "unsubscribeAutomation",
            "message",
        ),
    ),
    "contactTags": make_spec("contactTags", "contactTag", ("tag", "contact")),
    "contactAutomations": make_spec(
        "contactAutomations",
        "contactAutomation",
        ("automation", "contact", "contactGoals", "automationLogs"),
        eq={"filters[contact]": "contact", "filters[seriesid]": "seriesid"},
    ),
    "contactData": make_spec("contactData", "contactDatum", ("contact",)),
    "contactEmails": make_spec("contactEmails", "contactEmail", ("contact", "campaign", "message")),
    "contactConversions": make_spec(
        "contactConversions", "contactConversion", ("contact", "conversion")
    ),
}


# GET /contacts/{id} sideloads these too; the sandbox holds none, so they come back empty
EMPTY_INCLUDES = ("geoAddresses", "geoIps")


SUPPORTED_INCLUDES: tuple[str, ...] = (*LIST_INCLUDES, *EMPTY_INCLUDES)


def contact_children(acct: AccountState, table: str, field: str, contact: int) -> list[int]:
    """Ids of one contact's rows in a child table, through that table's index."""
    t = acct.world.tables.get(table)
    if t is None:
        return []
    return t.children_by(field, contact)


def requested_includes(acct: AccountState, raw: str | None) -> list[str]:
    """The honoured names among a comma-separated include= value, in request order."""
    if not raw:
        return []
    out: list[str] = []
    for part in raw.split(","):
        name = part.strip()
        if name in acct.list_includes and name not in out:
            out.append(name)
    return out


def include_body(acct: AccountState, names: list[str], contacts: list[int]) -> dict[str, Any]:
    """Top-level arrays of the page's children, rendered as their own list endpoint does."""
    body: dict[str, Any] = {}
    for name in names:
        if name in EMPTY_INCLUDES:
            body[name] = []
            continue
        table, field = LIST_INCLUDES[name]
        rows = []
        for c in contacts:
            for j in contact_children(acct, table, field, c):
                rec = acct.render(table, j)
                if rec is not None:
                    rows.append(rec)
        body[name] = rows
    return body


def automation_entry(contact: int, automation: int, now: float, *, total_elements: int) -> Record:
    """A contact's new run through an automation, as the API shows it right after entry."""
    return {
        "contact": str(contact),
        "seriesid": str(automation),
        "startid": "0",
        "status": "1",
        "batchid": None,
        "adddate": fmt_offset(now),
        "remdate": None,
        "timespan": None,
        "lastblock": "0",
        "lastlogid": "0",
        "lastdate": fmt_offset(now),
        "in_als": "0",
        "completedElements": 0,
        "totalElements": total_elements,
        "completed": 0,
        "completeValue": 0,
        "automation": str(automation),
    }


class ContactReads(AccountState):
    """The contacts read endpoints."""

    def list_contacts(self, req: Request) -> Result:
        p = req.params
        t = self.table("contacts")
        w = self.world
        extra: list[query.Pred] = []
        candidates = None
        email = p.get("email")
        if email is not None and email != "":
            hit = w.email_index.get(email.strip().lower())
            candidates = [hit] if hit is not None and t.exists(hit) else []
        ids_vals = p.multi.get("ids[]", []) + p.multi.get("ids", [])
        if ids_vals:
            want = {x for v in ids_vals for s in v.split(",") if (x := parse_int(s)) is not None}
            extra.append(lambda i: i in want)
        like = p.get("email_like")
        if like:
            extra.append(query.like_pred(t, "email", like))
        search = p.get("search")
        if search:
            s = search.lower()

            def match(i: int) -> bool:
                rec = t.get(i) or {}
                return any(
                    s in str(rec.get(k) or "").lower()
                    for k in ("email", "firstName", "lastName", "phone")
                )

            extra.append(match)
        exclude = parse_int(p.get("exclude") or "")
        if exclude is not None:
            extra.append(lambda i: i != exclude)
        status = parse_int(p.get("status") or "")
        by_member: dict[str, int | None] = {}
        for param, tname, fld in (
            ("listid", "contactLists", "list"),
            ("tagid", "contactTags", "tag"),
            ("seriesid", "contactAutomations", "seriesid"),
        ):
            want_id = by_member[param] = parse_int(p.get(param) or "")
            if want_id is None or want_id <= 0:
                continue
            ct = self.table(tname)
            members = {
                int(ct.value(j, "contact"))
                for j in ct.ids
                if str(ct.value(j, fld)) == str(want_id)
                and (
                    param != "listid"
                    or status is None
                    or status < 0
                    or str(ct.value(j, "status")) == str(status)
                )
            }
            extra.append(members.__contains__)
        ids, total, limit, offset = query.run(
            self,
            "contacts",
            t,
            self.specs["contacts"],
            p,
            extra,
            candidates,
            order_fields=frozenset(
                {"id", "cdate", "email", "first_name", "last_name", "name", "score"}
            ),
            id_filters=True,
        )
        body = self.list_response("contacts", ids, total)
        meta = body.pop("meta")
        body = {"scoreValues": [], **body}
        names = requested_includes(self, p.get("include"))
        body.update(include_body(self, names, ids))
        body["meta"] = meta
        body["meta"]["page_input"] = {
            "segmentid": None,
            "formid": 0,
            "listid": by_member["listid"] or 0,
            "tagid": by_member["tagid"] or 0,
            "limit": limit,
            "offset": offset,
            "search": search,
            "sort": None,
            "seriesid": by_member["seriesid"] or 0,
            "waitid": 0,
            "status": -1 if status is None else status,
            "forceQuery": 0,
            "cacheid": "",
        }
        return Result(200, body)

    def get_contact(self, req: Request, rid: str) -> Result:
        i = parse_int(rid)
        rec = self.render("contacts", i) if i is not None else None
        if rec is None or i is None:
            raise not_found("contact", rid)
        body: dict[str, Any] = {}
        for key, tname, fld in (
            ("contactAutomations", "contactAutomations", "contact"),
            ("contactLists", "contactLists", "contact"),
            ("contactTags", "contactTags", "contact"),
            ("deals", "deals", "contact"),
            ("fieldValues", "fieldValues", "contact"),
        ):
            t = self.table(tname)
            body[key] = [self.render(tname, c) for c in t.children(fld, i)]
        body["geoAddresses"] = []
        body["geoIps"] = []
        body["contact"] = rec
        return Result(200, body)

    def empty_child(self, key: str) -> Callable[..., Result]:
        def fn(req: Request, pid: str) -> Result:
            i = parse_int(pid)
            if i is None or not self.table("contacts").exists(i):
                raise not_found("contact", pid)
            return Result(200, {key: []})

        return fn


class ContactWrites(WriteBase):
    """The contacts write endpoints."""

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
                    link_written(self.a, contact, now)
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
        link_written(self.a, contact, now)
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
                # sent alongside are link writes (link_written decides)
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
        data = wrapper(req, "contact")
        i, _, fv = self.upsert_contact(data, time.time(), create_only=True)
        return Result(201, self.contact_response(i, fv))

    def post_contact_sync(self, req: Request) -> Result:
        data = wrapper(req, "contact")
        i, created, fv = self.upsert_contact(data, time.time())
        return Result(201 if created else 200, self.contact_response(i, fv))

    def put_contact(self, req: Request, rid: str) -> Result:
        data = wrapper(req, "contact")
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
        delete_cascade(self.a, "contacts", i)
        return Result(200, {})

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
        link_written(self.a, contact, now)
        return j, True

    def post_contact_tags(self, req: Request) -> Result:
        data = wrapper(req, "contactTag")
        require(data, "contact", "tag")
        c = self.existing(data["contact"], "contacts", "Contact")
        tg = self.existing(data["tag"], "tags", "Tag")
        j, _ = self.link_tag(c, tg, time.time())
        return Result(201, {"contactTag": self.render("contactTags", j)})

    def delete_contact_tag(self, req: Request, rid: str) -> Result:
        i = as_int(rid)
        if i is None or not self.t("contactTags").exists(i):
            raise not_found("contactTag", rid)
        delete_cascade(self.a, "contactTags", i)
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
            link_written(self.a, contact, now)
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
        link_written(self.a, contact, now)
        return j, True

    def post_contact_lists(self, req: Request) -> Result:
        data = wrapper(req, "contactList")
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

    def post_field_values(self, req: Request) -> Result:
        data = wrapper(req, "fieldValue")
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
        data = wrapper(req, "fieldValue")
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
        link_written(self.a, rec.get("contact"))
        return Result(200, {"fieldValue": self.render("fieldValues", i)})

    def post_contact_automation(self, req: Request) -> Result:
        """POST /contactAutomations {"contactAutomation": {"contact", "automation"}}."""
        body = self.a.json_body(req)
        data = body.get("contactAutomation") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise ApiError(400, {})
        tables = self.a.world.tables
        try:
            c, auto = int(str(data.get("contact"))), int(str(data.get("automation")))
        except ValueError:
            raise ApiError(
                422, {"errors": [{"title": "contact and automation are required"}]}
            ) from None
        if not tables["contacts"].exists(c):
            raise not_found("contact", str(c))
        if not tables["automations"].exists(auto):
            raise not_found("automation", str(auto))
        now = time.time()
        j = tables["contactAutomations"].insert(automation_entry(c, auto, now, total_elements=1))
        link_written(self.a, c, now)
        return Result(201, {"contactAutomation": self.a.render("contactAutomations", j)})


# -- generated data --------------------------------------------------------------------
def build(w: World) -> None:
    """Generate this domain's contact-scaled tables (lazily rendered rows)."""
    n = w.n
    seed = w.seed
    T = w.tables
    ntags = 20 + n // 500 if n else 0
    nlists = len(T["lists"])
    nfields = len(T["fields"])
    nauto = len(T["automations"])

    def gen_contact(i: int) -> Record:
        first, last, email = w.contact_basics(i)
        c = w.contact_cdate(i)
        u = w.contact_udate(i)
        hh = w.h("contacts", i)
        bounced = hh.n(40) == 0
        phone = "" if hh.n(3) == 0 else f"+1-555-{hh.n(900) + 100:03d}-{hh.n(10000):04d}"
        if i % 97 == 0:
            first = ""
        nc, nu = fmt_naive(c), fmt_naive(u)  # one formatting per timestamp
        oc = nc[:10] + "T" + nc[11:] + "-05:00"
        ou = nu[:10] + "T" + nu[11:] + "-05:00"
        return {
            "cdate": oc,
            "email": email,
            "phone": phone,
            "firstName": first,
            "lastName": last,
            "orgid": "0",
            "orgname": "",
            "segmentio_id": "",
            "bounced_hard": "1" if bounced else "0",
            "bounced_soft": "0",
            "bounced_date": nu[:10] if bounced else ZERO_DATE,
            "ip": "0",
            "ua": "",
            "hash": hh.hex(32),
            "socialdata_lastcheck": ZERO_DATETIME,
            "email_local": "",
            "email_domain": "",
            "sentcnt": str(hh.n(60)),
            "rating_tstamp": ZERO_DATE,
            "gravatar": str(hh.n(2)),
            "deleted": "0",
            "anonymized": "0",
            "adate": nu if hh.n(2) else None,
            "udate": ou,
            "edate": nu if hh.n(3) == 0 else ZERO_DATETIME,
            "deleted_at": None,
            "created_utc_timestamp": fmt_naive_utc(c),
            "updated_utc_timestamp": fmt_naive_utc(u),
            "created_timestamp": nc,
            "updated_timestamp": nu,
            "created_by": None,
            "updated_by": None,
            "email_empty": False,
            "mpp_tracking": "0",
            "scoreValues": [],
            "accountContacts": [],
            "id": str(i),
            "organization": None,
        }

    T["contacts"] = Table(
        "contacts",
        gen_contact,
        n,
        fast={
            "udate": lambda i: fmt_offset(w.contact_udate(i)),
            "cdate": lambda i: fmt_offset(w.contact_cdate(i)),
            "email": lambda i: w.contact_basics(i)[2],
            "_ts:udate": w.contact_udate,
            "_ts:cdate": w.contact_cdate,
        },
    )

    # contactTags
    ct_own, ct_slot = w.fanout("contactTags", n, (0, 1, 2, 2, 3, 3, 3, 2))

    def ct_tag(i: int) -> int:
        o = ct_own[i - 1]
        return (h1(seed, 41, o) % ntags + 7 * ct_slot[i - 1]) % ntags + 1

    def gen_ct(i: int) -> Record:
        o = ct_own[i - 1]
        c = w.contact_cdate(o)
        t = w.ts_between(w.h("contactTags", i), c)
        return {
            "contact": str(o),
            "tag": str(ct_tag(i)),
            "cdate": fmt_offset(t),
            "created_timestamp": fmt_naive(t),
            "updated_timestamp": fmt_naive(t),
            "created_by": None,
            "updated_by": None,
            "id": str(i),
        }

    T["contactTags"] = owned_table(
        "contactTags", gen_ct, ct_own, "contact", {"tag": lambda i: str(ct_tag(i))}
    )

    # contactLists
    cl_own, cl_slot = w.fanout("contactLists", n, (1, 1, 2, 2))

    def cl_list(i: int) -> int:
        return (h1(seed, 42, cl_own[i - 1]) % nlists + 3 * cl_slot[i - 1]) % nlists + 1

    def cl_status(i: int) -> str:
        return "2" if h1(seed, 43, i) % 8 == 0 else "1"

    def gen_cl(i: int) -> Record:
        o = cl_own[i - 1]
        c = w.contact_cdate(o)
        hh = w.h("contactLists", i)
        s = w.ts_between(hh, c)
        st = cl_status(i)
        # udate is the unsubscribe date (null while subscribed); the membership last
        # changed when it was unsubscribed, else when it was made
        u = w.ts_between(hh, s) if st == "2" else s
        first, last, _ = w.contact_basics(o)
        return {
            "contact": str(o),
            "list": str(cl_list(i)),
            "form": None,
            "seriesid": "0",
            "sdate": fmt_offset(s),
            "udate": fmt_offset(u) if st == "2" else None,
            "status": st,
            "responder": "1",
            "sync": "0",
            "unsubreason": "Too many emails" if st == "2" else None,
            "campaign": None,
            "message": None,
            "first_name": first,
            "last_name": last,
            "ip4Sub": "0",
            "sourceid": "0",
            "autosyncLog": None,
            "ip4_last": "0",
            "ip4Unsub": "0",
            "unsubscribeAutomation": None,
            "automation": None,
            "created_timestamp": fmt_offset(s),
            "updated_timestamp": fmt_offset(u),
            "id": str(i),
        }

    T["contactLists"] = owned_table(
        "contactLists",
        gen_cl,
        cl_own,
        "contact",
        {"list": lambda i: str(cl_list(i)), "status": cl_status},
    )

    # fieldValues
    fv_own, fv_slot = w.fanout("fieldValues", n, (2, 3, 3, 4))

    def fv_field(i: int) -> int:
        return (h1(seed, 44, fv_own[i - 1]) % nfields + 5 * fv_slot[i - 1]) % nfields + 1

    def fv_value(i: int) -> str:
        f = fv_field(i)
        _, typ, _, opts = CONTACT_FIELDS[f - 1]
        hh = w.h("fieldValues#v", i)
        if typ in ("dropdown", "radio"):
            return hh.pick(opts)
        if typ in ("checkbox", "multiselect", "listbox"):
            chosen = [o for o in opts if hh.n(2)] or [opts[0]]
            return "||" + "||".join(chosen) + "||"
        if typ == "date":
            return fmt_date(START_TS - hh.n(40 * 365) * DAY_S)
        if typ == "datetime":
            return fmt_offset(w.ts_between(hh, START_TS))
        if f == 5:
            return hh.pick(("Engineer", "Manager", "Director", "Founder", "Analyst"))
        if f == 8:
            return str(hh.n(100000) / 100)
        if f == 12:
            return f"https://www.{hh.pick(names.DOMAINS)}/"
        if f == 10:
            return hh.pick(("import", "form", "api", ""))
        return hh.pick(names.NOTE_TEXTS) if hh.n(2) else ""

    def gen_fv(i: int) -> Record:
        o, hh, c = w.contact_event("fieldValues", fv_own, i)
        u = w.ts_between(hh, c)
        return {
            "contact": str(o),
            "field": str(fv_field(i)),
            "value": fv_value(i),
            "cdate": fmt_offset(c),
            "udate": fmt_offset(u),
            "created_by": "0",
            "updated_by": "0",
            "owner": str(o),
            "id": str(i),
        }

    T["fieldValues"] = owned_table(
        "fieldValues",
        gen_fv,
        fv_own,
        "contact",
        {"field": lambda i: str(fv_field(i)), "value": fv_value},
    )

    # contactAutomations
    ca_own, _ = w.fanout("contactAutomations", n, (1, 0, 0, 0, 0))

    def gen_ca(i: int) -> Record:
        o = ca_own[i - 1]
        hh = w.h("contactAutomations", i)
        a = hh.n(nauto) + 1
        add = w.ts_between(hh, w.contact_cdate(o))
        done = hh.n(3) > 0
        last = w.ts_between(hh, add)
        total = 4 + hh.n(6)
        comp = total if done else hh.n(total)
        return {
            "contact": str(o),
            "seriesid": str(a),
            "startid": "0",
            "status": "2" if done else "1",
            "batchid": None,
            "adddate": fmt_offset(add),
            "remdate": fmt_offset(last) if done else None,
            "timespan": str(last - add) if done else None,
            "lastblock": str(hh.n(30)),
            "lastlogid": str(hh.n(100000)),
            "lastdate": fmt_offset(last),
            "in_als": "0",
            "completedElements": comp,
            "totalElements": total,
            "completed": 1 if done else 0,
            "completeValue": 100 if done else int(comp * 100 / total),
            "automation": str(a),
            "id": str(i),
        }

    T["contactAutomations"] = owned_table("contactAutomations", gen_ca, ca_own, "contact")
    build_contact_logs(w)


def build_contact_logs(w: World) -> None:
    """The lesser tables of this domain: contactData, contactEmails and contactConversions."""
    ncamp = len(w.tables["campaigns"])
    T = w.tables
    n = w.n

    def gen_cd(i: int) -> Record:
        hh = w.h("contactData", i)
        t = w.contact_udate(i)
        city = hh.pick(names.CITIES)
        return {
            "contact": str(i),
            "tstamp": fmt_offset(t),
            "geoTstamp": fmt_offset(t),
            "geoIp4": f"203.0.113.{hh.n(254) + 1}",
            "geoCountry2": "US",
            "geoCountry": "United States",
            "geoState": "IL",
            "geoCity": city,
            "geoZip": f"6{hh.n(10000):04d}",
            "geoArea": "0",
            "geoLat": "39.78",
            "geoLon": "-89.65",
            "geoTz": "America/Chicago",
            "geoTzOffset": "-05:00",
            "ga_campaign_source": "",
            "ga_campaign_name": "",
            "ga_campaign_medium": "",
            "ga_campaign_term": "",
            "ga_campaign_content": "",
            "ga_campaign_customsegment": "",
            "ga_first_visit": None,
            "ga_times_visited": "0",
            "fb_id": "",
            "fb_name": "",
            "tw_id": "",
            "id": str(i),
        }

    T["contactData"] = Table("contactData", gen_cd, n, fast={"contact": lambda i: str(i)})

    ce_own, _ = w.fanout("contactEmails", n, (1, 0, 0, 0, 0))

    def gen_ce(i: int) -> Record:
        o, hh, t = w.contact_event("contactEmails", ce_own, i)
        camp = hh.n(ncamp) + 1
        return {
            "subscriberid": str(o),
            "campaignid": str(camp),
            "messageid": str(camp),
            "sdate": fmt_offset(t),
            "subject": hh.pick(names.SUBJECTS),
            "opened": str(hh.n(2)),
            "clicked": str(hh.n(2)),
            "contact": str(o),
            "campaign": str(camp),
            "message": str(camp),
            "id": str(i),
        }

    T["contactEmails"] = owned_table("contactEmails", gen_ce, ce_own, "contact")

    cc_own, _ = w.fanout("contactConversions", n, (1,) + (0,) * 49)
    nconv = len(T["conversions"])

    def gen_cc(i: int) -> Record:
        o, hh, t = w.contact_event("contactConversions", cc_own, i)
        conv = hh.n(nconv) + 1
        return {
            "contact": str(o),
            "conversion": str(conv),
            "conversionid": str(conv),
            "cdate": fmt_offset(t),
            "source": "site",
            "value": "0",
            "id": str(i),
        }

    T["contactConversions"] = owned_table("contactConversions", gen_cc, cc_own, "contact")


def register(acct: ContactReads, w: ContactWrites) -> None:
    """Add this domain's routes to the account's router (reads and writes)."""
    r = acct.router
    r.add("GET", "/contacts", acct.list_contacts)
    r.add("GET", "/contacts/{id}", acct.get_contact)
    r.add("GET", "/contacts/{id}/geoIps", acct.empty_child("geoIps"))
    r.add("GET", "/contacts/{id}/geoAddresses", acct.empty_child("geoAddresses"))
    r.add("POST", "/contacts", w.post_contacts)
    r.add("POST", "/contact/sync", w.post_contact_sync)
    r.add("PUT", "/contacts/{id}", w.put_contact)
    r.add("DELETE", "/contacts/{id}", w.delete_contact)
    r.add("POST", "/contactTags", w.post_contact_tags)
    r.add("DELETE", "/contactTags/{id}", w.delete_contact_tag)
    r.add("POST", "/contactLists", w.post_contact_lists)
    r.add("POST", "/contactAutomations", w.post_contact_automation)
    r.add("POST", "/fieldValues", w.post_field_values)
    r.add("PUT", "/fieldValues/{id}", w.put_field_value)
