"""Accounts (companies), their contacts and custom fields."""

from __future__ import annotations

from tap_activecampaign import changes
from tap_activecampaign.client import ActiveCampaignStream


class AccountsStream(ActiveCampaignStream):
    """Accounts."""

    name = "accounts"
    path = "accounts"
    replication_key = "updatedTimestamp"
    created_key = "createdTimestamp"


class AccountContactsStream(ActiveCampaignStream):
    """Contact-to-account associations."""

    name = "account_contacts"
    path = "accountContacts"
    replication_key = "updatedTimestamp"
    created_key = "createdTimestamp"
    change_mode = changes.CONTACTS
    sideload_key = "accountContacts"


class AccountCustomFieldMetaStream(ActiveCampaignStream):
    """Account custom field definitions (the endpoint may send no ``meta``)."""

    name = "account_custom_field_meta"
    path = "accountCustomFieldMeta"
    replication_key = "updatedTimestamp"
    created_key = "createdTimestamp"


class AccountCustomFieldDataStream(ActiveCampaignStream):
    """Account custom field values (the endpoint may send no ``meta``)."""

    name = "account_custom_field_data"
    path = "accountCustomFieldData"
    replication_key = "updatedTimestamp"
    created_key = "createdTimestamp"


#: This domain's streams, in discovery order (``streams.ALL`` concatenates the domains).
STREAMS: tuple[type[ActiveCampaignStream], ...] = (
    AccountsStream,
    AccountContactsStream,
    AccountCustomFieldMetaStream,
    AccountCustomFieldDataStream,
)
