"""Signing in to the portal with an e-mail and a password (`pilotflow users set-password`), and out."""

import math
import threading
import time
from collections import defaultdict, deque
from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import RedirectResponse

from api.deps import SessionDep, SettingsDep
from api.portal.i18n import TEXT
from api.portal.web import SignInRequired, check_csrf, current_viewer, language, render, sign_in, sign_out
from models.users import authenticate

router = APIRouter()

START_PAGE = "/applications"


class SignInThrottle:
    """Failed sign-ins counted per e-mail and per client address over a sliding window: past the limit,
    further tries are refused until the oldest failure leaves the window. Kept in memory, so each API
    process counts its own (which still caps guessing at the limit times the number of processes)."""

    MAX_KEYS = 10_000

    def __init__(self, per_email: int = 5, per_address: int = 30, window_seconds: float = 900.0):
        self.limits = {"email": per_email, "address": per_address}
        self.window = window_seconds
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]  # the map holds only keys with recent failures
        return failures

    def retry_after(self, email: str, address: str) -> float:
        """Seconds until this e-mail may be tried from this address again; 0 when it may be tried now."""
        now = time.monotonic()
        with self._lock:
            waits = [failures[-limit] + self.window - now
                     for key, limit in ((("email", email), self.limits["email"]),
                                        (("address", address), self.limits["address"]))
                     if len(failures := self._recent(key, now)) >= limit]
        return max(waits, default=0.0)

    def failed(self, email: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._failures) > self.MAX_KEYS:  # a flood of made-up e-mails must not grow it for ever
                for key in list(self._failures):
                    self._recent(key, now)
            self._failures[("email", email)].append(now)
            self._failures[("address", address)].append(now)

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._failures.pop(("email", email), None)


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
    wait = throttle.retry_after(email, address)
    if wait:
        return render(request, "login.html", {**context, "error": text["too_many_attempts"].format(
            minutes=math.ceil(wait / 60))}, status.HTTP_429_TOO_MANY_REQUESTS, headers={"Retry-After": str(math.ceil(wait))})
    user = authenticate(session, email, password)
    if user is None:
        throttle.failed(email, address)
        return render(request, "login.html", {**context, "error": text["wrong_credentials"]},
                      status.HTTP_401_UNAUTHORIZED)
    throttle.succeeded(email)
    sign_in(request, settings, user)
    return RedirectResponse(safe_back_to(request.scope["root_path"], back_to), status.HTTP_303_SEE_OTHER)


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form()] = ""):
    check_csrf(request, csrf_token)
    sign_out(request)
    return RedirectResponse(request.scope["root_path"] + "/login?signed_out", status.HTTP_303_SEE_OTHER)
