"""Automations, conversions and the activity feed."""

from __future__ import annotations

import typing as t
from http import HTTPStatus

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
    """The account's activity feed, oldest first; server-side incremental on ``after``.

    The reference's parameter table marks ``contact`` optional (its description calls it
    required), so this reads the whole account in one paged feed. An account that refuses
    that read (a 400 on the first page) gets a warning naming ``activities_per_contact``,
    and the other streams go on.
    """

    name = "activities"
    path = "activities"
    replication_key = "tstamp"
    server_filter_param = "after"
    extra_params = {"orders[tstamp]": "ASC"}
    skip_statuses: t.ClassVar[frozenset[int]] = frozenset({HTTPStatus.BAD_REQUEST})
    scan_deletions = False  # an append-only feed, filtered by the server
    skip_hint = (
        "if it asks for a contact, set activities_per_contact to read activity one contact "
        "at a time"
    )


class ContactActivitiesStream(ActivitiesStream):
    """``activities`` read one contact at a time (``activities_per_contact``).

    For accounts that refuse the account-wide read: one request per contact, a child of
    ``contacts``. Activity does not touch a contact's ``udate``, so the parent is then read
    in full (``ignore_parent_replication_key``); one bookmark covers all contacts.
    """

    parent_stream_type = ContactsStream
    ignore_parent_replication_key = True
    state_partitioning_keys: t.ClassVar[list[str]] = []
    skip_statuses: t.ClassVar[frozenset[int]] = frozenset()

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


#: This domain's streams, in discovery order (``streams.ALL`` concatenates the domains).
STREAMS: tuple[type[ActiveCampaignStream], ...] = (
    AutomationsStream,
    ActivitiesStream,
    ContactActivitiesStream,
    AutomationBlocksStream,
    GoalsStream,
    ConversionsStream,
    ConversionTriggersStream,
    SiteMessagesStream,
    SmsStream,
)
