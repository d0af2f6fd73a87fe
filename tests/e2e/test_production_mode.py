"""The production mode the README describes: the Prefect server and pilotflow both on PostgreSQL, the
deployments registered from prefect.yaml, and two process workers on the `pilotflow` pool sharing the
flow runs. Everything runs on free ports and scratch databases, and is stopped and dropped afterwards."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.e2e.test_stack import free_port
from tests.postgres import scratch_databases

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WORKERS = ("worker-a", "worker-b")
RUNS = 4
LIMIT = 2  # flow runs a worker takes at once: RUNS / 2, so that neither worker can take every run
DEADLINE_SECONDS = 115  # for the whole test, which must stay under two minutes


@pytest.fixture
def databases():
    """The Prefect server's database (asyncpg, as the server needs) and pilotflow's, both new and empty."""
    with scratch_databases("prodmode_prefect", "prodmode_pilotflow") as (prefect, pilotflow):
        asyncpg = sa.engine.make_url(prefect).set(drivername="postgresql+asyncpg")
        yield asyncpg.render_as_string(hide_password=False), pilotflow


class Processes:
    """Long-running children, each in a session of its own with its output in a log file."""

    def __init__(self, logs: Path, env: dict[str, str]):
        self.logs, self.env, self.children = logs, env, []
        logs.mkdir()

    def start(self, name: str, *args: str) -> subprocess.Popen:
        with open(self.logs / f"{name}.log", "wb") as log:
            process = subprocess.Popen([str(BIN / args[0]), *args[1:]], cwd=ROOT, env=self.env, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.children.append(process)
        return process

    def run(self, *args: str) -> None:
        result = subprocess.run([str(BIN / args[0]), *args[1:]], cwd=ROOT, env=self.env, capture_output=True,
                                text=True, timeout=90)
        assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"

    def tails(self) -> str:
        return "".join(f"\n--- {log.name}\n{log.read_text(errors='replace')[-3000:]}"
                       for log in sorted(self.logs.glob("*.log")))

    def stop_all(self) -> None:
        for process in reversed(self.children):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.children:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_until(what: str, check, deadline: float, processes: Processes):
    while time.monotonic() < deadline:
        if (result := check()) is not None:
            return result
        time.sleep(0.5)
    pytest.fail(f"{what} did not happen in time" + processes.tails())


def test_two_workers_share_the_flow_runs_of_a_prefect_server_on_postgresql(databases, tmp_path):
    deadline = time.monotonic() + DEADLINE_SECONDS
    prefect_database, pilotflow_database = databases
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PILOTFLOW_", "PREFECT_"))}
    env.update(
        PREFECT_API_DATABASE_CONNECTION_URL=prefect_database, PREFECT_HOME=str(tmp_path / "prefect"),
        PREFECT_API_URL=api, PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_WORKER_QUERY_SECONDS="1",
        PILOTFLOW_ROOT=str(ROOT), PILOTFLOW_DATABASE_URL=pilotflow_database,
        PILOTFLOW_DOCUMENT_DIR=str(tmp_path / "documents"),
    )
    processes = Processes(tmp_path / "logs", env)
    try:
        server = processes.start("prefect-server", "prefect", "server", "start", "--host", "127.0.0.1",
                                 "--port", str(port))
        processes.run("python", "-m", "admin.migrate")  # pilotflow's database, while the server starts

        def server_ready():
            assert server.poll() is None, "the Prefect server exited" + processes.tails()
            try:
                return httpx.get(f"{api}/health", timeout=2).status_code == 200 or None
            except httpx.HTTPError:
                return None

        wait_until("the Prefect server answering", server_ready, deadline, processes)
        processes.run("prefect", "work-pool", "create", "pilotflow", "--type", "process", "--overwrite")
        for name in WORKERS:  # they start polling the pool while the deployments are registered
            processes.start(name, "prefect", "worker", "start", "--pool", "pilotflow", "--type", "process",
                            "--name", name, "--limit", str(LIMIT))
        processes.run("prefect", "--no-prompt", "deploy", "--all")
        client = httpx.Client(base_url=api, timeout=10)

        def both_workers_online():
            workers = client.post("/work_pools/pilotflow/workers/filter", json={}).json()
            return {w["name"] for w in workers if w["status"] == "ONLINE"} >= set(WORKERS) or None

        wait_until("both workers polling the pool", both_workers_online, deadline, processes)
        deployment = client.get("/deployments/name/pilot-monitoring/pilot-monitoring").json()["id"]
        run_ids = [client.post(f"/deployments/{deployment}/create_flow_run", json={}).json()["id"]
                   for _ in range(RUNS)]

        def all_final():
            runs = client.post("/flow_runs/filter", json={"flow_runs": {"id": {"any_": run_ids}}}).json()
            states = {run["id"]: run["state"]["type"] for run in runs}
            if any(state in ("FAILED", "CRASHED", "CANCELLED") for state in states.values()):
                pytest.fail(f"flow runs did not complete: {states}" + processes.tails())
            return states if set(states.values()) == {"COMPLETED"} and len(states) == RUNS else None

        wait_until(f"{RUNS} pilot-monitoring runs completing", all_final, deadline, processes)

        def worker_of_each_run():
            # Each worker reports the runs it executed, with the process it ran each in, as events.
            events = client.post("/events/filter", json={
                "filter": {"event": {"name": ["prefect.worker.executed-flow-run"]}}, "limit": 50}).json()["events"]
            executed = {related["prefect.resource.id"].removeprefix("prefect.flow-run."):
                        (event["resource"]["prefect.resource.name"], related["prefect.infrastructure.identifier"])
                        for event in events for related in event["related"]
                        if related["prefect.resource.role"] == "flow-run"}
            return executed if set(executed) == set(run_ids) else None

        executed = wait_until("the workers reporting the runs they executed", worker_of_each_run, deadline, processes)
        per_worker = Counter(worker for worker, _ in executed.values())
        print(f"\n{RUNS} pilot-monitoring runs completed; runs per worker: {dict(per_worker)}; "
              f"processes: {sorted(process for _, process in executed.values())}")
        assert set(per_worker) == set(WORKERS), per_worker
    finally:
        processes.stop_all()
