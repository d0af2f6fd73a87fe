"""Data a running pilot collects (KPI measurements, one or a CSV file; paper questionnaires), its feedback
link with the QR code and the site poster, and its coordinator's notifications. The pilot's coordinator records
data; agency people and the pilot's own representatives read and download; citizens answer through the public
link (api/routers/feedback.py)."""

from fastapi import APIRouter, HTTPException, Request, Response, status
from sqlmodel import Session, select

from api.auth import PrincipalDep
from api.deps import RowId, SessionDep, SettingsDep
from api.errors import errors
from api.presenters import content_disposition, feedback_url
from documents.pdf import PdfConversionError, PdfUnavailable, convert_to_pdf
from documents.poster import PosterText, feedback_poster_docx, feedback_qr_png
from documents.registry import DOCX
from models.db import get_required
from models.errors import InvalidInput
from models.measurement_csv import CsvRejected, parse_measurements_csv
from models.monitoring import add_feedback, add_measurement
from models.permissions import Action, enforce
from models.rules.timeline import answer_refusal
from models.schemas import MeasurementCreate, PaperFeedbackCreate
from models.settings import Settings, local_today
from models.stages import PilotStatus, StageNotAllowed
from models.tables import Application, Methodology, Notification, Pilot, Site
from models.users import pilot_resource

router = APIRouter(prefix="/pilots", tags=["pilots"])

CSV_CONTENT_TYPES = {"text/csv", "application/csv", "text/plain"}


def active_pilot(session: Session, pilot_id: int) -> Pilot:
    pilot = get_required(session, Pilot, pilot_id)
    if pilot.status != PilotStatus.ACTIVE:
        raise StageNotAllowed(f"pilot {pilot_id} is {pilot.status}; it no longer collects data")
    return pilot


@router.post("/{pilot_id}/measurements", status_code=status.HTTP_201_CREATED,
             responses=errors(401, 403, 404, 413, why={409: "The pilot no longer collects data"}))
def post_measurement(pilot_id: RowId, data: MeasurementCreate, session: SessionDep, principal: PrincipalDep) -> dict:
    """Record one KPI measurement; the KPI must be one of the pilot's methodology, the date not in the future."""
    enforce(principal, Action.RECORD_MEASUREMENT, pilot_resource(session, pilot_id))
    pilot = active_pilot(session, pilot_id)
    if data.measured_at > local_today():
        raise InvalidInput(f"measured_at {data.measured_at} is in the future")
    row = add_measurement(session, pilot, data)
    session.commit()
    return {"id": row.id, "pilot_id": pilot_id, "kpi_code": row.kpi_code}


async def read_capped(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it exceeds `limit` bytes (whatever Content-Length says)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"the file is larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"the file is larger than {limit} bytes")
    return bytes(body)


@router.post(
    "/{pilot_id}/measurements/csv", status_code=status.HTTP_201_CREATED,
    openapi_extra={"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}},
    responses=errors(401, 403, 404, why={409: "The pilot no longer collects data", 413: "Too large", 415: "Not CSV"})
    | {422: {"description": "Rows that do not parse, by line; nothing stored"}},
)
async def upload_measurements(pilot_id: RowId, request: Request, session: SessionDep, settings: SettingsDep,
                              principal: PrincipalDep) -> dict:
    """Many measurements at once: a UTF-8 CSV body (`Content-Type: text/csv`) with the header
    `kpi,value,measured_at,source`. All rows are stored in one transaction, or none: a row that does not
    parse is reported with its line number and nothing of the file is stored."""
    enforce(principal, Action.RECORD_MEASUREMENT, pilot_resource(session, pilot_id))  # before reading the body
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in CSV_CONTENT_TYPES:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                            f"send the file as text/csv, not '{content_type or 'no content type'}'")
    body = await read_capped(request, settings.measurement_upload_max_bytes)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"the file is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8") from exc
    pilot = active_pilot(session, pilot_id)
    kpi_codes = {k["code"] for k in session.get(Methodology, pilot.methodology_id).kpis}
    try:
        rows = parse_measurements_csv(text, kpi_codes)
    except CsvRejected as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.errors) from exc
    for row in rows:
        add_measurement(session, pilot, row)
    session.commit()
    return {"pilot_id": pilot_id, "stored": len(rows)}


@router.post("/{pilot_id}/feedback", status_code=status.HTTP_201_CREATED,
             responses=errors(401, 403, 404, 413, why={
                 409: "The pilot no longer collects data, or the answer is dated before its start"}))
