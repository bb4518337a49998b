"""Change capture: `include=` on the contacts list, link writes, cascading deletes, and the
control operations tests and benchmarks use to make change (mutate with links, append, delete).
The HTTP side (extra endpoints, the control API's answers) is in capture_api.

Children are always found through a per-contact index (``Table.children`` on tables grouped
by contact, ``Table.children_by`` elsewhere), never by scanning a whole child table per page.
"""

from __future__ import annotations

import time
from typing import Any

from .options import FILTER_TIME_READINGS
from .state import AccountState
from .util import fmt_naive, fmt_naive_utc, fmt_offset, h1, now_like

# include= values GET /contacts honours: response key -> (child table, field holding the
# contact id). All are sideloaded by GET /contacts/{id} or are the contact's own links.
LIST_INCLUDES: dict[str, tuple[str, str]] = {
    "fieldValues": ("fieldValues", "contact"),
    "contactLists": ("contactLists", "contact"),
    "contactTags": ("contactTags", "contact"),
    "contactAutomations": ("contactAutomations", "contact"),
    "accountContacts": ("accountContacts", "contact"),
    "deals": ("deals", "contact"),
}
# the contact's links: a write to one of these is a "link write"
LINK_TABLES = frozenset(tbl for tbl, _ in LIST_INCLUDES.values()) - {"deals"}
# GET /contacts/{id} sideloads these too; the sandbox holds none, so they come back empty
EMPTY_INCLUDES = ("geoAddresses", "geoIps")
SUPPORTED_INCLUDES: tuple[str, ...] = (*LIST_INCLUDES, *EMPTY_INCLUDES)

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

# append-only logs POST /__sandbox/append extends: table -> field holding the parent id,
# parent table
APPEND_LOGS: dict[str, tuple[str, str]] = {
    "emailActivities": ("subscriberid", "contacts"),
    "dealActivities": ("d_dealid", "deals"),
    "activities": ("contact", "contacts"),
    "bounceLogs": ("contact", "contacts"),
    "contactConversions": ("contact", "contacts"),
    "conversions": ("", ""),
    "ecomOrderActivities": ("ecomOrderid", "ecomOrders"),
    "notes": ("relid", "contacts"),
    "contactEmails": ("contact", "contacts"),
}
# fields of an appended row that name the same parent as its parent field
_PARENT_ALIASES = {
    "emailActivities": ("relid",),
    "activities": ("subscriberid",),
}
_APPEND_SALT = 0xA99E


# -- reading ---------------------------------------------------------------------------------
def contact_children(acct: AccountState, table: str, field: str, contact: int) -> list[int]:
    """Ids of one contact's rows in a child table, through that table's index."""
    t = acct.world.tables.get(table)
    if t is None:
        return []
    return t.children_by(field, contact)


def requested_includes(acct: AccountState, raw: str | None) -> list[str]:
    """The honoured names among a comma-separated include= value, in request order."""
    if not raw:
        return []
    out: list[str] = []
    for part in raw.split(","):
        name = part.strip()
        if name in acct.list_includes and name not in out:
            out.append(name)
    return out


def include_body(acct: AccountState, names: list[str], contacts: list[int]) -> dict[str, Any]:
    """Top-level arrays of the page's children, rendered as their own list endpoint does."""
    body: dict[str, Any] = {}
    for name in names:
        if name in EMPTY_INCLUDES:
            body[name] = []
            continue
        table, field = LIST_INCLUDES[name]
        rows = []
        for c in contacts:
            for j in contact_children(acct, table, field, c):
                rec = acct.render(table, j)
                if rec is not None:
                    rows.append(rec)
        body[name] = rows
    return body


# -- link writes -----------------------------------------------------------------------------
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


# -- deleting --------------------------------------------------------------------------------
def delete_cascade(acct: AccountState, name: str, i: int) -> dict[str, list[int]]:
    """Delete one row and every row that goes with it; returns the ids removed per table."""
    gone: dict[str, list[int]] = {}
    _delete(acct, name, i, gone)
    return gone


def _delete(acct: AccountState, name: str, i: int, gone: dict[str, list[int]]) -> None:
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
            _delete(acct, child, j, gone)
    reltype = NOTE_RELTYPES.get(name)
    notes = acct.world.tables.get("notes")
    if reltype is not None and notes is not None:
        for j in notes.children_by("relid", i):
            if notes.value(j, "reltype") == reltype:
                _delete(acct, "notes", j, gone)
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


# -- control operations ----------------------------------------------------------------------
def delete_rows(acct: AccountState, name: str, ids: list[Any]) -> dict[str, list[int]]:
    """POST /__sandbox/delete: remove rows of any table (links cascade as for DELETE)."""
    gone: dict[str, list[int]] = {}
    with acct.lock:
        for x in ids:
            try:
                i = int(str(x))
            except ValueError:
                continue
            _delete(acct, name, i, gone)
        acct.bump()
    return gone


def append_rows(acct: AccountState, name: str, count: int) -> list[int]:
    """POST /__sandbox/append: new log rows with new, increasing ids, stamped now, each
    shaped like an existing row and linked to an existing parent."""
    t = acct.world.tables[name]
    parent_field, parent_table = APPEND_LOGS[name]
    out: list[int] = []
    with acct.lock:
        template_ids = t.ids
        parents = acct.world.tables[parent_table].ids if parent_table else ()
        if not template_ids or (parent_table and not parents):
            return []
        for k in range(max(0, int(count))):
            v = h1(acct.world.seed, _APPEND_SALT, t.next_id + k)
            tmpl = t.get(template_ids[v % len(template_ids)]) or {}
            rec = {key: val for key, val in tmpl.items() if key not in ("id", "links")}
            now = time.time()
            for key, val in rec.items():
                if _looks_like_time(val):
                    rec[key] = now_like(val, now)
            if parent_table:
                p = str(parents[(v >> 20) % len(parents)])
                rec[parent_field] = p
                for alias in _PARENT_ALIASES.get(name, ()):
                    if alias in rec:
                        rec[alias] = p
                if name == "notes":
                    rec["reltype"] = "Subscriber"
                    rec["owner"] = {"type": "contact", "id": p}
                if name == "emailActivities":
                    rec["reltype"], rec["d_id"] = "Subscriber", "0"
            rec["id"] = None
            j = t.insert(rec)
            out.append(j)
        acct.bump()
    return out


