"""All static streams, grouped by API domain; ``ALL`` is the discovery order."""

from __future__ import annotations

from tap_activecampaign.client import ActiveCampaignStream
from tap_activecampaign.streams import (
    account_settings,
    accounts,
    automations,
    campaigns,
    contacts,
    custom_objects,
    deals,
    ecommerce,
    lists,
)

_MODULES = (
    contacts,
    lists,
    deals,
    accounts,
    ecommerce,
    campaigns,
    automations,
    account_settings,
    custom_objects,
)

ALL: list[type[ActiveCampaignStream]] = [
    obj
    for module in _MODULES
    for obj in vars(module).values()
    if isinstance(obj, type)
    and issubclass(obj, ActiveCampaignStream)
    and obj is not ActiveCampaignStream
    and isinstance(getattr(obj, "name", None), str)
    and obj.__module__ == module.__name__
]
