"""Changing stored records the way the app does, below every domain.

Writes, the control API's `mutate`, deletes and bulk imports all need "this record changed now"
to look as it does in ActiveCampaign: every updated-time key the resource carries is stamped in
its own format (`stamp_updated`, `touch_record`); a write to one of a contact's links may stamp
the contact too (`link_written`); a delete takes the rows that hang on the record with it
(`delete_cascade`, by the `CASCADE` table). `WriteBase` is what every domain's write handlers
share. Children are found through per-parent indexes, never by scanning a whole table.
"""

from __future__ import annotations

import time
from typing import Any

from .protocol import as_int, not_found, not_found_404, parse_int
from .state import AccountState
from .store import Record, Table
from .util import fmt_naive, fmt_naive_utc, fmt_offset, fmt_utc_z, now_like

# fields that hold "last updated" per resource, in the style the API sends them
UPDATED_KEYS = (
    "udate",
    "mdate",
    "updated_timestamp",
    "updated_utc_timestamp",
    "updatedTimestamp",
    "updatedDate",
    "updated_at",
)
# the visible field mutate() changes, per resource
VISIBLE = {
    "contacts": "lastName",
    "deals": "title",
    "accounts": "accountUrl",
    "fieldValues": "value",
    "notes": "note",
    "tags": "description",
    "ecomOrders": "shippingMethod",
    "ecomCustomers": "avgProductCategory",
    "accountContacts": "jobTitle",
    "contactLists": "last_name",
    "dealTasks": "title",
    "accountCustomFieldData": "fieldValue",
    "dealCustomFieldData": "fieldValue",
    "lists": "sender_url",
    "fields": "descript",
    "campaigns": "name",
    "messages": "name",
    "automations": "name",
    "users": "phone",
    "ecomOrderProducts": "description",
    "contactTags": "updated_by",
}


def stamp_updated(rec: Record, now: float | None = None) -> None:
    now = time.time() if now is None else now
    for k in UPDATED_KEYS:
        if k in rec:
            if k == "updated_utc_timestamp":
                rec[k] = fmt_naive_utc(now)
            elif k in ("udate", "mdate"):
                rec[k] = fmt_offset(now)
            else:
                rec[k] = now_like(rec[k], now)


def touch_record(acct: AccountState, name: str, t: Table, i: int) -> None:
    rec = t.materialize(i)
    if rec is None:
        return
    now = time.time()
    udate = rec.get("udate")
    stamp_updated(rec, now)
    if name == "contactLists":
        rec["udate"] = udate  # a membership's udate is its unsubscribe date
    if name.startswith("customObjects/records/"):
        rec["updatedTimestamp"] = fmt_utc_z(now)
        fields = [dict(f) for f in rec.get("fields", [])]
        if fields:
            fields[-1]["value"] = f"{fields[-1]['value']}~m"
        rec["fields"] = fields
    fld = VISIBLE.get(name)
    if fld is None:
        for cand in ("title", "name", "description", "note", "subject"):
            if cand in rec and isinstance(rec[cand], str):
                fld = cand
                break
    if fld is not None:
        base = str(rec.get(fld) or "").split(" ~", 1)[0]
        rec[fld] = f"{base} ~{int(now) % 100000}"
    t.touch()


def mutate_records(
    acct: AccountState, name: str, fraction: float | None = None, ids: list[Any] | None = None
) -> list[int]:
    """Touch records as if changed in the app: bump their updated time, change a field."""
    with acct.lock:
        t = acct.world.tables[name]
        if ids is not None:
            chosen = [i for x in ids if (i := parse_int(str(x))) is not None and t.exists(i)]
        else:
            all_ids = t.ids
            n = len(all_ids)
            k = min(n, max(1, round(n * float(0.01 if fraction is None else fraction))))
            acct._mutations += 1
            step = n / k if k else 1
            off = (acct._mutations * 7919) % max(1, int(step))
            chosen = sorted({all_ids[min(n - 1, int(j * step) + off)] for j in range(k)})
        for i in chosen:
            touch_record(acct, name, t, i)
        links_mutated(acct, name, chosen)
        acct.bump()
        return chosen


# -- contact links and cascades ---------------------------------------------------------
# the contact's links: a write to one of these is a "link write" (it may stamp the contact)
LINK_TABLES = frozenset(
    {"fieldValues", "contactLists", "contactTags", "contactAutomations", "accountContacts"}
)

# parent table -> rows that go with it: (child table, field holding the parent id)
CASCADE: dict[str, tuple[tuple[str, str], ...]] = {
    "contacts": (
        ("contactTags", "contact"),
        ("contactLists", "contact"),
        ("fieldValues", "contact"),
        ("contactAutomations", "contact"),
        ("accountContacts", "contact"),
        ("contactDeals", "contact"),
        ("deals", "contact"),  # a deal requires its primary contact
        ("contactData", "contact"),
        ("emailActivities", "subscriberid"),
        ("bounceLogs", "contact"),
        ("contactEmails", "contact"),
        ("contactConversions", "contact"),
        ("activities", "contact"),
    ),
    "deals": (
        ("contactDeals", "deal"),
        ("dealCustomFieldData", "dealId"),
        ("dealActivities", "d_dealid"),
    ),
    "accounts": (
        ("accountContacts", "account"),
        ("accountCustomFieldData", "accountId"),
    ),
    "tags": (("contactTags", "tag"),),
    "lists": (("contactLists", "list"),),
    "fields": (("fieldValues", "field"), ("fieldOptions", "field"), ("fieldRels", "field")),
    "ecomOrders": (("ecomOrderProducts", "orderid"), ("ecomOrderActivities", "ecomOrderid")),
    "automations": (("contactAutomations", "seriesid"),),
}


