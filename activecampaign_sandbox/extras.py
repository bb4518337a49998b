"""The lesser list endpoints, generated together: templates, campaign links and lists,
automation blocks, goals, bounce logs, conversions, site messages, SMS, configs,
personalizations, contact data, ...

They are read-only list endpoints with no rules of their own (their specs are in their
domains' modules: campaigns, account_config, contacts, ecommerce). Small ones are built eagerly;
the contact-scaled ones render lazily like the core tables.
"""

from __future__ import annotations

from . import names
from .store import Record, Table, owned_table
from .util import ANCHOR_TS, DAY_S, START_TS, fmt_naive, fmt_offset, h1, salt_of
from .world import World


def build(w: World) -> None:
    seed = w.seed
    T = w.tables
    ncamp = len(T["campaigns"])
    nauto = len(T["automations"])
    nlists = len(T["lists"])
    nusers = len(T["users"])
    base = START_TS - 60 * DAY_S

    def ts(name: str, i: int) -> int:
        return base + h1(seed, salt_of(name), i) % (50 * DAY_S)

    w.eager(
        "templates",
        [
            {
                "userid": "1",
                "ed_instanceid": "0",
                "ed_version": "2",
                "name": nm,
                "subject": nm,
                "content": f"<html><body><h1>{nm}</h1></body></html>",
                "categoryid": "0",
                "used": str(h1(seed, 70, i) % 20),
                "waitpreview": "0",
                "importnum": "0",
                "mdate": fmt_offset(ts("templates", i)),
                "preview_content": "",
                "modified": "0",
                "hidden": "0",
                "screenshot": "",
                "id": str(i),
            }
            for i, nm in enumerate(
                ("Basic", "Newsletter", "Promo", "Announcement", "Receipt", "Plain text"), 1
            )
        ],
    )
    links, clists, cmsgs = [], [], []
    for c in range(1, ncamp + 1):
        t = ts("campaigns", c)
        for k in range(1 + c % 3):
            links.append(
                {
                    "campaignid": str(c),
                    "messageid": str(c),
                    "link": f"https://sandbox.example/c{c}/l{k}",
                    "name": f"Link {k + 1}",
                    "ref": "",
                    "tracked": "1",
                    "uniqueclicks": str(h1(seed, 71, c * 10 + k) % 300),
                    "linkclicks": str(h1(seed, 72, c * 10 + k) % 600),
                    "created_timestamp": fmt_naive(t),
                    "updated_timestamp": fmt_naive(t),
                    "created_by": None,
                    "updated_by": None,
                    "campaign": str(c),
                    "message": str(c),
                    "id": str(len(links) + 1),
                }
            )
        for k in range(1 + c % 2):
            lid = (c + 3 * k) % nlists + 1
            clists.append(
                {
                    "campaignid": str(c),
                    "listid": str(lid),
                    "userid": "1",
                    "list_amt": str(h1(seed, 73, c * 10 + k) % 5000),
                    "cdate": fmt_offset(t),
                    "udate": fmt_offset(t),
                    "name": T["lists"].get(lid)["name"],
                    "user": "1",  # type: ignore[index]
                    "list": str(lid),
                    "campaign": str(c),
                    "id": str(len(clists) + 1),
                }
            )
        camp = T["campaigns"].get(c) or {}
        cmsgs.append(
            {
                "messageid": str(c),
                "campaignid": str(c),
                "percentage": "100",
                "sourcesize": "0",
                **{
                    k: camp.get(k, "0")
                    for k in (
                        "send_amt",
                        "total_amt",
                        "opens",
                        "uniqueopens",
                        "linkclicks",
                        "uniquelinkclicks",
                        "subscriberclicks",
                        "forwards",
                        "uniqueforwards",
                        "hardbounces",
                        "softbounces",
                        "unsubscribes",
                        "unsubreasons",
                        "updates",
                        "socialshares",
                        "replies",
                        "uniquereplies",
                    )
                },
                "spamcheck_score": "0",
                "spamcheck_max": "0",
                "initial_split_percentage": "0",
                "screenshot": "",
                "subject": (T["messages"].get(c) or {}).get("subject", ""),
                "campaign": str(c),
                "message": str(c),
                "id": str(c),
            }
        )
    w.eager("links", links)
    w.eager("campaignLists", clists)
    w.eager("campaignMessages", cmsgs)

    blocks, goals = [], []
    for a in range(1, nauto + 1):
        t = ts("automations", a)
        nb = 3 + a % 3
        first = len(blocks) + 1
        for k in range(nb):
            typ = ("start", "send", "wait", "if", "goal")[k % 5] if k else "start"
            blocks.append(
                {
                    "automation": str(a),
                    "parent": str(first + k - 1) if k else "0",
                    "ordernum": str(k),
                    "type": typ,
                    "params": {"campaignid": str(a)} if typ == "send" else {},
                    "deleted": "0",
                    "cdate": fmt_offset(t),
                    "mdate": fmt_offset(t),
                    "id": str(len(blocks) + 1),
                }
            )
            if typ == "goal":
                goals.append(
                    {
                        "blockid": str(len(blocks)),
                        "seriesid": str(a),
                        "name": f"Goal of automation {a}",
                        "cdate": fmt_offset(t),
                        "dirty_stats": "0",
                        "automation": str(a),
                        "automation_block": str(len(blocks)),
                        "id": str(len(goals) + 1),
                    }
                )
    w.eager("automationBlocks", blocks)
    w.eager("goals", goals)
    dgu = []
    for g in range(1, len(T["dealGroups"]) + 1):
        for u in range(1, nusers + 1):
            if (g + u) % 2 == 0 or u == 1:
                dgu.append(
                    {
                        "dealGroup": str(g),
                        "deal_group": str(g),
                        "user": str(u),
                        "cdate": fmt_offset(ts("dealGroupUsers", g)),
                        "id": str(len(dgu) + 1),
                    }
                )
    w.eager("dealGroupUsers", dgu)
    w.eager(
        "configs",
        [
            {
                "keyname": k,
                "section": sec,
                "item": item,
                "userid": "1",
                "val": val,
                "cdate": fmt_offset(ts("configs", i)),
                "udate": fmt_offset(ts("configs", i)),
                "created_timestamp": fmt_naive(ts("configs", i)),
                "updated_timestamp": fmt_naive(ts("configs", i)),
                "created_by": None,
                "updated_by": None,
                "owner": "1",
                "id": str(i),
            }
            for i, (k, sec, item, val) in enumerate(
                (
                    ("deals.pipelines.default", "deals", "default_pipeline", "1"),
                    ("contacts.list.columns", "contacts", "columns", "email,name,tags"),
                    ("ui.theme", "ui", "theme", "light"),
                    ("tasks.reminders", "tasks", "reminders", "1"),
                ),
                1,
            )
        ],
    )
    w.eager(
        "personalizations",
        [
            {
                "tag": tag,
                "name": nm,
                "format": "html",
                "content": content,
                "listids": "0",
                "cdate": fmt_offset(ts("personalizations", i)),
                "mdate": fmt_offset(ts("personalizations", i)),
                "id": str(i),
            }
            for i, (tag, nm, content) in enumerate(
                (
                    ("COMPANY_FOOTER", "Company footer", "<p>Sandbox Co, 1 Example Way</p>"),
                    ("SIGNOFF", "Sign-off", "<p>Cheers, the Sandbox team</p>"),
                    ("PROMO", "Promo banner", "<p>20% off this week</p>"),
                ),
                1,
            )
        ],
    )
    w.eager(
        "conversions",
        [
            {
                "name": nm,
                "cdate": fmt_offset(ts("conversions", i)),
                "udate": fmt_offset(ts("conversions", i)),
                "value": str(v),
                "currency": "usd",
                "id": str(i),
            }
            for i, (nm, v) in enumerate(
                (("Purchase", 4900), ("Trial signup", 0), ("Demo booked", 0)), 1
            )
        ],
    )
    w.eager(
        "conversionTriggers",
        [
            {
                "conversion": str(i),
                "type": typ,
                "relid": str(i),
                "cdate": fmt_offset(ts("conversionTriggers", i)),
                "id": str(i),
            }
            for i, typ in enumerate(("event", "page_visit", "form_submit"), 1)
        ],
    )
    w.eager(
        "siteMessages",
        [
            {
                "name": nm,
                "title": nm,
                "content": f"<p>{nm}</p>",
                "status": "1",
                "cdate": fmt_offset(ts("siteMessages", i)),
                "mdate": fmt_offset(ts("siteMessages", i)),
                "userid": "1",
                "id": str(i),
            }
            for i, nm in enumerate(("Welcome back banner", "Cart reminder"), 1)
        ],
    )
    w.eager(
        "sms",
        [
            {
                "name": nm,
                "message": f"{nm}: reply STOP to opt out",
                "status": "1",
                "cdate": fmt_offset(ts("sms", i)),
                "mdate": fmt_offset(ts("sms", i)),
                "userid": "1",
                "automation": str(i),
                "id": str(i),
            }
            for i, nm in enumerate(("Order shipped", "Appointment reminder"), 1)
        ],
    )

    _contact_scaled(w)


