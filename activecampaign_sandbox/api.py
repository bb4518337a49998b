"""The emulated API v3: routing and read endpoints, independent of HTTP.

``Account.handle`` takes a method, a path below /api/3, parsed query parameters and the raw
body, and returns a status, a JSON-able body and the normalised route template (for stats).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import bulk_import, capture, capture_api, query, writes
from .data import WEBHOOK_EVENTS
from .mutate import mutate_records
from .options import SandboxOptions
from .protocol import ApiError, Params, Request, Result, not_found, not_found_detail, parse_int
from .resources import CHILDREN, EMPTY_CHILDREN, NOTE_PARENTS, SPECS
from .state import AccountState
from .store import Table


class Account(AccountState):
    """An account with every domain's routes."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.list_includes = capture.SUPPORTED_INCLUDES
        self._register_reads()
        writes.register(self)
        bulk_import.register(self)
        capture_api.register(self)

    @classmethod
    def from_options(cls, opts: SandboxOptions) -> Account:
        """The account a sandbox with these options serves."""
        acct = cls(
            opts.seed,
            opts.contacts,
            import_delay_s=opts.import_delay_s,
            import_false_window_s=opts.import_false_window_s,
        )
        capture.configure(acct, opts.capture_settings())
        return acct

    def mutate(
        self, name: str, fraction: float | None = None, ids: list[Any] | None = None
    ) -> list[int]:
        """Touch records as if changed in the app: bump their updated time, change a field."""
        return mutate_records(self, name, fraction, ids)

    # -- reads ---------------------------------------------------------------------------------
    def _register_reads(self) -> None:
        r = self.router
        r.add("GET", "/", self.api_root)
        r.add("GET", "/contacts", self.list_contacts)
        r.add("GET", "/contacts/{id}", self.get_contact)
        r.add("GET", "/contacts/{id}/notes", self.child_notes("contacts"))
        r.add("GET", "/deals/{id}/notes", self.child_notes("deals"))
        r.add("GET", "/accounts/{id}/notes", self.child_notes("accounts"))
        r.add("GET", "/contacts/{id}/geoIps", self.empty_child("geoIps"))
        r.add("GET", "/contacts/{id}/geoAddresses", self.empty_child("geoAddresses"))
        r.add("GET", "/contacts/{id}/activities", self.contact_activities)
        r.add("GET", "/activities", self.list_activities)
        r.add("GET", "/accounts", self.list_accounts)
        r.add("GET", "/fields", self.list_fields)
        r.add("GET", "/webhook/events", self.webhook_events)
        r.add("GET", "/users/me", self.users_me)
        r.add("GET", "/customObjects/schemas", self.list_schemas)
        r.add("GET", "/customObjects/schemas/{id}", self.get_schema)
        r.add("GET", "/customObjects/records/{schemaId}", self.list_records)
        r.add("GET", "/customObjects/records/{schemaId}/{id}", self.get_record)
        for (parent, child), (tname, fld) in CHILDREN.items():
            r.add("GET", f"/{parent}/{{id}}/{child}", self.child_list(parent, tname, fld))
        for (parent, child), key in EMPTY_CHILDREN.items():
            r.add("GET", f"/{parent}/{{id}}/{child}", self.empty_child(key))
        for name in SPECS:
            if "/" in name or name not in self.world.tables:
                continue
            r.add("GET", f"/{name}", self.generic_list(name))
            r.add("GET", f"/{name}/{{id}}", self.generic_get(name))

    def api_root(self, req: Request) -> Result:
        return Result(200, {})

    def list_response(
        self,
        name: str,
        ids: list[int],
        total: int,
        table: Table | None = None,
    ) -> dict[str, Any]:
        spec = SPECS[name]
        items = [self.render(name, i, table) for i in ids]
        body: dict[str, Any] = {spec.key: [x for x in items if x is not None]}
        if spec.meta:
            body["meta"] = {"total": str(total)}
        return body

    def generic_list(self, name: str) -> Callable[..., Result]:
        def fn(req: Request) -> Result:
            t = self.table(name)
            ids, total, _, _ = query.run(self, name, t, SPECS[name], req.params)
            return Result(200, self.list_response(name, ids, total))

        return fn

    def generic_get(self, name: str) -> Callable[..., Result]:
        def fn(req: Request, rid: str) -> Result:
            i = parse_int(rid)
            rec = self.render(name, i) if i is not None else None
            if rec is None:
                err = not_found(SPECS[name].singular, rid)
                if name == "fieldValues":
                    err.status = 403  # documented: a missing fieldValue answers 403
                raise err
            return Result(200, {SPECS[name].singular: rec})

        return fn

    def child_list(self, parent: str, tname: str, fld: str) -> Callable[..., Result]:
        def fn(req: Request, pid: str) -> Result:
            i = parse_int(pid)
            if i is None or not self.table(parent).exists(i):
                raise not_found(SPECS[parent].singular, pid)
            t = self.table(tname)
            ids = t.children(fld, i)
            return Result(200, {SPECS[tname].key: [self.render(tname, c) for c in ids]})

        return fn

    def child_notes(self, parent: str) -> Callable[..., Result]:
        reltype = NOTE_PARENTS[parent]

        def fn(req: Request, pid: str) -> Result:
            i = parse_int(pid)
            if i is None or not self.table(parent).exists(i):
                raise not_found(SPECS[parent].singular, pid)
            t = self.table("notes")
            ids = [
                n
                for n in t.ids
                if t.value(n, "reltype") == reltype and str(t.value(n, "relid")) == str(i)
            ]
            return Result(200, {"notes": [self.render("notes", n) for n in ids]})

        return fn

    def empty_child(self, key: str) -> Callable[..., Result]:
        def fn(req: Request, pid: str) -> Result:
            i = parse_int(pid)
            if i is None or not self.table("contacts").exists(i):
                raise not_found("contact", pid)
            return Result(200, {key: []})

        return fn

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
            SPECS["contacts"],
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
        names = capture.requested_includes(self, p.get("include"))
        body.update(capture.include_body(self, names, ids))
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

    def list_accounts(self, req: Request) -> Result:
        """count_deals=true fills contactCount/dealCount (0 otherwise, as documented)."""
        t = self.table("accounts")
        ids, total, _, _ = query.run(self, "accounts", t, SPECS["accounts"], req.params)
        body = self.list_response("accounts", ids, total)
        if str(req.params.get("count_deals", "")).lower() in ("true", "1"):
            deals, contacts = self._account_counts()
            for a in body["accounts"]:
                a["dealCount"] = str(deals.get(a["id"], 0))
                a["contactCount"] = str(contacts.get(a["id"], 0))
        return Result(200, body)

    def _account_counts(self) -> tuple[dict[str, int], dict[str, int]]:
        key = ("account-counts", self.version)
        cached = self.cache.get(key)
        if cached is not None:
            return cached[0], cached[1]  # type: ignore[return-value]
        deals: dict[str, int] = {}
        dt = self.table("deals")
        for i in dt.ids:
            a = dt.value(i, "account")
            if a:
                deals[str(a)] = deals.get(str(a), 0) + 1
        contacts: dict[str, int] = {}
        at = self.table("accountContacts")
        for i in at.ids:
            a = str(at.value(i, "account"))
            contacts[a] = contacts.get(a, 0) + 1
        self.cache.put(key, [deals, contacts])  # type: ignore[list-item]
        return deals, contacts

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

    def list_activities(self, req: Request) -> Result:
        """The activity feed: one contact's with `contact`, else the account's.

        The reference marks `contact` optional in its parameter table while its description
        says "Required Contact ID"; the table is taken as the contract (an account-wide read,
        as the published singer-io tap makes), and a malformed id is a 400.
        """
        p = req.params
        raw = p.get("contact")
        if raw in (None, "") and not self.activities_need_contact:
            return self._activities(p, None)
        c = parse_int(raw or "")
        if c is None:
            raise ApiError(
                400,
                {
                    "errors": [
                        {
                            "title": "The contact parameter must be a contact ID",
                            "detail": f"'{raw}' is not a contact ID."
                            if raw
                            else "A contact ID is required to access this endpoint.",
                            "code": "field_invalid" if raw else "field_missing",
                            "source": {"pointer": "/contact"},
                        }
                    ]
                },
            )
        return self._activities(p, c)

    def contact_activities(self, req: Request, rid: str) -> Result:
        c = parse_int(rid)
        if c is None or not self.table("contacts").exists(c):
            raise not_found("contact", rid)
        return self._activities(req.params, c)

    def _activities(self, p: Params, c: int | None) -> Result:
        t = self.table("activities")
        base: list[int] | None = None
        if c is not None:
            base = [i for i in self.world.activities_by_contact.get(c, []) if t.exists(i)]
            base += [
                i
                for i, rec in t.over.items()
                if str(rec.get("contact")) == str(c) and i not in base
            ]
            base.sort()
        extra: list[query.Pred] = []
        after = p.get("after")
        if after:
            pred = query.date_pred(t, "tstamp", "ge", after, self.filter_time_reading)
            if pred is not None:
                extra.append(pred)
        ids, total, _, _ = query.run(
            self,
            "activities",
            t,
            SPECS["activities"],
            p,
            extra,
            base,
            order_fields=frozenset({"id", "tstamp"}),
            key_extra=(c,),
        )
        return Result(200, self.list_response("activities", ids, total))

    def list_fields(self, req: Request) -> Result:
        t = self.table("fields")
        ids, total, _, _ = query.run(self, "fields", t, SPECS["fields"], req.params)
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

    def webhook_events(self, req: Request) -> Result:
        return Result(
            200,
            {"webhookEvents": list(WEBHOOK_EVENTS), "meta": {"total": str(len(WEBHOOK_EVENTS))}},
        )

    def users_me(self, req: Request) -> Result:
        return Result(200, {"user": self.render("users", 1)})

    def list_schemas(self, req: Request) -> Result:
        t = self.table("customObjects/schemas")
        limit, offset = query.limit_offset(req.params)
        ids = list(t.ids)
        page = ids[offset : offset + limit]
        items = [t.get(i) for i in page]
        return Result(
            200,
            {
                "schemas": items,
                "meta": {"total": len(ids), "count": len(page), "limit": limit, "offset": offset},
            },
        )

    def schema_index(self, sid: str) -> int | None:
        t = self.table("customObjects/schemas")
        for i in t.ids:
            rec = t.get(i)
            if rec is not None and rec["id"] == sid:
                return i
        return None

    def get_schema(self, req: Request, sid: str) -> Result:
        i = self.schema_index(sid)
        if i is None:
            raise not_found_detail(f"Schema {sid} not found")
        return Result(200, {"schema": self.table("customObjects/schemas").get(i)})

    def records_table(self, sid: str) -> Table:
        t = self.world.tables.get(f"customObjects/records/{sid}")
        if t is None:
            raise not_found_detail(f"Schema {sid} not found")
        return t

    def list_records(self, req: Request, sid: str) -> Result:
        t = self.records_table(sid)
        extra: list[query.Pred] = []
        for k, v in req.params.last.items():
            if k.startswith("filters[relationships.") and k.endswith("[eq]"):
                rel = k[len("filters[relationships.") : -len("][eq]")]

                def has(i: int, rel: str = rel, v: str = v) -> bool:
                    rec = t.get(i) or {}
                    return v in [str(x) for x in (rec.get("relationships") or {}).get(rel, [])]

                extra.append(has)
        name = f"customObjects/records/{sid}"
        ids, total, limit, offset = query.run(
            self, name, t, SPECS["customObjects/records"], req.params, extra
        )
        items = [t.get(i) for i in ids]
        return Result(
            200,
            {
                "records": items,
                "meta": {"total": total, "count": len(items), "limit": limit, "offset": offset},
            },
        )

    def find_record(self, t: Table, rid: str) -> int | None:
        for i in t.ids:
            rec = t.get(i)
            if rec is not None and rec.get("id") == rid:
                return i
        return None

    def get_record(self, req: Request, sid: str, rid: str) -> Result:
        t = self.records_table(sid)
        i = self.find_record(t, rid)
        if i is None:
            raise not_found_detail(f"Record {rid} not found")
        return Result(200, {"record": t.get(i)})
