"""What every portal page shares: its templates and language, the signed-in person, and CSRF protection.

The session is a cookie signed by Starlette's SessionMiddleware (api/portal/__init__.py): HttpOnly,
SameSite=Lax, Secure on an https address. It holds the user's id, a fingerprint of their password hash (a
new password ends every session signed in with the old one), when they signed in, the CSRF token of the
forms, and the chosen language. Nothing else: the user is read from the database on every request, so a
deactivated user is out at once.
"""

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.deps import SessionDep, SettingsDep
from api.portal.i18n import DEFAULT_LANGUAGE, LABELS, LANGUAGES, TEXT
from documents.builders import format_date, format_number
from models.permissions import Principal
from models.rules.reason_text import reason_in
from models.settings import Settings, get_settings
from models.tables import User
from models.users import principal_of

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")


class SignInRequired(Exception):
    """The page needs a signed-in user; the portal answers with the sign-in page, then comes back."""

    def __init__(self, back_to: str):
        super().__init__(back_to)
        self.back_to = back_to


class CsrfFailed(Exception):
    """A form came without the session's CSRF token: forged by another site, or the page is out of date."""


@dataclass(frozen=True)
class Viewer:
    user: User
    principal: Principal


_process_secret = secrets.token_urlsafe(32)


def session_secret(settings: Settings) -> str:
    """The key the session cookies are signed with: the portal secret, else the API key, else one made up
    for this process (sessions then last as long as the process, and work with one API process only)."""
    return settings.portal_secret or settings.api_key or _process_secret


def password_fingerprint(settings: Settings, user: User) -> str:
    return hmac.new(session_secret(settings).encode(), (user.password_hash or "").encode(),
                    hashlib.sha256).hexdigest()[:32]


def sign_out(request: Request) -> None:
    """Forget everything but the chosen language (the CSRF token too: a new one comes with the next form)."""
    language = request.session.get("lang")
    request.session.clear()
    if language:
        request.session["lang"] = language


def sign_in(request: Request, settings: Settings, user: User) -> None:
    sign_out(request)  # nothing of the anonymous session carries over
    request.session.update(user_id=user.id, auth=password_fingerprint(settings, user), since=int(time.time()))


def current_viewer(request: Request, session: SessionDep, settings: SettingsDep) -> Viewer:
    """The signed-in user (active, password unchanged, session not older than the settings allow)."""
    user_id = request.session.get("user_id")
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    fresh = time.time() - request.session.get("since", 0) < settings.portal_session_hours * 3600
    if (user is None or not user.active or not fresh
            or not hmac.compare_digest(str(request.session.get("auth", "")), password_fingerprint(settings, user))):
        back_to = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(back_to)
    return Viewer(user, principal_of(user))


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def language(request: Request) -> str:
    """The page's language: `?lang=` switches it for the rest of the session; Russian by default."""
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES:
        if request.session.get("lang") != chosen:
            request.session["lang"] = chosen
        return chosen
    remembered = request.session.get("lang")
    return remembered if remembered in LANGUAGES else DEFAULT_LANGUAGE


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf(request: Request, submitted: object) -> None:
    expected = request.session.get("csrf")
    if not (isinstance(expected, str) and isinstance(submitted, str)
            and hmac.compare_digest(expected.encode(), submitted.encode())):
        raise CsrfFailed()


def png_data_url(png: bytes) -> str:
    """An image inside the page itself: no second request, and no second permission check to get right."""
    return "data:image/png;base64," + base64.b64encode(png).decode()


def switch_language_url(request: Request, to: str) -> str:
    return "?" + urlencode({**request.query_params, "lang": to})


def render(request: Request, template: str, context: dict | None = None, status_code: int = 200,
           viewer: Viewer | None = None, headers: dict[str, str] | None = None) -> HTMLResponse:
    lang = language(request)
    return TEMPLATES.TemplateResponse(request, template, {
        "lang": lang, "t": TEXT[lang], "base": request.scope.get("root_path", ""), "viewer": viewer,
        "label": lambda kind, code: LABELS[lang].get(kind, {}).get(code, code),
        "number": lambda value: format_number(value, lang), "day": lambda value: format_date(value, lang),
        "reason_text": lambda reason: reason_in(lang, reason),
        "moment": lambda value: value.astimezone(ZoneInfo(get_settings().timezone)).strftime("%d.%m.%Y %H:%M"),
        "csrf_token": lambda: csrf_token(request),
        "switch_url": switch_language_url(request, TEXT[lang]["switch_lang"]),
        **(context or {}),
    }, status_code=status_code, headers=headers)
