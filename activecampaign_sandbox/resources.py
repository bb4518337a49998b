"""The shape of a resource's endpoints (`Spec`) and the relations shared across domains.

Each domain module declares the specs of its own resources (`SPECS`); api.py merges them. What
stays here spans domains: child endpoints of a record (`/contacts/{id}/contactTags`, ...), the
children the sandbox serves as empty lists, which parents notes hang on, and the documented
webhook event names.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Spec:
    """How one list endpoint answers."""

    key: str  # plural envelope key, e.g. "contacts"
    singular: str  # single-record envelope key, e.g. "contact"
    links: tuple[str, ...] = ()
    # query parameter -> record field for documented equality filters
    eq: dict[str, str] = field(default_factory=dict)
    # query parameter -> record field for case-insensitive substring filters
    like: dict[str, str] = field(default_factory=dict)
    meta: bool = True  # account/deal custom field meta and data send no meta
    default_limit: int = 20
    date_filters: dict[str, tuple[str, str]] = field(default_factory=dict)  # param -> (field, op)
    # orders[<name>] -> record field, where the documented name differs from the field
    order_alias: dict[str, str] = field(default_factory=dict)


def make_spec(key: str, singular: str, links: tuple[str, ...] = (), **kw: object) -> Spec:
    return Spec(key, singular, links, **kw)  # type: ignore[arg-type]


# /<parent>/{id}/<child> -> (table, field on the child that holds the parent id, envelope key)
CHILDREN: dict[tuple[str, str], tuple[str, str]] = {
    ("contacts", "contactTags"): ("contactTags", "contact"),
    ("contacts", "contactLists"): ("contactLists", "contact"),
    ("contacts", "fieldValues"): ("fieldValues", "contact"),
    ("contacts", "contactAutomations"): ("contactAutomations", "contact"),
    ("contacts", "accountContacts"): ("accountContacts", "contact"),
    ("contacts", "contactDeals"): ("contactDeals", "contact"),
    ("contacts", "deals"): ("deals", "contact"),
    ("contacts", "emailActivities"): ("emailActivities", "subscriberid"),
    ("deals", "dealActivities"): ("dealActivities", "d_dealid"),
    ("deals", "contactDeals"): ("contactDeals", "deal"),
    ("deals", "tasks"): ("dealTasks", "relid"),
    ("deals", "dealCustomFieldData"): ("dealCustomFieldData", "dealId"),
    ("accounts", "accountContacts"): ("accountContacts", "account"),
    ("accounts", "accountCustomFieldData"): ("accountCustomFieldData", "accountId"),
    ("ecomOrders", "orderProducts"): ("ecomOrderProducts", "orderid"),
    ("ecomCustomers", "orders"): ("ecomOrders", "customerid"),
    ("fields", "options"): ("fieldOptions", "field"),
    ("dealGroups", "stages"): ("dealStages", "group"),
    ("automations", "contactAutomations"): ("contactAutomations", "seriesid"),
    ("automations", "blocks"): ("automationBlocks", "automation"),
    ("campaigns", "links"): ("links", "campaignid"),
    ("contacts", "bounceLogs"): ("bounceLogs", "contact"),
    ("contacts", "contactConversions"): ("contactConversions", "contact"),
    ("ecomOrders", "orderActivities"): ("ecomOrderActivities", "ecomOrderid"),
}
# notes hang off contacts, deals and accounts by (reltype, relid)
NOTE_PARENTS = {"contacts": "Subscriber", "deals": "Deal", "accounts": "CustomerAccount"}
# children that exist in the real API but hold nothing in the sandbox
EMPTY_CHILDREN = {
    ("contacts", "contactLogs"): "contactLogs",
    ("contacts", "contactGoals"): "contactGoals",
    ("contacts", "trackingLogs"): "trackingLogs",
    ("contacts", "scoreValues"): "scoreValues",
    ("contacts", "plusAppend"): "plusAppend",
}

# the webhook event names GET /webhook/events lists
WEBHOOK_EVENTS = (
    "forward",
    "open",
    "share",
    "sent",
    "subscribe",
    "subscriber_note",
    "contact_note",
    "contact_tag_added",
    "contact_tag_removed",
    "unsubscribe",
    "update",
    "deal_add",
    "deal_update",
    "deal_note_add",
    "deal_pipeline_add",
    "deal_stage_add",
    "deal_task_add",
    "deal_task_complete",
    "deal_tasktype_add",
    "sms_reply",
    "sms_sent",
    "sms_unsub",
    "bounce",
    "reply",
    "click",
    "list_add",
    "account_add",
    "account_update",
    "account_contact_add",
    "account_contact_remove",
)
