"""Account configuration: users, groups, branding, addresses, calendars, webhooks, ..."""

from __future__ import annotations

import typing as t

from tap_activecampaign.client import ActiveCampaignStream

if t.TYPE_CHECKING:
    import requests


class UsersStream(ActiveCampaignStream):
    """Users of the account."""

    name = "users"
    path = "users"


class GroupsStream(ActiveCampaignStream):
    """User groups (permissions)."""

    name = "groups"
    path = "groups"


class GroupLimitsStream(ActiveCampaignStream):
    """Sending and size limits per user group."""

    name = "group_limits"
    path = "groupLimits"


class BrandingsStream(ActiveCampaignStream):
    """Branding per user group."""

    name = "brandings"
    path = "brandings"


class AddressesStream(ActiveCampaignStream):
    """Sender postal addresses."""

    name = "addresses"
    path = "addresses"


class CalendarsStream(ActiveCampaignStream):
    """Calendar feeds of deal tasks."""

    name = "calendars"
    path = "calendars"
    replication_key = "mdate"
    created_key = "cdate"


class WebhooksStream(ActiveCampaignStream):
    """Configured webhooks."""

    name = "webhooks"
    path = "webhooks"


class SavedResponsesStream(ActiveCampaignStream):
    """Saved email responses."""

    name = "saved_responses"
    path = "savedResponses"
    replication_key = "mdate"
    created_key = "cdate"


class ScoresStream(ActiveCampaignStream):
    """Lead/deal scoring models."""

    name = "scores"
    path = "scores"
    replication_key = "mdate"
    created_key = "cdate"


class SiteTrackingDomainsStream(ActiveCampaignStream):
    """Whitelisted site tracking domains."""

    name = "site_tracking_domains"
    path = "siteTrackingDomains"


class EventTrackingEventsStream(ActiveCampaignStream):
    """Names of tracked events."""

    name = "event_tracking_events"
    path = "eventTrackingEvents"


class ConfigsStream(ActiveCampaignStream):
    """Account and user settings."""

    name = "configs"
    path = "configs"
    replication_key = "updated_timestamp"
    created_key = "created_timestamp"


class WebhookEventsStream(ActiveCampaignStream):
    """Event names a webhook can subscribe to (the API sends bare strings)."""

    name = "webhook_events"
    path = "webhook/events"
    records_key = "webhookEvents"
    primary_keys: t.ClassVar[list[str]] = ["event"]
    paginated = False

    def parse_response(self, response: requests.Response) -> list[dict]:
        """Wrap each event name as a record."""
        return [{"event": e} if isinstance(e, str) else e for e in super().parse_response(response)]


#: This domain's streams, in discovery order (``streams.ALL`` concatenates the domains).
STREAMS: tuple[type[ActiveCampaignStream], ...] = (
    UsersStream,
    GroupsStream,
    GroupLimitsStream,
    BrandingsStream,
    AddressesStream,
    CalendarsStream,
    WebhooksStream,
    SavedResponsesStream,
    ScoresStream,
    SiteTrackingDomainsStream,
    EventTrackingEventsStream,
    ConfigsStream,
    WebhookEventsStream,
)
