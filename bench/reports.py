"""The analytical report and the program dashboard at scale, on a scratch SQLite database.

    .venv/bin/python bench/reports.py [--feedback 5000] [--checkpoints 20] [--pilots 10000] [--runs 3]

- One analytical report for a pilot with `--checkpoints` checkpoint records (every KPI measured at each)
  and `--feedback` feedback rows (CSAT, NPS, SUS, bands, comments in Russian and English): the
  pilot-evaluation flow's work without the Prefect server: load and compute (`evaluate`), build the
  context with its charts, render the .docx and store it. The PDF rendition by LibreOffice, where
  installed, is timed on its own: it is a separate process whose start-up dominates.
- The program dashboard over `--pilots` pilots (and 20 % more applications that never reached one, an
  audit trail, 20 feedback rows per pilot): `program_stats` (what GET /stats answers), its three charts,
  and the quarterly report (.docx).
Each figure is the median of `--runs` runs, printed with its goal.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the pilot in progress is built by the tests' own helper (tests/piloting.py)

GOAL_REPORT_S = 3.0
GOAL_DASHBOARD_S = 2.0
COMMENTS = ["Удобно, автобус объявляют заранее", "Долго ждал, экран не работает", "Too loud at night",
            "Very convenient for my grandmother", "Персонал помог разобраться", "Непонятная инструкция", "ok"]
BANDS = ["under-18", "18-34", "35-54", "55-64", "65+", None]


def use_scratch_database(directory: Path) -> None:
    import os

    os.environ["PILOTFLOW_DATABASE_URL"] = f"sqlite:///{directory / 'bench.db'}"
    os.environ["PILOTFLOW_DOCUMENT_DIR"] = str(directory / "documents")


def median_time(function, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def report_pilot(checkpoints: int, feedback: int, rng: random.Random) -> int:
    """A finished pilot with `checkpoints` monitoring records and `feedback` answers; its application id."""
    from models.db import session_scope
    from models.tables import Checkpoint, Feedback, Measurement, Methodology
    from tests.piloting import piloting_application

    today = date.today()
    with session_scope() as session:
        pilot = piloting_application(session, start=today - timedelta(weeks=26))
        methodology = session.get(Methodology, pilot.methodology_id)
        span = (pilot.end_date - pilot.start_date).days
        days = [pilot.start_date + timedelta(days=span * i // (checkpoints - 1)) for i in range(checkpoints)]
        for number, day in enumerate(days):
            progress = number / (checkpoints - 1)
            results = []
            for kpi in methodology.kpis:
                value = kpi["baseline"] + (kpi["target"] - kpi["baseline"]) * progress * rng.uniform(0.85, 1.15)
                session.add(Measurement(pilot_id=pilot.id, kpi_code=kpi["code"], value=value, measured_at=day))
                results.append({"code": kpi["code"], "status": "on_track", "gap": number == 3, "value": value})
            session.add(Checkpoint(pilot_id=pilot.id, as_of=day, kind="regular", kpi_results=results,
                                   feedback_summary={}, deviations=["data gap"] if number == 3 else [],
                                   severity="warning" if number == 3 else "ok"))
        started = datetime.combine(pilot.start_date, datetime.min.time(), tzinfo=UTC)
        for i in range(feedback):
            session.add(Feedback(
                pilot_id=pilot.id, rating=rng.choices([1, 2, 3, 4, 5], [2, 4, 10, 35, 49])[0], nps=rng.randrange(11),
                sus=[rng.randint(1, 5) for _ in range(10)] if i % 3 == 0 else None, age_band=rng.choice(BANDS),
                has_disability=rng.choice([True, False, None]), comment=rng.choice(COMMENTS) if i % 2 else None,
                created_at=started + timedelta(minutes=rng.randrange(span * 24 * 60))))
        return pilot.application_id


def time_report(application_id: int, runs: int) -> None:
    from documents.pdf import PdfUnavailable, convert_to_pdf
    from documents.registry import register_document
    from documents.render import render_docx
    from documents.reports import report_context
    from flows.evaluation import evaluate
    from models.adoption import pilot_of
    from models.db import session_scope
    from models.schemas import EvaluationInput
    from models.tables import Application, Company, Methodology, Site

    today = date.today()
    conclusions = EvaluationInput(coordinator="Bench", conclusions="—")

    def one_report():
        evaluation = evaluate.fn(application_id, today)
        with session_scope() as session:
            application = session.get(Application, application_id)
            pilot = pilot_of(session, application_id)
            context = report_context(application, session.get(Company, pilot.company_id),
                                     session.get(Site, pilot.site_id), pilot,
                                     session.get(Methodology, pilot.methodology_id), evaluation, today, conclusions)
            rendered = render_docx(f"report_{application.language}.docx", context)
            register_document(session, application_id=application_id, pilot_id=pilot.id, kind="report",
                              language=application.language, rendered=rendered, filename="bench.docx",
                              flow_run_id=None)
            return rendered

    one_report()  # imports matplotlib and warms the caches, as a worker that has made one report before
    seconds, rendered = median_time(one_report, runs)
    status = "ok" if seconds < GOAL_REPORT_S else "MISSED"
    print(f"report (.docx), compute + charts + render + store: {seconds:.2f} s   goal < {GOAL_REPORT_S:g} s  {status}")
    started = time.perf_counter()
    evaluation = evaluate.fn(application_id, today)
    print(f"  of which load and compute (evaluate): {time.perf_counter() - started:.2f} s; "
          f"report size {len(rendered.content) / 1024:.0f} KiB, recommendation {evaluation['recommendation']}")
    try:
        started = time.perf_counter()
        convert_to_pdf(rendered.content)
        print(f"  PDF rendition by LibreOffice (separate, once): {time.perf_counter() - started:.2f} s")
    except PdfUnavailable:
        print("  PDF rendition: LibreOffice not installed, skipped")


def dashboard_program(pilots: int, rng: random.Random) -> None:
    """`pilots` pilots (60 % completed with a recommendation) and 20 % more applications, bulk-inserted."""
    from models.db import get_engine, session_scope
    from models.tables import Methodology, Site, SQLModel

    applications = pilots + pilots // 5
    with session_scope() as session:
        methodology = session.exec(select(Methodology)).first()
        site_ids = list(session.exec(select(Site.id)))
    tables = SQLModel.metadata.tables
    now = datetime.now(UTC)
    sectors = ["transport", "healthcare", "education", "retail-services", "social-services", None]
    with get_engine().begin() as connection:
        first = connection.execute(sa.select(sa.func.max(tables["application"].c.id))).scalar() + 1
        rows, pilot_rows, events, feedback = [], [], [], []
        for n in range(applications):
            app_id = first + n
            submitted = now - timedelta(days=rng.randrange(30, 900))
            piloted = n < pilots
            completed = piloted and n % 5 < 3
            status = "evaluated" if completed else "piloting" if piloted else rng.choice(["registered", "analysed"])
            rows.append({"id": app_id, "company_id": 1, "title": f"Solution {n}", "description": "bench",
                         "target_users": "", "wants_to_test": "", "trl": 7, "sector": rng.choice(sectors),
                         "setting": "any", "needs_power": False, "needs_network": False,
                         "handles_personal_data": False, "certificates": [], "language": "ru", "status": status,
                         "stage": "evaluation" if completed else "adoption" if piloted else "analysis",
                         "screening": {}, "submitted_at": submitted, "updated_at": submitted})
            events.append({"at": submitted, "actor": "applicant", "application_id": app_id,
                           "to_stage": "application", "to_status": "submitted"})
            if piloted:
                start = (submitted + timedelta(days=rng.randrange(20, 60))).date()
                pilot_rows.append({"application_id": app_id, "methodology_id": methodology.id,
                                   "site_id": rng.choice(site_ids), "company_id": 1,
                                   "status": "completed" if completed else "active",
                                   "contract_number": f"PB-{n:07d}", "feedback_token": f"bench-{n}",
                                   "start_date": start, "end_date": start + timedelta(weeks=16), "created_at": submitted,
                                   "recommendation": rng.choice(["roll_out", "roll_out", "iterate", "extend", "stop"])
                                   if completed else None})
                if completed:
                    events.append({"at": datetime.combine(start, datetime.min.time(), tzinfo=UTC)
                                   + timedelta(days=rng.randrange(60, 180)), "actor": "coordinator",
                                   "application_id": app_id, "to_stage": "evaluation", "to_status": "evaluated"})
        connection.execute(sa.insert(tables["application"]), rows)
        connection.execute(sa.insert(tables["pilot"]), pilot_rows)
        connection.execute(sa.insert(tables["auditevent"]), events)
        pilot_ids = [p for (p,) in connection.execute(sa.select(tables["pilot"].c.id))]
        for pilot_id in pilot_ids:
            feedback += [{"pilot_id": pilot_id, "rating": rng.randint(1, 5), "created_at": now}] * 20
        connection.execute(sa.insert(tables["feedback"]), feedback)


def time_dashboard(runs: int) -> None:
    from documents.render import render_docx
    from documents.reports import program_charts, program_report_context
    from models.db import session_scope
    from models.stats import program_stats, quarter_of, quarter_stats

    def stats():
        with session_scope() as session:
            return program_stats(session)

    seconds, figures = median_time(stats, runs)
    status = "ok" if seconds < GOAL_DASHBOARD_S else "MISSED"
    print(f"dashboard over {figures.reached_pilot:,} pilots ({figures.applications:,} applications), "
          f"program_stats (GET /stats): {seconds:.2f} s   goal < {GOAL_DASHBOARD_S:g} s  {status}")
    seconds, _ = median_time(lambda: program_charts(figures, "en"), runs)
    print(f"  its three charts (PNG): {seconds:.2f} s")
    year, quarter = quarter_of(date.today())

    def quarterly():
        with session_scope() as session:
            context = program_report_context(program_stats(session), quarter_stats(session, year, quarter),
                                             "Agency", date.today(), "ru")
        return render_docx("program_report_ru.docx", context)

    seconds, _ = median_time(quarterly, runs)
    print(f"  the quarterly report (.docx) from the same figures: {seconds:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feedback", type=int, default=5000)
    parser.add_argument("--checkpoints", type=int, default=20)
    parser.add_argument("--pilots", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(6)
    with tempfile.TemporaryDirectory(prefix="pilotflow-bench-") as directory:
        use_scratch_database(Path(directory))
        from admin.migrate import prepare_database

        prepare_database()
        print(f"a pilot with {args.checkpoints} checkpoints and {args.feedback:,} feedback rows; "
              f"median of {args.runs} runs")
        time_report(report_pilot(args.checkpoints, args.feedback, rng), args.runs)
        dashboard_program(args.pilots, rng)
        time_dashboard(args.runs)


if __name__ == "__main__":
    main()
