"""The portal: server-rendered pages (Jinja2) for staff, coordinators and representatives, and the
citizens' feedback page, mounted at /portal by api/main.py.

It is part of the API layer: it reads through the same functions as the JSON routes and asks the same
permission table (models/permissions.py). Its own application carries what the JSON API has no use for:
the signed session cookie, and errors answered as pages in the visitor's language, never as a traceback.
"""

import logging
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware

from api.portal import applications, citizen, contracts, dashboard, signin
from api.portal.i18n import TEXT
from api.portal.web import CsrfFailed, SignInRequired, language, render, session_secret
from documents.store import DocumentIntegrityError, DocumentNotFound
from models.errors import InvalidInput, NotFound
from models.permissions import Forbidden
from models.settings import get_settings

logger = logging.getLogger("pilotflow.portal")
SESSION_COOKIE = "pilotflow_portal"


def _error_page(request: Request, status_code: int, message: str):
    return render(request, "error.html", {"status_code": status_code, "message": message}, status_code)


def create_portal() -> FastAPI:
    settings = get_settings()
    if not (settings.portal_secret or settings.api_key):
        logger.warning("neither PILOTFLOW_PORTAL_SECRET nor PILOTFLOW_API_KEY is set: portal sessions are signed "
                       "with a key of this process and end when it stops")
    portal = FastAPI(title="pilotflow portal", openapi_url=None, docs_url=None, redoc_url=None)
    portal.add_middleware(SessionMiddleware, secret_key=session_secret(settings), session_cookie=SESSION_COOKIE,
                          max_age=settings.portal_session_hours * 3600, path="/portal", same_site="lax",
                          https_only=settings.public_api_url.startswith("https://"))
    portal.mount("/static", StaticFiles(directory=Path(__file__).resolve().parent / "static"), name="static")
    for module in (signin, applications, contracts, dashboard, citizen):
        portal.include_router(module.router)

    @portal.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, exc: SignInRequired):
        return RedirectResponse(f"{request.scope['root_path']}/login?{urlencode({'next': exc.back_to})}",
                                status.HTTP_303_SEE_OTHER)

    @portal.exception_handler(NotFound)
    @portal.exception_handler(DocumentNotFound)
    async def not_found(request: Request, exc: Exception):
        return _error_page(request, status.HTTP_404_NOT_FOUND, TEXT[language(request)]["not_found"])

    @portal.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden):
        return _error_page(request, status.HTTP_403_FORBIDDEN, TEXT[language(request)]["forbidden"])

    @portal.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed):
        return _error_page(request, status.HTTP_403_FORBIDDEN, TEXT[language(request)]["csrf_failed"])

    @portal.exception_handler(InvalidInput)
    async def invalid_input(request: Request, exc: InvalidInput):
        return _error_page(request, status.HTTP_422_UNPROCESSABLE_CONTENT,
                           f"{TEXT[language(request)]['invalid']} ({exc})")

    @portal.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        fields = ", ".join(str(error["loc"][-1]) for error in exc.errors())
        return _error_page(request, status.HTTP_422_UNPROCESSABLE_CONTENT,
                           f"{TEXT[language(request)]['invalid']} ({fields})")

    @portal.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        text = TEXT[language(request)]
        message = {404: text["not_found"], 405: text["not_found"]}.get(exc.status_code, str(exc.detail))
        return _error_page(request, exc.status_code, message)

    @portal.exception_handler(DocumentIntegrityError)
    @portal.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception):
        logger.error("portal: %s %s failed", request.method, request.url.path, exc_info=exc)
        return _error_page(request, status.HTTP_500_INTERNAL_SERVER_ERROR, TEXT[language(request)]["server_error"])

    return portal
