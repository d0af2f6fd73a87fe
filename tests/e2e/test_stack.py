"""The whole stack started the way the README does (scripts/stack.py: Prefect server, deployments from
prefect.yaml, a process worker, the API) on free ports, driven over HTTP through all five stages."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from docx import Document as WordDocument

from admin import local_postgres
from documents.pdf import soffice_path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from demo import SAMPLE_APPLICATION, Demo  # noqa: E402

pytestmark = pytest.mark.e2e
STARTUP_TIMEOUT = 240
# What the Prefect server (or a client of it) logs when it loses work: an event or message dropped, an
# automation's action failed. Seen on the embedded SQLite server before the stack moved to PostgreSQL.
LOST_WORK = ("database is locked", "dead letter", "dropping", "failed in consume_loop", "unexpected status from",
             "max flush retries")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def docx_text(path: Path) -> str:
    word = WordDocument(str(path))
    parts = [p.text for p in word.paragraphs]
    parts += [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    var = tmp_path_factory.mktemp("stack")
    prefect_port, api_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PILOTFLOW_", "PREFECT_"))}
    env.update(PILOTFLOW_VAR_DIR=str(var), PILOTFLOW_PREFECT_PORT=str(prefect_port),
               PILOTFLOW_API_PORT=str(api_port))
    process = subprocess.Popen([sys.executable, "scripts/stack.py", "up"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    ready = threading.Event()

    def read_output():
        for line in process.stdout:
            output.append(line)
            if "pilotflow is running" in line:
                ready.set()

    threading.Thread(target=read_output, daemon=True).start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not ready.is_set() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    if not ready.is_set():
        process.kill()
        pytest.fail("the stack did not start:\n" + "".join(output) + _logs(var))
    time.sleep(1)  # let the banner finish printing
    key = (var / ".env").read_text().split("PILOTFLOW_API_KEY=", 1)[1].strip()
    yield {"api": f"http://127.0.0.1:{api_port}", "prefect": f"http://127.0.0.1:{prefect_port}/api", "key": key,
           "var": var, "process": process, "output": output}
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


def _logs(var: Path) -> str:
    return "".join(f"\n--- {log.name}\n{log.read_text()[-3000:]}" for log in sorted((var / "logs").glob("*.log")))


def test_banner_prints_urls_and_key(stack):
    banner = "".join(stack["output"])
    assert stack["api"] in banner and "/docs" in banner and stack["key"] in banner and "Prefect UI" in banner


def test_five_stages_over_http_and_the_documents_open(stack):
    # The stack's own database (its PILOTFLOW_ settings were left out of its environment), not this process's.
    database = local_postgres.url(stack["var"] / "postgres", "pilotflow", "psycopg")
    demo = Demo(stack["api"], stack["key"], stack["var"] / "demo", database, log=lambda *_: None)
    try:
        files = demo.run()
    except Exception:
        print(_logs(stack["var"]))
        raise
    contract, report = docx_text(files["contract"]), docx_text(files["report"])
    company = SAMPLE_APPLICATION["company"]["name"]
    for text in (contract, report):
        assert company in text and "{{" not in text and "{%" not in text
    application = demo.application(1)
    site = next(s for s in application["analysis"]["candidate_sites"] if s["site_id"] == application["pilot"]["site_id"])
    assert application["status"] == "evaluated"
    assert application["pilot"]["contract_number"] in contract
    for kpi in application["methodology"]["kpis"]:
        assert kpi["name_ru"] in contract
    assert "Рекомендовать к тиражированию" in report  # targets met and enough respondents
    assert site["code"] in contract  # the site party's registration line
    states = {run["stage"]: run["state_type"] for run in application["flow_runs"]}
    assert states == {stage: "COMPLETED" for stage in ("application", "analysis", "adoption", "monitoring", "evaluation")}
    [signed] = demo.client.get("/contracts", params={"application_id": 1}).json()
    assert signed["status"] == "signed" and signed["awaiting"] == []  # approved over the API, signed by all three
    if soffice_path():
        assert files["contract.pdf"].read_bytes().startswith(b"%PDF-")


def test_the_daily_monitoring_schedule_creates_runs(stack):
    """The Prefect server's scheduler must create the cron runs of pilot-monitoring (it silently
    did not with SQLAlchemy 2.1)."""
    deadline = time.monotonic() + 120
    scheduled = []
    while time.monotonic() < deadline and not scheduled:
        try:
            response = httpx.post(f"{stack['prefect']}/flow_runs/filter", timeout=30, json={
                "deployments": {"name": {"any_": ["pilot-monitoring"]}},
                "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}})
        except httpx.TimeoutException:  # a slow answer on a loaded machine; the deadline still holds
            continue
        scheduled = [run for run in response.json() if run["auto_scheduled"]]
        time.sleep(2)
    assert scheduled, "no scheduled pilot-monitoring run was created"
    starts = [datetime.fromisoformat(run["expected_start_time"].replace("Z", "+00:00")) for run in scheduled]
    assert all((start.astimezone(UTC).hour, start.minute) == (4, 0) for start in starts)  # 07:00 Moscow


def test_the_servers_lost_nothing_through_the_demo_and_the_suite(stack):
    """Run after the demo's five stages and the schedule test: no log of the stack tells of lost work."""
    found = {}
    for log in sorted((stack["var"] / "logs").glob("*.log")):
        lines = log.read_text(errors="replace").lower().splitlines()
        for pattern in LOST_WORK:
            if count := sum(pattern in line for line in lines):
                found[f"{log.name}: {pattern}"] = count
    assert found == {}


def test_running_twice_is_harmless_and_ctrl_c_stops_everything(stack):
    env = {**os.environ, "PILOTFLOW_VAR_DIR": str(stack["var"])}
    again = subprocess.run([sys.executable, "scripts/stack.py", "up"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=30)
    assert again.returncode == 0 and "already running" in again.stdout
    stack["process"].send_signal(signal.SIGINT)
    assert stack["process"].wait(timeout=60) == 0
    assert not (stack["var"] / "stack.pid").exists()
    assert not (stack["var"] / "postgres" / "postmaster.pid").exists()  # the embedded PostgreSQL stopped too
