"""Applications and their pilots: the filtered list, the page of one application, and the downloads.

A representative sees only what the permissions table lets them read: the list is filtered by the same
reach (models.users.visible_applications), and every page and download asks authorize() about its own
resource, so another company's pilot is "not found", exactly as in the API.
"""

import math
from collections import defaultdict
from datetime import date
from typing import Literal

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse
from sqlalchemy import func, or_
from sqlmodel import Session, select

from api.deps import GatewayDep, SessionDep, SettingsDep
from api.portal.i18n import LABELS
from api.portal.web import ViewerDep, language, png_data_url, render
from api.presenters import application_public, contract_public, document_response
from documents.charts import kpi_chart
from documents.poster import feedback_qr_png
from documents.reports import SEVERITIES
from documents.reports import TEXT as REPORT_TEXT
from models.db import get_required
from models.errors import InvalidInput
from models.permissions import Action, enforce
from models.stages import PilotStatus, Stage, Status
from models.stats import application_sector
from models.tables import Application, Company, Contract, Document, Measurement, Methodology, Pilot, Sector, Site
from models.users import application_resource, document_resource, pilot_resource, visible_applications

router = APIRouter()

PAGE_SIZE = 50
CHECKPOINTS_SHOWN = 20  # the monitoring sweep writes one a day: the latest ones matter on a page
TOP_SITES = 5  # ranked candidate sites shown at once; the rest are folded


def _choice(name: str, value: str, allowed) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise InvalidInput(f"unknown {name} '{value}'")
    return value


def _filter_options(session: Session, visible, lang: str) -> dict[str, list[tuple[str, str]]]:
    """Each filter's choices as (value, what the page shows); the sites are those of the visible pilots."""
    sites = session.exec(select(Site.code, getattr(Site, f"name_{lang}")).join(Pilot, Pilot.site_id == Site.id)
                         .join(Application, Application.id == Pilot.application_id).where(visible)
                         .distinct().order_by(Site.code)).all()
    return {
        "stage": [(stage, LABELS[lang]["stage"][stage]) for stage in Stage],
        "status": [(status, LABELS[lang]["status"][status]) for status in Status],
        "sector": [(sector.slug, getattr(sector, f"name_{lang}"))
                   for sector in session.exec(select(Sector).order_by(Sector.slug))],
        "site": [(code, f"{code} {name}") for code, name in sites],
    }


