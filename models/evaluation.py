"""Stage 5 persistence: what the evaluation reads of a pilot, and the pilot's completion."""

from collections import defaultdict
from datetime import date

from sqlmodel import Session, select

from models.adoption import pilot_of
from models.catalog import sector_by_slug
from models.rules.evaluation import PilotFacts, Response
from models.rules.methodology import MIN_SATISFIED_SHARE
from models.settings import local_date
from models.stages import PilotStatus, ReviewStatus, Stage, Status
from models.tables import Analysis, Application, Checkpoint, Feedback, Measurement, Methodology, MidpointReview
from models.transitions import transition


def load_facts(session: Session, application_id: int, as_of: date, critical_incident: str = "",
               early_end_reason: str = "") -> tuple[PilotFacts, list[Response]]:
    """What the methodology planned and what the pilot measured, heard and decided, as the evaluation needs it."""
    pilot = pilot_of(session, application_id)
    methodology = session.get(Methodology, pilot.methodology_id)
    measurements: dict[str, list[tuple[date, float]]] = defaultdict(list)
    for code, day, value in session.exec(
            select(Measurement.kpi_code, Measurement.measured_at, Measurement.value)
            .where(Measurement.pilot_id == pilot.id).order_by(Measurement.measured_at, Measurement.id)):
        measurements[code].append((day, value))
    checkpoints = [
        {"as_of": c.as_of.isoformat(), "kind": c.kind, "severity": c.severity, "deviations": c.deviations,
         "kpi_results": c.kpi_results}
        for c in session.exec(select(Checkpoint).where(Checkpoint.pilot_id == pilot.id).order_by(Checkpoint.as_of))
    ]
    responses = [
        Response(rating=rating, day=local_date(created_at), nps=nps, sus=sus, age_band=age_band,
                 has_disability=has_disability, comment=comment)
        for rating, created_at, nps, sus, age_band, has_disability, comment in session.exec(
            select(Feedback.rating, Feedback.created_at, Feedback.nps, Feedback.sus, Feedback.age_band,
                   Feedback.has_disability, Feedback.comment)
            .where(Feedback.pilot_id == pilot.id).order_by(Feedback.created_at, Feedback.id))
    ]
    analysis = session.get(Analysis, methodology.analysis_id)
    library = {k.code: k.model_dump() for k in sector_by_slug()[analysis.sector].kpis} if analysis else {}
    # Structured, not the audit log's English sentence: the report words the decision in its own language.
    decisions = [{"date": local_date(r.decided_at).isoformat(), "decision": r.decision, "coordinator": r.coordinator,
                  "comment": r.comment or ""}
                 for r in session.exec(select(MidpointReview).where(MidpointReview.pilot_id == pilot.id,
                                                                    MidpointReview.status == ReviewStatus.DECIDED))]
    facts = PilotFacts(
        kpis=methodology.kpis, measurements=dict(measurements), start=pilot.start_date, end=pilot.end_date,
        planned_start=methodology.start_date, planned_end=methodology.end_date, as_of=as_of,
        planned_checkpoints=methodology.checkpoints, checkpoints=checkpoints,
        min_respondents=methodology.feedback_plan["min_respondents"], min_satisfied_share=MIN_SATISFIED_SHARE,
        population=methodology.feedback_plan.get("population"), library_kpis=library, decisions=decisions,
        critical_incident=critical_incident, early_end_reason=early_end_reason,
        baseline_days=methodology.baseline_days,
    )
    return facts, responses


def record_completion(session: Session, application: Application, evaluation: dict, actor: str,
                   flow_run_id: str | None) -> None:
    """The report is stored: the pilot is completed with the evaluation's recommendation."""
    pilot = pilot_of(session, application.id)
    pilot.status = PilotStatus.COMPLETED
    pilot.recommendation = evaluation["recommendation"]
    session.add(pilot)
    transition(session, application, Stage.EVALUATION, Status.EVALUATED, actor, flow_run_id,
               f"recommendation: {evaluation['recommendation']} ({evaluation['reason']})")
