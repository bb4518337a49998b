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
    control,
    custom_fields,
    custom_objects,
    deals,
    ecommerce,
    generic,
)
from . import contacts as contacts_domain
from .mutate import mutate_records
from .options import SandboxOptions
from .resources import Spec
from .state import DEFAULTS
from .world import World


def build_world(seed: int = DEFAULTS.seed, contacts: int = DEFAULTS.contacts) -> World:
    """Every table of one account: the configuration first, then each domain's
    contact-scaled tables (in the order their references need)."""
    w = World(seed, contacts)
    account_config.build_config(w)
    catalog.build_config(w)
    deals.build_config(w)
    custom_fields.build_config(w)
    campaigns.build_config(w)
    ecommerce.build_config(w)
    custom_objects.build_config(w)
    catalog.build(w)
    contacts_domain.build(w)
    accounts.build(w)
    deals.build(w)
    campaigns.build(w)
    ecommerce.build(w)
    custom_objects.build(w)
    return w


#: every resource's spec, by name: the union of the domains' SPECS
SPECS: dict[str, Spec] = {
    **contacts_domain.SPECS,
    **catalog.SPECS,
    **accounts.SPECS,
    **custom_fields.SPECS,
    **deals.SPECS,
    **campaigns.SPECS,
    **account_config.SPECS,
    **ecommerce.SPECS,
    **custom_objects.SPECS,
}


class Writes(
    contacts_domain.ContactWrites,
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
    contacts_domain.ContactReads,
    catalog.CatalogReads,
    accounts.AccountReads,
    deals.DealReads,
    custom_objects.CustomObjectReads,
    campaigns.CampaignReads,
    account_config.AccountConfigReads,
    generic.GenericReads,
):
    """One emulated ActiveCampaign account: its data, settings and every route."""

    def __init__(
        self,
        seed: int = DEFAULTS.seed,
        contacts: int = DEFAULTS.contacts,
        import_delay_s: float = DEFAULTS.import_delay_s,
        import_false_window_s: float = DEFAULTS.import_false_window_s,
    ) -> None:
        world = build_world(seed, contacts)
        super().__init__(world, SPECS, import_delay_s, import_false_window_s)
        self.list_includes = contacts_domain.SUPPORTED_INCLUDES
        w = self.writes = Writes(self)
        contacts_domain.register(self, w)
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


#: the domain modules whose SPECS make up the account's resources, by module name
DOMAINS = (
    contacts_domain,
    catalog,
    accounts,
    custom_fields,
    deals,
    campaigns,
    account_config,
    ecommerce,
    custom_objects,
)


def spec_owner(resource: str) -> str:
    """The domain module that declares a resource's spec (its envelope, links and filters)."""
    for module in DOMAINS:
        if resource in module.SPECS:
            return module.__name__.rpartition(".")[2]
    return ""


def route_table(acct: Account) -> list[tuple[str, str, str]]:
    """Every route as (method and path, the handler serving it, the module declaring its spec).

    A newcomer's map: a documented special case is served by its domain's module; the plain
    list/get/children endpoints by `generic`, from the spec their domain declares. Where two
    routes share a path the first added answers (the router's rule), so only it is listed.
    """
    rows: dict[str, tuple[str, str, str]] = {}
    for (method, _, _), routes in acct.router.routes.items():
        for pattern, fn in routes:
            route = f"{method} /" + "/".join(pattern)
            if route in rows:
                continue
            name = fn.__qualname__.split(".<locals>")[0].rpartition(".")[2]
            handler = f"{fn.__module__.rpartition('.')[2]}.{name}"
            rows[route] = (route, handler, spec_owner(pattern[0] if pattern else ""))
    return sorted(rows.values(), key=lambda r: (r[0].split(" ", 1)[1], r[0]))
