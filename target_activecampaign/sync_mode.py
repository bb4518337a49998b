"""`sync_mode`: whether a record may create, update, or both (contacts, accounts and deals).

A record the chosen mode does not allow is *skipped*: counted per stream in the summary, never
written and never a reject (the user asked for it). `update_only` never creates; `create_only`
leaves an existing object exactly as it is.
"""

from __future__ import annotations

from target_activecampaign.resolver import Resolver
from target_activecampaign.values import email_key

UPSERT = "upsert"
UPDATE_ONLY = "update_only"
CREATE_ONLY = "create_only"
SYNC_MODES = (UPSERT, UPDATE_ONLY, CREATE_ONLY)
#: Object types `sync_mode` applies to (contact links, notes, ... are always written).
SYNC_MODE_TYPES = ("contacts", "accounts", "deals")


class Skipped(Exception):
    """The record is not written because the user's `sync_mode` says so."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def skip_reason(mode: str, exists: bool, what: str) -> str | None:
    """Why `mode` skips a record whose object does (not) exist yet, or None to write it."""
    if mode == UPDATE_ONLY and not exists:
        return f"sync_mode update_only: no existing {what} matches, nothing created"
    if mode == CREATE_ONLY and exists:
        return f"sync_mode create_only: an existing {what} matches and is left as it is"
    return None


class SyncGate:
    """Applies `sync_mode` to one run; asks the account only when the mode needs to know."""

    def __init__(self, mode: str, resolver: Resolver) -> None:
        if mode not in SYNC_MODES:
            raise ValueError(f"sync_mode must be one of {', '.join(SYNC_MODES)}, not {mode!r}")
        self.mode = mode
        self.resolver = resolver
        self._passed: set[str] = set()  # emails let through this run (they exist once written)

    @property
    def active(self) -> bool:
        return self.mode != UPSERT

    @property
    def creates(self) -> bool:
        """Whether objects a record refers to (an account by name) may be created."""
        return self.mode != UPDATE_ONLY

    def check(self, what: str, exists: bool) -> None:
        """Raise Skipped when the mode does not allow writing this (existing or new) object."""
        reason = skip_reason(self.mode, exists, what)
        if reason is not None:
            raise Skipped(reason)

    def check_contact(self, email: str) -> None:
        """Contacts are matched by email; one written earlier in this run exists by now."""
        if not self.active:
            return
        key = email_key(email)
        exists = key in self._passed or self.resolver.contact_exists(email)
        self.check("contact", exists)
        self._passed.add(key)
