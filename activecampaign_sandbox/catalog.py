"""The account's catalogues a contact refers to: tags, lists, custom fields and their options.

They are small, written rarely and read by every contact write (a field value must name an
existing field of a known type; a tag is found by name and type), so the field types and the
find-or-create of tags live here for contacts.py to use.

The module reads top-down: its resource specs (`SPECS`), read handlers, write handlers, the
generators of its tables (`build_config` for configuration, `build` for contact-scaled rows)
and `register`, which adds its routes.
"""

from __future__ import annotations

import re
import time

from . import names, query
from .mutate import WriteBase
from .protocol import ApiError, Request, Result, as_int, err, missing, sid, wrapper
from .resources import Spec, make_spec
from .state import AccountState
from .store import Record, Table
from .util import DAY_S, SPAN_S, START_TS, fmt_naive, fmt_offset, list_row
from .world import World

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


# how this domain's list and record endpoints answer (envelope keys, links, filters)
SPECS: dict[str, Spec] = {
    "fields": make_spec("fields", "field", ("options", "relations")),
    "fieldOptions": make_spec(
        "fieldOptions", "fieldOption", ("field",), eq={"filters[field]": "field"}
    ),
    "fieldRels": make_spec("fieldRels", "fieldRel", ("field",)),
    "lists": make_spec(
        "lists",
        "list",
        ("contactGoalLists", "user", "addressLists"),
        eq={"filters[name]": "name"},
    ),
    "tags": make_spec(
        "tags",
        "tag",
        ("contactGoalTags",),
        like={"search": "tag", "filters[search]": "tag"},
        eq={"filters[tag]": "tag", "filters[tagType]": "tagType"},
    ),
}


LIST_NAMES = (
    "Newsletter",
    "Customers",
    "Leads",
    "Product Updates",
    "Webinars",
    "Partners",
    "Beta",
    "Events",
)

# Contact custom fields: (title, type, perstag, options)
CONTACT_FIELDS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("Company Size", "dropdown", "COMPANY_SIZE", ("1-10", "11-50", "51-200", "201+")),
    ("Birthday", "date", "BIRTHDAY", ()),
    ("Favourite Colour", "radio", "FAVOURITE_COLOUR", ("Red", "Green", "Blue")),
    ("Interests", "checkbox", "INTERESTS", ("Email", "SMS", "Events", "Webinars")),
    ("Job Title", "text", "JOB_TITLE", ()),
    ("Notes", "textarea", "NOTES", ()),
    ("Last Purchase", "datetime", "LAST_PURCHASE", ()),
    ("Lifetime Value", "text", "LIFETIME_VALUE", ()),
    ("Region", "listbox", "REGION", ("NA", "EMEA", "APAC", "LATAM")),
    ("Source", "hidden", "SOURCE", ()),
    ("Products Owned", "multiselect", "PRODUCTS_OWNED", ("Basic", "Pro", "Enterprise")),
    ("Website", "text", "WEBSITE", ()),
)


class CatalogReads(AccountState):
    """The catalog read endpoints."""

    def list_fields(self, req: Request) -> Result:
        t = self.table("fields")
        ids, total, _, _ = query.run(self, "fields", t, self.specs["fields"], req.params)
        body = self.list_response("fields", ids, total)
        fo = self.table("fieldOptions")
        fr = self.table("fieldRels")
        wanted = {str(i) for i in ids}
        body = {
            "fieldOptions": [
                self.render("fieldOptions", j)
                for j in fo.ids
                if str(fo.value(j, "field")) in wanted
            ],
            "fieldRels": [
                self.render("fieldRels", j) for j in fr.ids if str(fr.value(j, "field")) in wanted
            ],
            **body,
        }
        return Result(200, body)


class CatalogWrites(WriteBase):
    """The catalog write endpoints."""

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
        data = wrapper(req, "tag")
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

    def post_lists(self, req: Request) -> Result:
        data = wrapper(req, "list")
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

    def post_fields(self, req: Request) -> Result:
        data = wrapper(req, "field")
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
        data = wrapper(req, "fieldRel")
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


