"""`Idempotency-Key` for the routes that start work: a retry with the same key gets the first answer again.

    async with idempotent(session, key, "POST /applications", body) as replay:
        if replay.answer is not None:
            return replay.response()
        ... start the work ...
        replay.store(201, answer)          # committed with the route's own commit

Without a key the block runs as before. The logic, and how long keys live, are in models/idempotency.py.
"""

from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

from fastapi import Header
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlmodel import Session

from models import idempotency
from models.idempotency import StoredAnswer
from models.tables import utcnow

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200,
                                              description="Repeat the key to get the same answer, never a second "
                                                          "run; the same key with another request is 409")]


class Replay:
    def __init__(self, session: Session, scope: str, key: str | None, answer: StoredAnswer | None,
                 reserved_at: datetime | None = None):
        self.session, self.scope, self.key, self.answer = session, scope, key, answer
        self.reserved_at = reserved_at  # this request's reservation, told apart from a retry's that took it over

    def response(self) -> JSONResponse:
        return JSONResponse(self.answer.body, status_code=self.answer.status_code,
                            headers={"Idempotent-Replayed": "true"})

    def store(self, status_code: int, body) -> None:
        if self.key is not None:
            idempotency.complete(self.session, self.scope, self.key, status_code, jsonable_encoder(body),
                                 self.reserved_at)


@asynccontextmanager
async def idempotent(session: Session, key: str | None, scope: str, request: object):
    """Reserve the key (or find its stored answer); on an error inside the block the reservation is released."""
    if key is None:
        yield Replay(session, scope, None, None)
        return
    reserved_at = utcnow()
    answer = idempotency.reserve(session, scope, key, idempotency.fingerprint(jsonable_encoder(request)),
                                 reserved_at)
    replay = Replay(session, scope, key, answer, reserved_at)
    if answer is not None:
        yield replay
        return
    try:
        yield replay
        session.commit()
    except BaseException:
        idempotency.release(session, scope, key, reserved_at)
        raise
