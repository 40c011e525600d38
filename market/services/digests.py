"""The daily digest: for a person who chose it, the deliveries of a day are held, then sent as one
message per channel after DIGEST_HOUR (08:00 where the marketplace runs).

At the first sweep past that hour, each person's held deliveries of one channel are bundled: the
oldest becomes the digest (``digest_id`` = its own id, pending) and the others point to it
(``bundled``). Sending the digest marks them all sent with the one id the channel gave it.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select

from ..extensions import db
from ..models import Delivery, Notification
from ..web import i18n
from . import notification_texts as texts
from . import outbox
from .common import now

DIGEST_HOUR = time(8, 0)


def last_digest_time(moment: datetime) -> datetime:
    """The latest DIGEST_HOUR at or before ``moment``, where the marketplace runs."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    local = moment.astimezone(zone)
    at = datetime.combine(local.date(), DIGEST_HOUR, tzinfo=zone)
    return at if at <= local else at - timedelta(days=1)


def bundle_due() -> int:
    """Bundle every held delivery made before the last digest hour; count the digests made."""
    cutoff = last_digest_time(now())
    held = list(
        db.session.scalars(
            select(Delivery)
            .join(Notification)
            .where(Delivery.status == "held", Notification.created_at < cutoff)
            .order_by(Notification.user_id, Delivery.channel, Delivery.id)
            .with_for_update(of=Delivery)
            .execution_options(populate_existing=True)
        )
    )
    made = 0
    for _key, group in groupby(held, key=lambda d: (d.notification.user_id, d.channel)):
        first, *rest = list(group)
        first.status, first.digest_id, first.next_attempt_at = "pending", first.id, now()
        for d in rest:
            d.status, d.digest_id = "bundled", first.id
        outbox.remember()
        made += 1
    db.session.commit()
    return made


def bundle_of(d: Delivery) -> list[Delivery]:
    return list(db.session.scalars(select(Delivery).where(Delivery.digest_id == d.id).order_by(Delivery.id)))


def digest_texts(bundle: list[Delivery], locale: str) -> tuple[str, str, str]:
    """Subject, email body and SMS text of a digest."""
    lines = []
    for d in bundle:
        n = d.notification
        lines.append(f"• {texts.render(n.kind, n.params, locale).full}\n  {texts.absolute(n.link)}")
    with force_locale(locale):
        count = i18n.number(len(bundle))
        subject = gettext("Kit marketplace: your day in %(n)s notifications", n=count)
        sms = gettext("%(n)s new notifications", n=count)
    return subject, "\n\n".join(lines) + "\n", f"{sms} {texts.absolute('/notifications')}"
