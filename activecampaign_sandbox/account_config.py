"""Account configuration endpoints with their own shape: the API root, the webhook event names
and the authenticated user (GET /users/me).

Users, groups, webhooks, configs, brandings and the rest are served by the generic list and
record endpoints (generic.py) from their specs in resources.py.
"""

from __future__ import annotations

from .data import WEBHOOK_EVENTS
from .protocol import (
    Request,
    Result,
)
from .state import AccountState


class AccountConfigReads(AccountState):
    """The account config read endpoints."""

    def api_root(self, req: Request) -> Result:
        return Result(200, {})

    def webhook_events(self, req: Request) -> Result:
        return Result(
            200,
            {"webhookEvents": list(WEBHOOK_EVENTS), "meta": {"total": str(len(WEBHOOK_EVENTS))}},
        )

    def users_me(self, req: Request) -> Result:
        return Result(200, {"user": self.render("users", 1)})


def register(acct: AccountConfigReads) -> None:
    """Add this domain's routes to the account's router (reads and writes)."""
    r = acct.router
    r.add("GET", "/", acct.api_root)
    r.add("GET", "/webhook/events", acct.webhook_events)
    r.add("GET", "/users/me", acct.users_me)