def _contact_scaled(w: World) -> None:
    seed = w.seed
    T = w.tables
    n = w.n

    def gen_cd(i: int) -> Record:
        hh = w.h("contactData", i)
        t = w.contact_udate(i)
        city = hh.pick(names.CITIES)
        return {
            "contact": str(i),
            "tstamp": fmt_offset(t),
            "geoTstamp": fmt_offset(t),
            "geoIp4": f"203.0.113.{hh.n(254) + 1}",
            "geoCountry2": "US",
            "geoCountry": "United States",
            "geoState": "IL",
            "geoCity": city,
            "geoZip": f"6{hh.n(10000):04d}",
            "geoArea": "0",
            "geoLat": "39.78",
            "geoLon": "-89.65",
            "geoTz": "America/Chicago",
            "geoTzOffset": "-05:00",
            "ga_campaign_source": "",
            "ga_campaign_name": "",
            "ga_campaign_medium": "",
            "ga_campaign_term": "",
            "ga_campaign_content": "",
            "ga_campaign_customsegment": "",
            "ga_first_visit": None,
            "ga_times_visited": "0",
            "fb_id": "",
            "fb_name": "",
            "tw_id": "",
            "id": str(i),
        }

    T["contactData"] = Table("contactData", gen_cd, n, fast={"contact": lambda i: str(i)})

    bl_own, _ = w.fanout("bounceLogs", n, (1,) + (0,) * 39)
    ncamp = len(T["campaigns"])

    def gen_bl(i: int) -> Record:
        o, hh, t = w.contact_event("bounceLogs", bl_own, i)
        camp = hh.n(ncamp) + 1
        return {
            "tstamp": fmt_offset(t),
            "bounceid": "1",
            "subscriberid": str(o),
            "campaignid": str(camp),
            "messageid": str(camp),
            "codeid": "5",
            "email": w.contact_basics(o)[2],
            "error": "550 5.1.1 The email account that you tried to reach does not exist",
            "source": "smtp",
            "created_timestamp": fmt_naive(t),
            "updated_timestamp": fmt_naive(t),
            "created_by": None,
            "updated_by": None,
            "bounce": "1",
            "contact": str(o),
            "campaign": str(camp),
            "message": str(camp),
            "code": "5",
            "id": str(i),
        }

    T["bounceLogs"] = owned_table("bounceLogs", gen_bl, bl_own, "contact")

    ce_own, _ = w.fanout("contactEmails", n, (1, 0, 0, 0, 0))

    def gen_ce(i: int) -> Record:
        o, hh, t = w.contact_event("contactEmails", ce_own, i)
        camp = hh.n(ncamp) + 1
        return {
            "subscriberid": str(o),
            "campaignid": str(camp),
            "messageid": str(camp),
            "sdate": fmt_offset(t),
            "subject": hh.pick(names.SUBJECTS),
            "opened": str(hh.n(2)),
            "clicked": str(hh.n(2)),
            "contact": str(o),
            "campaign": str(camp),
            "message": str(camp),
            "id": str(i),
        }

    T["contactEmails"] = owned_table("contactEmails", gen_ce, ce_own, "contact")

    cc_own, _ = w.fanout("contactConversions", n, (1,) + (0,) * 49)
    nconv = len(T["conversions"])

    def gen_cc(i: int) -> Record:
        o, hh, t = w.contact_event("contactConversions", cc_own, i)
        conv = hh.n(nconv) + 1
        return {
            "contact": str(o),
            "conversion": str(conv),
            "conversionid": str(conv),
            "cdate": fmt_offset(t),
            "source": "site",
            "value": "0",
            "id": str(i),
        }

    T["contactConversions"] = owned_table("contactConversions", gen_cc, cc_own, "contact")

    norders = len(T["ecomOrders"])
    oa_own, _ = w.fanout("ecomOrderActivities", norders, (0, 1))

    def gen_oa(i: int) -> Record:
        o = oa_own[i - 1]
        hh = w.h("ecomOrderActivities", i)
        t = min(ANCHOR_TS, START_TS + h1(seed, 57, o) % (730 * DAY_S) + hh.n(DAY_S))
        return {
            "ecomOrderid": str(o),
            "activity": hh.pick(("created", "updated", "shipped")),
            "cdate": fmt_offset(t),
            "ecomOrder": str(o),
            "id": str(i),
        }

    T["ecomOrderActivities"] = owned_table("ecomOrderActivities", gen_oa, oa_own, "ecomOrderid")
