"""pilot-zombie-check (flows/zombie_check.py) against a real Prefect server: it marks Crashed only a run that
is Running and sent no heartbeat within the window; a run that is beating, a suspended run and a finished
run are left as they are. (tests/e2e/test_zombie_runs.py runs it from the automation, on a runner.)"""

import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from prefect.exceptions import ParameterTypeError
from prefect.settings import PREFECT_API_URL

from flows.zombie_check import flow_run_id_of, pilot_zombie_check

pytestmark = pytest.mark.prefect
WINDOW = 60


@pytest.fixture
def prefect_api(prefect_server):
    with httpx.Client(base_url=PREFECT_API_URL.value(), timeout=30) as client:
        yield client


def a_run(api: httpx.Client, state: dict) -> str:
    """A flow run of a deployment (as the stages' runs are: Prefect keeps a suspended one only then)."""
    flow_id = api.post("/flows/", json={"name": "zombie-check-targets"}).raise_for_status().json()["id"]
    deployment_id = api.post("/deployments/", json={"name": "targets", "flow_id": flow_id}
                             ).raise_for_status().json()["id"]
    run_id = api.post("/flow_runs/", json={"flow_id": flow_id, "deployment_id": deployment_id, "state": {
        "type": "RUNNING", "name": "Running"}}).raise_for_status().json()["id"]
    if state["type"] != "RUNNING":
        assert api.post(f"/flow_runs/{run_id}/set_state", json={"state": state}).json()["status"] == "ACCEPT"
    return run_id


def send_heartbeat(api: httpx.Client, run_id: str, age: timedelta = timedelta(0)) -> None:
    """A heartbeat `age` ago, readable through the events API once this returns."""
    event_id = str(uuid.uuid4())
    api.post("/events", json=[{
        "id": event_id, "occurred": (datetime.now(UTC) - age).isoformat(), "event": "prefect.flow-run.heartbeat",
        "resource": {"prefect.resource.id": f"prefect.flow-run.{run_id}"}, "related": [], "payload": {}}]
    ).raise_for_status()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        since = datetime.now(UTC) - age - timedelta(minutes=1)
        events = api.post("/events/filter", json={"filter": {
            "id": {"id": [event_id]}, "occurred": {"since": since.isoformat()}}}).raise_for_status().json()["events"]
        if events:
            return
        time.sleep(0.25)
    pytest.fail("the heartbeat event was not persisted within 30 s")


def state_of(api: httpx.Client, run_id: str) -> tuple[str, str]:
    state = api.get(f"/flow_runs/{run_id}").raise_for_status().json()["state"]
    return state["type"], state["message"] or ""


SUSPENDED = {"type": "PAUSED", "name": "Suspended", "state_details": {
    "pause_reschedule": True, "pause_key": "decision-1",
    "pause_timeout": (datetime.now(UTC) + timedelta(days=3)).isoformat()}}


def test_a_running_run_without_a_recent_heartbeat_is_crashed(prefect_api):
    run_id = a_run(prefect_api, {"type": "RUNNING"})
    send_heartbeat(prefect_api, run_id, age=timedelta(seconds=WINDOW + 30))  # before the window

    outcome = pilot_zombie_check(f"prefect.flow-run.{run_id}", WINDOW, "test-automation")

    assert outcome == f"flow run {run_id} marked Crashed (ACCEPT)"
    state, message = state_of(prefect_api, run_id)
    assert state == "CRASHED"
    assert message.startswith(f"No heartbeat for {WINDOW} s") and "test-automation" in message


@pytest.mark.parametrize("state, beating, expected", [
    ({"type": "RUNNING"}, True, "RUNNING"),  # the automation saw its heartbeats out of order
    (SUSPENDED, True, "PAUSED"),  # a heartbeat sent just before the suspension, processed after it
    (SUSPENDED, False, "PAUSED"),
    ({"type": "COMPLETED", "name": "Completed"}, False, "COMPLETED"),
])
def test_a_run_that_is_alive_or_not_running_is_left_alone(prefect_api, state, beating, expected):
    run_id = a_run(prefect_api, state)
    if beating:
        send_heartbeat(prefect_api, run_id)

    outcome = pilot_zombie_check(f"prefect.flow-run.{run_id}", WINDOW)

    assert outcome.startswith(f"left alone: flow run {run_id} is ")
    assert state_of(prefect_api, run_id)[0] == expected


def test_only_a_flow_run_resource_is_accepted():
    run_id = uuid.uuid4()
    assert flow_run_id_of(f"prefect.flow-run.{run_id}") == run_id
    with pytest.raises(ValueError, match="not a flow run resource"):
        flow_run_id_of(f"prefect.deployment.{run_id}")


def test_a_window_shorter_than_prefects_minimum_is_refused_before_anything_is_read(prefect_api):
    run_id = a_run(prefect_api, {"type": "RUNNING"})
    with pytest.raises(ParameterTypeError, match="greater than or equal to 10"):
        pilot_zombie_check(f"prefect.flow-run.{run_id}", 1)  # typed into the Prefect UI's form
    assert state_of(prefect_api, run_id)[0] == "RUNNING"
