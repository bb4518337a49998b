"""Changing stored records the way the app does: stamp their updated times, touch a field.

Writes, the control API's `mutate` and the change-capture helpers all need "this record changed
now" to look the same as it does in ActiveCampaign: every updated-time key the resource carries is
stamped in its own format, and one visible field changes. One place for it, below every domain.
"""

from __future__ import annotations

import time
from typing import Any

from . import capture
from .protocol import as_int, not_found, not_found_404, parse_int
from .state import AccountState
from .store import Record, Table
from .util import fmt_naive_utc, fmt_offset, fmt_utc_z, now_like

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
        capture.links_mutated(acct, name, chosen)
        acct.bump()
        return chosen


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