@router.get("/applications", name="applications")
def applications_page(request: Request, session: SessionDep, viewer: ViewerDep, q: str = "", stage: str = "",
                      status: str = "", sector: str = "", site: str = "", page: int = 1):
    visible = visible_applications(viewer.principal)
    options = _filter_options(session, visible, language(request))
    filters = {"q": q.strip()[:200], **{name: _choice(name, value, {known for known, _ in options[name]})
                                        for name, value in (("stage", stage), ("status", status),
                                                            ("sector", sector), ("site", site))}}
    sector_column = application_sector().label("sector")
    query = (select(Application, Company.name, sector_column, Site.code, Site.name_ru, Site.name_en)
             .join(Company, Company.id == Application.company_id)
             .outerjoin(Pilot, Pilot.application_id == Application.id)
             .outerjoin(Site, Site.id == Pilot.site_id)
             .where(visible))
    if filters["q"]:
        query = query.where(or_(*(column.icontains(filters["q"], autoescape=True) for column in
                                  (Application.title, Application.registration_number, Company.name))))
    if filters["stage"]:
        query = query.where(Application.stage == filters["stage"])
    if filters["status"]:
        query = query.where(Application.status == filters["status"])
    if filters["sector"]:
        query = query.where(application_sector() == filters["sector"])
    if filters["site"]:
        query = query.where(Site.code == filters["site"])
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    pages = max(math.ceil(total / PAGE_SIZE), 1)
    if not 1 <= page <= pages:
        raise InvalidInput(f"there is no page {page}; the list has {pages}")
    rows = session.exec(query.order_by(Application.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return render(request, "applications.html", {
        "rows": rows, "total": total, "page": page, "pages": pages, "filters": filters, "options": options,
        "sector_names": dict(options["sector"]), "active": "applications",
        "page_query": {key: value for key, value in filters.items() if value},
    }, viewer=viewer)


def _kpi_charts(session: Session, pilot_id: int, methodology: Methodology, lang: str) -> list[dict]:
    """Each measured KPI as a chart against its baseline and target, with the same data as a table."""
    series: dict[str, list[tuple[date, float]]] = defaultdict(list)
    for code, day, value in session.exec(
            select(Measurement.kpi_code, Measurement.measured_at, Measurement.value)
            .where(Measurement.pilot_id == pilot_id).order_by(Measurement.measured_at, Measurement.id)):
        series[code].append((day, value))
    checkpoint_days = [date.fromisoformat(c["date"]) for c in methodology.checkpoints]
    charts = []
    for kpi in methodology.kpis:
        name, points = kpi[f"name_{lang}"], series.get(kpi["code"])
        if points:  # a KPI not measured yet has nothing to draw; the KPI table says so
            charts.append({"kpi": kpi, "name": name, "points": points, "image": png_data_url(kpi_chart(
                f"{name}, {kpi['unit']}", kpi["unit"], points, kpi["baseline"], kpi["target"], checkpoint_days,
                REPORT_TEXT[lang]))})
    return charts


def _sector_name(session: Session, slug: str | None, lang: str) -> str | None:
    sector = session.get(Sector, slug) if slug else None
    return getattr(sector, f"name_{lang}") if sector else slug


@router.get("/applications/{application_id}", name="application")
async def application_page(application_id: int, request: Request, session: SessionDep, gateway: GatewayDep,
                           settings: SettingsDep, viewer: ViewerDep):
    enforce(viewer.principal, Action.READ, application_resource(session, application_id))
    application = await application_public(session, gateway, settings, application_id)
    lang = language(request)
    site_ids = {c["site_id"] for c in application.analysis.candidate_sites} if application.analysis else set()
    site_ids |= {item.site_id for item in (application.methodology, application.pilot) if item is not None}
    sites = {s.id: s for s in session.exec(select(Site).where(Site.id.in_(site_ids)))} if site_ids else {}
    contract = session.exec(select(Contract).where(Contract.application_id == application_id)).first()
    pilot = application.pilot
    kpi_charts, kpis, qr = [], {}, None
    if pilot is not None:
        adopted = session.get(Methodology, session.get(Pilot, pilot.id).methodology_id)
        kpi_charts = _kpi_charts(session, pilot.id, adopted, lang)
        kpis = {kpi["code"]: kpi for kpi in adopted.kpis}
        if pilot.status == PilotStatus.ACTIVE:
            qr = png_data_url(feedback_qr_png(pilot.feedback_url))
    return render(request, "application.html", {
        "app": application, "sites": sites, "active": "applications", "kpi_charts": kpi_charts, "qr": qr,
        "kpis": kpis, "sector_name": _sector_name(session, application.sector or (
            application.analysis.sector if application.analysis else None), lang), "TOP_SITES": TOP_SITES,
        "contract": contract_public(session, settings, contract) if contract else None,
        "checkpoints": list(reversed(pilot.checkpoints))[:CHECKPOINTS_SHOWN] if pilot else [],
        "severities": SEVERITIES[lang],
        "prefect_ui_url": settings.prefect_ui_url,
    }, viewer=viewer)


@router.get("/pilots/{pilot_id}", name="pilot")
def pilot_page(pilot_id: int, request: Request, session: SessionDep, viewer: ViewerDep) -> RedirectResponse:
    """A pilot is shown on its application's page."""
    enforce(viewer.principal, Action.READ, pilot_resource(session, pilot_id))
    application_id = get_required(session, Pilot, pilot_id).application_id
    return RedirectResponse(f"{request.scope['root_path']}/applications/{application_id}#pilot",
                            status.HTTP_303_SEE_OTHER)


@router.get("/documents/{document_id}", name="document")
def download(document_id: int, session: SessionDep, viewer: ViewerDep,
             format: Literal["docx", "pdf"] = "docx") -> Response:
    enforce(viewer.principal, Action.DOWNLOAD, document_resource(session, document_id))
    return document_response(get_required(session, Document, document_id), format)
