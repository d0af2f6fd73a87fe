"""The monitoring sweep at city scale, on SQLite and PostgreSQL.

    .venv/bin/python bench/monitoring.py [--pilots 10000] [--kpis 50] [--feedback 5000000] [--no-postgres]

Generates the data once per size (bulk inserts; a scratch SQLite file under /tmp/pilotflow-bench and a
scratch PostgreSQL database pilotflow_bench_<size> on 127.0.0.1:5432, both kept for the next run), then, in a
fresh process so its peak RSS is the sweep's own, times:
- the sweep: `models.monitoring.monitor_batch` over every batch of active pilots, the function the
  pilot-monitoring flow's tasks run (without the Prefect server: no task runs, no events sent);
- the bare SQL aggregation of the same figures: the same statements (latest value per pilot and KPI,
  feedback aggregates per pilot, previous signals, plans) executed and fetched, nothing else;
- the sweep over the first 1,000 ... 10,000 pilots, to show how its time grows.
Each pilot runs a methodology with `--kpis` KPIs from the sector library, measured at every calendar
checkpoint so far (some data deliberately late or missing), and gets its share of the feedback rows.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from admin.migrate import upgrade_database
from models.catalog import load_sectors
from models.catalog_seed import seed_catalog
from models.db import make_engine, session_scope
from models.monitoring import (
    active_pilot_ids,
    end_of_day_utc,
    feedback_aggregates_query,
    latest_measurements_query,
    monitor_batch,
    plans_query,
    previous_signals_query,
)
from models.rules.methodology import checkpoint_calendar
from models.rules.statistics import sus_score
from models.tables import Analysis, Application, Company, Methodology, Pilot

WORK_DIR = Path("/tmp/pilotflow-bench")
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
AS_OF = date(2026, 12, 1)
BATCH_SIZE = 500  # the flow's default
GROWTH_SIZES = (1_000, 2_500, 5_000, 10_000)
ROUNDS = 5  # sweep against bare SQL; the median is printed, as other work on the machine makes single rounds noisy
CHUNK = 100_000
AGE_BANDS = ["under-18", "18-34", "35-54", "55-64", "65+"]
COMMENTS = ["Удобно", "Долго ждал", "Very convenient", "Не понял, как пользоваться", "Спасибо!"]


# --- data ------------------------------------------------------------------------------------


def kpi_library() -> list[dict]:
    return [k.model_dump() for sector in load_sectors() for k in sector.kpis]


def plan_pilots(pilots: int, kpis_per_pilot: int, feedback_rows: int, rng: random.Random) -> list[dict]:
    library = kpi_library()
    shares = [rng.uniform(0.5, 1.5) for _ in range(pilots)]
    scale = feedback_rows / sum(shares)
    counts = [int(s * scale) for s in shares]
    counts[-1] += feedback_rows - sum(counts)
    plans = []
    for i in range(pilots):
        weeks = rng.choice([8, 10, 12, 16, 20])
        start = AS_OF - timedelta(days=rng.randint(1, weeks * 7 - 1))
        offset = i % len(library)
        kpis = [(library + library)[offset + k] for k in range(kpis_per_pilot)]
        # most pilots go to plan, some lag, a few get worse than their baseline
        health = rng.choices(["good", "lagging", "bad"], weights=[70, 20, 10])[0]
        plans.append({"id": i + 1, "weeks": weeks, "start": start, "end": start + timedelta(weeks=weeks),
                      "kpis": kpis, "calendar": checkpoint_calendar(start, weeks), "health": health,
                      "feedback": counts[i]})
    return plans


def insert_pilots(engine: sa.Engine, plans: list[dict]) -> None:
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        seed_catalog(session)
    # The models' own tables, whose column defaults fill what is not given here: a column added with a default
    # needs no mention (the reflected tables had none, and the bench failed on every NOT NULL column added later).
    company, application, analysis, methodology, pilot = (model.__table__ for model in (
        Company, Application, Analysis, Methodology, Pilot))
    with engine.begin() as connection:
        site_ids = connection.execute(sa.text("SELECT id FROM site ORDER BY id")).scalars().all()
        connection.execute(sa.insert(company), [{
            "id": 1, "name": "Bench company", "registration_number": "7700000001", "country": "RU", "address": "",
            "contact_email": "bench@example.org", "signatory_name": "Bench", "signatory_title": "", "created_at": now}])
        for first in range(0, len(plans), 2_000):
            chunk = plans[first:first + 2_000]
            connection.execute(sa.insert(application), [{
                "id": p["id"], "company_id": 1, "title": f"Bench solution {p['id']}", "description": "bench",
                "target_users": "", "wants_to_test": "", "trl": 8, "sector": "retail-services", "setting": "any",
                "needs_power": False, "needs_network": False, "handles_personal_data": False, "certificates": [],
                "language": "ru", "status": "piloting", "stage": "adoption", "screening": {},
                "submitted_at": now, "updated_at": now} for p in chunk])
            connection.execute(sa.insert(analysis), [{
                "id": p["id"], "application_id": p["id"], "sector": "retail-services", "score": 70.0,
                "score_breakdown": [], "suggested_sectors": [], "candidate_sites": [], "created_at": now}
                for p in chunk])
            connection.execute(sa.insert(methodology), [{
                "id": p["id"], "application_id": p["id"], "analysis_id": p["id"],
                "site_id": site_ids[p["id"] % len(site_ids)], "status": "adopted", "duration_weeks": p["weeks"],
                "start_date": p["start"], "end_date": p["end"], "hypotheses": [], "kpis": p["kpis"],
                "checkpoints": p["calendar"], "feedback_plan": {"min_respondents": 97}, "success_criteria": [],
                "stop_criteria": [], "adopted_by": f"Coordinator {p['id'] % 12}", "created_at": now} for p in chunk])
            connection.execute(sa.insert(pilot), [{
                "id": p["id"], "application_id": p["id"], "methodology_id": p["id"],
                "site_id": site_ids[p["id"] % len(site_ids)], "company_id": 1, "status": "active",
                "contract_number": f"PF-B-{p['id']:06d}", "feedback_token": f"bench-token-{p['id']}",
                "start_date": p["start"], "end_date": p["end"], "created_at": now} for p in chunk])


def measurement_rows(plans: list[dict], rng: random.Random) -> Iterator[tuple]:
    """(pilot_id, kpi_code, value, measured_at, source, created_at) at every calendar checkpoint so far."""
    for p in plans:
        total = (p["end"] - p["start"]).days
        for checkpoint in p["calendar"]:
            day = date.fromisoformat(checkpoint["date"])
            if day > AS_OF or rng.random() < 0.05:  # the future, or a checkpoint whose data never came
                continue
            elapsed = (day - p["start"]).days / total
            for kpi in p["kpis"]:
                if rng.random() < 0.02:
                    continue
                progress = {"good": elapsed + rng.uniform(-0.1, 0.2), "lagging": elapsed * rng.uniform(0.0, 0.5),
                            "bad": rng.uniform(-0.5, 0.3)}[p["health"]]
                value = round(kpi["baseline"] + (kpi["target"] - kpi["baseline"]) * progress, 3)
                yield (p["id"], kpi["code"], value, day, "bench", day)


def feedback_rows(plans: list[dict], rng: random.Random) -> Iterator[tuple]:
    """(pilot_id, rating, nps, sus, sus_score, age_band, has_disability, comment, created_at)."""
    weights = {"good": [2, 3, 10, 35, 50], "lagging": [5, 10, 25, 35, 25], "bad": [25, 25, 25, 15, 10]}
    for p in plans:
        begin = datetime.combine(p["start"], datetime.min.time(), UTC).timestamp()
        span = (AS_OF - p["start"]).days * 86_400
        ratings = rng.choices([1, 2, 3, 4, 5], weights=weights[p["health"]], k=p["feedback"])
        for rating in ratings:
            sus = [rng.randint(1, 5) for _ in range(10)] if rng.random() < 0.3 else None
            yield (p["id"], rating, min(10, max(0, rating * 2 + rng.randint(-2, 1))),
                   sus, sus_score(sus) if sus else None,
                   rng.choice(AGE_BANDS) if rng.random() < 0.6 else None,
                   rng.random() < 0.2, rng.choice(COMMENTS) if rng.random() < 0.05 else None,
                   datetime.fromtimestamp(begin + rng.random() * span, UTC))


def chunks(rows: Iterator[tuple]) -> Iterator[list[tuple]]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


MEASUREMENT_COLUMNS = ("pilot_id", "kpi_code", "value", "measured_at", "source", "created_at")
FEEDBACK_COLUMNS = ("pilot_id", "rating", "nps", "sus", "sus_score", "age_band", "has_disability", "comment",
                    "created_at")


@contextmanager
def secondary_indexes_dropped(cursor, listing: str, drop: str) -> Iterator[None]:
    """Bulk loads are several times faster into tables without their secondary indexes; rebuilt after."""
    cursor.execute(listing)
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(drop.format(name=name))
    yield
    for _, definition in indexes:
        cursor.execute(definition)


def load_sqlite(cursor, table: str, columns: tuple[str, ...], rows: Iterator[tuple]) -> None:
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    for chunk in chunks(rows):
        cursor.executemany(sql, chunk)


def load_postgres(cursor, table: str, columns: tuple[str, ...], rows: Iterator[tuple]) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


# How each database takes the generated values: SQLite's DATE and DATETIME columns are ISO text.
SQLITE_VALUES = {
    "measurement": lambda r: (*r[:3], r[3].isoformat(), r[4], f"{r[5]} 12:00:00.000000"),
    "feedback": lambda r: (*r[:3], json.dumps(r[3]) if r[3] else None, *r[4:8],
                           r[8].strftime("%Y-%m-%d %H:%M:%S.%f")),
}
POSTGRES_VALUES = {
    "measurement": lambda r: (*r[:5], datetime.combine(r[5], datetime.min.time(), UTC)),
    "feedback": lambda r: (*r[:3], json.dumps(r[3]) if r[3] else None, *r[4:]),
}


def load(engine: sa.Engine, plans: list[dict], rng: random.Random, postgres: bool) -> None:
    """Measurements and feedback: COPY into PostgreSQL (then VACUUM ANALYZE, as autovacuum would),
    executemany into SQLite."""
    if postgres:
        listing = ("SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('measurement', 'feedback') "
                   "AND indexname NOT LIKE '%%_pkey'")
        drop, write, values = 'DROP INDEX "{name}"', load_postgres, POSTGRES_VALUES
    else:
        listing = ("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                   "AND tbl_name IN ('measurement', 'feedback')")
        drop, write, values = "DROP INDEX {name}", load_sqlite, SQLITE_VALUES
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with secondary_indexes_dropped(cursor, listing, drop):
            for table, columns, rows in (("measurement", MEASUREMENT_COLUMNS, measurement_rows(plans, rng)),
                                         ("feedback", FEEDBACK_COLUMNS, feedback_rows(plans, rng))):
                write(cursor, table, columns, map(values[table], rows))
                raw.commit()
        raw.commit()
    finally:
        raw.close()
    if postgres:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))


def dataset_size(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("pilot", "measurement", "feedback")}


def prepare(url: str, pilots: int, kpis: int, feedback: int, postgres: bool) -> dict[str, int]:
    """Generate the data set unless the database already holds one of this size."""
    engine = make_engine(url)
    try:
        upgrade_database(url)
        size = dataset_size(engine)
        if size["pilot"] == pilots and size["feedback"] == feedback:
            print(f"  reusing the data set: {size}", flush=True)
            return size
        if size["pilot"]:
            raise SystemExit(f"{url} holds another data set {size}; delete it first")
        started = time.perf_counter()
        rng = random.Random(7)
        plans = plan_pilots(pilots, kpis, feedback, rng)
        insert_pilots(engine, plans)
        load(engine, plans, rng, postgres)
        size = dataset_size(engine)
        print(f"  generated {size} in {time.perf_counter() - started:.0f} s", flush=True)
        return size
    finally:
        engine.dispose()


# --- measurement (in a fresh process) ----------------------------------------------------------


def batches(pilot_ids: list[int]) -> Iterator[list[int]]:
    for first in range(0, len(pilot_ids), BATCH_SIZE):
        yield pilot_ids[first:first + BATCH_SIZE]


def timed(work) -> tuple[float, float]:
    """(wall time, this process's CPU time) of `work()`."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def sweep_batch(engine: sa.Engine, batch: list[int], as_of: date) -> None:
    """What one of the flow's tasks does: aggregate, classify, replace the day's records."""
    with session_scope(engine) as session:
        monitor_batch(session, batch, as_of, None)


def bare_sql_batch(engine: sa.Engine, batch: list[int], as_of: date) -> None:
    """The same statements as the sweep's for the batch, only executed and fetched."""
    with engine.connect() as connection:
        for statement in (latest_measurements_query(batch, as_of),
                          feedback_aggregates_query(batch, end_of_day_utc(as_of)),
                          previous_signals_query(batch, as_of), plans_query(batch)):
            connection.execute(statement).all()


def sweep(engine: sa.Engine, pilot_ids: list[int], as_of: date) -> float:
    return timed(lambda: [sweep_batch(engine, batch, as_of) for batch in batches(pilot_ids)])[0]


def paired(engine: sa.Engine, pilot_ids: list[int], as_of: date) -> dict[str, list[float]]:
    """Bare SQL and sweep over all batches, [wall, CPU] seconds each, every batch measured both ways back
    to back in alternating order, so that other work on the machine and the page cache weigh on both alike."""
    totals = {"bare": [0.0, 0.0], "sweep": [0.0, 0.0]}
    for number, batch in enumerate(batches(pilot_ids)):
        order = ("sweep", "bare") if number % 2 else ("bare", "sweep")
        for kind in order:
            step = sweep_batch if kind == "sweep" else bare_sql_batch
            wall, cpu = timed(lambda: step(engine, batch, as_of))
            totals[kind][0] += wall
            totals[kind][1] += cpu
    return totals


def measure(url: str) -> dict:
    engine = make_engine(url)
    with Session(engine) as session:
        pilot_ids = active_pilot_ids(session)
    first_ever = sweep(engine, pilot_ids, AS_OF - timedelta(days=1))  # no earlier checkpoints at all
    daily = sweep(engine, pilot_ids, AS_OF)  # yesterday's records to compare with, none for today yet
    runs = [paired(engine, pilot_ids, AS_OF) for _ in range(ROUNDS)]
    growth = {n: sweep(engine, pilot_ids[:n], AS_OF) for n in GROWTH_SIZES if n <= len(pilot_ids)}
    with engine.connect() as connection:
        records = connection.execute(sa.text("SELECT count(*) FROM checkpoint WHERE as_of = :day"),
                                     {"day": AS_OF}).scalar_one()
    engine.dispose()
    return {"pilots": len(pilot_ids), "first_ever": first_ever, "daily": daily, "runs": runs, "growth": growth,
            "records_for_the_day": records, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def report(name: str, result: dict, in_process: bool) -> None:
    print(f"{name}: {result['pilots']:,} active pilots, sweep in batches of {BATCH_SIZE}")
    print(f"  daily sweep: {result['daily']:.1f} s (goal < 60 s); the very first one, with no earlier "
          f"checkpoints: {result['first_ever']:.1f} s")
    for i, run in enumerate(result["runs"], start=1):
        (bare, bare_cpu), (swept, swept_cpu) = run["bare"], run["sweep"]
        print(f"  round {i}, batch by batch: bare SQL aggregation {bare:.1f} s, sweep (same-day re-run) "
              f"{swept:.1f} s: {swept / bare:.2f}x" + (f"; CPU {swept_cpu / bare_cpu:.2f}x" if in_process else ""))
    wall = median([run["sweep"][0] / run["bare"][0] for run in result["runs"]])
    print(f"  sweep / bare SQL, median of the rounds: {wall:.2f}x wall time (goal <= 1.5x)")
    if in_process:  # SQLite works inside this process, so its CPU time is all the work, whatever else runs
        cpu = median([run["sweep"][1] / run["bare"][1] for run in result["runs"]])
        print(f"  the same in CPU time of the process, which other work on the machine does not inflate: {cpu:.2f}x")
    print(f"  checkpoint records for {AS_OF} after all re-runs: {result['records_for_the_day']} (one per pilot)")
    print(f"  peak RSS of the measuring process: {result['peak_rss_mb']:.0f} MB")
    growth = {int(n): t for n, t in result["growth"].items()}  # JSON made the keys strings
    if not growth:
        print(f"  growth: not measured (fewer pilots than the smallest step, {min(GROWTH_SIZES):,})")
        return
    first = min(growth)
    print("  growth: " + ", ".join(f"{n:,} pilots {t:.1f} s ({t / growth[first]:.1f}x)" for n, t in growth.items()))


def run_measurement(url: str) -> dict:
    output = subprocess.run([sys.executable, __file__, "--measure", url], check=True, capture_output=True,
                            text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def postgres_url(name: str) -> str:
    """A scratch database of that name, created when missing."""
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first():
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pilots", type=int, default=10_000)
    parser.add_argument("--kpis", type=int, default=50)
    parser.add_argument("--feedback", type=int, default=5_000_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    size = f"{args.pilots}_{args.kpis}_{args.feedback}"  # one data set per size, kept for the next run
    targets = [("SQLite", f"sqlite:///{WORK_DIR / f'bench_{size}.db'}", False)]
    if not args.no_postgres:
        targets.append(("PostgreSQL", postgres_url(f"pilotflow_bench_{size}"), True))
    for name, url, postgres in targets:
        print(f"{name}: preparing {args.pilots:,} pilots x {args.kpis} KPIs, {args.feedback:,} feedback rows",
              flush=True)
        prepare(url, args.pilots, args.kpis, args.feedback, postgres)
        report(name, run_measurement(url), in_process=not postgres)


if __name__ == "__main__":
    main()
