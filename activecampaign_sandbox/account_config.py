"""Account configuration endpoints with their own shape: the API root, the webhook event names
and the authenticated user (GET /users/me).

Users, groups, webhooks, configs, brandings and the rest are served by the generic list and
record endpoints (generic.py) from their specs in resources.py.

The module reads top-down: its resource specs (`SPECS`), read handlers, write handlers, the
generators of its tables (`build_config` for configuration, `build` for contact-scaled rows)
and `register`, which adds its routes.
"""

from __future__ import annotations

from .protocol import Request, Result
from .resources import WEBHOOK_EVENTS, Spec, make_spec
from .state import AccountState
from .util import DAY_S, fmt_naive, fmt_offset, h1
from .world import World

# how this domain's list and record endpoints answer (envelope keys, links, filters)
SPECS: dict[str, Spec] = {
    "users": make_spec(
        "users", "user", ("lists", "userGroup", "dealGroupTotals", "dealGroupUsers", "configs")
    ),
    "groups": make_spec(
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
    "groupLimits": make_spec("groupLimits", "groupLimit", ("group",)),
    "segments": make_spec("segments", "segment", ()),
    "forms": make_spec("forms", "form", ("address",)),
    "webhooks": make_spec(
        "webhooks",
        "webhook",
        (),
        eq={"filters[name]": "name", "filters[url]": "url", "filters[listid]": "listid"},
    ),
    "addresses": make_spec("addresses", "address", ("addressGroup", "addressList", "forms")),
    "brandings": make_spec("brandings", "branding", ("group",)),
    "calendars": make_spec("calendars", "calendar", ("calendarRels", "calendarUsers")),
    "savedResponses": make_spec("savedResponses", "savedResponse", ()),
    "scores": make_spec("scores", "score", ("scoreRules",)),
    "siteTrackingDomains": make_spec("siteTrackingDomains", "siteTrackingDomain", ()),
    "eventTrackingEvents": make_spec("eventTrackingEvents", "eventTrackingEvent", ()),
    "configs": make_spec("configs", "config", ()),
    "personalizations": make_spec("personalizations", "personalization", ()),
}


class AccountConfigReads(AccountState):
    """The account config read endpoints."""

    def api_root(self, req: Request) -> Result:
        return Result(200, {})

    def webhook_events(self, req: Request) -> Result:
        return Result(
            200,
            {"webhookEvents": list(WEBHOOK_EVENTS), "meta": {"total": str(len(WEBHOOK_EVENTS))}},
        )

    def users_me(self, req: Request) -> Result:
        return Result(200, {"user": self.render("users", 1)})


# -- generated data --------------------------------------------------------------------
def build_config(w: World) -> None:
    """Generate this domain's account configuration (small tables, built eagerly)."""
    seed = w.seed
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

    w.eager(
        "segments",
        [
            {
                "name": nm,
                "logic": "and",
                "hidden": "0",
                "seriesid": "0",
                "created_timestamp": fmt_naive(w.config_ts("segments", i)),
                "updated_timestamp": fmt_naive(w.config_ts("segments", i) + DAY_S),
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
                "cdate": fmt_offset(w.config_ts("forms", i)),
                "udate": fmt_offset(w.config_ts("forms", i) + DAY_S),
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
                "cdate": fmt_offset(w.config_ts("webhooks", i)),
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
                "cdate": fmt_offset(w.config_ts("calendars", i)),
                "mdate": fmt_offset(w.config_ts("calendars", i)),
                "user": "1",
                "id": str(i),
            }
            for i, (t, typ) in enumerate((("All tasks", "All"), ("Calls", "Call")), 1)
        ],
    )

    w.eager(
        "savedResponses",
        [
            {
                "title": t,
                "subject": t,
                "body": f"Hi %FIRSTNAME%, {t.lower()}.",
                "ldate": None,
                "lastuse": None,
                "cdate": fmt_offset(w.config_ts("savedResponses", i)),
                "mdate": fmt_offset(w.config_ts("savedResponses", i)),
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
                "cdate": fmt_offset(w.config_ts("scores", i)),
                "mdate": fmt_offset(w.config_ts("scores", i)),
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
    build_configs_and_personalizations(w)


def build_configs_and_personalizations(w: World) -> None:
    """The lesser tables of this domain: account configs and personalization variables."""
    w.eager(
        "configs",
        [
            {
                "keyname": k,
                "section": sec,
                "item": item,
                "userid": "1",
                "val": val,
                "cdate": fmt_offset(w.content_ts("configs", i)),
                "udate": fmt_offset(w.content_ts("configs", i)),
                "created_timestamp": fmt_naive(w.content_ts("configs", i)),
                "updated_timestamp": fmt_naive(w.content_ts("configs", i)),
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
                "cdate": fmt_offset(w.content_ts("personalizations", i)),
                "mdate": fmt_offset(w.content_ts("personalizations", i)),
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


def register(acct: AccountConfigReads) -> None:
    """Add this domain's routes to the account's router (reads and writes)."""
    r = acct.router
    r.add("GET", "/", acct.api_root)
    r.add("GET", "/webhook/events", acct.webhook_events)
    r.add("GET", "/users/me", acct.users_me)
