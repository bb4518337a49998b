"""Automations and the account-wide activity feed."""

from __future__ import annotations

import typing as t

from tap_activecampaign.client import ActiveCampaignStream
from tap_activecampaign.streams.contacts import ContactsStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class AutomationsStream(ActiveCampaignStream):
    """Automations."""

    name = "automations"
    path = "automations"
    replication_key = "mdate"
    created_key = "cdate"


class ActivitiesStream(ActiveCampaignStream):
    """Contact activity feed, oldest first; server-side incremental on ``after``.

    The API requires ``contact``, so this is one request per contact: a child of
    ``contacts``, discovered only with ``include_activities``. Activity does not touch a
    contact's ``udate``, so the parent is then read in full (``ignore_parent_replication_key``).
    One bookmark covers all contacts.
    """

    name = "activities"
    path = "activities"
    parent_stream_type = ContactsStream
    ignore_parent_replication_key = True
    state_partitioning_keys: t.ClassVar[list[str]] = []
    replication_key = "tstamp"
    server_filter_param = "after"
    extra_params = {"orders[tstamp]": "ASC"}

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        """The contact whose activity to read."""
        params = super().get_url_params(context, next_page_token)
        if context:
            params["contact"] = context["contact_id"]
        return params


class AutomationBlocksStream(ActiveCampaignStream):
    """Steps (blocks) of every automation."""

    name = "automation_blocks"
    path = "automationBlocks"
    replication_key = "mdate"
    created_key = "cdate"


class GoalsStream(ActiveCampaignStream):
    """Automation goals."""

    name = "goals"
    path = "goals"


class ConversionsStream(ActiveCampaignStream):
    """Conversion definitions."""

    name = "conversions"
    path = "conversions"
    replication_key = "udate"
    created_key = "cdate"


class ConversionTriggersStream(ActiveCampaignStream):
    """What triggers each conversion."""

    name = "conversion_triggers"
    path = "conversionTriggers"


class SiteMessagesStream(ActiveCampaignStream):
    """Site messages shown to tracked visitors."""

    name = "site_messages"
    path = "siteMessages"
    replication_key = "mdate"
    created_key = "cdate"


class SmsStream(ActiveCampaignStream):
    """SMS messages used by automations."""

    name = "sms"
    path = "sms"
    replication_key = "mdate"
    created_key = "cdate"