def _looks_like_time(v: Any) -> bool:
    s = v if isinstance(v, str) else ""
    return len(s) >= 19 and s[4:5] == "-" and s[7:8] == "-" and not s.startswith("0000")


def mutate_with_links(
    acct: AccountState, fraction: float | None = None, ids: list[Any] | None = None
) -> dict[str, list[int]]:
    """POST /__sandbox/mutate {"resource": "contacts", "with_links": true}: per contact,
    change the contact AND one field value, add a tag link and change a list membership."""
    w = acct.writes
    out: dict[str, list[int]] = {
        "ids": [],
        "fieldValues": [],
        "contactTags": [],
        "contactLists": [],
    }
    with acct.lock:
        chosen = acct.mutate("contacts", fraction=fraction, ids=ids)
        tables = acct.world.tables
        ntags = len(tables["tags"])
        lists = tables["lists"].ids
        for c in chosen:
            out["ids"].append(c)
            now = time.time()
            fv = tables["fieldValues"].children("contact", c)
            fv_id = _change_field_value(acct, c, fv, now)
            if fv_id is not None:
                out["fieldValues"].append(fv_id)
            tag = _unlinked_tag(acct, c, ntags)
            if tag is None:
                tag = w.create_tag(f"mutated-{c}-{int(now)}", "contact", "", now)
            j, _ = w.link_tag(c, tag, now)
            out["contactTags"].append(j)
            cl = tables["contactLists"].children("contact", c)
            if cl:
                j = cl[0]
                status = "1" if str(tables["contactLists"].value(j, "status")) == "2" else "2"
                lst = int(str(tables["contactLists"].value(j, "list")))
                j, _ = w.set_list_status(c, lst, status, now, "4", force=True)
            elif lists:
                j, _ = w.set_list_status(c, lists[c % len(lists)], "1", now)
            out["contactLists"].append(j)
        acct.bump()
    return out


def _unlinked_tag(acct: AccountState, c: int, ntags: int) -> int | None:
    """A tag the contact does not have yet (a seeded pick), or None if it has them all."""
    ct = acct.world.tables["contactTags"]
    have = {str(ct.value(j, "tag")) for j in ct.children("contact", c)}
    start = h1(acct.world.seed, 77, c)
    for k in range(ntags):
        tag = (start + k) % ntags + 1
        if str(tag) not in have and acct.world.tables["tags"].exists(tag):
            return tag
    return None


def _change_field_value(acct: AccountState, c: int, fv: list[int], now: float) -> int | None:
    """Change the value of the contact's first text-like field value (or set field 1)."""
    t = acct.world.tables["fieldValues"]
    for j in fv:
        field = int(str(t.value(j, "field")))
        ftype = str(acct.world.tables["fields"].value(field, "type") or "")
        if ftype in ("text", "textarea", "hidden"):
            base = str(t.value(j, "value") or "").split(" ~", 1)[0]
            return acct.writes.set_field_value(c, field, f"{base} ~{int(now) % 100000}", now)[0]
    fields = acct.world.tables["fields"]
    for f in fields.ids:
        if str(fields.value(f, "type")) in ("text", "textarea"):
            return acct.writes.set_field_value(c, f, f"mutated ~{int(now) % 100000}", now)[0]
    return None


# -- settings and the control API ------------------------------------------------------------
CONFIG_KEYS = ("filter_time_reading", "list_includes", "link_writes_bump_contact_udate")


def config_error(kw: dict[str, Any]) -> str | None:
    """Why a /__sandbox/config body's capture settings are unusable, or None."""
    reading = kw.get("filter_time_reading")
    if reading is not None and reading not in FILTER_TIME_READINGS:
        return f"filter_time_reading must be one of {', '.join(FILTER_TIME_READINGS)}"
    inc = kw.get("list_includes")
    if inc is not None and not isinstance(inc, list | tuple | str):
        return "list_includes must be a list of include names (or a comma-separated string)"
    return None


def configure(acct: AccountState, kw: dict[str, Any]) -> None:
    """Apply the capture settings present (and not None) in `kw`."""
    reading = kw.get("filter_time_reading")
    if reading is not None:
        if reading not in FILTER_TIME_READINGS:
            raise ValueError(f"filter_time_reading must be one of {FILTER_TIME_READINGS}")
        if reading != acct.filter_time_reading:
            acct.filter_time_reading = reading
            acct.bump()  # cached filter results were read the other way
    inc = kw.get("list_includes")
    if inc is not None:
        names = inc.split(",") if isinstance(inc, str) else inc
        acct.list_includes = tuple(n.strip() for n in names if n.strip() in SUPPORTED_INCLUDES)
    bump = kw.get("link_writes_bump_contact_udate")
    if bump is not None:
        acct.link_writes_bump_contact_udate = bool(bump)


def config(acct: AccountState) -> dict[str, Any]:
    return {
        "filter_time_reading": acct.filter_time_reading,
        "list_includes": list(acct.list_includes),
        "link_writes_bump_contact_udate": acct.link_writes_bump_contact_udate,
    }
