"""The program dashboard: the figures of GET /stats and their charts, computed the same way."""

from fastapi import APIRouter, Request

from api.deps import SessionDep
from api.portal.web import ViewerDep, language, png_data_url, render
from documents.reports import program_charts, program_figures
from models.permissions import Action, enforce
from models.stats import program_stats

router = APIRouter()


@router.get("/dashboard", name="dashboard")
def dashboard_page(request: Request, session: SessionDep, viewer: ViewerDep):
    enforce(viewer.principal, Action.READ)  # the whole program's figures: agency people only
    lang = language(request)
    stats = program_stats(session)
    return render(request, "dashboard.html", {
        "stats": stats, "figures": program_figures(stats, lang), "active": "dashboard",
        "charts": {name: png_data_url(png) for name, png in program_charts(stats, lang).items()},
    }, viewer=viewer)
