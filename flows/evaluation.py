"""Stage 5, pilot-evaluation: the analytical report, with the coordinator's and expert's conclusions.

The run computes the results, shows them as an artifact and in the conclusions form, and suspends
until the coordinator submits the form (in the Prefect UI, or POST /applications/{id}/conclusions).
A suspended run holds no process; on resume Prefect runs the flow again from the top, so everything
before the suspend only reads, or writes what is already there (the stage run record, the artifact).
"""

from datetime import date

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput

from documents.registry import issue_document
from documents.reports import RECOMMENDATIONS, VERDICTS, report_context
from flows.common import acting, current_flow_run_id, guard_stage
from models import actors
from models.adoption import pilot_of
from models.db import get_required, session_scope
from models.evaluation import load_facts, record_completion
from models.rules.evaluation import evaluate_pilot
from models.schemas import ActorName, DecidedBy, EvaluationInput
from models.settings import local_today
from models.stages import Actor, Stage
from models.tables import Application, Company, Methodology, Site
from models.transitions import record_stage_run


@task
def evaluate(application_id: int, as_of: date, critical_incident: str = "", early_end_reason: str = "") -> dict:
    """The one computation every number of the report comes from (read-only)."""
    with session_scope() as session:
        return evaluate_pilot(*load_facts(session, application_id, as_of, critical_incident, early_end_reason))


def draft_markdown(application_id: int, evaluation: dict) -> str:
    """The results so far, shown next to the conclusions form."""
    feedback = evaluation["feedback"]
    csat = feedback["csat"]
    timeline = evaluation["timeline"]
    lines = [
        f"## Application {application_id}: draft results for the analytical report",
        f"**Recommendation by the rule: {RECOMMENDATIONS['en'][evaluation['recommendation']]}**. "
        f"{evaluation['reason']}.",
        "",
        "| KPI | primary | baseline | target | final level | 95 % interval | readings | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in evaluation["kpis"]:
        actual = r["actual"]
        shown = "—" if actual is None else f"{actual['value']:.4g}"
        bounds = "—" if actual is None or actual["low"] is None else f"{actual['low']:.4g} to {actual['high']:.4g}"
        lines.append(f"| {r['name_en']} | {'yes' if r['primary'] else 'no'} | {r['baseline']:g} ({r['baseline_source']}) "
                     f"| {r['target']:g} | {shown} | {bounds} | {r['readings']} | {VERDICTS['en'][r['verdict']]} |")
    lines += [
        "",
        f"Respondents: {feedback['respondents']} (plan {feedback['min_respondents']}); satisfied: "
        + ("—" if csat is None else f"{csat['value']:.0%} ({csat['low']:.0%} to {csat['high']:.0%})"),
        f"Monitoring: {len(evaluation['monitoring']['incidents'])} critical checkpoints, "
        f"{len(evaluation['monitoring']['data_gaps'])} data gaps; {len(evaluation['deviations'])} deviations.",
        "",
        "Submit the conclusions to finalise the report. A critical incident (one that endangered citizens or "
        "their data) makes the recommendation *stop*. Evaluating before the pilot phase ends "
        f"({timeline['end']}) needs a reason in *early end reason*, which the report states; without one the "
        "recommendation cannot be roll-out.",
    ]
    return "\n".join(lines)


@task
def announce_wait(application_id: int, evaluation: dict, actor: str) -> dict:
    """Record this run as the application's evaluation run (the API resumes it) and publish the draft;
    returns the form's description and its default coordinator (who adopted the methodology)."""
    run_id = current_flow_run_id()
    with session_scope() as session:
        record_stage_run(session, application_id, Stage.EVALUATION, run_id, actor)
        coordinator = session.get(Methodology, pilot_of(session, application_id).methodology_id).adopted_by
    markdown = draft_markdown(application_id, evaluation)
    create_markdown_artifact(markdown, key=f"evaluation-draft-{application_id}",
                             description="Draft results of the analytical report, before the conclusions")
    return {"description": markdown, "coordinator": coordinator or "coordinator"}


class ConclusionsForm(RunInput, DecidedBy, EvaluationInput):
    """The conclusions, as the form of the suspended run (the API resumes it with the same fields, and
    `decided_by`: the user who gave them)."""


def wait_for_conclusions(description: str, coordinator: str) -> tuple[EvaluationInput, str]:
    """Suspend until the conclusions come; returns them and who gave them (the API's `decided_by`, else the
    Prefect UI)."""
    form = ConclusionsForm.with_initial_data(description=description, coordinator=coordinator)
    answer = suspend_flow_run(wait_for_input=form)
    conclusions = EvaluationInput.model_validate(answer.model_dump(include=set(EvaluationInput.model_fields)))
    return conclusions, answer.decided_by or actors.PREFECT_UI


@task(retries=2, retry_delay_seconds=2)
def generate_report(application_id: int, evaluation: dict, conclusions: EvaluationInput, report_date: date) -> int:
    with session_scope() as session:
        application = get_required(session, Application, application_id)
        pilot = pilot_of(session, application_id)
        context = report_context(
            application, session.get(Company, pilot.company_id), session.get(Site, pilot.site_id), pilot,
            session.get(Methodology, pilot.methodology_id), evaluation, report_date, conclusions,
        )
        return issue_document(session, kind="report", language=application.language, context=context,
                              number=pilot.contract_number, application_id=application_id, pilot_id=pilot.id,
                              flow_run_id=current_flow_run_id()).id


@task(retries=2, retry_delay_seconds=2)
def complete_pilot(application_id: int, evaluation: dict, actor: str) -> None:
    with session_scope() as session:
        application = get_required(session, Application, application_id)
        record_completion(session, application, evaluation, actor, current_flow_run_id())


@flow(name="pilot-evaluation", log_prints=True)
def pilot_evaluation(
    application_id: int,
    actor: Actor = Actor.COORDINATOR,
    conclusions: EvaluationInput | None = None,
    requested_by: ActorName | None = None,
) -> int:
    """Evaluate the pilot against its methodology and store the analytical report (its document id).

    Without `conclusions` the run waits for them (a form in the Prefect UI, or the API); with them it
    finalises the report at once. `actor` is the role the stage table checks; `requested_by` the user who
    started the run (the API passes it); without it, where the run came from (the Prefect UI, ...). The
    evaluation is audited under whoever gave the conclusions."""
    guard_stage(application_id, Stage.EVALUATION, actor)
    who = acting(requested_by)
    today = local_today()
    concluded_by = who
    if conclusions is None:
        form = announce_wait(application_id, evaluate(application_id, today), who)
        conclusions, concluded_by = wait_for_conclusions(form["description"], form["coordinator"])
    results = evaluate(application_id, today, conclusions.critical_incident, conclusions.early_end_reason)
    document_id = generate_report(application_id, results, conclusions, today)
    complete_pilot(application_id, results, concluded_by)
    print(f"application {application_id}: {results['recommendation']} ({results['reason']}), report {document_id}")
    return document_id
