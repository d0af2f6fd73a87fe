"""Idempotency keys for the requests that start work (`POST /applications`, stage triggers, decisions,
conclusions): the first request with a key reserves it, its answer is stored with it, and a retry with the
same key and the same request gets that answer again, starting nothing. The same key with another request
is refused; a retry while the first is still being answered is told to wait.

Keys do not live forever (settings: idempotency_reservation_seconds, idempotency_retention_hours):

- a reservation whose request never answered (its process was killed) is taken over, after the reservation
  timeout, by a retry of the same request, which then does the work (the Prefect idempotency keys the routes
  derive from the key keep a re-triggered run the same run);
- an answer is replayed for the retention period; after it the key is forgotten, and its row is deleted by the
  next reservation of any new key (a bounded batch each time), so the table holds about a retention period of
  keys without any schedule having to run. The expiry is checked on every lookup, so a late purge never
  replays an expired answer.

`created_at` is when the key was last reserved: both periods are counted from it (an answer is stored
seconds after its reservation).
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.settings import get_settings
from models.tables import IdempotencyRecord, utcnow

PURGE_BATCH = 500  # expired rows deleted per new reservation: a backlog never makes one request slow


class IdempotencyConflict(Exception):
    """The key was used for a different request, or its first request is still being answered."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: dict


def fingerprint(request: object) -> str:
    """SHA-256 of the request's canonical JSON (keys sorted), so equal requests match however they were sent."""
    return hashlib.sha256(orjson.dumps(request, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)).hexdigest()


def _existing(session: Session, scope: str, key: str) -> IdempotencyRecord | None:
    return session.exec(select(IdempotencyRecord).where(IdempotencyRecord.scope == scope,
                                                        IdempotencyRecord.key == key)
                        .execution_options(populate_existing=True)).first()


def reservation_timeout() -> timedelta:
    return timedelta(seconds=get_settings().idempotency_reservation_seconds)


def retention() -> timedelta:
    # Never shorter than the reservation timeout: a purge must not delete a reservation still being answered.
    return max(timedelta(hours=get_settings().idempotency_retention_hours), reservation_timeout())


def _free(record: IdempotencyRecord, request_hash: str, now: datetime) -> bool:
    """Whether this request may reserve the key anew: its answer is past the retention period (then any request
    may), or its reservation is older than the timeout and this is a retry of the very same request."""
    if record.status_code is not None:
        return record.created_at <= now - retention()
    return record.request_hash == request_hash and record.created_at <= now - reservation_timeout()


def _take_over(session: Session, record: IdempotencyRecord, request_hash: str, now: datetime) -> bool:
    """Reserve the key afresh in place of an abandoned reservation or an expired answer (committed). One
    conditional UPDATE that repeats _free's test, so of two concurrent retries only one takes it over."""
    if record.status_code is None:
        expired = (IdempotencyRecord.status_code.is_(None),
                   IdempotencyRecord.request_hash == request_hash,
                   IdempotencyRecord.created_at <= now - reservation_timeout())
    else:
        expired = (IdempotencyRecord.status_code.is_not(None), IdempotencyRecord.created_at <= now - retention())
    taken = session.execute(update(IdempotencyRecord).where(IdempotencyRecord.id == record.id, *expired)
                            .values(request_hash=request_hash, status_code=None, response=None, created_at=now))
    session.commit()
    return taken.rowcount == 1


def _purge_batch(session: Session, now: datetime) -> None:
    """Delete up to PURGE_BATCH keys older than the retention period (answered or long abandoned)."""
    old = (select(IdempotencyRecord.id).where(IdempotencyRecord.created_at <= now - retention())
           .order_by(IdempotencyRecord.created_at).limit(PURGE_BATCH))
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(old.scalar_subquery())))


def _answer_of(record: IdempotencyRecord, request_hash: str) -> StoredAnswer:
    if record.request_hash != request_hash:
        raise IdempotencyConflict("this Idempotency-Key was already used for a different request; "
                                  "use a new key for a new request")
    if record.status_code is None:
        raise IdempotencyConflict("a request with this Idempotency-Key is still being answered; retry in a moment")
    return StoredAnswer(record.status_code, record.response or {})


def reserve(session: Session, scope: str, key: str, request_hash: str,
            now: datetime | None = None) -> StoredAnswer | None:
    """None when the key is new, expired, or abandoned by a request that never answered (it is now reserved,
    committed); else the stored answer to replay. Raises IdempotencyConflict for another request under the
    same key or one still in progress."""
    now = now or utcnow()
    record = _existing(session, scope, key)
    if record is not None:
        if _free(record, request_hash, now) and _take_over(session, record, request_hash, now):
            return None
        return _answer_of(_existing(session, scope, key), request_hash)
    _purge_batch(session, now)
    session.add(IdempotencyRecord(scope=scope, key=key, request_hash=request_hash, created_at=now))
    try:
        session.commit()
    except IntegrityError:  # a concurrent request reserved it first
        session.rollback()
        return _answer_of(_existing(session, scope, key), request_hash)
    return None


def _still_ours(record: IdempotencyRecord | None, reserved_at: datetime | None) -> bool:
    """Whether the reservation made at `reserved_at` still holds the key: a request slower than the
    reservation timeout may have had it taken over by a retry, whose answer (or failure) then counts."""
    return record is not None and record.status_code is None and (
        reserved_at is None or record.created_at == reserved_at)


def complete(session: Session, scope: str, key: str, status_code: int, body: dict,
             reserved_at: datetime | None = None) -> None:
    """Store the answer of the request that reserved the key at `reserved_at` (committed by the caller)."""
    record = _existing(session, scope, key)
    if _still_ours(record, reserved_at):
        record.status_code, record.response = status_code, body
        session.add(record)


def release(session: Session, scope: str, key: str, reserved_at: datetime | None = None) -> None:
    """Forget a reservation whose request failed, so that a retry starts afresh (commits)."""
    session.rollback()
    record = _existing(session, scope, key)
    if _still_ours(record, reserved_at):
        session.delete(record)
        session.commit()
