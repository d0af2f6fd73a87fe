"""pilot-zombie-check: mark Crashed a flow run whose process died, once it is certain that it did.

The zombie-run automation (scripts/automations.py) starts this flow when a flow run sent a heartbeat and then,
within the window, neither another heartbeat nor a state that ends its process. The automation cannot crash the
run itself: it sees events in the order the Prefect server happens to process them, and a heartbeat processed
after the run's Suspended event (sent by the run's process just before it suspended) opens a window that
nothing closes. A run waiting days for the coordinator's decision would be crashed, and the decision lost.
So this flow crashes only a run that is Running now and has sent no heartbeat within the window.
"""

from datetime import UTC, datetime, timedelta
from typing import Annotated
from uuid import UUID

from prefect import flow, get_client, get_run_logger, task
from prefect.client.schemas.objects import StateType
from prefect.events.filters import EventFilter, EventNameFilter, EventOccurredFilter, EventResourceFilter
from prefect.states import Crashed
from pydantic import Field

FLOW_RUN_RESOURCE = "prefect.flow-run."
HEARTBEAT_EVENT = "prefect.flow-run.heartbeat"
HEARTBEAT_SECONDS = 30  # PREFECT_FLOWS_HEARTBEAT_FREQUENCY for the workers (Prefect's minimum is 30)
WINDOW_SECONDS = 90  # three heartbeats missed: the run's process is gone
# Prefect refuses a shorter `within` for a proactive trigger; and a shorter window, typed into this flow's form in
# the Prefect UI, would crash live runs between two of their heartbeats.
MINIMUM_WINDOW_SECONDS = 10


def flow_run_id_of(resource_id: str) -> UUID:
    """The run's id from the event resource the automation passes (`prefect.flow-run.<id>`)."""
    if not resource_id.startswith(FLOW_RUN_RESOURCE):
        raise ValueError(f"not a flow run resource: {resource_id!r}")
    return UUID(resource_id.removeprefix(FLOW_RUN_RESOURCE))


@task(retries=2, retry_delay_seconds=5)  # reads from the Prefect server
def read_run(run_id: UUID, window: timedelta) -> tuple[StateType, str, bool]:
    """The run's state type and name, and whether it sent a heartbeat within the window."""
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run_id).state
        heartbeats = client.read_events(EventFilter(
            event=EventNameFilter(name=[HEARTBEAT_EVENT]),
            resource=EventResourceFilter(id=[f"{FLOW_RUN_RESOURCE}{run_id}"]),
            occurred=EventOccurredFilter(since=datetime.now(UTC) - window),
        ), limit=1)
    return state.type, state.name, bool(heartbeats.events)


@task
def mark_crashed(run_id: UUID, message: str) -> str:
    """Not forced: the server refuses to turn a run that has just finished into Crashed."""
    with get_client(sync_client=True) as client:
        result = client.set_flow_run_state(run_id, Crashed(message=message))
    return result.status.value


@flow(name="pilot-zombie-check")
def pilot_zombie_check(flow_run: str, window_seconds: Annotated[float, Field(ge=MINIMUM_WINDOW_SECONDS)] = WINDOW_SECONDS,
                       automation: str = "the zombie-run automation") -> str:
    """Crash the flow run (`prefect.flow-run.<id>`, as the automation names it) if it is Running and sent no
    heartbeat in the last `window_seconds`; otherwise leave it alone. Returns what was done, for the run's page."""
    logger = get_run_logger()
    run_id = flow_run_id_of(flow_run)
    state_type, state_name, beating = read_run(run_id, timedelta(seconds=window_seconds))
    if state_type != StateType.RUNNING or beating:
        outcome = (f"left alone: flow run {run_id} is {state_name}"
                   + (" and sent a heartbeat within the window" if beating else ""))
        logger.info(outcome)
        return outcome
    status = mark_crashed(run_id, (
        f"No heartbeat for {window_seconds:g} s: the process running this flow run is gone (worker or machine "
        f"died). Marked Crashed by the {automation} automation; the stage can be started again."))
    outcome = f"flow run {run_id} marked Crashed ({status})" if status == "ACCEPT" else \
        f"flow run {run_id} not changed: the server answered {status}"
    logger.info(outcome)
    return outcome
