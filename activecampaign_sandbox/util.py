"""Small helpers shared by the sandbox: a cheap deterministic hash RNG and time formatting.

Records are rendered on demand from (seed, resource, id), so the generator needs a hash that
is fast in pure Python and stable across runs (``hash()`` is salted per process).
"""

from __future__ import annotations

import re
import time
import zlib
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

M64 = (1 << 64) - 1
DAY_S = 86400

# The emulated account's time zone. The real service formats most timestamps in the account's
# zone with an offset; a fixed offset keeps output deterministic (no DST jumps).
ACCOUNT_TZ = timezone(timedelta(hours=-5))

# Generated data ends here (fixed so the same seed gives the same data on any day) and spreads
# back over about two years. Writes made at run time use the real clock, which is later.
ANCHOR_TS = int(datetime(2026, 6, 1, tzinfo=UTC).timestamp())
SPAN_S = 730 * 86400
START_TS = ANCHOR_TS - SPAN_S

ZERO_DATETIME = "0000-00-00 00:00:00"
ZERO_DATE = "0000-00-00"


def mix64(x: int) -> int:
    """SplitMix64 finaliser: spreads an integer over 64 bits."""
    x = (x + 0x9E3779B97F4A7C15) & M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


def salt_of(name: str) -> int:
    """Stable per-resource salt."""
    return zlib.crc32(name.encode())


_BASES: dict[tuple[int, int], int] = {}


def _base(seed: int, salt: int) -> int:
    b = _BASES.get((seed, salt))
    if b is None:
        b = _BASES[(seed, salt)] = mix64((seed & M64) ^ (salt << 17))
    return b


class H:
    """A tiny deterministic stream of random numbers for one (seed, salt, id)."""

    __slots__ = ("x",)

    def __init__(self, seed: int, salt: int, i: int) -> None:
        b = _BASES.get((seed, salt))
        self.x = mix64((b if b is not None else _base(seed, salt)) ^ i)

    def n(self, k: int) -> int:
        """Integer in [0, k)."""
        self.x = mix64(self.x)
        return self.x % k if k > 0 else 0

    def f(self) -> float:
        """Float in [0, 1)."""
        self.x = mix64(self.x)
        return (self.x >> 11) / 9007199254740992.0

    def pick(self, seq):
        return seq[self.n(len(seq))]

    def hex(self, chars: int = 32) -> str:
        out = ""
        while len(out) < chars:
            self.x = mix64(self.x)
            out += f"{self.x:016x}"
        return out[:chars]


def h1(seed: int, salt: int, i: int) -> int:
    """One 64-bit hash value; cheaper than building an H when one draw is enough."""
    b = _BASES.get((seed, salt))
    return mix64((b if b is not None else _base(seed, salt)) ^ i)


_TZ_SHIFT = -5 * 3600
_gmtime = time.gmtime


def _datetime(t: time.struct_time, sep: str) -> str:
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}{sep}"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
    )


def fmt_offset(ts: float) -> str:
    """Account-zone timestamp with offset, e.g. 2018-09-12T16:53:50-05:00."""
    return _datetime(_gmtime(int(ts) + _TZ_SHIFT), "T") + "-05:00"


def fmt_naive(ts: float) -> str:
    """Account-zone naive timestamp, e.g. 2019-11-22 14:15:37."""
    return _datetime(_gmtime(int(ts) + _TZ_SHIFT), " ")


def fmt_naive_utc(ts: float) -> str:
    return _datetime(_gmtime(int(ts)), " ")


def fmt_date(ts: float) -> str:
    t = _gmtime(int(ts) + _TZ_SHIFT)
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"


def fmt_utc_z(ts: float) -> str:
    return _datetime(_gmtime(int(ts)), "T") + "Z"


def now_like(old: object, now: float) -> str:
    """The current time formatted like an existing timestamp value."""
    s = str(old or "")
    if s.endswith("Z"):
        return fmt_utc_z(now)
    if "T" in s:
        return fmt_offset(now)
    return fmt_naive(now)


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_ts(value: object) -> float | None:
    """Parse a timestamp as the API sends it (offset, naive account time, zero date, Z)."""
    if value is None:
        return None
    s = str(value).strip()
    if not s or s.startswith("0000-00-00"):
        return None
    try:
        if _DATE_RE.match(s):
            d = date.fromisoformat(s)
            return datetime(d.year, d.month, d.day, tzinfo=ACCOUNT_TZ).timestamp()
        if s.endswith("Z"):
            s = s[:-1] + "+00:00"
        dt = datetime.fromisoformat(s)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=ACCOUNT_TZ)
    return dt.timestamp()


_OFFSET_TAIL = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


def parse_filter_bound(value: str, wall_time: bool = False) -> tuple[str, object] | None:
    """A date filter value: ("day", date) for YYYY-MM-DD, ("ts", epoch) for a datetime.

    With `wall_time` an offset in the value is dropped: the wall time is read in the
    account's zone.
    """
    s = value.strip()
    if _DATE_RE.match(s):
        try:
            return ("day", date.fromisoformat(s))
        except ValueError:
            return None
    if "T" in s and " " in s:
        s = s.replace(" ", "+")  # an unencoded "+hh:mm" offset arrives as a space
    elif " " in s:
        s = s.replace(" ", "T", 1)
    if wall_time and len(s) > 10:
        s = _OFFSET_TAIL.sub("", s)
    ts = parse_ts(s)
    if ts is None:
        return None
    return ("ts", ts)


def list_row(name: str, stringid: str, cdate: str, **values: Any) -> dict[str, Any]:
    """A `lists` row with the API's full shape: list settings at their defaults, then `values`
    (sender details, notify addresses, udate, user, id, ...) in place."""
    row: dict[str, Any] = {
        "stringid": stringid,
        "userid": "1",
        "name": name,
        "cdate": cdate,
        "p_use_tracking": "1",
        "p_use_analytics_read": "0",
        "p_use_analytics_link": "0",
        "p_use_twitter": "0",
        "p_use_facebook": "0",
        "p_embed_image": "1",
        "p_use_captcha": "1",
        "send_last_broadcast": "0",
        "private": "0",
        "analytics_domains": None,
        "analytics_source": "",
        "analytics_ua": "",
        "twitter_token": "",
        "twitter_token_secret": "",
        "facebook_session": None,
        "carboncopy": None,
        "subscription_notify": None,
        "unsubscription_notify": None,
        "require_name": "0",
        "get_unsubscribe_reason": "0",
        "to_name": "Subscriber",
        "optinoptout": "1",
        "sender_name": "",
        "sender_addr1": "",
        "sender_addr2": "",
        "sender_city": "",
        "sender_state": "",
        "sender_zip": "",
        "sender_country": "",
        "sender_phone": "",
        "sender_url": "",
        "sender_reminder": "",
        "fulladdress": "",
        "optinmessageid": "0",
        "optoutconf": "0",
        "deletestamp": None,
        "udate": None,
        "user": "1",
    }
    row.update(values)
    return row
