"""Which sink class writes each object type (the routing itself is `routing`)."""

from __future__ import annotations

from target_activecampaign.routing import CUSTOM_OBJECT_PREFIX, REFERENCE_TYPES
from target_activecampaign.sinks.accounts import (
    AccountContactsSink,
    AccountFieldValuesSink,
    AccountsSink,
)
from target_activecampaign.sinks.base import ActiveCampaignSink
from target_activecampaign.sinks.contacts import (
    ContactListsSink,
    ContactsSink,
    ContactTagsSink,
    FieldValuesSink,
    TagsSink,
)
from target_activecampaign.sinks.custom_objects import CustomObjectSink
from target_activecampaign.sinks.deals import DealFieldValuesSink, DealsSink, NotesSink
from target_activecampaign.sinks.ecommerce import EcomCustomersSink, EcomOrdersSink
from target_activecampaign.sinks.reference import IgnoreSink, ReferenceSink

SINK_CLASSES: dict[str, type[ActiveCampaignSink]] = {
    "contacts": ContactsSink,
    "field_values": FieldValuesSink,
    "contact_tags": ContactTagsSink,
    "contact_lists": ContactListsSink,
    "tags": TagsSink,
    "accounts": AccountsSink,
    "account_contacts": AccountContactsSink,
    "deals": DealsSink,
    "account_field_values": AccountFieldValuesSink,
    "deal_field_values": DealFieldValuesSink,
    "notes": NotesSink,
    "ecom_customers": EcomCustomersSink,
    "ecom_orders": EcomOrdersSink,
    "ignore": IgnoreSink,
}


def sink_class_for(object_type: str) -> type[ActiveCampaignSink]:
    if object_type in REFERENCE_TYPES:
        return ReferenceSink
    if object_type.startswith(CUSTOM_OBJECT_PREFIX):
        return CustomObjectSink
    return SINK_CLASSES[object_type]
