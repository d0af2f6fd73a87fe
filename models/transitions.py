"""Moving an application through the stage table (models/stages.py), each move written to the audit log."""

from sqlmodel import Session, select

from models.db import get_required
from models.stages import Actor, Stage, StageSpec, Status, check_can_start, check_outcome
from models.tables import Application, AuditEvent, StageRun, utcnow


def check_stage_start(session: Session, application_id: int, stage: Stage, actor: Actor) -> StageSpec:
    """Raise NotFound or StageNotAllowed unless `actor` may start `stage` for the application now."""
    application = get_required(session, Application, application_id)
    return check_can_start(stage, application.status, actor)


def transition(
    session: Session,
    application: Application,
    stage: Stage,
    to_status: Status,
    actor: str,
    flow_run_id: str | None,
    detail: str | None = None,
) -> None:
    """Move the application to `to_status` as the outcome of `stage`, and append the audit event."""
    check_outcome(stage, to_status)
    session.add(AuditEvent(
        actor=actor, application_id=application.id, from_stage=application.stage, to_stage=stage,
        from_status=application.status, to_status=to_status, flow_run_id=flow_run_id, detail=detail,
    ))
    application.status = to_status
    application.stage = stage
    application.updated_at = utcnow()
    session.add(application)


def record_stage_run(session: Session, application_id: int, stage: Stage, flow_run_id: str, actor: str) -> None:
    if session.exec(select(StageRun).where(StageRun.flow_run_id == flow_run_id)).first() is None:
        session.add(StageRun(application_id=application_id, stage=stage, flow_run_id=flow_run_id,
                             requested_by=actor))
