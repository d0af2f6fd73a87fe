"""Named dependency types for the routers.

The dependencies themselves are `async def` and do no I/O on the event loop: FastAPI runs a plain `def`
dependency in its thread pool, and every request paid a hop there and back for each of them (the session's
opening and its closing, the settings, the gateway). Whatever touches the database (the routes, a user's
token in api/auth.py, a session closed in the middle of a transaction) still runs in the thread pool.
"""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.prefect_gateway import PrefectGateway
from models.db import get_engine
from models.settings import Settings, get_settings


async def get_session() -> AsyncIterator[Session]:
    # Opening a session does no I/O (it connects on its first query), nor does closing one that holds no
    # connection (the route committed, or never queried); only a session still in a transaction is closed
    # (rolled back, its connection returned to the pool) in the thread pool.
    session = Session(get_engine(), expire_on_commit=False)
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


async def get_current_settings() -> Settings:
    return get_settings()


async def get_gateway() -> PrefectGateway:
    return PrefectGateway()


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_current_settings)]
GatewayDep = Annotated[PrefectGateway, Depends(get_gateway)]


# A row's id in a path: what the database can hold (PostgreSQL's integer), so that a larger one is a 422 that
# the schema announces rather than a surprise.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A row's id")]
