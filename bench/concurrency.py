"""50 concurrent clients posting 20,000 citizen feedback answers, on SQLite (WAL, busy timeout) and PostgreSQL:
every acknowledged answer must be stored.

    .venv/bin/python bench/concurrency.py [--clients 50] [--rows 20000] [--no-postgres]

The API runs in uvicorn on a free loopback port (one process, its thread pool); each client is an httpx
AsyncClient posting `POST /feedback/{token}` with its own User-Agent per answer (the 429 repeat rule keys on
address + browser + link). Prints answers per second, and the stored count against the acknowledged one.
tests/api/test_concurrency.py runs the same with fewer rows.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the pilot is built by the tests' own helper (tests/pilots.py)

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
import uvicorn  # noqa: E402
from sqlmodel import func, select  # noqa: E402

from models import db, settings  # noqa: E402

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(app, port: int | None = None, **options) -> Iterator[str]:
    """The ASGI app in uvicorn on 127.0.0.1 in a background thread; yields its base URL, stops it on exit."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="off", **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


async def post_feedback(base_url: str, token: str, clients: int, rows: int) -> tuple[int, collections.Counter, float]:
    """`rows` answers from `clients` concurrent clients; returns (acknowledged, other outcomes, seconds)."""
    outcomes: collections.Counter = collections.Counter()
    shares = [rows // clients + (1 if c < rows % clients else 0) for c in range(clients)]

    async def client(number: int, count: int) -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
            for i in range(count):
                body = {"rating": 1 + (number + i) % 5, "nps": (number * 7 + i) % 11, "comment": f"c{number}-{i}"}
                try:
                    response = await http.post(f"/feedback/{token}", json=body,
                                               headers={"User-Agent": f"bench/{number}/{i}"})
                    outcomes[response.status_code] += 1
                except httpx.HTTPError as exc:
                    outcomes[type(exc).__name__] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(c, count) for c, count in enumerate(shares)))
    elapsed = time.perf_counter() - started
    acknowledged = outcomes.pop(201, 0)
    return acknowledged, outcomes, elapsed


def stored_feedback(pilot_id: int) -> int:
    from models.tables import Feedback
    with db.session_scope() as session:
        return session.exec(select(func.count()).select_from(Feedback).where(Feedback.pilot_id == pilot_id)).one()


def feedback_pilot() -> tuple[int, str]:
    """An active pilot (the tests' helper) and its feedback token."""
    from models.tables import Pilot
    from tests.pilots import make_pilot
    pilot_id = make_pilot(date.today() - timedelta(days=20))
    with db.session_scope() as session:
        return pilot_id, session.get(Pilot, pilot_id).feedback_token


def use_database(url: str, document_dir: str) -> None:
    os.environ.update(PILOTFLOW_DATABASE_URL=url, PILOTFLOW_DOCUMENT_DIR=document_dir,
                      PILOTFLOW_API_KEY="bench-key")
    settings.get_settings.cache_clear()
    db.get_engine.cache_clear()


def run(label: str, url: str, clients: int, rows: int, work: str) -> bool:
    from admin.migrate import prepare_database
    from api.main import create_app
    use_database(url, f"{work}/documents")
    prepare_database()
    pilot_id, token = feedback_pilot()
    with serving(create_app()) as base_url:
        acknowledged, others, elapsed = asyncio.run(post_feedback(base_url, token, clients, rows))
    stored = stored_feedback(pilot_id)
    ok = stored == acknowledged == rows
    print(f"{label:<10} {clients} clients, {rows} answers: {acknowledged} acknowledged, {stored} stored, "
          f"other outcomes {dict(others) or 'none'}; {elapsed:.1f} s, {acknowledged / elapsed:.0f} answers/s  "
          f"{'OK' if ok else 'FAIL'}")
    db.get_engine().dispose()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="pilotflow-concurrency-")
    results = [run("sqlite", f"sqlite:///{work}/pilotflow.db", args.clients, args.rows, work)]
    if not args.no_postgres:
        name = f"pilotflow_bench_concurrency_{uuid.uuid4().hex[:6]}"
        admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
            results.append(run("postgresql", url, args.clients, args.rows, work))
        finally:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