# -- generated data --------------------------------------------------------------------
def build_config(w: World) -> None:
    """Generate this domain's account configuration (small tables, built eagerly)."""
    lists = []
    for i, nm in enumerate(LIST_NAMES, 1):
        t = w.config_ts("lists", i)
        lists.append(
            list_row(
                nm,
                nm.lower().replace(" ", "-"),
                fmt_offset(t),
                sender_name="Sandbox Co",
                sender_addr1="1 Example Way",
                sender_city="Springfield",
                sender_state="IL",
                sender_zip="62701",
                sender_country="United States",
                sender_url="https://sandbox.example",
                sender_reminder="You signed up at sandbox.example",
                udate=None if i % 3 else fmt_offset(t + 5 * DAY_S),
                id=str(i),
            )
        )
    w.eager("lists", lists)

    fields, options, rels = [], [], []
    for i, (title, typ, perstag, opts) in enumerate(CONTACT_FIELDS, 1):
        t = w.config_ts("fields", i)
        opt_ids = []
        for j, o in enumerate(opts, 1):
            oid = len(options) + 1
            opt_ids.append(str(oid))
            options.append(
                {
                    "field": str(i),
                    "orderid": str(j),
                    "value": o,
                    "label": o,
                    "isdefault": "0",
                    "cdate": fmt_offset(t),
                    "udate": fmt_offset(t),
                    "id": str(oid),
                }
            )
        rels.append(
            {
                "field": str(i),
                "relid": "0",
                "dorder": str(i),
                "cdate": fmt_offset(t),
                "id": str(i),
            }
        )
        fields.append(
            {
                "title": title,
                "descript": "",
                "type": typ,
                "isrequired": "0",
                "perstag": perstag,
                "defval": "",
                "show_in_list": "0",
                "rows": "0",
                "cols": "0",
                "visible": "1",
                "service": "",
                "ordernum": str(i),
                "cdate": fmt_offset(t),
                "udate": fmt_offset(t),
                "created_timestamp": fmt_naive(t),
                "updated_timestamp": fmt_naive(t),
                "created_by": None,
                "updated_by": None,
                "options": opt_ids,
                "relations": [str(i)],
                "id": str(i),
            }
        )
    w.eager("fields", fields)
    w.eager("fieldOptions", options)
    w.eager("fieldRels", rels)


def build(w: World) -> None:
    """Generate this domain's contact-scaled tables (lazily rendered rows)."""
    n = w.n
    T = w.tables
    ntags = 20 + n // 500 if n else 0

    # tags
    def gen_tag(i: int) -> Record:
        hh = w.h("tags", i)
        word = names.TAG_WORDS[(i - 1) % len(names.TAG_WORDS)]
        tag = word if i <= len(names.TAG_WORDS) else f"{word}-{i}"
        t = START_TS - 30 * DAY_S + hh.n(SPAN_S)
        return {
            "tagType": "contact",
            "tag": tag,
            "description": "",
            "cdate": fmt_offset(t),
            "subscriber_count": str(hh.n(n // 5 + 1)),
            "created_timestamp": fmt_naive(t),
            "updated_timestamp": fmt_naive(t),
            "created_by": None,
            "updated_by": None,
            "deleted": "0",
            "id": str(i),
        }

    T["tags"] = Table("tags", gen_tag, ntags)


def register(acct: CatalogReads, w: CatalogWrites) -> None:
    """Add this domain's routes to the account's router (reads and writes)."""
    r = acct.router
    r.add("GET", "/fields", acct.list_fields)
    r.add("POST", "/tags", w.post_tags)
    r.add("POST", "/lists", w.post_lists)
    r.add("POST", "/fields", w.post_fields)
    r.add("POST", "/fieldOption/bulk", w.post_field_options)
    r.add("POST", "/fieldRels", w.post_field_rels)
