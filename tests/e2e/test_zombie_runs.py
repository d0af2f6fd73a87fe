"""The API's zombie check (api/zombie_runs.py) marks Crashed a flow run whose process died, against a real
Prefect server (`prefect server start`, on a free port) and the API as uvicorn runs it, its check every 2 s with
a 10 s window instead of the stack's 30 s and 90 s, so that the test stays under a minute.

- a real flow run process (heartbeats every 30 s, as the stack sets them) is SIGKILLed right after its first
  heartbeat, as a dead worker would leave it: it must turn Crashed about WINDOW s later;
- a run that keeps sending heartbeats stays Running, and so does one that never sent any (heartbeats not
  configured where it runs);
- a run that was suspended (what the adoption, evaluation and midpoint-review runs do while they wait for
  people), whose last heartbeat reached the server after its Suspended event, stays Suspended;
- and the check starts no flow run at all: the run list holds the four runs of the test and nothing else.
"""

import os
import signal
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.faults_stack import PrefectClient, poll
from tests.e2e.test_production_mode import Processes
from tests.e2e.test_stack import free_port

pytestmark = pytest.mark.e2e
WINDOW = 10  # s without a heartbeat
INTERVAL = 2  # s between two checks
HEARTBEAT_SECONDS = 30  # as scripts/stack.py sets PREFECT_FLOWS_HEARTBEAT_FREQUENCY

# A flow run in a process of its own, as a worker starts one: it sends its first heartbeat as it starts.
SLEEPER = """
import time
from prefect import flow

@flow(name="zombie-test-sleeper")
def sleeper():
    time.sleep(300)

sleeper()
"""


def heartbeat(prefect: PrefectClient, run_id: str) -> None:
    """What a flow run's process sends (prefect.flow_engine): only the event name and the run matter."""
    event = {"id": str(uuid.uuid4()), "occurred": datetime.now(UTC).isoformat(), "event": "prefect.flow-run.heartbeat",
             "resource": {"prefect.resource.id": f"prefect.flow-run.{run_id}"}, "related": [], "payload": {}}
    prefect.post("/events", json=[event]).raise_for_status()


def state_of(prefect: PrefectClient, run_id: str) -> tuple[str, str | None, str]:
    state = prefect.get(f"/flow_runs/{run_id}").raise_for_status().json()["state"]
    return state["type"], state["name"], state["message"] or ""


def test_a_run_whose_heartbeats_stop_is_marked_crashed_and_no_check_run_is_started(tmp_path):
    started = time.monotonic()
    port, api_port = free_port(), free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PILOTFLOW_", "PREFECT_"))}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_API_URL=api, PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
        PREFECT_SERVER_SERVICES_EVENT_PERSISTER_FLUSH_INTERVAL="0.5",  # the sleeper's heartbeat readable soon
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY=str(HEARTBEAT_SECONDS),
        PILOTFLOW_DATABASE_URL=f"sqlite:///{tmp_path / 'pilotflow.db'}",
        PILOTFLOW_ZOMBIE_WINDOW_SECONDS=str(WINDOW), PILOTFLOW_ZOMBIE_CHECK_INTERVAL_SECONDS=str(INTERVAL),
    )
    processes = Processes(tmp_path / "logs", env)
    prefect = PrefectClient(base_url=api, timeout=30)
    beating = threading.Event()
    try:
        server = processes.start("prefect-server", "prefect", "server", "start", "--host", "127.0.0.1",
                                 "--port", str(port))

        def server_ready():
            assert server.poll() is None, "the Prefect server exited" + processes.tails()
            try:
                return prefect.get("/health").status_code == 200 or None
            except Exception:
                return None

        poll("the Prefect server answering", server_ready, 45, 0.25, processes.tails)
        timings = {"server": time.monotonic() - started}
        processes.start("api", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(api_port))
        sleeper = processes.start("sleeper", "python", "-c", SLEEPER)  # boots while the controls are set up

        # Controls: a run that keeps beating, one that never beats, and one that suspended itself. They belong
        # to a deployment, as the stages' runs do: Prefect refuses to end a suspended run that has none.
        flow_id = prefect.post("/flows/", json={"name": "zombie-test-controls"}).raise_for_status().json()["id"]
        deployment_id = prefect.post("/deployments/", json={"name": "controls", "flow_id": flow_id}
                                     ).raise_for_status().json()["id"]
        live, silent, suspended = (prefect.post("/flow_runs/", json={
            "flow_id": flow_id, "deployment_id": deployment_id, "name": name,
            "state": {"type": "RUNNING", "name": "Running"}}).raise_for_status().json()["id"]
            for name in ("live", "silent", "suspended"))
        heartbeat(prefect, suspended)
        # What prefect.flow_runs.suspend_flow_run asks for (a run waiting an hour at most for its input).
        response = prefect.post(f"/flow_runs/{suspended}/set_state", json={"state": {
            "type": "PAUSED", "name": "Suspended", "state_details": {
                "pause_reschedule": True, "pause_key": "decision-1",
                "pause_timeout": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}}}).raise_for_status().json()
        assert response["status"] == "ACCEPT", response
        heartbeat(prefect, suspended)  # processed after the Suspended event

        def keep_beating():
            while not beating.wait(2):
                heartbeat(prefect, live)

        heartbeat(prefect, live)
        threading.Thread(target=keep_beating, daemon=True).start()

        def sleeper_beating():
            assert sleeper.poll() is None, "the flow run's process exited" + processes.tails()
            runs = prefect.post("/flow_runs/filter", json={
                "flows": {"name": {"any_": ["zombie-test-sleeper"]}}}).raise_for_status().json()
            if not runs or runs[0]["state"]["type"] != "RUNNING":
                return None
            events = prefect.post("/events/filter", json={"filter": {
                "event": {"name": ["prefect.flow-run.heartbeat"]},
                "resource": {"id": [f"prefect.flow-run.{runs[0]['id']}"]}}}).raise_for_status().json()["events"]
            return runs[0]["id"] if events else None

        zombie = poll("the flow run's first heartbeat", sleeper_beating, 30, 0.25, processes.tails)
        os.killpg(sleeper.pid, signal.SIGKILL)  # the worker's machine dies: no heartbeat, no final state
        sleeper.wait(timeout=10)
        killed = time.monotonic()
        timings["killed"] = killed - started
        assert state_of(prefect, zombie)[0] == "RUNNING"

        def crashed():
            state, _, message = state_of(prefect, zombie)
            return message if state == "CRASHED" else None

        message = poll("the killed run marked Crashed", crashed, WINDOW + 3 * INTERVAL + 10, 0.25, processes.tails)
        timings["crashed after the kill"] = time.monotonic() - killed
        assert "zombie check" in message and f"No heartbeat for {WINDOW} s" in message, message

        time.sleep(2 * INTERVAL)  # two more checks: they leave the controls alone
        assert state_of(prefect, live)[0] == "RUNNING"
        assert state_of(prefect, silent)[0] == "RUNNING"
        assert state_of(prefect, suspended)[:2] == ("PAUSED", "Suspended")
        runs = prefect.post("/flow_runs/filter", json={}).raise_for_status().json()
        assert sorted(run["name"] for run in runs if run["flow_id"] == flow_id) == ["live", "silent", "suspended"]
        assert len(runs) == 4, [run["name"] for run in runs]  # the controls and the sleeper: no check runs
        timings["total"] = time.monotonic() - started
        print("\n" + ", ".join(f"{what} {seconds:.1f} s" for what, seconds in timings.items()))
    finally:
        beating.set()
        processes.stop_all()
        prefect.close()
