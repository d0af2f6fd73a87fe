"""How long a triggered run waits before its flow code runs: Scheduled -> Pending (a worker picked it up) ->
Running (its process started and imported the flow), on the stack as scripts/stack.py starts it.

    .venv/bin/python bench/run_start.py [--runs 10]

Starts a private stack (embedded PostgreSQL, Prefect server, worker, API) on free ports in a scratch folder,
triggers `program-report` runs one after another and then all at once, and prints the median and p95 of both
waits from the runs' own state history. The baseline, measured in the same run, is what a new process needs
to import the flows (`python -c "import flows..."`): the part of Pending -> Running that a process worker pays
for every run. Goal (issue 13): Scheduled -> Running median <= 2 s, p95 <= 5 s.
"""

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from uuid import UUID

ROOT = Path(__file__).resolve().parents[1]
DEPLOYMENT = "program-report/program-report"
GOAL_MEDIAN_S, GOAL_P95_S = 2.0, 5.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def start_stack(var: Path) -> tuple[subprocess.Popen, str]:
    prefect_port, api_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PILOTFLOW_", "PREFECT_"))}
    env.update(PILOTFLOW_VAR_DIR=str(var), PILOTFLOW_PREFECT_PORT=str(prefect_port), PILOTFLOW_API_PORT=str(api_port))
    stack = subprocess.Popen([sys.executable, "scripts/stack.py", "up"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    for line in stack.stdout:
        if "pilotflow is running" in line:
            return stack, f"http://127.0.0.1:{prefect_port}/api"
    raise SystemExit(f"the stack did not start (exit code {stack.wait()}); see {var / 'logs'}")


async def waits(run_ids: list[UUID], timeout: float = 300) -> list[tuple[float, float]]:
    """(Scheduled -> Pending, Scheduled -> Running) of each run, once all of them reached Running."""
    from prefect import get_client

    deadline = time.monotonic() + timeout
    async with get_client() as client:
        while True:
            histories = [await client.read_flow_run_states(run_id) for run_id in run_ids]
            if all(any(s.type.value == "RUNNING" for s in states) for states in histories):
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"runs did not start within {timeout:.0f} s")
            await asyncio.sleep(1)
    result = []
    for states in histories:
        first = {}
        for state in states:
            first.setdefault(state.type.value, state.timestamp)
        result.append(((first["PENDING"] - first["SCHEDULED"]).total_seconds(),
                       (first["RUNNING"] - first["SCHEDULED"]).total_seconds()))
    return result


async def trigger(count: int, together: bool) -> list[tuple[float, float]]:
    from prefect.deployments import run_deployment

    if together:
        runs = [await run_deployment(DEPLOYMENT, timeout=0) for _ in range(count)]
        return await waits([run.id for run in runs])
    measured = []
    for _ in range(count):
        run = await run_deployment(DEPLOYMENT, timeout=0)
        measured += await waits([run.id])
    return measured


def import_baseline(times: int = 3) -> float:
    started = []
    for _ in range(times):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import prefect.engine, flows.adoption, flows.evaluation, "
                        "flows.monitoring, flows.program_report"], cwd=ROOT, check=True)
        started.append(time.perf_counter() - t0)
    return statistics.median(started)


def report(name: str, measured: list[tuple[float, float]]) -> None:
    pending = [p for p, _ in measured]
    running = [r for _, r in measured]
    met = statistics.median(running) <= GOAL_MEDIAN_S and percentile(running, 0.95) <= GOAL_P95_S
    print(f"{name:<22} Scheduled->Pending median {statistics.median(pending):5.2f} s  p95 {percentile(pending, .95):5.2f} s"
          f"   Scheduled->Running median {statistics.median(running):5.2f} s  p95 {percentile(running, .95):5.2f} s"
          f"   goal {'met' if met else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pilotflow-bench-") as scratch:
        stack, api_url = start_stack(Path(scratch))
        try:
            os.environ["PREFECT_API_URL"] = api_url
            baseline = import_baseline()
            one_by_one = asyncio.run(trigger(args.runs, together=False))
            together = asyncio.run(trigger(args.runs, together=True))
        finally:
            stack.send_signal(signal.SIGINT)
            stack.wait(timeout=120)
    print(f"{args.runs} runs of {DEPLOYMENT} each way (python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    report("one after another", one_by_one)
    report(f"{args.runs} at once", together)
    print(f"baseline: a new process importing the flows takes {baseline:.2f} s (median of 3); "
          f"Pending->Running one after another is {statistics.median(r - p for p, r in one_by_one) / baseline:.2f}x that")


if __name__ == "__main__":
    main()
