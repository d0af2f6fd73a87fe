"""Helpers for tests/e2e/test_faults.py: a real stack whose worker and API can be killed and restarted.

scripts/stack.py supervises its children and stops everything when one exits, so the fault tests start the
parts themselves, the way tests/e2e/test_production_mode.py does (its `Processes`: each child in a session
of its own, its output in a log file): a Prefect server with its own PREFECT_HOME on a free port, the
`pilotflow` process work pool with the deployments from prefect.yaml, a worker, and the API in uvicorn.

Killing "the worker" means what a dead machine or container does: SIGKILL to the worker's process group
and to every process it started, which the process worker puts in sessions of their own (the flow run's
process, and LibreOffice under it). A test may stop (SIGSTOP) part or all of the tree first, so that it
can check what the run is doing at the moment it dies without racing it.
"""

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from prefect.workers.process import ProcessWorker
from sqlmodel import select

from models import db, settings
from models.db import session_scope
from models.rules.methodology import checkpoint_calendar
from models.tables import Analysis, Application, Company, Methodology, Pilot, Site
from tests.e2e.test_production_mode import ROOT, Processes
from tests.e2e.test_stack import free_port
from tests.pilots import QUEUE, USERS

WORK_POOL = "pilotflow"


# --- processes ---------------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (alive now), parents first."""
    children, tree, queue = _children(), [], [pid]
    while queue:
        current = queue.pop(0)
        tree.append(current)
        queue.extend(children.get(current, []))
    return tree


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def session_leader(pid: int) -> bool:
    try:
        return os.getsid(pid) == pid
    except OSError:
        return False


def started_at(pid: int) -> str | None:
    """The process's start time (in clock ticks since boot): with the pid, who it is (pids are reused)."""
    stat = _stat(pid)
    return stat[19] if stat else None


def signal_tree(pids: list[int], sig: int) -> None:
    """`sig` to each process's group (so children started meanwhile in the same group get it too) and to
    the process itself."""
    for pid in pids:
        for send in (lambda: os.killpg(os.getpgid(pid), sig), lambda: os.kill(pid, sig)):
            try:
                send()
            except (ProcessLookupError, PermissionError):
                pass


# --- the database, from the test's side ---------------------------------------------------------


@contextmanager
def pilotflow_database(url: str, document_dir: Path) -> Iterator[None]:
    """Point this process's pilotflow settings and engine at `url` (as tests/conftest.py does), and back."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PILOTFLOW_DATABASE_URL", url)
        patch.setenv("PILOTFLOW_DOCUMENT_DIR", str(document_dir))
        settings.get_settings.cache_clear()
        db.get_engine.cache_clear()
        try:
            yield
        finally:
            db.get_engine().dispose()
            settings.get_settings.cache_clear()
            db.get_engine.cache_clear()


def seed_active_pilots(count: int, start: date, weeks: int = 10) -> list[int]:
    """`count` applications in 'piloting', each with an adopted methodology and an active pilot, like
    tests/pilots.py's make_pilot but in a few bulk statements (executemany, the tables' own column defaults);
    their pilot ids. A pilot that starts on the monitoring day has no deviation yet, so a sweep over
    thousands of them emits no events."""
    end = start + timedelta(weeks=weeks)
    tag = uuid.uuid4().hex[:8]
    calendar = checkpoint_calendar(start, weeks)
    with session_scope() as session:
        site = session.exec(select(Site).order_by(Site.id)).first()
        company = Company(name="ООО «Обход»", registration_number="7700000077", contact_email="sweep@example.org",
                          signatory_name="Петров П. П.")
        session.add(company)
        session.flush()
        connection = session.connection()
        connection.execute(sa.insert(Application.__table__), [
            {"company_id": company.id, "title": f"Sweep kiosk {tag} {i:06d}", "trl": 8, "status": "piloting",
             "stage": "adoption", "description": "A kiosk that issues tickets."} for i in range(count)])
        application_ids = list(connection.execute(
            sa.select(Application.id).where(Application.title.startswith(f"Sweep kiosk {tag} "))
            .order_by(Application.title)).scalars())
        connection.execute(sa.insert(Analysis.__table__), [
            {"application_id": a, "sector": site.sector, "score": 70.0} for a in application_ids])
        analyses = dict(connection.execute(sa.select(Analysis.application_id, Analysis.id)
                                           .where(Analysis.application_id.in_(application_ids))).all())
        connection.execute(sa.insert(Methodology.__table__), [
            {"application_id": a, "analysis_id": analyses[a], "site_id": site.id, "status": "adopted",
             "duration_weeks": weeks, "start_date": start, "end_date": end, "kpis": [QUEUE, USERS],
             "checkpoints": calendar, "feedback_plan": {"min_respondents": 50}, "adopted_by": "Сидорова Анна"}
            for a in application_ids])
        methodologies = dict(connection.execute(sa.select(Methodology.application_id, Methodology.id)
                                                .where(Methodology.application_id.in_(application_ids))).all())
        connection.execute(sa.insert(Pilot.__table__), [
            {"application_id": a, "methodology_id": methodologies[a], "site_id": site.id, "company_id": company.id,
             "contract_number": f"PF-F-{a:06d}", "start_date": start, "end_date": end} for a in application_ids])
        return list(connection.execute(sa.select(Pilot.id).where(Pilot.application_id.in_(application_ids))
                                       .order_by(Pilot.id)).scalars())


# --- the stack ----------------------------------------------------------------------------------


def poll(what: str, check: Callable[[], object], timeout: float, interval: float = 0.25,
         on_timeout: Callable[[], str] = lambda: "") -> object:
    """`check()` until it returns something other than None (returned), or fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (result := check()) is not None:
            return result
        time.sleep(interval)
    pytest.fail(f"{what} did not happen within {timeout:g} s" + on_timeout())


