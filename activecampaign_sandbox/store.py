"""Record storage: lazily rendered generated rows plus materialised written rows.

Generated records are not kept in memory as dicts (100,000 contacts would cost hundreds of MB):
a table knows how many it generated and renders one on demand from its id. A record that is
written (created, updated, mutated) is materialised into ``over`` and wins from then on.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

Record = dict[str, Any]


class Table:
    """One resource's rows, ordered by integer id."""

    def __init__(
        self,
        name: str,
        gen: Callable[[int], Record] | None = None,
        gen_count: int = 0,
        fast: dict[str, Callable[[int], Any]] | None = None,
        owner_field: str | None = None,
        owners: Sequence[int] | None = None,
    ) -> None:
        self.name = name
        self.gen = gen
        self.gen_count = gen_count if gen else 0
        self.fast = fast or {}
        self.over: dict[int, Record] = {}
        self.deleted: set[int] = set()
        self._ids: Sequence[int] = range(1, self.gen_count + 1)
        self.next_id = self.gen_count + 1
        self.version = 0
        # For generated rows grouped by a parent (e.g. contactTags by contact) the parent ids
        # in row order, sorted, so children of one parent are found by bisect.
        self.owner_field = owner_field
        self.owners = owners
        # written rows by owner value, so children() never scans all written rows
        self._over_by_owner: dict[str, set[int]] = {}
        # field -> value -> row ids, for children_by() on a field other than the owner
        # (built on first use by one scan, then kept up to date by every write)
        self._by: dict[str, dict[str, set[int]]] = {}

    def _index(self, i: int, rec: Record | None, add: bool) -> None:
        if rec is not None:
            for fld, idx in self._by.items():
                if add:
                    idx.setdefault(str(rec.get(fld)), set()).add(i)
        if self.owner_field is None or rec is None:
            return
        key = str(rec.get(self.owner_field))
        if add:
            self._over_by_owner.setdefault(key, set()).add(i)
        else:
            ids = self._over_by_owner.get(key)
            if ids is not None:
                ids.discard(i)

    # -- reading -----------------------------------------------------------------------------
    @property
    def ids(self) -> Sequence[int]:
        return self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def exists(self, i: int) -> bool:
        if i in self.over:
            return True
        return 1 <= i <= self.gen_count and i not in self.deleted

    def get(self, i: int) -> Record | None:
        rec = self.over.get(i)
        if rec is not None:
            return rec
        if 1 <= i <= self.gen_count and i not in self.deleted and self.gen is not None:
            return self.gen(i)
        return None

    def value(self, i: int, field: str) -> Any:
        """One field of a row, using a fast column function for untouched generated rows."""
        rec = self.over.get(i)
        if rec is not None:
            return rec.get(field)
        fn = self.fast.get(field)
        if fn is not None:
            return fn(i)
        rec = self.get(i)
        return None if rec is None else rec.get(field)

    def child_where(self, field: str, parent: int, key: str, value: Any) -> int | None:
        """The first row under ``parent`` whose ``key`` is ``value`` (compared as text)."""
        want = str(value)
        hits = (j for j in self.children(field, parent) if str(self.value(j, key)) == want)
        return next(hits, None)

    def children(self, field: str, parent: int) -> list[int]:
        """Ids of rows whose ``field`` equals ``parent`` (bisect on generated rows)."""
        pstr = str(parent)
        if field == self.owner_field and self.owners is not None:
            lo = bisect_left(self.owners, parent)
            hi = bisect_right(self.owners, parent)
            out = [
                i + 1
                for i in range(lo, hi)
                if (i + 1) not in self.deleted and (i + 1) not in self.over
            ]
            out.extend(self._over_by_owner.get(pstr, ()))
            out.sort()
            return out
        return [i for i in self._ids if str(self.value(i, field)) == pstr]

    def children_by(self, field: str, parent: int | str) -> list[int]:
        """Like children(), for any field, through a per-field index instead of a scan.

        Index entries are checked against the row on the way out, so an entry left behind
        by a changed row never answers wrongly.
        """
        if field == self.owner_field and self.owners is not None:
            return self.children(field, int(parent))
        idx = self._by.get(field)
        if idx is None:
            idx = {}
            for i in self._ids:
                idx.setdefault(str(self.value(i, field)), set()).add(i)
            self._by[field] = idx
        pstr = str(parent)
        return sorted(
            i for i in idx.get(pstr, ()) if self.exists(i) and str(self.value(i, field)) == pstr
        )

    # -- writing -----------------------------------------------------------------------------
    def _ids_as_list(self) -> list[int]:
        if not isinstance(self._ids, list):
            self._ids = list(self._ids)
        return self._ids  # type: ignore[return-value]

    def insert(self, rec: Record) -> int:
        i = self.next_id
        self.next_id += 1
        rec["id"] = str(i) if "id" not in rec or rec["id"] is None else rec["id"]
        self.over[i] = rec
        self._index(i, rec, True)
        self._ids_as_list().append(i)
        self.version += 1
        return i

    def put(self, i: int, rec: Record) -> None:
        """Replace a row (materialising a generated one)."""
        self._index(i, self.over.get(i), False)
        self.over[i] = rec
        self._index(i, rec, True)
        self.version += 1

    def materialize(self, i: int) -> Record | None:
        rec = self.over.get(i)
        if rec is not None:
            return rec
        rec = self.get(i)
        if rec is None:
            return None
        rec = dict(rec)
        self.over[i] = rec
        self._index(i, rec, True)
        return rec

    def delete(self, i: int) -> bool:
        if not self.exists(i):
            return False
        self._index(i, self.over.pop(i, None), False)
        if i <= self.gen_count:
            self.deleted.add(i)
        ids = self._ids_as_list()
        pos = bisect_left(ids, i)
        if pos < len(ids) and ids[pos] == i:
            del ids[pos]
        self.version += 1
        return True

    def touch(self) -> None:
        self.version += 1


class QueryCache:
    """Small LRU of filtered id lists, keyed by table version so writes invalidate it."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._d: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        with self._lock:
            v = self._d.get(key)
            if v is not None:
                self._d.move_to_end(key)
            return v

    def put(self, key: tuple, value: Any) -> None:
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            while len(self._d) > self.size:
                self._d.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._d.clear()


def owned_table(
    name: str,
    gen: Callable[[int], Record],
    owners: Sequence[int],
    owner_field: str,
    fast: dict[str, Callable[[int], Any]] | None = None,
) -> Table:
    """A generated child table whose rows are grouped by parent id (`owners`, in row order).

    The parent column is answered from `owners` so filters on it never generate a row.
    """
    return Table(
        name,
        gen,
        len(owners),
        fast={**(fast or {}), owner_field: lambda i: str(owners[i - 1])},
        owner_field=owner_field,
        owners=owners,
    )
