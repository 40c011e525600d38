"""What each kind of notification says, in the reader's language, rendered when it is read or sent.

A notification stores its ``kind`` and plain ``params``; the words live in the message catalogs
(``translations/src/notifications.po``) like every page text. ``full`` is the in-app and email text;
``short`` is the SMS (Persian: one UCS-2 segment of 70 characters where it fits, with its link).
Params are formatted for the reader: numbers in Persian digits, dates in Jalali, provinces and kits
by name (a param ``x_fa``/``x_en`` pair becomes ``x`` in the reader's language).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from ..domain import geo
from ..web import i18n

FULL: dict[str, Any] = {
    "offer_new": _l(
        "New offer: %(quantity)s × %(kit)s for order #%(order_id)s, to make by %(due_date)s. "
        "Answer by %(expires_at)s."
    ),
    "offer_expiring": _l("Your offer for order #%(order_id)s (%(quantity)s kits) expires at %(expires_at)s."),
    "offer_withdrawn": _l("The offer of %(quantity)s kits for order #%(order_id)s was withdrawn."),
    "job_cancelled": _l(
        "The buyer cancelled order #%(order_id)s: your job of %(quantity)s kits is cancelled "
        "(%(units_done)s already made)."
    ),
    "job_due_soon": _l(
        "Job for order #%(order_id)s is due on %(due_date)s: %(remaining)s kits still to make."
    ),
    "business_approved": _l("Your workshop %(name)s is approved: offers can reach you now."),
    "business_suspended": _l("Your workshop %(name)s is suspended: %(reason)s"),
    "order_matched": _l(
        "Order #%(order_id)s: %(allocated)s of %(quantity)s kits offered to %(workshops)s workshops "
        "(%(provinces)s), due by %(needed_by)s."
    ),
    "job_accepted": _l("A workshop in %(province)s accepted %(quantity)s kits of order #%(order_id)s."),
    "job_shipped": _l(
        "%(quantity)s kits of order #%(order_id)s shipped "
        "(carrier: %(carrier)s, tracking: %(tracking_code)s)."
    ),
    "job_late": _l("A job of order #%(order_id)s (%(quantity)s kits) is late: it was due on %(due_date)s."),
    "units_waiting": _l(
        "Order #%(order_id)s: %(unallocated)s kits wait for a workshop with room. "
        "Earliest date: %(earliest)s."
    ),
    "job_delivered": _l(
        "Delivery of order #%(order_id)s recorded: %(received)s of %(quantity)s kits received."
    ),
    "approval_needed": _l("A new workshop awaits approval: %(name)s in %(province)s."),
    "buyer_verification_needed": _l("A new buyer awaits verification: %(name)s, %(organization)s."),
    "orders_waiting": _l("%(count)s orders have waited more than 24 hours for a workshop."),
    "queue_unhealthy": _l("The job queue does not answer: matching and deliveries are delayed."),
    "message_new": _l("New message from %(author)s on order #%(order_id)s: %(text)s"),
}
SHORT: dict[str, Any] = {
    "offer_new": _l("New offer: %(quantity)s kits, answer by %(expires_at)s"),
    "offer_expiring": _l("Offer #%(order_id)s expires %(expires_at)s"),
    "offer_withdrawn": _l("Offer for order #%(order_id)s withdrawn"),
    "job_cancelled": _l("Order #%(order_id)s cancelled by the buyer"),
    "job_due_soon": _l("Job #%(order_id)s due %(due_date)s"),
    "business_approved": _l("Your workshop is approved"),
    "business_suspended": _l("Your workshop is suspended"),
    "order_matched": _l("Order #%(order_id)s: %(allocated)s kits offered"),
    "job_accepted": _l("Order #%(order_id)s: %(quantity)s kits accepted"),
    "job_shipped": _l("Order #%(order_id)s: %(quantity)s kits shipped"),
    "job_late": _l("Order #%(order_id)s: a job is late"),
    "units_waiting": _l("Order #%(order_id)s: %(unallocated)s kits waiting"),
    "job_delivered": _l("Order #%(order_id)s: delivery recorded"),
    "approval_needed": _l("A workshop awaits approval"),
    "buyer_verification_needed": _l("A buyer awaits verification"),
    "orders_waiting": _l("%(count)s orders waiting over 24h"),
    "queue_unhealthy": _l("The job queue does not answer"),
    "message_new": _l("New message on order #%(order_id)s"),
}
NONE = {"fa": "—", "en": "—"}


@dataclass(frozen=True)
class Rendered:
    full: str
    short: str
    subject: str


def compact_datetime(moment: datetime) -> str:
    """Day, month and time without the year: an SMS has 70 characters."""
    local = i18n.to_local(moment)
    full = i18n.format_date(local.date())
    day_month = full.rsplit(" ", 1)[0]
    return f"{day_month} {i18n.local_digits(local.strftime('%H:%M'))}"


def _value(key: str, value: Any, locale: str, compact: bool) -> str:
    if value is None or value == "":
        return NONE[locale]
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return i18n.number(value)
    if key.endswith("_at"):
        moment = datetime.fromisoformat(value)
        return compact_datetime(moment) if compact else i18n.format_datetime(moment)
    if key.endswith(("_date", "needed_by", "earliest")):
        return i18n.format_date(date.fromisoformat(value))
    if key in ("province", "provinces"):
        codes = value if isinstance(value, list) else [value]
        names = [(p.name_fa if locale == "fa" else p.name_en) for c in codes if (p := geo.BY_CODE.get(c))]
        return ("، " if locale == "fa" else ", ").join(names or codes)
    return i18n.local_digits(value) if key == "order_id" else str(value)


def formatted(params: dict[str, Any], locale: str, compact: bool = False) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in params.items():
        if key.endswith(("_fa", "_en")):
            if key.endswith(f"_{locale}"):
                out[key[:-3]] = str(value)
            continue
        out[key] = _value(key, value, locale, compact)
    return out


def render(kind: str, params: dict[str, Any], locale: str) -> Rendered:
    """The texts of a notification in ``locale`` (``fa`` or ``en``); needs an app context."""
    with force_locale(locale if locale in i18n.LANGUAGES else "fa"):
        full = str(FULL[kind]) % formatted(params, locale)
        short = str(SHORT[kind]) % formatted(params, locale, compact=True)
        subject = f"{gettext('Kit marketplace')}: {short}"
    return Rendered(full, short, subject)


def absolute(link: str | None) -> str:
    base = str(current_app.config["PUBLIC_URL"]).rstrip("/")
    return f"{base}{link or '/'}"
