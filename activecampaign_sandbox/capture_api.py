"""The HTTP side of change capture: the extra write/delete endpoints and the answers of
POST /__sandbox/append and /__sandbox/delete (the logic is in capture)."""

from __future__ import annotations

import time
from typing import Any

from .capture import APPEND_LOGS, append_rows, delete_cascade, delete_rows, link_written
from .protocol import ApiError, Request, Result, not_found
from .resources import SPECS
from .state import AccountState
from .util import fmt_offset


# -- endpoints -------------------------------------------------------------------------
class CaptureRoutes:
    """DELETE endpoints for links and the documented contactAutomations writes."""

    def __init__(self, acct: AccountState) -> None:
        self.a = acct

    def delete(self, name: str) -> Any:
        singular = SPECS[name].singular

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
                raise not_found(SPECS[name].singular, key)
            delete_cascade(self.a, name, hit)
            return Result(200, {})

        return fn

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
        j = tables["contactAutomations"].insert(
            {
                "contact": str(c),
                "seriesid": str(auto),
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
                "totalElements": 1,
                "completed": 0,
                "completeValue": 0,
                "automation": str(auto),
            }
        )
        link_written(self.a, c, now)
        return Result(201, {"contactAutomation": self.a.render("contactAutomations", j)})


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


def register(acct: AccountState) -> None:
    """Add the capture routes to the account's router."""
    routes = CaptureRoutes(acct)
    r = acct.router
    r.add("POST", "/contactAutomations", routes.post_contact_automation)
    for name in EXTRA_DELETES:
        if name in acct.world.tables:
            r.add("DELETE", f"/{name}/{{id}}", routes.delete(name))
    for name in DELETES_BY_NAME:
        if name in acct.world.tables:
            r.add("DELETE", f"/{name}/{{id}}", routes.delete_by_name(name))


def control(acct: AccountState, op: str, data: dict[str, Any]) -> Result:
    """POST /__sandbox/append and /__sandbox/delete."""
    name = str(data.get("resource", ""))
    if op == "append":
        if name not in APPEND_LOGS or name not in acct.world.tables:
            return Result(
                404,
                {
                    "message": f"cannot append to {name!r}; append-only logs: "
                    + ", ".join(n for n in APPEND_LOGS if n in acct.world.tables)
                },
            )
        try:
            count = int(data.get("count", 1))
        except (TypeError, ValueError):
            return Result(400, {"message": "count must be an integer"})
        return Result(200, {"resource": name, "ids": append_rows(acct, name, count)})
    if name not in acct.world.tables:
        return Result(404, {"message": f"unknown resource {name}"})
    ids = data.get("ids")
    if not isinstance(ids, list):
        return Result(400, {"message": "ids must be a list"})
    gone = delete_rows(acct, name, ids)
    return Result(200, {"resource": name, "ids": gone.get(name, []), "deleted": gone})
