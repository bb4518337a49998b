"""Campaigns and logs: the activity feed (account-wide or per contact).

Campaigns, messages, links, email activities and bounce logs are read through the generic
list endpoints (generic.py) from the specs below; only the activity feed has rules
of its own (the `contact` and `after` parameters).

The module reads top-down: its resource specs (`SPECS`), read handlers, write handlers, the
generators of its tables (`build_config` for configuration, `build` for contact-scaled rows)
and `register`, which adds its routes.
"""

from __future__ import annotations

from . import names, query
from .protocol import ApiError, Params, Request, Result, not_found, parse_int
from .resources import Spec, make_spec
from .state import AccountState
from .store import Record, Table, owned_table
from .util import DAY_S, SPAN_S, START_TS, fmt_naive, fmt_offset, h1
from .world import World

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


# how this domain's list and record endpoints answer (envelope keys, links, filters)
SPECS: dict[str, Spec] = {
    "automations": make_spec(
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
    "campaigns": make_spec(
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
    "messages": make_spec("messages", "message", ("user", "messageLists", "campaignMessages")),
    "activities": make_spec("activities", "activity", ("user", "contact", "reference")),
    "emailActivities": make_spec(
        "emailActivities",
        "emailActivity",
        ("user", "subscriber", "deal"),
        eq={"filters[subscriberid]": "subscriberid", "filters[dealId]": "d_id"},
    ),
    "templates": make_spec("templates", "template", ()),
    "links": make_spec(
        "links", "link", ("campaign", "message"), eq={"filters[campaignid]": "campaignid"}
    ),
    "automationBlocks": make_spec("automationBlocks", "automationBlock", ()),
    "bounceLogs": make_spec(
        "bounceLogs", "bounceLog", ("bounce", "contact", "campaign", "message", "code")
    ),
    "campaignLists": make_spec("campaignLists", "campaignList", ("user", "list", "campaign")),
    "campaignMessages": make_spec("campaignMessages", "campaignMessage", ("campaign", "message")),
    "goals": make_spec("goals", "goal", ("automation", "automation_block")),
    "conversions": make_spec("conversions", "conversion", ()),
    "conversionTriggers": make_spec("conversionTriggers", "conversionTrigger", ("conversion",)),
    "siteMessages": make_spec("siteMessages", "siteMessage", ()),
    "sms": make_spec("sms", "sms", ("automation",)),
}


class CampaignReads(AccountState):
    """The campaigns read endpoints."""

    def list_activities(self, req: Request) -> Result:
        """The activity feed: one contact's with `contact`, else the account's.

        The reference marks `contact` optional in its parameter table while its description
        says "Required Contact ID"; the table is taken as the contract (an account-wide read,
        as the published singer-io tap makes), and a malformed id is a 400.
        """
        p = req.params
        raw = p.get("contact")
        if raw in (None, "") and not self.activities_need_contact:
            return self._activities(p, None)
        c = parse_int(raw or "")
        if c is None:
            raise ApiError(
                400,
                {
                    "errors": [
                        {
                            "title": "The contact parameter must be a contact ID",
                            "detail": f"'{raw}' is not a contact ID."
                            if raw
                            else "A contact ID is required to access this endpoint.",
                            "code": "field_invalid" if raw else "field_missing",
                            "source": {"pointer": "/contact"},
                        }
                    ]
                },
            )
        return self._activities(p, c)

    def contact_activities(self, req: Request, rid: str) -> Result:
        c = parse_int(rid)
        if c is None or not self.table("contacts").exists(c):
            raise not_found("contact", rid)
        return self._activities(req.params, c)

    def _activities(self, p: Params, c: int | None) -> Result:
        t = self.table("activities")
        base: list[int] | None = None
        if c is not None:
            base = [i for i in self.world.activities_by_contact.get(c, []) if t.exists(i)]
            base += [
                i
                for i, rec in t.over.items()
                if str(rec.get("contact")) == str(c) and i not in base
            ]
            base.sort()
        extra: list[query.Pred] = []
        after = p.get("after")
        if after:
            pred = query.date_pred(t, "tstamp", "ge", after, self.filter_time_reading)
            if pred is not None:
                extra.append(pred)
        ids, total, _, _ = query.run(
            self,
            "activities",
            t,
            self.specs["activities"],
            p,
            extra,
            base,
            order_fields=frozenset({"id", "tstamp"}),
            key_extra=(c,),
        )
        return Result(200, self.list_response("activities", ids, total))


# -- generated data --------------------------------------------------------------------
def build_config(w: World) -> None:
    """Generate this domain's account configuration (small tables, built eagerly)."""
    seed = w.seed
    autos = []
    for i, nm in enumerate(AUTOMATION_NAMES, 1):
        t = w.config_ts("automations", i)
        autos.append(
            {
                "name": nm,
                "cdate": fmt_offset(t),
                "mdate": fmt_offset(t + 3 * DAY_S),
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
        t = w.config_ts("campaigns", i) + i * 20 * DAY_S
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
        sdate = fmt_offset(t + DAY_S) if i % 5 else None
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
    build_campaign_content(w)


def build_campaign_content(w: World) -> None:
    """The lesser tables of this domain: templates, links, campaign lists and messages,
    automation blocks, goals, conversions, site messages, SMS."""
    seed = w.seed
    T = w.tables
    ncamp = len(T["campaigns"])
    nauto = len(T["automations"])
    nlists = len(T["lists"])

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
                "mdate": fmt_offset(w.content_ts("templates", i)),
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
        t = w.content_ts("campaigns", c)
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
        t = w.content_ts("automations", a)
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

    w.eager(
        "conversions",
        [
            {
                "name": nm,
                "cdate": fmt_offset(w.content_ts("conversions", i)),
                "udate": fmt_offset(w.content_ts("conversions", i)),
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
                "cdate": fmt_offset(w.content_ts("conversionTriggers", i)),
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
                "cdate": fmt_offset(w.content_ts("siteMessages", i)),
                "mdate": fmt_offset(w.content_ts("siteMessages", i)),
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
                "cdate": fmt_offset(w.content_ts("sms", i)),
                "mdate": fmt_offset(w.content_ts("sms", i)),
                "userid": "1",
                "automation": str(i),
                "id": str(i),
            }
            for i, nm in enumerate(("Order shipped", "Appointment reminder"), 1)
        ],
    )


def build(w: World) -> None:
    """Generate this domain's contact-scaled tables (lazily rendered rows)."""
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
    build_bounce_logs(w)


def build_bounce_logs(w: World) -> None:
    """The lesser tables of this domain: bounce logs, about one contact in forty."""
    T = w.tables
    n = w.n

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


def register(acct: CampaignReads) -> None:
    """Add this domain's routes to the account's router (reads and writes)."""
    r = acct.router
    r.add("GET", "/contacts/{id}/activities", acct.contact_activities)
    r.add("GET", "/activities", acct.list_activities)
