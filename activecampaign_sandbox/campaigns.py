"""Campaigns and logs: the activity feed (account-wide or per contact).

Campaigns, messages, links, email activities and bounce logs are read through the generic
list endpoints (generic.py) from the specs in resources.py; only the activity feed has rules
of its own (the `contact` and `after` parameters).
"""

from __future__ import annotations

from . import query
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


def register(acct: CampaignReads) -> None:
    """Add this domain's routes to the account's router (reads and writes)."""
    r = acct.router
    r.add("GET", "/contacts/{id}/activities", acct.contact_activities)
    r.add("GET", "/activities", acct.list_activities)
