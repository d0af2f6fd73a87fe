"""Applications: submit, read with everything attached, and start stage flows."""

from dataclasses import replace
from functools import cache
from typing import Annotated, NamedTuple

from fastapi import APIRouter, Body, status
from sqlalchemy import Row, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, func, select
from starlette.concurrency import run_in_threadpool

from api.auth import PrincipalDep
from api.deps import GatewayDep, SessionDep, SettingsDep
from api.idempotency import IdempotencyKey, idempotent
from api.prefect_gateway import PrefectGateway, PrefectUnavailable
from api.routers.documents import document_public
from api.routers.feedback import feedback_url_for_token
from models import actors
from models.application import submit_application
from models.errors import NotFound
from models.permissions import Action, Principal, Resource, Verdict, authorize, enforce
from models.schemas import (
    AnalysisPublic,
    ApplicationAccepted,
    ApplicationCreate,
    ApplicationPublic,
    CheckpointPublic,
    CompanyPublic,
    MethodologyPublic,
    PilotPublic,
    StageRunAccepted,
    StageRunPublic,
    StageRunRequest,
)
from models.settings import Settings
from models.stages import STAGE_BY_SLUG, STAGES, Actor, Stage, StageNotAllowed, check_can_start
from models.tables import (
    Analysis,
    Application,
    Checkpoint,
    Company,
    Document,
    Methodology,
    Pilot,
    PilotAssignment,
    StageRun,
)
from models.transitions import check_stage_start, record_stage_run
from models.users import application_resource

router = APIRouter(prefix="/applications", tags=["applications"])

FINAL_STATE_TYPES = {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}


def _links(settings: Settings, application_id: int) -> dict[str, str]:
    return {"self": f"{settings.public_api_url}/applications/{application_id}"}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApplicationAccepted)
async def submit(data: ApplicationCreate, session: SessionDep, gateway: GatewayDep, settings: SettingsDep,
                 idempotency_key: IdempotencyKey = None):
    """Submit an application (public). It is stored first, then screened by the pilot-application flow.
    A retry with the same `Idempotency-Key` gets the first answer and stores nothing new."""
    async with idempotent(session, idempotency_key, "POST /applications", data) as replay:
        if replay.answer is not None:
            return replay.response()
        application = submit_application(session, data, Actor.APPLICANT)
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


async def _stage_runs(session: Session, gateway: PrefectGateway, application_id: int,
                      runs: list[Row] | None = None) -> list[StageRunPublic]:
    """The application's flow runs with their states (`runs`: its stage run rows, when the caller has read
    them already). Only runs whose end is not known yet are asked of the Prefect server; a run seen to have
    ended keeps its final state. The database work runs in the thread pool, never on the event loop."""
    if runs is None:
        runs = await run_in_threadpool(_stage_run_rows, session, application_id)
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
        await run_in_threadpool(_keep_final_states, session, ended)
    # else there is nothing to commit, and no connection to release
    return result


# The statements of the read path, built once (building a select and its cache key anew on every request
# cost more than running it; the values come as bound parameters), and run as plain SQL on the session's
# connection: what is read here is only shown, and the ORM's bookkeeping for each query cost more again.
_STAGE_RUN_TABLE = StageRun.__table__
_STAGE_RUNS = (_STAGE_RUN_TABLE.select().where(_STAGE_RUN_TABLE.c.application_id == bindparam("application_id"))
               .order_by(_STAGE_RUN_TABLE.c.id))


def _connection(session: Session):
    """The session's connection, with its pending changes flushed first, as an ORM query would (autoflush)."""
    session.flush()  # nothing to do, and no I/O, when there is nothing pending
    return session.connection()


def _stage_run_rows(session: Session, application_id: int) -> list[Row]:
    return list(_connection(session).execute(_STAGE_RUNS, {"application_id": application_id}).all())


def _keep_final_states(session: Session, ended: dict[int, str]) -> None:
    for run_id, final_state in ended.items():
        run = session.get(StageRun, run_id)
        if run is not None:
            run.final_state = final_state
            session.add(run)
    session.commit()


