"""Compact sets of integer ids for finding deleted rows without per-row state.

A whole read of a stream collects its ids into a bitmap (one bit per possible id); the state
keeps it zlib-compressed and base64-encoded. ActiveCampaign ids are dense auto-increments, so
a million contacts with scattered deletions compress to tens of kilobytes. Comparing two reads
is big-integer arithmetic (``previous & ~current``), not a loop over rows.
"""

from __future__ import annotations

import base64
import zlib


class IdBitmap:
    """A growable set of non-negative integer ids, one bit each."""

    __slots__ = ("_bits", "count")

    def __init__(self, bits: bytes | bytearray = b"") -> None:
        self._bits = bytearray(bits)
        self.count = int.from_bytes(self._bits, "little").bit_count() if bits else 0

    def add(self, ident: int) -> None:
        """Add one id (negative ids are ignored: they cannot be ActiveCampaign ids)."""
        if ident < 0:
            return
        byte = ident >> 3
        bits = self._bits
        if byte >= len(bits):
            bits.extend(bytes(max(byte + 1 - len(bits), len(bits) // 2)))
        mask = 1 << (ident & 7)
        if not bits[byte] & mask:
            bits[byte] |= mask
            self.count += 1

    def as_int(self) -> int:
        """The set as one integer (bit n set = id n present)."""
        return int.from_bytes(self._bits, "little")

    def encode(self) -> str:
        """Compressed text for the state."""
        data = bytes(self._bits).rstrip(b"\x00")
        return base64.b64encode(zlib.compress(data, 6)).decode("ascii")

    @classmethod
    def decode(cls, text: str) -> IdBitmap:
        """The set back from ``encode``; ValueError on text that is not one."""
        try:
            return cls(zlib.decompress(base64.b64decode(text.encode("ascii"), validate=True)))
        except (zlib.error, ValueError) as exc:
            raise ValueError(f"not an encoded id set: {exc}") from None


def ids_of(value: int) -> list[int]:
    """The ids (set bits) of an integer, ascending; cheap when few bits are set."""
    found: list[int] = []
    while value:
        low = value & -value
        found.append(low.bit_length() - 1)
        value ^= low
    return found


def missing_ids(previous: IdBitmap, current: IdBitmap) -> list[int]:
    """Ids in ``previous`` that ``current`` lacks."""
    return ids_of(previous.as_int() & ~current.as_int())