# notes hang off their parent by (reltype, relid)
NOTE_RELTYPES = {"contacts": "Subscriber", "deals": "Deal", "accounts": "CustomerAccount"}


def stamp_contact(acct: AccountState, contact: int, now: float) -> None:
    """Stamp a contact's updated times (udate and its two siblings) with `now`."""
    t = acct.world.tables["contacts"]
    rec = t.materialize(contact)
    if rec is None:
        return
    rec["udate"] = fmt_offset(now)
    rec["updated_timestamp"] = fmt_naive(now)
    rec["updated_utc_timestamp"] = fmt_naive_utc(now)
    t.touch()


def link_written(acct: AccountState, contact: Any, now: float | None = None) -> None:
    """A write to one of the contact's links: bumps its udate when the switch says so."""
    if not acct.link_writes_bump_contact_udate:
        return
    try:
        c = int(str(contact))
    except ValueError:
        return
    stamp_contact(acct, c, time.time() if now is None else now)


def links_mutated(acct: AccountState, name: str, ids: list[int]) -> None:
    """Mutated link rows (control API) are link writes too."""
    if name not in LINK_TABLES:
        return
    now = time.time()
    for i in ids:
        link_written(acct, _contact_of_link(acct, name, i), now)


def delete_cascade(acct: AccountState, name: str, i: int) -> dict[str, list[int]]:
    """Delete one row and every row that goes with it; returns the ids removed per table."""
    gone: dict[str, list[int]] = {}
    delete_into(acct, name, i, gone)
    return gone


def delete_into(acct: AccountState, name: str, i: int, gone: dict[str, list[int]]) -> None:
    t = acct.world.tables.get(name)
    if t is None or not t.exists(i):
        return
    linked_contact = _contact_of_link(acct, name, i)
    if name == "contacts":
        acct.world.email_index.pop(str(t.value(i, "email") or "").lower(), None)
    if name == "accounts" and acct.writes is not None:
        acct.writes.account_names.pop(str(t.value(i, "name")).lower(), None)
    t.delete(i)
    gone.setdefault(name, []).append(i)
    for child, field in CASCADE.get(name, ()):
        for j in _children(acct, child, field, i):
            delete_into(acct, child, j, gone)
    reltype = NOTE_RELTYPES.get(name)
    notes = acct.world.tables.get("notes")
    if reltype is not None and notes is not None:
        for j in notes.children_by("relid", i):
            if notes.value(j, "reltype") == reltype:
                delete_into(acct, "notes", j, gone)
    if linked_contact is not None and name != "contacts":
        link_written(acct, linked_contact)


def _children(acct: AccountState, table: str, field: str, parent: int) -> list[int]:
    t = acct.world.tables.get(table)
    if t is None:
        return []
    if table == "activities" and field == "contact":
        ids = list(acct.world.activities_by_contact.get(parent, ()))
        ids += [j for j, rec in t.over.items() if str(rec.get("contact")) == str(parent)]
        return sorted({j for j in ids if t.exists(j)})
    return t.children_by(field, parent)


def _contact_of_link(acct: AccountState, name: str, i: int) -> str | None:
    if name not in LINK_TABLES:
        return None
    v = acct.world.tables[name].value(i, "contact")
    return None if v is None else str(v)


class WriteBase:
    """What every domain's write handlers share: the account, its tables, the row a path names.

    The handlers of one account are one object (api.Writes, composed of each domain's
    handlers) so that a write of one domain can use another's, as the service's do.
    """

    def __init__(self, acct: AccountState) -> None:
        self.a = acct
        self.w = acct.world
        self._account_names: dict[str, int] | None = None
        self._tag_index: tuple[int, dict[tuple[str, str], int]] | None = None
        self._ext: dict[str, dict[tuple[str, str], int]] = {}
        self._record_ext: dict[str, dict[str, int]] = {}

    def t(self, name: str) -> Table:
        return self.w.tables[name]

    def _stored(self, table: str, rid: str, singular: str) -> tuple[Table, int]:
        """The table and id of the row a PUT or DELETE path names; the API's 404 if none."""
        t = self.t(table)
        i = as_int(rid)
        if i is None or not t.exists(i):
            raise not_found(singular, rid)
        return t, i

    def existing(self, ref: Any, table: str, what: str) -> int:
        """The id of a row a write refers to; a 404 naming `what` when there is none."""
        i = as_int(ref)
        if i is None or not self.t(table).exists(i):
            raise not_found_404(what)
        return i

    def render(self, name: str, i: int) -> dict[str, Any]:
        return self.a.render(name, i) or {}
