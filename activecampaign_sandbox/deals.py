"""Deals and notes: deal writes (stage, pipeline, owner, account references) and the notes that
hang on contacts, deals, accounts and deal tasks.

Deal custom fields are custom_fields.py's; deal stages, pipelines and tasks are written through
the generic per-resource handlers (generic.py).

The module reads top-down: its resource specs (`SPECS`), read handlers, write handlers, the
generators of its tables (`build_config` for configuration, `build` for contact-scaled rows)
and `register`, which adds its routes.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from . import names
from .custom_fields import DEAL_FIELDS, custom_field_data
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
from .resources import NOTE_PARENTS, Spec, make_spec
from .state import AccountState
from .store import Record, Table, owned_table
from .util import ANCHOR_TS, DAY_S, SPAN_S, START_TS, ZERO_DATETIME, fmt_naive, fmt_offset, h1
from .world import World, coprime_step

# a note's reltype -> the table of the record it hangs on
NOTE_TABLES = {
    "Subscriber": "contacts",
    "Deal": "deals",
    "CustomerAccount": "accounts",
    "DealTask": "dealTasks",
}


# how this domain's list and record endpoints answer (envelope keys, links, filters)
SPECS: dict[str, Spec] = {
    "deals": make_spec(
        "deals",
        "deal",
        (
            "dealActivities",
            "contact",
            "contactDeals",
            "group",
            "nextTask",
            "notes",
            "account",
            "customerAccount",
            "organization",
            "owner",
            "scoreValues",
            "stage",
            "tasks",
            "dealCustomFieldData",
        ),
        eq={
            "filters[stage]": "stage",
            "filters[group]": "group",
            "filters[status]": "status",
            "filters[owner]": "owner",
        },
        like={"filters[title]": "title"},
        date_filters={
            "filters[updated_after]": ("mdate", "ge"),
            "filters[updated_before]": ("mdate", "le"),
            "filters[created_after]": ("cdate", "ge"),
            "filters[created_before]": ("cdate", "le"),
        },
    ),
    "dealStages": make_spec(
        "dealStages",
        "dealStage",
        ("group",),
        eq={"filters[d_groupid]": "group"},
        like={"filters[title]": "title"},
    ),
    "dealGroups": make_spec(
        "dealGroups",
        "dealGroup",
        ("stages", "dealGroupUsers", "dealGroupGroups"),
        like={"filters[title]": "title"},
    ),
    "dealTasks": make_spec(
        "dealTasks",
        "dealTask",
        (
            "activities",
            "automation",
            "blocks",
            "dealTasktype",
            "notes",
            "user",
            "assignee",
            "taskNotifications",
        ),
    ),
    "dealTasktypes": make_spec("dealTasktypes", "dealTasktype", ()),
    "dealActivities": make_spec("dealActivities", "dealActivity", ("deal", "user", "stage")),
    "dealRoles": make_spec("dealRoles", "dealRole", ()),
    "contactDeals": make_spec("contactDeals", "contactDeal", ("deal", "contact")),
    "notes": make_spec("notes", "note", ("activities", "user", "mentions", "notes", "owner")),
    "taskOutcomes": make_spec(
        "taskOutcomes", "taskOutcome", (), eq={"filters[sentiment]": "sentiment"}
    ),
    "tasktypeOutcomeRels": make_spec("tasktypeOutcomeRels", "tasktypeOutcomeRel", ()),
    "dealGroupUsers": make_spec("dealGroupUsers", "dealGroupUser", ("dealGroup", "user")),
}


PIPELINES = (
    ("Sales", ("To Contact", "Qualified", "Proposal", "Negotiation", "Won")),
    ("Onboarding", ("Kickoff", "Setup", "Training", "Live")),
    ("Partnerships", ("Intro", "Evaluation", "Signed")),
)

TASK_TYPES = ("Call", "Email", "Meeting", "To-do")

OUTCOMES = (
    ("Connected", "3"),
    ("Left voicemail", "2"),
    ("No answer", "2"),
    ("Not interested", "1"),
)


class DealReads(AccountState):
    """The deals read endpoints."""

    def child_notes(self, parent: str) -> Callable[..., Result]:
        reltype = NOTE_PARENTS[parent]

        def fn(req: Request, pid: str) -> Result:
            i = parse_int(pid)
            if i is None or not self.table(parent).exists(i):
                raise not_found(self.specs[parent].singular, pid)
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


# -- generated data --------------------------------------------------------------------
def build_config(w: World) -> None:
    """Generate this domain's account configuration (small tables, built eagerly)."""
    stages, pipelines = [], []
    for gi, (title, stage_names) in enumerate(PIPELINES, 1):
        t = w.config_ts("dealGroups", gi)
        sids = []
        for order, sname in enumerate(stage_names, 1):
            sid = len(stages) + 1
            sids.append(str(sid))
            stages.append(
                {
                    "group": str(gi),
                    "title": sname,
                    "color": "32B0FC",
                    "order": str(order),
                    "width": "280",
                    "dealOrder": "next-action DESC",
                    "cardRegion1": "title",
                    "cardRegion2": "next-action",
                    "cardRegion3": "show-avatar",
                    "cardRegion4": "contact-fullname-orgname",
                    "cardRegion5": "value",
                    "cdate": fmt_offset(t),
                    "udate": fmt_offset(t),
                    "id": str(sid),
                }
            )
        pipelines.append(
            {
                "title": title,
                "currency": "usd",
                "autoassign": "1",
                "allgroups": "0",
                "allusers": "1",
                "cdate": fmt_offset(t),
                "udate": fmt_offset(t),
                "stages": sids,
                "id": str(gi),
            }
        )
    w.eager("dealGroups", pipelines)
    w.eager("dealStages", stages)
    w.stage_group = {int(s["id"]): int(s["group"]) for s in stages}
    w.eager(
        "dealTasktypes",
        [{"title": tt, "status": "1", "id": str(i)} for i, tt in enumerate(TASK_TYPES, 1)],
    )
    w.eager(
        "taskOutcomes",
        [
            {
                "title": t,
                "sentiment": s,
                "cdate": fmt_offset(w.config_ts("taskOutcomes", i)),
                "udate": fmt_offset(w.config_ts("taskOutcomes", i)),
                "id": str(i),
            }
            for i, (t, s) in enumerate(OUTCOMES, 1)
        ],
    )
    rels2 = []
    for tt in range(1, len(TASK_TYPES) + 1):
        for oc in range(1, len(OUTCOMES) + 1):
            if (tt + oc) % 2 == 0 or tt == 1:
                rels2.append(
                    {
                        "taskOutcomeId": str(oc),
                        "dealTasktypeId": str(tt),
                        "id": str(len(rels2) + 1),
                    }
                )
    w.eager("tasktypeOutcomeRels", rels2)
    w.eager(
        "dealRoles",
        [
            {
                "title": r,
                "cdate": fmt_offset(w.config_ts("dealRoles", i)),
                "udate": fmt_offset(w.config_ts("dealRoles", i)),
                "id": str(i),
            }
            for i, r in enumerate(("Decision maker", "Champion", "Influencer"), 1)
        ],
    )
    build_deal_group_users(w)


