"""Contacts and what hangs off them: lists, tags, automations, custom fields, deals roles."""

from __future__ import annotations

from tap_activecampaign.client import ActiveCampaignStream


class ContactsStream(ActiveCampaignStream):
    """Contacts: keyset-paged by id, server-side incremental on ``filters[updated_after]``."""

    name = "contacts"
    path = "contacts"
    replication_key = "udate"
    created_key = "cdate"
    server_filter_param = "filters[updated_after]"
    keyset = True

    def get_child_context(self, record: dict, context: dict | None) -> dict:
        """Child streams (activities) read per contact id."""
        return {"contact_id": record["id"]}


class ContactListsStream(ActiveCampaignStream):
    """List memberships (subscribe/unsubscribe status per contact and list)."""

    name = "contact_lists"
    path = "contactLists"
    replication_key = "udate"
    created_key = "sdate"


class ContactTagsStream(ActiveCampaignStream):
    """Tags applied to contacts."""

    name = "contact_tags"
    path = "contactTags"
    replication_key = "updated_timestamp"
    created_key = "created_timestamp"


class ContactAutomationsStream(ActiveCampaignStream):
    """Contacts' runs through automations."""

    name = "contact_automations"
    path = "contactAutomations"
    replication_key = "lastdate"
    created_key = "adddate"


class ContactDealsStream(ActiveCampaignStream):
    """Secondary contacts on deals, with their role."""

    name = "contact_deals"
    path = "contactDeals"
    replication_key = "udate"
    created_key = "cdate"


class FieldsStream(ActiveCampaignStream):
    """Contact custom field definitions."""

    name = "fields"
    path = "fields"
    replication_key = "udate"
    created_key = "cdate"


class FieldOptionsStream(ActiveCampaignStream):
    """Options of dropdown/radio/checkbox contact fields."""

    name = "field_options"
    path = "fieldOptions"
    replication_key = "udate"
    created_key = "cdate"


class FieldRelsStream(ActiveCampaignStream):
    """Which lists each contact field belongs to (relid 0 = all lists)."""

    name = "field_rels"
    path = "fieldRels"


class FieldValuesStream(ActiveCampaignStream):
    """Contacts' custom field values."""

    name = "field_values"
    path = "fieldValues"
    replication_key = "udate"
    created_key = "cdate"


class ContactDataStream(ActiveCampaignStream):
    """Per-contact geo and social data (one row per contact)."""

    name = "contact_data"
    path = "contactData"
    replication_key = "tstamp"


class ContactEmailsStream(ActiveCampaignStream):
    """Campaign emails sent to each contact, with open/click flags."""

    name = "contact_emails"
    path = "contactEmails"
    replication_key = "sdate"


class ContactConversionsStream(ActiveCampaignStream):
    """Conversions recorded on contacts; rows never change."""

    name = "contact_conversions"
    path = "contactConversions"
    replication_key = "cdate"
