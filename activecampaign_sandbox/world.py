"""The generated account's tables and the seeded helpers every generator shares.

A `World` is only the tables (by resource name) plus the few facts several domains derive their
rows from: the seed, the number of contacts, each contact's name, email and times, and the
configuration clock. The generators that fill it are each domain's `build_config` and `build`;
keeping the shared helpers here lets a domain build on another's tables without importing it.
Everything that scales with contacts renders lazily from (seed, table, id), so 100,000
contacts start in about a second.
"""

from __future__ import annotations

import unicodedata
from array import array
from collections.abc import Sequence
from math import gcd

from . import names
from .store import Record, Table
from .util import ANCHOR_TS, DAY_S, M64, SPAN_S, START_TS, H, h1, mix64, salt_of

# configuration rows (users, lists, pipelines, ...) were created before any contact
CONFIG_TS = START_TS - 90 * DAY_S
# the account's content (templates, links, goals, ...) came after its configuration
CONTENT_TS = START_TS - 60 * DAY_S


def ascii_fold(s: str) -> str:
    return (
        unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().replace("'", "")
    ).lower()


FIRST_ASCII = tuple(ascii_fold(x) for x in names.FIRST_NAMES)
LAST_ASCII = tuple(ascii_fold(x) for x in names.LAST_NAMES)


def seeded_uuid(seed: int, salt: int, i: int) -> str:
    a = h1(seed, salt, i)
    b = h1(seed, salt + 1, i)
    s = f"{a:016x}{b:016x}"
    return f"{s[:8]}-{s[8:12]}-4{s[13:16]}-a{s[17:20]}-{s[20:32]}"


def coprime_step(n: int, start: int) -> int:
    p = start
    while n > 1 and gcd(p, n) != 1:
        p += 1
    return p


class World:
    """All tables of one emulated account."""

    def __init__(self, seed: int = 1, contacts: int = 200) -> None:
        self.seed = int(seed)
        self.n = max(0, int(contacts))
        self.tables: dict[str, Table] = {}
        self._email_index: dict[str, int] | None = None
        self.schema_ids: list[str] = []
        #: deal stage id -> its pipeline (group) id, set by the deals generator
        self.stage_group: dict[int, int] = {}
        #: contact id -> its generated activity ids, set by the activities generator
        self.activities_by_contact: dict[int, list[int]] = {}

    def config_ts(self, table: str, i: int) -> int:
        """A configuration row's creation time: within 80 days from 90 days before START_TS."""
        return CONFIG_TS + h1(self.seed, salt_of(table), i) % (80 * DAY_S)

    def content_ts(self, table: str, i: int) -> int:
        """A content row's creation time (templates, links, goals, ...): within 50 days from 60
        days before START_TS."""
        return CONTENT_TS + h1(self.seed, salt_of(table), i) % (50 * DAY_S)

    def h(self, table: str, i: int) -> H:
        return H(self.seed, salt_of(table), i)

    def fanout(self, name: str, parents: int, choices: Sequence[int]) -> tuple[array, array]:
        """Parent id of each child row (sorted) and the row's index within its parent.

        Same values as ``choices[h1(seed, salt, p) % len(choices)]`` per parent, with the
        hash inlined: this loop is most of the start-up time at 100,000 contacts.
        """
        salt = salt_of(name + "#fan")
        base = mix64((self.seed & M64) ^ (salt << 17))
        nc = len(choices)
        ks = []
        append = ks.append
        for p in range(1, parents + 1):
            x = ((base ^ p) + 0x9E3779B97F4A7C15) & M64
            x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
            x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
            append(choices[(x ^ (x >> 31)) % nc])
        owners = array(
            "l", [p for p, k in zip(range(1, parents + 1), ks, strict=True) for _ in range(k)]
        )
        slots = array("b", [s for k in ks for s in range(k)])
        return owners, slots

    def eager(self, name: str, rows: list[Record]) -> Table:
        t = Table(name)
        for r in rows:
            t.insert(r)
        t.version = 0
        self.tables[name] = t
        return t

    def ts_between(self, hh: H, lo: int, hi: int = ANCHOR_TS) -> int:
        if hi <= lo:
            return lo
        return lo + hh.n(hi - lo)

    def contact_basics(self, i: int) -> tuple[str, str, str]:
        hh = H(self.seed, 1, i)
        fi = hh.n(len(FIRST_ASCII))
        li = hh.n(len(LAST_ASCII))
        dom = names.DOMAINS[hh.n(len(names.DOMAINS))]
        email = f"{FIRST_ASCII[fi]}.{LAST_ASCII[li]}{i}@{dom}"
        return names.FIRST_NAMES[fi], names.LAST_NAMES[li], email

    def contact_cdate(self, i: int) -> int:
        step = SPAN_S // max(self.n, 1)
        return START_TS + (i - 1) * step + h1(self.seed, 2, i) % max(step, 1)

    def contact_event(self, table: str, owners: Sequence[int], i: int) -> tuple[int, H, int]:
        """Row i of a per-contact table: its contact, its hash stream, a time after the
        contact was created (drawn first from that stream)."""
        o = owners[i - 1]
        hh = self.h(table, i)
        return o, hh, self.ts_between(hh, self.contact_cdate(o))

    def contact_udate(self, i: int) -> int:
        c = self.contact_cdate(i)
        v = h1(self.seed, 3, i)
        if v % 10 < 3:
            return c
        return c + (v >> 8) % max(ANCHOR_TS - c, 1)

    @property
    def email_index(self) -> dict[str, int]:
        """Lower-cased email -> contact id for generated contacts (built on first use)."""
        if self._email_index is None:
            t = self.tables["contacts"]
            idx = {}
            for i in t.ids:
                rec = t.over.get(i)
                em = rec["email"] if rec is not None else self.contact_basics(i)[2]
                idx[em.lower()] = i
            self._email_index = idx
        return self._email_index
