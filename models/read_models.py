"""Read models: what the API and the portal show, read with few statements.

The statements of the read path are built once (building a select and its cache key anew on every request cost
more than running it; the values come as bound parameters), and run as plain SQL on the session's connection:
what is read here is only shown, and the ORM's bookkeeping for each query cost more again.
"""

from dataclasses import replace
from typing import NamedTuple

from sqlalchemy import Row, bindparam, case
from sqlalchemy import select as sa_select
from sqlmodel import Session, func, select

from models.errors import NotFound
from models.permissions import Action, Principal, Resource, Verdict, authorize, enforce
from models.stages import ContractStatus, MethodologyStatus, Stage
from models.tables import (
    Analysis,
    Application,
    Checkpoint,
    Company,
    Contract,
    Document,
    Methodology,
    Pilot,
    PilotAssignment,
    StageRun,
)
from models.users import owning_company, visible_applications

_STAGE_RUN_TABLE = StageRun.__table__
_STAGE_RUNS = (_STAGE_RUN_TABLE.select().where(_STAGE_RUN_TABLE.c.application_id == bindparam("application_id"))
               .order_by(_STAGE_RUN_TABLE.c.id))


def connection_of(session: Session):
    """The session's connection, with its pending changes flushed first, as an ORM query would (autoflush)."""
    session.flush()  # nothing to do, and no I/O, when there is nothing pending
    return session.connection()


def stage_run_rows(session: Session, application_id: int) -> list[Row]:
    return list(connection_of(session).execute(_STAGE_RUNS, {"application_id": application_id}).all())


def keep_final_states(session: Session, ended: dict[int, str]) -> None:
    for run_id, final_state in ended.items():
        run = session.get(StageRun, run_id)
        if run is not None:
            run.final_state = final_state
            session.add(run)
    session.commit()


class LoadedApplication(NamedTuple):
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
                              _METHODOLOGY_TABLE.c.status != MethodologyStatus.SUPERSEDED)
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


def load_application(session: Session, application_id: int, principal: Principal | None) -> LoadedApplication:
    """Everything the application's page shows (api/presenters.py), read in one go (in the thread pool)."""
    key = {"application_id": application_id}
    connection = connection_of(session)
    row = connection.execute(_APPLICATION, key).first()
    if row is None:
        raise NotFound("application", application_id)
    application, company, analysis, methodology, pilot = _split(row)
    if principal is not None:
        # As enforce(principal, READ, application_resource(...)), from the row read above. Being assigned
        # only ever widens what a user may do, so the assignments are read only when they could change the
        # answer: not for the many who may read every application.
        company_id = owning_company(application["company_id"], application["company_details_pending"])
        resource = Resource(kind="application", key=application_id, company_id=company_id,
                            site_id=pilot["site_id"] if pilot is not None else None)
        if authorize(principal, Action.READ, resource) is not Verdict.ALLOWED:
            coordinators = session.exec(_COORDINATORS, params=key).all()
            enforce(principal, Action.READ, replace(resource, coordinator_ids=frozenset(coordinators)))
    checkpoints = (list(connection.execute(_CHECKPOINTS, {"pilot_id": pilot["id"]}).all())
                   if pilot is not None else [])
    documents = [Document(**document._mapping) for document in connection.execute(_DOCUMENTS, key)]
    runs = stage_run_rows(session, application_id)
    if all(run.final_state is not None for run in runs):
        session.commit()  # nothing to ask the Prefect server, nothing to keep: the connection goes back now
    return LoadedApplication(application, company, analysis, methodology, pilot, checkpoints, documents, runs)


def open_stage_runs(session: Session, application_id: int, stage: Stage) -> list[str]:
    """The application's runs of `stage` not known to have ended, newest first."""
    return list(session.exec(
        select(StageRun.flow_run_id).where(StageRun.application_id == application_id, StageRun.stage == stage,
                                           StageRun.final_state.is_(None))
        .order_by(StageRun.id.desc())
    ))


# Contracts waiting for signatures first: they are what the staff work on.
AWAITING_FIRST = case((Contract.status.in_((ContractStatus.SENT, ContractStatus.PARTLY_SIGNED)), 0),
                      (Contract.status == ContractStatus.DRAFT, 1), else_=2)


def visible_contracts(principal: Principal):
    """The contracts `principal` may read, those awaiting signatures first, then newest first."""
    return (select(Contract).join(Application, Application.id == Contract.application_id)
            .where(visible_applications(principal)).order_by(AWAITING_FIRST, Contract.id.desc()))
