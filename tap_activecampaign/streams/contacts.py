"""Contacts and what hangs off them: lists, tags, automations, custom fields, deals roles."""

from __future__ import annotations

import typing as t

from tap_activecampaign import changes
from tap_activecampaign.client import ActiveCampaignStream
from tap_activecampaign.keyset import KeysetStream
from tap_activecampaign.sideloads import INCLUDES_KEY, Sideloads

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from singer_sdk.helpers.types import Context

    from tap_activecampaign.changes import Plan


class ContactsStream(KeysetStream):
    """Contacts: keyset-paged by id, server-side incremental on ``filters[updated_after]``.

    The pages also carry the selected children (``include=``: field values, tags, lists,
    automations, account links), emitted on their own streams as each page is: the children
    of changed contacts cost no request, and a whole read of contacts (the id scan, every
    ``reread_interval``) is a whole read of them.
    """

    name = "contacts"
    path = "contacts"
    replication_key = "udate"
    created_key = "cdate"
    server_filter_param = "filters[updated_after]"

    def read_plan(self, context: Context | None) -> Plan:
        """The plan, and the children this read carries."""
        plan = super().read_plan(context)
        children = {
            stream.sideload_key: stream
            for stream in self.tap.streams.values()
            if stream.sideload_key and stream.selected
        }
        known = self.capture.stored.get(INCLUDES_KEY)
        self.tap.sideloads = Sideloads(
            children, known if isinstance(known, dict) else {}, whole=plan.whole
        )
        return plan

    def request_records(self, context: Context | None) -> Iterator[dict]:
        """Contacts (and their children); then remember which includes were served."""
        yield from super().request_records(context)
        sideloads = self.tap.sideloads
        if sideloads is not None:
            sideloads.finished = True
            sideloads.resumed = self._resumed
            state = self.get_context_state(context)
            capture = state.setdefault(changes.CAPTURE_KEY, {})
            capture[INCLUDES_KEY] = sideloads.learnt()

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        """Ask for the children with every page (not with the one-row highest-id probe)."""
        params = super().get_url_params(context, next_page_token)
        sideloads = self.tap.sideloads
        if sideloads is not None and sideloads.children and params.get("limit") != 1:
            params["include"] = sideloads.include
        return params

    def after_page(self, body: t.Any) -> None:
        """Emit the page's children on their streams, before the page's STATE."""
        sideloads = self.tap.sideloads
        if sideloads is not None and sideloads.children:
            sideloads.take(body)

    def get_child_context(self, record: dict, context: dict | None) -> dict:
        """Child streams (activities) read per contact id."""
        return {"contact_id": record["id"]}


class ContactListsStream(ActiveCampaignStream):
    """List memberships (subscribe/unsubscribe status per contact and list)."""

    name = "contact_lists"
    path = "contactLists"
    # `udate` is the unsubscribe date (null while subscribed): the membership's own change
    # time is `updated_timestamp`.
    replication_key = "updated_timestamp"
    created_key = "created_timestamp"
    change_mode = changes.CONTACTS
    sideload_key = "contactLists"


class ContactTagsStream(ActiveCampaignStream):
    """Tags applied to contacts."""

    name = "contact_tags"
    path = "contactTags"
    replication_key = "updated_timestamp"
    created_key = "created_timestamp"
    change_mode = changes.CONTACTS
    sideload_key = "contactTags"
    tail_with_sideload = True  # links are added or removed, never edited


class ContactAutomationsStream(ActiveCampaignStream):
    """Contacts' runs through automations."""

    name = "contact_automations"
    path = "contactAutomations"
    replication_key = "lastdate"
    created_key = "adddate"
    change_mode = changes.CONTACTS
    sideload_key = "contactAutomations"


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
    change_mode = changes.CONTACTS
    sideload_key = "fieldValues"


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
    change_mode = changes.TAIL


#: This domain's streams, in discovery order (``streams.ALL`` concatenates the domains).
STREAMS: tuple[type[ActiveCampaignStream], ...] = (
    ContactsStream,
    ContactListsStream,
    ContactTagsStream,
    ContactAutomationsStream,
    ContactDealsStream,
    FieldsStream,
    FieldOptionsStream,
    FieldRelsStream,
    FieldValuesStream,
    ContactDataStream,
    ContactEmailsStream,
    ContactConversionsStream,
)
