"""One emulated account with every domain's endpoints: where the domains meet.

Each API domain (contacts, catalog, accounts, custom fields, deals, e-commerce, custom objects,
campaigns, account config) lives in its own module with its read and write handlers and a
`register` that adds its routes. This module only composes them: `Account` is the account state
plus every domain's reads, `Writes` every domain's write handlers (one object, so a write of
one domain can use another's, as a contact sync creates tags). Routes are added domain by
domain and the generic per-resource ones last, so a documented special case always wins.
``Account.handle`` takes a method, a path below /api/3, parsed query parameters and the raw
body, and returns a result and the normalised route template (for stats).
"""

from __future__ import annotations

from typing import Any

from . import (
    account_config,
    accounts,
    bulk_import,
    campaigns,
    catalog,
    contacts,
    control,
    custom_fields,
    custom_objects,
    deals,
    ecommerce,
    generic,
)
from .mutate import mutate_records
from .options import SandboxOptions


class Writes(
    contacts.ContactWrites,
    catalog.CatalogWrites,
    accounts.AccountWrites,
    custom_fields.CustomFieldWrites,
    deals.DealWrites,
    ecommerce.EcommerceWrites,
    custom_objects.CustomObjectWrites,
    generic.GenericWrites,
):
    """All write handlers of one account (called with the account lock held)."""


class Account(
    contacts.ContactReads,
    catalog.CatalogReads,
    accounts.AccountReads,
    deals.DealReads,
    custom_objects.CustomObjectReads,
    campaigns.CampaignReads,
    account_config.AccountConfigReads,
    generic.GenericReads,
):
    """One emulated ActiveCampaign account: its data, settings and every route."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.list_includes = contacts.SUPPORTED_INCLUDES
        w = self.writes = Writes(self)
        contacts.register(self, w)
        catalog.register(self, w)
        accounts.register(self, w)
        custom_fields.register(w)
        deals.register(self, w)
        ecommerce.register(w)
        custom_objects.register(self, w)
        campaigns.register(self)
        account_config.register(self)
        bulk_import.register(self)
        generic.register(self, w)

    @classmethod
    def from_options(cls, opts: SandboxOptions) -> Account:
        """The account a sandbox with these options serves."""
        acct = cls(
            opts.seed,
            opts.contacts,
            import_delay_s=opts.import_delay_s,
            import_false_window_s=opts.import_false_window_s,
        )
        control.configure(acct, opts.capture_settings())
        return acct

    def mutate(
        self, name: str, fraction: float | None = None, ids: list[Any] | None = None
    ) -> list[int]:
        """Touch records as if changed in the app: bump their updated time, change a field."""
        return mutate_records(self, name, fraction, ids)