def build_deal_group_users(w: World) -> None:
    """The lesser tables of this domain: which users may see which pipeline."""
    T = w.tables
    nusers = len(T["users"])

    dgu = []
    for g in range(1, len(T["dealGroups"]) + 1):
        for u in range(1, nusers + 1):
            if (g + u) % 2 == 0 or u == 1:
                dgu.append(
                    {
                        "dealGroup": str(g),
                        "deal_group": str(g),
                        "user": str(u),
                        "cdate": fmt_offset(w.content_ts("dealGroupUsers", g)),
                        "id": str(len(dgu) + 1),
                    }
                )
    w.eager("dealGroupUsers", dgu)


def build(w: World) -> None:
    """Generate this domain's contact-scaled tables (lazily rendered rows)."""
    n = w.n
    seed = w.seed
    T = w.tables
    nusers = len(T["users"])
    nstages = len(T["dealStages"])
    nacc = len(T["accounts"])

    # deals
    ndeals = n // 10 if n else 0
    dstride = coprime_step(n, 104729)

    def deal_contact(i: int) -> int:
        return ((i - 1) * dstride + 17) % n + 1

    def deal_stage(i: int) -> int:
        return h1(seed, 48, i) % nstages + 1

    def deal_created(i: int) -> int:
        return w.contact_cdate(deal_contact(i)) + h1(seed, 49, i) % (30 * DAY_S)

    def deal_updated(i: int) -> int:
        c = deal_created(i)
        return c + h1(seed, 50, i) % max(ANCHOR_TS - c, 1)

    def wp_on(i: int) -> bool:
        return h1(seed, 58, i) % 120 < 100

    def gen_deal(i: int) -> Record:
        hh = w.h("deals", i)
        st = deal_stage(i)
        c = deal_created(i)
        u = deal_updated(i)
        status = hh.pick(("0", "0", "0", "1", "2"))
        acc = str(hh.n(nacc) + 1) if nacc and hh.n(3) else None
        return {
            "hash": hh.hex(8),
            "owner": str(hh.n(nusers) + 1),
            "contact": str(deal_contact(i)),
            "organization": None,
            "group": str(w.stage_group[st]),
            "stage": str(st),
            "title": f"{hh.pick(names.PRODUCT_WORDS)} deal {i}",
            "description": "" if hh.n(2) else hh.pick(names.NOTE_TEXTS),
            "percent": "0",
            "cdate": fmt_offset(c),
            "mdate": fmt_offset(u),
            "nextdate": None,
            "nexttaskid": None,
            "value": str(hh.n(5000) * 100),
            "currency": hh.pick(names.CURRENCIES),
            # a number (or null) in the documented example
            "winProbability": h1(seed, 58, i) % 120 if wp_on(i) else None,
            "winProbabilityMdate": fmt_offset(u) if wp_on(i) else None,
            "status": status,
            "activitycount": str(hh.n(10)),
            "nextdealid": None,
            # naive, or the zero date while the deal is open, as documented
            "edate": fmt_naive(u) if status != "0" else ZERO_DATETIME,
            "isDisabled": False,
            "account": acc,
            "customerAccount": acc,
            "id": str(i),
        }

    T["deals"] = Table(
        "deals",
        gen_deal,
        ndeals,
        fast={
            "mdate": lambda i: fmt_offset(deal_updated(i)),
            "cdate": lambda i: fmt_offset(deal_created(i)),
            "_ts:mdate": deal_updated,
            "_ts:cdate": deal_created,
            "stage": lambda i: str(deal_stage(i)),
            "group": lambda i: str(w.stage_group[deal_stage(i)]),
            "contact": lambda i: str(deal_contact(i)),
        },
    )

    custom_field_data(
        w,
        "dealCustomFieldData",
        "dealId",
        "dealCustomFieldMetumId",
        ndeals,
        DEAL_FIELDS,
        deal_created,
    )

    # dealTasks
    dt_own, _ = w.fanout("dealTasks", ndeals, (0, 1))
    ntt = len(T["dealTasktypes"])

    def gen_dt(i: int) -> Record:
        d = dt_own[i - 1]
        hh = w.h("dealTasks", i)
        c = w.ts_between(hh, deal_created(d))
        due = c + hh.n(20 * DAY_S)
        done = hh.n(2)
        u = w.ts_between(hh, c)
        uid = str(hh.n(nusers) + 1)
        return {
            "duedate": fmt_offset(due),
            "edate": fmt_offset(due + 1800),
            "status": str(done),
            "title": hh.pick(("Follow up", "Send proposal", "Call back", "Demo")),
            "note": "",
            "relid": str(d),
            "reltype": "Deal",
            "d_tasktypeid": str(hh.n(ntt) + 1),
            "userid": uid,
            "assignee": uid,
            "automation": None,
            "outcomeId": str(hh.n(4) + 1) if done else None,
            "outcomeInfo": None,
            "cdate": fmt_offset(c),
            "udate": fmt_offset(u),
            "done_automation": None,
            "owner": {"type": "deal", "id": str(d)},
            "user": uid,
            "id": str(i),
        }

    T["dealTasks"] = owned_table("dealTasks", gen_dt, dt_own, "relid")

    # dealActivities
    da_own, _ = w.fanout("dealActivities", ndeals, (1, 2, 2, 3))

    def gen_da(i: int) -> Record:
        d = da_own[i - 1]
        hh = w.h("dealActivities", i)
        c = w.ts_between(hh, deal_created(d))
        action = hh.pick(("add", "stage", "update", "note"))
        return {
            "d_dealid": str(d),
            "d_stageid": str(deal_stage(d)),
            "userid": str(hh.n(nusers) + 1),
            "seriesid": "0",
            "dataId": str(d),
            "dataType": "deal",
            "dataAction": action,
            "dataOldval": str(hh.n(nstages) + 1) if action == "stage" else "",
            "dataNewval": str(deal_stage(d)) if action == "stage" else "",
            "cdate": fmt_offset(c),
            "deal": str(d),
            "user": str(hh.n(nusers) + 1),
            "id": str(i),
        }

    T["dealActivities"] = owned_table("dealActivities", gen_da, da_own, "d_dealid")

    # contactDeals (secondary contacts on deals)
    cd_own, _ = w.fanout("contactDeals", ndeals, (0, 1))

    def gen_cd(i: int) -> Record:
        d = cd_own[i - 1]
        hh = w.h("contactDeals", i)
        ct = (deal_contact(d) + 1 + hh.n(max(n - 1, 1))) % n + 1 if n > 1 else 1
        t = w.ts_between(hh, deal_created(d))
        return {
            "deal": str(d),
            "contact": str(ct),
            "role": str(hh.n(3) + 1),
            "cdate": fmt_offset(t),
            "udate": fmt_offset(t),
            "id": str(i),
        }

    T["contactDeals"] = owned_table("contactDeals", gen_cd, cd_own, "deal")

    # notes
    nnotes = n // 20 if n else 0

    def note_rel(i: int) -> tuple[str, int]:
        v = h1(seed, 51, i)
        kind = v % 5
        if kind <= 2 or (kind == 3 and not ndeals) or (kind == 4 and not nacc):
            return "Subscriber", (v >> 8) % n + 1
        if kind == 3:
            return "Deal", (v >> 8) % ndeals + 1
        return "CustomerAccount", (v >> 8) % nacc + 1

    def gen_note(i: int) -> Record:
        hh = w.h("notes", i)
        rt, rid = note_rel(i)
        c = START_TS + hh.n(SPAN_S)
        m = w.ts_between(hh, c)
        uid = str(hh.n(nusers) + 1)
        return {
            "note": hh.pick(names.NOTE_TEXTS),
            "relid": str(rid),
            "reltype": rt,
            "userid": uid,
            "is_draft": "0",
            "cdate": fmt_offset(c),
            "mdate": fmt_offset(m),
            "user": uid,
            "owner": {
                "type": {"Subscriber": "contact", "Deal": "deal", "CustomerAccount": "account"}[rt],
                "id": str(rid),
            },
            "id": str(i),
        }

    T["notes"] = Table(
        "notes",
        gen_note,
        nnotes,
        fast={"relid": lambda i: str(note_rel(i)[1]), "reltype": lambda i: note_rel(i)[0]},
    )


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
