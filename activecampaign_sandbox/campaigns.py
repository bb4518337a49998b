"""Campaigns and logs: the activity feed (account-wide or per contact).

Campaigns, messages, links, email activities and bounce logs are read through the generic
list endpoints (generic.py) from the specs in resources.py; only the activity feed has rules
of its own (the `contact` and `after` parameters).
"""

from __future__ import annotations

from . import names, query
from .protocol import (
    ApiError,
    Params,
    Request,
    Result,
    not_found,
    parse_int,
)
from .resources import SPECS
from .state import AccountState
from .store import Record, Table, owned_table
from .util import (
    SPAN_S,
    START_TS,
    fmt_offset,
    h1,
)
from .world import World


class CampaignReads(AccountState):
    """The campaigns read endpoints."""

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


# -- generated data --------------------------------------------------------------------
def build(w: World) -> None:
    """Generate this domain's contact-scaled tables (lazily rendered rows)."""
    n = w.n
    seed = w.seed
    T = w.tables
    nusers = len(T["users"])
    ndeals = len(T["deals"])

    # activities (ordered in time by id)
    act_own, _ = w.fanout("activities", n, (0, 1, 1, 2))
    nact = len(act_own)
    astep = SPAN_S // max(nact, 1)

    def act_ts(i: int) -> int:
        return START_TS + (i - 1) * astep + h1(seed, 52, i) % max(astep, 1)

    act_kinds = (
        ("SubscriberList", "subscribe"),
        ("SubscriberSeries", "start"),
        ("SubscriberSeries", "complete"),
        ("Log", "open"),
        ("LinkData", "click"),
        ("Update", ""),
        ("Note", ""),
        ("SubscriberEmail", "sent"),
    )

    def gen_act(i: int) -> Record:
        o = act_own[i - 1]
        hh = w.h("activities", i)
        rt, action = hh.pick(act_kinds)
        return {
            "subscriberid": str(o),
            "userid": "0",
            "d_regionid": "1",
            "account": None,
            "reference_type": rt,
            "reference_id": str(hh.n(500) + 1),
            "reference_action": action,
            "tstamp": fmt_offset(act_ts(i)),
            "contact": str(o),
            "user": None,
            "id": str(i),
        }

    T["activities"] = Table(
        "activities",
        gen_act,
        nact,
        fast={
            "tstamp": lambda i: fmt_offset(act_ts(i)),
            "_ts:tstamp": act_ts,
            "contact": lambda i: str(act_own[i - 1]),
        },
    )
    # activities are not grouped by contact in id order, so index them for ?contact=
    by_contact: dict[int, list[int]] = {}
    for idx, o in enumerate(act_own, 1):
        by_contact.setdefault(o, []).append(idx)
    w.activities_by_contact = by_contact

    # emailActivities
    ea_own, _ = w.fanout("emailActivities", n, (0, 1))

    def gen_ea(i: int) -> Record:
        o, hh, t = w.contact_event("emailActivities", ea_own, i)
        _, _, email = w.contact_basics(o)
        uid = str(hh.n(nusers) + 1)
        deal = str(hh.n(ndeals) + 1) if ndeals and hh.n(4) == 0 else "0"
        return {
            "subscriberid": str(o),
            "userid": uid,
            "d_id": deal,
            "account": None,
            "reltype": "Deal" if deal != "0" else "Subscriber",
            "relid": deal if deal != "0" else str(o),
            "from_name": "Sandbox Co",
            "fromAddress": "sales@sandbox.example",
            "toAddress": email,
            "ccAddress": "",
            "subject": hh.pick(names.SUBJECTS),
            "message": "Hello from the sandbox.",
            "series_id": "0",
            "tstamp": fmt_offset(t),
            "subscriber": str(o),
            "user": uid,
            "deal": deal if deal != "0" else None,
            "id": str(i),
        }

    T["emailActivities"] = owned_table("emailActivities", gen_ea, ea_own, "subscriberid")


def register(acct: CampaignReads) -> None:
    """Add this domain's routes to the account's router (reads and writes)."""
    r = acct.router
    r.add("GET", "/contacts/{id}/activities", acct.contact_activities)
    r.add("GET", "/activities", acct.list_activities)
