"""Children of contacts read with the contacts pages (``include=``), at no extra request.

``GET /contacts?include=fieldValues,contactTags,...`` carries, beside ``contacts``, every row of
each included child of the contacts in that page. Which values an account honours is not
documented: one that is not served is simply absent from a page that has contacts. Such a
child falls back to reading its own endpoint (see ``changes``), and the contacts stream keeps
what it learnt in its state for runs whose contacts read finds nothing to probe with.
"""

from __future__ import annotations

import datetime as dt
import typing as t

INCLUDES_KEY = "includes"


class SideloadedStream(t.Protocol):
    """What a child stream offers the contacts read (the base stream has all of it); a
    protocol, so this module needs nothing from the stream modules that use it."""

    track_deletions: bool

    @property
    def capture(self) -> t.Any: ...

    def emit_sideloaded(self, rows: list[dict], *, whole: bool) -> None: ...


class Sideloads:
    """The children one contacts read carries, and what the account was seen to serve."""

    def __init__(
        self, children: dict[str, SideloadedStream], known: dict[str, bool], *, whole: bool
    ) -> None:
        self.children = children
        self.known = dict(known)  # include value -> served, from earlier runs
        self.seen: dict[str, bool] = {}  # learnt in this run
        self.whole = whole
        self.finished = False
        self.resumed = False
        self.started = dt.datetime.now(dt.UTC)
        if whole:
            for child in children.values():
                if child.track_deletions:
                    child.capture.begin_whole()

    @property
    def include(self) -> str:
        """The ``include`` parameter value."""
        return ",".join(self.children)

    def take(self, body: t.Any) -> None:
        """Emit the children a page carries; note which were absent from it."""
        if not isinstance(body, dict) or not body.get("contacts"):
            return
        seen = self.seen
        for key, child in self.children.items():
            rows = body.get(key)
            if isinstance(rows, list):
                seen.setdefault(key, True)
                if rows:
                    child.emit_sideloaded(rows, whole=self.whole)
            else:
                seen[key] = False

    def served(self, key: str) -> bool:
        """Whether this run's contacts read carried ``key`` (or, having had nothing to
        probe with, whether an earlier run's did)."""
        if key not in self.children:
            return False
        if key in self.seen:
            return self.seen[key]
        return bool(self.known.get(key))

    @property
    def whole_complete(self) -> bool:
        """The contacts read was whole, finished and not resumed: a whole read of the
        children it carried."""
        return self.whole and self.finished and not self.resumed

    def learnt(self) -> dict[str, bool]:
        """What to keep in the contacts state."""
        return {**self.known, **self.seen}
