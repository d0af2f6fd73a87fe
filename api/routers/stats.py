"""The program dashboard: its figures, their charts and the quarterly program report."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from api.auth import PrincipalDep
from api.deps import SessionDep, SettingsDep
from api.errors import errors
from api.presenters import content_disposition
from documents.registry import DOCX, document_filename
from documents.render import render_docx
from documents.reports import program_charts, program_report_context
from models.permissions import Action, enforce
from models.settings import local_today
from models.stats import ProgramStats, program_stats, quarter_of, quarter_stats

router = APIRouter(prefix="/stats", tags=["stats"])
Language = Annotated[Literal["en", "ru"], Query(description="Language of the labels")]


@router.get("", response_model=ProgramStats, responses=errors(401, 403))
def read_stats(session: SessionDep, principal: PrincipalDep) -> ProgramStats:
    """Applications by sector, month, stage and status; the share that reached a pilot; pilots active and
    completed; the share recommended for roll-out; cycle times; feedback responses; the most used sites.
    The whole program's figures: agency people only (403 for representatives), as every route here."""
    enforce(principal, Action.READ)
    return program_stats(session)


@router.get("/charts/{chart}.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}, **errors(401, 403)})
def read_chart(chart: Annotated[Literal["by_month", "by_sector", "sites"], Path()], session: SessionDep,
               principal: PrincipalDep, language: Language = "en") -> Response:
    """One of the dashboard's charts as a PNG image."""
    enforce(principal, Action.READ)
    return Response(program_charts(program_stats(session), language)[chart], media_type="image/png")


@router.get("/quarterly-report", response_class=Response, responses={200: {"content": {DOCX: {}}}, **errors(401, 403)})
def quarterly_report(session: SessionDep, settings: SettingsDep, principal: PrincipalDep,
                     year: Annotated[int | None, Query(ge=2016, le=2100)] = None,
                     quarter: Annotated[int | None, Query(ge=1, le=4)] = None,
                     language: Language = "ru") -> Response:
    """The quarterly program report (.docx): the dashboard's figures and the quarter's own.
    Default: the current quarter."""
    enforce(principal, Action.READ)
    today = local_today()
    current_year, current_quarter = quarter_of(today)
    year, quarter = year or current_year, quarter or current_quarter
    context = program_report_context(
        program_stats(session), quarter_stats(session, year, quarter),
        settings.agency_name_ru if language == "ru" else settings.agency_name_en, today, language)
    rendered = render_docx(f"program_report_{language}.docx", context)
    filename = document_filename("program_report", language, f"{year}-Q{quarter}")
    return Response(rendered.content, media_type=DOCX, headers={"Content-Disposition": content_disposition(filename)})
