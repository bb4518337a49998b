"""The control API's account side: append to logs, delete with cascades, mutate with links,
and the capture settings (how filters read times, which include= values GET /contacts honours,
whether link writes stamp the contact).

Tests and benchmarks make change through these as a user would in the app; the HTTP side of
/__sandbox/ (stats, faults, the dispatcher) is server.py's.
"""

from __future__ import annotations

import time
from typing import Any

from .contacts import SUPPORTED_INCLUDES
from .mutate import delete_into
from .options import FILTER_TIME_READINGS
from .protocol import Result
from .state import AccountState
from .util import h1, now_like

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


def delete_rows(acct: AccountState, name: str, ids: list[Any]) -> dict[str, list[int]]:
    """POST /__sandbox/delete: remove rows of any table (links cascade as for DELETE)."""
    gone: dict[str, list[int]] = {}
    with acct.lock:
        for x in ids:
            try:
                i = int(str(x))
            except ValueError:
                continue
            delete_into(acct, name, i, gone)
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


def append_or_delete(acct: AccountState, op: str, data: dict[str, Any]) -> Result:
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
