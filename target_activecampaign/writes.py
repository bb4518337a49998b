"""Writes: every request by which a sink changes the account, in one place.

Dry run, a refused write turned into a `Reject` naming the API's answer, and creates that are not
idempotent (deals, notes, orders: a lost answer is looked up before trying again, so a retry
never duplicates) are decided here, not in each sink. Reads go through `resolver` and `refs`;
contacts and their links go through bulk imports (`importer`).
"""

from __future__ import annotations

import logging
import time
import typing as t

from activecampaign_http import ApiClient, RetriesExhaustedError
from target_activecampaign.rejects import Reject
from target_activecampaign.values import api_error_text, is_duplicate_error


class Writer:
    """The write side of the account for one sink (its logger names the stream)."""

    def __init__(
        self,
        client: ApiClient,
        create_client: ApiClient,
        logger: logging.Logger | logging.LoggerAdapter,
        *,
        dry_run: bool = False,
    ) -> None:
        self.client = client
        self.create_client = create_client  # no automatic retries: see `create`
        self.logger = logger
        self.dry_run = dry_run

    def send(self, method: str, path: str, body: t.Any, ok: t.Sequence[int] = ()) -> t.Any:
        """One write; a no-op in dry run (returns None)."""
        if self.dry_run:
            return None
        resp = self.client.request(method, path, json=body, ok_statuses=tuple(ok) or (400, 422))
        if resp.status_code >= 300:
            raise Reject(f"{method} /{path} refused: {api_error_text(resp.ac_json)}", resp.ac_json)
        return resp.ac_json or {}

    def create(
        self, path: str, body: t.Any, find: t.Callable[[], str | None], attempts: int = 4
    ) -> t.Any:
        """POST a create that is not idempotent (deals, notes, orders) without duplicating it.

        A create whose answer is lost (5xx, dropped connection) may still have happened, so
        before trying again we look for the object; found means written.
        """
        if self.dry_run:
            return None
        for attempt in range(attempts):
            try:
                resp = self.create_client.request(
                    "POST", path, json=body, ok_statuses=(400, 404, 422)
                )
            except RetriesExhaustedError as exc:
                if attempt + 1 >= attempts:
                    raise
                self.logger.warning("POST /%s failed (%s); checking before retrying", path, exc)
                time.sleep(min(8.0, 0.5 * 2**attempt))
                if find() is not None:
                    return {}
                continue
            if resp.status_code >= 300:
                raise Reject(f"POST /{path} refused: {api_error_text(resp.ac_json)}", resp.ac_json)
            return resp.ac_json or {}
        return None  # pragma: no cover

    def update_or_create(
        self, path: str, key: str, body: dict[str, t.Any], find: t.Callable[[], str | None]
    ) -> None:
        """PUT over the object `find` names, else create it (see `create`)."""
        existing = find()
        if existing is not None:
            self.send("PUT", f"{path}/{existing}", {key: body})
        else:
            self.create(path, {key: body}, find)

    def link(self, path: str, body: t.Any) -> None:
        """POST a link (e.g. contact-account); 'already linked' means done, not refused."""
        resp = self.client.request("POST", path, json=body, ok_statuses=(400, 422))
        if resp.status_code >= 300 and not is_duplicate_error(resp.ac_json):
            raise Reject(f"POST /{path} refused: {api_error_text(resp.ac_json)}", resp.ac_json)

    def delete(self, path: str) -> None:
        """DELETE an object; one already gone (404) is fine."""
        self.client.request("DELETE", path, ok_statuses=(404,))
