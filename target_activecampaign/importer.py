"""Contacts in bulk: `POST /import/bulk_import`, confirmed through `GET /import/info`.

Why it is shaped like this:
- An import is asynchronous. Submitting many back to back and confirming them later lets the
  waits overlap, so a drain of 20 imports costs about 20 submissions + 20 confirmations instead
  of 20 x (submit + wait + poll).
- One invalid contact makes the API refuse the whole request (400 with `failureReasons`), so
  contacts are validated before sending; whatever the API still refuses is taken out by index
  and the rest resubmitted. A 400 that names no contact is bisected.
- Contacts the finished import lists under `failure` are retried one by one through
  `POST /contact/sync` (plus the link endpoints for tags, lists and account), whose answer
  says exactly what is wrong; only then is a record rejected.
- ActiveCampaign allows 100 multi-contact imports a minute (over it: 400 "Rate limit
  exceeded."), so a sliding window keeps us under it and a refusal waits and retries.
"""

from __future__ import annotations

import logging
import math
import time
import typing as t
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field

from activecampaign_http import ApiClient, ApiError, AuthError, RetriesExhaustedError, poll
from target_activecampaign.contact_contract import sync_body
from target_activecampaign.import_sizing import (
    MAX_IMPORT_CONTACTS,
    chunk_entries,
    entry_size,
    import_body,
    import_done,
    parse_bulk_answer,
)
from target_activecampaign.rejects import Ledger, Reject
from target_activecampaign.resolver import Resolver
from target_activecampaign.values import api_error_text, email_key, is_duplicate_error

Ref = tuple[str, str, t.Any]  # (stream, object type, record)
FATAL = (AuthError, RetriesExhaustedError)  # the run cannot go on: never a reject


@contextmanager
def refusals_as_rejects(what: str | None = None) -> t.Iterator[None]:
    """Turn an ApiError the run can survive into a Reject ("<what>: <error>"); FATAL passes."""
    try:
        yield
    except FATAL:
        raise
    except ApiError as exc:
        raise Reject(f"{what}: {exc}" if what else str(exc), exc.body) from exc


@dataclass
class Item:
    """One contact of an import, and the input records it accounts for."""

    entry: dict[str, t.Any]
    refs: list[Ref]
    after: list[t.Callable[[], None]] = field(default_factory=list)
    size: int = 0

    def __post_init__(self) -> None:
        if not self.size:
            self.size = entry_size(self.entry)

    @property
    def key(self) -> str:
        return email_key(self.entry["email"])


@dataclass
class Pending:
    batch_id: str
    items: list[Item]
    submitted_at: float
    attempt: int = 1


class ImportWindow:
    """At most `per_minute` imports in any 60 s, counted client-side."""

    def __init__(self, per_minute: int, clock=time.monotonic, sleep=time.sleep) -> None:
        self.per_minute = per_minute
        self.sent: deque[float] = deque()
        self._clock = clock
        self._sleep = sleep

    def acquire(self) -> None:
        while True:
            now = self._clock()
            while self.sent and now - self.sent[0] >= 60.0:
                self.sent.popleft()
            if len(self.sent) < self.per_minute:
                self.sent.append(now)
                return
            self._sleep(60.0 - (now - self.sent[0]) + 0.05)


def balanced_max(n: int, cap: int = MAX_IMPORT_CONTACTS) -> int:
    """Contacts per request so a group splits evenly (2501 -> 11 x 228, not 10 x 250 + 1)."""
    if n <= cap:
        return max(n, 1)
    return math.ceil(n / math.ceil(n / cap))


