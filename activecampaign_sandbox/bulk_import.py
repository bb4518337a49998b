"""POST /import/bulk_import and GET /import/info: validated up front, applied asynchronously.

A batch is "waiting" for ``delay_s`` after it is accepted, then "active" while a background
worker applies it under the account lock, then "completed". Polled within ``false_window_s``
of its submission, ``/import/info`` answers ``"status": false`` whatever the batch's state, as
the service can within about a second of an import (a poller must read it as "not yet").
Like the service, one invalid contact rejects the whole request (400), and only newly created
contacts are listed in ``success``; contacts that cannot be applied (e.g. an unknown list id)
are listed by email in ``failure``.

Automations: a contact an import newly subscribes to a list enters the account's first active
automation (a ``contactAutomations`` row; in this sandbox it stands for an automation whose
trigger is "subscribes to a list"), unless that contact's own ``exclude_automations`` is true.
The reference's request example puts ``exclude_automations`` inside each ``contacts[]`` item;
a top-level flag is not part of it, so it is ignored.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import time
import traceback
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .contacts import automation_entry
from .protocol import EMAIL_RE, ApiError, Request, Result, as_int, sid
from .state import AccountState

MAX_CONTACTS = 250
MAX_BYTES = 400_000
MULTI_PER_MINUTE = 100
SINGLE_PER_MINUTE = 20


@dataclass
class Batch:
    batch_id: str
    contacts: list[dict[str, Any]]
    created: float
    status: str = "waiting"
    success: list[str] = field(default_factory=list)
    failure: list[str] = field(default_factory=list)
    finished: float | None = None


def _fail(message: str, reasons: list[dict[str, Any]] | None = None) -> ApiError:
    return ApiError(400, {"success": 0, "message": message, "failureReasons": reasons or []})


def _reason(contact: dict[str, Any]) -> str | None:
    """Why a contact fails validation, in the service's words; None when valid."""
    if not isinstance(contact, dict):
        return "Contact must be an object"
    email = contact.get("email")
    if not isinstance(email, str) or not EMAIL_RE.match(email.strip()):
        return "Field 'email' incorrect format"
    for k in ("first_name", "last_name", "phone", "customer_acct_name"):
        if k in contact and contact[k] is not None and not isinstance(contact[k], str | int):
            return f"Field '{k}' incorrect format"
    tags = contact.get("tags")
    if tags is not None and (
        not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags)
    ):
        return "Field 'tags' incorrect format"
    fields = contact.get("fields")
    if fields is not None and (
        not isinstance(fields, list)
        or not all(
            isinstance(f, dict) and as_int(f.get("id")) is not None and "value" in f for f in fields
        )
    ):
        return "Field 'fields' incorrect format"
    flag = contact.get("exclude_automations")
    if flag is not None and not isinstance(flag, bool):
        return "Field 'exclude_automations' incorrect format"
    for k in ("subscribe", "unsubscribe"):
        v = contact.get(k)
        if v is not None and (
            not isinstance(v, list)
            or not all(isinstance(x, dict) and as_int(x.get("listid")) is not None for x in v)
        ):
            return f"Field '{k}' incorrect format"
    return None


