"""Stage 4: pilot-monitoring (a checkpoint for every active pilot, daily, or for one on demand) and
pilot-midpoint-review (the coordinator's continue / adjust / stop decision when a pilot's midpoint comes)."""

from datetime import date
from typing import Annotated

from prefect import flow, task
from prefect.artifacts import create_progress_artifact, create_table_artifact, update_progress_artifact
from prefect.events import emit_event
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from pydantic import Field
from sqlalchemy.exc import IntegrityError

from flows.common import acting, current_flow_run_id
from models import actors
from models.db import get_required, session_scope
from models.monitoring import (
    PilotEvent,
    active_pilot_ids,
    claim_review,
    monitor_batch,
    record_review_decision,
    worst_first,
)
from models.rules.monitoring import SEVERITY_ORDER
from models.schemas import ActorName, DecidedBy, MidpointDecision
from models.settings import get_settings, local_today
from models.stages import Actor, PilotStatus, Stage, StageNotAllowed, Status, check_can_start
from models.tables import Application, Pilot

ARTIFACT_ROWS = 1000  # the table artifact lists the worst pilots; the counts cover them all


@task
def select_pilots(pilot_id: int | None, actor: Actor) -> list[int]:
    with session_scope() as session:
        if pilot_id is None:
            check_can_start(Stage.MONITORING, Status.PILOTING, actor)
            return active_pilot_ids(session)
        pilot = get_required(session, Pilot, pilot_id)
        application = session.get(Application, pilot.application_id)
        check_can_start(Stage.MONITORING, application.status, actor)
        if pilot.status != PilotStatus.ACTIVE:
            raise StageNotAllowed(f"pilot {pilot_id} is {pilot.status}, not active")
        return [pilot_id]


def emit_pilot_event(event: PilotEvent) -> None:
    """The pilot is the resource; its severity is a label so an automation can match the severe ones."""
    emit_event(
        event=event.event,
        resource={
            "prefect.resource.id": f"pilotflow.pilot.{event.pilot_id}",
            "prefect.resource.name": event.contract_number,
            "pilotflow.pilot-id": str(event.pilot_id),
            "pilotflow.severity": event.severity,
        },
        payload={"as_of": event.as_of.isoformat(), **event.details},
    )


@task(retries=2, retry_delay_seconds=5)
def record_checkpoints(pilot_ids: list[int], as_of: date) -> list[dict]:
    """One checkpoint per pilot for `as_of` (a re-run of the day replaces it); then the batch's events."""
    with session_scope() as session:
        outcome = monitor_batch(session, pilot_ids, as_of, current_flow_run_id())
    # After the commit, so whatever an event starts reads the checkpoint it is about.
    for event in outcome.events:
        emit_pilot_event(event)
    return outcome.summaries


@flow(name="pilot-monitoring", log_prints=True)
def pilot_monitoring(
    pilot_id: int | None = None,
    as_of: date | None = None,
    batch_size: Annotated[int, Field(ge=1, le=5000)] = 500,
    actor: Actor = Actor.SCHEDULE,
    requested_by: ActorName | None = None,
) -> dict[str, int]:
    """Record the day's checkpoint for every active pilot, or for `pilot_id` only.
    Returns the number of pilots per severity.

    `actor` is the role the stage table checks; `requested_by` the user who asked (the API passes it); without
    it, where the run came from (the schedule, the Prefect UI, ...), as the run's log says."""
    as_of = as_of or local_today()
    print(f"monitoring requested by {acting(requested_by)} as the {actor}")
    pilot_ids = select_pilots(pilot_id, actor)
    batches = [pilot_ids[i:i + batch_size] for i in range(0, len(pilot_ids), batch_size)]
    progress_id = create_progress_artifact(progress=0.0, description=f"Monitoring {len(pilot_ids)} pilots")
    summaries: list[dict] = []
    # A task per batch, not per pilot: every task run costs the Prefect server writes.
    futures = [record_checkpoints.submit(batch, as_of) for batch in batches]
    for done, future in enumerate(futures, start=1):
        summaries += future.result()
        update_progress_artifact(progress_id, progress=100.0 * done / len(futures))
    if not futures:
        update_progress_artifact(progress_id, progress=100.0)
    counts = {severity: sum(1 for s in summaries if s["severity"] == severity) for severity in SEVERITY_ORDER}
    create_table_artifact(
        key="monitoring-latest", table=worst_first(summaries)[:ARTIFACT_ROWS] or [{"pilot": "none active"}],
        description=f"Pilots by status on {as_of}, worst first: {counts} (up to {ARTIFACT_ROWS} rows shown)",
    )
    print(f"monitoring {as_of}: {len(summaries)} pilots, {counts}")
    return counts


@task
def claim_midpoint_review(pilot_id: int) -> dict | None:
    """Make this run the one that waits for the pilot's midpoint decision; None when the pilot is not
    active, the decision is taken, or another run is already waiting for it."""
    try:
        with session_scope() as session:
            return claim_review(session, pilot_id, current_flow_run_id())
    except IntegrityError:  # a concurrent run created the review first
        return None


class MidpointForm(RunInput, DecidedBy, MidpointDecision):
    """The midpoint decision, as the form of the waiting run; `decided_by` is for an API answering it."""


@task
def record_midpoint_decision(pilot_id: int, decision: MidpointDecision, decided_by: str) -> None:
    """Store the decision and audit it as done by `decided_by`; 'stop' ends the pilot's monitoring."""
    with session_scope() as session:
        record_review_decision(session, pilot_id, decision, decided_by, current_flow_run_id())


@flow(name="pilot-midpoint-review", log_prints=True)
def pilot_midpoint_review(pilot_id: int) -> str | None:
    """Ask the pilot's coordinator to continue, adjust or stop it (a form in the Prefect UI).

    The run suspends while it waits: it holds no process and no worker slot, so one pilot's pending
    decision never holds up the daily sweep. Started by the `pilot.midpoint.due` event (prefect.yaml).
    """
    review = claim_midpoint_review(pilot_id)
    if review is None:
        print(f"pilot {pilot_id}: no midpoint decision to ask for (decided, asked by another run, or not active)")
        return None
    form = MidpointForm.with_initial_data(description=review["description"], coordinator=review["coordinator"])
    answer = suspend_flow_run(wait_for_input=form, timeout=get_settings().midpoint_review_timeout_days * 86400)
    decision = MidpointDecision.model_validate(answer.model_dump(include=set(MidpointDecision.model_fields)))
    record_midpoint_decision(pilot_id, decision, answer.decided_by or actors.PREFECT_UI)
    print(f"pilot {pilot_id}: midpoint decision {decision.decision} by {decision.coordinator}")
    return decision.decision
