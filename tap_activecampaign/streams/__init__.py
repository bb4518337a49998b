"""All static streams, grouped by API domain: each domain module lists its own in ``STREAMS``.

``ALL`` is their concatenation in a fixed order (the discovery order), written out rather
than found by reflection, so adding a stream means adding it to its domain's tuple and
nothing is picked up by accident. Custom object record streams are not static: the tap
builds one per schema of the account at discovery (``custom_objects.custom_object_streams``).
"""

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

ALL: tuple[type[ActiveCampaignStream], ...] = (
    *contacts.STREAMS,
    *lists.STREAMS,
    *deals.STREAMS,
    *accounts.STREAMS,
    *ecommerce.STREAMS,
    *campaigns.STREAMS,
    *automations.STREAMS,
    *account_settings.STREAMS,
    *custom_objects.STREAMS,
)
