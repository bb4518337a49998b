"""Accounts (companies) and their contact links (accountContacts).

Account names are unique per account, case-insensitively, as the API answers a duplicate with a
422; the name index is kept here and dropped by change capture when an account goes. The
count_deals option of GET /accounts is computed once per data version.

The module reads top-down: its resource specs (`SPECS`), read handlers, write handlers, the
generators of its tables (`build_config` for configuration, `build` for contact-scaled rows)
and `register`, which adds its routes.
"""

from __future__ import annotations

import time
from typing import Any

from . import names, query
from .custom_fields import ACCOUNT_FIELDS, custom_field_data
from .mutate import WriteBase, link_written
from .protocol import Request, Result, err, missing, require, sid, wrapper
from .resources import Spec, make_spec
from .state import AccountState
from .store import Record, Table, owned_table
from .util import ANCHOR_TS, DAY_S, SPAN_S, START_TS, fmt_offset, h1
from .world import World, ascii_fold, coprime_step

# how this domain's list and record endpoints answer (envelope keys, links, filters)
SPECS: dict[str, Spec] = {
    "accounts": make_spec(
        "accounts",
        "account",
        ("notes", "accountCustomFieldData", "accountContacts"),
        like={"search": "name"},
    ),
    "accountContacts": make_spec(
        "accountContacts",
        "accountContact",
        ("account", "contact"),
        eq={"filters[contact]": "contact", "filters[account]": "account"},
    ),
}


class AccountReads(AccountState):
    """The accounts read endpoints."""

    def list_accounts(self, req: Request) -> Result:
        """count_deals=true fills contactCount/dealCount (0 otherwise, as documented)."""
        t = self.table("accounts")
        ids, total, _, _ = query.run(self, "accounts", t, self.specs["accounts"], req.params)
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


class AccountWrites(WriteBase):
    """The accounts write endpoints."""

    @property
    def account_names(self) -> dict[str, int]:
        if self._account_names is None:
            t = self.t("accounts")
            self._account_names = {str(t.value(i, "name")).lower(): i for i in t.ids}
        return self._account_names

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
        data = wrapper(req, "account")
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
        data = wrapper(req, "account")
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
        link_written(self.a, contact, now)
        return j, True

    def post_account_contacts(self, req: Request) -> Result:
        data = wrapper(req, "accountContact")
        require(data, "account", "contact")
        acc = self.existing(data["account"], "accounts", "Account")
        c = self.existing(data["contact"], "contacts", "Contact")
        j, created = self.link_account(acc, c, sid(data.get("jobTitle")), time.time())
        if not created:
            raise err(
                "The contact is already associated with this account",
                "duplicate",
                "/data/attributes/contact",
            )
        return Result(201, {"accountContact": self.render("accountContacts", j)})


# -- generated data --------------------------------------------------------------------
def build(w: World) -> None:
    """Generate this domain's contact-scaled tables (lazily rendered rows)."""
    n = w.n
    seed = w.seed
    T = w.tables
    nusers = len(T["users"])

    # accounts
    nacc = n // 20 if n else 0

    def acc_created(i: int) -> int:
        return START_TS + h1(seed, 45, i) % (SPAN_S - 10 * DAY_S)

    def acc_updated(i: int) -> int:
        c = acc_created(i)
        return c + h1(seed, 46, i) % max(ANCHOR_TS - c, 1)

    def acc_name(i: int) -> str:
        hh = w.h("accounts#n", i)
        return f"{hh.pick(names.COMPANY_WORDS)} {hh.pick(names.COMPANY_SUFFIX)} {i}"

    def gen_acc(i: int) -> Record:
        nm = acc_name(i)
        slug = ascii_fold(nm).replace(" ", "-")
        return {
            "name": nm,
            "accountUrl": f"https://www.{slug}.example",
            "owner": str(h1(seed, 47, i) % nusers + 1),
            "createdTimestamp": fmt_offset(acc_created(i)),
            "updatedTimestamp": fmt_offset(acc_updated(i)),
            "contactCount": "0",
            "dealCount": "0",
            "id": str(i),
        }

    T["accounts"] = Table("accounts", gen_acc, nacc, fast={"name": acc_name})

    # accountContacts: distinct contacts through a coprime stride
    ac_own, _ = w.fanout("accountContacts", nacc, (1, 2, 2, 3))
    stride = coprime_step(n, 7919)

    def ac_contact(i: int) -> int:
        return ((i - 1) * stride) % n + 1

    def gen_ac(i: int) -> Record:
        a = ac_own[i - 1]
        ct = ac_contact(i)
        t = max(acc_created(a), w.contact_cdate(ct))
        hh = w.h("accountContacts", i)
        t = w.ts_between(hh, t)
        return {
            "account": str(a),
            "contact": str(ct),
            "jobTitle": hh.pick(("", "CEO", "CTO", "Buyer", "Manager", "Engineer")),
            "createdTimestamp": fmt_offset(t),
            "updatedTimestamp": fmt_offset(t),
            "id": str(i),
        }

    T["accountContacts"] = owned_table(
        "accountContacts", gen_ac, ac_own, "account", {"contact": lambda i: str(ac_contact(i))}
    )

    # accountCustomFieldData
    custom_field_data(
        w,
        "accountCustomFieldData",
        "accountId",
        "accountCustomFieldMetumId",
        nacc,
        ACCOUNT_FIELDS,
        acc_created,
    )


def register(acct: AccountReads, w: AccountWrites) -> None:
    """Add this domain's routes to the account's router (reads and writes)."""
    r = acct.router
    r.add("GET", "/accounts", acct.list_accounts)
    r.add("POST", "/accounts", w.post_accounts)
    r.add("PUT", "/accounts/{id}", w.put_account)
    r.add("POST", "/accountContacts", w.post_account_contacts)
