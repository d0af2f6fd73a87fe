"""Signing in to the portal with an e-mail and a password (`pilotflow users set-password`), and out."""

import math
from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import RedirectResponse

from api.deps import SessionDep, SettingsDep
from api.portal.i18n import TEXT
from api.portal.web import SignInRequired, check_csrf, current_viewer, language, render, sign_in, sign_out
from models.signin import SignInThrottle
from models.users import authenticate

router = APIRouter()

START_PAGE = "/applications"
throttle = SignInThrottle()


def safe_back_to(base: str, back_to: str | None) -> str:
    """Where to go after signing in: a page of the portal, never another site."""
    if back_to and back_to.startswith(base + "/") and not back_to.startswith("//") and "\\" not in back_to:
        return back_to
    return base + START_PAGE


@router.get("/", include_in_schema=False)
def start(request: Request) -> RedirectResponse:
    return RedirectResponse(request.scope["root_path"] + START_PAGE, status.HTTP_303_SEE_OTHER)


@router.get("/login")
def login_page(request: Request, session: SessionDep, settings: SettingsDep, next: str | None = None):
    try:
        current_viewer(request, session, settings)
    except SignInRequired:
        return render(request, "login.html", {"back_to": next or "", "signed_out": "signed_out" in request.query_params})
    return RedirectResponse(safe_back_to(request.scope["root_path"], next), status.HTTP_303_SEE_OTHER)


@router.post("/login")
def login(request: Request, session: SessionDep, settings: SettingsDep,
          email: Annotated[str, Form(max_length=254)], password: Annotated[str, Form(max_length=1000)],
          csrf_token: Annotated[str, Form()] = "", back_to: Annotated[str, Form(max_length=2000)] = ""):
    check_csrf(request, csrf_token)
    text = TEXT[language(request)]
    email = email.strip().lower()
    address = request.client.host if request.client else ""
    context = {"back_to": back_to, "email": email}
    wait = throttle.retry_after(session, email, address)
    if wait:
        return render(request, "login.html", {**context, "error": text["too_many_attempts"].format(
            minutes=math.ceil(wait / 60))}, status.HTTP_429_TOO_MANY_REQUESTS, headers={"Retry-After": str(math.ceil(wait))})
    user = authenticate(session, email, password)
    if user is None:
        throttle.failed(session, email, address)
        return render(request, "login.html", {**context, "error": text["wrong_credentials"]},
                      status.HTTP_401_UNAUTHORIZED)
    throttle.succeeded(session, email)
    sign_in(request, settings, user)
    return RedirectResponse(safe_back_to(request.scope["root_path"], back_to), status.HTTP_303_SEE_OTHER)


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form()] = ""):
    check_csrf(request, csrf_token)
    sign_out(request)
    return RedirectResponse(request.scope["root_path"] + "/login?signed_out", status.HTTP_303_SEE_OTHER)
