"""List queries: documented filters, ordering and limit/offset paging over a Table.

Filtered id lists are cached per (query, store version), so paging through one filtered
query with ``offset`` or ``id_greater`` scans the table once, not once per page.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from .protocol import Params
from .resources import Spec
from .state import AccountState
from .store import Table
from .util import ACCOUNT_TZ, parse_filter_bound, parse_ts

Pred = Callable[[int], bool]
MAX_LIMIT = 100

# parameters that never change which rows match
PAGING = {
    "limit",
    "offset",
    "id_greater",
    "id_less",
    "api_key",
    "include",
    "count_deals",
    "showFields",
}


def int_or(v: str | None, default: int | None) -> int | None:
    if v is None:
        return default
    try:
        return int(str(v).strip())
    except ValueError:
        return default


def limit_offset(params: Params, default_limit: int = 20) -> tuple[int, int]:
    limit = int_or(params.get("limit"), default_limit)
    limit = default_limit if limit is None else max(1, min(MAX_LIMIT, limit))
    offset = int_or(params.get("offset"), 0) or 0
    return limit, max(0, offset)


def ts_of(table: Table, i: int, field: str) -> float | None:
    if i not in table.over:
        fn = table.fast.get("_ts:" + field)
        if fn is not None:
            return fn(i)
    return parse_ts(table.value(i, field))


def date_pred(table: Table, field: str, op: str, raw: str, reading: str = "offset") -> Pred | None:
    """Inclusive bound: a bare date compares by calendar day, a datetime exactly.

    `reading` "account_wall_time" ignores any offset in the value and reads its wall time in
    the account's zone (what some accounts are reported to do with these string filters).
    """
    bound = parse_filter_bound(raw, wall_time=reading == "account_wall_time")
    if bound is None:
        return None
    kind, val = bound
    if kind == "day":
        # by calendar day in the account zone == against that day's first/next midnight
        start = datetime(val.year, val.month, val.day, tzinfo=ACCOUNT_TZ).timestamp()
        if op == "ge":
            return lambda i: (t := ts_of(table, i, field)) is not None and t >= start
        end = start + 86400
        return lambda i: (t := ts_of(table, i, field)) is not None and t < end
    if op == "ge":
        return lambda i: (t := ts_of(table, i, field)) is not None and t >= val
    return lambda i: (t := ts_of(table, i, field)) is not None and t <= val


OPS: dict[str, Callable[[Any, str], bool]] = {
    "eq": lambda a, b: a == b,
    "neq": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "contains": lambda a, b: b in a,
    "starts_with": lambda a, b: a.startswith(b),
}


def _norm(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    return str(v).lower()


def eq_pred(table: Table, field: str, want: str, op: str = "eq") -> Pred:
    w = want.lower()
    fn = OPS.get(op, OPS["eq"])
    return lambda i: fn(_norm(table.value(i, field)), w)


def like_pred(table: Table, field: str, want: str) -> Pred:
    w = want.lower()
    return lambda i: w in _norm(table.value(i, field))


def generic_preds(table: Table, spec: Spec, params: Params, reading: str = "offset") -> list[Pred]:
    preds: list[Pred] = []
    for k, v in params.last.items():
        if k in spec.eq:
            preds.append(eq_pred(table, spec.eq[k], v))
        elif k in spec.like:
            if v != "":
                preds.append(like_pred(table, spec.like[k], v))
        elif k in spec.date_filters:
            fld, op = spec.date_filters[k]
            p = date_pred(table, fld, op, v, reading)
            if p is not None:
                preds.append(p)
        elif k.startswith("filters[") and k.endswith("]") and "][" in k:
            base, _, op = k[:-1].partition("][")
            base += "]"
            if base in spec.eq and op in OPS:
                preds.append(eq_pred(table, spec.eq[base], v, op))
    return preds


def order_of(params: Params) -> tuple[str, bool]:
    """(field, descending) of the first orders[...] parameter; id ascending by default."""
    for k, v in params.pairs:
        if k.startswith("orders[") and k.endswith("]"):
            return k[7:-1], v.strip().upper() == "DESC"
    return "id", False


def run(
    acct: AccountState,
    name: str,
    table: Table,
    spec: Spec,
    params: Params,
    extra: list[Pred] | None = None,
    candidates: Sequence[int] | None = None,
    order_fields: frozenset[str] | None = None,
    key_extra: tuple = (),
    id_filters: bool = False,
) -> tuple[list[int], int, int, int]:
    """Matching ids for one page: (page ids, filtered total, limit, offset)."""
    limit, offset = limit_offset(params, spec.default_limit)
    preds = generic_preds(table, spec, params, acct.filter_time_reading) + (extra or [])
    field, desc = order_of(params)
    if order_fields is not None and field not in order_fields:
        field, desc = "id", False
    field = spec.order_alias.get(field, field)
    # id_greater/id_less are "currently only available with the Contacts endpoint": elsewhere
    # they are unknown parameters and ignored, as the service does
    greater = int_or(params.get("id_greater"), None) if id_filters else None
    less = int_or(params.get("id_less"), None) if id_filters else None

    if field != "id":
        if greater is not None:
            preds.append(lambda i: i > greater)
        if less is not None:
            preds.append(lambda i: i < less)
        greater = less = None

    if not preds and candidates is None and field == "id":
        seq: Sequence[int] = table.ids
    else:
        key = (
            name,
            acct.version,
            tuple(
                sorted(
                    (k, v)
                    for k, v in params.pairs
                    if k not in PAGING and not k.startswith("orders[")
                )
            ),
            field if field != "id" else "",
            desc if field != "id" else False,
            key_extra,
            greater if field != "id" else None,
            less if field != "id" else None,
        )
        cached = acct.cache.get(key)
        if cached is None:
            base = table.ids if candidates is None else candidates
            found = [i for i in base if all(p(i) for p in preds)] if preds else list(base)
            if field != "id":
                found.sort(key=lambda i: _sort_key(table, i, field), reverse=desc)
            cached = array("l", found)  # 8 bytes an id: cached results stay small
            acct.cache.put(key, cached)
        seq = cached
        if field != "id":
            total = len(seq)
            return list(seq[offset : offset + limit]), total, limit, offset

    lo = 0 if greater is None else bisect_right(seq, greater)
    hi = len(seq) if less is None else bisect_left(seq, less)
    total = max(0, hi - lo)
    if offset >= total:
        return [], total, limit, offset
    if desc:
        start = hi - 1 - offset
        stop = max(lo - 1, start - limit)
        page = [seq[j] for j in range(start, stop, -1)]
    else:
        page = list(seq[lo + offset : min(hi, lo + offset + limit)])
    return page, total, limit, offset


def _sort_key(table: Table, i: int, field: str) -> tuple:
    t = table.fast.get("_ts:" + field)
    if t is not None and i not in table.over:
        return (0, t(i), i)
    v = table.value(i, field)
    if v is None:
        return (-1, 0.0, i)
    s = str(v)
    ts = parse_ts(s) if len(s) >= 10 and s[4:5] == "-" else None
    if ts is not None:
        return (0, ts, i)
    try:
        return (0, float(s), i)
    except ValueError:
        return (1, s.lower(), i)
