"""Applications: submit, read with everything attached, and start stage flows."""

from typing import Annotated

from fastapi import APIRouter, Body, status
from sqlmodel import Session

from api.auth import OptionalPrincipalDep, PrincipalDep
from api.deps import GatewayDep, RowId, SessionDep, SettingsDep
from api.errors import errors
from api.idempotency import IdempotencyKey, idempotent
from api.prefect_gateway import PrefectUnavailable
from api.presenters import FINAL_STATE_TYPES, application_public, stage_runs
from models import actors
from models.adoption import pilot_of
from models.application import confirm_company_details, submit_application
from models.db import get_required
from models.permissions import Action, enforce
from models.schemas import (
    ApplicationAccepted,
    ApplicationCreate,
    ApplicationPublic,
    CompanyDetailsReview,
    StageRunAccepted,
    StageRunRequest,
)
from models.settings import Settings
from models.stages import STAGE_BY_SLUG, Actor, Stage, StageNotAllowed
from models.tables import Application
from models.transitions import check_stage_start, record_stage_run
from models.users import application_resource

router = APIRouter(prefix="/applications", tags=["applications"])


def _links(settings: Settings, application_id: int) -> dict[str, str]:
    return {"self": f"{settings.public_api_url}/applications/{application_id}"}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApplicationAccepted,
             responses=errors(401, 413, why={409: "The `Idempotency-Key` was used for another body"}))
async def submit(data: ApplicationCreate, session: SessionDep, gateway: GatewayDep, settings: SettingsDep,
                 submitter: OptionalPrincipalDep, idempotency_key: IdempotencyKey = None):
    """Submit an application (public). It is stored first, then screened by the pilot-application flow.
    A retry with the same `Idempotency-Key` gets the first answer and stores nothing new.

    For a company already known by its registration number, the details given update its record only when
    the caller is its signed-in representative (`X-API-Key`) or a coordinator; anybody else's differing
    details are kept with the application for a coordinator to confirm (`company_details_pending`)."""
    async with idempotent(session, idempotency_key, "POST /applications", data) as replay:
        if replay.answer is not None:
            return replay.response()
        application = submit_application(session, data, submitter.actor if submitter else Actor.APPLICANT,
                                         submitter)
        session.commit()
        spec = STAGE_BY_SLUG[Stage.APPLICATION]
        try:
            run_id = await gateway.trigger(spec.deployment_name,
                                           {"application_id": application.id, "requested_by": actors.APPLICANT},
                                           idempotency_key and f"application:{idempotency_key}")
        except PrefectUnavailable:
            # Nothing is lost: the application is stored and its screening can be started later.
            run_id = None
        else:
            record_stage_run(session, application.id, Stage.APPLICATION, run_id, Actor.APPLICANT)
        accepted = ApplicationAccepted(id=application.id, status=application.status, stage=application.stage,
                                       flow_run_id=run_id, links=_links(settings, application.id))
        replay.store(status.HTTP_201_CREATED, accepted)
        session.commit()
    return accepted


@router.get("/{application_id}", response_model=ApplicationPublic, responses=errors(401, 404))
async def read(application_id: RowId, session: SessionDep, gateway: GatewayDep, settings: SettingsDep,
               principal: PrincipalDep):
    """The application with its stage, status, analysis, methodology, pilot, documents and flow runs."""
    return await application_public(session, gateway, settings, application_id, principal)


@router.post("/{application_id}/company-details", response_model=ApplicationPublic,
             responses=errors(401, 403, 404, 413,
                              why={409: "The application's company details await no confirmation"}))
async def review_company_details(application_id: RowId, review: CompanyDetailsReview, session: SessionDep,
                                 gateway: GatewayDep, settings: SettingsDep, principal: PrincipalDep):
    """Confirm a submission whose company details differ from the company's record (coordinator): accept them
    into the record, or keep the record. Contracts already made keep the details they print."""
    enforce(principal, Action.UPDATE_COMPANY, application_resource(session, application_id))
    application = get_required(session, Application, application_id)
    confirm_company_details(session, application, review.accept, principal.actor)
    session.commit()
    return await application_public(session, gateway, settings, application_id, principal)


def _stage_parameters(session: Session, application_id: int, stage: Stage, body: StageRunRequest,
                      requested_by: str) -> dict:
    """The typed parameters of each stage's flow, from the request body; `requested_by` is the caller, whom
    the flow names in the audit log (the role it checks is the coordinator's)."""
    who = {"requested_by": requested_by}
    if stage is Stage.MONITORING:
        pilot = pilot_of(session, application_id)
        return {"pilot_id": pilot.id, "as_of": body.as_of.isoformat() if body.as_of else None,
                "actor": Actor.COORDINATOR.value, **who}
    if stage is Stage.APPLICATION:
        return {"application_id": application_id, "actor": Actor.COORDINATOR.value, **who}
    if stage is Stage.ANALYSIS and body.override_trl_gate:
        return {"application_id": application_id, "override_trl_gate": True, **who}
    return {"application_id": application_id, **who}


@router.post("/{application_id}/stages/{stage}/runs", status_code=status.HTTP_202_ACCEPTED,
             response_model=StageRunAccepted,
             responses=errors(401, 403, 404, 413, 503, why={
                 409: "The stage cannot start now, or the `Idempotency-Key` was used for another body; "
                      "`detail` says why"}))
async def start_stage(application_id: RowId, stage: Stage, session: SessionDep, gateway: GatewayDep,
                      settings: SettingsDep, principal: PrincipalDep,
                      body: Annotated[StageRunRequest | None, Body()] = None, idempotency_key: IdempotencyKey = None):
    """Start a stage's flow for the application (coordinator). 409 when the stage table does not allow it now."""
    enforce(principal, Action.START_STAGE, application_resource(session, application_id))  # before any replay
    scope = f"POST /applications/{application_id}/stages/{stage.value}/runs"
    async with idempotent(session, idempotency_key, scope, body) as replay:
        if replay.answer is not None:  # a retry: the same run, never a second one
            return replay.response()
        spec = check_stage_start(session, application_id, stage, Actor.COORDINATOR)
        in_progress = [r for r in await stage_runs(session, gateway, application_id)
                       if r.state_type not in FINAL_STATE_TYPES and r.state_type is not None]
        if in_progress:
            raise StageNotAllowed(f"a {in_progress[0].stage} run is still in progress "
                                  f"(flow run {in_progress[0].flow_run_id}); wait for it to finish")
        parameters = _stage_parameters(session, application_id, stage, body or StageRunRequest(), principal.actor)
        run_id = await gateway.trigger(spec.deployment_name, parameters,
                                       idempotency_key and f"{application_id}:{stage}:{idempotency_key}")
        record_stage_run(session, application_id, stage, run_id, principal.actor)
        accepted = StageRunAccepted(application_id=application_id, stage=stage, flow_run_id=run_id,
                                    status_url=f"{settings.public_api_url}/flow-runs/{run_id}")
        replay.store(status.HTTP_202_ACCEPTED, accepted)
        session.commit()
    return accepted
