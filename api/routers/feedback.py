"""The public feedback link a pilot's QR code opens (GET: the portal's citizen page, api/portal/citizen.py)
and the answer it sends (POST, also the JSON endpoint for other clients); the rules are in api/citizen_feedback.py.
"""

import inspect
from urllib.parse import quote

from fastapi import APIRouter, Request, status
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from api.citizen_feedback import accept_answer
from api.deps import SessionDep, SettingsDep
from api.errors import errors
from models.schemas import CitizenFeedbackCreate

router = APIRouter(prefix="/feedback", tags=["feedback"])


@router.get("/{token}", include_in_schema=False)
def form(token: str, request: Request) -> RedirectResponse:
    """The link printed in the QR code stays short and stable; its page is the portal's citizen page."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"{request.scope.get('root_path', '')}/portal/feedback/{quote(token, safe='')}{query}",
                            status.HTTP_307_TEMPORARY_REDIRECT)


@router.post("/{token}", name="submit", description=inspect.cleandoc(accept_answer.__doc__),
             status_code=status.HTTP_201_CREATED,
             responses=errors(413, why={404: "Unknown link", 409: "The pilot has ended, or has not started yet",
                                        429: "The same client answered moments ago"}))
async def submit_answer(token: str, data: CitizenFeedbackCreate, request: Request, session: SessionDep,
                        settings: SettingsDep) -> dict:
    # `accept_answer` (which the portal's citizen page calls too) in the thread pool, from a coroutine: as a plain
    # `def` route it ran there all the same, and FastAPI then checked its answer in a second hop to the pool;
    # from a coroutine the answer is checked on the event loop, one hop instead of two.
    return await run_in_threadpool(accept_answer, token, data, request, session, settings)
