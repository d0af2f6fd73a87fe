"""Stage 2, pilot-analysis: technology analysis, site matching and the draft methodology."""

from datetime import date

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.common import acting, current_flow_run_id, guard_stage
from models.analysis import analysis_outcome
from models.analysis import store_analysis as store_result
from models.db import get_required, session_scope
from models.facts import application_facts, catalog_facts
from models.rules.analysis import AnalysisResult, analyse
from models.rules.facts import ApplicationFacts, SiteFacts
from models.schemas import ActorName
from models.settings import local_today
from models.stages import Actor, Stage
from models.tables import Application


@task
def load_inputs(application_id: int) -> tuple[ApplicationFacts, str, list[SiteFacts]]:
    with session_scope() as session:
        application = get_required(session, Application, application_id)
        return application_facts(application), application.language, catalog_facts(session)


@task
def analyse_technology(facts: ApplicationFacts, sites: list[SiteFacts], language: str, today: date,
                       override_trl_gate: bool) -> AnalysisResult:
    return analyse(facts, sites, today, language, override_trl_gate)


@task(retries=2, retry_delay_seconds=2)
def store_analysis(application_id: int, result: AnalysisResult, actor: str) -> int:
    with session_scope() as session:
        application = get_required(session, Application, application_id)
        return store_result(session, application, result, actor, current_flow_run_id()).id


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def score_markdown(result: AnalysisResult) -> str:
    """The rubric's verdicts for the Prefect UI: gates, criteria, sectors, and how the catalog was searched."""
    score = result.score
    gates = "\n".join(f"| {'pass' if g.passed else '**FAIL**'} | {g.label} / {g.label_ru} | {_cell(g.reason)} |"
                      for g in score.gates)
    criteria = "\n".join(f"| {c.label} / {c.label_ru} | {c.points:g} / {c.max_points:g} | {_cell(c.reason)} |"
                         for c in score.breakdown)
    sectors = ", ".join(f"{s['sector']} ({s['score']:.2f})" for s in result.suggested_sectors[:3])
    note = f"\n\n**Sector note:** {result.sector_note}" if result.sector_note else ""
    summary = result.site_summary
    excluded = ", ".join(f"{code} {count}" for code, count in summary["excluded_by"].items()) or "none"
    return (
        f"## Technology score: {score.total:g} / 100\n\n**Gates:** {_cell(score.verdict)}\n\n"
        f"| gate | | reason |\n| --- | --- | --- |\n{gates}\n\n"
        f"| criterion | points | reason |\n| --- | --- | --- |\n{criteria}\n\n"
        f"**Sector:** {result.sector}; suggested: {sectors}{note}\n\n"
        f"**Sites:** {summary['feasible']} of {summary['catalog_sites']} can host the pilot; "
        f"{summary['sector_restricted']} do not accept its sectors; excluded among the rest: {excluded}"
    )


@task
def publish_artifacts(application_id: int, result: AnalysisResult) -> None:
    """Show the ranked sites and the score breakdown to coordinators in the Prefect UI."""
    key = f"application-{application_id}"
    create_table_artifact(
        key=f"{key}-sites",
        table=[{"rank": "excluded" if c.excluded else i, "site": f"{c.code} {c.name}", "sector": c.sector,
                "score": c.score, "free from": c.available_from, "reasons": "; ".join(c.reasons)}
               for i, c in enumerate(result.candidates + result.excluded, start=1)],
        description=f"Ranked candidate test sites for application {application_id}, then excluded ones with why",
    )
    create_markdown_artifact(key=f"{key}-score", markdown=score_markdown(result),
                             description=f"Technology analysis of application {application_id}")


@flow(name="pilot-analysis", log_prints=True)
def pilot_analysis(application_id: int, actor: Actor = Actor.COORDINATOR, override_trl_gate: bool = False,
                   requested_by: ActorName | None = None) -> int:
    """Analyse the technology, rank candidate sites and draft the piloting methodology.

    `override_trl_gate`: the coordinator lets a technology below TRL 5 through the live-pilot gate.
    `actor` is the role the stage table checks; `requested_by` the user who asked (the API passes it), named in
    the audit log; without it the log names where the run came from (the Prefect UI, ...).
    """
    guard_stage(application_id, Stage.ANALYSIS, actor)
    who = acting(requested_by)
    facts, language, sites = load_inputs(application_id)
    result = analyse_technology(facts, sites, language, local_today(), override_trl_gate)
    analysis_id = store_analysis(application_id, result, who)
    publish_artifacts(application_id, result)
    print(f"application {application_id}: {analysis_outcome(result)}; {len(result.candidates)} candidate sites")
    return analysis_id