class PrefectClient(httpx.Client):
    """Retries what the Prefect server answers 503 (its SQLite database busy: nothing was done), as Prefect's
    own client does."""

    def request(self, *args, **kwargs) -> httpx.Response:
        for attempt in range(1, 11):
            response = super().request(*args, **kwargs)
            if response.status_code != 503:
                break
            time.sleep(0.2 * attempt)
        return response


class FaultStack:
    """The Prefect server, the deployments, the API and a worker, on free ports under `work`."""

    def __init__(self, work: Path, database_url: str, api_key: str = "faults-key"):
        self.prefect_port, self.api_port = free_port(), free_port()
        self.prefect_api = f"http://127.0.0.1:{self.prefect_port}/api"
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        self.api_key, self.database_url = api_key, database_url
        self.document_dir = work / "documents"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PILOTFLOW_", "PREFECT_"))}
        env.update(
            PREFECT_HOME=str(work / "prefect"), PREFECT_API_URL=self.prefect_api,
            PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_WORKER_QUERY_SECONDS="1",
            # The tests start every run themselves: no cron runs of pilot-monitoring, no load they do not ask for.
            PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
            PILOTFLOW_ROOT=str(ROOT), PILOTFLOW_DATABASE_URL=database_url, PILOTFLOW_API_KEY=api_key,
            PILOTFLOW_DOCUMENT_DIR=str(self.document_dir), PILOTFLOW_PUBLIC_API_URL=self.api_url,
            PILOTFLOW_PREFECT_UI_URL=f"http://127.0.0.1:{self.prefect_port}",
        )
        self.processes = Processes(work / "logs", env)
        self.prefect = PrefectClient(base_url=self.prefect_api, timeout=30)
        self.api = httpx.Client(base_url=self.api_url, headers={"X-API-Key": api_key}, timeout=30)
        self.server: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.api_process: subprocess.Popen | None = None
        self.workers_started = 0
        self.orphans: dict[int, str | None] = {}  # pid -> start time: what workers started, killed at the end

    def tails(self) -> str:
        return self.processes.tails()

    def _answers(self, url: str, process: subprocess.Popen, what: str) -> bool | None:
        assert process.poll() is None, f"{what} exited with {process.returncode}" + self.tails()
        try:
            return httpx.get(url, timeout=2).status_code == 200 or None
        except httpx.HTTPError:
            return None

    def start(self, deployments: tuple[str, ...], timeout: float = 120) -> None:
        """Everything that does not need the Prefect server starts while it starts (its first start migrates
        its own database: the longest wait)."""
        self.server = self.processes.start("prefect-server", "prefect", "server", "start", "--host", "127.0.0.1",
                                           "--port", str(self.prefect_port))
        self.processes.run("python", "-m", "admin.migrate")  # pilotflow's database
        self.start_api(wait=False)
        poll("the Prefect server answering", lambda: self._answers(f"{self.prefect_api}/health", self.server,
                                                                    "the Prefect server"), timeout)
        # What `prefect work-pool create pilotflow --type process` does, without starting the CLI.
        created = self.prefect.post("/work_pools/", json={
            "name": WORK_POOL, "type": "process", "base_job_template": ProcessWorker.get_default_base_job_template()})
        assert created.status_code == 201, created.text
        self.start_worker()  # it starts polling the pool while the deployments are registered
        names = [arg for name in deployments for arg in ("--name", name)]
        self.processes.run("prefect", "--no-prompt", "deploy", *names)  # from prefect.yaml, as scripts/stack.py
        self.wait_for_api()

    def start_api(self, wait: bool = True) -> None:
        self.api_process = self.processes.start(f"api-{len(self.processes.children)}", "uvicorn", "api.main:app",
                                                "--host", "127.0.0.1", "--port", str(self.api_port))
        if wait:
            self.wait_for_api()

    def wait_for_api(self, timeout: float = 60) -> None:
        poll("the API answering", lambda: self._answers(f"{self.api_url}/health", self.api_process, "the API"),
             timeout)

    def start_worker(self) -> subprocess.Popen:
        self.workers_started += 1
        self.worker = self.processes.start(f"worker-{self.workers_started}", "prefect", "worker", "start",
                                           "--pool", WORK_POOL, "--type", "process",
                                           "--name", f"faults-worker-{self.workers_started}")
        return self.worker

    def worker_online(self, timeout: float = 60) -> None:
        """Wait until the worker polls the pool; start one first if the last one is dead (a test that failed
        between freezing and killing it leaves none)."""
        if self.worker is None or self.worker.poll() is not None:
            self.start_worker()
        name = f"faults-worker-{self.workers_started}"

        def online():
            assert self.worker.poll() is None, "the worker exited" + self.tails()
            workers = self.prefect.post(f"/work_pools/{WORK_POOL}/workers/filter", json={}).json()
            return any(w["name"] == name and w["status"] == "ONLINE" for w in workers) or None

        poll(f"worker {name} polling the pool", online, timeout)

    def worker_tree(self) -> list[int]:
        return process_tree(self.worker.pid) if self.worker and self.worker.poll() is None else []

    def freeze(self, pids: list[int]) -> None:
        """SIGSTOP these processes (and their process groups)."""
        self._remember(pids)
        signal_tree(pids, signal.SIGSTOP)

    def kill_worker(self) -> None:
        """SIGKILL the worker and everything it started (frozen or not), and wait until all are gone."""
        pids = self.worker_tree()
        self._remember(pids)
        signal_tree(pids, signal.SIGKILL)
        if self.worker is not None:
            self.worker.wait(timeout=10)
        poll("the killed worker's processes disappearing", lambda: not any(alive(p) for p in pids) or None, 10, 0.05)

    # --- Prefect, as an operator sees it ---

    def flow_run(self, flow_run_id: str) -> dict:
        return self.prefect.get(f"/flow_runs/{flow_run_id}").raise_for_status().json()

    def task_runs(self, flow_run_id: str) -> list[dict]:
        return self.prefect.post("/task_runs/filter", json={
            "flow_runs": {"id": {"any_": [flow_run_id]}}}).raise_for_status().json()

    def mark_crashed(self, flow_run_id: str, message: str) -> None:
        """What an operator does in the Prefect UI with a run whose worker died ("Change state")."""
        response = self.prefect.post(f"/flow_runs/{flow_run_id}/set_state", json={
            "state": {"type": "CRASHED", "name": "Crashed", "message": message}, "force": True})
        assert response.status_code in (200, 201) and response.json()["status"] == "ACCEPT", response.text

    def wait_for_run(self, flow_run_id: str, state_types: set[str], timeout: float) -> dict:
        def reached():
            run = self.flow_run(flow_run_id)
            state = run["state"]["type"] if run["state"] else None
            if state in {"FAILED", "CRASHED", "CANCELLED"} - state_types:
                pytest.fail(f"flow run {flow_run_id} ended {state}: {run['state']['message']}" + self.tails())
            return run if state in state_types else None

        return poll(f"flow run {flow_run_id} reaching {sorted(state_types)}", reached, timeout,
                    on_timeout=self.tails)

    def run_deployment(self, name: str, parameters: dict) -> str:
        deployment = self.prefect.get(f"/deployments/name/{name}/{name}").raise_for_status().json()["id"]
        return self.prefect.post(f"/deployments/{deployment}/create_flow_run",
                                 json={"parameters": parameters}).raise_for_status().json()["id"]

    def _remember(self, pids: list[int]) -> None:
        self.orphans.update({pid: started_at(pid) for pid in pids})

    def stop(self) -> None:
        tree = self.worker_tree()  # whatever the last worker runs, in sessions of their own
        self._remember(tree)
        signal_tree(tree, signal.SIGCONT)  # a stopped process would only take the SIGTERM when continued
        self.processes.stop_all()
        # Only the very processes recorded (same pid and start time), never a later one with a reused pid.
        signal_tree([pid for pid, start in self.orphans.items() if alive(pid) and started_at(pid) == start],
                    signal.SIGKILL)
        self.prefect.close()
        self.api.close()
