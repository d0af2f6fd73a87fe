"""What every stage flow shares: the stage guard, the flow run's id for the audit log, and who acts in it."""

from prefect.context import FlowRunContext
from prefect.runtime import flow_run

from models import actors
from models.db import session_scope
from models.stages import Actor, Stage
from models.transitions import check_stage_start


def current_flow_run_id() -> str | None:
    run_id = flow_run.get_id()
    return str(run_id) if run_id else None


def origin_of(run) -> str:
    """Where a flow run came from, as the audit log names it when no user of the API asked for it
    (models/actors.py). The Prefect server notes a schedule or an automation as the run's creator; any other
    run of a deployment was started by hand, in the Prefect UI or with its CLI."""
    if run is None or run.deployment_id is None:
        return actors.LOCAL
    created_by = run.created_by
    kind = (created_by.type or "").upper() if created_by else ""
    if kind == "SCHEDULE":
        return actors.SCHEDULE
    if kind == "AUTOMATION":
        return actors.automation_actor(created_by.display_value)
    return actors.PREFECT_UI


def run_origin() -> str:
    """origin_of() the flow run this code runs in (call it in the flow's body, where the run is known)."""
    context = FlowRunContext.get()
    return origin_of(context.flow_run if context else None)


def acting(requested_by: str | None) -> str:
    """Who the run acts for: the user the API passed in `requested_by`, else the run's origin."""
    return requested_by or run_origin()


def guard_stage(application_id: int, stage: Stage, actor: Actor) -> None:
    """Fail the run before it writes anything when the stage table does not allow it now (`actor`: the role)."""
    with session_scope() as session:
        check_stage_start(session, application_id, stage, actor)