@router.get("/{application_id}", response_model=ApplicationPublic)
async def read(application_id: int, session: SessionDep, gateway: GatewayDep, settings: SettingsDep,
               principal: PrincipalDep):
    """The application with its stage, status, analysis, methodology, pilot, documents and flow runs."""
    return await application_public(session, gateway, settings, application_id, principal)


class _Loaded(NamedTuple):
    application: dict
    company: dict | None
    analysis: dict | None
    methodology: dict | None
    pilot: dict | None
    checkpoints: list[Row]
    documents: list[Document]
    runs: list[Row]


_APPLICATION_TABLE, _COMPANY_TABLE, _ANALYSIS_TABLE, _METHODOLOGY_TABLE, _PILOT_TABLE = _PARTS = tuple(
    model.__table__ for model in (Application, Company, Analysis, Methodology, Pilot))
_LATEST_ANALYSIS = (sa_select(func.max(_ANALYSIS_TABLE.c.id))
                    .where(_ANALYSIS_TABLE.c.application_id == _APPLICATION_TABLE.c.id)
                    .correlate(_APPLICATION_TABLE).scalar_subquery())
_LATEST_METHODOLOGY = (sa_select(func.max(_METHODOLOGY_TABLE.c.id))
                       .where(_METHODOLOGY_TABLE.c.application_id == _APPLICATION_TABLE.c.id,
                              _METHODOLOGY_TABLE.c.status != "superseded")
                       .correlate(_APPLICATION_TABLE).scalar_subquery())
# The application with its company, its latest analysis, its latest methodology still in force and its pilot
# (at most one: a pilot's application_id is unique), in one query: the columns of the five tables in a row.
_APPLICATION = (sa_select(*(column for table in _PARTS for column in table.columns))
                .select_from(_APPLICATION_TABLE)
                .outerjoin(_COMPANY_TABLE, _COMPANY_TABLE.c.id == _APPLICATION_TABLE.c.company_id)
                .outerjoin(_ANALYSIS_TABLE, _ANALYSIS_TABLE.c.id == _LATEST_ANALYSIS)
                .outerjoin(_METHODOLOGY_TABLE, _METHODOLOGY_TABLE.c.id == _LATEST_METHODOLOGY)
                .outerjoin(_PILOT_TABLE, _PILOT_TABLE.c.application_id == _APPLICATION_TABLE.c.id)
                .where(_APPLICATION_TABLE.c.id == bindparam("application_id")))
_PART_COLUMNS = tuple(tuple(table.columns.keys()) for table in _PARTS)
_COORDINATORS = select(PilotAssignment.user_id).where(PilotAssignment.application_id == bindparam("application_id"))
_CHECKPOINT_TABLE, _DOCUMENT_TABLE = Checkpoint.__table__, Document.__table__
_CHECKPOINTS = (_CHECKPOINT_TABLE.select().where(_CHECKPOINT_TABLE.c.pilot_id == bindparam("pilot_id"))
                .order_by(_CHECKPOINT_TABLE.c.as_of))
_DOCUMENTS = (_DOCUMENT_TABLE.select().where(_DOCUMENT_TABLE.c.application_id == bindparam("application_id"))
              .order_by(_DOCUMENT_TABLE.c.kind, _DOCUMENT_TABLE.c.version))


def _split(row: Row) -> list[dict | None]:
    """The row of _APPLICATION as one record per table, None for a table the outer joins found nothing in."""
    records, start = [], 0
    for names in _PART_COLUMNS:
        record = dict(zip(names, row[start:start + len(names)]))
        records.append(record if record["id"] is not None else None)
        start += len(names)
    return records


