"""The pilotflow API: thin routes over the domain, errors as JSON with a message, never a traceback."""

import asyncio
import logging
import math
from contextlib import asynccontextmanager, suppress
from datetime import timedelta

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError

from api.limits import RequestLimits
from api.portal import create_portal
from api.prefect_gateway import NotSuspended, PrefectGateway, PrefectUnavailable
from api.routers import (
    analysis,
    applications,
    conclusions,
    contracts,
    decisions,
    documents,
    feedback,
    flow_runs,
    health,
    pilots,
    stats,
)
from api.zombie_runs import check_forever
from documents.store import DocumentIntegrityError, DocumentNotFound
from models.adoption import ContractConflict
from models.errors import InvalidInput, NotFound, StateConflict
from models.idempotency import IdempotencyConflict
from models.permissions import Forbidden
from models.settings import get_settings
from models.stages import StageNotAllowed

logger = logging.getLogger("pilotflow.api")


def _error(code: int, message: str) -> JSONResponse:
    return JSONResponse(status_code=code, content={"detail": message})


# Domain errors whose own message is the answer's detail.
ERROR_STATUS: dict[type[Exception], int] = {
    NotFound: status.HTTP_404_NOT_FOUND,
    Forbidden: status.HTTP_403_FORBIDDEN,
    StageNotAllowed: status.HTTP_409_CONFLICT,
    NotSuspended: status.HTTP_409_CONFLICT,
    ContractConflict: status.HTTP_409_CONFLICT,
    IdempotencyConflict: status.HTTP_409_CONFLICT,
    InvalidInput: status.HTTP_422_UNPROCESSABLE_CONTENT,
    StateConflict: status.HTTP_409_CONFLICT,
    PrefectUnavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
}


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    return _error(next(code for kind, code in ERROR_STATUS.items() if isinstance(exc, kind)), str(exc))


def _echoable(value):
    """`value` with every string made valid UTF-8 and every non-finite number a string, so it serializes."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {_echoable(key): _echoable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_echoable(item) for item in value]
    return value


@asynccontextmanager
async def _lifespan(_: FastAPI):
    """The zombie check (api/zombie_runs.py) runs as long as the API does."""
    settings = get_settings()
    check = None
    if settings.zombie_window_seconds > 0:
        check = asyncio.create_task(check_forever(
            PrefectGateway(), timedelta(seconds=settings.zombie_window_seconds), settings.zombie_check_interval_seconds))
    yield
    if check is not None:
        check.cancel()
        with suppress(asyncio.CancelledError):
            await check


def create_app() -> FastAPI:
    app = FastAPI(
        lifespan=_lifespan,
        title="pilotflow",
        description="Innovation pilot program: applications, stage flows, pilots and their documents.\n\n"
                    "Инновационная пилотная программа: заявки, этапы, пилоты и документы.",
        version="0.1.0",
    )
    for router in (health.router, applications.router, analysis.router, pilots.router, flow_runs.router,
                   documents.router, conclusions.router, stats.router, decisions.router, contracts.router,
                   feedback.router):
        app.include_router(router)
    app.add_middleware(RequestLimits)  # 413 for oversized bodies, 422 for absurdly nested JSON
    app.mount("/portal", create_portal())  # the pages for people, with their own session and error pages
    for kind in ERROR_STATUS:
        app.add_exception_handler(kind, _domain_error)

    @app.exception_handler(DocumentNotFound)
    async def document_missing(_: Request, exc: DocumentNotFound):
        return _error(status.HTTP_404_NOT_FOUND, "the document's file is not in the document store")

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError):
        # FastAPI's own answer, except that what JSON cannot carry back (bytes that are not UTF-8, a lone
        # surrogate, NaN or Infinity) is echoed as text rather than failing the handler with a 500.
        errors = _echoable(jsonable_encoder(exc.errors(),
                                            custom_encoder={bytes: lambda b: b.decode("utf-8", "replace")}))
        return JSONResponse(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content={"detail": errors})

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def out_of_range(_: Request, exc: Exception):
        # A number beyond what the database holds (an id past 2**31 - 1 on PostgreSQL, 2**63 - 1 on SQLite):
        # no such row can exist. Shaped like FastAPI's own 422 so that it matches the documented schema.
        logger.info("value out of range for the database: %s", str(exc).splitlines()[0])
        return JSONResponse(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content={"detail": [
            {"loc": ["request"], "msg": "a number in the request is out of range (at most 2147483647)",
             "type": "value_error.out_of_range"}]})

    @app.exception_handler(DocumentIntegrityError)
    async def corrupted(_: Request, exc: DocumentIntegrityError):
        logger.error("document integrity: %s", exc)
        return _error(status.HTTP_500_INTERNAL_SERVER_ERROR, "the stored file failed its checksum; it was not sent")

    _document_string_details(app)
    return app


def _document_string_details(app: FastAPI) -> None:
    """A 422 from the domain rules (InvalidInput, a body refused by api/limits.py) says what is wrong in a
    sentence; FastAPI's own 422 lists the fields. The schema documents both, so clients (and schemathesis)
    know either may come."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = generate()
            detail = schema.get("components", {}).get("schemas", {}).get("HTTPValidationError", {}) \
                .get("properties", {}).get("detail")
            if detail is not None and "anyOf" not in detail:
                items = {key: detail.pop(key) for key in ("type", "items") if key in detail}
                detail["anyOf"] = [items, {"type": "string", "description": "what the rules refuse, in a sentence"}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi


app = create_app()