class BulkImporter:
    def __init__(
        self, acct: AccountState, delay_s: float = 0.2, false_window_s: float = 0.5
    ) -> None:
        self.acct = acct
        self.delay_s = max(0.0, delay_s)
        self.false_window_s = max(0.0, false_window_s)
        self.batches: dict[str, Batch] = {}
        self._multi: deque[float] = deque()
        self._single: deque[float] = deque()
        self._queue: queue.Queue[Batch | None] = queue.Queue()
        self._thread: threading.Thread | None = None  # started by the first import

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=5)
            self._thread = None

    # -- HTTP handlers (called with the account lock held) ---------------------------------
    def submit(self, req: Request) -> Result:
        if len(req.body) >= MAX_BYTES:
            raise _fail(f"Payload too large: requests must be under {MAX_BYTES} bytes.")
        try:
            body = json.loads(req.body) if req.body else None
        except (ValueError, UnicodeDecodeError):
            raise _fail("JSON payload did not pass validation. Malformed JSON.") from None
        contacts = body.get("contacts") if isinstance(body, dict) else None
        if not isinstance(contacts, list) or not contacts:
            raise _fail(
                "JSON payload did not pass validation. 'contacts' must be a non-empty array."
            )
        if len(contacts) > MAX_CONTACTS:
            raise _fail(f"A maximum of {MAX_CONTACTS} contacts may be imported per request.")
        reasons = [
            {"contact": n, "failureReason": r}
            for n, c in enumerate(contacts)
            if (r := _reason(c)) is not None
        ]
        if reasons:
            raise _fail(
                "JSON payload did not pass validation. See failureReasons for details.", reasons
            )
        now = time.monotonic()
        window = self._single if len(contacts) == 1 else self._multi
        limit = SINGLE_PER_MINUTE if len(contacts) == 1 else MULTI_PER_MINUTE
        while window and now - window[0] >= 60.0:
            window.popleft()
        if len(window) >= limit:
            raise _fail("Rate limit exceeded.")
        window.append(now)
        batch = Batch(str(uuid.uuid4()), contacts, time.time())
        self.batches[batch.batch_id] = batch
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ac-bulk-import", daemon=True)
            self._thread.start()
        self._queue.put(batch)
        return Result(
            200,
            {
                "success": 1,
                "queued_contacts": len(contacts),
                "batchId": batch.batch_id,
                "message": "Contact import queued",
            },
        )

    def info(self, req: Request) -> Result:
        bid = req.params.get("batchId") or ""
        batch = self.batches.get(bid)
        if batch is None:
            raise ApiError(
                400,
                {
                    "success": 0,
                    "message": f"No import found for batchId '{bid}'",
                    "failureReasons": [],
                },
            )
        if time.time() - batch.created < self.false_window_s:
            return Result(200, {"status": False, "success": [], "failure": []})
        return Result(
            200,
            {
                "status": batch.status,
                "success": list(batch.success),
                "failure": list(batch.failure),
            },
        )

    def status_list(self, req: Request) -> Result:
        outstanding = [b.batch_id for b in self.batches.values() if b.status != "completed"]
        recent = [b.batch_id for b in self.batches.values() if b.status == "completed"]
        return Result(200, {"outstanding": outstanding, "recentlyCompleted": recent[-20:]})

    def snapshot(self) -> dict[str, Any]:
        return {
            "batches": [
                {
                    "batchId": b.batch_id,
                    "status": b.status,
                    "queued_contacts": len(b.contacts),
                    "success": len(b.success),
                    "failure": len(b.failure),
                }
                for b in self.batches.values()
            ]
        }

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every accepted batch is completed (for tests)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if all(b.status in ("completed", "failed") for b in list(self.batches.values())):
                return True
            time.sleep(0.02)
        return False

    # -- worker ------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            batch = self._queue.get()
            if batch is None:
                return
            wait = batch.created + self.delay_s - time.time()
            if wait > 0:
                time.sleep(wait)
            batch.status = "active"
            time.sleep(min(0.05, self.delay_s))
            status = "completed"
            try:
                with self.acct.lock:
                    try:
                        self._apply(batch)
                    finally:
                        self.acct.bump()
            except Exception:  # a sandbox bug: report the batch failed, keep the worker alive
                traceback.print_exc(file=sys.stderr)
                status = "failed"
            batch.status = status
            batch.finished = time.time()

    def _apply(self, batch: Batch) -> None:
        w = self.acct.writes
        tables = self.acct.world.tables
        for c in batch.contacts:
            now = time.time()
            email = str(c["email"]).strip()
            lists_ok = all(
                tables["lists"].exists(as_int(x.get("listid")) or 0)
                for k in ("subscribe", "unsubscribe")
                for x in c.get(k) or []
            )
            fields_ok = True
            for f in c.get("fields") or []:
                fid = as_int(f.get("id")) or 0
                if not tables["fields"].exists(fid):
                    fields_ok = False
                    break
                try:
                    w._validate_value(
                        fid, "" if f.get("value") is None else str(f["value"]), "/fields"
                    )
                except ApiError:
                    fields_ok = False
                    break
            if not (lists_ok and fields_ok):
                batch.failure.append(email)
                continue
            data = {"email": email}
            for k in ("first_name", "last_name", "phone"):
                if k in c and c[k] is not None:
                    data[k] = str(c[k])
            try:
                cid, created, _ = w.upsert_contact(data, now)
            except ApiError:
                batch.failure.append(email)
                continue
            for f in c.get("fields") or []:
                w.set_field_value(
                    cid, int(sid(f["id"])), "" if f.get("value") is None else str(f["value"]), now
                )
            for name in c.get("tags") or []:
                name = name.strip()
                tag = w.find_tag(name) or w.create_tag(name, "contact", "", now)
                w.link_tag(cid, tag, now)
            for x in c.get("subscribe") or []:
                lst, memberships = int(sid(x["listid"])), tables["contactLists"]
                before = memberships.child_where("contact", cid, "list", lst)
                was = None if before is None else str(memberships.value(before, "status"))
                j, _ = w.set_list_status(cid, lst, "1", now)
                newly = was != "1" and str(memberships.value(j, "status")) == "1"
                if newly and c.get("exclude_automations") is not True:
                    self._start_automation(cid, now)
            for x in c.get("unsubscribe") or []:
                w.set_list_status(cid, int(sid(x["listid"])), "2", now)
            acct_name = sid(c.get("customer_acct_name"))
            if acct_name:
                acc = w.account_names.get(acct_name.lower())
                if acc is None or not tables["accounts"].exists(acc):
                    acc = w.create_account(acct_name, {}, now)
                w.link_account(acc, cid, "", now)
            if created:
                batch.success.append(str(cid))

    def _start_automation(self, contact: int, now: float) -> None:
        """The contact enters the first active automation (unless already in it)."""
        tables = self.acct.world.tables
        autos, runs = tables["automations"], tables["contactAutomations"]
        auto = next((a for a in sorted(autos.ids) if str(autos.value(a, "status")) == "1"), None)
        if auto is None:
            return
        if runs.child_where("contact", contact, "seriesid", auto) is not None:
            return
        runs.insert(automation_entry(contact, auto, now, total_elements=4))


def register(acct: AccountState) -> None:
    imp = BulkImporter(acct, acct.import_delay_s, acct.import_false_window_s)
    acct.bulk = imp
    acct.router.add("POST", "/import/bulk_import", imp.submit)
    acct.router.add("GET", "/import/bulk_import", imp.status_list)
    acct.router.add("GET", "/import/info", imp.info)
