"""The automation that marks Crashed a flow run whose process died (scripts/automations.py, which runs the
pilot-zombie-check deployment, flows/zombie_check.py), against a real Prefect server (`prefect server start`,
SQLite, on a free port) with the check deployment served by a runner process.

scripts/automations.py is run three times (the command scripts/stack.py runs, then its function with the
test's short window, twice): one automation exists, created, then updated, then left alone. Then:

- a real flow run process (heartbeats every 30 s, as the stack sets them) is SIGKILLed right after its first
  heartbeat, as a dead worker would leave it: it must turn Crashed about WINDOW s later;
- a run that keeps sending heartbeats stays Running;
- a run that was suspended (what the adoption, evaluation and midpoint-review runs do while they wait for
  people) and whose last heartbeat reached the server after its Suspended event, as one sent just before the
  suspension can: the automation fires for it, and the check leaves it Suspended.

The window is Prefect's minimum for a proactive trigger (10 s) instead of the stack's 90 s, so that the
whole test stays under a minute and a quarter.
"""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings

from tests.e2e.faults_stack import PrefectClient, poll
from tests.e2e.test_production_mode import BIN, ROOT, Processes
from tests.e2e.test_stack import free_port

sys.path.insert(0, str(ROOT / "scripts"))
from automations import (  # noqa: E402
    CHECK_DEPLOYMENT, HEARTBEAT_SECONDS, MINIMUM_WINDOW_SECONDS, WINDOW_SECONDS, ZOMBIE_AUTOMATION,
    ensure_zombie_automation,
)

pytestmark = pytest.mark.e2e
WINDOW = MINIMUM_WINDOW_SECONDS
PROACTIVE_GRANULARITY = 5  # s, how often the Prefect server evaluates proactive triggers (its default)
CHECK_SECONDS = 20  # for a check run: the runner's poll, a process of its own, two requests
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}

# The check deployment, served the way `prefect deploy` + a worker would run it (a process per flow run).
CHECK_RUNNER = """
from flows.zombie_check import pilot_zombie_check
pilot_zombie_check.serve(name="pilot-zombie-check")
"""

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


def test_a_run_whose_heartbeats_stop_is_marked_crashed(tmp_path):
    started = time.monotonic()
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PILOTFLOW_", "PREFECT_"))}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_API_URL=api, PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
        PREFECT_SERVER_SERVICES_EVENT_PERSISTER_FLUSH_INTERVAL="0.5",  # the sleeper's heartbeat readable soon
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY=str(HEARTBEAT_SECONDS),  # as scripts/stack.py sets it
        PREFECT_RUNNER_POLL_FREQUENCY="1",  # the check runner picks its runs up at once
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

        processes.start("check-runner", "python", "-c", CHECK_RUNNER)
        poll("the pilot-zombie-check deployment registered",
             lambda: prefect.get(f"/deployments/name/{CHECK_DEPLOYMENT}").status_code == 200 or None, 45, 0.25,
             processes.tails)
        timings["check deployment"] = time.monotonic() - started

        # Idempotence: what scripts/stack.py runs at every start (the stack's 90 s window), then the short one.
        stack_run = subprocess.run([str(BIN / "python"), "scripts/automations.py"], cwd=ROOT, env=env,
                                   capture_output=True, text=True, timeout=60)
        assert stack_run.returncode == 0 and ": created" in stack_run.stdout, stack_run.stdout + stack_run.stderr
        with temporary_settings(updates={PREFECT_API_URL: api}):
            outcomes = [ensure_zombie_automation(WINDOW), ensure_zombie_automation(WINDOW)]
        assert outcomes == ["updated", "unchanged"]
        automations = prefect.post("/automations/filter", json={}).raise_for_status().json()
        assert [(a["name"], a["trigger"]["within"], a["trigger"]["posture"]) for a in automations] == \
            [(ZOMBIE_AUTOMATION, WINDOW, "Proactive")], automations
        assert WINDOW_SECONDS >= 3 * HEARTBEAT_SECONDS  # the stack's window: three heartbeats missed
        timings["automation"] = time.monotonic() - started

        sleeper = processes.start("sleeper", "python", "-c", SLEEPER)  # boots while the controls are set up

        # Controls: a run that keeps beating, and one that suspended itself. Both belong to a
        # deployment, as the stages' runs do: Prefect refuses to end a suspended run that has none.
        flow_id = prefect.post("/flows/", json={"name": "zombie-test-controls"}).raise_for_status().json()["id"]
        deployment_id = prefect.post("/deployments/", json={"name": "controls", "flow_id": flow_id}
                                     ).raise_for_status().json()["id"]
        live, suspended = (prefect.post("/flow_runs/", json={
            "flow_id": flow_id, "deployment_id": deployment_id, "name": name,
            "state": {"type": "RUNNING", "name": "Running"}}).raise_for_status().json()["id"]
            for name in ("live", "suspended"))
        heartbeat(prefect, suspended)
        # What prefect.flow_runs.suspend_flow_run asks for (a run waiting an hour at most for its input).
        response = prefect.post(f"/flow_runs/{suspended}/set_state", json={"state": {
            "type": "PAUSED", "name": "Suspended", "state_details": {
                "pause_reschedule": True, "pause_key": "decision-1",
                "pause_timeout": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}}}).raise_for_status().json()
        assert response["status"] == "ACCEPT", response
        heartbeat(prefect, suspended)  # processed after the Suspended event: opens a window nothing closes

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

        message = poll("the killed run marked Crashed", crashed, WINDOW + 3 * PROACTIVE_GRANULARITY + CHECK_SECONDS,
                       0.25, processes.tails)
        timings["crashed after the kill"] = time.monotonic() - killed
        assert ZOMBIE_AUTOMATION in message and f"No heartbeat for {WINDOW} s" in message, message

        # The suspended control's window opened before the zombie's: the automation has fired for it too, and
        # its check has run or is running.
        def checked(run_id):
            runs = prefect.post("/flow_runs/filter", json={
                "deployments": {"name": {"any_": ["pilot-zombie-check"]}}}).raise_for_status().json()
            states = [run["state"]["type"] for run in runs
                      if run["parameters"]["flow_run"] == f"prefect.flow-run.{run_id}"]
            return states if states and all(state in FINAL for state in states) else None

        assert poll("the suspended run's check", lambda: checked(suspended), CHECK_SECONDS, 0.25,
                    processes.tails) == ["COMPLETED"]
        assert state_of(prefect, live)[0] == "RUNNING"
        assert state_of(prefect, suspended)[:2] == ("PAUSED", "Suspended")
        timings["total"] = time.monotonic() - started
        print("\n" + ", ".join(f"{what} {seconds:.1f} s" for what, seconds in timings.items()))
    finally:
        beating.set()
        processes.stop_all()
        prefect.close()
