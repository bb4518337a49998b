"""Per-resource facts of the emulated API: envelope keys, links and documented filters."""

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


def _s(key: str, singular: str, links: tuple[str, ...] = (), **kw: object) -> Spec:
    return Spec(key, singular, links, **kw)  # type: ignore[arg-type]


CONTACT_LINKS = (
    "bounceLogs",
    "contactAutomations",
    "contactData",
    "contactGoals",
    "contactLists",
    "contactLogs",
    "contactTags",
    "contactDeals",
    "deals",
    "fieldValues",
    "geoIps",
    "notes",
    "organization",
    "plusAppend",
    "trackingLogs",
    "scoreValues",
    "accountContacts",
    "automationEntryCounts",
)

SPECS: dict[str, Spec] = {
    "contacts": _s(
        "contacts",
        "contact",
        CONTACT_LINKS,
        date_filters={
            "filters[updated_after]": ("udate", "ge"),
            "filters[updated_before]": ("udate", "le"),
            "filters[created_after]": ("cdate", "ge"),
            "filters[created_before]": ("cdate", "le"),
        },
        order_alias={"first_name": "firstName", "last_name": "lastName", "name": "firstName"},
    ),
    "fields": _s("fields", "field", ("options", "relations")),
    "fieldOptions": _s("fieldOptions", "fieldOption", ("field",), eq={"filters[field]": "field"}),
    "fieldRels": _s("fieldRels", "fieldRel", ("field",)),
    "fieldValues": _s(
        "fieldValues",
        "fieldValue",
        ("owner", "field"),
        eq={"filters[fieldid]": "field", "filters[val]": "value"},
    ),
    "lists": _s(
        "lists",
        "list",
        ("contactGoalLists", "user", "addressLists"),
        eq={"filters[name]": "name"},
    ),
    "contactLists": _s(
        "contactLists",
        "contactList",
        (
            "automation",
            "list",
            "contact",
            "form",
            "autosyncLog",
            "campaign",
            "unsubscribeAutomation",
            "message",
        ),
    ),
    "tags": _s(
        "tags",
        "tag",
        ("contactGoalTags",),
        like={"search": "tag", "filters[search]": "tag"},
        eq={"filters[tag]": "tag", "filters[tagType]": "tagType"},
    ),
    "contactTags": _s("contactTags", "contactTag", ("tag", "contact")),
    "contactAutomations": _s(
        "contactAutomations",
        "contactAutomation",
        ("automation", "contact", "contactGoals", "automationLogs"),
        eq={"filters[contact]": "contact", "filters[seriesid]": "seriesid"},
    ),
    "accounts": _s(
        "accounts",
        "account",
        ("notes", "accountCustomFieldData", "accountContacts"),
        like={"search": "name"},
    ),
    "accountContacts": _s(
        "accountContacts",
        "accountContact",
        ("account", "contact"),
        eq={"filters[contact]": "contact", "filters[account]": "account"},
    ),
    "accountCustomFieldMeta": _s(
        "accountCustomFieldMeta",
        "accountCustomFieldMetum",
        ("accountCustomFieldData",),
        meta=False,
        default_limit=100,
    ),
    "accountCustomFieldData": _s(
        "accountCustomFieldData",
        "accountCustomFieldDatum",
        ("account", "accountCustomFieldMetum"),
        eq={"filters[customerAccountId]": "accountId"},
        meta=False,
    ),
    "deals": _s(
        "deals",
        "deal",
        (
            "dealActivities",
            "contact",
            "contactDeals",
            "group",
            "nextTask",
            "notes",
            "account",
            "customerAccount",
            "organization",
            "owner",
            "scoreValues",
            "stage",
            "tasks",
            "dealCustomFieldData",
        ),
        eq={
            "filters[stage]": "stage",
            "filters[group]": "group",
            "filters[status]": "status",
            "filters[owner]": "owner",
        },
        like={"filters[title]": "title"},
        date_filters={
            "filters[updated_after]": ("mdate", "ge"),
            "filters[updated_before]": ("mdate", "le"),
            "filters[created_after]": ("cdate", "ge"),
            "filters[created_before]": ("cdate", "le"),
        },
    ),
    "dealStages": _s(
        "dealStages",
        "dealStage",
        ("group",),
        eq={"filters[d_groupid]": "group"},
        like={"filters[title]": "title"},
    ),
    "dealGroups": _s(
        "dealGroups",
        "dealGroup",
        ("stages", "dealGroupUsers", "dealGroupGroups"),
        like={"filters[title]": "title"},
    ),
    "dealTasks": _s(
        "dealTasks",
        "dealTask",
        (
            "activities",
            "automation",
            "blocks",
            "dealTasktype",
            "notes",
            "user",
            "assignee",
            "taskNotifications",
        ),
    ),
    "dealTasktypes": _s("dealTasktypes", "dealTasktype", ()),
    "dealCustomFieldMeta": _s(
        "dealCustomFieldMeta",
        "dealCustomFieldMetum",
        ("dealCustomFieldData",),
        meta=False,
        default_limit=100,
    ),
    "dealCustomFieldData": _s(
        "dealCustomFieldData",
        "dealCustomFieldDatum",
        ("deal", "dealCustomFieldMetum"),
        eq={"filters[dealId]": "dealId"},
        meta=False,
    ),
    "dealActivities": _s("dealActivities", "dealActivity", ("deal", "user", "stage")),
    "dealRoles": _s("dealRoles", "dealRole", ()),
    "contactDeals": _s("contactDeals", "contactDeal", ("deal", "contact")),
    "notes": _s("notes", "note", ("activities", "user", "mentions", "notes", "owner")),
    "automations": _s(
        "automations",
        "automation",
        (
            "campaigns",
            "contactGoals",
            "contactAutomations",
            "blocks",
            "goals",
            "sms",
            "sitemessages",
        ),
    ),
    "campaigns": _s(
        "campaigns",
        "campaign",
        (
            "user",
            "automation",
            "campaignMessage",
            "campaignMessages",
            "links",
            "aggregateRevenues",
            "segment",
            "campaignLists",
        ),
        eq={"filters[seriesid]": "seriesid"},
    ),
    "messages": _s("messages", "message", ("user", "messageLists", "campaignMessages")),
    "activities": _s("activities", "activity", ("user", "contact", "reference")),
    "emailActivities": _s(
        "emailActivities",
        "emailActivity",
        ("user", "subscriber", "deal"),
        eq={"filters[subscriberid]": "subscriberid", "filters[dealId]": "d_id"},
    ),
    "users": _s(
        "users", "user", ("lists", "userGroup", "dealGroupTotals", "dealGroupUsers", "configs")
    ),
    "groups": _s(
        "groups",
        "group",
        (
            "userGroups",
            "groupLimits",
            "dealGroupGroups",
            "listGroups",
            "addressGroups",
            "automationGroups",
        ),
    ),
    "groupLimits": _s("groupLimits", "groupLimit", ("group",)),
    "segments": _s("segments", "segment", ()),
    "forms": _s("forms", "form", ("address",)),
    "webhooks": _s(
        "webhooks",
        "webhook",
        (),
        eq={"filters[name]": "name", "filters[url]": "url", "filters[listid]": "listid"},
    ),
    "addresses": _s("addresses", "address", ("addressGroup", "addressList", "forms")),
    "brandings": _s("brandings", "branding", ("group",)),
    "calendars": _s("calendars", "calendar", ("calendarRels", "calendarUsers")),
    "connections": _s(
        "connections",
        "connection",
        ("options", "customers"),
        eq={"filters[service]": "service", "filters[externalid]": "externalid"},
    ),
    "ecomCustomers": _s(
        "ecomCustomers",
        "ecomCustomer",
        ("connection", "orders"),
        eq={
            "filters[email]": "email",
            "filters[externalid]": "externalid",
            "filters[connectionid]": "connectionid",
        },
    ),
    "ecomOrders": _s(
        "ecomOrders",
        "ecomOrder",
        ("connection", "customer", "orderProducts", "orderDiscounts", "orderActivities"),
        eq={
            "filters[connectionid]": "connectionid",
            "filters[externalid]": "externalid",
            "filters[externalcheckoutid]": "externalcheckoutid",
            "filters[email]": "email",
            "filters[state]": "state",
            "filters[customerid]": "customerid",
            "filters[external_created_date]": "externalCreatedDate",
        },
        order_alias={"external_created_date": "externalCreatedDate"},
    ),
    "ecomOrderProducts": _s("ecomOrderProducts", "ecomOrderProduct", ("ecomOrder",)),
    "savedResponses": _s("savedResponses", "savedResponse", ()),
    "scores": _s("scores", "score", ("scoreRules",)),
    "taskOutcomes": _s("taskOutcomes", "taskOutcome", (), eq={"filters[sentiment]": "sentiment"}),
    "tasktypeOutcomeRels": _s("tasktypeOutcomeRels", "tasktypeOutcomeRel", ()),
    "siteTrackingDomains": _s("siteTrackingDomains", "siteTrackingDomain", ()),
    "eventTrackingEvents": _s("eventTrackingEvents", "eventTrackingEvent", ()),
    "templates": _s("templates", "template", ()),
    "links": _s("links", "link", ("campaign", "message"), eq={"filters[campaignid]": "campaignid"}),
    "automationBlocks": _s("automationBlocks", "automationBlock", ()),
    "bounceLogs": _s(
        "bounceLogs", "bounceLog", ("bounce", "contact", "campaign", "message", "code")
    ),
    "campaignLists": _s("campaignLists", "campaignList", ("user", "list", "campaign")),
    "campaignMessages": _s("campaignMessages", "campaignMessage", ("campaign", "message")),
    "goals": _s("goals", "goal", ("automation", "automation_block")),
    "dealGroupUsers": _s("dealGroupUsers", "dealGroupUser", ("dealGroup", "user")),
    "configs": _s("configs", "config", ()),
    "personalizations": _s("personalizations", "personalization", ()),
    "conversions": _s("conversions", "conversion", ()),
    "conversionTriggers": _s("conversionTriggers", "conversionTrigger", ("conversion",)),
    "siteMessages": _s("siteMessages", "siteMessage", ()),
    "sms": _s("sms", "sms", ("automation",)),
    "contactData": _s("contactData", "contactDatum", ("contact",)),
    "contactEmails": _s("contactEmails", "contactEmail", ("contact", "campaign", "message")),
    "contactConversions": _s("contactConversions", "contactConversion", ("contact", "conversion")),
    "ecomOrderActivities": _s("ecomOrderActivities", "ecomOrderActivity", ("ecomOrder",)),
    "customObjects/schemas": _s("schemas", "schema", ()),
    "customObjects/records": _s("records", "record", ()),
}

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
