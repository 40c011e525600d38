"""Sending one notification on one outside channel: idempotent, retried with backoff, never twice.

The delivery row is locked for the whole send, so two runs of the same job (a retry, a duplicate
from the sweep) take turns and the second finds it ``sent``. A failure is recorded with the next
attempt's time and re-raised (RQ records it); the sweep re-enqueues every delivery that is due.
SMS wait for the morning in quiet hours (22:00 to 07:00 where the marketplace runs).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from .. import channels
from ..extensions import db
from ..models import Delivery, Notification, User
from ..tasks import release
from . import digests, outbox
from . import notification_texts as texts
from .common import locked, now

QUIET_START, QUIET_END = time(22, 0), time(7, 0)
MAX_BACKOFF = timedelta(hours=1)


class DeliveryFailed(RuntimeError):
    """The channel refused; the delivery is rescheduled."""


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … doubling, at most an hour: a long outage costs few attempts."""
    return min(timedelta(seconds=30 * 2 ** max(0, attempts - 1)), MAX_BACKOFF)


def quiet_until(moment: datetime) -> datetime | None:
    """The end of the quiet hours ``moment`` falls in, or None outside them."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    local = moment.astimezone(zone)
    if QUIET_END <= local.time() < QUIET_START:
        return None
    day = local.date() if local.time() < QUIET_END else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_END, tzinfo=zone)


def outgoing(d: Delivery) -> channels.Outgoing:
    n = d.notification
    user = n.user
    if d.digest_id == d.id:
        subject, body, sms = digests.digest_texts(digests.bundle_of(d), user.locale)
        if d.channel == "sms":
            return channels.Outgoing(user.phone or "", subject, sms, str(d.id))
        return channels.Outgoing(user.email, subject, body, str(d.id))
    t = texts.render(n.kind, n.params, user.locale)
    if d.channel == "sms":
        return channels.Outgoing(
            user.phone or "", t.short, f"{t.short} {texts.absolute(f'/n/{n.id}')}", str(d.id)
        )
    body = f"{t.full}\n\n{texts.absolute(n.link)}\n"
    return channels.Outgoing(user.email, t.subject, body, str(d.id))


def deliver(delivery_id: int) -> str:
    """Send the delivery if it is pending and due; say what happened.

    :raises DeliveryFailed: the channel refused or could not be reached (rescheduled first).
    """
    d = locked(Delivery, delivery_id)
    moment = now()
    if d is None or d.status != "pending" or d.next_attempt_at > moment:
        status = "missing" if d is None else d.status if d.status != "pending" else "not due"
        db.session.rollback()
        return status
    if d.channel == "sms" and (wake := quiet_until(moment)) is not None:
        d.next_attempt_at = wake
        db.session.commit()
        return "quiet"
    message = outgoing(d)
    try:
        channel_id = channels.send(d.channel, message)
    except channels.ChannelError as err:
        d.attempts += 1
        d.next_attempt_at = moment + backoff(d.attempts)
        d.last_error = str(err)[:500]
        db.session.commit()
        raise DeliveryFailed(str(err)) from err
    d.attempts += 1
    d.last_error = None
    for sent in digests.bundle_of(d) if d.digest_id == d.id else [d]:
        sent.status, sent.sent_at, sent.delivery_id = "sent", moment, channel_id
    db.session.commit()
    return "sent"


def fan_out(notification_id: int) -> list[int]:
    """Make the notification's deliveries from its reader's channel choices, once; return the ids
    of its deliveries waiting to be sent (a daily-digest reader's are held for the digest)."""
    n = locked(Notification, notification_id)
    if n is None:
        db.session.rollback()
        return []
    if n.fanned_out_at is None:
        user, moment = n.user, now()
        status = "held" if user.digest == "daily" else "pending"
        for channel in channels_of(user):
            db.session.add(
                Delivery(notification=n, channel=channel, status=status, attempts=0, next_attempt_at=moment)
            )
        n.fanned_out_at = moment
        db.session.commit()
    ids = list(
        db.session.scalars(
            select(Delivery.id).where(
                Delivery.notification_id == notification_id, Delivery.status == "pending"
            )
        )
    )
    db.session.rollback()
    return ids


def channels_of(user: User) -> list[str]:
    """The outside channels a person chose and can be reached on (in-app is always on)."""
    return [
        c
        for c, on in (
            ("email", user.notify_email and bool(user.email)),
            ("sms", user.notify_sms and bool(user.phone)),
        )
        if on
    ]


def deliver_all(notification_ids: list[int]) -> dict[str, int]:
    """Fan out each notification and send its pending deliveries, each in its own transaction;
    count the outcomes.

    :raises DeliveryFailed: after trying them all, if any failed (each failed one is rescheduled).
    """
    outcomes: dict[str, int] = {}
    failed = []
    for notification_id in notification_ids:
        for delivery_id in fan_out(notification_id):
            try:
                outcome = deliver(delivery_id)
            except DeliveryFailed as err:
                failed.append(f"{delivery_id}: {err}")
                outcome = "failed"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if failed:
        raise DeliveryFailed("; ".join(failed))
    return outcomes


def drain() -> dict[str, int]:
    """Fan out and send every notification not fanned out yet, oldest first, in batches.

    :raises DeliveryFailed: after all were tried, if a send failed (each failed one is rescheduled).
    """
    release(outbox.NUDGE_KEY)  # first: a notification committed from now on nudges a new job
    outcomes: dict[str, int] = {}
    failed: list[str] = []
    while True:
        ids = list(
            db.session.scalars(
                select(Notification.id)
                .where(Notification.fanned_out_at.is_(None))
                .order_by(Notification.id)
                .limit(outbox.BATCH)
            )
        )
        db.session.rollback()
        if not ids:
            break
        try:
            for outcome, n in deliver_all(ids).items():
                outcomes[outcome] = outcomes.get(outcome, 0) + n
        except DeliveryFailed as err:
            failed.append(str(err))
    if failed:
        raise DeliveryFailed("; ".join(failed))
    return outcomes


def due_ids(limit: int = 500) -> list[int]:
    """Notifications with work left: not fanned out yet (their hand-over was lost), or with a
    pending delivery whose time has come (a failed attempt to retry, an SMS after quiet hours)."""
    unfanned = select(Notification.id).where(Notification.fanned_out_at.is_(None))
    due = select(Delivery.notification_id).where(
        Delivery.status == "pending", Delivery.next_attempt_at <= now()
    )
    ids = set(db.session.scalars(unfanned.order_by(Notification.id).limit(limit)))
    ids |= set(db.session.scalars(due.order_by(Delivery.next_attempt_at).limit(limit)))
    return sorted(ids)
