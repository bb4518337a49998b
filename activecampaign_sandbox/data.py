"""Deterministic account data, generated from a seed and scaled by the number of contacts.

Account configuration (users, lists, fields, pipelines, custom field meta, ...) is small and
built eagerly. Everything that scales with contacts is rendered lazily from (seed, table, id):
startup only builds the parent-id arrays of one-to-many tables (e.g. which contact each
contactTag belongs to), so 100,000 contacts start in about a second.
"""

from __future__ import annotations

from math import gcd

from . import names
from .store import Record
from .util import (
    START_TS,
    fmt_naive,
    fmt_offset,
    fmt_utc_z,
    h1,
    list_row,
    salt_of,
)
from .world import World

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


def seeded_uuid(seed: int, salt: int, i: int) -> str:
    a = h1(seed, salt, i)
    b = h1(seed, salt + 1, i)
    s = f"{a:016x}{b:016x}"
    return f"{s[:8]}-{s[8:12]}-4{s[13:16]}-a{s[17:20]}-{s[20:32]}"


def coprime_step(n: int, start: int) -> int:
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
        sid = seeded_uuid(seed, 31, i)
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
