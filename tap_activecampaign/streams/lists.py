"""Lists, tags, segments and forms: how contacts are grouped and acquired."""

from __future__ import annotations

from tap_activecampaign.client import ActiveCampaignStream


class ListsStream(ActiveCampaignStream):
    """Mailing lists."""

    name = "lists"
    path = "lists"
    replication_key = "udate"
    created_key = "cdate"


class TagsStream(ActiveCampaignStream):
    """Tag definitions."""

    name = "tags"
    path = "tags"
    replication_key = "updated_timestamp"
    created_key = "created_timestamp"


class SegmentsStream(ActiveCampaignStream):
    """Saved segments."""

    name = "segments"
    path = "segments"
    replication_key = "updated_timestamp"
    created_key = "created_timestamp"


class FormsStream(ActiveCampaignStream):
    """Sign-up forms."""

    name = "forms"
    path = "forms"
    replication_key = "udate"
    created_key = "cdate"


#: This domain's streams, in discovery order (``streams.ALL`` concatenates the domains).
STREAMS: tuple[type[ActiveCampaignStream], ...] = (
    ListsStream,
    TagsStream,
    SegmentsStream,
    FormsStream,
)
