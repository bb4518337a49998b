"""Email campaigns, messages and email activity."""

from __future__ import annotations

from tap_activecampaign import changes
from tap_activecampaign.client import ActiveCampaignStream


class CampaignsStream(ActiveCampaignStream):
    """Campaigns with their send statistics."""

    name = "campaigns"
    path = "campaigns"
    replication_key = "mdate"
    created_key = "cdate"


class MessagesStream(ActiveCampaignStream):
    """Email messages (content of campaigns)."""

    name = "messages"
    path = "messages"
    replication_key = "mdate"
    created_key = "cdate"


class EmailActivitiesStream(ActiveCampaignStream):
    """One-to-one emails logged on contacts and deals; rows never change."""

    name = "email_activities"
    path = "emailActivities"
    replication_key = "tstamp"
    change_mode = changes.TAIL


class CampaignListsStream(ActiveCampaignStream):
    """Which lists each campaign was sent to."""

    name = "campaign_lists"
    path = "campaignLists"
    replication_key = "udate"
    created_key = "cdate"


class CampaignMessagesStream(ActiveCampaignStream):
    """Per-message statistics of each campaign (split tests have several)."""

    name = "campaign_messages"
    path = "campaignMessages"


class LinksStream(ActiveCampaignStream):
    """Tracked links of campaigns, with click counts."""

    name = "links"
    path = "links"
    replication_key = "updated_timestamp"
    created_key = "created_timestamp"


class BounceLogsStream(ActiveCampaignStream):
    """Bounces, account-wide (not one request per contact)."""

    name = "bounce_logs"
    path = "bounceLogs"
    replication_key = "updated_timestamp"
    created_key = "created_timestamp"
    change_mode = changes.TAIL


class TemplatesStream(ActiveCampaignStream):
    """Email templates."""

    name = "templates"
    path = "templates"
    replication_key = "mdate"


class PersonalizationsStream(ActiveCampaignStream):
    """Personalization variables usable in messages."""

    name = "personalizations"
    path = "personalizations"
    replication_key = "mdate"
    created_key = "cdate"


#: This domain's streams, in discovery order (``streams.ALL`` concatenates the domains).
STREAMS: tuple[type[ActiveCampaignStream], ...] = (
    CampaignsStream,
    MessagesStream,
    EmailActivitiesStream,
    CampaignListsStream,
    CampaignMessagesStream,
    LinksStream,
    BounceLogsStream,
    TemplatesStream,
    PersonalizationsStream,
)
