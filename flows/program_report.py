"""program-report: the program dashboard as a Prefect markdown artifact, refreshed on a schedule (prefect.yaml).

The figures are the ones GET /stats answers and the quarterly report prints (models/stats.py); the
charts are embedded as PNG images, so the artifact needs nothing else to be read.
"""

import base64

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact

from documents.reports import PROGRAM_TEXT, program_charts, program_figures
from models.db import session_scope
from models.stats import ProgramStats, program_stats

ARTIFACT_KEY = "program-dashboard"


def dashboard_markdown(stats: ProgramStats, charts: dict[str, bytes]) -> str:
    text = PROGRAM_TEXT["en"]
    lines = [f"# Pilot program dashboard, {stats.as_of:%Y-%m-%d %H:%M} UTC", "", "| figure | value |", "| --- | --- |"]
    lines += [f"| {row.name} | {row.value} |" for row in program_figures(stats, "en")]
    for title, counts in (("Applications by stage", stats.by_stage), ("Applications by status", stats.by_status),
                          ("Recommendations of completed pilots", stats.recommendations),
                          (text["by_sector"], stats.by_sector), (text["sites"], stats.sites)):
        lines += ["", f"## {title}", "", "| | count |", "| --- | --- |"]
        lines += [f"| {c.label_en if c.label_en == c.key else f'{c.key} {c.label_en}'} | {c.count} |" for c in counts]
    lines += ["", "## Charts", ""]
    lines += [f"![{name}](data:image/png;base64,{base64.b64encode(png).decode()})" for name, png in charts.items()]
    return "\n".join(lines)


@task
def compute_stats() -> ProgramStats:
    with session_scope() as session:
        return program_stats(session)


@flow(name="program-report", log_prints=True)
def program_report() -> dict:
    """Refresh the program-dashboard artifact; returns the headline figures."""
    stats = compute_stats()
    create_markdown_artifact(dashboard_markdown(stats, program_charts(stats, "en")), key=ARTIFACT_KEY,
                             description="The pilot program's figures (also GET /stats)")
    print(f"program: {stats.applications} applications, {stats.reached_pilot} pilots, "
          f"{stats.pilots_completed} completed, {stats.rolled_out} recommended for roll-out")
    return {"applications": stats.applications, "pilots": stats.reached_pilot,
            "completed": stats.pilots_completed, "rolled_out": stats.rolled_out}
