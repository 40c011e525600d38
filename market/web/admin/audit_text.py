"""An audit entry as a sentence in the reader's language, per action kind, with a fallback.

Each value taken from the entry (a number, a name, a reason typed by someone, a code) is escaped and
isolated in ``<bdi>``, so a Latin reason or a "#12" keeps its own direction inside a Persian
sentence and nothing is scrambled; ids read "#12" in the reader's digits. An action without a
sentence of its own says its label and then its details as "name: value" pairs, each isolated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from ...domain import geo, states
from ...models import AuditEntry
from .. import i18n
from ..common import status_label
from .explain import rule_label
from .labels import action_label

FIELD_LABELS = {
    "weekly_capacity": _l("kits per week"),
    "min_lot": _l("smallest job"),
    "kits": _l("kits"),
    "city": _l("city"),
    "phone": _l("phone"),
    "paused": _l("paused"),
    "name": _l("name"),
    "locale": _l("language"),
    "organization": _l("organization"),
    "unit_price": _l("price"),
    "active": _l("on offer"),
    "contents": _l("contents"),
    "name_fa": _l("Persian name"),
    "name_en": _l("English name"),
    "email_enabled": _l("email"),
    "sms_enabled": _l("SMS"),
    "digest": _l("daily digest"),
}
ROLE_LABELS = {"buyer": _l("buyer"), "business": _l("workshop"), "admin": _l("admin")}


def bdi(value: object) -> Markup:
    return Markup("<bdi>%s</bdi>") % (value,)


def ref(n: object) -> Markup:
    """An id as "#12" in the reader's digits, isolated."""
    return bdi(f"#{i18n.local_digits(n)}") if n is not None else bdi("—")


def num(n: object) -> Markup:
    return bdi(i18n.number(n) if isinstance(n, int) else "—")


def province(code: object) -> Markup:
    p = geo.BY_CODE.get(str(code))
    return bdi(code if p is None else (p.name_fa if i18n.is_fa() else p.name_en))


def status(code: object) -> Markup:
    return bdi(status_label(str(code)) if code else "—")


def say(template: str, **params: Markup) -> Markup:
    """A translated sentence with isolated values: the template is escaped, the values already are."""
    return escape(template) % params if params else escape(template)


class Sentences:
    """Makes the sentences of one page of entries; ``kit_names`` maps a kit code to its name."""

    def __init__(self, kit_names: dict[str, str]) -> None:
        self.kit_names = kit_names

    def __call__(self, entry: AuditEntry) -> Markup:
        d: dict[str, Any] = dict(entry.detail or {})
        entity, _dot, kind = entry.action.partition(".")
        maker = SENTENCES.get(entry.action)
        if maker is not None:
            return maker(self, d)
        if (entity == "order" and kind in states.ORDER_STATUSES) or (
            entity == "job" and kind in states.JOB_STATUSES
        ):
            return self.status_change(entity, kind, d) + self.extras(d)
        return self.fallback(entry.action, d)

    def kit(self, code: object) -> Markup:
        return bdi(self.kit_names.get(str(code), code))

    def status_change(self, entity: str, kind: str, d: dict[str, Any]) -> Markup:
        to = status(kind)
        if entity == "order":
            if d.get("from_status"):
                return say(_("The order went from %(old)s to %(new)s."), old=status(d["from_status"]), new=to)
            return say(_("The order is now %(new)s."), new=to)
        if kind == states.OFFERED:
            return say(
                _("%(n)s kits of order %(order)s were offered to workshop %(shop)s, by the rule: %(rule)s."),
                n=num(d.get("quantity")),
                order=ref(d.get("order_id")),
                shop=ref(d.get("business_id")),
                rule=bdi(rule_label(d.get("rule"))),
            )
        return say(
            _("The job of order %(order)s at workshop %(shop)s went from %(old)s to %(new)s."),
            order=ref(d.get("order_id")),
            shop=ref(d.get("business_id")),
            old=status(d.get("from_status")),
            new=to,
        )

    def extras(self, d: dict[str, Any]) -> Markup:
        """What a status change adds: the reason, the count made, the carrier and tracking code."""
        parts = []
        if d.get("reason") and not isinstance(d.get("reason"), dict):
            parts.append(say(_("Reason: %(reason)s."), reason=bdi(d["reason"])))
        if isinstance(d.get("units_done"), int):
            parts.append(say(_("Made so far: %(n)s."), n=num(d["units_done"])))
        if d.get("carrier") or d.get("tracking_code"):
            parts.append(
                say(
                    _("Carrier: %(carrier)s; tracking code: %(code)s."),
                    carrier=bdi(d.get("carrier") or "—"),
                    code=bdi(d.get("tracking_code") or "—"),
                )
            )
        if isinstance(d.get("shipped_quantity"), int) and isinstance(d.get("quantity"), int):
            parts.append(
                say(_("Shipped %(n)s of %(m)s."), n=num(d["shipped_quantity"]), m=num(d["quantity"]))
            )
        if isinstance(d.get("returned_to_order"), int) and d["returned_to_order"] > 0:
            parts.append(
                say(_("%(n)s went back to the order to be matched again."), n=num(d["returned_to_order"]))
            )
        if d.get("to_business_id"):
            parts.append(say(_("Moved to workshop %(shop)s."), shop=ref(d["to_business_id"])))
        return Markup(" ").join([Markup(""), *parts]) if parts else Markup("")

    def fields(self, d: dict[str, Any]) -> Markup:
        names = [str(FIELD_LABELS.get(f, f)) for f in d.get("fields") or []]
        sep = "، " if i18n.is_fa() else ", "
        return say(_("Changed: %(fields)s."), fields=bdi(sep.join(names) or "—"))

    def fallback(self, action: str, d: dict[str, Any]) -> Markup:
        sep = Markup("، ") if i18n.is_fa() else Markup(", ")
        pairs = sep.join(
            Markup("%s: %s")
            % (FIELD_LABELS.get(k, k), bdi(i18n.local_digits(v) if isinstance(v, int) else v))
            for k, v in d.items()
        )
        head = escape(action_label(action)) + Markup(".")
        return head + (Markup(" ") + pairs if d else Markup(""))