def _load_application(session: Session, application_id: int, principal: Principal | None) -> _Loaded:
    """Everything application_public shows, read in one go (in the thread pool)."""
    key = {"application_id": application_id}
    connection = _connection(session)
    row = connection.execute(_APPLICATION, key).first()
    if row is None:
        raise NotFound("application", application_id)
    application, company, analysis, methodology, pilot = _split(row)
    if principal is not None:
        # As enforce(principal, READ, application_resource(...)), from the row read above. Being assigned
        # only ever widens what a user may do, so the assignments are read only when they could change the
        # answer: not for the many who may read every application.
        resource = Resource(kind="application", key=application_id, company_id=application["company_id"],
                            site_id=pilot["site_id"] if pilot is not None else None)
        if authorize(principal, Action.READ, resource) is not Verdict.ALLOWED:
            coordinators = session.exec(_COORDINATORS, params=key).all()
            enforce(principal, Action.READ, replace(resource, coordinator_ids=frozenset(coordinators)))
    checkpoints = (list(connection.execute(_CHECKPOINTS, {"pilot_id": pilot["id"]}).all())
                   if pilot is not None else [])
    documents = [Document(**document._mapping) for document in connection.execute(_DOCUMENTS, key)]
    runs = _stage_run_rows(session, application_id)
    if all(run.final_state is not None for run in runs):
        session.commit()  # nothing to ask the Prefect server, nothing to keep: the connection goes back now
    return _Loaded(application, company, analysis, methodology, pilot, checkpoints, documents, runs)


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
    """Everything about one application, as this route and the portal's application page show it. With
    `principal`, only if they may read it (else NotFound, as for an id that does not exist)."""
    loaded = await run_in_threadpool(_load_application, session, application_id, principal)
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
        **{field: value for field, value in application.items() if field != "company_id"},
        company=CompanyPublic.model_validate(loaded.company),
        next_stages=list(_next_stages(application["status"])),
        analysis=AnalysisPublic.model_validate(analysis) if analysis else None,
        methodology=MethodologyPublic.model_validate(methodology) if methodology else None,
        pilot=pilot_public,
        documents=[document_public(settings, d) for d in loaded.documents],
        flow_runs=await _stage_runs(session, gateway, application_id, loaded.runs),
    )


def _stage_parameters(session: Session, application_id: int, stage: Stage, body: StageRunRequest,
                      requested_by: str) -> dict:
    """The typed parameters of each stage's flow, from the request body; `requested_by` is the caller, whom
    the flow names in the audit log (the role it checks is the coordinator's)."""
    who = {"requested_by": requested_by}
    if stage is Stage.MONITORING:
        pilot = session.exec(select(Pilot).where(Pilot.application_id == application_id)).one()
        return {"pilot_id": pilot.id, "as_of": body.as_of.isoformat() if body.as_of else None,
                "actor": Actor.COORDINATOR.value, **who}
    if stage is Stage.APPLICATION:
        return {"application_id": application_id, "actor": Actor.COORDINATOR.value, **who}
    if stage is Stage.ANALYSIS and body.override_trl_gate:
        return {"application_id": application_id, "override_trl_gate": True, **who}
    return {"application_id": application_id, **who}


@router.post("/{application_id}/stages/{stage}/runs", status_code=status.HTTP_202_ACCEPTED,
             response_model=StageRunAccepted,
             responses={409: {"description": "The stage cannot start now; `detail` says why"}})
async def start_stage(application_id: int, stage: Stage, session: SessionDep, gateway: GatewayDep,
                      settings: SettingsDep, principal: PrincipalDep,
                      body: Annotated[StageRunRequest | None, Body()] = None, idempotency_key: IdempotencyKey = None):
    """Start a stage's flow for the application (coordinator). 409 when the stage table does not allow it now."""
    enforce(principal, Action.START_STAGE, application_resource(session, application_id))  # before any replay
    scope = f"POST /applications/{application_id}/stages/{stage.value}/runs"
    async with idempotent(session, idempotency_key, scope, body) as replay:
        if replay.answer is not None:  # a retry: the same run, never a second one
            return replay.response()
        spec = check_stage_start(session, application_id, stage, Actor.COORDINATOR)
        in_progress = [r for r in await _stage_runs(session, gateway, application_id)
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
