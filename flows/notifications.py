"""pilot-notification: tell a pilot's coordinator about a severe deviation (a notification row, and an
e-mail when SMTP is configured). Started by the automation in prefect.yaml on critical pilot events."""

import smtplib
from datetime import date
from email.message import EmailMessage

from prefect import flow, task
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from models.db import get_required, session_scope
from models.rules.monitoring import notification_message
from models.settings import Settings, get_settings
from models.tables import Application, Checkpoint, Methodology, Notification, Pilot


@task
def record_notification(pilot_id: int, event: str, severity: str, as_of: date) -> int | None:
    """Write the coordinator's notification; None when this pilot, event and day already have one."""
    try:
        with session_scope() as session:
            pilot = get_required(session, Pilot, pilot_id)
            known = session.exec(select(Notification.id).where(
                Notification.pilot_id == pilot_id, Notification.event == event, Notification.as_of == as_of)).first()
            if known is not None:
                return None
            coordinator = session.get(Methodology, pilot.methodology_id).adopted_by or "coordinator"
            checkpoint = session.exec(select(Checkpoint).where(Checkpoint.pilot_id == pilot_id,
                                                               Checkpoint.as_of == as_of)).first()
            subject, body = notification_message(
                pilot.contract_number, session.get(Application, pilot.application_id).title, coordinator, event,
                severity, as_of, checkpoint.deviations if checkpoint else [])
            notification = Notification(pilot_id=pilot_id, coordinator=coordinator, event=event, severity=severity,
                                        as_of=as_of, subject=subject, body=body)
            session.add(notification)
            session.flush()
            return notification.id
    except IntegrityError:  # a concurrent run for the same event wrote it first
        return None


def recipient(settings: Settings, coordinator: str) -> str | None:
    return settings.coordinator_emails.get(coordinator) or settings.coordinators_mailbox or None


def send_email(settings: Settings, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.mail_from, to, subject
    message.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)


@task(retries=2, retry_delay_seconds=30)
def deliver_email(notification_id: int) -> str:
    """Send the notification by e-mail when SMTP is configured; the outcome is kept on the row."""
    settings = get_settings()
    with session_scope() as session:
        notification = session.get(Notification, notification_id)
        to = recipient(settings, notification.coordinator)
        if not settings.smtp_host or to is None:
            notification.email_status = "not configured" if not settings.smtp_host else "no address"
            return notification.email_status
        try:
            send_email(settings, to, notification.subject, notification.body)
        except (OSError, smtplib.SMTPException) as exc:
            notification.email_status = f"failed: {exc}"[:300]
            session.commit()
            raise  # the retries, then a failed run in the UI, show it
        notification.email_status = "sent"
        return notification.email_status


@flow(name="pilot-notification", log_prints=True)
def pilot_notification(pilot_id: int, event: str, as_of: date, severity: str = "critical") -> int | None:
    """Notify the pilot's coordinator of `event` found at the `as_of` checkpoint (once per pilot, event, day).
    Returns the notification's id, or None when it had been sent already."""
    notification_id = record_notification(pilot_id, event, severity, as_of)
    if notification_id is None:
        print(f"pilot {pilot_id}: {event} on {as_of} was notified already")
        return None
    email = deliver_email(notification_id)
    print(f"pilot {pilot_id}: {event} on {as_of}: notification {notification_id}, e-mail {email}")
    return notification_id
