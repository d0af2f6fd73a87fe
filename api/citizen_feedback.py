"""A citizen's answer through the pilot's public feedback link: the checks and the storing that the JSON endpoint
(POST /feedback/{token}) and the portal's citizen page share, so the rules (what may be asked, the repeat
window) cannot drift apart.

No names, phones or e-mails are asked or kept. To refuse an obvious repeat, the client (its address, its
browser's user agent and the link) is kept only as a salted SHA-256 hash; the comment is stored as text
and never interpreted or shown back.
"""

import hashlib
import hmac
import threading
from datetime import timedelta

from fastapi import HTTPException, Request, status
from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from models.monitoring import RepeatedFeedback, add_feedback
from models.rules.timeline import answer_refusal
from models.schemas import CitizenFeedbackCreate
from models.settings import Settings, local_today
from models.stages import PilotStatus
from models.tables import Pilot

# Built once: building a select and its cache key on every answer cost more than running it. An answer needs
# only its pilot's id and status, read as plain SQL (the ORM's bookkeeping for the row cost as much again).
_PILOT_BY_TOKEN = select(Pilot).where(Pilot.feedback_token == bindparam("token"))
_PILOT_TABLE = Pilot.__table__
_PILOT_STATE_BY_TOKEN = (sa_select(_PILOT_TABLE.c.id, _PILOT_TABLE.c.status, _PILOT_TABLE.c.start_date)
                         .where(_PILOT_TABLE.c.feedback_token == bindparam("token")))


class PilotNotStarted(HTTPException):
    """409 for an answer before the pilot's start; its detail says when the pilot starts (the portal shows it)."""

    def __init__(self, detail: str):
        super().__init__(status.HTTP_409_CONFLICT, detail)


def _check_link(pilot) -> None:
    """404 for an unknown link, 409 for a pilot that does not collect feedback: not started yet, or ended."""
    if pilot is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            "Ссылка для отзыва не найдена. / This feedback link is not known.")
    if pilot.status != PilotStatus.ACTIVE:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            "Этот пилот завершён и больше не собирает отзывы. / "
                            "This pilot has ended and no longer collects feedback.")
    not_started = answer_refusal(pilot.start_date, local_today())
    if not_started:
        raise PilotNotStarted(not_started)


def pilot_for_token(session: Session, token: str) -> Pilot:
    pilot = session.exec(_PILOT_BY_TOKEN, params={"token": token}).first()
    _check_link(pilot)
    return pilot


def open_pilot_id(session: Session, token: str) -> int:
    """The id of the pilot whose link this is, if it still collects feedback (else as pilot_for_token)."""
    session.flush()  # as an ORM query would (autoflush); nothing to do, and no I/O, when nothing is pending
    pilot = session.connection().execute(_PILOT_STATE_BY_TOKEN, {"token": token}).first()
    _check_link(pilot)
    return pilot.id


def client_hash(settings: Settings, request: Request, token: str) -> str:
    salt = (settings.feedback_salt or settings.api_key).encode()
    client = f"{request.client.host if request.client else ''}\n{request.headers.get('user-agent', '')}\n{token}"
    return hmac.new(salt, client.encode(), hashlib.sha256).hexdigest()


def accept_answer(token: str, data: CitizenFeedbackCreate, request: Request, session: Session,
           settings: Settings) -> dict:
    """A citizen's answer (public): CSAT 1-5 and NPS 0-10, optionally the ten SUS items, a comment and
    anonymous bands. A repeat from the same client within the window is refused with 429."""
    pilot_id = open_pilot_id(session, token)
    window = settings.feedback_repeat_window_seconds
    try:
        add_feedback(session, pilot_id, data, client_hash(settings, request, token), timedelta(seconds=window))
    except RepeatedFeedback as exc:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            f"Спасибо, ваш отзыв уже получен. / Thank you, your answer is in already ({exc}).",
                            headers={"Retry-After": str(window)}) from exc
    _commit_answer(session)
    return {"thank_you": "Спасибо за отзыв! Thank you for your feedback!"}


# SQLite lets one connection write at a time, and a connection that finds it busy polls, sleeping up to 100 ms
# between tries (the busy timeout): under a burst of answers, time went to those sleeps while the database
# sat idle. The answers of this process take turns on a lock instead, each woken as soon as the previous one
# is written (other processes, the flows, are still waited for by the busy timeout).
_SQLITE_WRITER = threading.Lock()


def _commit_answer(session: Session) -> None:
    if session.get_bind().dialect.name == "sqlite":
        with _SQLITE_WRITER:
            session.commit()
    else:
        session.commit()
