"""Load test, loopback only and bounded in time: citizen feedback submission (`POST /feedback/{token}`) and
`GET /applications/{id}` against pilotflow in uvicorn, and the same single-row insert and read by a bare
FastAPI endpoint on the same database, in the same run.

    .venv/bin/python bench/load.py [--seconds 30] [--clients 20] [--rounds 10] [--database-url URL]

Each API runs in its own uvicorn process on a free 127.0.0.1 port (one worker); the clients are httpx
AsyncClients in this process, each sending one request after the other for `--seconds` per scenario and API.
The two APIs take turns in `--rounds` slices of that time (pilotflow first in one round, the bare endpoint in
the next), so that whatever else the machine does meanwhile (other processes, the disk's fsync latency for
the inserts) weighs on both alike; `--rounds 1` measures one API after the other, in one block each.
Prints requests per second, p50 and p99 latency, the server process's CPU time per request, and pilotflow's
throughput as a share of the bare endpoint's (goal: at least 0.7). The clients share the machine's cores with
the servers, so a single slice swings with whatever else runs; 30 s in 10 slices keeps the ratio within about
0.1 from run to run. Stops by itself (about two minutes); the scratch SQLite database is under a temp
directory.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.concurrency import free_port  # noqa: E402

API_KEY = "load-key"
SLICES = itertools.count()
GOAL = 0.7


def bare_app():
    """The baseline: the same single-row insert and read, with nothing around them."""
    from fastapi import FastAPI, HTTPException
    from sqlmodel import Session

    from models.db import get_engine
    from models.tables import Application, Feedback, Pilot

    app = FastAPI()

    @app.post("/bare/feedback/{pilot_id}", status_code=201)
    def insert(pilot_id: int, body: dict) -> dict:
        with Session(get_engine()) as session:
            session.add(Feedback(pilot_id=pilot_id, rating=body["rating"], nps=body["nps"], comment=body.get("comment")))
            session.commit()
        return {"ok": True}

    @app.get("/bare/applications/{application_id}")
    def read(application_id: int) -> dict:
        with Session(get_engine()) as session:
            row = session.get(Application, application_id)
            if row is None:
                raise HTTPException(404)
            return row.model_dump(mode="json")

    _ = Pilot
    return app


def serve(which: str, port: int) -> None:
    import uvicorn

    if which == "bare":
        app = bare_app()
    else:
        from api.main import create_app
        app = create_app()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def start(which: str, env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, "--serve", which, "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/docs", timeout=1)
            return process, base
        except httpx.HTTPError:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode()[-2000:])
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{which} API did not start")


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def hammer(base: str, pid: int, method: str, path: str, clients: int, seconds: float, expect: int,
                 body=None, headers=None) -> dict:
    """`clients` clients sending requests one after the other for `seconds`: the latencies, the unexpected
    answers, the time taken and the CPU time the server (process `pid`) used meanwhile."""
    latencies: list[float] = []
    errors = 0
    slice_number = next(SLICES)  # each answer has a user agent of its own: no repeat-submission 429
    stop_at = time.perf_counter() + seconds

    async def client(number: int) -> None:
        nonlocal errors
        sequence = 0
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            while time.perf_counter() < stop_at:
                sequence += 1
                started = time.perf_counter()
                response = await http.request(method, path, json=body, headers={
                    **(headers or {}), "User-Agent": f"load/{slice_number}/{number}/{sequence}"})
                latencies.append(time.perf_counter() - started)
                errors += response.status_code != expect

    started, cpu = time.perf_counter(), cpu_seconds(pid)
    await asyncio.gather(*(client(n) for n in range(clients)))
    return {"latencies": latencies, "errors": errors, "elapsed": time.perf_counter() - started,
            "cpu": cpu_seconds(pid) - cpu}


def summary(slices: list[dict]) -> dict:
    latencies = sorted(latency for piece in slices for latency in piece["latencies"])
    elapsed = sum(piece["elapsed"] for piece in slices)
    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "errors": sum(p["errors"] for p in slices),
            "cpu_ms": sum(piece["cpu"] for piece in slices) * 1000 / len(latencies),
            "p50": statistics.median(latencies) * 1000,
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000}


async def compare(ours: tuple, baseline: tuple, clients: int, seconds: float, rounds: int) -> tuple[dict, dict]:
    """Both APIs for `seconds` each, in `rounds` alternating slices; returns (ours, baseline) summaries."""
    mine: list[dict] = []
    theirs: list[dict] = []
    for number in range(rounds):
        order = [(ours, mine), (baseline, theirs)]
        for (base, pid, method, path, expect, body, headers), into in order if number % 2 == 0 else order[::-1]:
            into.append(await hammer(base, pid, method, path, clients, seconds / rounds, expect, body, headers))
    return summary(mine), summary(theirs)


def line(label: str, result: dict) -> str:
    return (f"  {label:<34} {result['rps']:8.0f} req/s   p50 {result['p50']:7.1f} ms   p99 {result['p99']:7.1f} ms"
            f"   server CPU {result['cpu_ms']:.2f} ms/request"
            f"   ({result['requests']} requests, {result['errors']} unexpected answers)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0, help="per scenario and API")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10, help="alternating slices per scenario (1: one block each)")
    parser.add_argument("--database-url", default=None, help="default: a scratch SQLite file")
    parser.add_argument("--serve", choices=["pilotflow", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return 0

    work = tempfile.mkdtemp(prefix="pilotflow-load-")
    url = args.database_url or f"sqlite:///{work}/pilotflow.db"
    env = {**os.environ, "PILOTFLOW_DATABASE_URL": url, "PILOTFLOW_DOCUMENT_DIR": f"{work}/documents",
           "PILOTFLOW_API_KEY": API_KEY, "PILOTFLOW_FEEDBACK_REPEAT_WINDOW_SECONDS": "600"}
    os.environ.update({k: env[k] for k in ("PILOTFLOW_DATABASE_URL", "PILOTFLOW_DOCUMENT_DIR", "PILOTFLOW_API_KEY")})
    from admin.migrate import prepare_database
    from bench.concurrency import feedback_pilot
    from models.db import session_scope
    from models.tables import Pilot
    prepare_database()
    pilot_id, token = feedback_pilot()
    with session_scope() as session:
        application_id = session.get(Pilot, pilot_id).application_id

    print(f"load: {args.clients} clients, {args.seconds:g} s per scenario and API in {args.rounds} alternating "
          f"round(s), database {url.split(':')[0]}, 127.0.0.1 only")
    processes = []
    try:
        pilotflow, pilotflow_url = start("pilotflow", env)
        processes.append(pilotflow)
        bare, bare_url = start("bare", env)
        processes.append(bare)
        answer = {"rating": 5, "nps": 9, "comment": "Удобно"}
        key = {"X-API-Key": API_KEY}
        scenarios = [
            ("feedback submission", (pilotflow_url, pilotflow.pid, "POST", f"/feedback/{token}", 201, answer, None),
             (bare_url, bare.pid, "POST", f"/bare/feedback/{pilot_id}", 201, answer, None)),
            ("GET /applications/{id}",
             (pilotflow_url, pilotflow.pid, "GET", f"/applications/{application_id}", 200, None, key),
             (bare_url, bare.pid, "GET", f"/bare/applications/{application_id}", 200, None, None)),
        ]
        ok = True
        for name, ours, baseline in scenarios:
            print(name)
            mine, theirs = asyncio.run(compare(ours, baseline, args.clients, args.seconds, args.rounds))
            print(line("pilotflow", mine))
            print(line("bare FastAPI, same row", theirs))
            ratio = mine["rps"] / theirs["rps"]
            verdict = "meets" if ratio >= GOAL else "below"
            print(f"  ratio {ratio:.2f} of the bare endpoint's throughput ({verdict} the goal of {GOAL}); "
                  f"server CPU per request {theirs['cpu_ms'] / mine['cpu_ms']:.2f} of pilotflow's")
            ok = ok and mine["errors"] == 0 and theirs["errors"] == 0
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
