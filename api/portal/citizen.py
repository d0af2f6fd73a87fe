"""The citizens' feedback page the pilot's QR code opens (GET /feedback/{token} sends people here).

No sign-in, no script: a plain form that works with a keyboard and a screen reader alone. Its answer is
checked by the same schema and stored by the same endpoint function as the public JSON API
(api/citizen_feedback.py), so the rules (what may be asked, the repeat window) cannot drift apart.
"""

from typing import Annotated, get_args

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from api import citizen_feedback
from api.deps import SessionDep, SettingsDep
from api.portal.i18n import SUS_ITEMS, TEXT
from api.portal.web import check_csrf, language, render
from models.schemas import AgeBand, CitizenFeedbackCreate
from models.settings import get_settings
from models.tables import Application

router = APIRouter()

SUS_FIELDS = tuple(f"sus_{number}" for number in range(1, len(SUS_ITEMS["en"]) + 1))
QUESTIONS = ("rating", "nps", "comment", "age_band", "has_disability")
PROBLEMS = {status.HTTP_404_NOT_FOUND: "link_unknown", status.HTTP_409_CONFLICT: "pilot_ended",
            status.HTTP_429_TOO_MANY_REQUESTS: "already_answered"}


def _answers(form: FormData) -> dict:
    """The form's fields as the schema's input. Unanswered optional questions are left out, and a field
    the page does not have is passed on, for the schema to refuse."""
    answers = {key: value for key, value in form.multi_items()
               if key not in SUS_FIELDS and key != "csrf_token" and value != ""}
    if "has_disability" in answers:  # a ticked checkbox sends its value, an unticked one nothing
        answers["has_disability"] = True
    sus = [form.get(field, "") for field in SUS_FIELDS]
    if any(sus):  # all ten or none: the schema names the list when some are missing
        answers["sus"] = sus
    return answers


def _problems(error: ValidationError, text: dict[str, str]) -> dict[str, str]:
    """The question at fault -> what to tell the citizen about it."""
    problems = {}
    for item in error.errors():
        field = str(item["loc"][0])
        known = field in QUESTIONS or field == "sus"
        problems.setdefault(field if known else "other",
                            text[f"error_{field}"] if known and f"error_{field}" in text
                            else text["error_other"].format(field=field))
    return problems


def _citizen_page(request: Request, template: str, context: dict, status_code: int = 200,
                  headers: dict[str, str] | None = None):
    """A page of the citizens' own: the agency's name heads it, not the staff portal's."""
    settings = get_settings()
    agency = settings.agency_name_ru if language(request) == "ru" else settings.agency_name_en
    return render(request, template, {"agency": agency, **context}, status_code, headers=headers)


def _form(request: Request, title: str, token: str, values: dict | None = None, problems: dict | None = None,
          status_code: int = 200):
    return _citizen_page(request, "feedback.html", {
        "title": title, "token": token, "values": values or {}, "problems": problems or {},
        "sus_items": SUS_ITEMS[language(request)], "age_bands": get_args(AgeBand),
    }, status_code)


def _problem_page(request: Request, error: HTTPException, repeat_window_seconds: int):
    text = TEXT[language(request)]
    message = (error.detail if isinstance(error, citizen_feedback.PilotNotStarted) else
               text[PROBLEMS.get(error.status_code, "invalid")].format(minutes=-(-repeat_window_seconds // 60)))
    return _citizen_page(request, "feedback_done.html", {"heading": text["error_title"], "message": message},
                         error.status_code, headers=error.headers)


@router.get("/feedback/{token}", name="citizen_feedback")
def feedback_page(token: str, request: Request, session: SessionDep, settings: SettingsDep):
    try:
        pilot = citizen_feedback.pilot_for_token(session, token)
    except HTTPException as error:
        return _problem_page(request, error, settings.feedback_repeat_window_seconds)
    return _form(request, session.get(Application, pilot.application_id).title, token)


@router.post("/feedback/{token}")
async def send_feedback(token: str, request: Request, session: SessionDep, settings: SettingsDep,
                        csrf_token: Annotated[str, Form()] = ""):
    check_csrf(request, csrf_token)
    form = await request.form()
    try:
        pilot = citizen_feedback.pilot_for_token(session, token)
        title = session.get(Application, pilot.application_id).title
        try:
            answer = CitizenFeedbackCreate.model_validate(_answers(form))
        except ValidationError as error:
            return _form(request, title, token, dict(form), _problems(error, TEXT[language(request)]),
                         status.HTTP_422_UNPROCESSABLE_CONTENT)
        await run_in_threadpool(citizen_feedback.accept_answer, token, answer, request, session, settings)
    except HTTPException as error:
        return _problem_page(request, error, settings.feedback_repeat_window_seconds)
    return RedirectResponse(f"{request.scope['root_path']}/feedback/{token}/thanks", status.HTTP_303_SEE_OTHER)


@router.get("/feedback/{token}/thanks", name="citizen_thanks")
def thanks_page(token: str, request: Request):
    text = TEXT[language(request)]
    return _citizen_page(request, "feedback_done.html", {"heading": text["thanks_title"], "message": text["thanks_text"]})
