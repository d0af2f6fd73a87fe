"""What the API and the portal show of the domain: the public models built from rows, and the file answers.

Routers and portal pages both call these, so the two never show the same thing differently.
"""

from functools import cache
from typing import Literal
from urllib.parse import quote

from fastapi import HTTPException, Response, status
from sqlalchemy import Row
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.prefect_gateway import PrefectGateway, PrefectUnavailable
from documents.registry import PDF, document_store
from models.adoption import awaited_parties, signatures_of
from models.permissions import Principal
from models.read_models import keep_final_states, load_application, stage_run_rows
from models.schemas import (
    AnalysisPublic,
    ApplicationPublic,
    CheckpointPublic,
    CompanyPublic,
    ContractPublic,
    DocumentPublic,
    MethodologyPublic,
    PilotPublic,
    SignaturePublic,
    StageRunPublic,
)
from models.settings import Settings
from models.stages import STAGES, Actor, Stage, StageNotAllowed, check_can_start
from models.tables import Application, Contract, Document, Pilot, Site


def content_disposition(filename: str) -> str:
    """RFC 6266/5987: an ASCII fallback plus the UTF-8 name, so Cyrillic names survive every browser."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def document_public(settings: Settings, d: Document) -> DocumentPublic:
    url = f"{settings.public_api_url}/documents/{d.id}"
    return DocumentPublic(**d.model_dump(include=set(DocumentPublic.model_fields)), download_url=url,
                          pdf_url=f"{url}?format=pdf" if d.pdf_storage_key else None)


def document_response(document: Document, format: Literal["docx", "pdf"]) -> Response:
    """The document's file as an attachment, after its stored SHA-256 was checked (also the portal's download)."""
    if format == "docx":
        content = document_store().read(document.storage_key, document.sha256)
        return Response(content, media_type=document.content_type,
                        headers={"Content-Disposition": content_disposition(document.filename),
                                 "X-Content-SHA256": document.sha256})
    if document.pdf_storage_key is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"document {document.id} has no PDF: LibreOffice was not "
                            "installed when it was generated; download the .docx")
    content = document_store().read(document.pdf_storage_key, document.pdf_sha256)
    return Response(content, media_type=PDF,
                    headers={"Content-Disposition": content_disposition(document.filename.removesuffix(".docx") + ".pdf"),
                             "X-Content-SHA256": document.pdf_sha256})


def feedback_url(settings: Settings, pilot: Pilot) -> str:
    """The pilot's public feedback link: what its QR code encodes."""
    return feedback_url_for_token(settings, pilot.feedback_token)


def feedback_url_for_token(settings: Settings, feedback_token: str) -> str:
    return f"{settings.public_api_url}/feedback/{feedback_token}"


def contract_public(session: Session, settings: Settings, contract: Contract) -> ContractPublic:
    pilot = session.get(Pilot, contract.pilot_id)
    application = session.get(Application, contract.application_id)
    site = session.get(Site, pilot.site_id)
    return ContractPublic(
        id=contract.id, contract_number=pilot.contract_number, application_id=contract.application_id,
        pilot_id=pilot.id, status=contract.status, company=contract.company_details["name"],
        site=site.name_ru if application.language == "ru" else site.name_en, created_at=contract.created_at,
        sent_at=contract.sent_at, signed_at=contract.signed_at, awaiting=awaited_parties(session, contract.id),
        signatures=[SignaturePublic.model_validate(s, from_attributes=True)
                    for s in signatures_of(session, contract.id)],
        document=document_public(settings, session.get(Document, contract.document_id)),
    )


FINAL_STATE_TYPES = {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}


async def stage_runs(session: Session, gateway: PrefectGateway, application_id: int,
                      runs: list[Row] | None = None) -> list[StageRunPublic]:
    """The application's flow runs with their states (`runs`: its stage run rows, when the caller has read
    them already). Only runs whose end is not known yet are asked of the Prefect server; a run seen to have
    ended keeps its final state. The database work runs in the thread pool, never on the event loop."""
    if runs is None:
        runs = await run_in_threadpool(stage_run_rows, session, application_id)
    pending = [r.flow_run_id for r in runs if r.final_state is None]
    states: dict = {}
    if pending:
        try:
            states = await gateway.flow_runs(pending)
        except PrefectUnavailable:
            states = {}
    result = []
    ended: dict[int, str] = {}
    for run in runs:
        state = states.get(run.flow_run_id)
        final_state = run.final_state
        if state is not None and state.state_type in FINAL_STATE_TYPES:
            final_state = ended[run.id] = f"{state.state_type}:{state.state_name}"
        state_type, state_name = (final_state.split(":", 1) if final_state
                                  else (state.state_type, state.state_name) if state else (None, None))
        result.append(StageRunPublic(stage=run.stage, flow_run_id=run.flow_run_id, requested_by=run.requested_by,
                                     created_at=run.created_at, state_type=state_type, state_name=state_name))
    if ended or session.in_transaction() or session.new or session.dirty or session.deleted:
        await run_in_threadpool(keep_final_states, session, ended)
    # else there is nothing to commit, and no connection to release
    return result


@cache
def _next_stages(status: str) -> tuple[Stage, ...]:
    """The stages a coordinator may start from `status`: the stage table is fixed, so once per status."""
    stages = []
    for spec in STAGES:
        try:
            check_can_start(spec.stage, status, Actor.COORDINATOR)
            stages.append(spec.stage)
        except StageNotAllowed:
            pass
    return tuple(stages)


async def application_public(session: Session, gateway: PrefectGateway, settings: Settings,
                             application_id: int, principal: Principal | None = None) -> ApplicationPublic:
    """Everything about one application, as GET /applications/{id} and the portal's application page show it. With
    `principal`, only if they may read it (else NotFound, as for an id that does not exist)."""
    loaded = await run_in_threadpool(load_application, session, application_id, principal)
    application, pilot = loaded.application, loaded.pilot
    pilot_public = None
    if pilot is not None:
        pilot_public = PilotPublic(
            **{field: pilot[field] for field in ("id", "status", "contract_number", "site_id", "start_date",
                                                 "end_date")},
            feedback_url=feedback_url_for_token(settings, pilot["feedback_token"]),
            checkpoints=[CheckpointPublic.model_validate(c, from_attributes=True) for c in loaded.checkpoints],
        )
    analysis, methodology = loaded.analysis, loaded.methodology
    return ApplicationPublic(
        **{field: value for field, value in application.items()
           if field not in ("company_id", "submitted_company_details")},
        company=CompanyPublic.model_validate(loaded.company),
        submitted_company_details=application["submitted_company_details"]
        if application["company_details_pending"] else None,
        next_stages=list(_next_stages(application["status"])),
        analysis=AnalysisPublic.model_validate(analysis) if analysis else None,
        methodology=MethodologyPublic.model_validate(methodology) if methodology else None,
        pilot=pilot_public,
        documents=[document_public(settings, d) for d in loaded.documents],
        flow_runs=await stage_runs(session, gateway, application_id, loaded.runs),
    )