def _suspended(s: Sentences, d: dict[str, Any]) -> Markup:
    text = say(_("The workshop was suspended."))
    if d.get("reason"):
        text += Markup(" ") + say(_("Reason: %(reason)s."), reason=bdi(d["reason"]))
    withdrawn = len(d.get("withdrawn_orders") or [])
    cancelled = len(d.get("cancelled_jobs") or [])
    text += Markup(" ") + say(
        _("Its offers on %(orders)s orders were withdrawn; %(jobs)s jobs were cancelled."),
        orders=num(withdrawn),
        jobs=num(cancelled),
    )
    return text


def _created(s: Sentences, d: dict[str, Any]) -> Markup:
    text = say(
        _("Ordered %(n)s × %(kit)s, to be delivered to %(province)s."),
        n=num(d.get("quantity")),
        kit=s.kit(d.get("kit")),
        province=province(d.get("province")),
    )
    if d.get("batch_id"):
        text += Markup(" ") + say(_("Part of bulk order %(batch)s."), batch=ref(d["batch_id"]))
    return text


SENTENCES: dict[str, Callable[[Sentences, dict[str, Any]], Markup]] = {
    "order.created": _created,
    "order.rematch_requested": lambda s, d: say(_("Matching was asked to run again for this order.")),
    "order.message": lambda s, d: say(_("A message was written on this order.")),
    "job.reassigned": lambda s, d: say(
        _("Job %(old)s was moved to workshop %(shop)s as this job."),
        old=ref(d.get("from_job_id")),
        shop=ref(d.get("business_id")),
    ),
    "business.registered": lambda s, d: say(
        _("A workshop registered in %(province)s."), province=province(d.get("province"))
    ),
    "business.updated": lambda s, d: s.fields(d),
    "business.approved": lambda s, d: say(_("The workshop was approved: offers can reach it.")),
    "business.suspended": _suspended,
    "user.registered": lambda s, d: say(
        _("An account was created, as a %(role)s."), role=bdi(ROLE_LABELS.get(d.get("role"), d.get("role")))
    ),
    "user.updated": lambda s, d: s.fields(d),
    "user.verified": lambda s, d: say(_("The buyer was verified.")),
    "user.made_admin": lambda s, d: say(_("The account was made an admin.")),
    "user.password_changed": lambda s, d: say(_("The password was changed.")),
    "kit.created": lambda s, d: say(_("Kit %(code)s was added."), code=bdi(d.get("code"))),
    "kit.updated": lambda s, d: s.fields(d),
    "batch.created": lambda s, d: say(_("A bulk order of %(n)s orders was placed."), n=num(d.get("orders"))),
}
