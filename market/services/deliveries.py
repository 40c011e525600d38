"""Sending one notification on one outside channel: idempotent, retried with backoff, never twice.

The delivery row is locked for the whole send, so two runs of the same job (a retry, a duplicate
from the sweep) take turns and the second finds it ``sent``. A failure is recorded with the next
attempt's time and re-raised (RQ records it); the sweep re-enqueues every delivery that is due.
SMS wait for the morning in quiet hours (22:00 to 07:00 where the marketplace runs).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.orm import joinedload

from .. import channels
from ..extensions import db
from ..models import Delivery, Notification, User
from ..tasks import enqueue_once, matching_busy, release
from . import digests, outbox
from . import notification_texts as texts
from .common import now

QUIET_START, QUIET_END = time(22, 0), time(7, 0)
MAX_BACKOFF = timedelta(hours=1)
#: batches of :data:`outbox.BATCH` notifications one delivery job fans out before it hands the rest
#: to a fresh job (the scaled mode; see :func:`drain`)
DRAIN_BATCHES = 5
#: how long a delivery job steps aside for a running matching round, and how many times in a row
YIELD_PAUSE_SECONDS = 1.0
MAX_YIELDS = 10


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


def deliver(delivery_id: int, message: channels.Outgoing | None = None) -> str:
    """Send the delivery if it is pending and due; say what happened. ``message``: its text, made
    beforehand (:func:`prepared`); without it, it is made here.

    :raises DeliveryFailed: the channel refused or could not be reached (rescheduled first).
    """
    row = db.session.execute(
        select(
            Delivery.status, Delivery.next_attempt_at, Delivery.channel, Delivery.digest_id, Delivery.attempts
        )
        .where(Delivery.id == delivery_id)
        .with_for_update()
    ).first()
    moment = now()
    if row is None or row.status != "pending" or row.next_attempt_at > moment:
        status = "missing" if row is None else row.status if row.status != "pending" else "not due"
        db.session.rollback()
        return status
    if row.channel == "sms" and (wake := quiet_until(moment)) is not None:
        _set(delivery_id, next_attempt_at=wake)
        db.session.commit()
        return "quiet"
    digest = row.digest_id == delivery_id
    if message is None or digest:
        message = outgoing(db.session.get_one(Delivery, delivery_id))
    try:
        channel_id = channels.send(row.channel, message)
    except channels.ChannelError as err:
        attempts = row.attempts + 1
        wait = moment + backoff(attempts)
        _set(delivery_id, attempts=attempts, next_attempt_at=wait, last_error=str(err)[:500])
        db.session.commit()
        raise DeliveryFailed(str(err)) from err
    sent = {"status": "sent", "sent_at": moment, "delivery_id": channel_id}
    _set(delivery_id, attempts=row.attempts + 1, last_error=None, **sent)
    if digest:
        for bundled in digests.bundle_of(db.session.get_one(Delivery, delivery_id)):
            _set(bundled.id, **sent)
    db.session.commit()
    return "sent"


def _set(delivery_id: int, /, **values: Any) -> None:
    """Change the delivery's row in the current transaction (one UPDATE, no unit of work)."""
    db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def prepared(delivery_ids: list[int]) -> dict[int, channels.Outgoing]:
    """The texts of these deliveries (a digest's are made when it is sent), read in one query."""
    found = db.session.scalars(
        select(Delivery)
        .where(Delivery.id.in_(delivery_ids), Delivery.digest_id.is_(None))
        .options(joinedload(Delivery.notification).joinedload(Notification.user))
    )
    out = {d.id: outgoing(d) for d in found}
    db.session.rollback()
    return out


def fan_out(notification_ids: list[int]) -> list[int]:
    """Make these notifications' deliveries from their readers' channel choices, each notification
    once, all in one transaction (a batch costs one commit, not one per notification); return the
    ids of their deliveries waiting to be sent (a daily-digest reader's are held for the digest).

    The notifications not fanned out yet are locked in ascending id, so two jobs given the same ones
    (a retry, the sweep) take turns and the second finds them done."""
    if not notification_ids:
        return []
    fresh = list(
        db.session.scalars(
            select(Notification)
            .where(Notification.id.in_(notification_ids), Notification.fanned_out_at.is_(None))
            .order_by(Notification.id)
            .with_for_update(of=Notification)
            .execution_options(populate_existing=True)
        )
    )
    if fresh:
        moment = now()
        readers = {
            u.id: u for u in db.session.scalars(select(User).where(User.id.in_({n.user_id for n in fresh})))
        }
        rows = [
            {
                "notification_id": n.id,
                "channel": channel,
                "status": "held" if readers[n.user_id].digest == "daily" else "pending",
                "attempts": 0,
                "next_attempt_at": moment,
            }
            for n in fresh
            for channel in channels_of(readers[n.user_id])
        ]
        if rows:
            db.session.execute(insert(Delivery), rows)
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_([n.id for n in fresh]))
            .values(fanned_out_at=moment)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    ids = list(
        db.session.scalars(
            select(Delivery.id)
            .where(Delivery.notification_id.in_(notification_ids), Delivery.status == "pending")
            .order_by(Delivery.id)
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
    """Fan out the notifications (one transaction) and send their pending deliveries, each in its
    own transaction; count the outcomes.

    :raises DeliveryFailed: after trying them all, if any failed (each failed one is rescheduled).
    """
    outcomes: dict[str, int] = {}
    failed = []
    pending = fan_out(notification_ids)
    messages = prepared(pending)
    for delivery_id in pending:
        try:
            outcome = deliver(delivery_id, messages.get(delivery_id))
        except DeliveryFailed as err:
            failed.append(f"{delivery_id}: {err}")
            outcome = "failed"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if failed:
        raise DeliveryFailed("; ".join(failed))
    return outcomes


def drain(deferred: int = 0) -> dict[str, int]:
    """Fan out and send the notifications not fanned out yet, oldest first, in batches: all of them
    in the embedded mode; in the scaled mode at most :data:`DRAIN_BATCHES` batches, then a fresh
    job is queued for the rest. A job stays short, so a worker turns to a matching round queued
    meanwhile (RQ takes from the deliveries' queue only when matching's is empty) and stops soon
    when told to.

    Deliveries also give way to a round that is running (the scaled mode): while one is, the job
    comes back :data:`YIELD_PAUSE_SECONDS` later, at most :data:`MAX_YIELDS` times in a row
    (``deferred`` counts them), so on a small machine a round keeps the processor and the database
    to itself and a notification waits for rounds about ten seconds at most.

    :raises DeliveryFailed: after all were tried, if a send failed (each failed one is rescheduled).
    """
    release(outbox.NUDGE_KEY)  # first: a notification committed from now on nudges a new job
    outcomes: dict[str, int] = {}
    failed: list[str] = []
    inline = current_app.config["JOBS_MODE"] == "inline"
    batches = 0
    while inline or batches < DRAIN_BATCHES:
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
        if not inline and deferred < MAX_YIELDS and matching_busy():
            enqueue_once(outbox.DRAIN, outbox.NUDGE_KEY, 300, deferred + 1, delay_seconds=YIELD_PAUSE_SECONDS)
            break
        batches += 1
        try:
            for outcome, n in deliver_all(ids).items():
                outcomes[outcome] = outcomes.get(outcome, 0) + n
        except DeliveryFailed as err:
            failed.append(str(err))
    else:
        enqueue_once(outbox.DRAIN, outbox.NUDGE_KEY)  # the rest, behind any round queued meanwhile
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