def post_feedback(pilot_id: RowId, data: PaperFeedbackCreate, session: SessionDep, principal: PrincipalDep) -> dict:
    """A paper questionnaire typed in by the pilot's coordinator (rating 1-5, the rest optional), dated the day it
    was filled in (not in the future, not before the pilot's start); citizens use the public link."""
    enforce(principal, Action.RECORD_MEASUREMENT, pilot_resource(session, pilot_id))
    pilot = active_pilot(session, pilot_id)
    answered_on = data.answered_on or local_today()
    if answered_on > local_today():
        raise InvalidInput(f"answered_on {answered_on} is in the future")
    not_started = answer_refusal(pilot.start_date, answered_on)
    if not_started:
        raise StageNotAllowed(not_started)
    row = add_feedback(session, pilot, data, answered_on=data.answered_on)
    session.commit()
    return {"id": row.id, "pilot_id": pilot_id}


@router.get("/{pilot_id}/feedback-link", responses=errors(401, 404))
def feedback_link(pilot_id: RowId, session: SessionDep, settings: SettingsDep, principal: PrincipalDep) -> dict:
    """The pilot's public feedback link and where to download its QR code and site poster."""
    enforce(principal, Action.DOWNLOAD, pilot_resource(session, pilot_id))
    pilot = active_pilot(session, pilot_id)
    base = f"{settings.public_api_url}/pilots/{pilot_id}"
    return {"url": feedback_url(settings, pilot), "qr_png": f"{base}/feedback-qr.png",
            "poster_docx": f"{base}/feedback-poster.docx", "poster_pdf": f"{base}/feedback-poster.pdf"}


@router.get("/{pilot_id}/feedback-qr.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}, **errors(401, 404)})
def feedback_qr(pilot_id: RowId, session: SessionDep, settings: SettingsDep, principal: PrincipalDep) -> Response:
    """The QR code of the pilot's feedback link (PNG)."""
    enforce(principal, Action.DOWNLOAD, pilot_resource(session, pilot_id))
    pilot = active_pilot(session, pilot_id)
    return Response(feedback_qr_png(feedback_url(settings, pilot)), media_type="image/png",
                    headers={"Content-Disposition": content_disposition(f"QR {pilot.contract_number}.png")})


def poster(session: Session, settings: Settings, pilot_id: int) -> tuple[Pilot, bytes]:
    pilot = active_pilot(session, pilot_id)
    site = session.get(Site, pilot.site_id)
    return pilot, feedback_poster_docx(PosterText(
        url=feedback_url(settings, pilot), solution_title=session.get(Application, pilot.application_id).title,
        site_name_ru=site.name_ru, site_name_en=site.name_en, contract_number=pilot.contract_number,
        end_date=pilot.end_date, agency_name_ru=settings.agency_name_ru, agency_name_en=settings.agency_name_en,
    ))


@router.get("/{pilot_id}/feedback-poster.docx", response_class=Response,
            responses={200: {"content": {DOCX: {}}}, **errors(401, 404)})
def feedback_poster(pilot_id: RowId, session: SessionDep, settings: SettingsDep, principal: PrincipalDep) -> Response:
    """A one-page poster for the site (.docx, Russian and English) with the QR code."""
    enforce(principal, Action.DOWNLOAD, pilot_resource(session, pilot_id))
    pilot, content = poster(session, settings, pilot_id)
    return Response(content, media_type=DOCX, headers={
        "Content-Disposition": content_disposition(f"Плакат {pilot.contract_number}.docx")})


@router.get("/{pilot_id}/feedback-poster.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}},
                       **errors(401, 404, why={503: "LibreOffice is not installed, or the conversion failed"})})
def feedback_poster_pdf(pilot_id: RowId, session: SessionDep, settings: SettingsDep,
                        principal: PrincipalDep) -> Response:
    """The same poster as PDF, where LibreOffice is installed."""
    enforce(principal, Action.DOWNLOAD, pilot_resource(session, pilot_id))
    pilot, content = poster(session, settings, pilot_id)
    try:
        pdf = convert_to_pdf(content)
    except (PdfUnavailable, PdfConversionError) as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from exc
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": content_disposition(f"Плакат {pilot.contract_number}.pdf")})


@router.get("/{pilot_id}/notifications", responses=errors(401, 404))
def notifications(pilot_id: RowId, session: SessionDep, principal: PrincipalDep) -> list[dict]:
    """What the pilot's coordinator was told about severe deviations, newest first."""
    enforce(principal, Action.READ, pilot_resource(session, pilot_id))
    rows = session.exec(select(Notification).where(Notification.pilot_id == pilot_id)
                        .order_by(Notification.id.desc())).all()
    return [row.model_dump(exclude={"pilot_id"}) for row in rows]
