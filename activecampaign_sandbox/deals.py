"""Deals and notes: deal writes (stage, pipeline, owner, account references) and the notes that
hang on contacts, deals, accounts and deal tasks.

Deal custom fields are custom_fields.py's; deal stages, pipelines and tasks are written through
the generic per-resource handlers (generic.py).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from .mutate import WriteBase
from .protocol import (
    Request,
    Result,
    as_int,
    err,
    missing,
    not_found,
    not_found_404,
    parse_int,
    require,
    sid,
    wrapper,
)
from .resources import NOTE_PARENTS, SPECS
from .state import AccountState
from .store import Record
from .util import (
    ZERO_DATETIME,
    fmt_naive,
    fmt_offset,
)

# a note's reltype -> the table of the record it hangs on
NOTE_TABLES = {
    "Subscriber": "contacts",
    "Deal": "deals",
    "CustomerAccount": "accounts",
    "DealTask": "dealTasks",
}


class DealReads(AccountState):
    """The deals read endpoints."""

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


class DealWrites(WriteBase):
    """The deals write endpoints."""

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
                raise err("Account not found", "invalid", "/data/attributes/account")
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
        data = wrapper(req, "deal")
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
        data = wrapper(req, "deal")
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

    def create_note(self, data: dict[str, Any], reltype: str, relid: int | None) -> int:
        text = sid(data.get("note"))
        if not text:
            raise missing("note")
        if relid is None:
            raise missing("relid")
        table = NOTE_TABLES.get(reltype)
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
        data = wrapper(req, "note")
        i = self.create_note(
            data, sid(data.get("reltype")) or "Subscriber", as_int(data.get("relid"))
        )
        return Result(201, {"note": self.render("notes", i)})

    def post_child_note(self, reltype: str) -> Any:
        def fn(req: Request, pid: str) -> Result:
            data = wrapper(req, "note")
            i = self.create_note(data, reltype, as_int(pid))
            return Result(201, {"note": self.render("notes", i)})

        return fn


def register(acct: DealReads, w: DealWrites) -> None:
    """Add this domain's routes to the account's router (reads and writes)."""
    r = acct.router
    r.add("GET", "/contacts/{id}/notes", acct.child_notes("contacts"))
    r.add("GET", "/deals/{id}/notes", acct.child_notes("deals"))
    r.add("GET", "/accounts/{id}/notes", acct.child_notes("accounts"))
    r.add("POST", "/deals", w.post_deals)
    r.add("PUT", "/deals/{id}", w.put_deal)
    r.add("POST", "/notes", w.post_notes)
    r.add("POST", "/deals/{id}/notes", w.post_child_note("Deal"))
    r.add("POST", "/accounts/{id}/notes", w.post_child_note("CustomerAccount"))
