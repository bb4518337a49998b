"""The endpoints every resource shares: list, get one, children of a record, and the documented
generic PUT and DELETE of one record.

Most of the API's ~70 list endpoints differ only in their envelope keys, links and filters, all
of which are data (each domain's SPECS); this module turns that data into routes. They are added
last, so a domain's own handler for the same path always wins.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from . import query
from .mutate import WriteBase, delete_cascade, link_written, stamp_updated
from .protocol import (
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
from .resources import CHILDREN, EMPTY_CHILDREN
from .state import AccountState
from .store import Table
from .util import fmt_offset

# the resources written through the documented generic PUT / DELETE of one record
GENERIC_PUTS = (
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
)
GENERIC_DELETES = (
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
)


# tables whose DELETE the reference documents (or the service is known to serve) and that
# the write module does not already route
EXTRA_DELETES = (
    "contactAutomations",
    "contactDeals",
    "accountCustomFieldData",
    "fieldRels",
    "messages",
    "groups",
)
# documented DELETEs that name the row by its `name`
DELETES_BY_NAME = ("eventTrackingEvents", "siteTrackingDomains")


class GenericReads(AccountState):
    """The generic read endpoints."""

    def list_response(
        self,
        name: str,
        ids: list[int],
        total: int,
        table: Table | None = None,
    ) -> dict[str, Any]:
        spec = self.specs[name]
        items = [self.render(name, i, table) for i in ids]
        body: dict[str, Any] = {spec.key: [x for x in items if x is not None]}
        if spec.meta:
            body["meta"] = {"total": str(total)}
        return body

    def generic_list(self, name: str) -> Callable[..., Result]:
        def fn(req: Request) -> Result:
            t = self.table(name)
            ids, total, _, _ = query.run(self, name, t, self.specs[name], req.params)
            return Result(200, self.list_response(name, ids, total))

        return fn

    def generic_get(self, name: str) -> Callable[..., Result]:
        def fn(req: Request, rid: str) -> Result:
            i = parse_int(rid)
            rec = self.render(name, i) if i is not None else None
            if rec is None:
                err = not_found(self.specs[name].singular, rid)
                if name == "fieldValues":
                    err.status = 403  # documented: a missing fieldValue answers 403
                raise err
            return Result(200, {self.specs[name].singular: rec})

        return fn

    def child_list(self, parent: str, tname: str, fld: str) -> Callable[..., Result]:
        def fn(req: Request, pid: str) -> Result:
            i = parse_int(pid)
            if i is None or not self.table(parent).exists(i):
                raise not_found(self.specs[parent].singular, pid)
            t = self.table(tname)
            ids = t.children(fld, i)
            return Result(200, {self.specs[tname].key: [self.render(tname, c) for c in ids]})

        return fn


class GenericWrites(WriteBase):
    """The generic write endpoints."""

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

    def generic_put(self, name: str) -> Any:
        """PUT /<name>/{id}: change the sent keys the record has, stamp its updated time."""
        singular = self.a.specs[name].singular

        def fn(req: Request, rid: str) -> Result:
            data = wrapper(req, singular)
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
                self.existing(data["account"], "accounts", "Account")
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
                link_written(self.a, rec.get("contact"))
            self._ext.pop(name, None)
            return Result(200, {singular: self.render(name, i)})

        return fn

    def generic_delete(self, name: str) -> Any:
        def fn(req: Request, rid: str) -> Result:
            t, i = self._stored(name, rid, self.a.specs[name].singular)
            if name == "accounts":
                self.account_names.pop(str(t.value(i, "name")).lower(), None)
            delete_cascade(self.a, name, i)
            self._ext.pop(name, None)
            return Result(200, {})

        return fn

    def extra_delete(self, name: str) -> Any:
        """DELETE /<name>/{id} of a table with no handler of its own: the row and its cascade."""
        singular = self.a.specs[name].singular

        def fn(req: Request, rid: str) -> Result:
            try:
                i = int(rid)
            except ValueError:
                raise not_found(singular, rid) from None
            if not self.a.world.tables[name].exists(i):
                raise not_found(singular, rid)
            delete_cascade(self.a, name, i)
            return Result(200, {})

        return fn

    def delete_by_name(self, name: str) -> Any:
        """DELETE /<name>/{name}: the reference names these rows by their `name`."""

        def fn(req: Request, key: str) -> Result:
            t = self.a.world.tables[name]
            hit = next((i for i in t.ids if str(t.value(i, "name")) == key), None)
            if hit is None:
                raise not_found(self.a.specs[name].singular, key)
            delete_cascade(self.a, name, hit)
            return Result(200, {})

        return fn


def register(acct: GenericReads, w: GenericWrites) -> None:
    """Add this domain's routes to the account's router (reads and writes)."""
    r = acct.router
    for (parent, child), (tname, fld) in CHILDREN.items():
        r.add("GET", f"/{parent}/{{id}}/{child}", acct.child_list(parent, tname, fld))
    for (parent, child), key in EMPTY_CHILDREN.items():
        r.add("GET", f"/{parent}/{{id}}/{child}", acct.empty_child(key))
    for name in acct.specs:
        if "/" in name or name not in acct.world.tables:
            continue
        r.add("GET", f"/{name}", acct.generic_list(name))
        r.add("GET", f"/{name}/{{id}}", acct.generic_get(name))
    for name in EXTRA_DELETES:
        if name in w.w.tables:
            r.add("DELETE", f"/{name}/{{id}}", w.extra_delete(name))
    for name in DELETES_BY_NAME:
        if name in w.w.tables:
            r.add("DELETE", f"/{name}/{{id}}", w.delete_by_name(name))
    for name in GENERIC_PUTS:
        r.add("PUT", f"/{name}/{{id}}", w.generic_put(name))
    for name in GENERIC_DELETES:
        r.add("DELETE", f"/{name}/{{id}}", w.generic_delete(name))
