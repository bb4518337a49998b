"""Deterministic account data, generated from a seed and scaled by the number of contacts.

Account configuration (users, lists, fields, pipelines, custom field meta, ...) is small and
built eagerly. Everything that scales with contacts is rendered lazily from (seed, table, id):
startup only builds the parent-id arrays of one-to-many tables (e.g. which contact each
contactTag belongs to), so 100,000 contacts start in about a second.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from math import gcd
from typing import Any

from . import extras, names
from .store import Record, Table, owned_table
from .util import (
    ANCHOR_TS,
    SPAN_S,
    START_TS,
    ZERO_DATE,
    ZERO_DATETIME,
    fmt_date,
    fmt_naive,
    fmt_naive_utc,
    fmt_offset,
    fmt_utc_z,
    h1,
    list_row,
    salt_of,
)
from .world import World, ascii_fold

DAY = 86400


# Contact custom fields: (title, type, perstag, options)
CONTACT_FIELDS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("Company Size", "dropdown", "COMPANY_SIZE", ("1-10", "11-50", "51-200", "201+")),
    ("Birthday", "date", "BIRTHDAY", ()),
    ("Favourite Colour", "radio", "FAVOURITE_COLOUR", ("Red", "Green", "Blue")),
    ("Interests", "checkbox", "INTERESTS", ("Email", "SMS", "Events", "Webinars")),
    ("Job Title", "text", "JOB_TITLE", ()),
    ("Notes", "textarea", "NOTES", ()),
    ("Last Purchase", "datetime", "LAST_PURCHASE", ()),
    ("Lifetime Value", "text", "LIFETIME_VALUE", ()),
    ("Region", "listbox", "REGION", ("NA", "EMEA", "APAC", "LATAM")),
    ("Source", "hidden", "SOURCE", ()),
    ("Products Owned", "multiselect", "PRODUCTS_OWNED", ("Basic", "Pro", "Enterprise")),
    ("Website", "text", "WEBSITE", ()),
)

# (label, type, options, currency)
ACCOUNT_FIELDS: tuple[tuple[str, str, tuple[str, ...] | None, str | None], ...] = (
    ("Industry", "dropdown", ("Retail", "Software", "Finance", "Health"), None),
    ("Employees", "number", None, None),
    ("Annual Revenue", "currency", None, "usd"),
    ("Founded", "date", None, None),
    ("Description", "textarea", None, None),
    ("Segments", "multiselect", ("SMB", "Mid", "Enterprise"), None),
)
DEAL_FIELDS: tuple[tuple[str, str, tuple[str, ...] | None, str | None], ...] = (
    ("Lead Source", "dropdown", ("Web", "Referral", "Event", "Outbound"), None),
    ("Close Reason", "text", None, None),
    ("Contract Value", "currency", None, "usd"),
    ("Expected Close", "date", None, None),
    ("Competitors", "multiselect", ("Acme", "Globex", "Initech"), None),
    ("Seats", "number", None, None),
)

PIPELINES = (
    ("Sales", ("To Contact", "Qualified", "Proposal", "Negotiation", "Won")),
    ("Onboarding", ("Kickoff", "Setup", "Training", "Live")),
    ("Partnerships", ("Intro", "Evaluation", "Signed")),
)
TASK_TYPES = ("Call", "Email", "Meeting", "To-do")
OUTCOMES = (
    ("Connected", "3"),
    ("Left voicemail", "2"),
    ("No answer", "2"),
    ("Not interested", "1"),
)
LIST_NAMES = (
    "Newsletter",
    "Customers",
    "Leads",
    "Product Updates",
    "Webinars",
    "Partners",
    "Beta",
    "Events",
)
AUTOMATION_NAMES = (
    "Welcome series",
    "Abandoned cart",
    "Re-engagement",
    "Lead scoring",
    "Birthday",
    "Onboarding",
    "Trial nurture",
    "Post-purchase",
    "Win-back",
    "Event follow-up",
)
CO_SCHEMAS = (
    (
        "subscription",
        "Subscription",
        "Subscriptions",
        (
            ("plan", "Plan", "dropdown", ("basic", "pro", "enterprise")),
            ("renewal-date", "Renewal date", "date", ()),
            ("seats", "Seats", "number", ()),
        ),
    ),
    (
        "vehicle",
        "Vehicle",
        "Vehicles",
        (
            ("make", "Make", "text", ()),
            ("model-year", "Model year", "number", ()),
            ("registered", "Registered", "datetime", ()),
        ),
    ),
    (
        "ticket",
        "Support ticket",
        "Support tickets",
        (
            ("subject", "Subject", "text", ()),
            ("priority", "Priority", "dropdown", ("low", "normal", "high")),
        ),
    ),
)
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


def _uuid(seed: int, salt: int, i: int) -> str:
    a = h1(seed, salt, i)
    b = h1(seed, salt + 1, i)
    s = f"{a:016x}{b:016x}"
    return f"{s[:8]}-{s[8:12]}-4{s[13:16]}-a{s[17:20]}-{s[20:32]}"


def _coprime_step(n: int, start: int) -> int:
    p = start
    while n > 1 and gcd(p, n) != 1:
        p += 1
    return p


def build_config(w: World) -> None:
    seed = w.seed
    cfg_ts = START_TS - 90 * DAY

    def cts(name: str, i: int) -> int:
        return cfg_ts + h1(seed, salt_of(name), i) % (80 * DAY)

    users = []
    user_names = (
        ("admin", "Alex", "Admin"),
        ("sam.sales", "Sam", "Seller"),
        ("mo.marketing", "Mo", "Marketer"),
        ("sue.support", "Sue", "Helper"),
        ("dan.dev", "Dan", "Builder"),
    )
    for i, (u, f, last) in enumerate(user_names, 1):
        users.append(
            {
                "username": u,
                "firstName": f,
                "lastName": last,
                "email": f"{u}@sandbox.example",
                "phone": "",
                "signature": None,
                "id": str(i),
            }
        )
    w.eager("users", users)

    groups = []
    for i, (title, desc) in enumerate(
        (("Admin", "Full access"), ("Sales", "Sales team"), ("Marketing", "Marketing team")), 1
    ):
        groups.append(
            {
                "title": title,
                "descript": desc,
                "unsubscribelink": "0",
                "optinconfirm": "0",
                "pg_list_add": "1",
                "pg_list_edit": "1",
                "pg_list_delete": "1" if i == 1 else "0",
                "pg_contact_add": "1",
                "pg_contact_edit": "1",
                "pg_contact_delete": "1" if i == 1 else "0",
                "pg_deal_add": "1",
                "pg_deal_edit": "1",
                "pg_deal_delete": "0",
                "req_approval": "0",
                "req_approval_1st": "2",
                "socialdata": "0",
                "id": str(i),
            }
        )
    w.eager("groups", groups)
    w.eager(
        "groupLimits",
        [
            {
                "groupid": str(i),
                "limit_mail": "0",
                "limit_mail_type": "month",
                "limit_contact": "0",
                "limit_list": "0",
                "limit_campaign": "0",
                "limit_campaign_type": "month",
                "limit_attachment": "-1",
                "limit_user": "0",
                "abuseratio": "4",
                "forcesenderinfo": "0",
                "group": str(i),
                "id": str(i),
            }
            for i in range(1, 4)
        ],
    )
    w.eager(
        "brandings",
        [
            {
                "groupid": str(i),
                "site_name": "Sandbox Marketing",
                "site_logo": "",
                "site_logo_small": "",
                "header_text": "0",
                "header_text_value": "",
                "header_html": "0",
                "header_html_value": "",
                "footer_text": "0",
                "footer_text_value": "",
                "footer_html": "0",
                "footer_html_value": "",
                "copyright": "1",
                "version": "1",
                "license": "1",
                "help": "1",
                "admin_template_htm": "",
                "admin_template_css": "",
                "public_template_htm": "",
                "public_template_css": "",
                "favicon": "favicon.ico",
                "group": str(i),
                "id": str(i),
            }
            for i in range(1, 4)
        ],
    )

    lists = []
    for i, nm in enumerate(LIST_NAMES, 1):
        t = cts("lists", i)
        lists.append(
            list_row(
                nm,
                nm.lower().replace(" ", "-"),
                fmt_offset(t),
                sender_name="Sandbox Co",
                sender_addr1="1 Example Way",
                sender_city="Springfield",
                sender_state="IL",
                sender_zip="62701",
                sender_country="United States",
                sender_url="https://sandbox.example",
                sender_reminder="You signed up at sandbox.example",
                udate=None if i % 3 else fmt_offset(t + 5 * DAY),
                id=str(i),
            )
        )
    w.eager("lists", lists)

    fields, options, rels = [], [], []
    for i, (title, typ, perstag, opts) in enumerate(CONTACT_FIELDS, 1):
        t = cts("fields", i)
        opt_ids = []
        for j, o in enumerate(opts, 1):
            oid = len(options) + 1
            opt_ids.append(str(oid))
            options.append(
                {
                    "field": str(i),
                    "orderid": str(j),
                    "value": o,
                    "label": o,
                    "isdefault": "0",
                    "cdate": fmt_offset(t),
                    "udate": fmt_offset(t),
                    "id": str(oid),
                }
            )
        rels.append(
            {
                "field": str(i),
                "relid": "0",
                "dorder": str(i),
                "cdate": fmt_offset(t),
                "id": str(i),
            }
        )
        fields.append(
            {
                "title": title,
                "descript": "",
                "type": typ,
                "isrequired": "0",
                "perstag": perstag,
                "defval": "",
                "show_in_list": "0",
                "rows": "0",
                "cols": "0",
                "visible": "1",
                "service": "",
                "ordernum": str(i),
                "cdate": fmt_offset(t),
                "udate": fmt_offset(t),
                "created_timestamp": fmt_naive(t),
                "updated_timestamp": fmt_naive(t),
                "created_by": None,
                "updated_by": None,
                "options": opt_ids,
                "relations": [str(i)],
                "id": str(i),
            }
        )
    w.eager("fields", fields)
    w.eager("fieldOptions", options)
    w.eager("fieldRels", rels)

    stages, pipelines = [], []
    for gi, (title, stage_names) in enumerate(PIPELINES, 1):
        t = cts("dealGroups", gi)
        sids = []
        for order, sname in enumerate(stage_names, 1):
            sid = len(stages) + 1
            sids.append(str(sid))
            stages.append(
                {
                    "group": str(gi),
                    "title": sname,
                    "color": "32B0FC",
                    "order": str(order),
                    "width": "280",
                    "dealOrder": "next-action DESC",
                    "cardRegion1": "title",
                    "cardRegion2": "next-action",
                    "cardRegion3": "show-avatar",
                    "cardRegion4": "contact-fullname-orgname",
                    "cardRegion5": "value",
                    "cdate": fmt_offset(t),
                    "udate": fmt_offset(t),
                    "id": str(sid),
                }
            )
        pipelines.append(
            {
                "title": title,
                "currency": "usd",
                "autoassign": "1",
                "allgroups": "0",
                "allusers": "1",
                "cdate": fmt_offset(t),
                "udate": fmt_offset(t),
                "stages": sids,
                "id": str(gi),
            }
        )
    w.eager("dealGroups", pipelines)
    w.eager("dealStages", stages)
    w.stage_group = {int(s["id"]): int(s["group"]) for s in stages}
    w.eager(
        "dealTasktypes",
        [{"title": tt, "status": "1", "id": str(i)} for i, tt in enumerate(TASK_TYPES, 1)],
    )
    w.eager(
        "taskOutcomes",
        [
            {
                "title": t,
                "sentiment": s,
                "cdate": fmt_offset(cts("taskOutcomes", i)),
                "udate": fmt_offset(cts("taskOutcomes", i)),
                "id": str(i),
            }
            for i, (t, s) in enumerate(OUTCOMES, 1)
        ],
    )
    rels2 = []
    for tt in range(1, len(TASK_TYPES) + 1):
        for oc in range(1, len(OUTCOMES) + 1):
            if (tt + oc) % 2 == 0 or tt == 1:
                rels2.append(
                    {
                        "taskOutcomeId": str(oc),
                        "dealTasktypeId": str(tt),
                        "id": str(len(rels2) + 1),
                    }
                )
    w.eager("tasktypeOutcomeRels", rels2)
    w.eager(
        "dealRoles",
        [
            {
                "title": r,
                "cdate": fmt_offset(cts("dealRoles", i)),
                "udate": fmt_offset(cts("dealRoles", i)),
                "id": str(i),
            }
            for i, r in enumerate(("Decision maker", "Champion", "Influencer"), 1)
        ],
    )

    for name, spec in (
        ("accountCustomFieldMeta", ACCOUNT_FIELDS),
        ("dealCustomFieldMeta", DEAL_FIELDS),
    ):
        rows = []
        for i, (label, typ, opts, cur) in enumerate(spec, 1):
            t = cts(name, i)
            rows.append(
                {
                    "id": str(i),
                    "fieldLabel": label,
                    "fieldType": typ,
                    "fieldOptions": list(opts) if opts else None,
                    "fieldDefault": None,
                    "fieldDefaultCurrency": cur,
                    "isFormVisible": 1 if i % 2 else 0,
                    "isRequired": 0,
                    "displayOrder": i,
                    "personalization": "",
                    "knownFieldId": None,
                    "hideFieldFlag": 0,
                    "createdTimestamp": fmt_naive(t),
                    "updatedTimestamp": fmt_naive(t + DAY),
                }
            )
        w.eager(name, rows)

    autos = []
    for i, nm in enumerate(AUTOMATION_NAMES, 1):
        t = cts("automations", i)
        autos.append(
            {
                "name": nm,
                "cdate": fmt_offset(t),
                "mdate": fmt_offset(t + 3 * DAY),
                "userid": "1",
                "status": "1" if i % 4 else "2",
                "entered": str(h1(seed, 7, i) % 5000),
                "exited": str(h1(seed, 8, i) % 3000),
                "hidden": "0",
                "defaultscreenshot": "",
                "screenshot": "",
                "id": str(i),
            }
        )
    w.eager("automations", autos)

    msgs, camps = [], []
    for i in range(1, 16):
        hh = w.h("campaigns", i)
        t = cts("campaigns", i) + i * 20 * DAY
        subj = hh.pick(names.SUBJECTS)
        msgs.append(
            {
                "userid": "1",
                "ed_instanceid": "0",
                "ed_version": "2",
                "cdate": fmt_offset(t),
                "mdate": fmt_offset(t + 3600),
                "name": subj,
                "fromname": "Sandbox Co",
                "fromemail": "news@sandbox.example",
                "reply2": "",
                "priority": "3",
                "charset": "utf-8",
                "encoding": "quoted-printable",
                "format": "mime",
                "subject": subj,
                "preheader_text": "",
                "text": f"{subj}\n\n--",
                "html": f"<p>{subj}</p>",
                "htmlfetch": "",
                "textfetch": "",
                "hidden": "0",
                "prev_id": "0",
                "sourcesize": "0",
                "user": "1",
                "id": str(i),
            }
        )
        sent = 200 + hh.n(5000)
        opens = hh.n(sent)
        sdate = fmt_offset(t + DAY) if i % 5 else None
        camps.append(
            {
                "type": "single" if i % 4 else "automation",
                "userid": "1",
                "segmentid": "0",
                "bounceid": "-1",
                "realcid": "0",
                "sendid": "0",
                "threadid": "0",
                "seriesid": str(i % 10 + 1) if i % 4 == 0 else "0",
                "formid": "0",
                "basetemplateid": "0",
                "basemessageid": "0",
                "addressid": "0",
                "source": "web",
                "name": f"{subj} #{i}",
                "cdate": fmt_offset(t),
                "mdate": fmt_offset(t + 7200),
                "sdate": sdate,
                "ldate": sdate,
                "send_amt": str(sent),
                "total_amt": str(sent),
                "opens": str(opens),
                "uniqueopens": str(opens // 2),
                "linkclicks": str(opens // 3),
                "uniquelinkclicks": str(opens // 5),
                "subscriberclicks": str(opens // 5),
                "forwards": "0",
                "uniqueforwards": "0",
                "hardbounces": str(hh.n(20)),
                "softbounces": str(hh.n(40)),
                "unsubscribes": str(hh.n(30)),
                "unsubreasons": "0",
                "updates": "0",
                "socialshares": "0",
                "replies": "0",
                "uniquereplies": "0",
                "status": "5" if sdate else "0",
                "public": "1",
                "mail_transfer": "0",
                "mail_send": "1",
                "mail_cleanup": "1",
                "mailer_log_file": "0",
                "tracklinks": "all",
                "tracklinksanalytics": "0",
                "trackreads": "1",
                "trackreadsanalytics": "0",
                "analytics_campaign_name": "",
                "tweet": "0",
                "facebook": "0",
                "survey": "",
                "embed_images": "0",
                "htmlunsub": "1",
                "textunsub": "1",
                "htmlunsubdata": None,
                "textunsubdata": None,
                "recurring": "",
                "willrecur": "0",
                "split_type": "even",
                "split_content": "0",
                "split_offset": "0",
                "split_offset_type": "day",
                "split_winner_messageid": "0",
                "split_winner_awaiting": "0",
                "responder_offset": "0",
                "responder_type": "subscribe",
                "responder_existing": "0",
                "reminder_field": "sdate",
                "reminder_format": None,
                "reminder_type": "month_day",
                "reminder_offset": "0",
                "reminder_offset_type": "day",
                "reminder_offset_sign": "+",
                "reminder_last_cron_run": None,
                "activerss_interval": "day1",
                "activerss_url": None,
                "activerss_items": "10",
                "ip4": "0",
                "laststep": "",
                "managetext": "0",
                "schedule": "0",
                "scheduleddate": None,
                "waitpreview": "0",
                "deletestamp": None,
                "replysys": "0",
                "user": "1",
                "automation": str(i % 10 + 1) if i % 4 == 0 else None,
                "id": str(i),
            }
        )
    w.eager("messages", msgs)
    w.eager("campaigns", camps)

    w.eager(
        "segments",
        [
            {
                "name": nm,
                "logic": "and",
                "hidden": "0",
                "seriesid": "0",
                "created_timestamp": fmt_naive(cts("segments", i)),
                "updated_timestamp": fmt_naive(cts("segments", i) + DAY),
                "created_by": "1",
                "updated_by": "1",
                "id": str(i),
            }
            for i, nm in enumerate(
                ("Engaged", "VIP buyers", "Inactive 90d", "Trial users", "EMEA leads"), 1
            )
        ],
    )
    w.eager(
        "forms",
        [
            {
                "name": nm,
                "action": "",
                "actiondata": {
                    "actions": [{"type": "subscribe-to-list", "email": "", "list": "1"}]
                },
                "submit": "show-thank-you",
                "submitdata": {"url": ""},
                "allowmultiple": "0",
                "url": "",
                "layout": "inline-form",
                "title": nm,
                "body": "",
                "button": "Submit",
                "thanks": "Thanks for signing up!",
                "style": {},
                "options": {},
                "cfields": [{"type": "email", "header": "Email", "required": True}],
                "parentformid": "0",
                "userid": "1",
                "addressid": "0",
                "cdate": fmt_offset(cts("forms", i)),
                "udate": fmt_offset(cts("forms", i) + DAY),
                "entries": str(h1(seed, 11, i) % 900),
                "aid": "0",
                "defaultscreenshot": "",
                "user": "1",
                "address": None,
                "id": str(i),
            }
            for i, nm in enumerate(
                ("Newsletter signup", "Webinar registration", "Contact us", "Ebook download"), 1
            )
        ],
    )
    w.eager(
        "webhooks",
        [
            {
                "cdate": fmt_offset(cts("webhooks", i)),
                "listid": str(i - 1),
                "name": nm,
                "url": f"https://hooks.example/{nm.lower().replace(' ', '-')}",
                "events": list(ev),
                "sources": ["public", "admin", "api", "system"],
                "id": str(i),
            }
            for i, (nm, ev) in enumerate(
                (
                    ("CRM sync", ("subscribe", "unsubscribe", "update")),
                    ("Deal alerts", ("deal_add", "deal_update")),
                    ("Tag feed", ("contact_tag_added", "contact_tag_removed")),
                ),
                1,
            )
        ],
    )
    w.eager(
        "addresses",
        [
            {
                "companyName": "Sandbox Co",
                "address1": "1 Example Way",
                "address2": "",
                "city": "Springfield",
                "state": "IL",
                "zip": "62701",
                "district": "",
                "country": "US",
                "allgroup": "1",
                "is_default": True,
                "id": "1",
            },
            {
                "companyName": "Sandbox EU",
                "address1": "2 Sample Strasse",
                "address2": "",
                "city": "Berlin",
                "state": "",
                "zip": "10115",
                "district": "",
                "country": "DE",
                "allgroup": "0",
                "is_default": False,
                "id": "2",
            },
        ],
    )
    w.eager(
        "calendars",
        [
            {
                "userid": "1",
                "title": t,
                "type": typ,
                "notification": "0",
                "token": f"{h1(seed, 21, i):016x}",
                "cdate": fmt_offset(cts("calendars", i)),
                "mdate": fmt_offset(cts("calendars", i)),
                "user": "1",
                "id": str(i),
            }
            for i, (t, typ) in enumerate((("All tasks", "All"), ("Calls", "Call")), 1)
        ],
    )
    conns = []
    for i, (svc, nm) in enumerate(
        (
            ("shopify", "Sandbox Shop"),
            ("woocommerce", "Woo Store"),
            ("fooCommerce", "Toystore, Inc."),
        ),
        1,
    ):
        t = cts("connections", i)
        conns.append(
            {
                "isInternal": "0",
                "connectionType": "ecommerce",
                "service": svc,
                "externalid": f"{svc}-store-{i}",
                "name": nm,
                "logoUrl": f"https://{svc}.example/logo.png",
                "linkUrl": f"https://{svc}.example/",
                "cdate": fmt_offset(t),
                "udate": fmt_offset(t + DAY),
                "status": "1",
                "syncStatus": "0",
                "sync_request_time": None,
                "sync_start_time": None,
                "lastSync": None,
                "credentialExpiration": None,
                "id": str(i),
            }
        )
    w.eager("connections", conns)
    w.eager(
        "savedResponses",
        [
            {
                "title": t,
                "subject": t,
                "body": f"Hi %FIRSTNAME%, {t.lower()}.",
                "ldate": None,
                "lastuse": None,
                "cdate": fmt_offset(cts("savedResponses", i)),
                "mdate": fmt_offset(cts("savedResponses", i)),
                "id": str(i),
            }
            for i, t in enumerate(
                ("Thanks for your interest", "Following up", "Meeting recap", "Pricing"), 1
            )
        ],
    )
    w.eager(
        "scores",
        [
            {
                "reltype": rt,
                "name": nm,
                "descript": "",
                "status": "1",
                "cdate": fmt_offset(cts("scores", i)),
                "mdate": fmt_offset(cts("scores", i)),
                "id": str(i),
            }
            for i, (rt, nm) in enumerate(
                (("contact", "Engagement"), ("contact", "Fit"), ("deal", "Deal health")), 1
            )
        ],
    )
    w.eager(
        "siteTrackingDomains",
        [
            {"name": d, "id": str(i)}
            for i, d in enumerate(
                ("sandbox.example", "shop.sandbox.example", "blog.sandbox.example"), 1
            )
        ],
    )
    w.eager(
        "eventTrackingEvents",
        [
            {"name": nm, "id": str(i)}
            for i, nm in enumerate(
                ("signup", "purchase", "viewed pricing", "trial started", "video watched"), 1
            )
        ],
    )
    # Custom object schemas
    schemas = []
    for i, (slug, sing, plur, flds) in enumerate(CO_SCHEMAS, 1):
        sid = _uuid(seed, 31, i)
        w.schema_ids.append(sid)
        t = cts("schemas", i)
        fl = []
        for fid, label, typ, opts in flds:
            f: Record = {
                "id": fid,
                "labels": {"singular": label, "plural": label + "s"},
                "type": typ,
                "required": fid == flds[0][0],
                "inherited": False,
            }
            if opts:
                f["options"] = [{"id": o, "value": o} for o in opts]
            fl.append(f)
        schemas.append(
            {
                "id": sid,
                "slug": slug,
                "visibility": "private",
                "labels": {"singular": sing, "plural": plur},
                "description": f"{plur} synced from the sandbox",
                "appId": None,
                "fields": fl,
                "icons": {
                    "default": "https://d226aj4ao1t61q.cloudfront.net/n9b9n8nyc_customobject.png"
                },
                "relationships": [
                    {
                        "id": "primary-contact",
                        "labels": {"singular": "Primary Contact", "plural": "Primary Contacts"},
                        "description": "Primary contact to this object",
                        "namespace": "contacts",
                        "hasMany": False,
                        "inherited": False,
                    }
                ],
                "createdTimestamp": fmt_utc_z(t),
                "updatedTimestamp": fmt_utc_z(t + DAY),
            }
        )
    w.eager("customObjects/schemas", schemas)


# -- contact-scaled data -------------------------------------------------------------------


def build_tags(w: World) -> None:
    n = w.n
    T = w.tables
    ntags = 20 + n // 500 if n else 0

    # tags
    def gen_tag(i: int) -> Record:
        hh = w.h("tags", i)
        word = names.TAG_WORDS[(i - 1) % len(names.TAG_WORDS)]
        tag = word if i <= len(names.TAG_WORDS) else f"{word}-{i}"
        t = START_TS - 30 * DAY + hh.n(SPAN_S)
        return {
            "tagType": "contact",
            "tag": tag,
            "description": "",
            "cdate": fmt_offset(t),
            "subscriber_count": str(hh.n(n // 5 + 1)),
            "created_timestamp": fmt_naive(t),
            "updated_timestamp": fmt_naive(t),
            "created_by": None,
            "updated_by": None,
            "deleted": "0",
            "id": str(i),
        }

    T["tags"] = Table("tags", gen_tag, ntags)


def build_contacts(w: World) -> None:
    n = w.n
    seed = w.seed
    T = w.tables
    ntags = 20 + n // 500 if n else 0
    nlists = len(T["lists"])
    nfields = len(T["fields"])
    nauto = len(T["automations"])

    def gen_contact(i: int) -> Record:
        first, last, email = w.contact_basics(i)
        c = w.contact_cdate(i)
        u = w.contact_udate(i)
        hh = w.h("contacts", i)
        bounced = hh.n(40) == 0
        phone = "" if hh.n(3) == 0 else f"+1-555-{hh.n(900) + 100:03d}-{hh.n(10000):04d}"
        if i % 97 == 0:
            first = ""
        nc, nu = fmt_naive(c), fmt_naive(u)  # one formatting per timestamp
        oc = nc[:10] + "T" + nc[11:] + "-05:00"
        ou = nu[:10] + "T" + nu[11:] + "-05:00"
        return {
            "cdate": oc,
            "email": email,
            "phone": phone,
            "firstName": first,
            "lastName": last,
            "orgid": "0",
            "orgname": "",
            "segmentio_id": "",
            "bounced_hard": "1" if bounced else "0",
            "bounced_soft": "0",
            "bounced_date": nu[:10] if bounced else ZERO_DATE,
            "ip": "0",
            "ua": "",
            "hash": hh.hex(32),
            "socialdata_lastcheck": ZERO_DATETIME,
            "email_local": "",
            "email_domain": "",
            "sentcnt": str(hh.n(60)),
            "rating_tstamp": ZERO_DATE,
            "gravatar": str(hh.n(2)),
            "deleted": "0",
            "anonymized": "0",
            "adate": nu if hh.n(2) else None,
            "udate": ou,
            "edate": nu if hh.n(3) == 0 else ZERO_DATETIME,
            "deleted_at": None,
            "created_utc_timestamp": fmt_naive_utc(c),
            "updated_utc_timestamp": fmt_naive_utc(u),
            "created_timestamp": nc,
            "updated_timestamp": nu,
            "created_by": None,
            "updated_by": None,
            "email_empty": False,
            "mpp_tracking": "0",
            "scoreValues": [],
            "accountContacts": [],
            "id": str(i),
            "organization": None,
        }

    T["contacts"] = Table(
        "contacts",
        gen_contact,
        n,
        fast={
            "udate": lambda i: fmt_offset(w.contact_udate(i)),
            "cdate": lambda i: fmt_offset(w.contact_cdate(i)),
            "email": lambda i: w.contact_basics(i)[2],
            "_ts:udate": w.contact_udate,
            "_ts:cdate": w.contact_cdate,
        },
    )

    # contactTags
    ct_own, ct_slot = w.fanout("contactTags", n, (0, 1, 2, 2, 3, 3, 3, 2))

    def ct_tag(i: int) -> int:
        o = ct_own[i - 1]
        return (h1(seed, 41, o) % ntags + 7 * ct_slot[i - 1]) % ntags + 1

    def gen_ct(i: int) -> Record:
        o = ct_own[i - 1]
        c = w.contact_cdate(o)
        t = w.ts_between(w.h("contactTags", i), c)
        return {
            "contact": str(o),
            "tag": str(ct_tag(i)),
            "cdate": fmt_offset(t),
            "created_timestamp": fmt_naive(t),
            "updated_timestamp": fmt_naive(t),
            "created_by": None,
            "updated_by": None,
            "id": str(i),
        }

    T["contactTags"] = owned_table(
        "contactTags", gen_ct, ct_own, "contact", {"tag": lambda i: str(ct_tag(i))}
    )

    # contactLists
    cl_own, cl_slot = w.fanout("contactLists", n, (1, 1, 2, 2))

    def cl_list(i: int) -> int:
        return (h1(seed, 42, cl_own[i - 1]) % nlists + 3 * cl_slot[i - 1]) % nlists + 1

    def cl_status(i: int) -> str:
        return "2" if h1(seed, 43, i) % 8 == 0 else "1"

    def gen_cl(i: int) -> Record:
        o = cl_own[i - 1]
        c = w.contact_cdate(o)
        hh = w.h("contactLists", i)
        s = w.ts_between(hh, c)
        st = cl_status(i)
        # udate is the unsubscribe date (null while subscribed); the membership last
        # changed when it was unsubscribed, else when it was made
        u = w.ts_between(hh, s) if st == "2" else s
        first, last, _ = w.contact_basics(o)
        return {
            "contact": str(o),
            "list": str(cl_list(i)),
            "form": None,
            "seriesid": "0",
            "sdate": fmt_offset(s),
            "udate": fmt_offset(u) if st == "2" else None,
            "status": st,
            "responder": "1",
            "sync": "0",
            "unsubreason": "Too many emails" if st == "2" else None,
            "campaign": None,
            "message": None,
            "first_name": first,
            "last_name": last,
            "ip4Sub": "0",
            "sourceid": "0",
            "autosyncLog": None,
            "ip4_last": "0",
            "ip4Unsub": "0",
            "unsubscribeAutomation": None,
            "automation": None,
            "created_timestamp": fmt_offset(s),
            "updated_timestamp": fmt_offset(u),
            "id": str(i),
        }

    T["contactLists"] = owned_table(
        "contactLists",
        gen_cl,
        cl_own,
        "contact",
        {"list": lambda i: str(cl_list(i)), "status": cl_status},
    )

    # fieldValues
    fv_own, fv_slot = w.fanout("fieldValues", n, (2, 3, 3, 4))

    def fv_field(i: int) -> int:
        return (h1(seed, 44, fv_own[i - 1]) % nfields + 5 * fv_slot[i - 1]) % nfields + 1

    def fv_value(i: int) -> str:
        f = fv_field(i)
        _, typ, _, opts = CONTACT_FIELDS[f - 1]
        hh = w.h("fieldValues#v", i)
        if typ in ("dropdown", "radio"):
            return hh.pick(opts)
        if typ in ("checkbox", "multiselect", "listbox"):
            chosen = [o for o in opts if hh.n(2)] or [opts[0]]
            return "||" + "||".join(chosen) + "||"
        if typ == "date":
            return fmt_date(START_TS - hh.n(40 * 365) * DAY)
        if typ == "datetime":
            return fmt_offset(w.ts_between(hh, START_TS))
        if f == 5:
            return hh.pick(("Engineer", "Manager", "Director", "Founder", "Analyst"))
        if f == 8:
            return str(hh.n(100000) / 100)
        if f == 12:
            return f"https://www.{hh.pick(names.DOMAINS)}/"
        if f == 10:
            return hh.pick(("import", "form", "api", ""))
        return hh.pick(names.NOTE_TEXTS) if hh.n(2) else ""

    def gen_fv(i: int) -> Record:
        o, hh, c = w.contact_event("fieldValues", fv_own, i)
        u = w.ts_between(hh, c)
        return {
            "contact": str(o),
            "field": str(fv_field(i)),
            "value": fv_value(i),
            "cdate": fmt_offset(c),
            "udate": fmt_offset(u),
            "created_by": "0",
            "updated_by": "0",
            "owner": str(o),
            "id": str(i),
        }

    T["fieldValues"] = owned_table(
        "fieldValues",
        gen_fv,
        fv_own,
        "contact",
        {"field": lambda i: str(fv_field(i)), "value": fv_value},
    )

    # contactAutomations
    ca_own, _ = w.fanout("contactAutomations", n, (1, 0, 0, 0, 0))

    def gen_ca(i: int) -> Record:
        o = ca_own[i - 1]
        hh = w.h("contactAutomations", i)
        a = hh.n(nauto) + 1
        add = w.ts_between(hh, w.contact_cdate(o))
        done = hh.n(3) > 0
        last = w.ts_between(hh, add)
        total = 4 + hh.n(6)
        comp = total if done else hh.n(total)
        return {
            "contact": str(o),
            "seriesid": str(a),
            "startid": "0",
            "status": "2" if done else "1",
            "batchid": None,
            "adddate": fmt_offset(add),
            "remdate": fmt_offset(last) if done else None,
            "timespan": str(last - add) if done else None,
            "lastblock": str(hh.n(30)),
            "lastlogid": str(hh.n(100000)),
            "lastdate": fmt_offset(last),
            "in_als": "0",
            "completedElements": comp,
            "totalElements": total,
            "completed": 1 if done else 0,
            "completeValue": 100 if done else int(comp * 100 / total),
            "automation": str(a),
            "id": str(i),
        }

    T["contactAutomations"] = owned_table("contactAutomations", gen_ca, ca_own, "contact")


def build_accounts(w: World) -> None:
    n = w.n
    seed = w.seed
    T = w.tables
    nusers = len(T["users"])

    # accounts
    nacc = n // 20 if n else 0

    def acc_created(i: int) -> int:
        return START_TS + h1(seed, 45, i) % (SPAN_S - 10 * DAY)

    def acc_updated(i: int) -> int:
        c = acc_created(i)
        return c + h1(seed, 46, i) % max(ANCHOR_TS - c, 1)

    def acc_name(i: int) -> str:
        hh = w.h("accounts#n", i)
        return f"{hh.pick(names.COMPANY_WORDS)} {hh.pick(names.COMPANY_SUFFIX)} {i}"

    def gen_acc(i: int) -> Record:
        nm = acc_name(i)
        slug = ascii_fold(nm).replace(" ", "-")
        return {
            "name": nm,
            "accountUrl": f"https://www.{slug}.example",
            "owner": str(h1(seed, 47, i) % nusers + 1),
            "createdTimestamp": fmt_offset(acc_created(i)),
            "updatedTimestamp": fmt_offset(acc_updated(i)),
            "contactCount": "0",
            "dealCount": "0",
            "id": str(i),
        }

    T["accounts"] = Table("accounts", gen_acc, nacc, fast={"name": acc_name})

    # accountContacts: distinct contacts through a coprime stride
    ac_own, _ = w.fanout("accountContacts", nacc, (1, 2, 2, 3))
    stride = _coprime_step(n, 7919)

    def ac_contact(i: int) -> int:
        return ((i - 1) * stride) % n + 1

    def gen_ac(i: int) -> Record:
        a = ac_own[i - 1]
        ct = ac_contact(i)
        t = max(acc_created(a), w.contact_cdate(ct))
        hh = w.h("accountContacts", i)
        t = w.ts_between(hh, t)
        return {
            "account": str(a),
            "contact": str(ct),
            "jobTitle": hh.pick(("", "CEO", "CTO", "Buyer", "Manager", "Engineer")),
            "createdTimestamp": fmt_offset(t),
            "updatedTimestamp": fmt_offset(t),
            "id": str(i),
        }

    T["accountContacts"] = owned_table(
        "accountContacts", gen_ac, ac_own, "account", {"contact": lambda i: str(ac_contact(i))}
    )

    # accountCustomFieldData
    custom_field_data(
        w,
        "accountCustomFieldData",
        "accountId",
        "accountCustomFieldMetumId",
        nacc,
        ACCOUNT_FIELDS,
        acc_created,
    )


def build_deals(w: World) -> None:
    n = w.n
    seed = w.seed
    T = w.tables
    nusers = len(T["users"])
    nstages = len(T["dealStages"])
    nacc = len(T["accounts"])

    # deals
    ndeals = n // 10 if n else 0
    dstride = _coprime_step(n, 104729)

    def deal_contact(i: int) -> int:
        return ((i - 1) * dstride + 17) % n + 1

    def deal_stage(i: int) -> int:
        return h1(seed, 48, i) % nstages + 1

    def deal_created(i: int) -> int:
        return w.contact_cdate(deal_contact(i)) + h1(seed, 49, i) % (30 * DAY)

    def deal_updated(i: int) -> int:
        c = deal_created(i)
        return c + h1(seed, 50, i) % max(ANCHOR_TS - c, 1)

    def wp_on(i: int) -> bool:
        return h1(seed, 58, i) % 120 < 100

    def gen_deal(i: int) -> Record:
        hh = w.h("deals", i)
        st = deal_stage(i)
        c = deal_created(i)
        u = deal_updated(i)
        status = hh.pick(("0", "0", "0", "1", "2"))
        acc = str(hh.n(nacc) + 1) if nacc and hh.n(3) else None
        return {
            "hash": hh.hex(8),
            "owner": str(hh.n(nusers) + 1),
            "contact": str(deal_contact(i)),
            "organization": None,
            "group": str(w.stage_group[st]),
            "stage": str(st),
            "title": f"{hh.pick(names.PRODUCT_WORDS)} deal {i}",
            "description": "" if hh.n(2) else hh.pick(names.NOTE_TEXTS),
            "percent": "0",
            "cdate": fmt_offset(c),
            "mdate": fmt_offset(u),
            "nextdate": None,
            "nexttaskid": None,
            "value": str(hh.n(5000) * 100),
            "currency": hh.pick(names.CURRENCIES),
            # a number (or null) in the documented example
            "winProbability": h1(seed, 58, i) % 120 if wp_on(i) else None,
            "winProbabilityMdate": fmt_offset(u) if wp_on(i) else None,
            "status": status,
            "activitycount": str(hh.n(10)),
            "nextdealid": None,
            # naive, or the zero date while the deal is open, as documented
            "edate": fmt_naive(u) if status != "0" else ZERO_DATETIME,
            "isDisabled": False,
            "account": acc,
            "customerAccount": acc,
            "id": str(i),
        }

    T["deals"] = Table(
        "deals",
        gen_deal,
        ndeals,
        fast={
            "mdate": lambda i: fmt_offset(deal_updated(i)),
            "cdate": lambda i: fmt_offset(deal_created(i)),
            "_ts:mdate": deal_updated,
            "_ts:cdate": deal_created,
            "stage": lambda i: str(deal_stage(i)),
            "group": lambda i: str(w.stage_group[deal_stage(i)]),
            "contact": lambda i: str(deal_contact(i)),
        },
    )

    custom_field_data(
        w,
        "dealCustomFieldData",
        "dealId",
        "dealCustomFieldMetumId",
        ndeals,
        DEAL_FIELDS,
        deal_created,
    )

    # dealTasks
    dt_own, _ = w.fanout("dealTasks", ndeals, (0, 1))
    ntt = len(T["dealTasktypes"])

    def gen_dt(i: int) -> Record:
        d = dt_own[i - 1]
        hh = w.h("dealTasks", i)
        c = w.ts_between(hh, deal_created(d))
        due = c + hh.n(20 * DAY)
        done = hh.n(2)
        u = w.ts_between(hh, c)
        uid = str(hh.n(nusers) + 1)
        return {
            "duedate": fmt_offset(due),
            "edate": fmt_offset(due + 1800),
            "status": str(done),
            "title": hh.pick(("Follow up", "Send proposal", "Call back", "Demo")),
            "note": "",
            "relid": str(d),
            "reltype": "Deal",
            "d_tasktypeid": str(hh.n(ntt) + 1),
            "userid": uid,
            "assignee": uid,
            "automation": None,
            "outcomeId": str(hh.n(4) + 1) if done else None,
            "outcomeInfo": None,
            "cdate": fmt_offset(c),
            "udate": fmt_offset(u),
            "done_automation": None,
            "owner": {"type": "deal", "id": str(d)},
            "user": uid,
            "id": str(i),
        }

    T["dealTasks"] = owned_table("dealTasks", gen_dt, dt_own, "relid")

    # dealActivities
    da_own, _ = w.fanout("dealActivities", ndeals, (1, 2, 2, 3))

    def gen_da(i: int) -> Record:
        d = da_own[i - 1]
        hh = w.h("dealActivities", i)
        c = w.ts_between(hh, deal_created(d))
        action = hh.pick(("add", "stage", "update", "note"))
        return {
            "d_dealid": str(d),
            "d_stageid": str(deal_stage(d)),
            "userid": str(hh.n(nusers) + 1),
            "seriesid": "0",
            "dataId": str(d),
            "dataType": "deal",
            "dataAction": action,
            "dataOldval": str(hh.n(nstages) + 1) if action == "stage" else "",
            "dataNewval": str(deal_stage(d)) if action == "stage" else "",
            "cdate": fmt_offset(c),
            "deal": str(d),
            "user": str(hh.n(nusers) + 1),
            "id": str(i),
        }

    T["dealActivities"] = owned_table("dealActivities", gen_da, da_own, "d_dealid")

    # contactDeals (secondary contacts on deals)
    cd_own, _ = w.fanout("contactDeals", ndeals, (0, 1))

    def gen_cd(i: int) -> Record:
        d = cd_own[i - 1]
        hh = w.h("contactDeals", i)
        ct = (deal_contact(d) + 1 + hh.n(max(n - 1, 1))) % n + 1 if n > 1 else 1
        t = w.ts_between(hh, deal_created(d))
        return {
            "deal": str(d),
            "contact": str(ct),
            "role": str(hh.n(3) + 1),
            "cdate": fmt_offset(t),
            "udate": fmt_offset(t),
            "id": str(i),
        }

    T["contactDeals"] = owned_table("contactDeals", gen_cd, cd_own, "deal")

    # notes
    nnotes = n // 20 if n else 0

    def note_rel(i: int) -> tuple[str, int]:
        v = h1(seed, 51, i)
        kind = v % 5
        if kind <= 2 or (kind == 3 and not ndeals) or (kind == 4 and not nacc):
            return "Subscriber", (v >> 8) % n + 1
        if kind == 3:
            return "Deal", (v >> 8) % ndeals + 1
        return "CustomerAccount", (v >> 8) % nacc + 1

    def gen_note(i: int) -> Record:
        hh = w.h("notes", i)
        rt, rid = note_rel(i)
        c = START_TS + hh.n(SPAN_S)
        m = w.ts_between(hh, c)
        uid = str(hh.n(nusers) + 1)
        return {
            "note": hh.pick(names.NOTE_TEXTS),
            "relid": str(rid),
            "reltype": rt,
            "userid": uid,
            "is_draft": "0",
            "cdate": fmt_offset(c),
            "mdate": fmt_offset(m),
            "user": uid,
            "owner": {
                "type": {"Subscriber": "contact", "Deal": "deal", "CustomerAccount": "account"}[rt],
                "id": str(rid),
            },
            "id": str(i),
        }

    T["notes"] = Table(
        "notes",
        gen_note,
        nnotes,
        fast={"relid": lambda i: str(note_rel(i)[1]), "reltype": lambda i: note_rel(i)[0]},
    )


def build_activities(w: World) -> None:
    n = w.n
    seed = w.seed
    T = w.tables
    nusers = len(T["users"])
    ndeals = len(T["deals"])

    # activities (ordered in time by id)
    act_own, _ = w.fanout("activities", n, (0, 1, 1, 2))
    nact = len(act_own)
    astep = SPAN_S // max(nact, 1)

    def act_ts(i: int) -> int:
        return START_TS + (i - 1) * astep + h1(seed, 52, i) % max(astep, 1)

    act_kinds = (
        ("SubscriberList", "subscribe"),
        ("SubscriberSeries", "start"),
        ("SubscriberSeries", "complete"),
        ("Log", "open"),
        ("LinkData", "click"),
        ("Update", ""),
        ("Note", ""),
        ("SubscriberEmail", "sent"),
    )

    def gen_act(i: int) -> Record:
        o = act_own[i - 1]
        hh = w.h("activities", i)
        rt, action = hh.pick(act_kinds)
        return {
            "subscriberid": str(o),
            "userid": "0",
            "d_regionid": "1",
            "account": None,
            "reference_type": rt,
            "reference_id": str(hh.n(500) + 1),
            "reference_action": action,
            "tstamp": fmt_offset(act_ts(i)),
            "contact": str(o),
            "user": None,
            "id": str(i),
        }

    T["activities"] = Table(
        "activities",
        gen_act,
        nact,
        fast={
            "tstamp": lambda i: fmt_offset(act_ts(i)),
            "_ts:tstamp": act_ts,
            "contact": lambda i: str(act_own[i - 1]),
        },
    )
    # activities are not grouped by contact in id order, so index them for ?contact=
    by_contact: dict[int, list[int]] = {}
    for idx, o in enumerate(act_own, 1):
        by_contact.setdefault(o, []).append(idx)
    w.activities_by_contact = by_contact

    # emailActivities
    ea_own, _ = w.fanout("emailActivities", n, (0, 1))

    def gen_ea(i: int) -> Record:
        o, hh, t = w.contact_event("emailActivities", ea_own, i)
        _, _, email = w.contact_basics(o)
        uid = str(hh.n(nusers) + 1)
        deal = str(hh.n(ndeals) + 1) if ndeals and hh.n(4) == 0 else "0"
        return {
            "subscriberid": str(o),
            "userid": uid,
            "d_id": deal,
            "account": None,
            "reltype": "Deal" if deal != "0" else "Subscriber",
            "relid": deal if deal != "0" else str(o),
            "from_name": "Sandbox Co",
            "fromAddress": "sales@sandbox.example",
            "toAddress": email,
            "ccAddress": "",
            "subject": hh.pick(names.SUBJECTS),
            "message": "Hello from the sandbox.",
            "series_id": "0",
            "tstamp": fmt_offset(t),
            "subscriber": str(o),
            "user": uid,
            "deal": deal if deal != "0" else None,
            "id": str(i),
        }

    T["emailActivities"] = owned_table("emailActivities", gen_ea, ea_own, "subscriberid")


def build_ecommerce(w: World) -> None:
    n = w.n
    seed = w.seed
    T = w.tables
    nconn = len(T["connections"])

    # ecommerce
    ncust = n // 10 if n else 0
    cstride = _coprime_step(n, 15485863)

    def cust_contact(i: int) -> int:
        return ((i - 1) * cstride + 3) % n + 1

    def cust_conn(i: int) -> int:
        return h1(seed, 53, i) % nconn + 1

    def gen_cust(i: int) -> Record:
        hh = w.h("ecomCustomers", i)
        ct = cust_contact(i)
        orders = hh.n(6)
        rev = orders * (1000 + hh.n(20000))
        t = w.ts_between(hh, w.contact_cdate(ct))
        return {
            "connectionid": str(cust_conn(i)),
            "externalid": f"cust-{100000 + i}",
            "email": w.contact_basics(ct)[2],
            "totalRevenue": str(rev),
            "totalOrders": str(orders),
            "totalProducts": str(orders * 2),
            "avgRevenuePerOrder": str(rev // orders if orders else 0),
            "avgProductCategory": hh.pick(names.CATEGORIES) if orders else "",
            "tstamp": fmt_offset(t),
            "acceptsMarketing": str(hh.n(2)),
            "connection": str(cust_conn(i)),
            "id": str(i),
        }

    T["ecomCustomers"] = Table(
        "ecomCustomers",
        gen_cust,
        ncust,
        fast={
            "email": lambda i: w.contact_basics(cust_contact(i))[2],
            "connectionid": lambda i: str(cust_conn(i)),
            "externalid": lambda i: f"cust-{100000 + i}",
        },
    )

    norders = n // 20 if n else 0
    op_own, _op_slot = w.fanout("ecomOrderProducts", norders, (1, 2, 2, 3))

    def order_cust(i: int) -> int:
        return h1(seed, 54, i) % ncust + 1

    def order_products(i: int) -> list[int]:
        lo = bisect_left(op_own, i)
        hi = bisect_right(op_own, i)
        return list(range(lo + 1, hi + 1))

    def product_price(i: int) -> int:
        return 500 + h1(seed, 55, i) % 20000

    def product_qty(i: int) -> int:
        return 1 + h1(seed, 56, i) % 3

    def order_created(i: int) -> int:
        return START_TS + h1(seed, 57, i) % SPAN_S

    def gen_order(i: int) -> Record:
        hh = w.h("ecomOrders", i)
        cu = order_cust(i)
        conn = cust_conn(cu)
        prods = order_products(i)
        subtotal = sum(product_price(p) * product_qty(p) for p in prods)
        ship = hh.pick((0, 0, 499, 999))
        tax = subtotal // 10
        disc = hh.pick((0, 0, 0, 500))
        c = order_created(i)
        u = w.ts_between(hh, c, c + 20 * DAY)
        abandoned = hh.n(12) == 0
        return {
            "externalid": None if abandoned else str(500000 + i),
            "externalcheckoutid": f"chk-{i}" if abandoned else None,
            "source": hh.pick(("1", "1", "0")),
            "email": w.contact_basics(cust_contact(cu))[2],
            "currency": "USD",
            "connectionid": str(conn),
            "customerid": str(cu),
            "orderUrl": f"https://shop.example/orders/{500000 + i}",
            "shippingMethod": hh.pick(("UPS Ground", "USPS", "FedEx 2Day")),
            # the documented list example sends these as JSON numbers
            "shippingAmount": ship,
            "taxAmount": tax,
            "discountAmount": disc,
            "totalPrice": subtotal + ship + tax - disc,
            "totalProducts": len(prods),
            "createdDate": fmt_offset(c),
            "updatedDate": fmt_offset(u),
            "externalCreatedDate": fmt_offset(c - 60),
            "externalUpdatedDate": fmt_offset(u - 60),
            "state": 2 if abandoned else 1,
            "abandonedDate": fmt_offset(c) if abandoned else None,
            "orderNumber": str(500000 + i),
            "orderDate": fmt_offset(c - 60),
            "tstamp": fmt_offset(u),
            "orderProducts": [str(p) for p in prods],
            "orderDiscounts": [],
            "connection": str(conn),
            "customer": str(cu),
            "id": str(i),
        }

    T["ecomOrders"] = Table(
        "ecomOrders",
        gen_order,
        norders,
        fast={
            "customerid": lambda i: str(order_cust(i)),
            "connectionid": lambda i: str(cust_conn(order_cust(i))),
            "email": lambda i: w.contact_basics(cust_contact(order_cust(i)))[2],
        },
    )

    def gen_op(i: int) -> Record:
        o = op_own[i - 1]
        hh = w.h("ecomOrderProducts", i)
        nm = hh.pick(names.PRODUCT_WORDS)
        sku = f"SKU-{hh.n(9000) + 1000}"
        return {
            "externalid": f"prod-{hh.n(500) + 1}",
            "name": nm,
            "price": str(product_price(i)),
            "quantity": str(product_qty(i)),
            "category": hh.pick(names.CATEGORIES),
            "sku": sku,
            "description": f"A fine {nm.lower()}",
            "imageUrl": f"https://shop.example/img/{sku}.png",
            "productUrl": f"https://shop.example/p/{sku}",
            "createdDate": fmt_offset(order_created(o)),
            "updatedDate": fmt_offset(order_created(o)),
            "tstamp": fmt_offset(order_created(o)),
            "orderid": str(o),
            "connectionid": str(cust_conn(order_cust(o))),
            "id": str(i),
            "ecomOrder": str(o),
        }

    T["ecomOrderProducts"] = owned_table("ecomOrderProducts", gen_op, op_own, "orderid")


def build_custom_object_records(w: World) -> None:
    n = w.n

    # custom object records, one table per schema
    nrec = n // 10 if n else 0
    for si, sid in enumerate(w.schema_ids, 1):
        records_table(w, si, sid, nrec)


def custom_field_data(
    w: World,
    name: str,
    parent_key: str,
    meta_key: str,
    parents: int,
    spec: tuple[tuple[str, str, tuple[str, ...] | None, str | None], ...],
    parent_created: Callable[[int], int],
) -> None:
    own, slot = w.fanout(name, parents, (1, 2, 2, 3))
    seed = w.seed
    nf = len(spec)

    def field_of(i: int) -> int:
        return (h1(seed, salt_of(name), own[i - 1]) % nf + slot[i - 1]) % nf + 1

    def gen(i: int) -> Record:
        p = own[i - 1]
        f = field_of(i)
        _, typ, opts, cur = spec[f - 1]
        hh = w.h(name, i)
        val: Any
        if typ == "dropdown":
            val = hh.pick(opts or ("",))
        elif typ == "multiselect":
            val = [o for o in (opts or ()) if hh.n(2)] or [(opts or ("",))[0]]
        elif typ == "number":
            val = hh.n(5000)
        elif typ == "currency":
            val = hh.n(10**7)
        elif typ == "date":
            val = fmt_date(START_TS - hh.n(3650) * DAY)
        else:
            val = hh.pick(names.NOTE_TEXTS)
        c = w.ts_between(hh, parent_created(p))
        u = w.ts_between(hh, c)
        rec: Record = {
            "id": str(i),
            meta_key: f,
            parent_key: p,
            "customFieldId": f,
            "createdTimestamp": fmt_naive(c),
            "updatedTimestamp": fmt_naive(u),
            "fieldValue": val,
        }
        if cur:
            rec["fieldCurrency"] = cur
        return rec

    w.tables[name] = Table(
        name,
        gen,
        len(own),
        fast={parent_key: lambda i: own[i - 1]},
        owner_field=parent_key,
        owners=own,
    )


def records_table(w: World, si: int, sid: str, count: int) -> None:
    name = f"customObjects/records/{sid}"
    seed = w.seed
    slug, _, _, flds = CO_SCHEMAS[si - 1]
    n = w.n
    stride = _coprime_step(n, 7 + 2 * si)

    def rec_contact(i: int) -> int:
        return ((i - 1) * stride + si) % n + 1

    def gen(i: int) -> Record:
        hh = w.h(name, i)
        vals = []
        for fid, _, typ, opts in flds:
            if typ == "dropdown":
                v: Any = hh.pick(opts)
            elif typ == "number":
                v = hh.n(2000) + 1
            elif typ == "date":
                v = fmt_date(START_TS + hh.n(SPAN_S))
            elif typ == "datetime":
                v = fmt_utc_z(START_TS + hh.n(SPAN_S))
            else:
                v = hh.pick(names.PRODUCT_WORDS)
            vals.append({"id": fid, "value": v})
        c = w.ts_between(hh, w.contact_cdate(rec_contact(i)))
        u = w.ts_between(hh, c)
        return {
            "id": _uuid(seed, 60 + si, i),
            "externalId": f"{slug}-{i}",
            "schemaId": sid,
            "fields": vals,
            "relationships": {"primary-contact": [str(rec_contact(i))]},
            "createdTimestamp": fmt_utc_z(c),
            "updatedTimestamp": fmt_utc_z(u),
        }

    w.tables[name] = Table(name, gen, count, fast={"externalId": lambda i: f"{slug}-{i}"})


def build_world(seed: int = 1, contacts: int = 200) -> World:
    """Every table of one account: configuration first, then what scales with contacts."""
    w = World(seed, contacts)
    build_config(w)
    build_tags(w)
    build_contacts(w)
    build_accounts(w)
    build_deals(w)
    build_activities(w)
    build_ecommerce(w)
    build_custom_object_records(w)
    extras.build(w)
    return w