class BulkImporter:
    """Submits contact imports, confirms them, isolates and retries what failed."""

    def __init__(
        self,
        client: ApiClient,
        resolver: Resolver,
        ledger: Ledger,
        logger: logging.Logger,
        *,
        dry_run: bool = False,
        max_pending_imports: int = 20,
        imports_per_minute: int = 95,
        sync_max_requests: int = 10,
        exclude_automations: bool = False,
        poll_interval: float = 0.5,
        poll_max_interval: float = 4.0,
        import_timeout: float = 900.0,
        sleep: t.Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.resolver = resolver
        self.ledger = ledger
        self.logger = logger
        self.dry_run = dry_run
        self.max_pending = max(1, max_pending_imports)
        self.window = ImportWindow(imports_per_minute, sleep=sleep)
        self.sync_max_requests = sync_max_requests
        self.exclude_automations = exclude_automations
        self.poll_interval = poll_interval
        self.poll_max_interval = poll_max_interval
        self.import_timeout = import_timeout
        self._sleep = sleep
        self.pending: deque[Pending] = deque()
        self.stats = {"imports": 0, "info_polls": 0, "syncs": 0, "contacts_imported": 0}

    # -- accounting --------------------------------------------------------------------------

    def _written(self, item: Item) -> None:
        try:
            with refusals_as_rejects():
                for action in item.after:
                    action()
        except Reject as exc:
            self._reject(item, f"contact written, but: {exc.reason}", exc.api_error)
            return
        for stream, _, _ in item.refs:
            self.ledger.count(stream, "written")

    def _reject(self, item: Item, reason: str, api_error: t.Any = None) -> None:
        for stream, object_type, record in item.refs:
            self.ledger.reject(stream, record, reason, api_error, object_type)

    # -- entry point -------------------------------------------------------------------------

    def add(self, items: list[Item]) -> None:
        """Write a group of contacts: one by one if that is cheaper, else as bulk imports."""
        if not items:
            return
        if self.dry_run:
            for item in items:
                for stream, _, _ in item.refs:
                    self.ledger.count(stream, "would_write")
            return
        if sum(self._sync_cost(i) for i in items) <= self.sync_max_requests:
            for item in items:
                self._sync_one(item)
            return
        cap = balanced_max(len(items))
        chunks = chunk_entries([(i.key, i.size) for i in items], max_count=cap)
        for chunk in chunks:
            self._submit([items[i] for i in chunk])
            while len(self.pending) > self.max_pending:
                self._confirm(self.pending.popleft())

    def flush(self) -> None:
        """Confirm every import submitted so far (before state is emitted)."""
        while self.pending:
            self._confirm(self.pending.popleft())

    # -- submitting --------------------------------------------------------------------------

    def _submit(self, items: list[Item], attempt: int = 1) -> None:
        """POST one import; on a 400 take out the refused contacts and resubmit the rest."""
        while items:
            self.window.acquire()
            body = import_body([i.entry for i in items], self.exclude_automations)
            try:
                resp = self.client.request(
                    "POST", "import/bulk_import", json=body, ok_statuses=(400, 413, 422)
                )
            except FATAL:
                raise
            except ApiError as exc:
                self.logger.warning("bulk import refused (%s); writing one by one", exc)
                for item in items:
                    self._sync_one(item)
                return
            self.stats["imports"] += 1
            answer = parse_bulk_answer(resp.status_code, resp.ac_json)
            if answer.ok and answer.batch_id:
                self.pending.append(Pending(answer.batch_id, items, time.monotonic(), attempt))
                self.stats["contacts_imported"] += len(items)
                return
            if answer.rate_limited:
                self.logger.info("import rate limit reached; waiting 5 s")
                self._sleep(5.0)
                continue
            if answer.failures:
                keep = []
                for idx, item in enumerate(items):
                    reason = answer.failures.get(idx)
                    if reason is None:
                        keep.append(item)
                    else:
                        self._reject(
                            item,
                            f"ActiveCampaign refused the contact: {reason}",
                            {
                                "message": answer.message,
                                "failureReason": reason,
                            },
                        )
                if len(keep) == len(items):  # indices did not match anything: isolate
                    self._bisect(items)
                    return
                items = keep
                continue
            self._bisect(items)
            return

    def _bisect(self, items: list[Item]) -> None:
        if len(items) <= 2:
            for item in items:
                self._sync_one(item)
            return
        half = len(items) // 2
        self._submit(items[:half])
        self._submit(items[half:])

    # -- confirming --------------------------------------------------------------------------

    def _import_state(self, pending: Pending) -> tuple[str, dict[str, t.Any]]:
        """One `GET /import/info`: ("pending" | "done" | "failed", the answer)."""
        try:
            info = self.client.get_json("import/info", params={"batchId": pending.batch_id})
        except FATAL:
            raise
        except ApiError as exc:  # the batch is unknown to the API: treat it as failed
            info = {"status": "failed", "error": str(exc)}
        self.stats["info_polls"] += 1
        return import_done(info), info

    def _confirm(self, pending: Pending) -> None:
        wait = max(0.0, 1.0 - (time.monotonic() - pending.submitted_at))
        if wait:
            self._sleep(wait)  # the status reads `false` within a second of submitting
        state, info = poll(
            lambda: self._import_state(pending),
            pending=lambda answer: answer[0] == "pending",
            first=self.poll_interval,
            growth=1.5,
            ceiling=self.poll_max_interval,
            timeout=self.import_timeout,
        )
        if state == "pending":
            self.logger.warning(
                "import %s unfinished after %.0f s; writing its contacts one by one",
                pending.batch_id,
                self.import_timeout,
            )
            state, pending.attempt = "failed", 2
        if state == "failed":
            if pending.attempt < 2:
                self.logger.warning("import %s ended %s; resubmitting", pending.batch_id, info)
                self._submit(pending.items, pending.attempt + 1)
                return
            for item in pending.items:
                self._sync_one(item)
            return
        failed = {email_key(str(e)) for e in (info.get("failure") or [])}
        for item in pending.items:
            if item.key in failed:
                self._sync_one(item)  # the one-contact answer says what is wrong
            else:
                self._written(item)

    # -- one contact at a time ---------------------------------------------------------------

    @staticmethod
    def _sync_cost(item: Item) -> int:
        e = item.entry
        return (
            1
            + len(e.get("tags", []))
            + len(e.get("subscribe", []))
            + len(e.get("unsubscribe", []))
            + (2 if e.get("customer_acct_name") else 0)
            + len(item.after)
        )

    def _sync_one(self, item: Item) -> None:
        """`POST /contact/sync`, then the links bulk import would have made."""
        self.stats["syncs"] += 1
        entry = item.entry
        try:
            with refusals_as_rejects("ActiveCampaign refused a write"):
                resp = self.client.request(
                    "POST", "contact/sync", json=sync_body(entry), ok_statuses=(400, 404, 422)
                )
                if resp.status_code >= 300:
                    self._reject(
                        item,
                        f"ActiveCampaign refused the contact: {api_error_text(resp.ac_json)}",
                        resp.ac_json,
                    )
                    return
                contact = (resp.ac_json or {}).get("contact") or {}
                contact_id = str(contact.get("id"))
                self.resolver.remember_contact(entry["email"], contact_id)
                for name in entry.get("tags", []):
                    tag_id = self.resolver.tag_id(name)
                    self._link(
                        "contactTags", {"contactTag": {"contact": contact_id, "tag": tag_id}}
                    )
                for key, status in (("subscribe", 1), ("unsubscribe", 2)):
                    for sub in entry.get(key, []):
                        self._link(
                            "contactLists",
                            {
                                "contactList": {
                                    "list": sub["listid"],
                                    "contact": contact_id,
                                    "status": status,
                                }
                            },
                        )
                if entry.get("customer_acct_name"):
                    account_id = self.resolver.ensure_account(entry["customer_acct_name"])
                    self._link(
                        "accountContacts",
                        {"accountContact": {"account": account_id, "contact": contact_id}},
                    )
        except Reject as exc:
            self._reject(item, exc.reason, exc.api_error)
            return
        self._written(item)

    def _link(self, path: str, body: dict) -> None:
        resp = self.client.request("POST", path, json=body, ok_statuses=(400, 404, 422))
        if resp.status_code >= 300 and not (
            resp.status_code == 422 and is_duplicate_error(resp.ac_json)
        ):
            raise Reject(f"POST /{path} refused: {api_error_text(resp.ac_json)}", resp.ac_json)
